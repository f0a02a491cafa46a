package vm

import "fmt"

// Guest address space. The page tree covers addresses [0, 2^48): Go's riscv64 runtime
// (Go 1.26, with heap-base randomisation) places heap arenas anywhere below 2^47, and we
// place the stack just below 2^47 and anonymous mappings from mmapBase up. Pages below
// nullGuard are never mapped so that nil dereferences stop the run.
const (
	AddrBits  = 48
	PageSize  = 4096
	pageShift = 12
	PageBits  = AddrBits - pageShift // depth of the page Merkle tree (36)
	nullGuard = 0x10000

	StackTop  = 0x7fff_ffff_0000
	stackSize = 8 << 20
	mmapBase  = 0x0000_4000_0000_0000
	mmapLimit = 0x0000_7000_0000_0000

	maxImageBytes = 1 << 30
)

// Paging cost in cycles, charged to the segment that pages a page in (first access in the
// segment) and, for pages it writes, out (at its end). The figures are the RISC-V AIR's cost of
// a page in CPU rows (prover/rv64 BenchmarkSegment): a page-in is 128 Poseidon2 absorptions of
// its 2048 limbs plus its page-table rows and Merkle path, about 46k cells, a page-out 128 more
// absorptions, about 38k, and a cycle about 130 cells. Every table of a segment then fits in
// 2^po2 rows, and the CPU table, one row per instruction, is mostly full. They are part of the
// segment format: changing them changes segment boundaries.
const (
	PageInCycles  = 3 * PageSize / 32 // 384
	PageOutCycles = 2 * PageSize / 32 // 256
	// worst case for one instruction: fetch page + two data pages in (misaligned access
	// across a page boundary), two data pages out.
	maxInstrCycles = 1 + 3*PageInCycles + 2*PageOutCycles
)

type page struct {
	data   [PageSize]byte
	inSeg  uint32 // segment epoch in which the page was last paged in
	outSeg uint32 // segment epoch in which the page was last marked for page-out
	runSeg uint32 // segment epoch in which an instruction was last fetched from the page
	code   *[PageSize / 4]inst
	orig   *[PageSize]byte // contents at segment start, kept once the page is written while recording
}

type chunk [1 << 12]*page

// memory is a three-level radix table over page numbers (12 bits per level).
type memory struct {
	dir      [1 << 12]*[1 << 12]*chunk
	resident int
	maxPages int // 0: unlimited
}

func (mem *memory) lookup(pn uint64) *page {
	mid := mem.dir[pn>>24&0xfff]
	if mid == nil {
		return nil
	}
	c := mid[pn>>12&0xfff]
	if c == nil {
		return nil
	}
	return c[pn&0xfff]
}

func (mem *memory) alloc(pn uint64) (*page, error) {
	if p := mem.lookup(pn); p != nil {
		return p, nil
	}
	if mem.maxPages > 0 && mem.resident >= mem.maxPages {
		return nil, fmt.Errorf("%w: %d resident pages (%d MiB) in use", ErrOutOfMemory, mem.resident, mem.resident>>8)
	}
	mid := mem.dir[pn>>24&0xfff]
	if mid == nil {
		mid = new([1 << 12]*chunk)
		mem.dir[pn>>24&0xfff] = mid
	}
	c := mid[pn>>12&0xfff]
	if c == nil {
		c = new(chunk)
		mid[pn>>12&0xfff] = c
	}
	p := new(page)
	c[pn&0xfff] = p
	mem.resident++
	return p, nil
}

// forEach visits resident pages in ascending page order.
func (mem *memory) forEach(fn func(pn uint64, p *page)) {
	for i, mid := range mem.dir {
		if mid == nil {
			continue
		}
		for j, c := range mid {
			if c == nil {
				continue
			}
			for k, p := range c {
				if p != nil {
					fn(uint64(i)<<24|uint64(j)<<12|uint64(k), p)
				}
			}
		}
	}
}
