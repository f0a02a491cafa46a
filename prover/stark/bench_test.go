package stark

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/field/koalabear/fft"
	"github.com/zkexex/zkexex/prover/hash"
)

// benchAIR is a synthetic table of `width` columns: the first half evolve by a degree-2
// transition x'_c = x_c·x_{c+1} + x_{c+2}, the second half are degree-3 functions of the first
// (y_c = x_c²·x_{c+1}). It has `width` constraints, degree 3, so it needs two quotient chunks,
// like the RISC-V chips.
func benchAIR(tb testing.TB, width int) *AIR {
	t := NewTable("bench")
	h := width / 2
	x := t.Columns("x", h)
	y := t.Columns("y", width-h)
	for c := 0; c < h; c++ {
		t.AssertTransition(fmt.Sprintf("x%d", c), x[c].Next().Sub(x[c].Cur().Mul(x[(c+1)%h].Cur()).Add(x[(c+2)%h].Cur())))
	}
	for c := range y {
		xc, xn := x[c%h].Cur(), x[(c+1)%h].Cur()
		t.AssertZero(fmt.Sprintf("y%d", c), y[c].Cur().Sub(xc.Mul(xc).Mul(xn)))
	}
	air, err := NewAIR("bench", 0, t)
	if err != nil {
		tb.Fatal(err)
	}
	return air
}

func benchTrace(width, logN int) *Matrix {
	n := 1 << uint(logN)
	h := width / 2
	m := NewMatrix(width, n)
	rng := rand.New(rand.NewPCG(uint64(width), uint64(logN)))
	for c := 0; c < h; c++ {
		m.Cols[c][0].SetUint64(rng.Uint64N(modulus))
	}
	for r := 0; r < n; r++ {
		if r > 0 {
			for c := 0; c < h; c++ {
				var v F
				v.Mul(&m.Cols[c][r-1], &m.Cols[(c+1)%h][r-1])
				m.Cols[c][r].Add(&v, &m.Cols[(c+2)%h][r-1])
			}
		}
		for c := h; c < width; c++ {
			k := c - h
			var v F
			v.Square(&m.Cols[k%h][r])
			m.Cols[c][r].Mul(&v, &m.Cols[(k+1)%h][r])
		}
	}
	return m
}

// proverBytesPerRow estimates peak resident memory per trace row: 12 bytes per cell (trace and
// its blowup-2 LDE) plus about 720 bytes of Merkle trees, quotient, DEEP and FRI buffers, with
// head-room for the garbage collector (measured: 154 MB peak RSS at 2^16 rows × 64 columns, and
// 4.1 GB during 2^20 × 256).
func proverBytesPerRow(width int) int { return 16*width + 1500 }

// benchMemoryBudget keeps a run inside this project's 24 GiB machines with room for the OS; a
// size over it (2^22 rows × 256 columns, ~23 GB) is skipped with a message.
const benchMemoryBudget = 16 << 30

// nativeBaselines measures, in this run, the two primitives the issue quotes reference figures
// for: a single-core KoalaBear coset FFT of 2^20 and one width-16 Poseidon2 permutation.
func nativeBaselines() (fftMs, p16Ns float64) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	dom := fft.NewDomain(1<<20, fft.WithShift(cosetShift()))
	v := make([]F, 1<<20)
	for i := range v {
		v[i].SetUint64(uint64(i))
	}
	const reps = 3
	s := time.Now()
	for i := 0; i < reps; i++ {
		dom.FFT(v, fft.DIF, fft.OnCoset(), fft.WithNbTasks(1))
	}
	fftMs = float64(time.Since(s).Microseconds()) / 1000 / reps
	p16Ns, _ = batchedPermNs()
	return
}

// batchedPermNs times the batched width-16 and width-24 permutations (the path the commitments
// use) in ns per permutation, so that the hashing floor reflects the kernels actually in use.
func batchedPermNs() (p16, p24 float64) {
	const batch, reps = 256, 40
	s16 := make([][16]F, batch)
	s24 := make([][24]F, batch)
	t0 := time.Now()
	for i := 0; i < reps; i++ {
		hash.Permute16Batch(s16)
	}
	p16 = float64(time.Since(t0).Nanoseconds()) / (batch * reps)
	t0 = time.Now()
	for i := 0; i < reps; i++ {
		hash.Permute24Batch(s24)
	}
	p24 = float64(time.Since(t0).Nanoseconds()) / (batch * reps)
	return
}

// BenchmarkProve reports prove and verify time, proof size and ns per trace cell for 2^16..2^22
// rows × 64..256 columns with the default (100-bit) parameters, on 1 and 2 cores. Beside the
// total it reports the prover's split (LDE, hashing, quotient, FRI with openings, PoW, trace
// check), CPU ns per cell and cores used (on a shared machine wall time depends on the other
// load; CPU time much less), and the hash-only floor (hashFloor: the proof's commitments alone),
// all measured in the same run. Sizes whose memory would exceed ~16 GiB are skipped.
func BenchmarkProve(b *testing.B) {
	fftMs, p16Ns := nativeBaselines()
	for _, logN := range []int{16, 18, 20, 21, 22} {
		for _, width := range []int{64, 256} {
			for _, procs := range []int{1, 2} {
				name := fmt.Sprintf("rows=2^%d/cols=%d/procs=%d", logN, width, procs)
				b.Run(name, func(b *testing.B) {
					if need := (1 << uint(logN)) * proverBytesPerRow(width); need > benchMemoryBudget {
						b.Skipf("needs about %.1f GiB, over the %d GiB budget of a 24 GiB machine", float64(need)/(1<<30), benchMemoryBudget>>30)
					}
					if testing.Short() && logN > 16 {
						b.Skip("large sizes skipped in -short mode")
					}
					prev := runtime.GOMAXPROCS(procs)
					defer runtime.GOMAXPROCS(prev)
					air := benchAIR(b, width)
					pk, err := Setup(air, DefaultParams())
					if err != nil {
						b.Fatal(err)
					}
					trace := benchTrace(width, logN)
					warmDomains(pk, logN)
					cpu0 := cpuTime()
					b.ResetTimer()
					proof, st := proveLoop(b, pk, trace)
					b.StopTimer()
					cpu := cpuTime() - cpu0
					vs := time.Now()
					if err := Verify(pk.VerifyingKey(), proof, nil, DefaultVerifierConfig()); err != nil {
						b.Fatal(err)
					}
					verify := time.Since(vs)
					floor := hashFloor(b, pk, trace)
					cells := float64(int(1)<<uint(logN)) * float64(width)
					per := func(d time.Duration) float64 { return float64(d.Milliseconds()) / float64(b.N) }
					b.ReportMetric(float64(st.Total.Nanoseconds())/float64(b.N)/cells, "ns/cell")
					b.ReportMetric(per(st.Total), "prove_ms")
					b.ReportMetric(float64(verify.Microseconds())/1000, "verify_ms")
					b.ReportMetric(float64(proof.Size())/1024, "proof_KiB")
					b.ReportMetric(per(st.LDE), "lde_ms")
					b.ReportMetric(per(st.Hash), "hash_ms")
					b.ReportMetric(per(st.Quotient+st.LogUp), "quotient_ms")
					b.ReportMetric(per(st.FRI+st.Open), "fri_ms")
					b.ReportMetric(per(st.PoW), "pow_ms")
					b.ReportMetric(per(st.Check), "check_ms")
					b.ReportMetric(float64(floor.Nanoseconds())/cells, "hash_floor_ns/cell")
					// CPU time over wall time: how many cores the prover actually got. On a shared
					// machine this, not the wall-clock ratio, shows whether 2 procs can help.
					b.ReportMetric(float64(cpu)/float64(st.Total), "cores_used")
					// CPU time per cell: on a machine shared with other work, the figure that
					// compares across runs (wall time depends on what else is running).
					b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/cells, "cpu_ns/cell")
					b.ReportMetric(fftMs, "native_fft2^20_ms")
					b.ReportMetric(p16Ns, "native_p16_ns")
				})
			}
		}
	}
}

// hashFloor times, in the benchmark's own run and on its cores, the Merkle commitments a proof of
// trace needs and nothing else: the main trace's LDE, the quotient chunks' LDE (same height, as
// many columns as the key's quotient has) and every FRI layer (eight columns, halving). It is the
// prover's time if everything but hashing were free.
func hashFloor(b *testing.B, pk *ProvingKey, trace *Matrix) time.Duration {
	b.Helper()
	logB := pk.params.LogBlowup
	lde := newDomains().lde(trace, logB)
	N := lde.Height
	quot := NewMatrix(4<<uint(pk.vk.air.quotientLog(0)), N)
	for c := range quot.Cols {
		copy(quot.Cols[c], lde.Cols[c%lde.Width()])
	}
	commits := [][]*Matrix{{lde}, {quot}}
	for l := log2Exact(N); l > logB+pk.params.LogFinalPolyLen; l-- {
		m := NewMatrix(8, 1<<uint(l-1))
		for c := range m.Cols {
			copy(m.Cols[c], lde.Cols[c])
		}
		commits = append(commits, []*Matrix{m})
	}
	s := time.Now()
	for _, mats := range commits {
		if _, err := commitMatrices[hash.Digest](mats); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(s)
}

// warmDomains builds the process-wide FFT domains and coset points a proof of 2^logN rows uses,
// as a long-running prover has them after its first proof, so that one timed proof measures the
// steady state.
func warmDomains(pk *ProvingKey, logN int) {
	b := pk.params.LogBlowup
	logM := logN + pk.vk.air.quotientLog(0)
	for _, l := range []int{logN, logN + b, logM} {
		newDomains().get(l)
	}
	cosetPoints(logN + b)
	cosetPoints(logM)
}

func (s *Stats) add(o Stats) {
	s.LDE += o.LDE
	s.Hash += o.Hash
	s.Quotient += o.Quotient
	s.LogUp += o.LogUp
	s.Open += o.Open
	s.FRI += o.FRI
	s.PoW += o.PoW
	s.Check += o.Check
	s.Total += o.Total
}

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCommitPhase isolates the commit phase (LDE + Merkle commitment of the trace), the
// figure the issue's ~45 ns/cell prototype measured.
func BenchmarkCommitPhase(b *testing.B) {
	for _, logN := range []int{16, 18} {
		b.Run(fmt.Sprintf("rows=2^%d/cols=64", logN), func(b *testing.B) {
			trace := benchTrace(64, logN)
			cells := float64(int(64) << uint(logN))
			var ldeT, hashT time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				d := newDomains()
				var lde *Matrix
				timed(&ldeT, func() { lde = d.lde(trace, 1) })
				var err error
				timed(&hashT, func() { _, err = commitMatrices[hash.Digest]([]*Matrix{lde}) })
				if err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/cells, "ns/cell")
			b.ReportMetric(float64(ldeT.Nanoseconds())/float64(b.N)/cells, "lde_ns/cell")
			b.ReportMetric(float64(hashT.Nanoseconds())/float64(b.N)/cells, "hash_ns/cell")
			// Floor for the hashing on the batched kernels: 2 LDE rows per trace row, each absorbed
			// 16 elements per width-24 permutation, plus one width-16 compression per leaf.
			p16, p24 := batchedPermNs()
			b.ReportMetric(p24, "native_p24_ns")
			b.ReportMetric(p16, "native_p16_ns")
			b.ReportMetric(2*(p24*64/16+p16)/64, "native_hash_floor_ns/cell")
		})
	}
}

// BenchmarkCells reports, per table of the test AIRs, the trace cells per row: main columns, the
// extension cells of its LogUp columns as batched (4 per column), and as they were with one
// column per interaction (ext_unbatched), to show what batching saves.
func BenchmarkCells(b *testing.B) {
	airs := []*AIR{range16AIR(b, range16Burst)}
	for _, s := range testStatements(b) {
		airs = append(airs, s.air)
	}
	for _, air := range airs {
		for _, tb := range air.Tables() {
			b.Run(air.name+"/"+tb.Name(), func(b *testing.B) {
				var ext int
				for i := 0; i < b.N; i++ {
					ext = 4 * tb.LogUpColumns()
				}
				unbatched := 0
				if k := len(tb.interactions); k > 0 {
					unbatched = 4 * (k + 1)
				}
				b.ReportMetric(float64(tb.Width()), "main_cells/row")
				b.ReportMetric(float64(ext), "ext_cells/row")
				b.ReportMetric(float64(unbatched), "ext_unbatched/row")
			})
		}
	}
}

// BenchmarkConfigurations proves and verifies one AIR (benchAIR, 64 columns, 2^12 rows) in each
// hash configuration: with the default parameters in both (the cost of the hash alone) and with
// FinalLayerParams in the BN254 one (the last layer as it would run).
func BenchmarkConfigurations(b *testing.B) {
	const width, logN = 64, 12
	air := benchAIR(b, width)
	trace := benchTrace(width, logN)
	b.Run("koalabear/default", func(b *testing.B) { benchConfig[hash.Digest](b, air, trace, DefaultParams()) })
	b.Run("bn254/default", func(b *testing.B) { benchConfig[hash.BN254Digest](b, air, trace, DefaultParams()) })
	b.Run("bn254/final-layer", func(b *testing.B) { benchConfig[hash.BN254Digest](b, air, trace, FinalLayerParams()) })
}

// proveLoop proves trace b.N times and returns the last proof and the summed stage times.
func proveLoop[D Digest](b *testing.B, pk *ProvingKeyOf[D], trace *Matrix) (*ProofOf[D], Stats) {
	var st Stats
	var proof *ProofOf[D]
	for i := 0; i < b.N; i++ {
		var s Stats
		var err error
		proof, s, err = ProveWithStats(context.Background(), pk, []*Matrix{trace}, nil)
		if err != nil {
			b.Fatal(err)
		}
		st.add(s)
	}
	return proof, st
}

func benchConfig[D Digest](b *testing.B, air *AIR, trace *Matrix, params Params) {
	pk, err := SetupFor[D](air, params)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	proof, st := proveLoop(b, pk, trace)
	b.StopTimer()
	vs := time.Now()
	if err := Verify(pk.VerifyingKey(), proof, nil, DefaultVerifierConfig()); err != nil {
		b.Fatal(err)
	}
	verify := time.Since(vs)
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(per(st.Total), "prove_ms")
	b.ReportMetric(per(st.Hash), "hash_ms")
	b.ReportMetric(per(st.PoW), "pow_ms")
	b.ReportMetric(float64(verify.Microseconds())/1000, "verify_ms")
	b.ReportMetric(float64(proof.Size())/1024, "proof_KiB")
}
