package stark

import (
	"fmt"
	"slices"

	"github.com/consensys/gnark-crypto/field/koalabear/extensions"
)

// The DEEP step turns the STARK's claims "polynomial f_c takes value v_c at ζ (and ζω)" into
// codewords that are low-degree exactly when the claims hold; FRI (fri.go) then tests them.

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

// reduce computes ro(x) = (A(x) - A(ζ))/(x - ζ) + α^K·(A(x) - A(ζω))/(x - ζω) over a bucket's
// LDE domain (bit-reversed), where A = Σ_c α^c f_c runs over all its committed columns.
func (pr *prover[D]) reduce(bk bucket, ops []TableOpening, alpha E, zeta E) []E {
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
	// Blocks small enough that the accumulator and denominators stay in cache while every
	// column streams through once.
	const block = 512
	parallelFor(N, 4*block, func(lo, hi int) {
		acc := make(extensions.Vector, block)
		d0, d1, i0, i1, scratch := make([]E, block), make([]E, block), make([]E, block), make([]E, block), make([]E, block)
		for blo := lo; blo < hi; blo += block {
			n := min(block, hi-blo)
			a := acc[:n]
			for j := range a {
				a[j].SetZero()
			}
			for c, col := range cols {
				a.MulAccByElement(col[blo:blo+n], &apow[c])
			}
			for j := 0; j < n; j++ {
				xe := lift(x[blo+j])
				d0[j].Sub(&xe, &zeta)
				d1[j].Sub(&xe, &zw)
			}
			invertInto(i0[:n], d0[:n], scratch)
			invertInto(i1[:n], d1[:n], scratch)
			for j := 0; j < n; j++ {
				var u, v E
				u.Sub(&a[j], &a0)
				u.Mul(&u, &i0[j])
				v.Sub(&a[j], &a1)
				v.Mul(&v, &i1[j])
				v.Mul(&v, &apow[K])
				ro[blo+j].Add(&u, &v)
			}
		}
	})
	return ro
}

// invertInto sets dst[j] = 1/src[j] for nonzero src by Montgomery's trick (one inversion),
// using scratch (len >= len(src)) for the prefix products.
func invertInto(dst, src, scratch []E) {
	var acc E
	acc.SetOne()
	for j := range src {
		scratch[j] = acc
		acc.Mul(&acc, &src[j])
	}
	acc.Inverse(&acc)
	for j := len(src) - 1; j >= 0; j-- {
		dst[j].Mul(&acc, &scratch[j])
		acc.Mul(&acc, &src[j])
	}
}

// deepClaim is what the verifier precomputes per bucket: the batching powers, the batched claimed
// values at ζ and ζω, and ζω itself.
type deepClaim struct {
	apow   []E
	a0, a1 E
	zw     E
	K      int
}

func (v *verifier[D]) deepClaims(zeta, deepAlpha E) []deepClaim {
	claims := make([]deepClaim, len(v.bs))
	for j, bk := range v.bs {
		K := numBucketColumns(v.proof.Openings, bk)
		c := deepClaim{apow: extPowers(deepAlpha, K+1), K: K}
		c.a0, c.a1, _ = reducedClaims(v.proof.Openings, bk, c.apow)
		c.zw.MulByElement(&zeta, ptr(rootOfUnity(bk.logLDE-v.b)))
		claims[j] = c
	}
	return claims
}

// deepAt authenticates query q's opened rows at idx against the four input commitments and
// returns each bucket's DEEP quotient there: (A(x) - A(ζ))/(x - ζ) + α^K·(A(x) - A(ζω))/(x - ζω)
// with A the batched opened row and x the query's point in the bucket's LDE domain.
func (v *verifier[D]) deepAt(q int, idx uint64, shapes [numInputRounds]roundShapes, zeta E, claims []deepClaim) ([]E, error) {
	qp := &v.proof.Queries[q]
	roots := [numInputRounds]D{v.vk.preRoot, v.proof.MainRoot, v.proof.PermRoot, v.proof.QuotRoot}
	L := v.bs[0].logLDE
	for r := 0; r < numInputRounds; r++ {
		if err := verifyBatch(roots[r], shapes[r].shapes, idx, L, &qp.Inputs[r]); err != nil {
			return nil, fmt.Errorf("%w: query %d, input round %d: %w", ErrInvalidProof, q, r, err)
		}
	}
	out := make([]E, len(v.bs))
	for j, bk := range v.bs {
		c := &claims[j]
		row := idx >> uint(L-bk.logLDE)
		x := baseExp(rootOfUnity(bk.logLDE), reverseBits(row, bk.logLDE))
		x.Mul(&x, ptr(cosetShift()))
		var acc E
		k := 0
		for _, ti := range bk.tables {
			for r := 0; r < numInputRounds; r++ {
				if pos := shapes[r].pos[ti]; pos >= 0 {
					for _, f := range qp.Inputs[r].Rows[pos] {
						var tmp E
						tmp.MulByElement(&c.apow[k], &f)
						acc.Add(&acc, &tmp)
						k++
					}
				}
			}
		}
		xe := lift(x)
		var d0, d1, u, w E
		d0.Sub(&xe, &zeta)
		d1.Sub(&xe, &c.zw)
		d0.Inverse(&d0)
		d1.Inverse(&d1)
		u.Sub(&acc, &c.a0)
		u.Mul(&u, &d0)
		w.Sub(&acc, &c.a1)
		w.Mul(&w, &d1)
		w.Mul(&w, &c.apow[c.K])
		out[j].Add(&u, &w)
	}
	return out, nil
}
