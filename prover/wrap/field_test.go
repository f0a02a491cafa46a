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
