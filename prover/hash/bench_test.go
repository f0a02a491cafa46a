package hash

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/field/koalabear/poseidon2"
)

// timedLoop runs f once per benchmark iteration and reports the median iteration's time per
// permutation (f runs perms of them): on a shared machine the median ignores the iterations that a
// preemption landed in, where the mean would not.
func timedLoop(b *testing.B, perms int, f func()) { timedLoopUnit(b, perms, "ns/perm", f) }

// timedLoopUnit is timedLoop for f doing n things of another kind (unit names the metric).
func timedLoopUnit(b *testing.B, n int, unit string, f func()) {
	var d []time.Duration
	for b.Loop() {
		t := time.Now()
		f()
		d = append(d, time.Since(t))
	}
	b.ReportMetric(float64(median(d).Nanoseconds())/float64(n), unit)
}

// BenchmarkPoseidon2 puts side by side, in one run: our batched permutations (through the public
// API, with transposition, and the bare 16-lane kernel), our scalar permutation, gnark-crypto's
// generic permutation for our round counts, and gnark-crypto's AVX-512 paths for its own (6, 21)
// parameters (single state, and 16 lanes through Compressx16Columns). The figure to compare is
// ns/perm; issue 9's goal is ours ≤ 1.5x gnark's fast path.
func BenchmarkPoseidon2(b *testing.B) {
	const batch = 256
	r := rand.New(rand.NewPCG(1, 1))
	s16 := make([][16]Element, batch)
	s24 := make([][24]Element, batch)
	for i := range batch {
		randomElements(r, s16[i][:])
		randomElements(r, s24[i][:])
	}
	for _, k := range availableKernels() {
		b.Run("ours16/batch/"+k.String(), func(b *testing.B) {
			defer func(saved kernelSet) { kernel = saved }(kernel)
			kernel = k
			timedLoop(b, batch, func() {
				Permute16Batch(s16)
			})
		})
		b.Run("ours24/batch/"+k.String(), func(b *testing.B) {
			defer func(saved kernelSet) { kernel = saved }(kernel)
			kernel = k
			timedLoop(b, batch, func() {
				Permute24Batch(s24)
			})
		})
	}
	if bestKernel != portable {
		b.Run("ours16/soa-kernel", func(b *testing.B) {
			var s soa16
			timedLoop(b, lanes, func() {
				permuteSoA16(&s)
			})
		})
		b.Run("ours24/soa-kernel", func(b *testing.B) {
			var s soa24
			timedLoop(b, lanes, func() {
				permuteSoA24(&s)
			})
		})
	}
	b.Run("ours16/scalar", func(b *testing.B) {
		timedLoop(b, 1, func() {
			Permute16(&s16[0])
		})
	})
	b.Run("ours24/scalar", func(b *testing.B) {
		timedLoop(b, 1, func() {
			Permute24(&s24[0])
		})
	})
	b.Run("gnark16-8-20/generic", func(b *testing.B) {
		p := poseidon2.NewPermutation(16, FullRounds, PartialRounds16)
		timedLoop(b, 1, func() {
			_ = p.Permutation(s16[0][:])
		})
	})
	b.Run("gnark16-6-21/single", func(b *testing.B) {
		p := poseidon2.NewPermutation(16, 6, 21)
		timedLoop(b, 1, func() {
			_ = p.Permutation(s16[0][:])
		})
	})
	b.Run("gnark24-6-21/single", func(b *testing.B) {
		p := poseidon2.NewPermutation(24, 6, 21)
		timedLoop(b, 1, func() {
			_ = p.Permutation(s24[0][:])
		})
	})
	// Compressx16Columns runs 16 lanes of colSize/8 chained width-16 permutations each: gnark's
	// 16-lane AVX-512 entry point for width 16.
	b.Run("gnark16-6-21/x16", func(b *testing.B) {
		const colSize = 512
		p := poseidon2.NewPermutation(16, 6, 21)
		m := make([]Element, 16*colSize)
		randomElements(r, m)
		res := make([][8]Element, 16)
		timedLoop(b, 16*colSize/8, func() {
			p.Compressx16Columns(m, colSize, res)
		})
	})
	// Permutation16x24 is its 16-lane entry point for width 24.
	b.Run("gnark24-6-21/x16", func(b *testing.B) {
		p := poseidon2.NewPermutation(24, 6, 21)
		var m [24][16]Element
		for i := range m {
			randomElements(r, m[i][:])
		}
		timedLoop(b, 16, func() {
			p.Permutation16x24(&m)
		})
	})
}

// BenchmarkPoseidon2Ratio alternates our 16-lane kernel and gnark-crypto's 16-lane (6, 21) kernel
// in short slices of the same loop, so that both see the same load on a shared machine, and
// reports each one's ns/perm and their ratio (issue 9's goal: ratio ≤ 1.5).
func BenchmarkPoseidon2Ratio(b *testing.B) {
	if bestKernel != avx512 {
		b.Skip("no AVX-512 kernels in this build or on this CPU")
	}
	r := rand.New(rand.NewPCG(2, 2))
	b.Run("width16", func(b *testing.B) {
		const colSize = 64 // 8 chained permutations per lane per gnark call
		p := poseidon2.NewPermutation(16, 6, 21)
		m := make([]Element, 16*colSize)
		randomElements(r, m)
		res := make([][8]Element, 16)
		var s soa16
		pairedLoop(b, 16*colSize/8, "gnark621-ns/perm", func() {
			for range colSize / 8 {
				permuteSoA16(&s)
			}
		}, func() { p.Compressx16Columns(m, colSize, res) })
	})
	b.Run("width24", func(b *testing.B) {
		const reps = 8
		p := poseidon2.NewPermutation(24, 6, 21)
		var m [24][16]Element
		for i := range m {
			randomElements(r, m[i][:])
		}
		var s soa24
		pairedLoop(b, 16*reps, "gnark621-ns/perm", func() {
			for range reps {
				permuteSoA24(&s)
			}
		}, func() {
			for range reps {
				p.Permutation16x24(&m)
			}
		})
	})
}

// BenchmarkScalarRatio alternates our scalar permutations and gnark-crypto's generic ones for the
// same round counts, reporting each one's ns/perm and their ratio.
func BenchmarkScalarRatio(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 3))
	const reps = 16
	b.Run("width16", func(b *testing.B) {
		p := poseidon2.NewPermutation(16, FullRounds, PartialRounds16)
		var s, g [16]Element
		randomElements(r, s[:])
		g = s
		pairedLoop(b, reps, "gnark-generic-ns/perm", func() {
			for range reps {
				Permute16(&s)
			}
		}, func() {
			for range reps {
				_ = p.Permutation(g[:])
			}
		})
	})
	b.Run("width24", func(b *testing.B) {
		p := poseidon2.NewPermutation(24, FullRounds, PartialRounds24)
		var s, g [24]Element
		randomElements(r, s[:])
		g = s
		pairedLoop(b, reps, "gnark-generic-ns/perm", func() {
			for range reps {
				Permute24(&s)
			}
		}, func() {
			for range reps {
				_ = p.Permutation(g[:])
			}
		})
	})
}

// pairedLoop times ours and theirs (each running perms permutations) alternately, once per
// iteration, and reports the medians: on a shared machine a preemption lands in one side of one
// pair, and the median ignores it where a sum would not.
func pairedLoop(b *testing.B, perms int, theirUnit string, ours, theirs func()) {
	var o, t []time.Duration
	for b.Loop() {
		t0 := time.Now()
		ours()
		t1 := time.Now()
		theirs()
		o = append(o, t1.Sub(t0))
		t = append(t, time.Since(t1))
	}
	om, tm := median(o), median(t)
	b.ReportMetric(float64(om.Nanoseconds())/float64(perms), "ours-ns/perm")
	b.ReportMetric(float64(tm.Nanoseconds())/float64(perms), theirUnit)
	b.ReportMetric(float64(om)/float64(tm), "ratio")
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
