package stark

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/consensys/gnark-crypto/field/koalabear/extensions"
	"github.com/consensys/gnark-crypto/field/koalabear/fft"
)

// bucket groups the tables whose LDEs have the same height: their openings are reduced into one
// DEEP quotient ro_h, which FRI rolls in when the folded codeword reaches 2^h.
type bucket struct {
	logLDE int
	tables []int
}

func buckets(logH []int, logBlowup int) []bucket {
	var bs []bucket
	for i, lh := range logH {
		h := lh + logBlowup
		j := slices.IndexFunc(bs, func(b bucket) bool { return b.logLDE == h })
		if j < 0 {
			bs = append(bs, bucket{logLDE: h})
			j = len(bs) - 1
		}
		bs[j].tables = append(bs[j].tables, i)
	}
	slices.SortFunc(bs, func(a, b bucket) int { return b.logLDE - a.logLDE })
	return bs
}

// openedColumns lists, for one table, the opened values in the fixed order pre, main, perm, quot.
func openedColumns(o *TableOpening, pt int) []E {
	var out []E
	out = append(out, o.Pre[pt]...)
	out = append(out, o.Main[pt]...)
	out = append(out, o.Perm[pt]...)
	return append(out, o.Quot[pt]...)
}

// reducedAt combines the claimed openings of a bucket: A(z) = Σ_c α^c·f_c(z).
func reducedClaims(ops []TableOpening, b bucket, apow []E) (a0, a1 E, k int) {
	for _, ti := range b.tables {
		v0, v1 := openedColumns(&ops[ti], 0), openedColumns(&ops[ti], 1)
		for c := range v0 {
			var t E
			t.Mul(&v0[c], &apow[k])
			a0.Add(&a0, &t)
			t.Mul(&v1[c], &apow[k])
			a1.Add(&a1, &t)
			k++
		}
	}
	return a0, a1, k
}

func numBucketColumns(ops []TableOpening, b bucket) int {
	k := 0
	for _, ti := range b.tables {
		o := &ops[ti]
		k += len(o.Pre[0]) + len(o.Main[0]) + len(o.Perm[0]) + len(o.Quot[0])
	}
	return k
}

// fri runs the DEEP reduction, the FRI commit phase, grinding and the query phase.
func (pr *prover) fri(ctx context.Context, t *Transcript, proof *Proof, zeta E, cfg proveConfig) error {
	b := pr.params.LogBlowup
	t.ObserveLabel("fri")
	falpha := t.SampleExt()
	bs := buckets(pr.logH, b)
	L := bs[0].logLDE
	ro := map[int][]E{}
	var err error
	timed(&pr.stats.FRI, func() {
		for _, bk := range bs {
			ro[bk.logLDE] = pr.reduce(bk, proof.Openings, falpha, zeta)
		}
	})
	lf := b + pr.params.LogFinalPolyLen
	folded := ro[L]
	var layers []*mmcsTree
	for l := L; l > lf; l-- {
		half := 1 << uint(l-1)
		m := NewMatrix(8, half)
		for j := 0; j < half; j++ {
			c0, c1 := extCoeffs(&folded[2*j]), extCoeffs(&folded[2*j+1])
			for k := 0; k < 4; k++ {
				m.Cols[k][j], m.Cols[4+k][j] = c0[k], c1[k]
			}
		}
		var tree *mmcsTree
		timed(&pr.stats.Hash, func() { tree, err = commitMatrices([]*Matrix{m}) })
		if err != nil {
			return err
		}
		layers = append(layers, tree)
		proof.FRIRoots = append(proof.FRIRoots, tree.root())
		t.ObserveDigest(tree.root())
		beta := t.SampleExt()
		timed(&pr.stats.FRI, func() {
			folded = foldLayer(folded, l, beta)
			if r, ok := ro[l-1]; ok {
				var b2 E
				b2.Square(&beta)
				parallelFor(len(folded), 1<<12, func(lo, hi int) {
					for j := lo; j < hi; j++ {
						var tmp E
						tmp.Mul(&r[j], &b2)
						folded[j].Add(&folded[j], &tmp)
					}
				})
			}
		})
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	// The final codeword is over H_{2^lf} in bit-reversed order; interpolate it.
	final := 1 << uint(pr.params.LogFinalPolyLen)
	coords := make([][]F, 4)
	for j := range coords {
		coords[j] = make([]F, len(folded))
		for i := range folded {
			coords[j][i] = extCoeffs(&folded[i])[j]
		}
		pr.doms.get(lf).FFTInverse(coords[j], fft.DIT, fft.WithNbTasks(1))
	}
	poly := make([]E, len(folded))
	for i := range poly {
		poly[i] = extFromCoeffs(coords[0][i], coords[1][i], coords[2][i], coords[3][i])
	}
	for i := final; i < len(poly); i++ {
		if !poly[i].IsZero() && !cfg.skipChecks {
			return fmt.Errorf("stark: FRI final polynomial has degree >= %d (prover bug or unchecked trace)", final)
		}
	}
	proof.FinalPoly = poly[:final]
	t.ObserveLabel("final")
	t.ObserveExt(proof.FinalPoly...)
	s := time.Now()
	nonce, err := t.Grind(ctx, pr.params.PoWBits)
	pr.stats.PoW += time.Since(s)
	if err != nil {
		return err
	}
	proof.PoWNonce = nonce
	for q := 0; q < pr.params.NumQueries; q++ {
		idx, err := t.SampleBits(L)
		if err != nil {
			return err
		}
		var qp QueryProof
		for r := 0; r < numInputRounds; r++ {
			qp.Inputs[r] = pr.trees[r].open(idx, L)
		}
		for r, tree := range layers {
			qp.Steps = append(qp.Steps, tree.open(idx>>uint(r+1), L-r-1))
		}
		proof.Queries = append(proof.Queries, qp)
	}
	return nil
}

// reduce computes ro(x) = (A(x) - A(ζ))/(x - ζ) + α^K·(A(x) - A(ζω))/(x - ζω) over a bucket's
// LDE domain (bit-reversed), where A = Σ_c α^c f_c runs over all its committed columns.
func (pr *prover) reduce(bk bucket, ops []TableOpening, alpha E, zeta E) []E {
	N := 1 << uint(bk.logLDE)
	logN := bk.logLDE - pr.params.LogBlowup
	K := numBucketColumns(ops, bk)
	apow := extPowers(alpha, K+1)
	var cols [][]F
	for _, ti := range bk.tables {
		if m := pr.pk.preLDE[ti]; m != nil {
			cols = append(cols, m.Cols...)
		}
		cols = append(cols, pr.mainLDE[ti].Cols...)
		if m := pr.permLDE[ti]; m != nil {
			cols = append(cols, m.Cols...)
		}
		cols = append(cols, pr.quotLDE[ti].Cols...)
	}
	a0, a1, _ := reducedClaims(ops, bk, apow)
	var zw E
	zw.MulByElement(&zeta, ptr(rootOfUnity(logN)))
	x := cosetPoints(bk.logLDE)
	ro := make([]E, N)
	parallelFor(N, 1<<10, func(lo, hi int) {
		acc := extensions.Vector(make([]E, hi-lo))
		for c, col := range cols {
			acc.MulAccByElement(col[lo:hi], &apow[c])
		}
		d0 := make([]E, hi-lo)
		d1 := make([]E, hi-lo)
		for j := range d0 {
			var xe E
			xe.B0.A0 = x[lo+j]
			d0[j].Sub(&xe, &zeta)
			d1[j].Sub(&xe, &zw)
		}
		i0 := extensions.BatchInvertE4(d0)
		i1 := extensions.BatchInvertE4(d1)
		for j := range acc {
			var u, v E
			u.Sub(&acc[j], &a0)
			u.Mul(&u, &i0[j])
			v.Sub(&acc[j], &a1)
			v.Mul(&v, &i1[j])
			v.Mul(&v, &apow[K])
			ro[lo+j].Add(&u, &v)
		}
	})
	return ro
}

// foldLayer folds a bit-reversed codeword of size 2^l over H_{2^l}: positions 2j and 2j+1 hold
// f(y) and f(-y) with y = ω^bitrev(2j), and the result at j is f_even(y²) + β·f_odd(y²).
func foldLayer(v []E, l int, beta E) []E {
	half := len(v) / 2
	ys := make([]F, half)
	fft.BuildExpTable(rootOfUnity(l), ys)
	// position j of the folded layer pairs y = ω_{2^l}^bitrev_{l-1}(j)
	yb := make([]F, half)
	for j := 0; j < half; j++ {
		yb[j] = ys[reverseBits(uint64(j), l-1)]
		yb[j].Double(&yb[j])
	}
	inv2y := batchInvertBase(yb)
	var half2 F
	half2.SetUint64(2)
	half2.Inverse(&half2)
	out := make([]E, half)
	parallelFor(half, 1<<12, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			out[j] = foldPair(&v[2*j], &v[2*j+1], &beta, &inv2y[j], &half2)
		}
	})
	return out
}

func foldPair(e0, e1, beta *E, inv2y, half *F) E {
	var s, d, r E
	s.Add(e0, e1)
	s.MulByElement(&s, half)
	d.Sub(e0, e1)
	d.MulByElement(&d, inv2y)
	d.Mul(&d, beta)
	r.Add(&s, &d)
	return r
}
