package wrap

import (
	"context"
	"math/big"
	"testing"

	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/test"
	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/stark"
)

// twoHeightAIR has two tables of different heights (a counter of 2^5 rows and a Fibonacci table
// of 2^6), so the main-trace commitment of its proofs injects the shorter table's rows halfway up
// the tree.
func twoHeightAIR(t *testing.T) (*stark.AIR, []*stark.Matrix) {
	t.Helper()
	cnt := stark.NewTable("counter")
	c := cnt.Column("c")
	cnt.AssertTransition("c'", c.Next().Sub(c.Cur()).Sub(stark.Const(1)))
	fib := stark.NewTable("fib")
	a, b := fib.Column("a"), fib.Column("b")
	fib.AssertTransition("a'", a.Next().Sub(b.Cur()))
	fib.AssertTransition("b'", b.Next().Sub(a.Cur().Add(b.Cur())))
	air, err := stark.NewAIR("two-heights", 0, cnt, fib)
	if err != nil {
		t.Fatal(err)
	}
	ct := stark.NewMatrix(1, 1<<5)
	for r := range ct.Height {
		ct.SetUint(r, 0, uint64(r))
	}
	ft := stark.NewMatrix(2, 1<<6)
	x, y := koala(1), koala(1)
	for r := range ft.Height {
		ft.Set(r, 0, x)
		ft.Set(r, 1, y)
		var s stark.F
		s.Add(&x, &y)
		x, y = y, s
	}
	return air, []*stark.Matrix{ct, ft}
}

// openingCircuit recomputes a commitment's root from one opening; the shape is fixed when the
// circuit is built.
type openingCircuit struct {
	logHeights []int
	Rows       [][]frontend.Variable
	Path       []frontend.Variable
	Index      frontend.Variable
	Root       frontend.Variable `gnark:",public"`
}

func (c *openingCircuit) Define(api frontend.API) error {
	h, err := NewHasher(api)
	if err != nil {
		return err
	}
	bits := api.ToBinary(c.Index, len(c.Path))
	root, err := h.OpeningRoot(&MerkleOpening{Rows: c.Rows, Path: c.Path}, c.logHeights, bits)
	if err != nil {
		return err
	}
	api.AssertIsEqual(root, c.Root)
	return nil
}

// openingCase is one native opening with its root, leaf index and matrix heights.
type openingCase struct {
	name       string
	root       hash.BN254Digest
	o          stark.BatchOpeningOf[hash.BN254Digest]
	logHeights []int
	leaf       uint64
}

func (oc *openingCase) circuits() (shape, assignment *openingCircuit) {
	shape = &openingCircuit{logHeights: oc.logHeights, Path: make([]frontend.Variable, len(oc.o.Path))}
	assignment = &openingCircuit{Index: oc.leaf, Root: oc.root.BigInt(new(big.Int))}
	for _, r := range oc.o.Rows {
		shape.Rows = append(shape.Rows, make([]frontend.Variable, len(r)))
		row := make([]frontend.Variable, len(r))
		for i := range r {
			row[i] = r[i].Uint64()
		}
		assignment.Rows = append(assignment.Rows, row)
	}
	for _, d := range oc.o.Path {
		assignment.Path = append(assignment.Path, d.BigInt(new(big.Int)))
	}
	return shape, assignment
}

// TestOpeningRootMatchesNative: for every query of a real BN254 proof, the circuit recomputes
// the main-trace root (two heights) and every FRI round's root from the native openings; a
// changed cell, sibling, index or root is refused.
func TestOpeningRootMatchesNative(t *testing.T) {
	air, traces := twoHeightAIR(t)
	params := stark.TestParams()
	pk, err := stark.SetupFor[hash.BN254Digest](air, params)
	if err != nil {
		t.Fatal(err)
	}
	proof, err := stark.Prove(context.Background(), pk, traces, nil)
	if err != nil {
		t.Fatal(err)
	}
	indices, _, err := stark.QueryValues(pk.VerifyingKey(), proof, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := params.LogBlowup
	L := proof.LogHeights[1] + b // the LDE of the taller table
	const roundMain = 1          // stark's input rounds: preprocessed, main, LogUp, quotient
	var cases []openingCase
	for q, idx := range indices {
		cases = append(cases, openingCase{
			name: "main", root: proof.MainRoot, o: proof.Queries[q].Inputs[roundMain],
			logHeights: []int{proof.LogHeights[0] + b, proof.LogHeights[1] + b}, leaf: idx,
		})
		for r, root := range proof.FRI.Roots {
			cases = append(cases, openingCase{
				name: "FRI", root: root, o: proof.FRI.Queries[q].Steps[r],
				logHeights: []int{L - r - 1}, leaf: idx >> uint(r+1),
			})
		}
	}
	for i, oc := range cases {
		shape, good := oc.circuits()
		if err := test.IsSolved(shape, good, field); err != nil {
			t.Fatalf("case %d (%s): native opening refused: %v", i, oc.name, err)
		}
		if i > 2 && testing.Short() {
			continue // the tampered variants of a few cases suffice in -short mode
		}
		tamper := []func(a *openingCircuit){
			func(a *openingCircuit) { a.Rows[0][0] = oc.o.Rows[0][0].Uint64() + 1 },
			func(a *openingCircuit) { a.Rows[len(a.Rows)-1][0] = oc.o.Rows[len(a.Rows)-1][0].Uint64() + 1 },
			func(a *openingCircuit) { a.Path[len(a.Path)-1] = 1 },
			func(a *openingCircuit) { a.Index = oc.leaf ^ 1 },
			func(a *openingCircuit) { a.Root = 0 },
		}
		for j, f := range tamper {
			_, bad := oc.circuits()
			f(bad)
			if test.IsSolved(shape, bad, field) == nil {
				t.Errorf("case %d (%s), tampering %d: accepted", i, oc.name, j)
			}
		}
	}
	t.Logf("%d openings recomputed in the circuit", len(cases))
}
