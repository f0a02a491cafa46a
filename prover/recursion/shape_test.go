package recursion

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/stark"
)

// A program compiled to a larger shape proves with exactly the shape's heights, and a shape it
// does not fit, or a malformed one, is ErrProgramShape.
func TestCompileShape(t *testing.T) {
	build := func() *Builder {
		b := NewBuilder()
		x := b.Witness()
		var s [Width]Felt
		for i := range s {
			s[i] = b.Add(x, b.Const(fe(uint64(i))))
		}
		out := b.Poseidon2(s)
		b.AssertEq(b.Public(0), out[0])
		return b
	}
	natural, err := build().Compile()
	if err != nil {
		t.Fatal(err)
	}
	shape := natural.Shape()
	for i := range shape {
		shape[i]++
	}
	p, err := build().CompileShape(shape)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Shape(); !slices.Equal(got, shape) {
		t.Fatalf("compiled to %v, want %v", got, shape)
	}
	witness := []E{Lift(fe(7))}
	var in [Width]F
	for i := range in {
		in[i] = fe(7 + uint64(i))
	}
	hash.Permute16(&in)
	public := []F{in[0]}
	air, err := p.AIR("shape-test")
	if err != nil {
		t.Fatal(err)
	}
	pk, err := stark.Setup(air, stark.TestParams())
	if err != nil {
		t.Fatal(err)
	}
	traces, err := p.Execute(public, witness)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range traces {
		if m.Height != 1<<uint(shape[i]) {
			t.Fatalf("table %d has %d rows, the shape says 2^%d", i, m.Height, shape[i])
		}
	}
	proof, err := stark.Prove(context.Background(), pk, traces, public)
	if err != nil {
		t.Fatal(err)
	}
	if err := stark.Verify(pk.VerifyingKey(), proof, public, stark.VerifierConfig{}); err != nil {
		t.Fatal(err)
	}

	small := natural.Shape()
	small[chipBaseALU]--
	bad := natural.Shape()
	bad[numChips]++
	for name, s := range map[string]Shape{"too small": small, "permutation table apart": bad, "short": small[:3]} {
		if _, err := build().CompileShape(s); !errors.Is(err, ErrProgramShape) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
