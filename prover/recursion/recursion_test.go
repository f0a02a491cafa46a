package recursion

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/stark"
)

func fe(v uint64) F {
	var f F
	f.SetUint64(v)
	return f
}

func randE(rng *rand.Rand) E {
	var c [4]F
	for j := range c {
		c[j] = fe(rng.Uint64N(hash.Modulus))
	}
	return fromCoeffs(c[:])
}

// statement is a compiled program with its inputs.
type statement struct {
	prog    *Program
	public  []F
	witness []E
}

func (s statement) prove(t testing.TB, omit map[string]map[string]bool, forge forgeFunc) (*stark.ProvingKey, *stark.Proof, error) {
	t.Helper()
	air, err := s.prog.air("recursion-test", omit)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := stark.Setup(air, stark.TestParams())
	if err != nil {
		t.Fatal(err)
	}
	traces, err := s.prog.execute(s.public, s.witness, forge, omit)
	if err != nil {
		t.Fatal(err)
	}
	proof, err := stark.Prove(context.Background(), pk, traces, s.public)
	return pk, proof, err
}

func (s statement) proveAndVerify(t testing.TB, omit map[string]map[string]bool, forge forgeFunc) error {
	t.Helper()
	pk, proof, err := s.prove(t, omit, forge)
	if err != nil {
		return err
	}
	return stark.Verify(pk.VerifyingKey(), proof, s.public, stark.VerifierConfig{})
}

// everyChip is a program that uses every instruction of every chip, with its expected values
// asserted inside the program: x·y·(x+y) and its inverse in both fields, a select of each
// polarity, a permutation checked against prover/hash, a bit decomposition recombined, and two
// public values.
func everyChip(t testing.TB, rng *rand.Rand) statement {
	b := NewBuilder()
	var w []E
	x, y := randE(rng), randE(rng)
	xb, yb := fe(rng.Uint64N(hash.Modulus)), fe(rng.Uint64N(hash.Modulus)|1)
	pub := []F{fe(7), fe(11)}

	// Extension ALU.
	ex, ey := b.WitnessExt(), b.WitnessExt()
	w = append(w, x, y)
	var want, s E
	s.Add(&x, &y)
	want.Mul(&x, &y).Mul(&want, &s)
	got := b.ExtMul(b.ExtMul(ex, ey), b.ExtAdd(ex, ey))
	b.AssertEqExt(got, b.ConstExt(want))
	b.AssertEqExt(b.ExtMul(b.ExtDiv(ey, got), got), ey)
	b.AssertEqExt(b.ExtSub(b.ExtAdd(ex, ey), ey), ex)

	// Base ALU, and base operands of extension instructions.
	fx, fy := b.Witness(), b.Witness()
	w = append(w, Lift(xb), Lift(yb))
	var wb F
	wb.Mul(&xb, &yb).Sub(&wb, &yb)
	b.AssertEq(b.Sub(b.Mul(fx, fy), fy), b.Const(wb))
	b.AssertEq(b.Mul(b.Div(fx, fy), fy), fx)
	var lifted E
	lifted.MulByElement(&x, &xb)
	b.AssertEqExt(b.ExtMul(ex, b.Lift(fx)), b.ConstExt(lifted))

	// Select, both polarities.
	zero, one := b.Const(F{}), b.Const(fe(1))
	l, r := b.Select(zero, fx, fy)
	b.AssertEq(l, fx)
	b.AssertEq(r, fy)
	l, r = b.Select(one, fx, fy)
	b.AssertEq(l, fy)
	b.AssertEq(r, fx)

	// Poseidon2.
	var in [Width]Felt
	var st [Width]F
	for i := range in {
		st[i] = fe(uint64(i * i))
		in[i] = b.Const(st[i])
	}
	sw := st
	swapHalves(&sw, fe(1))
	hash.Permute16(&sw)
	hash.Permute16(&st)
	out, outSwapped, outKept := b.Poseidon2(in), b.Poseidon2Swap(one, in), b.Poseidon2Swap(zero, in)
	for i := range out {
		b.AssertEq(out[i], b.Const(st[i]))
		b.AssertEq(outKept[i], out[i])
		b.AssertEq(outSwapped[i], b.Const(sw[i]))
	}

	// The width-24 sponge, over lengths that end mid-block, on a block boundary, and empty.
	for _, n := range []int{0, 5, 16, 21} {
		xs := make([]F, n)
		vars := make([]Felt, n)
		for i := range xs {
			xs[i] = fe(rng.Uint64N(hash.Modulus))
			vars[i] = b.Const(xs[i])
		}
		want := hash.HashElements(xs)
		got := b.HashElements(vars)
		for j := range got {
			b.AssertEq(got[j], b.Const(want[j]))
		}
	}

	// Byte strings as 16-bit limbs: empty, odd, even, and the 288-byte STF journal.
	for _, n := range []int{0, 3, 32, 288} {
		bs := make([]byte, n)
		for i := range bs {
			bs[i] = byte(rng.Uint64())
		}
		limbs := make([]Felt, (n+1)/2)
		for i := range limbs {
			v := uint64(bs[2*i])
			if 2*i+1 < n {
				v |= uint64(bs[2*i+1]) << 8
			}
			limbs[i] = b.Const(fe(v))
		}
		want := hash.HashBytes(bs)
		got := b.HashBytes(uint64(n), limbs)
		for j := range got {
			b.AssertEq(got[j], b.Const(want[j]))
		}
	}

	// Bits of p - 1 (the largest canonical element) and of a random value.
	for _, v := range []F{fe(hash.Modulus - 1), xb} {
		bits := b.Bits(b.Const(v))
		acc := zero
		for i := NumBits - 1; i >= 0; i-- {
			acc = b.Add(b.Add(acc, acc), bits[i])
		}
		b.AssertEq(acc, b.Const(v))
	}

	// Public values.
	b.AssertEq(b.Add(b.Public(0), b.Public(1)), b.Const(fe(18)))

	// Limbs: x unpacked to its coordinates, and packed back.
	limbs := b.Unpack(ex)
	for j, c := range coeffs(&x) {
		b.AssertEq(limbs[j], b.Const(c))
	}
	b.AssertEqExt(b.Pack(limbs), ex)

	// Horner: Σ_k c_k·x^k over eleven base coefficients, two rows, the first with leading
	// empty slots.
	cs := make([]Felt, 11)
	var poly E
	for k := len(cs) - 1; k >= 0; k-- {
		c := fe(rng.Uint64N(hash.Modulus))
		cs[k] = b.Const(c)
		poly.Mul(&poly, &x)
		poly.B0.A0.Add(&poly.B0.A0, &c)
	}
	b.AssertEqExt(b.HornerBase(ex, cs), b.ConstExt(poly))

	prog, err := b.Compile()
	if err != nil {
		t.Fatal(err)
	}
	return statement{prog, pub, w}
}

func TestEveryChip(t *testing.T) {
	s := everyChip(t, rand.New(rand.NewPCG(1, 2)))
	for c := range numChips {
		if s.prog.rows[c] == 0 {
			t.Fatalf("chip %s unused", c)
		}
	}
	if err := s.proveAndVerify(t, nil, nil); err != nil {
		t.Fatal(err)
	}
}

// TestExtMulRule checks the constraint's product rule against gnark-crypto's E4 multiplication.
func TestExtMulRule(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 100 {
		x, y := randE(rng), randE(rng)
		var want E
		want.Mul(&x, &y)
		a, bb := coeffs(&x), coeffs(&y)
		var got [4]F
		for i := range 4 {
			for j := range 4 {
				var t F
				t.Mul(&a[powerLimb[i]], &bb[powerLimb[j]])
				k := i + j
				if k >= 4 {
					k -= 4
					nr := fe(extNonResidue)
					t.Mul(&t, &nr)
				}
				got[powerLimb[k]].Add(&got[powerLimb[k]], &t)
			}
		}
		if got != coeffs(&want) {
			t.Fatalf("%v · %v: rule gives %v, E.Mul %v", x, y, got, coeffs(&want))
		}
	}
}

func TestExecuteErrors(t *testing.T) {
	b := NewBuilder()
	x, y := b.Witness(), b.Witness()
	b.AssertEq(x, y)
	prog, err := b.Compile()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := prog.Execute(nil, []E{Lift(fe(1)), Lift(fe(1))}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		public  []F
		witness []E
		want    error
	}{
		{"unequal", nil, []E{Lift(fe(1)), Lift(fe(2))}, ErrAssertion},
		{"short witness", nil, []E{Lift(fe(1))}, ErrWitness},
		{"ext in base witness", nil, []E{Lift(fe(1)), fromCoeffs([]F{fe(1), fe(1), {}, {}})}, ErrWitness},
		{"public values", []F{fe(1)}, []E{Lift(fe(1)), Lift(fe(1))}, ErrPublicValues},
	} {
		if _, err := prog.Execute(c.public, c.witness); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}

	b = NewBuilder()
	b.Inv(b.Witness())
	b.ExtInv(b.WitnessExt())
	b.Select(b.Witness(), b.Const(F{}), b.Const(F{}))
	prog, err = b.Compile()
	if err != nil {
		t.Fatal(err)
	}
	one := Lift(fe(1))
	for _, c := range []struct {
		name    string
		witness []E
		want    error
	}{
		{"base inverse of zero", []E{{}, one, one}, ErrInverseZero},
		{"ext inverse of zero", []E{one, {}, one}, ErrInverseZero},
		{"select bit 2", []E{one, one, Lift(fe(2))}, ErrNotBoolean},
	} {
		if _, err := prog.Execute(nil, c.witness); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}

func TestBuilderMisuse(t *testing.T) {
	b := NewBuilder()
	b.Add(Felt{}, b.Const(F{}))
	if _, err := b.Compile(); !errors.Is(err, ErrProgram) {
		t.Fatalf("zero variable: got %v", err)
	}
	b = NewBuilder()
	b.Public(-1)
	if _, err := b.Compile(); !errors.Is(err, ErrProgram) {
		t.Fatalf("negative public index: got %v", err)
	}
}

// TestFanOut reads one value far more than MaxReads times: the builder inserts copies, so that no
// write's multiplicity exceeds MaxReads, and the program still proves.
func TestFanOut(t *testing.T) {
	b := NewBuilder()
	x := b.Witness()
	e := b.WitnessExt()
	acc, eacc := b.Const(F{}), b.ConstExt(E{})
	const n = 5 * MaxReads
	for range n {
		acc = b.Add(acc, x)
		eacc = b.ExtAdd(eacc, e)
	}
	b.AssertEq(acc, b.Mul(x, b.Const(fe(n))))
	prog, err := b.Compile()
	if err != nil {
		t.Fatal(err)
	}
	for a, m := range prog.mult {
		if m > MaxReads {
			t.Fatalf("address %d read %d times", a, m)
		}
	}
	copies := 0
	for _, in := range prog.instrs {
		if in.op == opCopy && (in.chip == chipBaseALU || in.chip == chipExtALU) {
			copies++
		}
	}
	if copies < 2*(n/MaxReads) {
		t.Fatalf("%d copies", copies)
	}
	s := statement{prog, nil, []E{Lift(fe(3)), fromCoeffs([]F{fe(1), fe(2), fe(3), fe(4)})}}
	if err := s.proveAndVerify(t, nil, nil); err != nil {
		t.Fatal(err)
	}
}
