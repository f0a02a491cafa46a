package stark

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/zkexex/zkexex/prover/hash"
)

// TestConstraintViewMatchesVerifier: on real proofs of AIRs with every selector, preprocessed
// columns and LogUp, the exported view's identity (ConstraintView.Identity, which reads nothing
// but the view) holds; and after each single opened value (or LogUp total) is altered, the view
// and checkConstraintsAt give the same verdict.
func TestConstraintViewMatchesVerifier(t *testing.T) {
	fib, fpub := fibTrace(5, 1, 1)
	for _, tc := range []struct {
		name   string
		air    *AIR
		traces []*Matrix
		public []F
	}{
		{"fibonacci", fibAIR(t), []*Matrix{fib}, fpub},
		{"memory", memAIR(t), memTraces(5, randomAccesses(20, 9)), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pk, err := Setup(tc.air, TestParams())
			if err != nil {
				t.Fatal(err)
			}
			vk := pk.VerifyingKey()
			proof, err := Prove(context.Background(), pk, tc.traces, tc.public)
			if err != nil {
				t.Fatal(err)
			}
			ch, err := ProofChallenges(vk, proof, tc.public)
			if err != nil {
				t.Fatal(err)
			}
			ver := &verifier[hash.Digest]{vk: vk, air: vk.air, proof: proof, public: tc.public}
			if err := ver.checkShape(VerifierConfig{}); err != nil {
				t.Fatal(err)
			}
			agree := func(i int, what string) {
				t.Helper()
				v, err := vk.ConstraintView(i)
				if err != nil {
					t.Fatal(err)
				}
				if v.NumInputs() != vk.air.progs[i].nSrc || len(v.Names) != len(v.Outputs) || len(v.LogUpGroups) != max(v.NumPerm-1, 0) {
					t.Fatalf("table %d: view layout differs from the compiled program", i)
				}
				lhs, rhs, err := v.Identity(&proof.Openings[i], tc.public, proof.LogUpSums[i], ch, proof.LogHeights[i])
				if err != nil {
					t.Fatal(err)
				}
				verr := ver.checkConstraintsAt(i, ch.Zeta, ch.Alpha, ch.Beta, ch.Gamma)
				if lhs.Equal(&rhs) != (verr == nil) {
					t.Fatalf("table %d, %s: view says %v, verifier says %v", i, what, lhs.Equal(&rhs), verr)
				}
				if what == "honest" && verr != nil {
					t.Fatalf("table %d: honest proof rejected: %v", i, verr)
				}
			}
			rejected := 0
			for i := range vk.air.tables {
				agree(i, "honest")
				o := &proof.Openings[i]
				for pt := range 2 {
					for name, vals := range map[string][]E{"pre": o.Pre[pt], "main": o.Main[pt], "perm": o.Perm[pt], "quot": o.Quot[pt]} {
						for c := range vals {
							old := vals[c]
							var one F
							one.SetOne()
							vals[c].B1.A0.Add(&vals[c].B1.A0, &one)
							agree(i, name)
							if ver.checkConstraintsAt(i, ch.Zeta, ch.Alpha, ch.Beta, ch.Gamma) != nil {
								rejected++
							}
							vals[c] = old
						}
					}
				}
				old := proof.LogUpSums[i]
				proof.LogUpSums[i].B0.A1.SetOne()
				agree(i, "LogUp total")
				proof.LogUpSums[i] = old
			}
			if rejected == 0 {
				t.Fatal("no tamper was rejected")
			}
		})
	}
}

func TestConstraintViewRange(t *testing.T) {
	pk, err := Setup(fibAIR(t), TestParams())
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{-1, 1} {
		if _, err := pk.VerifyingKey().ConstraintView(i); err == nil {
			t.Fatalf("table %d accepted", i)
		}
	}
	if _, err := RowGenerator(maxTwoAdicity + 1); err == nil {
		t.Fatal("height beyond the two-adicity accepted")
	}
	v, err := pk.VerifyingKey().ConstraintView(0)
	if err != nil {
		t.Fatal(err)
	}
	var one E
	one.SetOne()
	ok := &TableOpening{Main: [2][]E{make([]E, 2), make([]E, 2)}, Quot: [2][]E{make([]E, 4*v.QuotientChunks), nil}}
	short := &TableOpening{Main: [2][]E{make([]E, 2), make([]E, 1)}}
	for _, c := range []struct {
		name   string
		o      *TableOpening
		public []F
		zeta   E
	}{
		{"short main", short, make([]F, 3), E{}},
		{"public values", ok, make([]F, 2), E{}},
		{"ζ = 1", ok, make([]F, 3), one},
	} {
		if _, _, err := v.Identity(c.o, c.public, E{}, Challenges{Zeta: c.zeta}, 3); !errors.Is(err, ErrOpening) {
			t.Errorf("%s: got %v, want ErrOpening", c.name, err)
		}
	}
	if _, err := RecombineQuotient(make([]E, 5), one, 3); !errors.Is(err, ErrOpening) {
		t.Errorf("ragged quotient: got %v", err)
	}
}

// A structure key shares its structure digest with the real key and verifies nothing.
func TestStructureKey(t *testing.T) {
	air := rangeAIR(t)
	pk, err := Setup(air, TestParams())
	if err != nil {
		t.Fatal(err)
	}
	sk, err := StructureKey(air, TestParams())
	if err != nil {
		t.Fatal(err)
	}
	if sk.StructureDigest() != pk.VerifyingKey().StructureDigest() {
		t.Fatal("structure digests differ")
	}
	if got := hash.Compress(sk.StructureDigest(), pk.VerifyingKey().PreRoot()); got != pk.VerifyingKey().Digest() {
		t.Fatal("a key's digest is not Compress(structure, preprocessed root)")
	}
	if sk.Digest() == pk.VerifyingKey().Digest() {
		t.Fatal("the structure key has the real key's digest")
	}
	if sk.WithPreRoot(pk.VerifyingKey().PreRoot()).Digest() != pk.VerifyingKey().Digest() {
		t.Fatal("the structure key with the real root is not the real key")
	}
	other, err := Setup(air, Params{LogBlowup: 2, NumQueries: 8, PoWBits: 2, LogFinalPolyLen: 1, LogUpPoWBits: 2})
	if err != nil {
		t.Fatal(err)
	}
	if other.VerifyingKey().StructureDigest() == sk.StructureDigest() {
		t.Fatal("the blowup is not part of the structure")
	}
	proof, err := Prove(context.Background(), pk, rangeTraces(5, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(sk, proof, nil, VerifierConfig{}); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("verifying with a structure key: %v", err)
	}
	if err := Verify(sk.WithPreRoot(pk.VerifyingKey().PreRoot()), proof, nil, VerifierConfig{}); err != nil {
		t.Fatalf("verifying with the structure key and the real root: %v", err)
	}
}

// memProof proves memAIR at TestParams: tables of two LDE heights, one with preprocessed columns.
func memProof(t *testing.T) (*VerifyingKey, *Proof) {
	t.Helper()
	pk, err := Setup(memAIR(t), TestParams())
	if err != nil {
		t.Fatal(err)
	}
	vk := pk.VerifyingKey()
	proof, err := Prove(context.Background(), pk, memTraces(5, randomAccesses(20, 9)), nil)
	if err != nil {
		t.Fatal(err)
	}
	return vk, proof
}

// TestCheckStatementMatchesVerify: CheckStatement accepts a real proof's shape, and each change
// of the shape (parameters, blowup, heights, public values, security floor) that it refuses,
// Verify refuses too on the proof so changed.
func TestCheckStatementMatchesVerify(t *testing.T) {
	vk, proof := memProof(t)
	if err := vk.CheckStatement(proof.Params, proof.LogHeights, 0, VerifierConfig{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		params func(*Params)
		logH   func([]int)
		public int
		cfg    VerifierConfig
	}{
		{name: "security floor", cfg: DefaultVerifierConfig()},
		{name: "blowup", params: func(p *Params) { p.LogBlowup = 2 }},
		{name: "invalid parameters", params: func(p *Params) { p.NumQueries = 0 }},
		{name: "preprocessed height", logH: func(h []int) { h[len(h)-1]++ }},
		{name: "height out of range", logH: func(h []int) { h[0] = 30 }},
		{name: "public values", public: 1},
	} {
		params, logH := proof.Params, append([]int(nil), proof.LogHeights...)
		if c.params != nil {
			c.params(&params)
		}
		if c.logH != nil {
			c.logH(logH)
		}
		if err := vk.CheckStatement(params, logH, c.public, c.cfg); !errors.Is(err, ErrInvalidProof) {
			t.Errorf("%s: CheckStatement gives %v", c.name, err)
		}
		bad := *proof
		bad.Params, bad.LogHeights = params, logH
		if err := Verify(vk, &bad, make([]F, c.public), c.cfg); err == nil {
			t.Errorf("%s: Verify accepts", c.name)
		}
	}
	if err := vk.CheckStatement(proof.Params, proof.LogHeights[1:], 0, VerifierConfig{}); !errors.Is(err, ErrInvalidProof) {
		t.Errorf("table count: %v", err)
	}
}

// TestQueryValues: the exported buckets are Verify's, and the DEEP quotients QueryValues returns
// pass the native FRI query check at the indices it returns; a tampered query row is refused by
// both QueryValues and Verify.
func TestQueryValues(t *testing.T) {
	vk, proof := memProof(t)
	v := &verifier[hash.Digest]{vk: vk, air: vk.air, proof: proof}
	if err := v.checkShape(VerifierConfig{}); err != nil {
		t.Fatal(err)
	}
	bs := Buckets(proof.LogHeights, proof.Params.LogBlowup)
	if len(bs) != len(v.bs) || len(bs) < 2 {
		t.Fatalf("%d buckets, verifier has %d (want at least 2)", len(bs), len(v.bs))
	}
	for j := range bs {
		if bs[j].LogLDE != v.bs[j].logLDE || !slices.Equal(bs[j].Tables, v.bs[j].tables) {
			t.Fatalf("bucket %d: %+v, verifier has %+v", j, bs[j], v.bs[j])
		}
	}
	if g := CosetShift(); g != cosetShift() {
		t.Fatal("coset shift")
	}
	indices, vals, err := QueryValues(vk, proof, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, tr := v.replay()
	ch, err := friReplay(proof.Params.FRI(), v.friHeights()[0], tr, &proof.FRI)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(indices, ch.indices) {
		t.Fatal("indices differ from the verifier's")
	}
	for q, idx := range indices {
		if err := friCheckQuery(v.friHeights(), ch.betas, &proof.FRI, q, idx, vals[q]); err != nil {
			t.Fatalf("query %d: %v", q, err)
		}
		bad := vals[q][0]
		bad.B0.A0.Add(&bad.B0.A0, ptr(koalabearOne()))
		if err := friCheckQuery(v.friHeights(), ch.betas, &proof.FRI, q, idx, append([]E{bad}, vals[q][1:]...)); err == nil {
			t.Fatalf("query %d: a wrong DEEP value passes", q)
		}
	}
	proof.Queries[3].Inputs[roundMain].Rows[0][0].SetUint64(12345)
	if _, _, err := QueryValues(vk, proof, nil); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("tampered row: %v", err)
	}
	if err := Verify(vk, proof, nil, VerifierConfig{}); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("tampered row: Verify gives %v", err)
	}
}

func koalabearOne() F {
	var one F
	one.SetOne()
	return one
}
