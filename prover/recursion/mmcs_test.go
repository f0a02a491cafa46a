package recursion

import (
	"context"
	"errors"
	"testing"

	"github.com/zkexex/zkexex/prover/stark"
)

// squareTable is a table whose rows hold (a, a², free columns).
func squareTable(name string, width int) *stark.Table {
	t := stark.NewTable(name)
	cols := t.Columns("c", width)
	t.AssertZero("square", cols[0].Cur().Mul(cols[0].Cur()).Sub(cols[1].Cur()))
	return t
}

func squareTrace(width, logRows int, seed uint64) *stark.Matrix {
	m := stark.NewMatrix(width, 1<<uint(logRows))
	for r := range m.Height {
		a := fe(seed + uint64(r)*7)
		var sq F
		sq.Square(&a)
		m.Set(r, 0, a)
		m.Set(r, 1, sq)
		for c := 2; c < width; c++ {
			m.Set(r, c, fe(seed*uint64(c)+uint64(r)))
		}
	}
	return m
}

// TestVerifyBatchOnStarkProof checks, inside a program, the main-trace Merkle opening of a real
// prover/stark proof over two tables of different heights (so a shorter table's rows are
// compressed in mid-path). The query's index is not exported by the proof, so the program is run
// at every index of the domain: exactly the openings' own index (a program that computed any
// other root could accept none) must be accepted, then proven; a tampered row is refused.
func TestVerifyBatchOnStarkProof(t *testing.T) {
	const wTall, wShort, logTall, logShort = 2, 5, 4, 3
	air, err := stark.NewAIR("mmcs", 0, squareTable("tall", wTall), squareTable("short", wShort))
	if err != nil {
		t.Fatal(err)
	}
	params := stark.TestParams()
	pk, err := stark.Setup(air, params)
	if err != nil {
		t.Fatal(err)
	}
	proof, err := stark.Prove(context.Background(), pk, []*stark.Matrix{squareTrace(wTall, logTall, 3), squareTrace(wShort, logShort, 5)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	const roundMain = 1
	opening := proof.Queries[0].Inputs[roundMain]
	shapes := []MatrixShape{{LogHeight: logTall + params.LogBlowup, Width: wTall}, {LogHeight: logShort + params.LogBlowup, Width: wShort}}
	L := logTall + params.LogBlowup

	b := NewBuilder()
	var w []E
	var root Digest
	for j := range root {
		root[j] = b.Const(proof.MainRoot[j])
	}
	bits := b.Bits(b.Witness())
	w = append(w, E{})
	rows := make([][]Felt, len(opening.Rows))
	for i, r := range opening.Rows {
		for _, v := range r {
			rows[i] = append(rows[i], b.Witness())
			w = append(w, Lift(v))
		}
	}
	path := make([]Digest, len(opening.Path))
	for l, d := range opening.Path {
		for j := range d {
			path[l][j] = b.Witness()
			w = append(w, Lift(d[j]))
		}
	}
	b.VerifyBatch(root, shapes, bits[:], L, rows, path)
	prog, err := b.Compile()
	if err != nil {
		t.Fatal(err)
	}

	accepted := -1
	for idx := range 1 << uint(L) {
		w[0] = Lift(fe(uint64(idx)))
		_, err := prog.Execute(nil, w)
		switch {
		case err == nil:
			if accepted >= 0 {
				t.Fatalf("indices %d and %d both accepted", accepted, idx)
			}
			accepted = idx
		case !errors.Is(err, ErrAssertion):
			t.Fatal(err)
		}
	}
	if accepted < 0 {
		t.Fatal("the opening is accepted at no index")
	}
	w[0] = Lift(fe(uint64(accepted)))
	if err := (statement{prog, nil, w}).proveAndVerify(t, nil, nil); err != nil {
		t.Fatal(err)
	}
	// A row of the short table altered.
	w[1+wTall+2] = Lift(fe(12345))
	if _, err := prog.Execute(nil, w); !errors.Is(err, ErrAssertion) {
		t.Fatalf("tampered row: got %v", err)
	}
}
