package rv64

import (
	"context"
	"sync"
	"testing"

	"github.com/zkexex/zkexex/prover/stark"
)

var fuzzKey struct {
	once sync.Once
	pk   *stark.ProvingKey
	err  error
}

// FuzzALU proves single operations on fuzzed operands: every (op, a, b) the executor can emit
// must prove, with the result Eval gives. The seeds run in every `go test`.
func FuzzALU(f *testing.F) {
	for _, s := range []Event{{OpADDW, 0x7fffffff, 1}, {OpSRA, 1 << 63, 0x3f}, {OpDIV, 1 << 63, ^uint64(0)},
		{OpREMUW, 0xffffffff, 0}, {OpMULHSU, ^uint64(0), ^uint64(0)}, {OpSLT, 0, 1 << 63}, {OpXOR, 0x1234, 0xff00ff}} {
		f.Add(uint8(s.Op), s.A, s.B)
	}
	f.Fuzz(func(t *testing.T, op uint8, a, b uint64) {
		o := Op(op%uint8(numOps-1) + 1)
		fuzzKey.once.Do(func() {
			air, err := stark.NewAIR("rv64-alu-fuzz", 0, append(ALUTables(), cpuTable())...)
			if err != nil {
				fuzzKey.err = err
				return
			}
			fuzzKey.pk, fuzzKey.err = stark.Setup(air, stark.TestParams())
		})
		if fuzzKey.err != nil {
			t.Fatal(fuzzKey.err)
		}
		ev := []Event{{o, a, b}}
		tr, err := GenerateALUTraces(ev)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := stark.Prove(context.Background(), fuzzKey.pk, append(tr, cpuTrace(ev)), nil); err != nil {
			t.Fatalf("%v(%#x, %#x): %v", o, a, b, err)
		}
	})
}
