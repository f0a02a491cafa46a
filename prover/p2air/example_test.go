package p2air_test

import (
	"context"
	"fmt"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/p2air"
	"github.com/zkexex/zkexex/prover/stark"
)

// A table that proves one Merkle compression per row: it holds the two children and the full
// permutation output, and asks the width-16 chip for it over the bus. The parent digest is the
// output's first eight elements.
func Example() {
	const bus stark.BusID = 1
	nodes := stark.NewTable("nodes")
	in, out := nodes.Columns("in", 16), nodes.Columns("out", 16)
	var inE, outE []stark.Expr
	for i := range 16 {
		inE, outE = append(inE, in[i].Cur()), append(outE, out[i].Cur())
	}
	msg, err := p2air.Message(inE, outE)
	if err != nil {
		panic(err)
	}
	nodes.Send(bus, stark.Const(1), msg...)
	chip, err := p2air.Table("poseidon2", 16, bus)
	if err != nil {
		panic(err)
	}
	air, err := stark.NewAIR("merkle", 0, nodes, chip)
	if err != nil {
		panic(err)
	}
	pk, err := stark.Setup(air, stark.DefaultParams())
	if err != nil {
		panic(err)
	}

	// Eight compressions (DefaultParams needs tables of 8 rows or more), of five distinct pairs of
	// children: the chip proves five permutations, three of them requested more than once.
	var leaves [4]hash.Digest
	for i := range leaves {
		leaves[i] = hash.HashBytes([]byte{byte(i)})
	}
	var pairs [][2]hash.Digest
	for _, ij := range [][2]int{{0, 1}, {2, 3}, {0, 1}, {1, 0}, {3, 2}, {2, 3}, {0, 1}, {1, 1}} {
		pairs = append(pairs, [2]hash.Digest{leaves[ij[0]], leaves[ij[1]]})
	}
	nt := stark.NewMatrix(32, len(pairs))
	var requests [][]hash.Element
	for r, p := range pairs {
		var s [16]hash.Element
		copy(s[:8], p[0][:])
		copy(s[8:], p[1][:])
		requests = append(requests, append([]hash.Element(nil), s[:]...))
		hash.Permute16(&s)
		for i := range 8 {
			nt.Set(r, i, p[0][i])
			nt.Set(r, 8+i, p[1][i])
		}
		for i := range 16 {
			nt.Set(r, 16+i, s[i])
		}
	}
	ct, err := p2air.Trace(16, requests, nil, 8)
	if err != nil {
		panic(err)
	}
	proof, err := stark.Prove(context.Background(), pk, []*stark.Matrix{nt, ct}, nil)
	if err != nil {
		panic(err)
	}
	err = stark.Verify(pk.VerifyingKey(), proof, nil, stark.DefaultVerifierConfig())
	fmt.Println("verified:", err == nil)
	// Output: verified: true
}
