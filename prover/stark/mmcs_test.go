package stark

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/consensys/gnark-crypto/field/koalabear"
	"github.com/zkexex/zkexex/prover/hash"
)

func randomMatrix(rng *rand.Rand, width, height int) *Matrix {
	m := NewMatrix(width, height)
	for c := range m.Cols {
		for r := range m.Cols[c] {
			m.Cols[c][r].SetUint64(rng.Uint64N(modulus))
		}
	}
	return m
}

func TestMixedHeightCommitment(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	mats := []*Matrix{randomMatrix(rng, 3, 64), randomMatrix(rng, 5, 16), randomMatrix(rng, 2, 64), randomMatrix(rng, 1, 1), randomMatrix(rng, 4, 16)}
	shapes := []matrixShape{{6, 3}, {4, 5}, {6, 2}, {0, 1}, {4, 4}}
	tree, err := commitMatrices[hash.Digest](mats)
	if err != nil {
		t.Fatal(err)
	}
	root := tree.root()
	const global = 8 // the commitment sits inside a 2^8 FRI domain
	for idx := uint64(0); idx < 1<<global; idx += 7 {
		o := tree.open(idx, global)
		if err := verifyBatch(root, shapes, idx, global, &o); err != nil {
			t.Fatalf("index %d: %v", idx, err)
		}
		// The rows really are the matrices' rows at the scaled-down index.
		for i, m := range mats {
			r := int(idx >> uint(global-shapes[i].LogHeight))
			if got := o.Rows[i]; !koalabear.Vector(got).Equal(m.Row(r, nil)) {
				t.Fatalf("index %d matrix %d: wrong row", idx, i)
			}
		}
		// Every row element and every path node is bound.
		for i := range o.Rows {
			for c := range o.Rows[i] {
				bad := tree.open(idx, global)
				bump(&bad.Rows[i][c])
				if err := verifyBatch(root, shapes, idx, global, &bad); !errors.Is(err, ErrMerkle) {
					t.Fatalf("row %d cell %d tampering accepted", i, c)
				}
			}
		}
		for l := range o.Path {
			bad := tree.open(idx, global)
			bump(&bad.Path[l][0])
			if err := verifyBatch(root, shapes, idx, global, &bad); !errors.Is(err, ErrMerkle) {
				t.Fatalf("path node %d tampering accepted", l)
			}
		}
		// Opening for another index does not verify here.
		other := tree.open(idx^(1<<(global-1)), global)
		if err := verifyBatch(root, shapes, idx, global, &other); !errors.Is(err, ErrMerkle) {
			t.Fatal("opening verified at the wrong index")
		}
	}
	// Wrong declared shapes are rejected without panicking.
	o := tree.open(0, global)
	for _, sh := range [][]matrixShape{shapes[:4], {{6, 3}, {4, 5}, {6, 2}, {0, 1}, {4, 5}}, {{7, 3}, {4, 5}, {6, 2}, {0, 1}, {4, 4}}} {
		if err := verifyBatch(root, sh, 0, global, &o); !errors.Is(err, ErrMerkle) {
			t.Fatalf("shape %v accepted: %v", sh, err)
		}
	}
	empty, _ := commitMatrices[hash.Digest](nil)
	eo := empty.open(3, global)
	if err := verifyBatch(empty.root(), nil, 3, global, &eo); err != nil {
		t.Fatal(err)
	}
	if err := verifyBatch(hash.Digest{koalabear.NewElement(1)}, nil, 3, global, &eo); !errors.Is(err, ErrMerkle) {
		t.Fatal("nonzero empty root accepted")
	}
}

// TestLDEMatchesEvaluation checks the bit-reversed coset layout against direct evaluation.
func TestLDEMatchesEvaluation(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const logN, logB = 5, 2
	n := 1 << logN
	coeffs := make([]F, n)
	for i := range coeffs {
		coeffs[i].SetUint64(rng.Uint64N(modulus))
	}
	eval := func(x F) F {
		var acc F
		for i := n - 1; i >= 0; i-- {
			acc.Mul(&acc, &x)
			acc.Add(&acc, &coeffs[i])
		}
		return acc
	}
	m := NewMatrix(1, n)
	w := rootOfUnity(logN)
	for i := 0; i < n; i++ {
		m.Cols[0][i] = eval(baseExp(w, uint64(i)))
	}
	d := newDomains()
	lde := d.lde(m, logB)
	pts := cosetPoints(logN + logB)
	for i, x := range pts {
		if want := eval(x); !lde.Cols[0][i].Equal(&want) {
			t.Fatalf("position %d: LDE value differs from f(x)", i)
		}
	}
	// Prefix property: the first 2^k positions are the coset g·H_{2^k} in bit-reversed order.
	small := cosetPoints(logN)
	for i := range small {
		if !small[i].Equal(&pts[i]) {
			t.Fatalf("prefix position %d differs", i)
		}
	}
}
