package receipt

import (
	"encoding/binary"
	"fmt"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/vm"
)

// SuccinctReceipt proves a whole run with one aggregation proof, whatever its number of segments:
// the run's claim (a segment claim read as a range: the image, the first segment's start, the
// last one's end, halt and exit code, the journal's digest, the po2; Index 0), the segment count,
// the journal, and the seal. The seal is opaque here: a SuccinctVerifier (prover/recursion)
// checks it against the claim and the key set it trusts.
type SuccinctReceipt struct {
	Claim    SegmentClaim
	Segments uint32
	Journal  []byte
	Seal     []byte
}

// SuccinctVerifier checks that seal proves that segments 0..segments-1 of a run went as claim says.
type SuccinctVerifier interface {
	VerifySuccinct(claim *SegmentClaim, segments uint32, seal []byte) error
}

// Verify checks that r proves a complete run of imageID: it starts at the image's state with
// segment 0, halts at its last segment, wrote r.Journal, and the seal proves it.
func (r *SuccinctReceipt) Verify(imageID hash.Digest, v SuccinctVerifier) error {
	c := &r.Claim
	if err := c.Validate(); err != nil {
		return err
	}
	switch {
	case c.ImageID != imageID:
		return fmt.Errorf("%w: the receipt names image %s", ErrImageMismatch, c.ImageID)
	case vm.ImageID(c.Start.Root, c.Start.PC) != imageID:
		return fmt.Errorf("%w: the run starts at pc %#x, root %s, not at image %s", ErrImageMismatch, c.Start.PC, c.Start.Root, imageID)
	case c.Index != 0 || r.Segments == 0:
		return fmt.Errorf("%w: a run of %d segments from segment %d", ErrSegmentIndex, r.Segments, c.Index)
	case !c.Halted:
		return fmt.Errorf("%w: the run's last segment does not halt", ErrHalt)
	case hash.HashBytes(r.Journal) != c.JournalDigest:
		return fmt.Errorf("%w: the journal does not match the claim's digest", ErrJournal)
	}
	if err := v.VerifySuccinct(c, r.Segments, r.Seal); err != nil {
		return fmt.Errorf("%w: %w", ErrSeal, err)
	}
	return nil
}

// SuccinctReceiptVersion versions the encoding below.
const SuccinctReceiptVersion = 1

var succinctReceiptMagic = []byte("ZKXSUC")

// MarshalBinary encodes the receipt: "ZKXSUC", u16 version, the claim, u32 segment count, the
// journal (u32 length, bytes), the seal (u32 length, bytes).
func (r *SuccinctReceipt) MarshalBinary() ([]byte, error) {
	b := append([]byte(nil), succinctReceiptMagic...)
	b = binary.LittleEndian.AppendUint16(b, SuccinctReceiptVersion)
	b = r.Claim.appendTo(b)
	b = binary.LittleEndian.AppendUint32(b, r.Segments)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(r.Journal)))
	b = append(b, r.Journal...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(r.Seal)))
	return append(b, r.Seal...), nil
}

// DecodeSuccinctReceipt parses MarshalBinary's output (ErrMalformed otherwise). It checks the
// encoding, not the proof: call Verify.
func DecodeSuccinctReceipt(b []byte) (*SuccinctReceipt, error) {
	d, err := newReader(b, succinctReceiptMagic, SuccinctReceiptVersion)
	if err != nil {
		return nil, err
	}
	r := &SuccinctReceipt{Claim: *d.claim()}
	r.Segments = d.u32()
	r.Journal = d.bytes()
	r.Seal = d.bytes()
	if err := d.finish(); err != nil {
		return nil, err
	}
	return r, nil
}

// IsSuccinct reports whether b starts like an encoded succinct receipt.
func IsSuccinct(b []byte) bool {
	return len(b) >= len(succinctReceiptMagic) && string(b[:len(succinctReceiptMagic)]) == string(succinctReceiptMagic)
}
