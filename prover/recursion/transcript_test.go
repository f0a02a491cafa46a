package recursion

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/stark"
)

// TestTranscript runs prover/stark's transcript and its program twin through the same
// observations and checks, inside the program, that every sample agrees; then proves it.
func TestTranscript(t *testing.T) {
	const domain, powBits = "recursion-test", 6
	rng := rand.New(rand.NewPCG(9, 10))
	native := stark.NewTranscript(domain)
	b := NewBuilder()
	tr := b.NewTranscript(domain)
	var w []E

	native.ObserveLabel("phase one")
	tr.ObserveLabel("phase one")
	var xs []F
	var vs []Felt
	for range 21 {
		x := fe(rng.Uint64N(hash.Modulus))
		xs, vs = append(xs, x), append(vs, b.Witness())
		w = append(w, Lift(x))
	}
	native.ObserveBase(xs...)
	tr.ObserveBase(vs...)
	b.AssertEq(tr.SampleBase(), b.Const(native.SampleBase()))

	e1, e2 := randE(rng), randE(rng)
	native.ObserveExt(e1, e2)
	x1, x2 := b.WitnessExt(), b.WitnessExt()
	w = append(w, e1, e2)
	tr.ObserveExt(x1, x2)
	b.AssertEqExt(tr.SampleExt(), b.ConstExt(native.SampleExt()))

	d := hash.HashBytes([]byte("a commitment"))
	native.ObserveDigest(d)
	var dv Digest
	for j := range dv {
		dv[j] = b.Const(d[j])
	}
	tr.ObserveDigest(dv)
	// More samples than one duplex yields: the rate is read from its end, then refilled.
	for range 18 {
		b.AssertEq(tr.SampleBase(), b.Const(native.SampleBase()))
	}
	native.ObserveUint(12345678901)
	tr.ObserveUint(12345678901)
	want, err := native.SampleBits(10)
	if err != nil {
		t.Fatal(err)
	}
	bits := tr.SampleBits(10)
	for i, bit := range bits {
		b.AssertEq(bit, b.Const(fe(want>>uint(i)&1)))
	}

	prePoW := native.Clone()
	nonce, err := native.Clone().Grind(context.Background(), powBits)
	if err != nil {
		t.Fatal(err)
	}
	if err := native.CheckPoW(powBits, nonce); err != nil {
		t.Fatal(err)
	}
	tr.CheckPoW(powBits, b.Witness())
	w = append(w, Lift(fe(uint64(nonce))))
	b.AssertEqExt(tr.SampleExt(), b.ConstExt(native.SampleExt()))

	prog, err := b.Compile()
	if err != nil {
		t.Fatal(err)
	}
	s := statement{prog, nil, w}
	if err := s.proveAndVerify(t, nil, nil); err != nil {
		t.Fatal(err)
	}

	// A nonce without the zero bits, and an ext value observed with other limbs.
	bad := append([]E(nil), w...)
	for n := uint64(0); ; n++ {
		if prePoW.Clone().CheckPoW(powBits, uint32(n)) != nil {
			bad[len(bad)-1] = Lift(fe(n))
			break
		}
	}
	if _, err := prog.Execute(nil, bad); !errors.Is(err, ErrAssertion) {
		t.Fatalf("bad nonce: got %v", err)
	}
	bad = append([]E(nil), w...)
	bad[len(xs)].B1.A1.SetUint64(5)
	if _, err := prog.Execute(nil, bad); !errors.Is(err, ErrAssertion) {
		t.Fatalf("other ext value: got %v", err)
	}
}
