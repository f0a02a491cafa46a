package wrap

import (
	"fmt"
	"math/big"

	"github.com/consensys/gnark-crypto/field/koalabear"
	"github.com/consensys/gnark-crypto/field/koalabear/extensions"
	"github.com/consensys/gnark/constraint/solver"
	"github.com/consensys/gnark/frontend"
	"github.com/zkexex/zkexex/prover/hash"
)

// KoalaBear arithmetic in native BN254 variables.
//
// A Felt is a non-negative integer v, held in one BN254 variable, that stands for v mod p, with a
// bound Max known when the circuit is built (v ≤ Max). Sums, differences and products are taken
// over the integers without reduction as long as the bound stays below 2^maxLazyBits, far under
// BN254's r ≈ 2^253.6, so that no operation wraps around r and the variable's value is the
// integer itself. When an operation would cross that, its operands are reduced first: the
// prover supplies q and s (hint divModP), the circuit range-checks s < 2^31 and q below 2^k, k
// the bit length of Max/p (k ≤ 170), and asserts v = q·p + s. Both sides are then below
// 2^170·p + 2^31 < 2^202 < r, so the identity holds over the integers and s ≡ v (mod p). s need
// not be below p: a representative in [0, 2^31) (there is one, as p < 2^31) is all arithmetic
// needs, and only values that are hashed or observed must be canonical, which Canonical checks
// where a proof's values enter (canonicalBits). A reduction costs 31 + k + 1 constraints, so it
// pays to reduce values whose bound is small (a product of two reduced values, k = 31) and to
// keep whatever feeds only an equality unreduced: AssertEq needs no remainder at all.
//
// Equality mod p (AssertEq) costs no reduction: d = a - b + k·p with k·p ≥ b's bound is a
// non-negative integer below 2^maxLazyBits; the prover supplies m = d/p, the circuit range-checks
// m below 2^k (k as for a reduction, so m·p < 2^202) and asserts d = m·p. Both sides are integers
// below r, so the field identity is an integer identity: p divides d, that is a ≡ b (mod p). A
// dishonest m cannot help: if p does not divide d, no integer m satisfies d = m·p, and m's range
// keeps m·p from wrapping around r to meet d.
//
// Range checks are bit decompositions (newRangeChecker says why not gnark's lookup): an n-bit
// check costs n constraints (toBits) and adds nothing to the proof.

// maxLazyBits bounds every unreduced value: results that would exceed 2^maxLazyBits are avoided
// by reducing operands first. A quotient by p is then below 2^170, checked below 2^170, so
// q·p + s < 2^202 stays far below r ≈ 2^253.6. Products of two reduced values are
// about 2^64, so the limit is rarely what forces a reduction.
const maxLazyBits = 200

// weakBits is the bound of a reduced (not necessarily canonical) value: 2^31, one bit fewer
// to check than 2^32 and one bit less in every product of reduced values.
const weakBits = 31

var (
	bigP      = big.NewInt(hash.Modulus)
	bigPm1    = big.NewInt(hash.Modulus - 1)
	weakMax   = big.NewInt(1<<weakBits - 1)
	lazyLimit = new(big.Int).Lsh(big.NewInt(1), maxLazyBits)
)

func init() { solver.RegisterHint(quoP, extDivHint, baseInvHint, bitsHint, canonicalHint) }

// Felt is a KoalaBear value in a BN254 variable: V ≡ x (mod p), 0 ≤ V ≤ Max. A constant carries
// its value in c, so that arithmetic with it costs nothing and its bound is exact.
type Felt struct {
	V   frontend.Variable
	Max *big.Int
	c   *big.Int
}

// Ext is an element of E = F[w]/(w^4 - 3): the coefficients of 1, w, w², w³. (gnark-crypto's tower
// E4 = E2[v]/(v² - u), E2 = F[u]/(u² - 3) is the same field with w = v: its coordinates
// (B0.A0, B0.A1, B1.A0, B1.A1), stark's extFromCoeffs order, are those of 1, w², w, w³.)
type Ext [4]Felt

// Field does KoalaBear and extension arithmetic on one circuit. It counts what it emits, for the
// benchmarks.
type Field struct {
	api frontend.API
	rc  frontend.Rangechecker
	// Reductions, RangeChecks and RangeBits count the reductions, range checks and checked bits.
	Reductions, RangeChecks, RangeBits int
}

// NewField returns the arithmetic of api, whose field must be BN254's scalar field.
func NewField(api frontend.API) *Field {
	return &Field{api: api, rc: newRangeChecker(api)}
}

// newRangeChecker is the range checker of every gadget here: a bit decomposition, not gnark's
// log-derivative lookup (std/rangecheck). The lookup costs 3 to 6 constraints a check against
// one a bit, but under Groth16 it adds a Pedersen commitment to the proof, and the exported
// Solidity verifier checks its proof of knowledge with a second pairing call: 410,597 gas a
// proposal against 287,471 without one (bench/wrap.md), above the 300k a proposal may cost.
func newRangeChecker(api frontend.API) frontend.Rangechecker { return bitRangeChecker{api} }

// bitRangeChecker asserts v < 2^bits by decomposing it into bits (toBits).
type bitRangeChecker struct{ api frontend.API }

// Check implements frontend.Rangechecker.
func (c bitRangeChecker) Check(v frontend.Variable, bits int) { toBits(c.api, v, bits) }

// toBits returns v's n bits, least significant first, and constrains v < 2^n: n constraints,
// one fewer than gnark's ToBinary. The prover supplies bits 1..n-1 (hint bitsHint), each
// asserted boolean; bit 0 is not a new variable but v - Σ_{i≥1} b_i·2^i, and asserting it
// boolean is what ties the bits to v. So v = Σ b_i·2^i with every b_i in {0, 1}, an integer
// below 2^n ≤ 2^253 < r: the decomposition is v's, over the integers.
func toBits(api frontend.API, v frontend.Variable, n int) []frontend.Variable {
	if n < 0 || n > 253 {
		panic(fmt.Sprintf("wrap: a %d-bit decomposition", n)) // a programming error: sizes are constants
	}
	if c, ok := api.Compiler().ConstantValue(v); ok {
		if c.Sign() < 0 || c.BitLen() > n {
			api.AssertIsEqual(1, 0) // a constant out of range: the circuit is unsatisfiable
		}
		out := make([]frontend.Variable, n)
		for i := range out {
			out[i] = c.Bit(i)
		}
		return out
	}
	if n == 0 {
		api.AssertIsEqual(v, 0)
		return nil
	}
	out := make([]frontend.Variable, n)
	if n > 1 {
		hi, err := api.Compiler().NewHint(bitsHint, n-1, v)
		if err != nil {
			panic(fmt.Sprintf("wrap: %v", err)) // only an unregistered hint, a programming error
		}
		copy(out[1:], hi)
	}
	low := v
	for i := 1; i < n; i++ {
		api.AssertIsBoolean(out[i])
		low = api.Sub(low, api.Mul(out[i], pow2(i)))
	}
	api.AssertIsBoolean(low)
	out[0] = low
	return out
}

// bitsHint is bits 1..len(out) of in[0].
func bitsHint(_ *big.Int, in, out []*big.Int) error {
	if len(in) != 1 {
		return fmt.Errorf("wrap: bitsHint takes 1 input")
	}
	for i := range out {
		out[i].SetUint64(uint64(in[0].Bit(i + 1)))
	}
	return nil
}

func (f *Field) check(v frontend.Variable, bits int) {
	f.RangeChecks++
	f.RangeBits += bits
	f.rc.Check(v, bits)
}

// Const is the constant x (any integer, taken mod p).
func (f *Field) Const(x uint64) Felt {
	c := new(big.Int).SetUint64(x % hash.Modulus)
	return Felt{V: c, Max: c, c: c}
}

// ConstF is the constant x.
func (f *Field) ConstF(x koalabear.Element) Felt { return f.Const(x.Uint64()) }

// Canonical range-checks a witness value to [0, p) and returns it as a Felt: the form every value
// a proof supplies takes once, where it enters, so that hashing and observing it is injective.
func (f *Field) Canonical(v frontend.Variable) Felt {
	f.RangeChecks++
	f.RangeBits += 31
	canonicalBits(f.api, v)
	return Felt{V: v, Max: bigPm1}
}

// canonicalBits returns v's 31 bits (least significant first) after asserting v < p: v below
// 2^31 by the decomposition, and not of the form 0x7f······ with nonzero low 24 bits (p =
// 2^31 - 2^24 + 1, so v ≥ p exactly when its top seven bits are all set and its low 24 bits are
// not all clear). With t = 127 - (the top seven bits as an integer) and low the low 24 bits, the
// rule is "t = 0 implies low = 0", which is the product t·z = low for a hinted z: when t ≠ 0,
// z = low/t satisfies it; when t = 0 it forces low = 0 whatever z is. 33 constraints (31 for the
// bits, 2 for the product and its equality), against 66 for two 32-bit decompositions.
func canonicalBits(api frontend.API, v frontend.Variable) []frontend.Variable {
	bits := toBits(api, v, 31)
	t := frontend.Variable(127)
	for i, b := range bits[24:] {
		t = api.Sub(t, api.Mul(b, 1<<i))
	}
	low := frontend.Variable(0)
	for i, b := range bits[:24] {
		low = api.Add(low, api.Mul(b, 1<<i))
	}
	z, err := api.Compiler().NewHint(canonicalHint, 1, low, t)
	if err != nil {
		panic(fmt.Sprintf("wrap: %v", err))
	}
	api.AssertIsEqual(api.Mul(t, z[0]), low)
	return bits
}

// canonicalHint is low/t in BN254's field, 0 when t = 0 (then low must be 0 too).
func canonicalHint(m *big.Int, in, out []*big.Int) error {
	if len(in) != 2 || len(out) != 1 {
		return fmt.Errorf("wrap: canonicalHint takes 2 inputs and 1 output")
	}
	if in[1].Sign() == 0 {
		out[0].SetUint64(0)
		return nil
	}
	inv := new(big.Int).ModInverse(in[1], m)
	if inv == nil {
		return fmt.Errorf("wrap: canonicalHint: no inverse")
	}
	out[0].Mul(in[0], inv).Mod(out[0], m)
	return nil
}

// IsConst reports whether a is a constant of the circuit.
func (a Felt) IsConst() bool { return a.c != nil }

func (a Felt) isZero() bool { return a.c != nil && a.c.Sign() == 0 }

func constFelt(c *big.Int) Felt {
	c = new(big.Int).Mod(c, bigP)
	return Felt{V: c, Max: c, c: c}
}

// Reduce returns a value ≡ a (mod p) below 2^31.
func (f *Field) Reduce(a Felt) Felt {
	if a.c != nil {
		return constFelt(a.c)
	}
	if a.Max.Cmp(weakMax) <= 0 {
		return a
	}
	f.Reductions++
	qr, err := f.api.Compiler().NewHint(divModP, 2, a.V)
	if err != nil {
		panic(fmt.Sprintf("wrap: %v", err)) // only an unregistered hint, a programming error
	}
	q, r := qr[0], qr[1]
	f.check(r, weakBits)
	f.check(q, new(big.Int).Quo(a.Max, bigP).BitLen())
	f.api.AssertIsEqual(a.V, f.api.Add(f.api.Mul(q, bigP), r))
	return Felt{V: r, Max: weakMax}
}

// Add is a + b.
func (f *Field) Add(a, b Felt) Felt {
	if a.c != nil && b.c != nil {
		return constFelt(new(big.Int).Add(a.c, b.c))
	}
	if new(big.Int).Add(a.Max, b.Max).Cmp(lazyLimit) >= 0 {
		a, b = f.Reduce(a), f.Reduce(b)
	}
	return Felt{V: f.api.Add(a.V, b.V), Max: new(big.Int).Add(a.Max, b.Max)}
}

// kp is the least multiple of p at or above m.
func kp(m *big.Int) *big.Int {
	k := new(big.Int).Add(m, bigPm1)
	k.Quo(k, bigP)
	return k.Mul(k, bigP)
}

// Sub is a - b, as a + k·p - b with k·p ≥ b's bound so that it stays non-negative.
func (f *Field) Sub(a, b Felt) Felt {
	if a.c != nil && b.c != nil {
		return constFelt(new(big.Int).Sub(a.c, b.c))
	}
	if b.isZero() {
		return a
	}
	if new(big.Int).Add(a.Max, kp(b.Max)).Cmp(lazyLimit) >= 0 {
		a, b = f.Reduce(a), f.Reduce(b)
	}
	k := kp(b.Max)
	return Felt{V: f.api.Sub(f.api.Add(a.V, k), b.V), Max: new(big.Int).Add(a.Max, k)}
}

// Mul is a·b: one constraint, none when either is a constant.
func (f *Field) Mul(a, b Felt) Felt {
	if a.c != nil && b.c != nil {
		return constFelt(new(big.Int).Mul(a.c, b.c))
	}
	if a.isZero() || b.isZero() {
		return constFelt(new(big.Int))
	}
	a, b = f.fitProduct(a, b, 1)
	return Felt{V: f.api.Mul(a.V, b.V), Max: new(big.Int).Mul(a.Max, b.Max)}
}

// fitProduct reduces a or b (the larger first) until terms products of their bounds stay below
// the lazy limit.
func (f *Field) fitProduct(a, b Felt, terms int64) (Felt, Felt) {
	over := func() bool {
		m := new(big.Int).Mul(a.Max, b.Max)
		return m.Mul(m, big.NewInt(terms)).Cmp(lazyLimit) >= 0
	}
	if over() {
		if a.Max.Cmp(b.Max) >= 0 {
			a = f.Reduce(a)
		} else {
			b = f.Reduce(b)
		}
	}
	if over() {
		a, b = f.Reduce(a), f.Reduce(b)
	}
	return a, b
}

// Select is c ? a : b for a boolean c.
func (f *Field) Select(c frontend.Variable, a, b Felt) Felt {
	m := a.Max
	if b.Max.Cmp(m) > 0 {
		m = b.Max
	}
	return Felt{V: f.api.Select(c, a.V, b.V), Max: m}
}

// AssertEq asserts a ≡ b (mod p): see the file's comment for why one quotient suffices.
func (f *Field) AssertEq(a, b Felt) {
	if a.c != nil && b.c != nil {
		if new(big.Int).Mod(a.c, bigP).Cmp(new(big.Int).Mod(b.c, bigP)) != 0 {
			f.api.AssertIsEqual(1, 0) // a constant mismatch: the circuit is unsatisfiable
		}
		return
	}
	if a.Max.Cmp(bigP) < 0 && b.Max.Cmp(bigP) < 0 {
		f.api.AssertIsEqual(a.V, b.V) // both in [0, p): equal mod p means equal
		return
	}
	d := f.Sub(a, b)
	m, err := f.api.Compiler().NewHint(quoP, 1, d.V)
	if err != nil {
		panic(fmt.Sprintf("wrap: %v", err))
	}
	f.check(m[0], new(big.Int).Quo(d.Max, bigP).BitLen())
	f.api.AssertIsEqual(d.V, f.api.Mul(m[0], bigP))
}

// Inverse is 1/a, from a hint checked by one product (a must be nonzero).
func (f *Field) Inverse(a Felt) Felt {
	if a.c != nil {
		var x koalabear.Element
		x.SetBigInt(a.c)
		x.Inverse(&x)
		return f.ConstF(x)
	}
	out, err := f.api.Compiler().NewHint(baseInvHint, 1, a.V)
	if err != nil {
		panic(fmt.Sprintf("wrap: %v", err))
	}
	f.check(out[0], weakBits)
	inv := Felt{V: out[0], Max: weakMax}
	f.AssertEq(f.Mul(a, inv), f.Const(1))
	return inv
}

// quoP is the hint for ⌊x/p⌋.
func quoP(_ *big.Int, in, out []*big.Int) error {
	if len(in) != 1 || len(out) != 1 {
		return fmt.Errorf("wrap: quoP takes 1 input and 1 output")
	}
	out[0].Quo(in[0], bigP)
	return nil
}

func baseInvHint(_ *big.Int, in, out []*big.Int) error {
	if len(in) != 1 || len(out) != 1 {
		return fmt.Errorf("wrap: baseInvHint takes 1 input and 1 output")
	}
	var x koalabear.Element
	x.SetBigInt(in[0])
	if x.IsZero() {
		return fmt.Errorf("wrap: inverse of zero")
	}
	x.Inverse(&x)
	x.BigInt(out[0])
	return nil
}

// --- the extension ---

// ExtConst is the constant e.
func (f *Field) ExtConst(e extensions.E4) Ext {
	return Ext{f.ConstF(e.B0.A0), f.ConstF(e.B1.A0), f.ConstF(e.B0.A1), f.ConstF(e.B1.A1)}
}

// Lift embeds a base value.
func (f *Field) Lift(a Felt) Ext { return Ext{a, f.Const(0), f.Const(0), f.Const(0)} }

// ExtFromCoords is the element with coordinates c in stark's extFromCoeffs order.
func ExtFromCoords(c [4]Felt) Ext { return Ext{c[0], c[2], c[1], c[3]} }

// Coords are e's coordinates in stark's extFromCoeffs order (the order the transcript observes).
func (e Ext) Coords() [4]Felt { return [4]Felt{e[0], e[2], e[1], e[3]} }

func (e Ext) isBase() bool { return e[1].isZero() && e[2].isZero() && e[3].isZero() }

func (e Ext) isConst() bool { return e[0].c != nil && e[1].c != nil && e[2].c != nil && e[3].c != nil }

// ExtAdd is a + b.
func (f *Field) ExtAdd(a, b Ext) Ext {
	var r Ext
	for i := range r {
		r[i] = f.Add(a[i], b[i])
	}
	return r
}

// ExtSub is a - b.
func (f *Field) ExtSub(a, b Ext) Ext {
	var r Ext
	for i := range r {
		r[i] = f.Sub(a[i], b[i])
	}
	return r
}

// ExtReduce reduces every coordinate below 2^31.
func (f *Field) ExtReduce(a Ext) Ext {
	var r Ext
	for i := range r {
		r[i] = f.Reduce(a[i])
	}
	return r
}

// ExtMulBase is a·s for s in F: four products.
func (f *Field) ExtMulBase(a Ext, s Felt) Ext {
	var r Ext
	for i := range r {
		r[i] = f.Mul(a[i], s)
	}
	return r
}

// toom are the weights of the product's coefficients in the seven products a(t)·b(t),
// t = 0, ±1, ±2, ±3, already folded by w^4 = 3: coefficient k of a·b mod (w^4 - 3) is
// Σ_t toom[k][t]·a(t)·b(t) over BN254's field. The inverse Vandermonde matrix has rational
// entries; the identity is one of polynomials over any field of characteristic above 6, so the
// weighted sum is the integer coefficient c_k + 3·c_{k+4} (which is below r) exactly.
var toomPoints = [7]int64{0, 1, -1, 2, -2, 3, -3}
var frR = frModulus()

var toom = func() (w [4][7]*big.Int) {
	r := frR
	// Invert the Vandermonde matrix V[t][i] = t^i over the rationals, by Gauss-Jordan.
	n := 7
	m := make([][]*big.Rat, n)
	for t := range m {
		m[t] = make([]*big.Rat, 2*n)
		x := big.NewRat(1, 1)
		for i := 0; i < n; i++ {
			m[t][i] = new(big.Rat).Set(x)
			x.Mul(x, big.NewRat(toomPoints[t], 1))
			m[t][n+i] = new(big.Rat)
			if i == t {
				m[t][n+i].SetInt64(1)
			}
		}
	}
	for c := 0; c < n; c++ {
		p := c
		for m[p][c].Sign() == 0 {
			p++
		}
		m[c], m[p] = m[p], m[c]
		inv := new(big.Rat).Inv(m[c][c])
		for j := range m[c] {
			m[c][j].Mul(m[c][j], inv)
		}
		for i := 0; i < n; i++ {
			if i != c && m[i][c].Sign() != 0 {
				fct := new(big.Rat).Set(m[i][c])
				for j := range m[i] {
					m[i][j].Sub(m[i][j], new(big.Rat).Mul(fct, m[c][j]))
				}
			}
		}
	}
	// m's right half is V^-1: coefficient k = Σ_t Vinv[k][t]·P_t.
	toF := func(q *big.Rat) *big.Int {
		num := new(big.Int).Mod(q.Num(), r)
		den := new(big.Int).ModInverse(new(big.Int).Mod(q.Denom(), r), r)
		return num.Mul(num, den).Mod(num, r)
	}
	for k := 0; k < 4; k++ {
		for t := 0; t < n; t++ {
			v := new(big.Rat).Set(m[k][n+t])
			if k+4 < n {
				v.Add(v, new(big.Rat).Mul(big.NewRat(3, 1), m[k+4][n+t]))
			}
			w[k][t] = toF(v)
		}
	}
	return w
}()

// ExtMul is a·b: seven constraints (the product of the degree-3 polynomials at seven points,
// interpolated by constant weights, toom), four when either factor is in F, none when either is a
// constant. The coefficients accumulate unreduced: coefficient k is bounded by
// Σ_{i+j=k} A_i·B_j + 3·Σ_{i+j=k+4} A_i·B_j.
func (f *Field) ExtMul(a, b Ext) Ext {
	if b.isBase() {
		return f.ExtMulBase(a, b[0])
	}
	if a.isBase() {
		return f.ExtMulBase(b, a[0])
	}
	if a.isConst() || b.isConst() {
		return f.extMulSchoolbook(a, b)
	}
	for !f.extFits(a, b) {
		a, b = f.reduceLarger(a, b)
	}
	api := f.api
	var prods [7]frontend.Variable
	for t, x := range toomPoints {
		ea, eb := evalAt(api, a, x), evalAt(api, b, x)
		prods[t] = api.Mul(ea, eb)
	}
	var r Ext
	bounds := extMulBounds(a, b)
	for k := range r {
		var acc frontend.Variable = 0
		for t := range prods {
			acc = api.Add(acc, api.Mul(prods[t], toom[k][t]))
		}
		r[k] = Felt{V: acc, Max: bounds[k]}
	}
	return r
}

func evalAt(api frontend.API, a Ext, x int64) frontend.Variable {
	var acc frontend.Variable = 0
	pw := big.NewInt(1)
	for i := range a {
		acc = api.Add(acc, api.Mul(a[i].V, new(big.Int).Mod(pw, frR)))
		pw.Mul(pw, big.NewInt(x))
	}
	return acc
}

func extMulBounds(a, b Ext) [4]*big.Int {
	var out [4]*big.Int
	for k := range out {
		out[k] = new(big.Int)
	}
	for i := 0; i < 4; i++ {
		for j := 0; j < 4; j++ {
			t := new(big.Int).Mul(a[i].Max, b[j].Max)
			if i+j >= 4 {
				t.Mul(t, big.NewInt(3))
			}
			out[(i+j)%4].Add(out[(i+j)%4], t)
		}
	}
	return out
}

func (f *Field) extFits(a, b Ext) bool {
	for _, m := range extMulBounds(a, b) {
		if m.Cmp(lazyLimit) >= 0 {
			return false
		}
	}
	return true
}

// reduceLarger reduces the factor with the larger bound (the other once that one is reduced).
func (f *Field) reduceLarger(a, b Ext) (Ext, Ext) {
	ma, mb := extMaxBound(a), extMaxBound(b)
	if ma.Cmp(weakMax) > 0 && ma.Cmp(mb) >= 0 {
		return f.ExtReduce(a), b
	}
	if mb.Cmp(weakMax) > 0 {
		return a, f.ExtReduce(b)
	}
	return f.ExtReduce(a), b
}

func extMaxBound(a Ext) *big.Int {
	m := a[0].Max
	for _, x := range a[1:] {
		if x.Max.Cmp(m) > 0 {
			m = x.Max
		}
	}
	return m
}

// extMulSchoolbook is the 16-product form, for a constant factor (whose products are free).
func (f *Field) extMulSchoolbook(a, b Ext) Ext {
	for !f.extFits(a, b) {
		a, b = f.reduceLarger(a, b)
	}
	var r Ext
	for k := range r {
		r[k] = f.Const(0)
	}
	for i := 0; i < 4; i++ {
		for j := 0; j < 4; j++ {
			t := f.Mul(a[i], b[j])
			if i+j >= 4 {
				t = f.Mul(t, f.Const(3))
			}
			r[(i+j)%4] = f.Add(r[(i+j)%4], t)
		}
	}
	return r
}

// ExtSelect is c ? a : b for a boolean c.
func (f *Field) ExtSelect(c frontend.Variable, a, b Ext) Ext {
	var r Ext
	for i := range r {
		r[i] = f.Select(c, a[i], b[i])
	}
	return r
}

// ExtAssertEq asserts a = b.
func (f *Field) ExtAssertEq(a, b Ext) {
	for i := range a {
		f.AssertEq(a[i], b[i])
	}
}

// ExtDiv is a/b (b nonzero): the quotient from a hint, checked by one product.
func (f *Field) ExtDiv(a, b Ext) Ext {
	if a.isConst() && b.isConst() {
		x, y := extValue(a), extValue(b)
		y.Inverse(&y)
		x.Mul(&x, &y)
		return f.ExtConst(x)
	}
	in := make([]frontend.Variable, 0, 8)
	for i := range a {
		in = append(in, a[i].V)
	}
	for i := range b {
		in = append(in, b[i].V)
	}
	out, err := f.api.Compiler().NewHint(extDivHint, 4, in...)
	if err != nil {
		panic(fmt.Sprintf("wrap: %v", err))
	}
	var c Ext
	for i := range c {
		f.check(out[i], weakBits)
		c[i] = Felt{V: out[i], Max: weakMax}
	}
	f.ExtAssertEq(f.ExtMul(c, b), a)
	return c
}

// ExtInverse is 1/a (a nonzero).
func (f *Field) ExtInverse(a Ext) Ext {
	var one extensions.E4
	one.SetOne()
	return f.ExtDiv(f.ExtConst(one), a)
}

// ExtAssertNotBase asserts that e is not in F: one of its w-coordinates is nonzero. The
// coordinates are canonical, so their weighted sum below r is zero only when all are.
func (f *Field) ExtAssertNotBase(e Ext) {
	for i := 1; i < 4; i++ {
		if e[i].Max.Cmp(bigP) >= 0 {
			panic("wrap: ExtAssertNotBase needs canonical coordinates")
		}
	}
	s := f.api.Add(e[1].V, f.api.Mul(e[2].V, pow2(31)), f.api.Mul(e[3].V, pow2(62)))
	f.api.AssertIsDifferent(s, 0)
}

func extValue(a Ext) extensions.E4 {
	var e extensions.E4
	e.B0.A0.SetBigInt(a[0].c)
	e.B1.A0.SetBigInt(a[1].c)
	e.B0.A1.SetBigInt(a[2].c)
	e.B1.A1.SetBigInt(a[3].c)
	return e
}

func e4FromInts(v []*big.Int) extensions.E4 {
	var e extensions.E4
	e.B0.A0.SetBigInt(v[0])
	e.B1.A0.SetBigInt(v[1])
	e.B0.A1.SetBigInt(v[2])
	e.B1.A1.SetBigInt(v[3])
	return e
}

// extDivHint is a/b over E, both given as w-coordinates (any non-negative representatives).
func extDivHint(_ *big.Int, in, out []*big.Int) error {
	if len(in) != 8 || len(out) != 4 {
		return fmt.Errorf("wrap: extDivHint takes 8 inputs and 4 outputs")
	}
	a, b := e4FromInts(in[:4]), e4FromInts(in[4:])
	if b.IsZero() {
		return fmt.Errorf("wrap: division by zero in E")
	}
	b.Inverse(&b)
	a.Mul(&a, &b)
	a.B0.A0.BigInt(out[0])
	a.B1.A0.BigInt(out[1])
	a.B0.A1.BigInt(out[2])
	a.B1.A1.BigInt(out[3])
	return nil
}

// frModulus is BN254's scalar field modulus r.
func frModulus() *big.Int {
	r, _ := new(big.Int).SetString("21888242871839275222246405745257275088548364400416034343698204186575808495617", 10)
	return r
}
