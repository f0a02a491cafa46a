package wrap

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/std/hash/sha2"
	"github.com/consensys/gnark/std/math/uints"
)

// sha160Circuit is gnark's std/hash/sha2 over 160 bytes, for comparison with the bit-level
// SHA-256 the binding gadget uses instead (sha256Bits): the lookup tables cost about 130k
// constraints and a Pedersen commitment.
type sha160Circuit struct {
	In  [ClaimPreimageBytes]frontend.Variable
	Out frontend.Variable `gnark:",public"`
}

func (c *sha160Circuit) Define(api frontend.API) error {
	b, err := uints.NewBytes(api)
	if err != nil {
		return err
	}
	h, err := sha2.New(api)
	if err != nil {
		return err
	}
	in := make([]uints.U8, len(c.In))
	for i, v := range c.In {
		in[i] = b.ValueOf(v)
	}
	h.Write(in)
	api.AssertIsEqual(c.Out, b.Value(h.Sum()[0]))
	return nil
}

// BenchmarkBindingConstraints reports the R1CS size of the binding circuit and of gnark's own
// sha256 gadget over the same 160 bytes.
func BenchmarkBindingConstraints(b *testing.B) {
	for _, bc := range []struct {
		name string
		c    frontend.Circuit
	}{{"binding", &BindingCircuit{}}, {"gnark-sha2-160B", &sha160Circuit{}}} {
		b.Run(bc.name, func(b *testing.B) {
			var n int
			for range b.N {
				ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, bc.c)
				if err != nil {
					b.Fatal(err)
				}
				n = ccs.GetNbConstraints()
			}
			b.ReportMetric(float64(n), "constraints")
		})
	}
}

// BenchmarkBindingGroth16 times the dev setup and a proof of the binding circuit (tens of seconds
// on a 2-core machine: run with -benchtime=1x) and reports the proof's size and the Go heap
// in use after proving.
func BenchmarkBindingGroth16(b *testing.B) {
	ccs := compileSystem(b, &BindingCircuit{})
	s := randomStatement(rand.New(rand.NewPCG(11, 12)))
	var setup, prove time.Duration
	var size int
	var mem runtime.MemStats
	for range b.N {
		start := time.Now()
		keys, err := DevSetup(ccs)
		if err != nil {
			b.Fatal(err)
		}
		setup += time.Since(start)
		start = time.Now()
		p, err := Prove(keys, ccs, BindingAssignment(s))
		if err != nil {
			b.Fatal(err)
		}
		prove += time.Since(start)
		runtime.ReadMemStats(&mem)
		enc := EncodeProof(p)
		size = len(enc)
		if err := Verify(keys, enc, s.PublicInputs()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(setup.Seconds()/float64(b.N), "setup-s")
	b.ReportMetric(prove.Seconds()/float64(b.N), "prove-s")
	b.ReportMetric(float64(size), "proof-bytes")
	b.ReportMetric(float64(mem.HeapInuse>>20), "heap-MiB")
	b.ReportMetric(float64(ccs.GetNbConstraints()), "constraints")
}
