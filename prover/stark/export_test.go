package stark

import (
	"context"
	"errors"
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
			ver := &verifier{vk: vk, air: vk.air, proof: proof, public: tc.public}
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
