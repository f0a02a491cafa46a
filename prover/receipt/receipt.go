// Package receipt owns what a proof attests to and carries: the span claim (a run of L2
// blocks from one output root to the next, under one guest image and chain config), receipts
// over it, their encoding and verification, and the proof bytes the L1 oracle's verifier takes;
// and, one level down, the zkVM's segment receipts (a segment's claim and its seal, verified
// through SealVerifier) and composite receipts (every segment of a run, checked for continuity
// from the image to the halt, with the journal). A span receipt is a dev receipt (no seal,
// accepted only by a verifier configured for dev mode) or a composite one (one composite
// receipt per block, checked through a SpanSealVerifier).
package receipt

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

var (
	// ErrMalformed: bytes that are not a valid encoding.
	ErrMalformed = errors.New("receipt: malformed")
	// ErrDevReceipt: a dev receipt offered to a verifier not configured for dev mode.
	ErrDevReceipt = errors.New("receipt: dev receipt (no seal) rejected: the verifier is not in dev mode")
	// ErrClaimMismatch: the receipt proves a different claim or image than the one expected.
	ErrClaimMismatch = errors.New("receipt: claim mismatch")
	// ErrUnsupported: a receipt kind this build cannot verify.
	ErrUnsupported = errors.New("receipt: unsupported kind")
)

// SpanClaimSize is the length of a span claim's ABI encoding: eight static words.
const SpanClaimSize = 8 * 32

// SpanClaim is what a span receipt attests: executing blocks StartBlock..EndBlock under the
// chain config with hash ConfigHash, starting on the block StartParentHash (whose output root
// is StartOutputRoot), ends at block EndBlockHash with output root EndOutputRoot; ImageID
// names the guest program that checked it.
//
// ABI encoding: abi.encode(bytes32 configHash, bytes32 startParentHash, bytes32 endBlockHash,
// uint64 startBlock, uint64 endBlock, bytes32 startOutputRoot, bytes32 endOutputRoot,
// bytes32 imageId), one word each, numbers big-endian left-padded.
type SpanClaim struct {
	ConfigHash      common.Hash `json:"configHash"`
	StartParentHash common.Hash `json:"startParentHash"`
	EndBlockHash    common.Hash `json:"endBlockHash"`
	StartBlock      uint64      `json:"startBlock"`
	EndBlock        uint64      `json:"endBlock"`
	StartOutputRoot common.Hash `json:"startOutputRoot"`
	EndOutputRoot   common.Hash `json:"endOutputRoot"`
	ImageID         common.Hash `json:"imageId"`
}

func word(n uint64) []byte {
	var w [32]byte
	binary.BigEndian.PutUint64(w[24:], n)
	return w[:]
}

// ABI returns the claim's ABI encoding (SpanClaimSize bytes).
func (c SpanClaim) ABI() []byte {
	out := make([]byte, 0, SpanClaimSize)
	out = append(out, c.ConfigHash[:]...)
	out = append(out, c.StartParentHash[:]...)
	out = append(out, c.EndBlockHash[:]...)
	out = append(out, word(c.StartBlock)...)
	out = append(out, word(c.EndBlock)...)
	out = append(out, c.StartOutputRoot[:]...)
	out = append(out, c.EndOutputRoot[:]...)
	out = append(out, c.ImageID[:]...)
	return out
}

// Digest is keccak256 of the ABI encoding.
func (c SpanClaim) Digest() common.Hash { return crypto.Keccak256Hash(c.ABI()) }

func readWordU64(w []byte) (uint64, error) {
	for _, b := range w[:24] {
		if b != 0 {
			return 0, fmt.Errorf("%w: number word exceeds uint64", ErrMalformed)
		}
	}
	return binary.BigEndian.Uint64(w[24:]), nil
}

// DecodeSpanClaim parses a span claim's ABI encoding.
func DecodeSpanClaim(b []byte) (SpanClaim, error) {
	if len(b) != SpanClaimSize {
		return SpanClaim{}, fmt.Errorf("%w: span claim is %d bytes, want %d", ErrMalformed, len(b), SpanClaimSize)
	}
	w := func(i int) []byte { return b[i*32 : (i+1)*32] }
	start, err := readWordU64(w(3))
	if err != nil {
		return SpanClaim{}, err
	}
	end, err := readWordU64(w(4))
	if err != nil {
		return SpanClaim{}, err
	}
	c := SpanClaim{
		ConfigHash:      common.BytesToHash(w(0)),
		StartParentHash: common.BytesToHash(w(1)),
		EndBlockHash:    common.BytesToHash(w(2)),
		StartBlock:      start,
		EndBlock:        end,
		StartOutputRoot: common.BytesToHash(w(5)),
		EndOutputRoot:   common.BytesToHash(w(6)),
		ImageID:         common.BytesToHash(w(7)),
	}
	if err := c.Validate(); err != nil {
		return SpanClaim{}, err
	}
	return c, nil
}

// Validate checks the claim's shape: a non-empty block range.
func (c SpanClaim) Validate() error {
	if c.StartBlock == 0 || c.EndBlock < c.StartBlock {
		return fmt.Errorf("%w: span %d..%d", ErrMalformed, c.StartBlock, c.EndBlock)
	}
	return nil
}

// Kind says how a receipt is sealed.
type Kind uint8

// KindDev is a receipt without a seal: the claim comes from running the STF (natively or in
// the executor), nothing proves it. Only verifiers configured for dev mode accept it.
const KindDev Kind = 1

func (k Kind) String() string {
	switch k {
	case KindDev:
		return "dev"
	case KindComposite:
		return "composite"
	case KindSuccinct:
		return "succinct"
	case KindGroth16:
		return "groth16"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Receipt is a span claim plus its seal.
type Receipt struct {
	Kind  Kind
	Claim SpanClaim
	Seal  []byte
}

// NewDev makes a dev receipt for claim.
func NewDev(claim SpanClaim) *Receipt { return &Receipt{Kind: KindDev, Claim: claim} }

// IsDev reports whether the receipt is a dev receipt.
func (r *Receipt) IsDev() bool { return r.Kind == KindDev }

// EncodingVersion is the version of Receipt.Encode's layout.
const EncodingVersion = 1

// Encode serialises the receipt, version 1:
//
//	byte 0           version (1)
//	byte 1           kind (1: dev, 2: composite, 3: succinct, 4: groth16)
//	bytes 2..257     span claim ABI
//	bytes 258..261   seal length, big endian
//	bytes 262..      seal (empty for a dev receipt; a SpanSeal for a composite one; a
//	                 SuccinctSpanSeal for a succinct one; a Groth16Seal for a groth16 one)
func (r *Receipt) Encode() []byte {
	out := make([]byte, 0, 2+SpanClaimSize+4+len(r.Seal))
	out = append(out, EncodingVersion, byte(r.Kind))
	out = append(out, r.Claim.ABI()...)
	out = binary.BigEndian.AppendUint32(out, uint32(len(r.Seal)))
	return append(out, r.Seal...)
}

// Decode parses Encode's output; anything else is ErrMalformed.
func Decode(b []byte) (*Receipt, error) {
	const head = 2 + SpanClaimSize + 4
	if len(b) < head {
		return nil, fmt.Errorf("%w: %d bytes, shorter than a receipt", ErrMalformed, len(b))
	}
	if b[0] != EncodingVersion {
		return nil, fmt.Errorf("%w: version %d", ErrMalformed, b[0])
	}
	kind := Kind(b[1])
	if kind != KindDev && kind != KindComposite && kind != KindSuccinct && kind != KindGroth16 {
		return nil, fmt.Errorf("%w: kind %d", ErrMalformed, b[1])
	}
	claim, err := DecodeSpanClaim(b[2 : 2+SpanClaimSize])
	if err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(b[2+SpanClaimSize : head])
	if uint64(len(b)-head) != uint64(n) {
		return nil, fmt.Errorf("%w: seal length %d, %d bytes left", ErrMalformed, n, len(b)-head)
	}
	if kind == KindDev && n != 0 {
		return nil, fmt.Errorf("%w: dev receipt with a seal", ErrMalformed)
	}
	switch kind {
	case KindComposite:
		if _, err := DecodeSpanSeal(b[head:]); err != nil {
			return nil, err
		}
	case KindSuccinct:
		if _, err := DecodeSuccinctSpanSeal(b[head:]); err != nil {
			return nil, err
		}
	case KindGroth16:
		if _, err := DecodeGroth16Seal(b[head:]); err != nil {
			return nil, err
		}
	}
	r := &Receipt{Kind: kind, Claim: claim}
	if n > 0 {
		r.Seal = append([]byte(nil), b[head:]...)
	}
	return r, nil
}

// VerifierOptions configure Verify.
type VerifierOptions struct {
	// ImageID is the guest image the receipt must name.
	ImageID common.Hash
	// AllowDev accepts dev receipts. Never set it outside devnets and tests.
	AllowDev bool
	// Seal checks the seals of other receipts; without it they are ErrUnsupported.
	Seal SpanSealVerifier
}

// Verify checks that r proves want under opts: the claim must equal want (image ID
// included), a dev receipt needs opts.AllowDev, and any other seal must satisfy opts.Seal.
func Verify(r *Receipt, want SpanClaim, opts VerifierOptions) error {
	if r == nil {
		return fmt.Errorf("%w: no receipt", ErrMalformed)
	}
	if r.Claim.ImageID != opts.ImageID {
		return fmt.Errorf("%w: image %x, verifier expects %x", ErrClaimMismatch, r.Claim.ImageID, opts.ImageID)
	}
	if r.Claim != want {
		return fmt.Errorf("%w: receipt proves %x, want %x", ErrClaimMismatch, r.Claim.Digest(), want.Digest())
	}
	switch r.Kind {
	case KindDev:
		if !opts.AllowDev {
			return ErrDevReceipt
		}
		return nil
	case KindComposite, KindSuccinct, KindGroth16:
		if opts.Seal == nil {
			return fmt.Errorf("%w: %v (no seal verifier)", ErrUnsupported, r.Kind)
		}
		return opts.Seal.VerifySpanSeal(r.Claim, r.Kind, r.Seal)
	}
	return fmt.Errorf("%w: %v", ErrUnsupported, r.Kind)
}

// DevTag = keccak256("zkexex.dev-receipt.v1"), the first word of dev proof bytes; the
// DevVerifier contract checks it.
var DevTag = crypto.Keccak256Hash([]byte("zkexex.dev-receipt.v1"))

// DevProofSize is the length of dev proof bytes: six words.
const DevProofSize = 6 * 32

// DevProof returns the proof bytes the oracle's DevVerifier accepts for the claim:
// abi.encode(bytes32 DEV_TAG, bytes32 imageId, bytes32 configHash, bytes32 prevOutputRoot,
// bytes32 newOutputRoot, uint256 l2BlockNumber), with prevOutputRoot the span's start output
// root and l2BlockNumber its end block.
func DevProof(c SpanClaim) []byte {
	out := make([]byte, 0, DevProofSize)
	out = append(out, DevTag[:]...)
	out = append(out, c.ImageID[:]...)
	out = append(out, c.ConfigHash[:]...)
	out = append(out, c.StartOutputRoot[:]...)
	out = append(out, c.EndOutputRoot[:]...)
	return append(out, word(c.EndBlock)...)
}

// DevProofFields are the verifier arguments dev proof bytes commit to.
type DevProofFields struct {
	ImageID, ConfigHash, PrevOutputRoot, NewOutputRoot common.Hash
	L2BlockNumber                                      uint64
}

// DecodeDevProof parses dev proof bytes (wrong length, tag or an over-wide number is
// ErrMalformed).
func DecodeDevProof(b []byte) (DevProofFields, error) {
	if len(b) != DevProofSize {
		return DevProofFields{}, fmt.Errorf("%w: dev proof is %d bytes, want %d", ErrMalformed, len(b), DevProofSize)
	}
	w := func(i int) []byte { return b[i*32 : (i+1)*32] }
	if common.BytesToHash(w(0)) != DevTag {
		return DevProofFields{}, fmt.Errorf("%w: not a dev proof (tag %x)", ErrMalformed, w(0))
	}
	n, err := readWordU64(w(5))
	if err != nil {
		return DevProofFields{}, err
	}
	return DevProofFields{
		ImageID:        common.BytesToHash(w(1)),
		ConfigHash:     common.BytesToHash(w(2)),
		PrevOutputRoot: common.BytesToHash(w(3)),
		NewOutputRoot:  common.BytesToHash(w(4)),
		L2BlockNumber:  n,
	}, nil
}

// Proof returns the bytes to pass to the oracle's proposeL2Output for this receipt: a Groth16
// receipt's proof, which the Groth16OutputVerifier checks. Composite and succinct receipts have
// no on-chain form: they are proposed with dev proof bytes, which only an oracle deployed with
// the DevVerifier accepts, so their proofs are checked off chain (by the proposer) and nowhere on
// chain.
func (r *Receipt) Proof() ([]byte, error) {
	if r.Kind == KindDev || r.Kind == KindComposite || r.Kind == KindSuccinct {
		return DevProof(r.Claim), nil
	}
	if r.Kind == KindGroth16 {
		s, err := DecodeGroth16Seal(r.Seal)
		if err != nil {
			return nil, err
		}
		return s.Proof, nil
	}
	return nil, fmt.Errorf("%w: %v", ErrUnsupported, r.Kind)
}
