package receipt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/vm"
)

// Segment and composite receipts (DESIGN.md "Receipts and aggregation"): a segment receipt is
// the claim of one segment of a zkVM run plus the seal that proves it; a composite receipt is
// every segment of a run, checked for continuity from the image to the halt, plus the journal.

var (
	// ErrImageMismatch: a claim names another image, or the first segment does not start at
	// the image's state.
	ErrImageMismatch = errors.New("receipt: segment does not belong to the image")
	// ErrDiscontinuity: a segment does not start where the previous one ended.
	ErrDiscontinuity = errors.New("receipt: segments are not continuous")
	// ErrSegmentIndex: segment indices are not 0, 1, ..., n-1 in order.
	ErrSegmentIndex = errors.New("receipt: segment index out of order")
	// ErrHalt: the last segment does not halt, or an earlier one does.
	ErrHalt = errors.New("receipt: the run does not halt exactly at its last segment")
	// ErrJournal: the journal does not match the segments' journal digests.
	ErrJournal = errors.New("receipt: journal mismatch")
	// ErrSeal: a segment's seal does not verify.
	ErrSeal = errors.New("receipt: seal does not verify")
	// ErrEmpty: a composite receipt with no segments.
	ErrEmpty = errors.New("receipt: no segments")
)

// SealVerifier checks that seal proves claim. prover/rv64 implements it for STARK seals;
// receipt knows nothing of the proof system.
type SealVerifier interface {
	VerifySeal(claim *SegmentClaim, seal []byte) error
}

// SegmentClaim is what a segment receipt attests: the segment with index Index (po2 Po2) of a
// run of image ImageID went from Start to End, halted or not with ExitCode, and wrote the
// journal bytes whose hash.HashBytes digest is JournalDigest. These are the segment's public
// values.
type SegmentClaim struct {
	ImageID       hash.Digest
	Start, End    vm.State
	Halted        bool
	ExitCode      uint8 // 0 unless Halted
	JournalDigest hash.Digest
	Po2           uint8
	Index         uint32
}

// SegmentClaimSize is the length of a segment claim's encoding.
const SegmentClaimSize = 3*hash.DigestBytes + 2*8 + hash.DigestBytes + 1 + 1 + 1 + 4

// ClaimOf is the claim a segment record proves (its journal chunk is its writes to the
// journal descriptor, in order).
func ClaimOf(seg *vm.Segment) SegmentClaim {
	return SegmentClaim{
		ImageID:       seg.ImageID,
		Start:         seg.Start,
		End:           seg.End,
		Halted:        seg.Halted,
		ExitCode:      seg.ExitCode,
		JournalDigest: hash.HashBytes(JournalOf(seg)),
		Po2:           seg.Po2,
		Index:         seg.Index,
	}
}

// JournalOf returns the journal bytes a segment wrote.
func JournalOf(seg *vm.Segment) []byte {
	var j []byte
	for _, o := range seg.Output {
		if o.Fd == vm.FdJournal {
			j = append(j, o.Data...)
		}
	}
	return j
}

// Validate checks the claim's shape: po2 in range, word-aligned pcs below 2^48, and a zero exit
// code on a segment that does not halt (so that every run has one encoding).
func (c *SegmentClaim) Validate() error {
	switch {
	case c.Po2 < vm.MinPo2 || c.Po2 > vm.MaxPo2:
		return fmt.Errorf("%w: po2 %d", ErrMalformed, c.Po2)
	case !validPC(c.Start.PC) || !validPC(c.End.PC):
		return fmt.Errorf("%w: pc %#x -> %#x", ErrMalformed, c.Start.PC, c.End.PC)
	case !c.Halted && c.ExitCode != 0:
		return fmt.Errorf("%w: exit code %d on a segment that does not halt", ErrMalformed, c.ExitCode)
	}
	return nil
}

func validPC(pc uint64) bool { return pc < 1<<vm.AddrBits && pc&3 == 0 }

// Encoding, little-endian like the segment record (prover/vm): image ID, start (u64 pc,
// root), end (u64 pc, root), u8 halted, u8 exit code, journal digest, u8 po2, u32 index.
// Digests are their 32 canonical bytes.
func (c *SegmentClaim) appendTo(b []byte) []byte {
	b = appendDigest(b, c.ImageID)
	b = binary.LittleEndian.AppendUint64(b, c.Start.PC)
	b = appendDigest(b, c.Start.Root)
	b = binary.LittleEndian.AppendUint64(b, c.End.PC)
	b = appendDigest(b, c.End.Root)
	b = append(b, boolByte(c.Halted), c.ExitCode)
	b = appendDigest(b, c.JournalDigest)
	b = append(b, c.Po2)
	return binary.LittleEndian.AppendUint32(b, c.Index)
}

// MarshalBinary encodes the claim (SegmentClaimSize bytes).
func (c *SegmentClaim) MarshalBinary() ([]byte, error) {
	return c.appendTo(make([]byte, 0, SegmentClaimSize)), nil
}

// DecodeSegmentClaim parses MarshalBinary's output; anything else (wrong length, a
// non-canonical digest, a boolean other than 0 or 1, a claim Validate rejects) is ErrMalformed.
func DecodeSegmentClaim(b []byte) (*SegmentClaim, error) {
	if len(b) != SegmentClaimSize {
		return nil, fmt.Errorf("%w: segment claim is %d bytes, want %d", ErrMalformed, len(b), SegmentClaimSize)
	}
	d := &reader{b: b}
	c := d.claim()
	if err := d.finish(); err != nil {
		return nil, err
	}
	return c, nil
}

// SegmentReceipt is a segment claim and the seal that proves it.
type SegmentReceipt struct {
	Claim SegmentClaim
	Seal  []byte
}

// Verify checks the claim's shape and its seal.
func (r *SegmentReceipt) Verify(v SealVerifier) error {
	if err := r.Claim.Validate(); err != nil {
		return err
	}
	if err := v.VerifySeal(&r.Claim, r.Seal); err != nil {
		return fmt.Errorf("%w: segment %d: %w", ErrSeal, r.Claim.Index, err)
	}
	return nil
}

// SegmentReceiptVersion and CompositeReceiptVersion version the encodings below.
const (
	SegmentReceiptVersion   = 1
	CompositeReceiptVersion = 1
)

var (
	segmentReceiptMagic   = []byte("ZKXSRC")
	compositeReceiptMagic = []byte("ZKXCRC")
)

// MarshalBinary encodes the receipt: "ZKXSRC", u16 version, the claim, u32 seal length, seal.
func (r *SegmentReceipt) MarshalBinary() ([]byte, error) {
	b := append([]byte(nil), segmentReceiptMagic...)
	b = binary.LittleEndian.AppendUint16(b, SegmentReceiptVersion)
	return r.appendTo(b), nil
}

func (r *SegmentReceipt) appendTo(b []byte) []byte {
	b = r.Claim.appendTo(b)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(r.Seal)))
	return append(b, r.Seal...)
}

// DecodeSegmentReceipt parses SegmentReceipt.MarshalBinary's output (ErrMalformed otherwise).
func DecodeSegmentReceipt(b []byte) (*SegmentReceipt, error) {
	d, err := newReader(b, segmentReceiptMagic, SegmentReceiptVersion)
	if err != nil {
		return nil, err
	}
	r := d.segmentReceipt()
	if err := d.finish(); err != nil {
		return nil, err
	}
	return r, nil
}

// CompositeReceipt proves a whole run: every segment's receipt, in order, and the journal the
// run wrote. JournalLens splits the journal into the segments' chunks; it needs no proof, as
// each chunk's digest binds its length.
type CompositeReceipt struct {
	Segments    []SegmentReceipt
	Journal     []byte
	JournalLens []uint32
}

// Claim returns the last segment's claim: the run's end state and exit code.
func (r *CompositeReceipt) Claim() (*SegmentClaim, error) {
	if len(r.Segments) == 0 {
		return nil, ErrEmpty
	}
	return &r.Segments[len(r.Segments)-1].Claim, nil
}

// NewComposite assembles a composite receipt from a run's segment receipts, in order, and
// the journal chunks each segment wrote.
func NewComposite(segs []SegmentReceipt, chunks [][]byte) (*CompositeReceipt, error) {
	if len(chunks) != len(segs) {
		return nil, fmt.Errorf("%w: %d journal chunks for %d segments", ErrJournal, len(chunks), len(segs))
	}
	r := &CompositeReceipt{Segments: segs, JournalLens: make([]uint32, len(chunks))}
	for i, c := range chunks {
		r.Journal = append(r.Journal, c...)
		r.JournalLens[i] = uint32(len(c))
	}
	return r, nil
}

// Verify checks that the receipt proves a complete run of the image imageID: the first segment
// starts at the image's state (vm.ImageID of its start root and pc is imageID), every claim
// names imageID, segment i+1 starts where i ended, the indices are 0..n-1, only the last
// segment halts, the journal chunks hash to the segments' journal digests, and every seal
// verifies. Each failure has its own error.
func (r *CompositeReceipt) Verify(imageID hash.Digest, v SealVerifier) error {
	if len(r.Segments) == 0 {
		return ErrEmpty
	}
	if len(r.JournalLens) != len(r.Segments) {
		return fmt.Errorf("%w: %d journal chunks for %d segments", ErrJournal, len(r.JournalLens), len(r.Segments))
	}
	if first := &r.Segments[0].Claim; vm.ImageID(first.Start.Root, first.Start.PC) != imageID {
		return fmt.Errorf("%w: the first segment starts at pc %#x, root %s, not at image %s", ErrImageMismatch, first.Start.PC, first.Start.Root, imageID)
	}
	journal := r.Journal
	last := len(r.Segments) - 1
	for i := range r.Segments {
		c := &r.Segments[i].Claim
		if err := c.Validate(); err != nil {
			return fmt.Errorf("segment %d: %w", i, err)
		}
		switch {
		case c.ImageID != imageID:
			return fmt.Errorf("%w: segment %d names image %s", ErrImageMismatch, i, c.ImageID)
		case c.Index != uint32(i):
			return fmt.Errorf("%w: segment %d has index %d", ErrSegmentIndex, i, c.Index)
		case i > 0 && c.Start != r.Segments[i-1].Claim.End:
			return fmt.Errorf("%w: segment %d starts at pc %#x, root %s; segment %d ended at pc %#x, root %s", ErrDiscontinuity,
				i, c.Start.PC, c.Start.Root, i-1, r.Segments[i-1].Claim.End.PC, r.Segments[i-1].Claim.End.Root)
		case c.Halted != (i == last):
			return fmt.Errorf("%w: segment %d of %d halted = %v", ErrHalt, i, last+1, c.Halted)
		}
		n := r.JournalLens[i]
		if uint64(n) > uint64(len(journal)) {
			return fmt.Errorf("%w: segment %d's chunk of %d bytes overruns the journal", ErrJournal, i, n)
		}
		if hash.HashBytes(journal[:n]) != c.JournalDigest {
			return fmt.Errorf("%w: segment %d's chunk does not match its journal digest", ErrJournal, i)
		}
		journal = journal[n:]
	}
	if len(journal) != 0 {
		return fmt.Errorf("%w: %d journal bytes written by no segment", ErrJournal, len(journal))
	}
	for i := range r.Segments {
		if err := r.Segments[i].Verify(v); err != nil {
			return err
		}
	}
	return nil
}

// MarshalBinary encodes the receipt: "ZKXCRC", u16 version, u32 segment count, each segment
// receipt (claim, u32 seal length, seal), the journal (u32 length, bytes), and the chunk
// lengths (u32 count, equal to the segment count; u32 each).
func (r *CompositeReceipt) MarshalBinary() ([]byte, error) {
	if len(r.JournalLens) != len(r.Segments) {
		return nil, fmt.Errorf("%w: %d journal chunks for %d segments", ErrMalformed, len(r.JournalLens), len(r.Segments))
	}
	b := append([]byte(nil), compositeReceiptMagic...)
	b = binary.LittleEndian.AppendUint16(b, CompositeReceiptVersion)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(r.Segments)))
	for i := range r.Segments {
		b = r.Segments[i].appendTo(b)
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(r.Journal)))
	b = append(b, r.Journal...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(r.JournalLens)))
	for _, n := range r.JournalLens {
		b = binary.LittleEndian.AppendUint32(b, n)
	}
	return b, nil
}

// DecodeCompositeReceipt parses CompositeReceipt.MarshalBinary's output (ErrMalformed
// otherwise). It checks the encoding, not the proof: call Verify.
func DecodeCompositeReceipt(b []byte) (*CompositeReceipt, error) {
	d, err := newReader(b, compositeReceiptMagic, CompositeReceiptVersion)
	if err != nil {
		return nil, err
	}
	r := &CompositeReceipt{}
	n := d.count(SegmentClaimSize + 4)
	for i := 0; i < n && d.err == nil; i++ {
		r.Segments = append(r.Segments, *d.segmentReceipt())
	}
	r.Journal = d.bytes()
	lens := d.count(4)
	if d.err == nil && lens != n {
		d.err = fmt.Errorf("%w: %d journal chunks for %d segments", ErrMalformed, lens, n)
	}
	for i := 0; i < lens && d.err == nil; i++ {
		r.JournalLens = append(r.JournalLens, d.u32())
	}
	if err := d.finish(); err != nil {
		return nil, err
	}
	return r, nil
}

func appendDigest(b []byte, d hash.Digest) []byte {
	e := d.Bytes()
	return append(b, e[:]...)
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// reader decodes the little-endian encodings above; the first error sticks.
type reader struct {
	b   []byte
	err error
}

func newReader(b, magic []byte, version uint16) (*reader, error) {
	if !bytes.HasPrefix(b, magic) {
		return nil, fmt.Errorf("%w: bad magic", ErrMalformed)
	}
	d := &reader{b: b[len(magic):]}
	if v := d.u16(); d.err == nil && v != version {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrMalformed, v, version)
	}
	return d, d.err
}

func (d *reader) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b) {
		d.err = fmt.Errorf("%w: truncated", ErrMalformed)
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *reader) u8() uint8 {
	if b := d.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (d *reader) u16() uint16 {
	if b := d.take(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (d *reader) u32() uint32 {
	if b := d.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (d *reader) u64() uint64 {
	if b := d.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (d *reader) bool() bool {
	v := d.u8()
	if v > 1 && d.err == nil {
		d.err = fmt.Errorf("%w: boolean %d", ErrMalformed, v)
	}
	return v == 1
}

func (d *reader) digest() hash.Digest {
	b := d.take(hash.DigestBytes)
	if b == nil {
		return hash.Digest{}
	}
	dg, err := hash.DigestFromBytes(b)
	if err != nil && d.err == nil {
		d.err = fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return dg
}

func (d *reader) bytes() []byte {
	n := d.u32()
	return bytes.Clone(d.take(int(n)))
}

// count reads a u32 count and checks that at least count*minSize bytes remain, so that a
// corrupt count cannot make the decoder allocate unboundedly.
func (d *reader) count(minSize int) int {
	n := int(d.u32())
	if d.err == nil && n > len(d.b)/minSize {
		d.err = fmt.Errorf("%w: count %d exceeds the data", ErrMalformed, n)
		return 0
	}
	return n
}

func (d *reader) claim() *SegmentClaim {
	c := &SegmentClaim{}
	c.ImageID = d.digest()
	c.Start.PC = d.u64()
	c.Start.Root = d.digest()
	c.End.PC = d.u64()
	c.End.Root = d.digest()
	c.Halted = d.bool()
	c.ExitCode = d.u8()
	c.JournalDigest = d.digest()
	c.Po2 = d.u8()
	c.Index = d.u32()
	if d.err == nil {
		d.err = c.Validate()
	}
	return c
}

func (d *reader) segmentReceipt() *SegmentReceipt {
	r := &SegmentReceipt{Claim: *d.claim()}
	r.Seal = d.bytes()
	return r
}

// finish reports the first error, or trailing bytes.
func (d *reader) finish() error {
	if d.err != nil {
		return d.err
	}
	if len(d.b) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrMalformed, len(d.b))
	}
	return nil
}
