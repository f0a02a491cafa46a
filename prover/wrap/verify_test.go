package wrap

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/test"
	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/wrap/wraptest"
)

// fibCounterAIR has a Fibonacci table of 2^6 rows whose first and last values are public, and a
// counter table of 2^5 rows: boundary, transition and every-row constraints, two LDE heights
// (two DEEP buckets, a FRI roll-in), three public values.
func fibCounterAIR(t testing.TB) (*stark.AIR, []*stark.Matrix, []stark.F) {
	t.Helper()
	fib := stark.NewTable("fib")
	a, b := fib.Column("a"), fib.Column("b")
	fib.AssertFirst("a0", a.Cur().Sub(stark.Pub(0)))
	fib.AssertFirst("b0", b.Cur().Sub(stark.Pub(1)))
	fib.AssertTransition("a'", a.Next().Sub(b.Cur()))
	fib.AssertTransition("b'", b.Next().Sub(a.Cur().Add(b.Cur())))
	fib.AssertLast("out", b.Cur().Sub(stark.Pub(2)))
	cnt := stark.NewTable("counter")
	c, sq := cnt.Column("c"), cnt.Column("sq")
	cnt.AssertFirst("c0", c.Cur())
	cnt.AssertTransition("c'", c.Next().Sub(c.Cur()).Sub(stark.Const(1)))
	cnt.AssertZero("sq", sq.Cur().Sub(c.Cur().Mul(c.Cur()).Mul(c.Cur())))
	air, err := stark.NewAIR("wrap/fib-counter", 3, fib, cnt)
	if err != nil {
		t.Fatal(err)
	}
	ft := stark.NewMatrix(2, 1<<6)
	x, y := koala(1), koala(2)
	pub := []stark.F{x, y, {}}
	for r := range ft.Height {
		ft.Set(r, 0, x)
		ft.Set(r, 1, y)
		var s stark.F
		s.Add(&x, &y)
		x, y = y, s
	}
	pub[2] = ft.Get(ft.Height-1, 1)
	ct := stark.NewMatrix(2, 1<<5)
	for r := range ct.Height {
		ct.SetUint(r, 0, uint64(r))
		ct.SetUint(r, 1, uint64(r*r*r))
	}
	return air, []*stark.Matrix{ft, ct}, pub
}

const busByte stark.BusID = 1

// rangeAIR range-checks 16-bit values through a byte table over a LogUp bus: the byte table's
// keys are a preprocessed column and its multiplicities a main one, so a proof has every part
// (preprocessed, main, LogUp and quotient commitments, nonzero LogUp totals). One public value,
// the first value, is bound by a boundary constraint.
func rangeAIR(t testing.TB, logN int) (*stark.AIR, []*stark.Matrix, []stark.F) {
	t.Helper()
	vt := stark.NewTable("values")
	v, lo, hi := vt.Column("v"), vt.Column("lo"), vt.Column("hi")
	vt.AssertZero("limbs", v.Cur().Sub(lo.Cur()).Sub(hi.Cur().Mul(stark.Const(256))))
	vt.AssertFirst("public", v.Cur().Sub(stark.Pub(0)))
	vt.Send(busByte, stark.Const(1), lo.Cur())
	vt.Send(busByte, stark.Const(1), hi.Cur())
	bt := stark.NewTable("bytes")
	mult := bt.Column("mult")
	key := bt.Preprocessed("byte")
	pre := stark.NewMatrix(1, 256)
	for i := range 256 {
		pre.SetUint(i, 0, uint64(i))
	}
	bt.SetPreprocessed(pre)
	bt.LookupTable(busByte, mult.Cur(), key)
	air, err := stark.NewAIR("wrap/range", 1, vt, bt)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(logN), 7))
	m := stark.NewMatrix(3, 1<<uint(logN))
	counts := stark.NewMatrix(1, 256)
	var cnt [256]uint64
	for r := range m.Height {
		x := rng.Uint64N(1 << 16)
		m.SetUint(r, 0, x)
		m.SetUint(r, 1, x&0xff)
		m.SetUint(r, 2, x>>8)
		cnt[x&0xff]++
		cnt[x>>8]++
	}
	for i, c := range cnt {
		counts.SetUint(i, 0, c)
	}
	return air, []*stark.Matrix{m, counts}, []stark.F{m.Get(0, 0)}
}

// starkCircuit wraps VerifyStark: the shape is fixed at build time, the proof is the witness and
// the public values are the circuit's public inputs.
type starkCircuit struct {
	shape  Shape
	Proof  ProofVar
	Public []frontend.Variable `gnark:",public"`
}

func (c *starkCircuit) Define(api frontend.API) error {
	pub, err := VerifyStark(api, c.shape, &c.Proof)
	if err != nil {
		return err
	}
	for i := range pub {
		api.AssertIsEqual(pub[i], c.Public[i])
	}
	return nil
}

func newStarkCircuit(t testing.TB, s Shape) *starkCircuit {
	t.Helper()
	pv, err := NewProofVar(s)
	if err != nil {
		t.Fatal(err)
	}
	return &starkCircuit{shape: s, Proof: *pv, Public: make([]frontend.Variable, len(pv.Public))}
}

func assignStark(t testing.TB, s Shape, proof *stark.BN254Proof, public []stark.F) *starkCircuit {
	t.Helper()
	pv, err := AssignProof(s, proof, public)
	if err != nil {
		t.Fatal(err)
	}
	return &starkCircuit{Proof: *pv, Public: append([]frontend.Variable(nil), pv.Public...)}
}

type provedCase struct {
	shape  Shape
	proof  *stark.BN254Proof
	public []stark.F
}

func proveCase(t testing.TB, air *stark.AIR, traces []*stark.Matrix, public []stark.F, params stark.Params) provedCase {
	t.Helper()
	pk, err := stark.SetupFor[hash.BN254Digest](air, params)
	if err != nil {
		t.Fatal(err)
	}
	proof, err := stark.Prove(context.Background(), pk, traces, public)
	if err != nil {
		t.Fatal(err)
	}
	vk := pk.VerifyingKey()
	cfg := stark.DefaultVerifierConfig()
	if params != stark.FinalLayerParams() {
		cfg.MinSecurityBits = 0
	}
	if err := stark.Verify(vk, proof, public, cfg); err != nil {
		t.Fatalf("native verification: %v", err)
	}
	return provedCase{shape: Shape{VK: vk, Params: params, LogHeights: proof.LogHeights, Config: &cfg}, proof: proof, public: public}
}

// TestVerifyStarkAccepts: real proofs of both test AIRs verify in the circuit, under the fast test
// parameters and under FinalLayerParams (the latter outside -short: 22 queries at rate 1/16).
func TestVerifyStarkAccepts(t *testing.T) {
	sets := []stark.Params{stark.TestParams()}
	if !testing.Short() {
		sets = append(sets, stark.FinalLayerParams())
	}
	for _, params := range sets {
		for _, mk := range []func(testing.TB) (*stark.AIR, []*stark.Matrix, []stark.F){
			fibCounterAIR,
			func(t testing.TB) (*stark.AIR, []*stark.Matrix, []stark.F) { return rangeAIR(t, 6) },
		} {
			air, traces, public := mk(t)
			pc := proveCase(t, air, traces, public, params)
			if err := test.IsSolved(newStarkCircuit(t, pc.shape), assignStark(t, pc.shape, pc.proof, pc.public), field); err != nil {
				t.Fatalf("%s, %+v: a valid proof refused: %v", air.Tables()[0].Name(), params, err)
			}
		}
	}
}

// TestVerifyStarkShape: a proof of another shape cannot be assigned, and proof variables of another
// shape cannot be verified.
func TestVerifyStarkShape(t *testing.T) {
	air, traces, public := fibCounterAIR(t)
	pc := proveCase(t, air, traces, public, stark.TestParams())
	other := pc.shape
	other.LogHeights = []int{pc.shape.LogHeights[0] + 1, pc.shape.LogHeights[1]}
	if _, err := AssignProof(other, pc.proof, pc.public); !errors.Is(err, ErrShape) {
		t.Errorf("a proof of other heights assigned: %v", err)
	}
	if _, err := AssignProof(pc.shape, pc.proof, pc.public[:2]); !errors.Is(err, ErrShape) {
		t.Errorf("too few public values assigned: %v", err)
	}
	weak := pc.shape
	weak.Config = nil // the default 100-bit floor refuses the test parameters
	if _, err := NewProofVar(weak); !errors.Is(err, ErrShape) {
		t.Errorf("an insecure shape accepted: %v", err)
	}
	pv, err := NewProofVar(other)
	if err != nil {
		t.Fatal(err)
	}
	c := &starkCircuit{shape: pc.shape, Proof: *pv, Public: make([]frontend.Variable, 3)}
	if _, err := frontend.Compile(field, r1cs.NewBuilder, c); !errors.Is(err, ErrShape) {
		t.Errorf("proof variables of another shape compiled: %v", err)
	}
}

func bumpExt(e *ExtVar, j int) { e[j] = (e[j].(uint64) + 1) % hash.Modulus }

func bumpBase(v *frontend.Variable) { *v = (toU64(*v) + 1) % hash.Modulus }

func toU64(v frontend.Variable) uint64 {
	switch x := v.(type) {
	case uint64:
		return x
	case *big.Int:
		return x.Uint64()
	}
	panic("unexpected assignment type")
}

func bumpDigest(v *frontend.Variable) {
	*v = new(big.Int).Add((*v).(*big.Int), big.NewInt(1))
}

// TestVerifyStarkTampers changes one proof value at a time, for every kind of value a proof
// carries, and checks that the circuit is then unsatisfiable (stark's tamper_test.go, in the
// circuit): under the test parameters, and outside -short under FinalLayerParams too.
func TestVerifyStarkTampers(t *testing.T) {
	sets := []stark.Params{stark.TestParams()}
	if !testing.Short() {
		sets = append(sets, stark.FinalLayerParams())
	}
	for _, params := range sets {
		t.Run(fmt.Sprintf("%d-queries-blowup-%d", params.NumQueries, 1<<uint(params.LogBlowup)), func(t *testing.T) {
			tamperRange(t, params)
		})
	}
}

func tamperRange(t *testing.T, params stark.Params) {
	air, traces, public := rangeAIR(t, 6)
	pc := proveCase(t, air, traces, public, params)
	circuit := newStarkCircuit(t, pc.shape)
	last := len(pc.proof.Queries) - 1
	cases := []struct {
		name string
		f    func(w *starkCircuit)
	}{
		{"public value", func(w *starkCircuit) { bumpBase(&w.Proof.Public[0]); w.Public[0] = w.Proof.Public[0] }},
		{"main root", func(w *starkCircuit) { bumpDigest(&w.Proof.MainRoot) }},
		{"LogUp root", func(w *starkCircuit) { bumpDigest(&w.Proof.PermRoot) }},
		{"quotient root", func(w *starkCircuit) { bumpDigest(&w.Proof.QuotRoot) }},
		{"LogUp grinding nonce", func(w *starkCircuit) { bumpBase(&w.Proof.LogUpPoWNonce) }},
		{"LogUp total", func(w *starkCircuit) { bumpExt(&w.Proof.LogUpSums[0], 1) }},
		{"both LogUp totals, still balanced", func(w *starkCircuit) {
			bumpExt(&w.Proof.LogUpSums[0], 2)
			w.Proof.LogUpSums[1][2] = (w.Proof.LogUpSums[1][2].(uint64) + hash.Modulus - 1) % hash.Modulus
		}},
		{"preprocessed opening at ζ", func(w *starkCircuit) { bumpExt(&w.Proof.Openings[1].Pre[0][0], 0) }},
		{"main opening at ζ", func(w *starkCircuit) { bumpExt(&w.Proof.Openings[0].Main[0][1], 3) }},
		{"main opening at ζω", func(w *starkCircuit) { bumpExt(&w.Proof.Openings[0].Main[1][0], 0) }},
		{"LogUp opening at ζ", func(w *starkCircuit) { bumpExt(&w.Proof.Openings[0].Perm[0][2], 1) }},
		{"LogUp opening at ζω", func(w *starkCircuit) { bumpExt(&w.Proof.Openings[1].Perm[1][0], 0) }},
		{"quotient chunk at ζ", func(w *starkCircuit) { bumpExt(&w.Proof.Openings[1].Quot[0][len(w.Proof.Openings[1].Quot[0])-1], 2) }},
		{"quotient opening at ζω", func(w *starkCircuit) { bumpExt(&w.Proof.Openings[0].Quot[1][0], 0) }},
		{"FRI layer root", func(w *starkCircuit) { bumpDigest(&w.Proof.FRIRoots[len(w.Proof.FRIRoots)-1]) }},
		{"FRI final polynomial", func(w *starkCircuit) { bumpExt(&w.Proof.FinalPoly[0], 0) }},
		{"FRI grinding nonce", func(w *starkCircuit) { bumpBase(&w.Proof.FRIPoWNonce) }},
		{"preprocessed row", func(w *starkCircuit) { bumpBase(&w.Proof.Queries[0].Inputs[roundPre].Rows[0][0]) }},
		{"main row", func(w *starkCircuit) { bumpBase(&w.Proof.Queries[last].Inputs[roundMain].Rows[1][0]) }},
		{"LogUp row", func(w *starkCircuit) { bumpBase(&w.Proof.Queries[1].Inputs[roundPerm].Rows[0][3]) }},
		{"quotient row", func(w *starkCircuit) { bumpBase(&w.Proof.Queries[2].Inputs[roundQuot].Rows[1][0]) }},
		{"input Merkle sibling", func(w *starkCircuit) { bumpDigest(&w.Proof.Queries[0].Inputs[roundMain].Path[2]) }},
		{"FRI pair value", func(w *starkCircuit) { bumpBase(&w.Proof.Queries[1].FRI[0].Rows[0][5]) }},
		{"FRI sibling", func(w *starkCircuit) { bumpDigest(&w.Proof.Queries[last].FRI[1].Path[0]) }},
		{"non-canonical main row value", func(w *starkCircuit) {
			r := &w.Proof.Queries[0].Inputs[roundMain].Rows[0][0]
			*r = toU64(*r) + hash.Modulus
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := assignStark(t, pc.shape, pc.proof, pc.public)
			tc.f(w)
			if test.IsSolved(circuit, w, field) == nil {
				t.Error("tampered proof accepted")
			}
		})
	}
}

// TestVerifyStarkTampersWithoutBus: on an AIR without interactions the LogUp root must be zero and
// every LogUp total zero, even when the totals still balance; the public values bind the boundary
// constraints.
func TestVerifyStarkTampersWithoutBus(t *testing.T) {
	air, traces, public := fibCounterAIR(t)
	pc := proveCase(t, air, traces, public, stark.TestParams())
	circuit := newStarkCircuit(t, pc.shape)
	for _, tc := range []struct {
		name string
		f    func(w *starkCircuit)
	}{
		{"LogUp root", func(w *starkCircuit) { bumpDigest(&w.Proof.PermRoot) }},
		{"balanced nonzero LogUp totals", func(w *starkCircuit) {
			bumpExt(&w.Proof.LogUpSums[0], 0)
			w.Proof.LogUpSums[1][0] = uint64(hash.Modulus - 1)
		}},
		{"last public value", func(w *starkCircuit) { bumpBase(&w.Proof.Public[2]); w.Public[2] = w.Proof.Public[2] }},
		{"public input only", func(w *starkCircuit) { bumpBase(&w.Public[0]) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := assignStark(t, pc.shape, pc.proof, pc.public)
			tc.f(w)
			if test.IsSolved(circuit, w, field) == nil {
				t.Error("tampered proof accepted")
			}
		})
	}
}

// TestVerifyStarkR1CS runs gnark's R1CS solver, the one the Groth16 prover uses, on the compiled
// circuit: a valid proof solves it; a proof with a changed FRI sibling or a changed opened row does
// not, so no Groth16 proof of it can be made.
func TestVerifyStarkR1CS(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a 200k-constraint circuit")
	}
	air, traces, public := fibCounterAIR(t)
	pc := proveCase(t, air, traces, public, stark.TestParams())
	cs, err := frontend.Compile(field, r1cs.NewBuilder, newStarkCircuit(t, pc.shape))
	if err != nil {
		t.Fatal(err)
	}
	solve := func(w *starkCircuit) error {
		wit, err := frontend.NewWitness(w, field)
		if err != nil {
			t.Fatal(err)
		}
		return cs.IsSolved(wit)
	}
	if err := solve(assignStark(t, pc.shape, pc.proof, pc.public)); err != nil {
		t.Fatalf("a valid proof does not solve the R1CS: %v", err)
	}
	for name, f := range map[string]func(w *starkCircuit){
		"FRI sibling": func(w *starkCircuit) { bumpDigest(&w.Proof.Queries[3].FRI[0].Path[1]) },
		"main row":    func(w *starkCircuit) { bumpBase(&w.Proof.Queries[5].Inputs[roundMain].Rows[0][1]) },
	} {
		w := assignStark(t, pc.shape, pc.proof, pc.public)
		f(w)
		if solve(w) == nil {
			t.Errorf("%s changed: the R1CS is solved", name)
		}
	}
}

// TestSpanCircuitSolvesProduction solves the production-shape span circuit (the fixture span's
// final layer at FinalLayerParams, in BN254) with gnark's R1CS solver, the one the Groth16
// prover runs, on a real final-layer proof; and not with a FRI pair value changed. Minutes and
// gigabytes (the BN254 final layer, a 4M-constraint compile): set ZKEXEX_WRAP_E2E=1.
func TestSpanCircuitSolvesProduction(t *testing.T) {
	if testing.Short() || os.Getenv("ZKEXEX_WRAP_E2E") == "" {
		t.Skip("minutes and gigabytes: set ZKEXEX_WRAP_E2E=1")
	}
	f := wraptest.ProveSpan(t)
	fl := f.FinalLayer(t, stark.FinalLayerParams())
	image, err := hash.DigestFromBytes(f.Claim.ImageID[:])
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	sp, err := fl.Prove(context.Background(), image, f.Seal, f.Journals)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("final layer %v proven in %v", fl.Shape(), time.Since(start))
	start = time.Now()
	shape, ccs, err := CompileSpan(fl, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("span circuit: %d constraints, compiled in %v", ccs.GetNbConstraints(), time.Since(start))
	solve := func(a *SpanCircuit) error {
		w, err := frontend.NewWitness(a, field)
		if err != nil {
			t.Fatal(err)
		}
		return ccs.IsSolved(w)
	}
	a, err := AssignSpan(shape, sp)
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	if err := solve(a); err != nil {
		t.Fatalf("the span's final-layer proof does not solve the circuit: %v", err)
	}
	t.Logf("solved in %v", time.Since(start))
	bumpBase(&a.Proof.Queries[len(a.Proof.Queries)-1].FRI[3].Rows[0][2])
	if solve(a) == nil {
		t.Error("a changed FRI pair value solves the circuit")
	}
}
