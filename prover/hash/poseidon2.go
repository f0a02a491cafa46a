package hash

import (
	"sync"

	"github.com/consensys/gnark-crypto/field/koalabear"
)

// This file is our own scalar Poseidon2: the same permutation as gnark-crypto's generic
// poseidon2.Permutation for our round counts (its round keys, its external circ(2M4, M4, ...)
// matrix and its internal diag + all-ones matrices), on Montgomery-form words with the round keys
// and the internal diagonal precomputed. Field values are kept canonical (< p) between rounds, so
// the output is bit-identical to gnark-crypto's, which TestScalarMatchesGnark checks.

const (
	// montMu is p^-1 mod 2^32: q = lo(a*b)*montMu makes a*b - q*p divisible by 2^32.
	montMu = 0x81000001
	// montR2 is 2^64 mod p: Montgomery-multiplying a canonical value by it yields its Montgomery form.
	montR2 = 0x17f7efe4
)

// diagEntry is one entry of an internal matrix's diagonal, in the shape the kernels exploit:
// the product d*x is neg? -(x*k) : x*k with k = mul (a small integer) or k = 2^-shift.
type diagEntry struct {
	neg   bool
	mul   uint32 // 1..4, or 0 when shift is used
	shift uint32 // n for 2^-n
}

// Internal diagonals as gnark-crypto's matMulInternalInPlace applies them (KoalaBear, widths 16 and
// 24; the same vectors Plonky3 uses for KoalaBear).
var (
	diag16 = [16]diagEntry{
		{true, 2, 0}, {false, 1, 0}, {false, 2, 0}, {false, 0, 1}, {false, 3, 0}, {false, 4, 0},
		{true, 0, 1}, {true, 3, 0}, {true, 4, 0}, {false, 0, 8}, {false, 0, 3}, {false, 0, 24},
		{true, 0, 8}, {true, 0, 3}, {true, 0, 4}, {true, 0, 24},
	}
	diag24 = [24]diagEntry{
		{true, 2, 0}, {false, 1, 0}, {false, 2, 0}, {false, 0, 1}, {false, 3, 0}, {false, 4, 0},
		{true, 0, 1}, {true, 3, 0}, {true, 4, 0}, {false, 0, 8}, {false, 0, 2}, {false, 0, 3},
		{false, 0, 4}, {false, 0, 5}, {false, 0, 6}, {false, 0, 24},
		{true, 0, 8}, {true, 0, 3}, {true, 0, 4}, {true, 0, 5}, {true, 0, 6}, {true, 0, 7},
		{true, 0, 9}, {true, 0, 24},
	}
)

// InternalDiagonal16 returns the diagonal D of the width-16 internal matrix (all-ones + D), for
// AIRs that constrain the permutation round by round (prover/p2air).
func InternalDiagonal16() [16]Element {
	var d [16]Element
	for i, e := range diag16 {
		d[i] = e.element()
	}
	return d
}

// InternalDiagonal24 is InternalDiagonal16 for width 24.
func InternalDiagonal24() [24]Element {
	var d [24]Element
	for i, e := range diag24 {
		d[i] = e.element()
	}
	return d
}

// roundConstants holds one width's permutation constants in Montgomery form. The layout is read by
// the assembly kernels: full-round keys for the first half, then the partial-round keys, then the
// full-round keys of the second half, all as 32-bit words.
type roundConstants struct {
	width, partial int
	keys           []uint32 // 4*width + partial + 4*width words
	diag           []uint32 // Montgomery form of each diagonal entry (scalar path)
}

func (e diagEntry) element() koalabear.Element {
	var d koalabear.Element
	if e.mul != 0 {
		d.SetUint64(uint64(e.mul))
	} else {
		var one koalabear.Element
		one.SetOne()
		d.Mul2ExpNegN(&one, e.shift)
	}
	if e.neg {
		d.Neg(&d)
	}
	return d
}

func newRoundConstants(width, partial int, diag []diagEntry) *roundConstants {
	p16, p24 := Parameters()
	params := p16
	if width == 24 {
		params = p24
	}
	c := &roundConstants{width: width, partial: partial}
	for _, rk := range params.RoundKeys {
		for _, k := range rk {
			c.keys = append(c.keys, k[0])
		}
	}
	for _, e := range diag {
		d := e.element()
		c.diag = append(c.diag, d[0])
	}
	return c
}

var constants = sync.OnceValues(func() (*roundConstants, *roundConstants) {
	return newRoundConstants(16, PartialRounds16, diag16[:]), newRoundConstants(24, PartialRounds24, diag24[:])
})

// The conditional corrections below compile to CMOV (checked with -gcflags=-S), not branches,
// which matters because whether a correction is needed is a coin flip.

func addMod(a, b uint32) uint32 {
	s := a + b
	if s >= Modulus {
		s -= Modulus
	}
	return s
}

// montMul returns a*b/2^32 mod p for a*b < 2^32*p, reduced below p.
func montMul(a, b uint32) uint32 {
	prod := uint64(a) * uint64(b)
	q := uint32(prod) * montMu
	// prod and q*p agree in their low 32 bits, so the difference of the high halves is exact.
	hi := uint32(prod>>32) - uint32((uint64(q)*Modulus)>>32)
	if int32(hi) < 0 {
		hi += Modulus
	}
	return hi
}

// externalLayer multiplies s by circ(2M4, M4, ...): M4 on each chunk of four, then every element
// gets the sum of its column position over all chunks. The sums stay below 49p < 2^64 unreduced.
func externalLayer(s []uint32) {
	var t [24]uint64
	w := len(s)
	for i := 0; i < w; i += 4 {
		a, b, c, d := uint64(s[i]), uint64(s[i+1]), uint64(s[i+2]), uint64(s[i+3])
		ab, cd := a+b, c+d
		abcd := ab + cd
		t[i] = abcd + ab + b    // 2a + 3b + c + d
		t[i+1] = abcd + b + 2*c // a + 2b + 3c + d
		t[i+2] = abcd + cd + d  // a + b + 2c + 3d
		t[i+3] = abcd + 2*a + d // 3a + b + c + 2d
	}
	var col [4]uint64
	for i := 0; i < w; i += 4 {
		col[0] += t[i]
		col[1] += t[i+1]
		col[2] += t[i+2]
		col[3] += t[i+3]
	}
	for i := range w {
		s[i] = uint32((t[i] + col[i&3]) % Modulus)
	}
}

// internalLayer multiplies s by (all-ones + diag). Its input words may be anywhere below 2p and so
// are its outputs: the partial rounds only reduce word 0 before the S-box, and the last one is
// followed by reduceAll. (montMul accepts a factor below 2p since 2p*p < 2^32*p.)
func internalLayer(s, diag []uint32) {
	var sum uint64
	for _, v := range s {
		sum += uint64(v)
	}
	total := uint32(sum % Modulus)
	for i := range s {
		s[i] = total + montMul(s[i], diag[i])
	}
}

// reduce maps [0, 2p) onto [0, p).
func reduce(x uint32) uint32 {
	if x >= Modulus {
		x -= Modulus
	}
	return x
}

// permuteScalar applies the permutation to one state of c.width Montgomery-form words.
func permuteScalar(s []uint32, c *roundConstants) {
	w := c.width
	externalLayer(s)
	fullRounds(s, c.keys[:FullRounds/2*w])
	keys := c.keys[FullRounds/2*w:]
	for r := 0; r < c.partial; r++ {
		x := addMod(reduce(s[0]), keys[r])
		s[0] = montMul(montMul(x, x), x)
		internalLayer(s, c.diag)
	}
	for i := range s {
		s[i] = reduce(s[i])
	}
	fullRounds(s, keys[c.partial:])
}

// fullRounds applies len(keys)/len(s) full rounds.
func fullRounds(s, keys []uint32) {
	for len(keys) > 0 {
		k := keys[:len(s)]
		for i, v := range s {
			// x^3 written out rather than through a helper, which the inliner would refuse.
			x := addMod(v, k[i])
			s[i] = montMul(montMul(x, x), x)
		}
		keys = keys[len(s):]
		externalLayer(s)
	}
}
