package recursion

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/zkexex/zkexex/prover/stark"
)

const childBus stark.BusID = 3

// childAIR is a small child statement with every selector, a degree-3 constraint (two quotient
// chunks), a preprocessed column and a bus: the "cube" table steps x' = x³ + k (k preprocessed,
// k_i = i), starts at pub0, ends at pub1, and sends each x to the "sink" table, which receives
// it with a multiplicity column; "pad" has no interaction (its LogUp total must be zero).
// With k_i = i + shift the structure is the same, the program (preprocessed column) another.
func childAIR(t testing.TB, logN int, shift uint64) *stark.AIR {
	cube := stark.NewTable("cube")
	x := cube.Column("x")
	k := cube.Preprocessed("k")
	pre := stark.NewMatrix(1, 1<<uint(logN))
	for i := range 1 << uint(logN) {
		pre.SetUint(i, 0, uint64(i)+shift)
	}
	cube.SetPreprocessed(pre)
	cube.AssertFirst("start", x.Cur().Sub(stark.Pub(0)))
	cube.AssertTransition("step", x.Next().Sub(x.Cur().Mul(x.Cur()).Mul(x.Cur()).Add(k.Cur())))
	cube.AssertLast("end", x.Cur().Sub(stark.Pub(1)))
	cube.Send(childBus, stark.Const(1), x.Cur())

	sink := stark.NewTable("sink")
	v, m := sink.Column("v"), sink.Column("m")
	sink.AssertBool("m boolean", m.Cur())
	sink.Receive(childBus, m.Cur(), v.Cur())
	pad := stark.NewTable("pad")
	pad.AssertBool("c boolean", pad.Column("c").Cur())
	air, err := stark.NewAIR("child", 2, cube, sink, pad)
	if err != nil {
		t.Fatal(err)
	}
	return air
}

// childProof proves childAIR from x_0 = 5.
func childProof(t testing.TB, logN int) (*stark.VerifyingKey, *stark.Proof, []F) {
	return childProofAt(t, logN, 0, stark.TestParams())
}

// childProofShifted proves childAIR with k shifted, from x_0 = 5.
func childProofShifted(t testing.TB, logN int, shift uint64) (*stark.VerifyingKey, *stark.Proof, []F) {
	return childProofAt(t, logN, shift, stark.TestParams())
}

func childProofAt(t testing.TB, logN int, shift uint64, params stark.Params) (*stark.VerifyingKey, *stark.Proof, []F) {
	pk, err := stark.Setup(childAIR(t, logN, shift), params)
	if err != nil {
		t.Fatal(err)
	}
	n := 1 << uint(logN)
	cube, sink := stark.NewMatrix(1, n), stark.NewMatrix(2, n)
	x := fe(5)
	for i := range n {
		cube.Set(i, 0, x)
		sink.Set(i, 0, x)
		sink.SetUint(i, 1, 1)
		var next F
		next.Square(&x).Mul(&next, &x)
		k := fe(uint64(i) + shift)
		next.Add(&next, &k)
		if i < n-1 {
			x = next
		}
	}
	public := []F{fe(5), x}
	pad := stark.NewMatrix(1, max(4, 1<<uint(params.LogFinalPolyLen)))
	pad.SetUint(1, 0, 1)
	proof, err := stark.Prove(context.Background(), pk, []*stark.Matrix{cube, sink, pad}, public)
	if err != nil {
		t.Fatal(err)
	}
	if err := stark.Verify(pk.VerifyingKey(), proof, public, stark.VerifierConfig{}); err != nil {
		t.Fatal(err)
	}
	return pk.VerifyingKey(), proof, public
}

// constraintProgram checks every table of the child's proof at ζ: openings, LogUp totals and
// challenges are witness values, the child's public values the program's own.
func constraintProgram(t testing.TB, vk *stark.VerifyingKey, proof *stark.Proof, public []F) (*Program, []E, int) {
	ch, err := stark.ProofChallenges(vk, proof, public)
	if err != nil {
		t.Fatal(err)
	}
	b := NewBuilder()
	var w []E
	witness := func(vals []E) []Ext { return witnessExts(b, &w, vals) }
	one := func(v E) Ext { return witness([]E{v})[0] }
	chv := ChildChallenges{Beta: one(ch.Beta), Gamma: one(ch.Gamma), Alpha: one(ch.Alpha), Zeta: one(ch.Zeta)}
	pub := make([]Felt, len(public))
	for j := range pub {
		pub[j] = b.Public(j)
	}
	constraints := 0
	for i := range vk.AIR().Tables() {
		view, err := vk.ConstraintView(i)
		if err != nil {
			t.Fatal(err)
		}
		constraints += len(view.Outputs)
		o := &proof.Openings[i]
		var co ChildOpening
		for pt := range 2 {
			co.Pre[pt], co.Main[pt], co.Perm[pt] = witness(o.Pre[pt]), witness(o.Main[pt]), witness(o.Perm[pt])
		}
		co.Quot[0] = witness(o.Quot[0])
		b.ConstraintCheck(view, proof.LogHeights[i], &co, pub, one(proof.LogUpSums[i]), chv)
	}
	prog, err := b.Compile()
	if err != nil {
		t.Fatal(err)
	}
	return prog, w, constraints
}

// witnessExts declares one extension witness per value, appending the values to w.
func witnessExts(b *Builder, w *[]E, vals []E) []Ext {
	out := make([]Ext, len(vals))
	for i := range vals {
		out[i] = b.WitnessExt()
	}
	*w = append(*w, vals...)
	return out
}

// witnessIndex locates values of the child proof in constraintProgram's witness order.
func witnessIndex(proof *stark.Proof) map[string]int {
	idx := map[string]int{"beta": 0, "gamma": 1, "alpha": 2, "zeta": 3}
	k := 4
	for i, o := range proof.Openings {
		name := []string{"cube", "sink", "pad"}[i]
		for pt := range 2 {
			for _, part := range []struct {
				what string
				vals []E
			}{{"pre", o.Pre[pt]}, {"main", o.Main[pt]}, {"perm", o.Perm[pt]}} {
				if len(part.vals) > 0 {
					idx[name+" "+part.what+[]string{"", " next"}[pt]] = k
				}
				k += len(part.vals)
			}
		}
		idx[name+" quot"] = k + 4 // the second chunk's first component, if any
		k += len(o.Quot[0])
		idx[name+" sum"] = k
		k++
	}
	return idx
}

// TestConstraintCheck: the recursion program holding a real child proof's openings proves and
// verifies; every single tampered input (an opening of each kind, a LogUp total, a challenge, a
// public value) fails generation; and a prover that forges the final assertion's row to hide a
// tampered opening is rejected by the memory bus.
func TestConstraintCheck(t *testing.T) {
	vk, proof, public := childProof(t, 4)
	prog, w, _ := constraintProgram(t, vk, proof, public)
	s := statement{prog, public, w}
	if err := s.proveAndVerify(t, nil, nil); err != nil {
		t.Fatal(err)
	}

	idx := witnessIndex(proof)
	if len(proof.Openings[0].Quot[0]) < 8 {
		t.Fatalf("cube has %d quotient values, want two chunks", len(proof.Openings[0].Quot[0]))
	}
	for _, name := range []string{"beta", "gamma", "alpha", "zeta", "cube pre", "cube main",
		"cube main next", "cube perm", "cube perm next", "cube quot", "cube sum", "sink main", "sink perm",
		"sink perm next", "sink sum"} {
		k, ok := idx[name]
		if !ok {
			t.Fatalf("no witness %q", name)
		}
		bad := append([]E(nil), w...)
		bad[k].B1.A1.Add(&bad[k].B1.A1, ptr(fe(1)))
		if _, err := prog.Execute(public, bad); !errors.Is(err, ErrAssertion) {
			t.Errorf("%s tampered: got %v, want ErrAssertion", name, err)
		}
	}
	wrongPub := []F{public[0], fe(6)}
	if _, err := prog.Execute(wrongPub, w); !errors.Is(err, ErrAssertion) {
		t.Errorf("public value tampered: got %v, want ErrAssertion", err)
	}

	// The forgery: the tampered main opening flows through, and the cube table's assert_eq row
	// (the program's first) claims to have read the left side twice.
	bad := append([]E(nil), w...)
	bad[idx["cube main"]].B0.A0.Add(&bad[idx["cube main"]].B0.A0, ptr(fe(1)))
	first := -1
	for k, in := range prog.instrs {
		if in.chip == chipExtALU && in.op == opEq {
			first = k
			break
		}
	}
	forge := func(k int, _ chipKind, row []F) {
		if k == first {
			copy(row[4:8], row[0:4])
		}
	}
	forged := statement{prog, public, bad}
	if err := forged.proveAndVerify(t, nil, forge); !errors.Is(err, stark.ErrUnbalancedBus) {
		t.Fatalf("forged assertion: got %v, want ErrUnbalancedBus", err)
	}
	// Without the forgery the same trace fails the assert_eq rule.
	if err := forged.proveAndVerify(t, nil, func(int, chipKind, []F) {}); !errors.Is(err, stark.ErrConstraint) {
		t.Fatalf("false assertion: got %v, want ErrConstraint", err)
	}
}

// TestConstraintCheckShape: openings or public values that do not match the view are a builder
// error, not a panic or a program that checks something else.
func TestConstraintCheckShape(t *testing.T) {
	vk, proof, _ := childProof(t, 4)
	view, err := vk.ConstraintView(0)
	if err != nil {
		t.Fatal(err)
	}
	o := &proof.Openings[0]
	for _, tc := range []struct {
		name   string
		drop   func(co *ChildOpening)
		public int
		logN   int
	}{
		{"main short", func(co *ChildOpening) { co.Main[1] = co.Main[1][:0] }, 2, 4},
		{"perm short", func(co *ChildOpening) { co.Perm[0] = co.Perm[0][1:] }, 2, 4},
		{"quotient short", func(co *ChildOpening) { co.Quot[0] = co.Quot[0][4:] }, 2, 4},
		{"preprocessed short", func(co *ChildOpening) { co.Pre[0] = nil }, 2, 4},
		{"public values", func(*ChildOpening) {}, 1, 4},
		{"height", func(*ChildOpening) {}, 2, 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBuilder()
			ws := func(n int) []Ext {
				out := make([]Ext, n)
				for i := range out {
					out[i] = b.WitnessExt()
				}
				return out
			}
			var co ChildOpening
			for pt := range 2 {
				co.Pre[pt], co.Main[pt], co.Perm[pt] = ws(len(o.Pre[pt])), ws(len(o.Main[pt])), ws(len(o.Perm[pt]))
			}
			co.Quot[0] = ws(len(o.Quot[0]))
			tc.drop(&co)
			pub := make([]Felt, tc.public)
			for j := range pub {
				pub[j] = b.Public(j)
			}
			x := ws(1)[0]
			b.ConstraintCheck(view, tc.logN, &co, pub, x, ChildChallenges{x, x, x, x})
			if _, err := b.Compile(); !errors.Is(err, ErrProgram) {
				t.Fatalf("got %v, want ErrProgram", err)
			}
		})
	}
}

// TestConstraintCheckOnRecursionProof: the child is itself a recursion proof (everyChip's, every
// chip and both Poseidon2 permutation tables): its out-of-domain check runs as a program that
// proves and verifies; a tampered quotient opening of the width-24 Poseidon2 table fails
// generation.
func TestConstraintCheckOnRecursionProof(t *testing.T) {
	rec := everyChip(t, rand.New(rand.NewPCG(3, 4)))
	pk, proof, err := rec.prove(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	prog, w, _ := constraintProgram(t, pk.VerifyingKey(), proof, rec.public)
	if _, err := prog.Execute(rec.public, w); err != nil {
		t.Fatal(err)
	}
	bad := append([]E(nil), w...)
	// The last witness values are the last table's (poseidon2_24): its LogUp total, preceded by
	// its quotient openings.
	bad[len(bad)-2].B0.A1.Add(&bad[len(bad)-2].B0.A1, ptr(fe(1)))
	if _, err := prog.Execute(rec.public, bad); !errors.Is(err, ErrAssertion) {
		t.Fatalf("tampered quotient opening: got %v, want ErrAssertion", err)
	}
	if err := (statement{prog, rec.public, w}).proveAndVerify(t, nil, nil); err != nil {
		t.Fatal(err)
	}
}

// TestConstraintCheckMatchesNative: for each single opened value of the child proof altered (the
// challenges replayed from the altered proof), the program runs to completion exactly when
// stark's native ConstraintView.Identity holds for every table.
func TestConstraintCheckMatchesNative(t *testing.T) {
	vk, proof, public := childProof(t, 3)
	accepted := 0
	tampers := 0
	for i := range proof.Openings {
		o := &proof.Openings[i]
		for pt := range 2 {
			for _, vals := range [][]E{o.Pre[pt], o.Main[pt], o.Perm[pt], o.Quot[pt]} {
				for c := range vals {
					old := vals[c]
					vals[c].B0.A0.Add(&vals[c].B0.A0, ptr(fe(1)))
					ch, err := stark.ProofChallenges(vk, proof, public)
					if err != nil {
						t.Fatal(err)
					}
					native := true
					for j := range proof.Openings {
						view, err := vk.ConstraintView(j)
						if err != nil {
							t.Fatal(err)
						}
						lhs, rhs, err := view.Identity(&proof.Openings[j], public, proof.LogUpSums[j], ch, proof.LogHeights[j])
						if err != nil {
							t.Fatal(err)
						}
						native = native && lhs.Equal(&rhs)
					}
					prog, w, _ := constraintProgram(t, vk, proof, public)
					_, err = prog.Execute(public, w)
					if (err == nil) != native {
						t.Fatalf("table %d point %d value %d: program says %v, native identity holds: %v", i, pt, c, err, native)
					}
					if err != nil && !errors.Is(err, ErrAssertion) {
						t.Fatalf("got %v, want ErrAssertion", err)
					}
					if native {
						accepted++
					}
					tampers++
					vals[c] = old
				}
			}
		}
	}
	// Values no constraint reads (the sink's v at ζω, the quotients at ζω) leave both accepting.
	if accepted == 0 || accepted == tampers {
		t.Fatalf("%d of %d tampers accepted: the comparison exercised only one verdict", accepted, tampers)
	}
}
