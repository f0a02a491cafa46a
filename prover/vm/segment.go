package vm

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"

	"github.com/zkexex/zkexex/prover/hash"
)

// SegmentVersion is the version of the segment record format below.
const SegmentVersion = 2

// PageRecord is one page a segment touches: its contents at the segment's start and its
// Merkle proof (PageBits siblings, leaf level first) against the start root.
type PageRecord struct {
	Page  uint64 // page number (address >> 12)
	Data  [PageSize]byte
	Proof []hash.Digest
}

// Segment is everything a prover needs to re-execute and prove one segment on its own.
type Segment struct {
	Version      uint16
	Index        uint32
	Po2          uint8
	ImageID      hash.Digest
	Start        State
	End          State
	Pages        []PageRecord // paged in, ascending page number
	Dirty        []uint64     // pages paged out (written), ascending
	InputPos     uint64       // input bytes consumed before the segment
	Input        []byte       // input bytes the segment's READ host calls consumed
	InputTotal   uint64       // length of the whole input (so that EOF replays)
	Output       []Output     // writes to fds 1-3 in order
	Instructions uint64
	PagingCycles uint64
	Halted       bool
	ExitCode     uint8

	// FetchedPages are the pages the segment fetched instructions from, ascending: the AIR
	// decodes instructions from their page-in contents, so the segment never stores into them.
	// Derived, not part of the encoding: the executor and TraceSegment fill it in.
	FetchedPages []uint64
}

// Cycles is the segment's cycle count (at most 2^Po2).
func (s *Segment) Cycles() uint64 { return s.Instructions + s.PagingCycles }

// ReplaySegment re-executes one segment from its record alone: it checks every page against
// the start root, runs from the start pc over only the recorded pages and input, and checks
// that it ends at the recorded end state (pc and memory root) with the recorded cycle counts,
// output, written pages and halt.
func ReplaySegment(ctx context.Context, seg *Segment) error {
	m, tree, err := replayMachine(seg)
	if err != nil {
		return err
	}
	halted := false
	for !m.segmentFull() {
		if err := ctx.Err(); err != nil {
			return err
		}
		m.setStop(m.instret + 1<<24)
		err := m.run()
		if _, ok := err.(haltSignal); ok {
			halted = true
			break
		}
		if err == errCodeStore {
			err = m.cutSegment()
			if err == nil {
				break
			}
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrReplayMismatch, err)
		}
	}
	return m.replayEnd(seg, tree, halted)
}

// replayMachine checks a record's pages against its start root and builds the machine that
// replays it: only the recorded pages exist, the pc and register bank are the start state's.
func replayMachine(seg *Segment) (*Machine, *pageTree, error) {
	if err := seg.check(); err != nil {
		return nil, nil, err
	}
	kprog, err := loadKernel()
	if err != nil {
		return nil, nil, err
	}
	tree := &pageTree{nodes: make(map[uint64]hash.Digest), empty: zeroPageRoots()}
	m := &Machine{seg: 1, strict: true, record: true, guardCode: true, kprog: kprog, ready: true}
	m.invalidateCaches()
	for i := range seg.Pages {
		pr := &seg.Pages[i]
		leaf := pageLeaf(&pr.Data)
		// seg.check bounds the page index and the proof length, so folding the path is the
		// whole Merkle check.
		if tree.addProof(pr.Page, leaf, pr.Proof) != seg.Start.Root {
			return nil, nil, fmt.Errorf("%w: page %#x does not verify against the start root", ErrReplayMismatch, pr.Page<<pageShift)
		}
		p, err := m.mem.alloc(pr.Page)
		if err != nil {
			return nil, nil, err
		}
		p.data = pr.Data
	}
	if err := m.beginSegment(); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrReplayMismatch, err)
	}
	m.pc = seg.Start.PC
	m.loadBank()
	m.segLimit = 1 << seg.Po2
	m.stdin, m.stdinBase, m.stdinTotal, m.inPos = seg.Input, seg.InputPos, seg.InputTotal, seg.InputPos
	return m, tree, nil
}

// replayEnd checks the state a replay ended in against the record.
func (m *Machine) replayEnd(seg *Segment, tree *pageTree, halted bool) error {
	m.flushBank()
	dirty := slices.Sorted(slices.Values(m.dirtied))
	if !slices.Equal(dirty, seg.Dirty) {
		return fmt.Errorf("%w: wrote %d pages, record says %d", ErrReplayMismatch, len(dirty), len(seg.Dirty))
	}
	tree.update(hashPages(dirty, func(pn uint64) *[PageSize]byte { return &m.mem.lookup(pn).data }))
	end := State{PC: m.pc, Root: tree.root()}
	switch {
	case halted != seg.Halted || uint8(m.exitCode) != seg.ExitCode:
		return fmt.Errorf("%w: halted %v (exit %d), record says %v (exit %d)", ErrReplayMismatch, halted, m.exitCode, seg.Halted, seg.ExitCode)
	case m.instret != seg.Instructions || m.paging != seg.PagingCycles:
		return fmt.Errorf("%w: %d instructions and %d paging cycles, record says %d and %d", ErrReplayMismatch,
			m.instret, m.paging, seg.Instructions, seg.PagingCycles)
	case m.inPos != seg.InputPos+uint64(len(seg.Input)):
		return fmt.Errorf("%w: consumed %d input bytes, record says %d", ErrReplayMismatch, m.inPos-seg.InputPos, len(seg.Input))
	case !reflect.DeepEqual(normOutput(m.segOut), normOutput(seg.Output)):
		return fmt.Errorf("%w: output differs", ErrReplayMismatch)
	case end != seg.End:
		return fmt.Errorf("%w: end state differs (pc %#x vs %#x, root %s vs %s)", ErrReplayMismatch, end.PC, seg.End.PC, end.Root, seg.End.Root)
	}
	return nil
}

func normOutput(o []Output) []Output {
	if len(o) == 0 {
		return nil
	}
	return o
}

func (s *Segment) check() error {
	switch {
	case s.Version != SegmentVersion:
		return fmt.Errorf("%w: version %d", ErrBadSegment, s.Version)
	case s.Po2 < MinPo2 || s.Po2 > MaxPo2:
		return fmt.Errorf("%w: po2 %d", ErrBadSegment, s.Po2)
	case s.Start.PC >= 1<<AddrBits || s.Start.PC&3 != 0:
		return fmt.Errorf("%w: start pc %#x", ErrBadSegment, s.Start.PC)
	case s.InputPos > s.InputTotal || uint64(len(s.Input)) > s.InputTotal-s.InputPos:
		return fmt.Errorf("%w: input window outside the input", ErrBadSegment)
	}
	for i := range s.Pages {
		if len(s.Pages[i].Proof) != PageBits || s.Pages[i].Page >= 1<<PageBits {
			return fmt.Errorf("%w: page record %d", ErrBadSegment, i)
		}
	}
	return nil
}

// Encoding (version 2, little-endian): "ZKXSEG" magic, u16 version, u32 index, u8 po2,
// image ID, start state, end state, pages (u32 count; each u64 page number, 4096 bytes,
// PageBits digests), dirty (u32 count; u64 each), u64 input position, input (u32 length,
// bytes), u64 input total, outputs (u32 count; each u8 fd, u32 length, bytes), u64
// instructions, u64 paging cycles, u8 halted, u8 exit code. A state is u64 pc and the root.
// Digests are 32 canonical bytes.
var segmentMagic = []byte("ZKXSEG")

type encoder struct{ b []byte }

func (e *encoder) u8(v uint8)   { e.b = append(e.b, v) }
func (e *encoder) u16(v uint16) { e.b = binary.LittleEndian.AppendUint16(e.b, v) }
func (e *encoder) u32(v uint32) { e.b = binary.LittleEndian.AppendUint32(e.b, v) }
func (e *encoder) u64(v uint64) { e.b = binary.LittleEndian.AppendUint64(e.b, v) }
func (e *encoder) bytes(v []byte) {
	e.u32(uint32(len(v)))
	e.b = append(e.b, v...)
}
func (e *encoder) digest(d hash.Digest) {
	b := d.Bytes()
	e.b = append(e.b, b[:]...)
}
func (e *encoder) bool(v bool) {
	if v {
		e.u8(1)
	} else {
		e.u8(0)
	}
}

func (e *encoder) state(s *State) {
	e.u64(s.PC)
	e.digest(s.Root)
}

// MarshalBinary encodes the record deterministically.
func (s *Segment) MarshalBinary() ([]byte, error) {
	e := &encoder{b: append([]byte(nil), segmentMagic...)}
	e.u16(s.Version)
	e.u32(s.Index)
	e.u8(s.Po2)
	e.digest(s.ImageID)
	e.state(&s.Start)
	e.state(&s.End)
	e.u32(uint32(len(s.Pages)))
	for i := range s.Pages {
		p := &s.Pages[i]
		e.u64(p.Page)
		e.b = append(e.b, p.Data[:]...)
		if len(p.Proof) != PageBits {
			return nil, fmt.Errorf("%w: page %d has a %d-level proof", ErrBadSegment, i, len(p.Proof))
		}
		for _, d := range p.Proof {
			e.digest(d)
		}
	}
	e.u32(uint32(len(s.Dirty)))
	for _, pn := range s.Dirty {
		e.u64(pn)
	}
	e.u64(s.InputPos)
	e.bytes(s.Input)
	e.u64(s.InputTotal)
	e.u32(uint32(len(s.Output)))
	for _, o := range s.Output {
		e.u8(o.Fd)
		e.bytes(o.Data)
	}
	e.u64(s.Instructions)
	e.u64(s.PagingCycles)
	e.bool(s.Halted)
	e.u8(s.ExitCode)
	return e.b, nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b) {
		d.err = fmt.Errorf("%w: truncated", ErrBadSegment)
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) u8() uint8 {
	if b := d.take(1); b != nil {
		return b[0]
	}
	return 0
}
func (d *decoder) u16() uint16 {
	if b := d.take(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}
func (d *decoder) u32() uint32 {
	if b := d.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}
func (d *decoder) u64() uint64 {
	if b := d.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}
func (d *decoder) bool() bool {
	switch v := d.u8(); v {
	case 0:
		return false
	case 1:
		return true
	default:
		if d.err == nil {
			d.err = fmt.Errorf("%w: boolean %d", ErrBadSegment, v)
		}
		return false
	}
}
func (d *decoder) bytes() []byte {
	n := d.u32()
	return bytes.Clone(d.take(int(n)))
}
func (d *decoder) digest() hash.Digest {
	b := d.take(hash.DigestBytes)
	if b == nil {
		return hash.Digest{}
	}
	dg, err := hash.DigestFromBytes(b)
	if err != nil && d.err == nil {
		d.err = fmt.Errorf("%w: %w", ErrBadSegment, err)
	}
	return dg
}

// count reads a u32 count and checks that at least count*minSize bytes remain, so that a
// corrupt count cannot make the decoder allocate unboundedly.
func (d *decoder) count(minSize int) int {
	n := int(d.u32())
	if d.err == nil && n > len(d.b)/minSize {
		d.err = fmt.Errorf("%w: count %d exceeds the data", ErrBadSegment, n)
		return 0
	}
	return n
}

func (d *decoder) state(s *State) {
	s.PC = d.u64()
	s.Root = d.digest()
}

// DecodeSegment parses a record written by MarshalBinary. It rejects truncated, oversized
// or non-canonical input with an error wrapping ErrBadSegment.
func DecodeSegment(b []byte) (*Segment, error) {
	if !bytes.HasPrefix(b, segmentMagic) {
		return nil, fmt.Errorf("%w: bad magic", ErrBadSegment)
	}
	d := &decoder{b: b[len(segmentMagic):]}
	s := &Segment{}
	s.Version = d.u16()
	if d.err == nil && s.Version != SegmentVersion {
		return nil, fmt.Errorf("%w: version %d", ErrBadSegment, s.Version)
	}
	s.Index = d.u32()
	s.Po2 = d.u8()
	s.ImageID = d.digest()
	d.state(&s.Start)
	d.state(&s.End)
	n := d.count(8 + PageSize + PageBits*hash.DigestBytes)
	for i := 0; i < n && d.err == nil; i++ {
		var p PageRecord
		p.Page = d.u64()
		copy(p.Data[:], d.take(PageSize))
		p.Proof = make([]hash.Digest, PageBits)
		for j := range p.Proof {
			p.Proof[j] = d.digest()
		}
		s.Pages = append(s.Pages, p)
	}
	n = d.count(8)
	for i := 0; i < n && d.err == nil; i++ {
		s.Dirty = append(s.Dirty, d.u64())
	}
	s.InputPos = d.u64()
	s.Input = d.bytes()
	s.InputTotal = d.u64()
	n = d.count(5)
	for i := 0; i < n && d.err == nil; i++ {
		var o Output
		o.Fd = d.u8()
		o.Data = d.bytes()
		s.Output = append(s.Output, o)
	}
	s.Instructions = d.u64()
	s.PagingCycles = d.u64()
	s.Halted = d.bool()
	s.ExitCode = d.u8()
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrBadSegment, len(d.b))
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	return s, nil
}

// SegmentFileName is the name WriteSegmentsTo gives segment i.
func SegmentFileName(i uint32) string { return fmt.Sprintf("segment-%06d.zkseg", i) }

// WriteSegmentsTo returns an OnSegment callback that writes each record to dir.
func WriteSegmentsTo(dir string) func(*Segment) error {
	return func(s *Segment) error {
		b, err := s.MarshalBinary()
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, SegmentFileName(s.Index)), b, 0o644)
	}
}
