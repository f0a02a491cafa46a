package stark

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// forgeExtraByte makes the byte table of the range statement claim one lookup of 7 too many and
// returns a LogUp forgery that hides it: table 1's total is set to cancel table 0's, and only its
// last running-sum row is changed to match. Every LogUp constraint but the running-sum transition
// still holds.
func forgeExtraByte(s statement) ([]*Matrix, func(perm []*Matrix, sums []E)) {
	traces := []*Matrix{s.traces[0], NewMatrix(1, 256)}
	copy(traces[1].Cols[0], s.traces[1].Cols[0])
	bump(&traces[1].Cols[0][7])
	forge := func(perm []*Matrix, sums []E) {
		sums[1].Neg(&sums[0])
		m := perm[1]
		c := extCoeffs(&sums[1])
		K := len(m.Cols)/4 - 1
		for j := 0; j < 4; j++ {
			m.Cols[4*K+j][m.Height-1] = c[j]
		}
	}
	return traces, forge
}

// TestOneDefinitionOfLogUp alters the AIR's LogUp definitions and shows that the prover and the
// verifier both follow them: with the running-sum transition removed from the definition, a
// forged bus verifies; with a term's sign flipped, an honest proof no longer does.
func TestOneDefinitionOfLogUp(t *testing.T) {
	s := testStatements(t)[1]
	traces, forge := forgeExtraByte(s)
	cfg := proveConfig{skipChecks: true, forgeLogUp: forge}
	prove1 := func(air *AIR) (*ProvingKey, *Proof) {
		pk, err := Setup(air, TestParams())
		if err != nil {
			t.Fatal(err)
		}
		proof, _, err := prove(context.Background(), pk, traces, nil, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return pk, proof
	}

	// The full definition rejects the forgery.
	pk, proof := prove1(rangeAIR(t))
	if err := Verify(pk.VerifyingKey(), proof, nil, testVerifierConfig()); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("forged running sum accepted by the full definition: %v", err)
	}

	// Drop the transition constraint from the byte table's definition: the forgery now verifies,
	// so the verifier's check is exactly the definition.
	air := rangeAIR(t)
	defs := slices.DeleteFunc(slices.Clone(air.defs[1]), func(c constraint) bool { return c.name == "LogUp running sum (transition)" })
	if len(defs) != len(air.defs[1])-1 {
		t.Fatal("no running-sum transition in the definition")
	}
	if err := air.compile(1, defs, air.lookups[1]); err != nil {
		t.Fatal(err)
	}
	pk, proof = prove1(air)
	if err := Verify(pk.VerifyingKey(), proof, nil, testVerifierConfig()); err != nil {
		t.Fatalf("with the transition removed from the definition, the forgery should verify: %v", err)
	}

	// Flip the sign of interaction 0's multiplicity inside its batched term (both byte lookups
	// share LogUp column 0): the honest LogUp witness no longer satisfies the definition, so the
	// prover's quotient is not a polynomial and the proof fails.
	air = rangeAIR(t)
	if len(air.groups[0]) != 1 || len(air.groups[0][0]) != 2 {
		t.Fatalf("the two byte lookups should share one LogUp column, got groups %v", air.groups[0])
	}
	defs = slices.Clone(air.defs[0])
	k := len(air.tables[0].constraints)
	flipped := slices.Clone(air.lookups[0])
	flipped[0].mult = flipped[0].mult.Neg()
	defs[k].expr = groupTerm(permCol(0).Cur(), flipped, air.groups[0][0])
	if err := air.compile(0, defs, air.lookups[0]); err != nil {
		t.Fatal(err)
	}
	pk, err := Setup(air, TestParams())
	if err != nil {
		t.Fatal(err)
	}
	honest, err := Prove(context.Background(), pk, s.traces, nil)
	if err == nil {
		err = Verify(pk.VerifyingKey(), honest, nil, testVerifierConfig())
	}
	if err == nil {
		t.Fatal("an altered LogUp term still accepts the honest witness")
	}
	t.Logf("altered term: %v", err)
}

// rangeAIRWithBound is rangeAIR whose two byte lookups declare multiplicities up to bound.
func rangeAIRWithBound(t *testing.T, bound uint64) *AIR {
	tb := NewTable("values")
	v, lo, hi := tb.Column("v"), tb.Column("lo"), tb.Column("hi")
	tb.AssertZero("limbs", v.Cur().Sub(lo.Cur()).Sub(hi.Cur().Mul(Const(256))))
	tb.SendMany(busByte, Const(1), bound, lo.Cur())
	tb.SendMany(busByte, Const(1), bound, hi.Cur())
	air, err := NewAIR("range", 0, tb, byteTable())
	if err != nil {
		t.Fatal(err)
	}
	return air
}

// TestBusMultiplicityBound: a statement whose sends on one bus could total p or more (2 lookups ×
// 2^7 rows × 2^23 = 2^31 > p) is refused by the prover and by the verifier; one just under passes.
func TestBusMultiplicityBound(t *testing.T) {
	s := testStatements(t)[1]
	over := rangeAIRWithBound(t, 1<<23)
	pk, err := Setup(over, TestParams())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Prove(context.Background(), pk, s.traces, nil); !errors.Is(err, ErrBusOverflow) {
		t.Fatalf("prover: got %v, want ErrBusOverflow", err)
	}
	_, proof := mustProve(t, s, TestParams())
	if err := Verify(pk.VerifyingKey(), proof, nil, testVerifierConfig()); !errors.Is(err, ErrBusOverflow) || !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("verifier: got %v, want ErrBusOverflow", err)
	}
	// Sends and receives are bounded separately: 2^30 sends and 2^28 receives are both below p.
	under := rangeAIRWithBound(t, 1<<22)
	_, proof = mustProve(t, statement{"range", under, s.traces, nil}, TestParams())
	upk, _ := Setup(under, TestParams())
	if err := Verify(upk.VerifyingKey(), proof, nil, testVerifierConfig()); err != nil {
		t.Fatalf("bound under p rejected: %v", err)
	}
	// At RISC-V scale: 2^22 rows × bound 2^9 = 2^31 on one interaction.
	if err := over.checkBusBounds([]int{22, 8}); !errors.Is(err, ErrBusOverflow) {
		t.Fatalf("2^22 rows: %v", err)
	}
	if _, err := NewAIR("bad", 0, func() *Table {
		tb := NewTable("t")
		c := tb.Column("c")
		tb.SendMany(busByte, c.Cur(), modulus, c.Cur())
		return tb
	}()); !errors.Is(err, ErrAIR) {
		t.Fatalf("bound p accepted: %v", err)
	}
}

// TestCompileSharedExpression: an expression whose nodes are each shared by two parents, 64
// levels deep (2^64 paths from the root), compiles to one instruction per node and evaluates
// right. Before the compiler memoised by node it walked every path.
func TestCompileSharedExpression(t *testing.T) {
	x := NewTable("t").Column("x")
	e := x.Cur()
	want := F{}
	want.SetUint64(3)
	for i := 0; i < 64; i++ {
		e = e.Mul(e).Sub(e) // v -> v² - v
		var sq F
		sq.Mul(&want, &want)
		want.Sub(&sq, &want)
	}
	done := make(chan *program, 1)
	go func() {
		p, err := compileProgram(1, 0, 0, 0, 0, []Expr{e})
		if err != nil {
			t.Error(err)
		}
		done <- p
	}()
	var p *program
	select {
	case p = <-done:
	case <-time.After(time.Minute):
		t.Fatal("compiling a shared expression did not finish")
	}
	if p == nil {
		return
	}
	if len(p.ops) != 128 {
		t.Fatalf("%d instructions, want 128 (one per node)", len(p.ops))
	}
	slots := make([]E, p.nSlots)
	slots[p.mainSlot(0, false)].B0.A0.SetUint64(3)
	for i, c := range p.consts {
		slots[p.constSlot(i)].B0.A0 = c
	}
	p.evalExt(slots)
	if got := slots[p.outputs[0]]; !got.B0.A0.Equal(&want) {
		t.Fatalf("evaluated %v, want %v", got.B0.A0.String(), want.String())
	}
}
