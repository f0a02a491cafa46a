package wrap

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/frontend"
	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/recursion"
)

// The Groth16 statement. The wrap circuit has two public inputs, in this order:
//
//  1. keySetRoot: hash.PackBN254 of the verifying-key set's root (Σ root_i·2^(31·i));
//  2. claimDigest: sha256(abi.encode(bytes32 imageId, bytes32 configHash, bytes32 prevOutputRoot,
//     bytes32 newOutputRoot, uint256 l2BlockNumber)) read as a big-endian integer with its top
//     three bits cleared, so that it is below 2^253 < r (SP1 masks its committed-values digest the
//     same way). imageId's word is hash.Digest.Bytes().
//
// The on-chain verifier holds (1) and recomputes (2) from its verify() arguments, so a proof binds
// exactly the proposal the oracle checks; contracts/src/Groth16OutputVerifier.sol mirrors
// ClaimDigest. sha256 rather than keccak256: the EVM has it as a precompile, and its 32-bit
// additions and 64 rounds cost fewer R1CS constraints than keccak's 24 rounds over 1600 bits.
const (
	// NumPublicInputs is the number of the wrap circuit's public inputs.
	NumPublicInputs = 2
	// PublicKeySetRoot and PublicClaimDigest index the public inputs.
	PublicKeySetRoot  = 0
	PublicClaimDigest = 1

	// ClaimPreimageBytes is the length of the hashed encoding: five ABI words.
	ClaimPreimageBytes = 5 * 32
	// claimMaskBits is how many top bits of the sha256 output are cleared.
	claimMaskBits = 3
)

// koalaBearModulus is p = 2^31 - 2^24 + 1: a value below 2^31 is canonical unless its top seven
// bits are all ones and its low 24 bits are not all zeros.
const koalaBearModulus = 1<<31 - 1<<24 + 1

// ErrSpanPublic: span public values that are not a well-formed statement (wrong count, a limb over
// 16 bits, a value that is not canonical KoalaBear, a block-number word that is not a uint64).
var ErrSpanPublic = errors.New("wrap: malformed span public values")

// ClaimDigest is public input (2) for a proposal: the masked sha256 of the claim's ABI encoding,
// as a 32-byte big-endian integer below 2^253.
func ClaimDigest(imageID, configHash, prevOutputRoot, newOutputRoot [32]byte, l2BlockNumber uint64) [32]byte {
	var pre [ClaimPreimageBytes]byte
	copy(pre[0:], imageID[:])
	copy(pre[32:], configHash[:])
	copy(pre[64:], prevOutputRoot[:])
	copy(pre[96:], newOutputRoot[:])
	binary.BigEndian.PutUint64(pre[152:], l2BlockNumber)
	return maskDigest(sha256.Sum256(pre[:]))
}

func maskDigest(d [32]byte) [32]byte {
	d[0] &= 0xff >> claimMaskBits
	return d
}

// KeySetInput is public input (1) for a verifying-key set root.
func KeySetInput(root hash.Digest) fr.Element { return hash.PackBN254(root[:]) }

// PublicInputs returns the two public inputs for a key-set root and a claim digest, in circuit
// order.
func PublicInputs(keySetRoot hash.Digest, claimDigest [32]byte) [NumPublicInputs]fr.Element {
	var out [NumPublicInputs]fr.Element
	out[PublicKeySetRoot] = KeySetInput(keySetRoot)
	// Below 2^253 < r, so SetBytes does not reduce.
	out[PublicClaimDigest].SetBytes(claimDigest[:])
	return out
}

// SpanStatement is what the span program's public values state, decoded.
type SpanStatement struct {
	KeySetRoot     hash.Digest
	ImageID        hash.Digest
	ConfigHash     [32]byte
	PrevOutputRoot [32]byte
	NewOutputRoot  [32]byte
	L2BlockNumber  uint64
}

// ClaimDigest is the statement's public input (2).
func (s SpanStatement) ClaimDigest() [32]byte {
	return ClaimDigest(s.ImageID.Bytes(), s.ConfigHash, s.PrevOutputRoot, s.NewOutputRoot, s.L2BlockNumber)
}

// PublicInputs are the statement's two public inputs.
func (s SpanStatement) PublicInputs() [NumPublicInputs]fr.Element {
	return PublicInputs(s.KeySetRoot, s.ClaimDigest())
}

// SpanPublic encodes the statement as the span program's recursion.NumSpanPublic values.
func (s SpanStatement) SpanPublic() []hash.Element {
	out := make([]hash.Element, recursion.NumSpanPublic)
	copy(out[recursion.SpanPubKeySet:], s.KeySetRoot[:])
	copy(out[recursion.SpanPubImage:], s.ImageID[:])
	putWord := func(at int, w [32]byte) { copy(out[at:], recursion.WordLimbsOf(w[:])) }
	putWord(recursion.SpanPubConfig, s.ConfigHash)
	putWord(recursion.SpanPubPrevOutput, s.PrevOutputRoot)
	putWord(recursion.SpanPubNewOutput, s.NewOutputRoot)
	var block [32]byte
	binary.BigEndian.PutUint64(block[24:], s.L2BlockNumber)
	putWord(recursion.SpanPubBlock, block)
	return out
}

// DecodeSpanPublic is SpanPublic's inverse. It accepts exactly what the circuit gadget accepts,
// except that the circuit takes any uint256 block word while this takes only a uint64 one (the
// span program writes a uint64).
func DecodeSpanPublic(pub []hash.Element) (SpanStatement, error) {
	var s SpanStatement
	if len(pub) != recursion.NumSpanPublic {
		return s, fmt.Errorf("%w: %d values, want %d", ErrSpanPublic, len(pub), recursion.NumSpanPublic)
	}
	// Elements are canonical by construction (gnark-crypto's koalabear reduces on every write).
	copy(s.KeySetRoot[:], pub[recursion.SpanPubKeySet:])
	copy(s.ImageID[:], pub[recursion.SpanPubImage:])
	word := func(at int) ([32]byte, error) {
		var w [32]byte
		for k := range recursion.WordLimbs {
			v := pub[at+k].Uint64()
			if v >= 1<<16 {
				return w, fmt.Errorf("%w: limb %d = %d exceeds 16 bits", ErrSpanPublic, at+k, v)
			}
			w[2*k], w[2*k+1] = byte(v), byte(v>>8)
		}
		return w, nil
	}
	var err error
	if s.ConfigHash, err = word(recursion.SpanPubConfig); err != nil {
		return s, err
	}
	if s.PrevOutputRoot, err = word(recursion.SpanPubPrevOutput); err != nil {
		return s, err
	}
	if s.NewOutputRoot, err = word(recursion.SpanPubNewOutput); err != nil {
		return s, err
	}
	block, err := word(recursion.SpanPubBlock)
	if err != nil {
		return s, err
	}
	for _, b := range block[:24] {
		if b != 0 {
			return s, fmt.Errorf("%w: block number word exceeds uint64", ErrSpanPublic)
		}
	}
	s.L2BlockNumber = binary.BigEndian.Uint64(block[24:])
	return s, nil
}

// ClaimBinder maps the span program's public values, as circuit variables, to the two public
// inputs. Every value is constrained where it enters: limbs to 16 bits, the key-set root's and
// image ID's elements to canonical KoalaBear, so that the limb and byte decompositions, the radix
// 2^31 packing and hence both public inputs are functions of the statement alone. It uses bit
// decompositions only (no lookup argument), so it adds no commitment to a Groth16 circuit.
type ClaimBinder struct {
	api frontend.API
}

// NewClaimBinder returns the gadget for api (BN254's scalar field).
func NewClaimBinder(api frontend.API) (*ClaimBinder, error) {
	return &ClaimBinder{api: api}, nil
}

// Bind returns (keySetRoot, claimDigest) for the span public values pub (recursion.NumSpanPublic
// variables in span.go's layout).
func (c *ClaimBinder) Bind(pub []frontend.Variable) (keySetRoot, claimDigest frontend.Variable, err error) {
	if len(pub) != recursion.NumSpanPublic {
		return nil, nil, fmt.Errorf("%w: %d values, want %d", ErrSpanPublic, len(pub), recursion.NumSpanPublic)
	}
	api := c.api

	// (1) The key-set root: each element canonical, then the radix-2^31 packing (248 bits < r).
	keySetRoot = frontend.Variable(0)
	for i := range hash.DigestElements {
		v := pub[recursion.SpanPubKeySet+i]
		canonicalBits(c.api, v)
		keySetRoot = api.Add(keySetRoot, api.Mul(v, new(big.Int).Lsh(big.NewInt(1), uint(31*i))))
	}

	// (2) The claim's 160-byte preimage, as bits. Image elements: four little-endian bytes of
	// the canonical value's bits. Words: two bytes per 16-bit limb.
	pre := make([][8]frontend.Variable, 0, ClaimPreimageBytes)
	for i := range hash.DigestElements {
		bits := canonicalBits(c.api, pub[recursion.SpanPubImage+i])
		bits = append(bits, 0) // bit 31
		for k := range 4 {
			pre = append(pre, [8]frontend.Variable(bits[8*k:8*k+8]))
		}
	}
	for _, at := range []int{recursion.SpanPubConfig, recursion.SpanPubPrevOutput, recursion.SpanPubNewOutput, recursion.SpanPubBlock} {
		for k := range recursion.WordLimbs {
			bits := api.ToBinary(pub[at+k], 16)
			pre = append(pre, [8]frontend.Variable(bits[:8]), [8]frontend.Variable(bits[8:]))
		}
	}
	sha := sha256Bits{api: api}
	claimDigest = sha.digestInteger(sha.sum(pre), claimMaskBits)
	return keySetRoot, claimDigest, nil
}

// BindingCircuit is the claim binding alone as a Groth16 circuit: the span public values are
// private witnesses and the two public inputs are the statement's. It stands in for the wrap
// circuit (same public inputs, same on-chain verifier) until the STARK verifier feeds the gadget.
type BindingCircuit struct {
	KeySetRoot  frontend.Variable                          `gnark:",public"`
	ClaimDigest frontend.Variable                          `gnark:",public"`
	Span        [recursion.NumSpanPublic]frontend.Variable `gnark:",secret"`
}

// Define implements frontend.Circuit.
func (b *BindingCircuit) Define(api frontend.API) error {
	binder, err := NewClaimBinder(api)
	if err != nil {
		return err
	}
	keySet, claim, err := binder.Bind(b.Span[:])
	if err != nil {
		return err
	}
	api.AssertIsEqual(b.KeySetRoot, keySet)
	api.AssertIsEqual(b.ClaimDigest, claim)
	return nil
}

// BindingAssignment is the full witness of BindingCircuit for a statement.
func BindingAssignment(s SpanStatement) *BindingCircuit {
	var a BindingCircuit
	in := s.PublicInputs()
	a.KeySetRoot, a.ClaimDigest = in[PublicKeySetRoot], in[PublicClaimDigest]
	for i, v := range s.SpanPublic() {
		a.Span[i] = v.Uint64()
	}
	return &a
}
