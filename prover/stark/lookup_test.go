package stark

import (
	"context"
	"errors"
	"testing"
)

const busRange16 BusID = 3

// range16Table is the preprocessed table of the 2^16 values of a 16-bit limb, a lookup table
// whose multiplicity column has no declared bound.
func range16Table() *Table {
	tb := NewTable("range16")
	mult := tb.Column("mult")
	key := tb.Preprocessed("value")
	pre := NewMatrix(1, 1<<16)
	for i := 0; i < 1<<16; i++ {
		pre.SetUint(i, 0, uint64(i))
	}
	tb.SetPreprocessed(pre)
	tb.LookupTable(busRange16, mult.Cur(), key)
	return tb
}

// range16AIR: each row of the sender looks its value up burst times when its flag is set (the
// flag is boolean, so the declared bound burst holds).
func range16AIR(t testing.TB, burst uint64) *AIR {
	tb := NewTable("limbs")
	v, f := tb.Column("v"), tb.Column("flag")
	tb.AssertBool("flag boolean", f.Cur())
	tb.SendMany(busRange16, f.Cur().Mul(Const(burst)), burst, v.Cur())
	air, err := NewAIR("range16", 0, tb, range16Table())
	if err != nil {
		t.Fatal(err)
	}
	return air
}

// range16Traces sends the values vals (one per row, flag set) burst times each; the table's
// multiplicities are the true counts.
func range16Traces(logN int, vals []uint64, burst uint64) []*Matrix {
	m := NewMatrix(2, 1<<uint(logN))
	tab := NewMatrix(1, 1<<16)
	var counts [1 << 16]uint64
	for r, v := range vals {
		m.SetUint(r, 0, v)
		m.SetUint(r, 1, 1)
		if v < 1<<16 {
			counts[v] += burst
		}
	}
	for i, c := range counts {
		tab.SetUint(i, 0, c%modulus)
	}
	return []*Matrix{m, tab}
}

const range16Burst = 4000

// TestLookupTableServesMillions: a 2^16-row range table serves 4,096,000 lookups, most of them of
// the value 0, far beyond any bound a ReceiveMany declaration could give (p / 2^16 ≈ 32512).
func TestLookupTableServesMillions(t *testing.T) {
	vals := make([]uint64, 1<<10)
	for i := range vals {
		if i%16 == 0 {
			vals[i] = uint64(i * 61)
		}
	}
	s := statement{"range16", range16AIR(t, range16Burst), range16Traces(10, vals, range16Burst), nil}
	if got := s.traces[1].Cols[0][0].Uint64(); got < 3_000_000 {
		t.Fatalf("value 0 looked up only %d times", got)
	}
	pk, proof := mustProve(t, s, TestParams())
	if err := Verify(pk.VerifyingKey(), proof, nil, testVerifierConfig()); err != nil {
		t.Fatal(err)
	}
}

// TestLookupOutsideTableRejected: a value outside the table (2^16 + 4464) is sent; the honest
// prover refuses, and no multiplicity the prover can write in the table makes the proof verify:
// not the count at the value's alias mod 2^16, not a "negative" count that would cancel it, not
// the true counts with the LogUp total forged to balance.
func TestLookupOutsideTableRejected(t *testing.T) {
	const bad = 1<<16 + 4464
	vals := make([]uint64, 1<<10)
	vals[3] = bad
	air := range16AIR(t, range16Burst)
	pk, err := Setup(air, TestParams())
	if err != nil {
		t.Fatal(err)
	}
	traces := range16Traces(10, vals, range16Burst)
	if _, err := Prove(context.Background(), pk, traces, nil); !errors.Is(err, ErrUnbalancedBus) {
		t.Fatalf("prover: got %v, want ErrUnbalancedBus", err)
	}
	forged := func(key int, m F) []*Matrix {
		tab := NewMatrix(1, 1<<16)
		copy(tab.Cols[0], traces[1].Cols[0])
		tab.Cols[0][key].Add(&tab.Cols[0][key], &m)
		return []*Matrix{traces[0], tab}
	}
	var burst, negBurst F
	burst.SetUint64(range16Burst)
	negBurst.Neg(&burst)
	cases := []struct {
		name   string
		traces []*Matrix
		forge  func(perm []*Matrix, sums []E)
	}{
		{"true counts", traces, nil},
		{"alias counted", forged(bad&0xffff, burst), nil},
		{"negative count", forged(0, negBurst), nil},
		{"balanced total", traces, func(perm []*Matrix, sums []E) {
			sums[1].Neg(&sums[0])
			m := perm[1]
			c := extCoeffs(&sums[1])
			G := len(m.Cols)/4 - 1
			for j := 0; j < 4; j++ {
				m.Cols[4*G+j][m.Height-1] = c[j]
			}
		}},
	}
	for _, c := range cases {
		proof, _, err := prove(context.Background(), pk, c.traces, nil, proveConfig{skipChecks: true, forgeLogUp: c.forge})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if err := Verify(pk.VerifyingKey(), proof, nil, testVerifierConfig()); !errors.Is(err, ErrInvalidProof) {
			t.Fatalf("%s: out-of-table value accepted: %v", c.name, err)
		}
	}
}

// TestLookupSendsStillBounded: the lookup table's receives need no bound, but the senders' total
// on its bus must stay below p: 2^10 rows × 2^21 = 2^31 is refused, by the prover and the verifier.
func TestLookupSendsStillBounded(t *testing.T) {
	over := range16AIR(t, 1<<21)
	pk, err := Setup(over, TestParams())
	if err != nil {
		t.Fatal(err)
	}
	traces := range16Traces(10, make([]uint64, 1<<10), 1<<21)
	if _, err := Prove(context.Background(), pk, traces, nil); !errors.Is(err, ErrBusOverflow) {
		t.Fatalf("prover: got %v, want ErrBusOverflow", err)
	}
	_, proof := mustProve(t, statement{"range16", range16AIR(t, 1<<20), range16Traces(10, make([]uint64, 1<<10), 1<<20), nil}, TestParams())
	if err := Verify(pk.VerifyingKey(), proof, nil, testVerifierConfig()); !errors.Is(err, ErrBusOverflow) {
		t.Fatalf("verifier: got %v, want ErrBusOverflow", err)
	}
}

// TestLookupTableDeclarationChecked: keys that repeat are refused at Setup, keys that are not
// preprocessed columns and a second receiver on a lookup bus at NewAIR.
func TestLookupTableDeclarationChecked(t *testing.T) {
	dup := range16Table()
	dup.pre.SetUint(9, 0, 8)
	air, err := NewAIR("dup", 0, func() *Table {
		tb := NewTable("s")
		v := tb.Column("v")
		tb.Send(busRange16, Const(1), v.Cur())
		return tb
	}(), dup)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Setup(air, TestParams()); !errors.Is(err, ErrAIR) {
		t.Fatalf("repeated keys: got %v, want ErrAIR", err)
	}

	mainKey := NewTable("k")
	c := mainKey.Column("c")
	mainKey.LookupTable(busRange16, Const(1), c)
	if _, err := NewAIR("mainkey", 0, mainKey); !errors.Is(err, ErrAIR) {
		t.Fatalf("main-column key: got %v, want ErrAIR", err)
	}

	other := NewTable("other")
	m, v := other.Column("m"), other.Column("v")
	other.ReceiveMany(busRange16, m.Cur(), 1, v.Cur())
	if _, err := NewAIR("two receivers", 0, range16Table(), other); !errors.Is(err, ErrAIR) {
		t.Fatalf("second receiver: got %v, want ErrAIR", err)
	}
}

// TestLookupGroups: fractions share a LogUp column while their batched constraint stays within
// degree 3, and the grouping follows each interaction's degree.
func TestLookupGroups(t *testing.T) {
	tb := NewTable("t")
	a, b, c, f := tb.Column("a"), tb.Column("b"), tb.Column("c"), tb.Column("f")
	tb.Send(busByte, Const(1), a.Cur())                          // 0: den 1, mult 0
	tb.Send(busByte, f.Cur(), b.Cur())                           // 1: den 1, mult 1: pairs with 0
	tb.Send(busByte, f.Cur().Mul(f.Cur()), c.Cur())              // 2: den 1, mult 2
	tb.Send(busByte, Const(1), a.Cur().Mul(b.Cur()))             // 3: den 2: alone
	tb.Send(busByte, Const(1), c.Cur())                          // 4: pairs with 2 (mult 2 + den 1 = 3)
	tb.Send(busByte, f.Cur().Mul(f.Cur()), a.Cur().Add(c.Cur())) // 5: mult 2 cannot join another mult 2
	got := tb.lookupGroups()
	want := [][]int{{0, 1}, {2, 4}, {3}, {5}}
	if len(got) != len(want) {
		t.Fatalf("groups %v, want %v", got, want)
	}
	for g := range want {
		if len(got[g]) != len(want[g]) {
			t.Fatalf("groups %v, want %v", got, want)
		}
		for j := range want[g] {
			if got[g][j] != want[g][j] {
				t.Fatalf("groups %v, want %v", got, want)
			}
		}
	}
	if tb.LogUpColumns() != 5 {
		t.Fatalf("LogUp columns %d, want 5", tb.LogUpColumns())
	}
	for _, s := range testStatements(t) {
		for i := range s.air.tables {
			if d := s.air.degrees[i]; d > MaxConstraintDegree {
				t.Fatalf("%s: table %d has degree %d", s.name, i, d)
			}
		}
	}
}

const busFacts BusID = 9

// factsAIR: table "facts" sends its (key, value) rows with an unbounded count (SendTable); table
// "reader" receives one (key, value) per row.
func factsAIR(t testing.TB) *AIR {
	facts := NewTable("facts")
	k, v, n := facts.Column("key"), facts.Column("value"), facts.Column("count")
	facts.SendTable(busFacts, n.Cur(), k.Cur(), v.Cur())
	reader := NewTable("reader")
	rk, rv, f := reader.Column("key"), reader.Column("value"), reader.Column("flag")
	reader.AssertBool("flag boolean", f.Cur())
	reader.Receive(busFacts, f.Cur(), rk.Cur(), rv.Cur())
	air, err := NewAIR("facts", 0, facts, reader)
	if err != nil {
		t.Fatal(err)
	}
	return air
}

// factsTraces: 2^10 facts (key i, value i² + 7); the reader reads key reads[j] with value
// vals[j]; the facts' counts are the reads of each key.
func factsTraces(reads, vals []uint64) []*Matrix {
	facts := NewMatrix(3, 1<<10)
	reader := NewMatrix(3, 1<<10)
	counts := make([]uint64, 1<<10)
	for j, k := range reads {
		reader.SetUint(j, 0, k)
		reader.SetUint(j, 1, vals[j])
		reader.SetUint(j, 2, 1)
		counts[k%(1<<10)]++
	}
	for i := range counts {
		facts.SetUint(i, 0, uint64(i))
		facts.SetUint(i, 1, uint64(i*i+7))
		facts.SetUint(i, 2, counts[i])
	}
	return []*Matrix{facts, reader}
}

// TestSendTable: the facts table's counts need no bound (2^10 rows could not declare even 2^21),
// the verifier accepts true reads, and a read of a value no fact holds is refused by the prover
// and, with the LogUp total forged to balance, by the verifier.
func TestSendTable(t *testing.T) {
	air := factsAIR(t)
	if err := air.checkBusBounds([]int{24, 10}); err != nil {
		t.Fatalf("a SendTable bus counted against p: %v", err)
	}
	pk, err := Setup(air, TestParams())
	if err != nil {
		t.Fatal(err)
	}
	reads := make([]uint64, 1000)
	vals := make([]uint64, len(reads))
	for j := range reads {
		reads[j] = uint64(j * 37 % 300)
		vals[j] = reads[j]*reads[j] + 7
	}
	proof, err := Prove(context.Background(), pk, factsTraces(reads, vals), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(pk.VerifyingKey(), proof, nil, testVerifierConfig()); err != nil {
		t.Fatal(err)
	}
	vals[5]++ // a value the facts do not hold
	lie := factsTraces(reads, vals)
	if _, err := Prove(context.Background(), pk, lie, nil); !errors.Is(err, ErrUnbalancedBus) {
		t.Fatalf("prover: got %v, want ErrUnbalancedBus", err)
	}
	forge := func(perm []*Matrix, sums []E) {
		sums[1].Neg(&sums[0])
		m := perm[1]
		c := extCoeffs(&sums[1])
		G := len(m.Cols)/4 - 1
		for j := 0; j < 4; j++ {
			m.Cols[4*G+j][m.Height-1] = c[j]
		}
	}
	proof, _, err = prove(context.Background(), pk, lie, nil, proveConfig{skipChecks: true, forgeLogUp: forge})
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(pk.VerifyingKey(), proof, nil, testVerifierConfig()); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("a read of a false fact verified: %v", err)
	}
}
