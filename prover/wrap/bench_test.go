package wrap

import (
	"testing"

	"github.com/consensys/gnark/frontend"
)

type permCircuit struct{ S [3]frontend.Variable }

func (c *permCircuit) Define(api frontend.API) error {
	h, err := NewHasher(api)
	if err != nil {
		return err
	}
	h.Permute(&c.S)
	return nil
}

type sampleCircuit struct {
	n int
	D frontend.Variable
}

// Define observes a digest and squeezes an extension element (four words from one permutation),
// n times.
func (c *sampleCircuit) Define(api frontend.API) error {
	h, err := NewHasher(api)
	if err != nil {
		return err
	}
	tr := NewChallenger(api, h, "bench")
	for range c.n {
		tr.ObserveDigest(c.D)
		if _, err := tr.SampleExt(); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkConstraints reports the R1CS (Groth16) size of the gadgets: one permutation, one
// extension challenge after an observed digest (a duplex, two decompositions into words, four
// reductions mod p; the difference of two and one challenges, so without the range-check table
// every circuit pays once), and a
// depth-20 Merkle opening of a 64-value row, the unit a FRI or input query pays per commitment.
func BenchmarkConstraints(b *testing.B) {
	path := &openingCircuit{logHeights: []int{20}, Rows: [][]frontend.Variable{make([]frontend.Variable, 64)}, Path: make([]frontend.Variable, 20)}
	for _, bc := range []struct {
		name string
		c    frontend.Circuit
		base frontend.Circuit // subtracted when set
	}{{"permutation", &permCircuit{}, nil}, {"ext-challenge", &sampleCircuit{n: 2}, &sampleCircuit{n: 1}}, {"opening-64x2^20", path, nil}} {
		b.Run(bc.name, func(b *testing.B) {
			var n int
			for i := 0; i < b.N; i++ {
				n = compileR1CS(b, bc.c)
				if bc.base != nil {
					n -= compileR1CS(b, bc.base)
				}
			}
			b.ReportMetric(float64(n), "constraints")
		})
	}
}
