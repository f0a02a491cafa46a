package rv64

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/zkexex/zkexex/prover/p2air"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
)

// Paging profile of the STF guest on Hoodi block 1265656 at po2 20 (383 segments of the first
// 400M cycles, `zkexex execute --segments`): pages paged in per segment median 138 (min 78,
// p90 235, max 526, mean 163), of which about 35% dirty (mean 57), and about 4.2 Merkle rows
// (union nodes) per page (mean 684).
const (
	stfPagesPerSegment = 163
	stfDirtyFraction   = 57.0 / 163
	stfMerkleRowsPage  = 684.0 / 163
	stfSegmentCycles   = 1 << 20
)

func tableCells(t *stark.Table) (main, ext int) { return t.Width(), 4 * t.LogUpColumns() }

// BenchmarkPagingCells reports the paging tables' cells: per page row (four words) of a clean and
// of a written page, per Merkle row, and per paged-in page and per cycle at the STF profile
// above, Poseidon2 permutations included at prover/p2air's cost per permutation (p2Cells).
func BenchmarkPagingCells(b *testing.B) {
	var cm, ce, dm, de, mm, me int
	for i := 0; i < b.N; i++ {
		cm, ce = tableCells(pageTable(nil, false))
		dm, de = tableCells(pageTable(nil, true))
		mm, me = tableCells(merkleTable(nil))
	}
	p24, p16 := p2Cells(24), p2Cells(16)
	d := stfDirtyFraction
	rowCells := (1-d)*float64(cm+ce) + d*float64(dm+de)
	perPage := blocksPerPage*rowCells + stfMerkleRowsPage*float64(mm+me)
	perms := float64(blocksPerPage)*(1+d)*p24 + 2*stfMerkleRowsPage*p16
	b.ReportMetric(float64(cm), "clean_row_main")
	b.ReportMetric(float64(ce), "clean_row_ext")
	b.ReportMetric(float64(dm), "written_row_main")
	b.ReportMetric(float64(de), "written_row_ext")
	b.ReportMetric(float64(mm), "merkle_row_main")
	b.ReportMetric(float64(me), "merkle_row_ext")
	b.ReportMetric(perPage, "tables_cells/page")
	b.ReportMetric(perms, "p2_cells/page")
	b.ReportMetric((perPage+perms)*stfPagesPerSegment/stfSegmentCycles, "cells/cycle@stf")
}

// BenchmarkPagingTrace times trace generation for n random pages (a third of them written).
func BenchmarkPagingTrace(b *testing.B) {
	for _, n := range []int{16, 128} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(uint64(n), 1))
			var paged []uint64
			seen := map[uint64]bool{}
			for len(paged) < n {
				if pn := rng.Uint64N(1 << vm.PageBits); !seen[pn] {
					seen[pn] = true
					paged = append(paged, pn)
				}
			}
			s := newPgScenario(1, paged)
			for i, pn := range paged {
				if i%3 == 0 {
					s.ops = append(s.ops, pgOp{opWrite, pn * vm.PageSize, uint64(i)})
				}
			}
			st := s.build(b)
			in := pagingInputs{startRoot: st.tree.root(), pages: st.records,
				final: func(a uint64) (uint64, uint64, error) { return st.finals[a], 0, nil }}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := pagingTrace(in); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/page")
		})
	}
}

// p2Cells is prover/p2air's cells per permutation at width w (main and extension columns).
func p2Cells(w int) float64 {
	t, err := p2air.Table("p2", w, BusP24)
	if err != nil {
		panic(err)
	}
	m, e := tableCells(t)
	return float64(m + e)
}
