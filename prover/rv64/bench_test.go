package rv64

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/zkexex/zkexex/prover/stark"
)

// BenchmarkCells reports each chip's trace cells per ALU event (one event per row): main
// columns, the extension cells of its LogUp columns, and those it would have with one LogUp
// column per interaction (ext_unbatched).
func BenchmarkCells(b *testing.B) {
	for _, c := range chips {
		b.Run(c.name, func(b *testing.B) {
			var main, ext int
			for i := 0; i < b.N; i++ {
				main, ext = c.cells()
			}
			b.ReportMetric(float64(main), "main_cells/event")
			b.ReportMetric(float64(ext), "ext_cells/event")
			b.ReportMetric(float64(main+ext), "cells/event")
			b.ReportMetric(float64(c.unbatchedExtCells()), "ext_unbatched/event")
		})
	}
}

func randomEvents(ops []Op, n int, seed uint64) []Event {
	rng := rand.New(rand.NewPCG(seed, 3))
	ev := make([]Event, n)
	for i := range ev {
		ev[i] = Event{ops[rng.IntN(len(ops))], rng.Uint64(), rng.Uint64()}
	}
	return ev
}

// BenchmarkProve proves n events of one chip (its table has n rows; the other chips are at their
// minimum height) with the test CPU table sending them, and reports trace generation and prove
// time per event. The CPU stand-in (14 main + 12 extension cells per row) is included in the
// prove time. The byte and pair tables (256 and 2^16 rows) are in every proof, a fixed cost
// that 2^16 events already amortise. Run with -benchtime=1x: one proof per size.
func BenchmarkProve(b *testing.B) {
	for _, c := range chips {
		for _, logN := range []int{16, 17, 18} {
			b.Run(fmt.Sprintf("%s/2^%d", c.name, logN), func(b *testing.B) {
				if testing.Short() && logN > 16 {
					b.Skip("large sizes without -short")
				}
				ev := randomEvents(c.ops, 1<<uint(logN), uint64(logN))
				air, err := stark.NewAIR("rv64-alu-bench", 0, append(ALUTables(), cpuTable())...)
				if err != nil {
					b.Fatal(err)
				}
				pk, err := stark.Setup(air, stark.DefaultParams())
				if err != nil {
					b.Fatal(err)
				}
				// One unmeasured proof first, so that the size's first allocation is not charged.
				warm, err := GenerateALUTraces(ev)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := stark.Prove(context.Background(), pk, append(warm, cpuTrace(ev)), nil); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				var gen, prove float64
				for i := 0; i < b.N; i++ {
					s := time.Now()
					tr, err := GenerateALUTraces(ev)
					if err != nil {
						b.Fatal(err)
					}
					tr = append(tr, cpuTrace(ev))
					gen += float64(time.Since(s))
					s = time.Now()
					if _, err := stark.Prove(context.Background(), pk, tr, nil); err != nil {
						b.Fatal(err)
					}
					prove += float64(time.Since(s))
				}
				n := float64(b.N) * float64(len(ev))
				b.ReportMetric(gen/n, "gen_ns/event")
				b.ReportMetric(prove/n, "prove_ns/event")
			})
		}
	}
}
