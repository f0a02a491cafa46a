package stark_test

import (
	"context"
	"fmt"

	"github.com/zkexex/zkexex/prover/stark"
)

// A table that counts from pub0 up by one per row, and a table that receives every value on a bus:
// the shape of a chip (the counter) using a lookup (the receiver).
func Example() {
	const bus stark.BusID = 7
	counter := stark.NewTable("counter")
	v := counter.Column("v")
	counter.AssertFirst("start", v.Cur().Sub(stark.Pub(0)))
	counter.AssertTransition("step", v.Next().Sub(v.Cur()).Sub(stark.Const(1)))
	counter.Send(bus, stark.Const(1), v.Cur())

	sink := stark.NewTable("sink")
	w, m := sink.Column("w"), sink.Column("mult")
	sink.Receive(bus, m.Cur(), w.Cur())

	air, err := stark.NewAIR("example", 1, counter, sink)
	if err != nil {
		panic(err)
	}
	pk, err := stark.Setup(air, stark.DefaultParams())
	if err != nil {
		panic(err)
	}
	const n = 16
	ct, st := stark.NewMatrix(1, n), stark.NewMatrix(2, n)
	for i := 0; i < n; i++ {
		ct.SetUint(i, 0, uint64(100+i))
		st.SetUint(i, 0, uint64(100+i))
		st.SetUint(i, 1, 1)
	}
	var start stark.F
	start.SetUint64(100)
	proof, err := stark.Prove(context.Background(), pk, []*stark.Matrix{ct, st}, []stark.F{start})
	if err != nil {
		panic(err)
	}
	blob, _ := proof.MarshalBinary()
	decoded, err := stark.DecodeProof(blob)
	if err != nil {
		panic(err)
	}
	err = stark.Verify(pk.VerifyingKey(), decoded, []stark.F{start}, stark.DefaultVerifierConfig())
	fmt.Println("verified:", err == nil)
	// Output: verified: true
}
