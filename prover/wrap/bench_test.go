package wrap

import (
	"testing"

	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
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

type sampleCircuit struct{ D frontend.Variable }

// Define squeezes four words from one permutation: an extension element's coordinates.
func (c *sampleCircuit) Define(api frontend.API) error {
	h, err := NewHasher(api)
	if err != nil {
		return err
	}
	tr := NewChallenger(api, h, "bench")
	tr.ObserveDigest(c.D)
	_, err = tr.SampleExt()
	return err
}

// BenchmarkConstraints reports the R1CS (Groth16) size of the gadgets: one permutation, one
// extension challenge (a duplex, two 254-bit decompositions, four reductions mod p), and a
// depth-20 Merkle opening of a 64-value row, the unit a FRI or input query pays per commitment.
func BenchmarkConstraints(b *testing.B) {
	path := &openingCircuit{logHeights: []int{20}, Rows: [][]frontend.Variable{make([]frontend.Variable, 64)}, Path: make([]frontend.Variable, 20)}
	for _, bc := range []struct {
		name string
		c    frontend.Circuit
	}{{"permutation", &permCircuit{}}, {"ext-challenge", &sampleCircuit{}}, {"opening-64x2^20", path}} {
		b.Run(bc.name, func(b *testing.B) {
			var n int
			for i := 0; i < b.N; i++ {
				cs, err := frontend.Compile(field, r1cs.NewBuilder, bc.c)
				if err != nil {
					b.Fatal(err)
				}
				n = cs.GetNbConstraints()
			}
			b.ReportMetric(float64(n), "constraints")
		})
	}
}
