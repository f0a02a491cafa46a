package stark

import (
	"fmt"
	"sync"

	"github.com/consensys/gnark-crypto/field/koalabear"
	"github.com/consensys/gnark-crypto/field/koalabear/fft"
	"github.com/consensys/gnark-crypto/utils"
)

// domains caches gnark-crypto FFT domains (twiddles and coset tables) and LDE coset points by
// log size. They depend on nothing but the size, so one cache serves every proof of the process:
// building a 2^20 domain's tables costs about as much as several of its FFTs.
type domains struct {
	mu  sync.Mutex
	m   map[int]*fft.Domain
	pts map[int][]F
}

var sharedDomains = &domains{m: map[int]*fft.Domain{}, pts: map[int][]F{}}

func newDomains() *domains { return sharedDomains }

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
// onto g·H_{n·2^logBlowup}, bit-reversed. Columns run in parallel; each is interpolated in the
// first n cells of its (zero) output column and extended in place, with no other buffer.
func (d *domains) lde(m *Matrix, logBlowup int) *Matrix {
	n := m.Height
	N := n << uint(logBlowup)
	out := NewMatrix(m.Width(), N) // zero: the coefficients' padding
	small, big := d.get(log2Exact(n)), d.get(log2Exact(N))
	parallelEach(m.Width(), func(c int) {
		col := out.Cols[c]
		// The inverse DIT FFT wants bit-reversed input: copy it there in one pass. gnark-crypto
		// picks the plain loop for 4-byte elements, but its cache-blocked (COBRA) copy measured
		// 3.1x faster at 2^18 and 1.4x at 2^20 on this project's machines.
		if n >= 1<<10 {
			utils.BitReverseCopyCobra(col[:n], m.Cols[c])
		} else {
			utils.BitReverseCopyNaive(col[:n], m.Cols[c])
		}
		small.FFTInverse(col[:n], fft.DIT, fft.WithNbTasks(1))
		big.FFT(col, fft.DIF, fft.OnCoset(), fft.WithNbTasks(1))
	})
	return out
}

// cosetPoints returns the points x_i = g·ω_N^{bitrev(i)} of the LDE domain in storage order. The
// slice is shared: callers must not modify it.
func cosetPoints(logN int) []F {
	d := sharedDomains
	d.mu.Lock()
	pts, ok := d.pts[logN]
	d.mu.Unlock()
	if ok {
		return pts
	}
	pts = buildCosetPoints(logN)
	d.mu.Lock()
	d.pts[logN] = pts
	d.mu.Unlock()
	return pts
}

func buildCosetPoints(logN int) []F {
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
