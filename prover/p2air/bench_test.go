package p2air

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/stark"
)

// BenchmarkCells reports the trace cells one permutation costs: main columns, and the extension
// columns of the chip's LogUp receive (4 base cells each).
func BenchmarkCells(b *testing.B) {
	for _, w := range testWidths {
		b.Run(fmt.Sprintf("width=%d", w), func(b *testing.B) {
			var tb *stark.Table
			for i := 0; i < b.N; i++ {
				var err error
				if tb, err = Table("p", w, testBus); err != nil {
					b.Fatal(err)
				}
			}
			main, ext := tb.Width(), 4*tb.LogUpColumns()
			b.ReportMetric(float64(main), "main_cells/perm")
			b.ReportMetric(float64(ext), "ext_cells/perm")
			b.ReportMetric(float64(main+ext), "cells/perm")
		})
	}
}

// nativeNs times hash.Permute16Batch and hash.Permute24Batch (the kernels the prover's own
// commitments use) in ns per permutation on one goroutine, the best of several trials so that a
// preemption on a shared machine does not count.
func nativeNs() (p16, p24 float64) {
	const batch, reps, trials = 1024, 10, 5
	s16 := make([][16]F, batch)
	s24 := make([][24]F, batch)
	best := func(f func()) float64 {
		b := time.Duration(1 << 62)
		for range trials {
			t0 := time.Now()
			for range reps {
				f()
			}
			b = min(b, time.Since(t0))
		}
		return float64(b.Nanoseconds()) / (batch * reps)
	}
	p16 = best(func() { hash.Permute16Batch(s16) })
	p24 = best(func() { hash.Permute24Batch(s24) })
	return p16, p24
}

// cpuTime is the process's user+system CPU time: on a shared machine it moves much less than wall
// time with the other load.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkProve proves a full chip table of 2^12..2^14 distinct permutations with the default
// (100-bit) parameters and reports, per permutation, trace generation and prove time, wall and
// CPU (with the prover's quotient and grinding shares), beside the native batched permutation
// measured right after it. The rows' multiplicities are zero so that the table proves alone (its
// bus is balanced with nothing sent); the LogUp columns are built and committed all the same.
// -short runs 2^12.
func BenchmarkProve(b *testing.B) {
	for _, w := range testWidths {
		for _, logN := range []int{12, 13, 14} {
			b.Run(fmt.Sprintf("width=%d/rows=2^%d", w, logN), func(b *testing.B) {
				if testing.Short() && logN > 12 {
					b.Skip("-short")
				}
				tb, err := Table("poseidon2", w, testBus)
				if err != nil {
					b.Fatal(err)
				}
				air, err := stark.NewAIR("p2air-bench", 0, tb)
				if err != nil {
					b.Fatal(err)
				}
				pk, err := stark.Setup(air, stark.DefaultParams())
				if err != nil {
					b.Fatal(err)
				}
				n := 1 << logN
				inputs := randomStates(rand.New(rand.NewPCG(uint64(w), uint64(logN))), w, n)
				p, _ := paramsFor(w)
				var traceT, cpu time.Duration
				var st stark.Stats
				b.ResetTimer()
				for range b.N {
					t0 := time.Now()
					m, err := Trace(w, inputs, nil, minRows)
					if err != nil {
						b.Fatal(err)
					}
					traceT += time.Since(t0)
					clear(m.Cols[p.multCol()])
					c0 := cpuTime()
					_, s, err := stark.ProveWithStats(context.Background(), pk, []*stark.Matrix{m}, nil)
					cpu += cpuTime() - c0
					if err != nil {
						b.Fatal(err)
					}
					st.Total += s.Total
					st.Quotient += s.Quotient
					st.PoW += s.PoW
				}
				b.StopTimer()
				n16, n24 := nativeNs()
				perm := float64(b.N * n)
				b.ReportMetric(float64(traceT.Nanoseconds())/perm, "trace_ns/perm")
				b.ReportMetric(float64(st.Total.Nanoseconds())/perm, "prove_ns/perm")
				b.ReportMetric(float64(cpu.Nanoseconds())/perm, "prove_cpu_ns/perm")
				b.ReportMetric(float64(st.Quotient.Nanoseconds())/perm, "quotient_ns/perm")
				b.ReportMetric(float64(st.PoW.Nanoseconds())/perm, "pow_ns/perm")
				native := n16
				if w == 24 {
					native = n24
				}
				b.ReportMetric(native, "native_ns/perm")
				b.ReportMetric(n24, "native_p24_ns/perm")
				b.ReportMetric(float64(st.Total.Nanoseconds())/perm/native, "prove/native")
			})
		}
	}
}

// BenchmarkTrace times trace generation of 2^14 distinct permutations on 1 and 2 cores, beside
// the scalar hash.Permute16/Permute24 it must reproduce (one core), in ns per permutation.
func BenchmarkTrace(b *testing.B) {
	const logN = 14
	for _, w := range testWidths {
		inputs := randomStates(rand.New(rand.NewPCG(uint64(w), 7)), w, 1<<logN)
		for _, procs := range []int{1, 2} {
			b.Run(fmt.Sprintf("width=%d/procs=%d", w, procs), func(b *testing.B) {
				prev := runtime.GOMAXPROCS(procs)
				defer runtime.GOMAXPROCS(prev)
				for range b.N {
					if _, err := Trace(w, inputs, nil, minRows); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				perm := float64(b.N << logN)
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/perm, "ns/perm")
				t0 := time.Now()
				for _, in := range inputs[:1024] {
					permute(in)
				}
				b.ReportMetric(float64(time.Since(t0).Nanoseconds())/1024, "scalar_ns/perm")
			})
		}
	}
}
