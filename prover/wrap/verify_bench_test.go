package wrap

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/profile"
	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/recursion"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/wrap/wraptest"
)

func compileR1CS(b *testing.B, c frontend.Circuit) int {
	b.Helper()
	cs, err := frontend.Compile(field, r1cs.NewBuilder, c)
	if err != nil {
		b.Fatal(err)
	}
	return cs.GetNbConstraints()
}

// pieceCircuit repeats one piece of arithmetic n times on eight canonical inputs.
type pieceCircuit struct {
	n     int
	piece func(f *Field, x []Felt, i int)
	X     [8]frontend.Variable
}

func (c *pieceCircuit) Define(api frontend.API) error {
	f := NewField(api)
	x := make([]Felt, len(c.X))
	for i := range x {
		x[i] = f.Canonical(c.X[i])
	}
	for i := range c.n {
		c.piece(f, x, i)
	}
	return nil
}

func extOf(x []Felt, i int) Ext {
	return Ext{x[i%8], x[(i+1)%8], x[(i+2)%8], x[(i+3)%8]}
}

// BenchmarkFieldPieces reports the R1CS constraints of one arithmetic piece, as the difference
// between circuits of 200 and 100 pieces (so the range-check table, paid once, is left out).
func BenchmarkFieldPieces(b *testing.B) {
	pieces := []struct {
		name  string
		piece func(f *Field, x []Felt, i int)
	}{
		{"felt-mul", func(f *Field, x []Felt, i int) { f.Mul(x[i%8], x[(i+3)%8]) }},
		{"ext-mul", func(f *Field, x []Felt, i int) { f.ExtMul(extOf(x, i), extOf(x, i+5)) }},
		{"ext-mul-base", func(f *Field, x []Felt, i int) { f.ExtMulBase(extOf(x, i), x[(i+5)%8]) }},
		{"reduction-2^66", func(f *Field, x []Felt, i int) {
			f.Reduce(f.Add(f.Mul(x[i%8], x[(i+1)%8]), f.Mul(x[(i+2)%8], f.Mul(x[(i+3)%8], f.Const(15)))))
		}},
		{"range-check-32", func(f *Field, x []Felt, i int) { f.check(f.api.Add(x[i%8].V, i), 32) }},
		{"range-check-31", func(f *Field, x []Felt, i int) { f.check(f.api.Add(x[i%8].V, i), 31) }},
		{"canonical-entry", func(f *Field, x []Felt, i int) { f.Canonical(f.api.Add(x[i%8].V, i)) }},
		{"assert-eq-lazy", func(f *Field, x []Felt, i int) { f.AssertEq(f.Mul(x[i%8], x[(i+1)%8]), f.Mul(x[(i+2)%8], x[(i+3)%8])) }},
		{"ext-div", func(f *Field, x []Felt, i int) { f.ExtDiv(extOf(x, i), extOf(x, i+5)) }},
	}
	for _, pc := range pieces {
		b.Run(pc.name, func(b *testing.B) {
			var d int
			for range b.N {
				d = compileR1CS(b, &pieceCircuit{n: 200, piece: pc.piece}) - compileR1CS(b, &pieceCircuit{n: 100, piece: pc.piece})
			}
			b.ReportMetric(float64(d)/100, "constraints/op")
		})
	}
}

// stageCircuit is the verifier for a shape, stopped after a stage (0: the whole verifier).
type stageCircuit struct {
	shape     Shape
	stopAfter int
	counts    *Field // the field counters of the last Define
	Proof     ProofVar
}

func (c *stageCircuit) Define(api frontend.API) error {
	v, err := newVerifier(api, c.shape, &c.Proof)
	if err != nil {
		return err
	}
	v.stopAfter = c.stopAfter
	if err := v.verify(); err != nil {
		return err
	}
	*c.counts = *v.f
	return nil
}

func stageConstraints(b *testing.B, s Shape, stop int) (int, Field) {
	b.Helper()
	pv, err := NewProofVar(s)
	if err != nil {
		b.Fatal(err)
	}
	var counts Field
	n := compileR1CS(b, &stageCircuit{shape: s, stopAfter: stop, counts: &counts, Proof: *pv})
	return n, counts
}

// reportShape compiles the verifier of s whole, stopped after the replay and after the
// out-of-domain checks, and with one more query, and reports the constraints of each part.
func reportShape(b *testing.B, s Shape) {
	total, counts := stageConstraints(b, s, 0)
	replay, _ := stageConstraints(b, s, stageReplay)
	ood, _ := stageConstraints(b, s, stageOOD)
	more := s
	more.Params.NumQueries++
	plus, _ := stageConstraints(b, more, 0)
	fewer := s
	fewer.Params.LogFinalPolyLen++
	oneRoundLess, _ := stageConstraints(b, fewer, 0)
	tables := len(s.LogHeights)
	b.ReportMetric(float64(total), "constraints")
	b.ReportMetric(float64(replay), "load+replay")
	b.ReportMetric(float64(ood-replay)/float64(tables), "ood/table")
	b.ReportMetric(float64(plus-total), "per-query")
	b.ReportMetric(float64(total-oneRoundLess)/float64(s.Params.NumQueries), "last-fri-layer/query")
	b.ReportMetric(float64(counts.RangeChecks), "range-checks")
	b.ReportMetric(float64(counts.Reductions), "reductions")
}

// BenchmarkVerifyStark reports the circuit's size (R1CS constraints, the Groth16 cost) for the
// test AIRs under the test parameters and FinalLayerParams, broken down by part; and the time of
// the native verifier for comparison.
func BenchmarkVerifyStark(b *testing.B) {
	for _, c := range []struct {
		name   string
		mk     func(testing.TB) (*stark.AIR, []*stark.Matrix, []stark.F)
		params stark.Params
	}{
		{"fib-counter/test-params", fibCounterAIR, stark.TestParams()},
		{"range/test-params", func(t testing.TB) (*stark.AIR, []*stark.Matrix, []stark.F) { return rangeAIR(t, 6) }, stark.TestParams()},
		{"range/final-layer-params", func(t testing.TB) (*stark.AIR, []*stark.Matrix, []stark.F) { return rangeAIR(t, 6) }, stark.FinalLayerParams()},
	} {
		air, traces, public := c.mk(b)
		pc := proveCase(b, air, traces, public, c.params)
		b.Run(c.name+"/circuit", func(b *testing.B) {
			for range b.N {
				reportShape(b, pc.shape)
			}
		})
		b.Run(c.name+"/native-verify", func(b *testing.B) {
			for range b.N {
				if err := stark.Verify(pc.shape.VK, pc.proof, pc.public, *pc.shape.Config); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFinalLayerShape compiles the verifier for the recursion AIR (twelve tables: ten chips
// and two Poseidon2 permutation tables) at FinalLayerParams, every table 2^WRAP_LOG_ROWS rows
// (default 12; the final layer's are 2^15 to 2^16), from the verifying key alone: no proof is
// needed to count constraints. The height enters only through the Merkle paths and the FRI rounds.
// WRAP_TOTAL_ONLY=1 compiles the whole circuit once, without the breakdown by part;
// WRAP_LOG_FINAL=n sets the parameters' LogFinalPolyLen (the key does not depend on it).
func BenchmarkFinalLayerShape(b *testing.B) {
	logRows := 12
	if s := os.Getenv("WRAP_LOG_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		logRows = n
	}
	rb := recursion.NewBuilder()
	x := rb.Public(0)
	rb.AssertEq(rb.Mul(x, x), rb.Mul(x, x))
	shape := make(recursion.Shape, recursion.NumTables)
	for i := range shape {
		shape[i] = logRows
	}
	prog, err := rb.CompileShape(shape)
	if err != nil {
		b.Fatal(err)
	}
	air, err := prog.AIR("wrap/final-layer-shape")
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	pk, err := stark.SetupFor[hash.BN254Digest](air, stark.FinalLayerParams())
	if err != nil {
		b.Fatal(err)
	}
	setup := time.Since(start)
	s := Shape{VK: pk.VerifyingKey(), Params: stark.FinalLayerParams(), LogHeights: []int(shape)}
	if v := os.Getenv("WRAP_LOG_FINAL"); v != "" {
		// A what-if on the final polynomial's length: fewer FRI rounds, a longer polynomial.
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatal(err)
		}
		s.Params.LogFinalPolyLen = n
	}
	main, perm, quot := 0, 0, 0
	for i := range air.Tables() {
		v, err := s.VK.ConstraintView(i)
		if err != nil {
			b.Fatal(err)
		}
		main += v.Width
		perm += 4 * v.NumPerm
		quot += 4 * v.QuotientChunks
	}
	b.Run("rows-2^"+strconv.Itoa(logRows), func(b *testing.B) {
		for range b.N {
			if os.Getenv("WRAP_TOTAL_ONLY") != "" {
				n, counts := stageConstraints(b, s, 0)
				b.ReportMetric(float64(n), "constraints")
				b.ReportMetric(float64(counts.RangeChecks), "range-checks")
				continue
			}
			reportShape(b, s)
		}
		b.ReportMetric(float64(main), "main-cols")
		b.ReportMetric(float64(perm), "logup-cols")
		b.ReportMetric(float64(quot), "quotient-cols")
		b.ReportMetric(setup.Seconds(), "stark-setup-s")
	})
}

// BenchmarkGroth16 sets up, proves and verifies the wrap of the smallest test proof with Groth16
// and reports the times, the process's peak memory, the proof's size (compressed encoding) and
// its number of BSB22 commitments (std/rangecheck's).
//
// WRAP_G16_FINAL=1 wraps the range AIR's proof at FinalLayerParams instead (about 690k
// constraints), a point for extrapolating to the final layer's size.
func BenchmarkGroth16(b *testing.B) {
	air, traces, public := fibCounterAIR(b)
	params := stark.TestParams()
	if os.Getenv("WRAP_G16_FINAL") != "" {
		air, traces, public = rangeAIR(b, 6)
		params = stark.FinalLayerParams()
	}
	pc := proveCase(b, air, traces, public, params)
	circuit := newStarkCircuit(b, pc.shape)
	assignment := assignStark(b, pc.shape, pc.proof, pc.public)
	for range b.N {
		cs, err := frontend.Compile(field, r1cs.NewBuilder, circuit)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		pk, vk, err := groth16.Setup(cs)
		if err != nil {
			b.Fatal(err)
		}
		setup := time.Since(start)
		w, err := frontend.NewWitness(assignment, ecc.BN254.ScalarField())
		if err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		proof, err := groth16.Prove(cs, pk, w)
		if err != nil {
			b.Fatal(err)
		}
		prove := time.Since(start)
		pw, err := w.Public()
		if err != nil {
			b.Fatal(err)
		}
		if err := groth16.Verify(proof, vk, pw); err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := proof.WriteTo(&buf); err != nil {
			b.Fatal(err)
		}
		commitments := 0
		if c, ok := cs.GetCommitments().(constraint.Groth16Commitments); ok {
			commitments = len(c)
		}
		b.ReportMetric(float64(cs.GetNbConstraints()), "constraints")
		b.ReportMetric(float64(commitments), "commitments")
		b.ReportMetric(float64(buf.Len()), "proof-bytes")
		b.ReportMetric(setup.Seconds(), "setup-s")
		b.ReportMetric(prove.Seconds(), "prove-s")
		b.ReportMetric(peakRSSMiB(), "peak-RSS-MiB")
	}
}

// peakRSSMiB is the process's peak resident memory (VmHWM), 0 where /proc is not available.
func peakRSSMiB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			if err == nil {
				return float64(kb) / 1024
			}
		}
	}
	return 0
}

// BenchmarkSpanShape compiles the wrap circuit (SpanCircuit: VerifyStark and the claim binding)
// for the production shape: the span program of the real two-block fixture span (wraptest), at
// FinalLayerParams. Only the final layer's key is made, no proof. It reports the circuit's
// constraints and, unless WRAP_TOTAL_ONLY is set, those of VerifyStark alone (a second compile).
// WRAP_LOG_FINAL=3,5,6 compiles it for each of these LogFinalPolyLen (the key does not depend on
// it). WRAP_TEST_PARAMS=1 builds it for a final layer at stark.TestParams (TestSpanCircuit's
// shape) instead. WRAP_PROFILE=file writes gnark's constraint profile of the (last) circuit, where every
// constraint was emitted, by call stack: go tool pprof -top file.
func BenchmarkSpanShape(b *testing.B) {
	fx := wraptest.ProveSpan(b)
	params, cfg := stark.FinalLayerParams(), (*stark.VerifierConfig)(nil)
	if os.Getenv("WRAP_TEST_PARAMS") != "" {
		params, cfg = stark.TestParams(), &stark.VerifierConfig{}
	}
	fl := fx.FinalLayer(b, params)
	base := Shape{VK: fl.VerifyingKey(), Params: fl.Params(), LogHeights: fl.Shape(), Config: cfg}
	finals := []int{base.Params.LogFinalPolyLen}
	if v := os.Getenv("WRAP_LOG_FINAL"); v != "" {
		finals = finals[:0]
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(f)
			if err != nil {
				b.Fatal(err)
			}
			finals = append(finals, n)
		}
	}
	b.Logf("span program %v at %+v", base.LogHeights, base.Params)
	for _, logFinal := range finals {
		s := base
		s.Params.LogFinalPolyLen = logFinal
		b.Run("final-2^"+strconv.Itoa(logFinal), func(b *testing.B) {
			for range b.N {
				c, err := NewSpanCircuit(s)
				if err != nil {
					b.Fatal(err)
				}
				var p *profile.Profile
				if path := os.Getenv("WRAP_PROFILE"); path != "" {
					p = profile.Start(profile.WithPath(path))
				}
				start := time.Now()
				total := compileR1CS(b, c)
				b.ReportMetric(time.Since(start).Seconds(), "compile-s")
				if p != nil {
					p.Stop()
				}
				b.ReportMetric(float64(total), "constraints")
				if os.Getenv("WRAP_TOTAL_ONLY") != "" {
					continue
				}
				verify, counts := stageConstraints(b, s, 0)
				b.ReportMetric(float64(verify), "verify-stark")
				b.ReportMetric(float64(counts.RangeChecks), "range-checks")
				b.ReportMetric(float64(counts.RangeBits), "range-bits")
				b.ReportMetric(float64(counts.Reductions), "reductions")
			}
		})
	}
}
