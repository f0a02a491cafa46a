package wrap

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/consensys/gnark-crypto/field/koalabear"
	"github.com/consensys/gnark-crypto/field/koalabear/extensions"
	"github.com/consensys/gnark/constraint/solver"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/test"
	"github.com/zkexex/zkexex/prover/hash"
)

// fieldOps are the operations the arithmetic test runs, natively and in the circuit, on two
// extension elements a, b and a base element s. The chain multiplies long enough that the lazy
// bounds force reductions of unreduced operands.
const fieldOps = 9

func nativeOps(a, b extensions.E4, s koalabear.Element) [fieldOps]extensions.E4 {
	var out [fieldOps]extensions.E4
	out[0].Add(&a, &b)
	out[1].Sub(&a, &b)
	out[2].Mul(&a, &b)
	out[3].MulByElement(&a, &s)
	out[4].Div(&a, &b)
	// chain: ((a·b)·(a·b))·a, six times
	c := a
	for range 6 {
		var t extensions.E4
		t.Mul(&c, &b)
		c.Mul(&t, &t)
		c.Mul(&c, &a)
	}
	out[5] = c
	// a sum of 300 products, unreduced
	var acc extensions.E4
	for range 300 {
		var t extensions.E4
		t.Mul(&a, &b)
		acc.Add(&acc, &t)
		acc.Sub(&acc, &b)
	}
	out[6] = acc
	out[7].Inverse(&b)
	var sq extensions.E4
	sq.MulByElement(&a, &s)
	sq.Sub(&sq, &b)
	out[8].Mul(&sq, &sq)
	return out
}

type fieldCircuit struct {
	A, B [4]frontend.Variable // stark's coordinate order
	S    frontend.Variable
	Want [fieldOps][4]frontend.Variable `gnark:",public"`
}

func (c *fieldCircuit) Define(api frontend.API) error {
	f := NewField(api)
	ext := func(v [4]frontend.Variable) Ext {
		var cs [4]Felt
		for i := range cs {
			cs[i] = f.Canonical(v[i])
		}
		return ExtFromCoords(cs)
	}
	a, b, s := ext(c.A), ext(c.B), f.Canonical(c.S)
	var out [fieldOps]Ext
	out[0] = f.ExtAdd(a, b)
	out[1] = f.ExtSub(a, b)
	out[2] = f.ExtMul(a, b)
	out[3] = f.ExtMulBase(a, s)
	out[4] = f.ExtDiv(a, b)
	x := a
	for range 6 {
		t := f.ExtMul(x, b)
		x = f.ExtMul(f.ExtMul(t, t), a)
	}
	out[5] = x
	acc := f.ExtSub(f.Lift(f.Const(0)), f.Lift(f.Const(0)))
	for range 300 {
		acc = f.ExtSub(f.ExtAdd(acc, f.ExtMul(a, b)), b)
	}
	out[6] = acc
	out[7] = f.ExtInverse(b)
	d := f.ExtSub(f.ExtMulBase(a, s), b)
	out[8] = f.ExtMul(d, d)
	for k := range out {
		f.ExtAssertEq(out[k], ext(c.Want[k]))
	}
	return nil
}

func coords(e extensions.E4) [4]frontend.Variable {
	return [4]frontend.Variable{e.B0.A0.Uint64(), e.B0.A1.Uint64(), e.B1.A0.Uint64(), e.B1.A1.Uint64()}
}

func fieldAssignment(a, b extensions.E4, s koalabear.Element) *fieldCircuit {
	w := &fieldCircuit{A: coords(a), B: coords(b), S: s.Uint64()}
	for k, e := range nativeOps(a, b, s) {
		w.Want[k] = coords(e)
	}
	return w
}

func e4(c0, c1, c2, c3 uint64) extensions.E4 {
	var e extensions.E4
	e.B0.A0.SetUint64(c0)
	e.B0.A1.SetUint64(c1)
	e.B1.A0.SetUint64(c2)
	e.B1.A1.SetUint64(c3)
	return e
}

// TestFieldMatchesNative: the lazy arithmetic agrees with gnark-crypto's KoalaBear and E4 on
// random values and on the edge values 0, 1 and p-1, including long chains that force reductions
// of unreduced values; a changed expected value is refused.
func TestFieldMatchesNative(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	r := func() uint64 { return rng.Uint64N(hash.Modulus) }
	const pm1 = hash.Modulus - 1
	cases := []struct{ a, b extensions.E4 }{
		{e4(pm1, pm1, pm1, pm1), e4(pm1, pm1, pm1, pm1)},
		{e4(0, 0, 0, 0), e4(1, 0, 0, 0)},
		{e4(0, pm1, 0, pm1), e4(pm1, 0, 1, 0)},
	}
	for range 3 {
		cases = append(cases, struct{ a, b extensions.E4 }{e4(r(), r(), r(), r()), e4(r(), r(), r(), r())})
	}
	for i, c := range cases {
		var s koalabear.Element
		s.SetUint64(pm1 - uint64(i))
		w := fieldAssignment(c.a, c.b, s)
		if err := test.IsSolved(&fieldCircuit{}, w, field); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		for k := range w.Want {
			bad := fieldAssignment(c.a, c.b, s)
			bad.Want[k][k%4] = (bad.Want[k][k%4].(uint64) + 1) % hash.Modulus
			if test.IsSolved(&fieldCircuit{}, bad, field) == nil {
				t.Errorf("case %d: result %d changed: accepted", i, k)
			}
		}
	}
}

// TestFieldRejectsWrongHints: a reduction whose hint returns another remainder (shifted by one, or
// by 3p so that it stays congruent but leaves [0, 2^32)), a quotient for an equality that is off,
// a wrong extension quotient, and a non-canonical input are all refused.
func TestFieldRejectsWrongHints(t *testing.T) {
	a, b := e4(5, 6, 7, 8), e4(pm1(), 3, pm1(), 9)
	var s koalabear.Element
	s.SetUint64(11)
	good := fieldAssignment(a, b, s)
	if err := test.IsSolved(&fieldCircuit{}, good, field); err != nil {
		t.Fatal(err)
	}
	wrong := map[string]solver.Hint{
		"remainder+1": func(m *big.Int, in, out []*big.Int) error {
			if err := divModP(m, in, out); err != nil {
				return err
			}
			out[1].Add(out[1], big.NewInt(1))
			return nil
		},
		"remainder+3p, quotient-3": func(m *big.Int, in, out []*big.Int) error {
			if err := divModP(m, in, out); err != nil {
				return err
			}
			if out[0].Cmp(big.NewInt(3)) >= 0 {
				out[0].Sub(out[0], big.NewInt(3))
				out[1].Add(out[1], new(big.Int).Mul(bigP, big.NewInt(3)))
			}
			return nil
		},
	}
	for name, h := range wrong {
		if test.IsSolved(&fieldCircuit{}, good, field, test.WithReplacementHint(solver.GetHintID(divModP), h)) == nil {
			t.Errorf("reduction hint %q accepted", name)
		}
	}
	offQuo := func(m *big.Int, in, out []*big.Int) error {
		if err := quoP(m, in, out); err != nil {
			return err
		}
		out[0].Add(out[0], big.NewInt(1))
		return nil
	}
	if test.IsSolved(&fieldCircuit{}, good, field, test.WithReplacementHint(solver.GetHintID(quoP), offQuo)) == nil {
		t.Error("an equality quotient off by one accepted")
	}
	badDiv := func(m *big.Int, in, out []*big.Int) error {
		if err := extDivHint(m, in, out); err != nil {
			return err
		}
		out[2].Add(out[2], big.NewInt(1))
		return nil
	}
	if test.IsSolved(&fieldCircuit{}, good, field, test.WithReplacementHint(solver.GetHintID(extDivHint), badDiv)) == nil {
		t.Error("a wrong extension quotient accepted")
	}
	big := fieldAssignment(a, b, s)
	big.A[0] = uint64(5 + hash.Modulus) // ≡ 5, but not canonical
	if test.IsSolved(&fieldCircuit{}, big, field) == nil {
		t.Error("a non-canonical input accepted")
	}
}

func pm1() uint64 { return hash.Modulus - 1 }

// bitsCircuit decomposes X into N bits.
type bitsCircuit struct {
	n int
	X frontend.Variable
}

// Define decomposes X and nothing else: no check here (api.FromBinary would assert the bits
// boolean again) may stand in for toBits' own.
func (c *bitsCircuit) Define(api frontend.API) error {
	toBits(api, c.X, c.n)
	return nil
}

// TestToBits: an n-bit decomposition accepts exactly [0, 2^n); a bit hint whose digits still sum
// to the value but are not all boolean (the top one carrying the excess) is refused, so a value
// of 2^n or more, or a "negative" one, cannot be decomposed.
func TestToBits(t *testing.T) {
	r := field
	for _, n := range []int{1, 2, 31, 66} {
		top := new(big.Int).Lsh(big.NewInt(1), uint(n))
		for _, c := range []struct {
			x  *big.Int
			ok bool
		}{
			{big.NewInt(0), true},
			{new(big.Int).Sub(top, big.NewInt(1)), true},
			{new(big.Int).Rsh(top, 1), true},
			{top, false},
			{new(big.Int).Add(top, big.NewInt(5)), false},
			{new(big.Int).Sub(r, big.NewInt(1)), false},
		} {
			err := test.IsSolved(&bitsCircuit{n: n}, &bitsCircuit{X: c.x}, field)
			if c.ok && err != nil {
				t.Errorf("%d bits: %v refused: %v", n, c.x, err)
			}
			if !c.ok && err == nil {
				t.Errorf("%d bits: %v accepted", n, c.x)
			}
		}
		// Digits of v ≥ 2^n that sum to v: bits 1..n-2 honest, the top digit v >> (n-1).
		excess := func(_ *big.Int, in, out []*big.Int) error {
			for i := range out {
				out[i].SetUint64(uint64(in[0].Bit(i + 1)))
			}
			out[len(out)-1].Rsh(in[0], uint(n-1))
			return nil
		}
		if n > 1 {
			x := new(big.Int).Add(top, big.NewInt(6))
			if test.IsSolved(&bitsCircuit{n: n}, &bitsCircuit{X: x}, field, test.WithReplacementHint(solver.GetHintID(bitsHint), excess)) == nil {
				t.Errorf("%d bits: non-boolean digits for %v accepted", n, x)
			}
		}
	}
}

type canonicalCircuit struct{ X frontend.Variable }

func (c *canonicalCircuit) Define(api frontend.API) error {
	canonicalBits(api, c.X)
	return nil
}

// TestCanonicalBits: canonicalBits accepts exactly [0, p): the edges 0, p - 1 and 127·2^24 - 1
// (the largest value with a top bit clear), and refuses p, p + 1, p + 2^23 and 2^31 - 1 (all
// with the seven top bits set) whatever the hinted factor z, and values of 2^31 or more.
func TestCanonicalBits(t *testing.T) {
	p := uint64(hash.Modulus)
	for _, x := range []uint64{0, 1, p - 1, 127<<24 - 1, 1 << 24, p - 2} {
		if err := test.IsSolved(&canonicalCircuit{}, &canonicalCircuit{X: x}, field); err != nil {
			t.Errorf("%#x refused: %v", x, err)
		}
	}
	zs := map[string]solver.Hint{
		"honest":  canonicalHint,
		"z = 1":   func(_ *big.Int, _, out []*big.Int) error { out[0].SetUint64(1); return nil },
		"z = low": func(_ *big.Int, in, out []*big.Int) error { out[0].Set(in[0]); return nil },
		"z = 1/low": func(m *big.Int, in, out []*big.Int) error {
			if in[0].Sign() != 0 {
				out[0].ModInverse(in[0], m)
			}
			return nil
		},
	}
	for _, x := range []uint64{p, p + 1, p + 1<<23, 1<<31 - 1, 1 << 31, 1<<32 + 5} {
		for name, h := range zs {
			if test.IsSolved(&canonicalCircuit{}, &canonicalCircuit{X: x}, field, test.WithReplacementHint(solver.GetHintID(canonicalHint), h)) == nil {
				t.Errorf("%#x accepted (z hint %s)", x, name)
			}
		}
	}
}

// lieCircuit reduces x·y (a 62-bit bound) and asserts the remainder is R, and asserts x·y ≡ E
// (mod p) by AssertEq: one reduction and one equality quotient, each open to a lying hint.
type lieCircuit struct {
	X, Y frontend.Variable
	R, E frontend.Variable `gnark:",public"`
}

func (c *lieCircuit) Define(api frontend.API) error {
	f := NewField(api)
	xy := f.Mul(f.Canonical(c.X), f.Canonical(c.Y))
	api.AssertIsEqual(f.Reduce(xy).V, c.R)
	f.AssertEq(xy, f.Canonical(c.E))
	return nil
}

// TestFieldRejectsLyingQuotients: hints that make a reduction's or an equality's identity hold
// in BN254's field with a value outside its range are refused, each by the range check it
// targets. A reduction: the remainder r + p with the quotient q - 1 (congruent, but not below
// 2^31), the quotient q + 1 with the remainder r - p mod r_BN254, and the remainder r + 1 with
// the quotient that solves v = q·p + r in BN254's field; an equality for a wrong value: the
// quotient d/p mod r_BN254 that solves d = m·p in the field (about 2^254, as p does not divide d).
func TestFieldRejectsLyingQuotients(t *testing.T) {
	pInv := new(big.Int).ModInverse(bigP, field)
	x, y := uint64(0x7a00_1234), uint64(0x6fed_cba9)
	v := new(big.Int).Mul(new(big.Int).SetUint64(x), new(big.Int).SetUint64(y))
	r := new(big.Int).Mod(v, bigP)
	if new(big.Int).Add(r, bigP).BitLen() <= 31 {
		t.Fatal("pick x, y with r + p ≥ 2^31")
	}
	honest := func() *lieCircuit { return &lieCircuit{X: x, Y: y, R: new(big.Int).Set(r), E: new(big.Int).Set(r)} }
	if err := test.IsSolved(&lieCircuit{}, honest(), field); err != nil {
		t.Fatal(err)
	}
	mod := func(m *big.Int, z *big.Int) *big.Int { return z.Mod(z, m) }
	for name, c := range map[string]struct {
		rem func(m *big.Int) *big.Int // the remainder the hint claims
		quo func(m *big.Int, rem *big.Int) *big.Int
	}{
		"remainder+p, quotient-1": {
			func(*big.Int) *big.Int { return new(big.Int).Add(r, bigP) },
			func(*big.Int, *big.Int) *big.Int { return new(big.Int).Sub(new(big.Int).Quo(v, bigP), big.NewInt(1)) },
		},
		"quotient+1, remainder-p mod r": {
			func(m *big.Int) *big.Int { return mod(m, new(big.Int).Sub(r, bigP)) },
			func(*big.Int, *big.Int) *big.Int { return new(big.Int).Add(new(big.Int).Quo(v, bigP), big.NewInt(1)) },
		},
		"remainder+1, quotient solved mod r": {
			func(*big.Int) *big.Int { return new(big.Int).Add(r, big.NewInt(1)) },
			func(m *big.Int, rem *big.Int) *big.Int {
				return mod(m, new(big.Int).Mul(new(big.Int).Sub(v, rem), pInv))
			},
		},
	} {
		w := honest()
		w.R = c.rem(field)
		h := func(m *big.Int, in, out []*big.Int) error {
			out[1].Set(c.rem(m))
			out[0].Set(c.quo(m, out[1]))
			return nil
		}
		if test.IsSolved(&lieCircuit{}, w, field, test.WithReplacementHint(solver.GetHintID(divModP), h)) == nil {
			t.Errorf("reduction hint %q accepted", name)
		}
	}
	solved := func(m *big.Int, in, out []*big.Int) error {
		out[0].Mul(in[0], pInv).Mod(out[0], m)
		return nil
	}
	// d/p mod r is the honest quotient where p divides d, so it passes for the right value...
	if err := test.IsSolved(&lieCircuit{}, honest(), field, test.WithReplacementHint(solver.GetHintID(quoP), solved)); err != nil {
		t.Errorf("d/p mod r for the right value refused: %v", err)
	}
	// ...and is refused for a wrong one.
	w := honest()
	w.E = new(big.Int).Add(r, big.NewInt(1))
	if test.IsSolved(&lieCircuit{}, w, field, test.WithReplacementHint(solver.GetHintID(quoP), solved)) == nil {
		t.Error("a wrong value accepted with the equality quotient solved mod r")
	}
}
