package stark

import (
	"math/bits"

	"github.com/consensys/gnark-crypto/field/koalabear"
	"github.com/consensys/gnark-crypto/field/koalabear/extensions"
)

// F is the base field, KoalaBear (p = 2^31 - 2^24 + 1).
type F = koalabear.Element

// E is the degree-4 extension of F in which every verifier challenge is drawn.
type E = extensions.E4

// modulus is p.
const modulus = 2130706433

// maxTwoAdicity is the largest k with 2^k | p-1.
const maxTwoAdicity = 24

// cosetShift is the multiplicative generator of F*, the shift of every LDE coset.
func cosetShift() F { return koalabear.NewElement(3) }

// rootOfUnity returns a generator of the subgroup of order 2^logN, the same one gnark-crypto's
// fft.Domain uses.
func rootOfUnity(logN int) F {
	g, err := koalabear.Generator(uint64(1) << uint(logN))
	if err != nil {
		// logN is always checked against maxTwoAdicity before we get here.
		panic(err)
	}
	return g
}

// extFromCoeffs builds c0 + c1·u + c2·v + c3·u·v in gnark-crypto's tower (E4 = E2[v], E2 = F[u]).
func extFromCoeffs(c0, c1, c2, c3 F) E {
	var e E
	e.B0.A0, e.B0.A1, e.B1.A0, e.B1.A1 = c0, c1, c2, c3
	return e
}

// extCoeffs returns the four base coordinates of e, in extFromCoeffs order.
func extCoeffs(e *E) [4]F { return [4]F{e.B0.A0, e.B0.A1, e.B1.A0, e.B1.A1} }

// lift embeds a base element into E.
func lift(f F) E {
	var e E
	e.B0.A0 = f
	return e
}

// extIsBase reports whether e lies in the base field.
func extIsBase(e *E) bool { return e.B0.A1.IsZero() && e.B1.A0.IsZero() && e.B1.A1.IsZero() }

// extBasis returns the F-basis of E used for columns that hold extension values: a column of
// values in E is committed as four base columns, and its value at a point z is Σ_j basis_j·c_j(z).
func extBasis() [4]E {
	var one F
	one.SetOne()
	var z F
	return [4]E{extFromCoeffs(one, z, z, z), extFromCoeffs(z, one, z, z), extFromCoeffs(z, z, one, z), extFromCoeffs(z, z, z, one)}
}

// extFromComponents recombines the values at a point of the four base columns of an E column.
func extFromComponents(c []E) E {
	b := extBasis()
	var acc, t E
	for j := 0; j < 4; j++ {
		t.Mul(&c[j], &b[j])
		acc.Add(&acc, &t)
	}
	return acc
}

func extExp(x E, k uint64) E {
	var r E
	r.SetOne()
	for k > 0 {
		if k&1 == 1 {
			r.Mul(&r, &x)
		}
		x.Square(&x)
		k >>= 1
	}
	return r
}

func baseExp(x F, k uint64) F {
	var r F
	r.SetOne()
	for k > 0 {
		if k&1 == 1 {
			r.Mul(&r, &x)
		}
		x.Square(&x)
		k >>= 1
	}
	return r
}

// reverseBits reverses the low logN bits of i.
func reverseBits(i uint64, logN int) uint64 {
	if logN == 0 {
		return 0
	}
	return bits.Reverse64(i) >> (64 - uint(logN))
}

// log2Exact returns k with 2^k == n, or -1.
func log2Exact(n int) int {
	if n <= 0 || n&(n-1) != 0 {
		return -1
	}
	return bits.TrailingZeros(uint(n))
}

// extPowers returns 1, x, x^2, ..., x^(n-1).
func extPowers(x E, n int) []E {
	out := make([]E, n)
	if n == 0 {
		return out
	}
	out[0].SetOne()
	for i := 1; i < n; i++ {
		out[i].Mul(&out[i-1], &x)
	}
	return out
}
