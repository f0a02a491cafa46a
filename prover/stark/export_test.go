package stark

import (
	"context"
	"testing"
)

// viewIdentity evaluates the out-of-domain identity of table i from its ConstraintView alone, as
// an external verifier would: the composition folded by α and the selectors' values at ζ (lhs),
// and Z_H(ζ) times the quotient chunks recombined (rhs).
func viewIdentity(t *testing.T, v *ConstraintView, o *TableOpening, public []F, sum E, ch Challenges, logN int) (lhs, rhs E) {
	t.Helper()
	basis := ExtBasis()
	pack := func(c []E) E {
		var acc, tmp E
		for j := range 4 {
			tmp.Mul(&c[j], &basis[j])
			acc.Add(&acc, &tmp)
		}
		return acc
	}
	slots := make([]E, v.NumSlots)
	for pt, next := range []bool{false, true} {
		for c := range v.Width {
			slots[v.MainSlot(c, next)] = o.Main[pt][c]
		}
		for c := range v.PreWidth {
			slots[v.PreSlot(c, next)] = o.Pre[pt][c]
		}
		for k := range v.NumPerm {
			slots[v.PermSlot(k, next)] = pack(o.Perm[pt][4*k : 4*k+4])
		}
	}
	for j := range v.NumPublic {
		slots[v.PubSlot(j)].B0.A0 = public[j]
	}
	for j, c := range v.Consts {
		slots[v.ConstSlot(j)].B0.A0 = c
	}
	if v.NumChal > 0 {
		slots[v.ChalSlot(0)] = ch.Beta
		g := ch.Gamma
		for j := 1; j < v.NumChal; j++ {
			slots[v.ChalSlot(j)] = g
			g.Mul(&g, &ch.Gamma)
		}
	}
	slots[v.SumSlot()] = sum
	for _, in := range v.Ops {
		switch in.Op {
		case OpAdd:
			slots[in.Dst].Add(&slots[in.A], &slots[in.B])
		case OpSub:
			slots[in.Dst].Sub(&slots[in.A], &slots[in.B])
		case OpMul:
			slots[in.Dst].Mul(&slots[in.A], &slots[in.B])
		default:
			t.Fatalf("op %d", in.Op)
		}
	}
	var g [4]E
	var apow E
	apow.SetOne()
	for k, s := range v.Outputs {
		var tmp E
		tmp.Mul(&slots[s], &apow)
		g[v.Selectors[k]].Add(&g[v.Selectors[k]], &tmp)
		apow.Mul(&apow, &ch.Alpha)
	}
	w, err := RowGenerator(logN)
	if err != nil {
		t.Fatal(err)
	}
	var one, zn, zh, zm1, zmw, tmp E
	one.SetOne()
	zn = ch.Zeta
	for range logN {
		zn.Square(&zn)
	}
	zh.Sub(&zn, &one)
	zm1.Sub(&ch.Zeta, &one)
	w.Inverse(&w)
	zmw = ch.Zeta
	zmw.B0.A0.Sub(&zmw.B0.A0, &w)
	lhs = g[EveryRow]
	tmp.Div(&zh, &zm1)
	tmp.Mul(&tmp, &g[FirstRow])
	lhs.Add(&lhs, &tmp)
	tmp.Div(&zh, &zmw)
	tmp.Mul(&tmp, &g[LastRow])
	lhs.Add(&lhs, &tmp)
	tmp.Mul(&zmw, &g[Transition])
	lhs.Add(&lhs, &tmp)
	var zpow E
	zpow.SetOne()
	for r := range v.QuotientChunks {
		q := pack(o.Quot[0][4*r : 4*r+4])
		q.Mul(&q, &zpow)
		rhs.Add(&rhs, &q)
		zpow.Mul(&zpow, &zn)
	}
	rhs.Mul(&rhs, &zh)
	return lhs, rhs
}

// TestConstraintViewMatchesVerifier: on real proofs of AIRs with every selector, preprocessed
// columns and LogUp, the exported view's identity holds; and after each single opened value (or
// LogUp total) is altered, the view and checkConstraintsAt give the same verdict.
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
				lhs, rhs := viewIdentity(t, v, &proof.Openings[i], tc.public, proof.LogUpSums[i], ch, proof.LogHeights[i])
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
}
