package vm

import "github.com/zkexex/zkexex/prover/hash"

// SegmentVersion is the version of the segment record format below.
const SegmentVersion = 1

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
	Input        []byte       // stdin bytes consumed, starting at Start.Kernel.InputPos
	InputTotal   uint64       // length of the whole input (so that EOF replays)
	Output       []Output     // writes to fds 1-3 in order
	Instructions uint64
	PagingCycles uint64
	Halted       bool
	ExitCode     uint8
}

// Cycles is the segment's cycle count (at most 2^Po2).
func (s *Segment) Cycles() uint64 { return s.Instructions + s.PagingCycles }
