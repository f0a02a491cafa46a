package receipt

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Span receipts sealed by STARK proofs (KindComposite): the span claim plus, per block, the
// composite receipt of the STF guest's run on that block. The seal proves the claim only
// together with what the STF's journal means, which this package does not know: the caller
// verifies it through a SpanSealVerifier (derivation implements it).

// KindComposite is a span receipt whose seal is a SpanSeal: one composite receipt per block.
// It is as large as the sum of its segment proofs; the succinct and Groth16 receipts replace
// it once recursion and the wrap exist.
const KindComposite Kind = 2

// ErrSpanSeal: a composite span seal does not prove its claim.
var ErrSpanSeal = errors.New("receipt: span seal does not prove the claim")

// SpanSealVerifier checks that seal, the seal of a non-dev span receipt, proves claim.
type SpanSealVerifier interface {
	VerifySpanSeal(claim SpanClaim, kind Kind, seal []byte) error
}

// SpanSeal is the seal of a KindComposite receipt: the composite receipt of the guest's run on
// each block of the span, in block order.
type SpanSeal struct {
	Blocks []*CompositeReceipt
}

// SpanSealVersion versions SpanSeal's encoding.
const SpanSealVersion = 1

var spanSealMagic = []byte("ZKXSPN")

// MarshalBinary encodes the seal: "ZKXSPN", u16 version, u32 block count, then per block the
// u32 length and the composite receipt's encoding. Little-endian, like the receipts inside.
func (s *SpanSeal) MarshalBinary() ([]byte, error) {
	if len(s.Blocks) == 0 {
		return nil, fmt.Errorf("%w: span seal without blocks", ErrMalformed)
	}
	b := append([]byte(nil), spanSealMagic...)
	b = binary.LittleEndian.AppendUint16(b, SpanSealVersion)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(s.Blocks)))
	for _, r := range s.Blocks {
		enc, err := r.MarshalBinary()
		if err != nil {
			return nil, err
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(len(enc)))
		b = append(b, enc...)
	}
	return b, nil
}

// minCompositeSize is the shortest composite receipt encoding (no segments, empty journal):
// it bounds the block count a seal of a given length can claim.
const minCompositeSize = 6 + 2 + 4 + 4 + 4

// DecodeSpanSeal parses SpanSeal.MarshalBinary's output (ErrMalformed otherwise). It checks the
// encoding, not the proofs.
func DecodeSpanSeal(b []byte) (*SpanSeal, error) {
	d, err := newReader(b, spanSealMagic, SpanSealVersion)
	if err != nil {
		return nil, err
	}
	n := d.count(4 + minCompositeSize)
	if d.err == nil && n == 0 {
		d.err = fmt.Errorf("%w: span seal without blocks", ErrMalformed)
	}
	s := &SpanSeal{}
	for i := 0; i < n && d.err == nil; i++ {
		enc := d.take(int(d.u32()))
		if d.err != nil {
			break
		}
		r, err := DecodeCompositeReceipt(enc)
		if err != nil {
			d.err = fmt.Errorf("block %d: %w", i, err)
			break
		}
		s.Blocks = append(s.Blocks, r)
	}
	if err := d.finish(); err != nil {
		return nil, err
	}
	return s, nil
}

// NewCompositeSpan makes a KindComposite span receipt for claim from each block's composite
// receipt. Whether they prove the claim is for a SpanSealVerifier to say.
func NewCompositeSpan(claim SpanClaim, blocks []*CompositeReceipt) (*Receipt, error) {
	if err := claim.Validate(); err != nil {
		return nil, err
	}
	seal, err := (&SpanSeal{Blocks: blocks}).MarshalBinary()
	if err != nil {
		return nil, err
	}
	return &Receipt{Kind: KindComposite, Claim: claim, Seal: seal}, nil
}

// KindSuccinct is a span receipt whose seal is a SuccinctSpanSeal: one aggregation proof of every
// block's run, of constant size, plus the runs' journals (the STF claims the span claim is
// chained from, 288 bytes a block).
const KindSuccinct Kind = 3

// SuccinctSpanSeal is the seal of a KindSuccinct receipt: the journal of the guest's run on each
// block, in block order, and the aggregation proof that the image's runs wrote them (opaque here;
// prover/recursion defines and checks it).
type SuccinctSpanSeal struct {
	Journals [][]byte
	Proof    []byte
}

// SuccinctSpanSealVersion versions SuccinctSpanSeal's encoding.
const SuccinctSpanSealVersion = 1

var succinctSpanSealMagic = []byte("ZKXSSP")

// MarshalBinary encodes the seal: "ZKXSSP", u16 version, u32 journal count, each journal (u32
// length, bytes), the proof (u32 length, bytes).
func (s *SuccinctSpanSeal) MarshalBinary() ([]byte, error) {
	if len(s.Journals) == 0 {
		return nil, fmt.Errorf("%w: succinct span seal without blocks", ErrMalformed)
	}
	b := append([]byte(nil), succinctSpanSealMagic...)
	b = binary.LittleEndian.AppendUint16(b, SuccinctSpanSealVersion)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(s.Journals)))
	for _, j := range s.Journals {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(j)))
		b = append(b, j...)
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(s.Proof)))
	return append(b, s.Proof...), nil
}

// DecodeSuccinctSpanSeal parses MarshalBinary's output (ErrMalformed otherwise).
func DecodeSuccinctSpanSeal(b []byte) (*SuccinctSpanSeal, error) {
	d, err := newReader(b, succinctSpanSealMagic, SuccinctSpanSealVersion)
	if err != nil {
		return nil, err
	}
	s := &SuccinctSpanSeal{}
	n := d.count(4)
	if d.err == nil && n == 0 {
		d.err = fmt.Errorf("%w: succinct span seal without blocks", ErrMalformed)
	}
	for i := 0; i < n && d.err == nil; i++ {
		s.Journals = append(s.Journals, d.bytes())
	}
	s.Proof = d.bytes()
	if err := d.finish(); err != nil {
		return nil, err
	}
	return s, nil
}

// NewSuccinctSpan makes a KindSuccinct span receipt for claim. Whether the seal proves it is for
// a SpanSealVerifier to say.
func NewSuccinctSpan(claim SpanClaim, seal *SuccinctSpanSeal) (*Receipt, error) {
	if err := claim.Validate(); err != nil {
		return nil, err
	}
	enc, err := seal.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return &Receipt{Kind: KindSuccinct, Claim: claim, Seal: enc}, nil
}
