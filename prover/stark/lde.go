package stark

import (
	"fmt"
	"math/bits"
	"sync"

	"github.com/consensys/gnark-crypto/field/koalabear"
	"github.com/consensys/gnark-crypto/field/koalabear/fft"
	"github.com/consensys/gnark-crypto/utils"
)

// domains caches gnark-crypto FFT domains (twiddles and coset tables) by log size for one proof.
type domains struct {
	mu sync.Mutex
	m  map[int]*fft.Domain
}

func newDomains() *domains { return &domains{m: map[int]*fft.Domain{}} }

func (d *domains) get(logN int) *fft.Domain {
	d.mu.Lock()
	defer d.mu.Unlock()
	if dom, ok := d.m[logN]; ok {
		return dom
	}
	dom := fft.NewDomain(uint64(1)<<uint(logN), fft.WithShift(cosetShift()))
	d.m[logN] = dom
	return dom
}

// extendCoeffs evaluates a polynomial given by natural-order coefficients (len <= N) over the
// coset g·H_N, writing bit-reversed evaluations into out (len N). coeffs may be a prefix of out.
func (d *domains) extendCoeffs(coeffs []F, out []F) {
	if len(coeffs) > 0 && &coeffs[0] != &out[0] {
		copy(out, coeffs)
	}
	clear(out[len(coeffs):])
	d.get(log2Exact(len(out))).FFT(out, fft.DIF, fft.OnCoset(), fft.WithNbTasks(1))
}

// lde computes the low-degree extension of every column of m (natural-order evaluations over H_n)
// onto g·H_{n·2^logBlowup}, bit-reversed. Columns run in parallel; each is gathered into
// bit-reversed order in its output column (the inverse DIT FFT's input order, so no separate
// bit-reversal pass), interpolated there, zero-padded and extended in place.
func (d *domains) lde(m *Matrix, logBlowup int) *Matrix {
	n := m.Height
	logN := log2Exact(n)
	N := n << uint(logBlowup)
	out := NewMatrix(m.Width(), N)
	small, big := d.get(logN), d.get(log2Exact(N))
	parallelEach(m.Width(), func(c int) {
		col, src := out.Cols[c], m.Cols[c]
		shift := 64 - uint(logN)
		if logN == 0 {
			col[0] = src[0]
		} else {
			for i := range src {
				col[i] = src[bits.Reverse64(uint64(i))>>shift]
			}
		}
		small.FFTInverse(col[:n], fft.DIT, fft.WithNbTasks(1))
		clear(col[n:])
		big.FFT(col, fft.DIF, fft.OnCoset(), fft.WithNbTasks(1))
	})
	return out
}

// cosetPoints returns the points x_i = g·ω_N^{bitrev(i)} of the LDE domain in storage order.
func cosetPoints(logN int) []F {
	N := 1 << uint(logN)
	pts := make([]F, N)
	w := rootOfUnity(logN)
	fft.BuildExpTable(w, pts)
	g := cosetShift()
	v := koalabear.Vector(pts)
	v.ScalarMul(v, &g)
	utils.BitReverse(pts)
	return pts
}

// evalExtPolyAtBase evaluates natural-order coefficients over E at a base point by Horner's rule.
func evalExtPolyAtBase(coeffs []E, x F) E {
	var acc E
	for i := len(coeffs) - 1; i >= 0; i-- {
		acc.MulByElement(&acc, &x)
		acc.Add(&acc, &coeffs[i])
	}
	return acc
}

// checkLogHeight rejects tables taller than KoalaBear's two-adicity allows.
func checkLogHeight(logN, logBlowup int) error {
	if logN+logBlowup > maxSampleBits {
		return fmt.Errorf("stark: LDE of 2^%d rows with blowup 2^%d exceeds the field's two-adicity", logN, logBlowup)
	}
	return nil
}
