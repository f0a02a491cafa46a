package stark

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/consensys/gnark-crypto/field/koalabear/fft"
	"github.com/zkexex/zkexex/prover/hash"
)

// FRI over E: the prover commits to a codeword, folds it in halves with a random β per round
// (rolling in further codewords when the folded one reaches their height), sends the final short
// polynomial, grinds, and opens every layer at query positions drawn from the transcript. The
// verifier below is the exact procedure the recursion AIR re-implements, so it is kept linear:
// shape check, transcript replay, then one independent check per query.
//
// Codewords are evaluations over the subgroup H_{2^l} in bit-reversed order, so the points y and
// -y a fold pairs sit at positions 2j and 2j+1. A codeword of height 2^l claims degree
// < 2^(l-LogBlowup).

// FRIParams is FRI's own parameter set (a STARK's Params carry it; see Params.FRI).
type FRIParams struct {
	LogBlowup       int // rate 2^-LogBlowup of every input codeword
	NumQueries      int
	PoWBits         int // grinding before the query indices are drawn
	LogFinalPolyLen int // folding stops at 2^LogFinalPolyLen coefficients
}

// FRIProofOf is FRI's part of a proof.
type FRIProofOf[D Digest] struct {
	Roots     []D // one commitment per folding round
	FinalPoly []E // coefficients, 2^LogFinalPolyLen of them
	PoWNonce  uint32
	Queries   []FRIQueryOf[D] // one per query
}

// FRIProof is a FRIProofOf in the default configuration.
type FRIProof = FRIProofOf[hash.Digest]

// FRIQueryOf opens, for one query, the pair of values each round folds: one row of eight base
// elements (the coordinates of f(y) then of f(-y)) with its Merkle path.
type FRIQueryOf[D Digest] struct {
	Steps []BatchOpeningOf[D]
}

// FRIQuery is a FRIQueryOf in the default configuration.
type FRIQuery = FRIQueryOf[hash.Digest]

// ShapeError reports a proof part of the wrong size. It wraps ErrInvalidProof.
type ShapeError struct {
	What          string
	Expected, Got int
}

func (e *ShapeError) Error() string {
	return fmt.Sprintf("stark: invalid proof: %s: expected %d, got %d", e.What, e.Expected, e.Got)
}

// Unwrap makes errors.Is(err, ErrInvalidProof) hold.
func (e *ShapeError) Unwrap() error { return ErrInvalidProof }

func checkCount(what string, expected, got int) error {
	if expected != got {
		return &ShapeError{What: what, Expected: expected, Got: got}
	}
	return nil
}

// ErrFRI marks a FRI query whose values are inconsistent with the folding or the final polynomial.
var ErrFRI = errors.New("stark: FRI check failed")

// friFinalLog is the log size of the last folded codeword.
func (p FRIParams) friFinalLog() int { return p.LogBlowup + p.LogFinalPolyLen }

// checkInputHeights validates the log heights of FRI's input codewords: strictly decreasing, the
// tallest at most 2^maxSampleBits (query indices are drawn from it), none below the final layer.
func (p FRIParams) checkInputHeights(logHeights []int) error {
	if len(logHeights) == 0 {
		return fmt.Errorf("stark: FRI without inputs")
	}
	for i, l := range logHeights {
		if l < p.friFinalLog() || l > maxSampleBits || (i > 0 && l >= logHeights[i-1]) {
			return fmt.Errorf("stark: FRI input heights %v not strictly decreasing in [%d, %d]", logHeights, p.friFinalLog(), maxSampleBits)
		}
	}
	return nil
}

// friProve proves that inputs (bit-reversed codewords of strictly decreasing heights) are close to
// polynomials of degree below their height over the blowup, continuing transcript t. It returns
// the proof and the query indices (in the tallest input's domain) at which the caller must open
// the commitments its inputs were derived from. skipDegreeCheck lets tests prove false claims.
func friProve[D Digest](ctx context.Context, params FRIParams, t challenger[D], inputs [][]E, doms *domains, st *Stats, skipDegreeCheck bool) (FRIProofOf[D], []uint64, error) {
	var proof FRIProofOf[D]
	logHeights := make([]int, len(inputs))
	for i, in := range inputs {
		logHeights[i] = log2Exact(len(in))
	}
	if err := params.checkInputHeights(logHeights); err != nil {
		return proof, nil, err
	}
	L, lf := logHeights[0], params.friFinalLog()

	// Commit phase.
	t.ObserveLabel("fri")
	folded := inputs[0]
	next := 1
	var layers []*mmcsTree[D]
	for l := L; l > lf; l-- {
		var tree *mmcsTree[D]
		var err error
		timed(&st.Hash, func() { tree, err = commitMatrices[D]([]*Matrix{pairMatrix(folded)}) })
		if err != nil {
			return proof, nil, err
		}
		layers = append(layers, tree)
		proof.Roots = append(proof.Roots, tree.root())
		t.ObserveDigest(tree.root())
		beta := t.SampleExt()
		timed(&st.FRI, func() {
			folded = foldLayer(folded, l, beta)
			if next < len(inputs) && logHeights[next] == l-1 {
				rollIn(folded, inputs[next], beta)
				next++
			}
		})
		if err := ctx.Err(); err != nil {
			return proof, nil, err
		}
	}

	// The last codeword, over H_{2^lf} in bit-reversed order, is interpolated and sent in full.
	final := 1 << uint(params.LogFinalPolyLen)
	poly := interpolateExt(doms, folded)
	for i := final; i < len(poly); i++ {
		if !poly[i].IsZero() && !skipDegreeCheck {
			return proof, nil, fmt.Errorf("stark: FRI final polynomial has degree >= %d (prover bug or unchecked trace)", final)
		}
	}
	proof.FinalPoly = poly[:final]
	t.ObserveLabel("final")
	t.ObserveExt(proof.FinalPoly...)

	s := time.Now()
	nonce, err := t.Grind(ctx, params.PoWBits)
	st.PoW += time.Since(s)
	if err != nil {
		return proof, nil, err
	}
	proof.PoWNonce = nonce

	// Query phase.
	indices := make([]uint64, params.NumQueries)
	for q := range indices {
		if indices[q], err = t.SampleBits(L); err != nil {
			return proof, nil, err
		}
		var fq FRIQueryOf[D]
		for r, tree := range layers {
			fq.Steps = append(fq.Steps, tree.open(indices[q]>>uint(r+1), L-r-1))
		}
		proof.Queries = append(proof.Queries, fq)
	}
	return proof, indices, nil
}

// pairMatrix lays out a codeword as rows (f(y), f(-y)) of eight base columns.
func pairMatrix(v []E) *Matrix {
	half := len(v) / 2
	m := NewMatrix(8, half)
	parallelFor(half, 1<<12, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			c0, c1 := extCoeffs(&v[2*j]), extCoeffs(&v[2*j+1])
			for k := 0; k < 4; k++ {
				m.Cols[k][j], m.Cols[4+k][j] = c0[k], c1[k]
			}
		}
	})
	return m
}

// rollIn adds β²·in to folded: the input enters at the round whose folded codeword has its height,
// with a fresh power of β so that it cannot cancel what was folded before.
func rollIn(folded, in []E, beta E) {
	var b2 E
	b2.Square(&beta)
	parallelFor(len(folded), 1<<12, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			var tmp E
			tmp.Mul(&in[j], &b2)
			folded[j].Add(&folded[j], &tmp)
		}
	})
}

// interpolateExt returns the natural-order coefficients of a bit-reversed codeword over H.
func interpolateExt(doms *domains, v []E) []E {
	l := log2Exact(len(v))
	coords := make([][]F, 4)
	for j := range coords {
		coords[j] = make([]F, len(v))
		for i := range v {
			coords[j][i] = extCoeffs(&v[i])[j]
		}
		doms.get(l).FFTInverse(coords[j], fft.DIT, fft.WithNbTasks(1))
	}
	poly := make([]E, len(v))
	for i := range poly {
		poly[i] = extFromCoeffs(coords[0][i], coords[1][i], coords[2][i], coords[3][i])
	}
	return poly
}

// friChallenges are FRI's verifier challenges, in transcript order.
type friChallenges struct {
	betas   []E
	powErr  error // the grinding check, recorded so that replay can continue past it
	indices []uint64
}

// friReplay moves transcript t through FRI exactly as friProve did and returns the challenges.
// The proof must have passed friCheckShape.
func friReplay[D Digest](params FRIParams, logMax int, t challenger[D], proof *FRIProofOf[D]) (friChallenges, error) {
	var ch friChallenges
	t.ObserveLabel("fri")
	for _, root := range proof.Roots {
		t.ObserveDigest(root)
		ch.betas = append(ch.betas, t.SampleExt())
	}
	t.ObserveLabel("final")
	t.ObserveExt(proof.FinalPoly...)
	ch.powErr = t.CheckPoW(params.PoWBits, proof.PoWNonce)
	for range proof.Queries {
		idx, err := t.SampleBits(logMax)
		if err != nil {
			return ch, fmt.Errorf("%w: %w", ErrInvalidProof, err)
		}
		ch.indices = append(ch.indices, idx)
	}
	return ch, nil
}

// friCheckShape checks every count in a FRI proof against the parameters and input heights.
func friCheckShape[D Digest](params FRIParams, logHeights []int, proof *FRIProofOf[D]) error {
	if err := params.checkInputHeights(logHeights); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidProof, err)
	}
	rounds := logHeights[0] - params.friFinalLog()
	if err := checkCount("FRI rounds", rounds, len(proof.Roots)); err != nil {
		return err
	}
	if err := checkCount("FRI final polynomial length", 1<<uint(params.LogFinalPolyLen), len(proof.FinalPoly)); err != nil {
		return err
	}
	if err := checkCount("FRI queries", params.NumQueries, len(proof.Queries)); err != nil {
		return err
	}
	for q := range proof.Queries {
		if err := checkCount(fmt.Sprintf("FRI query %d steps", q), rounds, len(proof.Queries[q].Steps)); err != nil {
			return err
		}
	}
	return nil
}

// friVerify checks a FRI proof for input codewords of the given log heights (strictly
// decreasing), continuing transcript t. For each query, openInputs authenticates the caller's own
// commitments at index idx of the tallest domain and returns every input codeword's value there
// (input i at position idx >> (logHeights[0] - logHeights[i])).
func friVerify[D Digest](params FRIParams, logHeights []int, t challenger[D], proof *FRIProofOf[D], openInputs func(q int, idx uint64) ([]E, error)) error {
	if err := friCheckShape(params, logHeights, proof); err != nil {
		return err
	}
	ch, err := friReplay(params, logHeights[0], t, proof)
	if err != nil {
		return err
	}
	if ch.powErr != nil {
		return fmt.Errorf("%w: %w", ErrInvalidProof, ch.powErr)
	}
	for q, idx := range ch.indices {
		evals, err := openInputs(q, idx)
		if err != nil {
			return err
		}
		if err := checkCount("FRI input values", len(logHeights), len(evals)); err != nil {
			return err
		}
		if err := friCheckQuery(logHeights, ch.betas, proof, q, idx, evals); err != nil {
			return err
		}
	}
	return nil
}

// friCheckQuery follows one query through every round: the opened pair authenticates against the
// round's root, the value at the query's side equals the previous fold (plus any input rolled in),
// and the last fold equals the final polynomial at the query's point.
func friCheckQuery[D Digest](logHeights []int, betas []E, proof *FRIProofOf[D], q int, idx uint64, evals []E) error {
	L := logHeights[0]
	eval, cur, next := evals[0], idx, 1
	var half F
	half.SetUint64(2)
	half.Inverse(&half)
	for r, root := range proof.Roots {
		l := L - r
		st := &proof.Queries[q].Steps[r]
		if err := verifyBatch(root, []matrixShape{{LogHeight: l - 1, Width: 8}}, cur>>1, l-1, st); err != nil {
			return fmt.Errorf("%w: query %d, FRI round %d: %w", ErrInvalidProof, q, r, err)
		}
		row := st.Rows[0]
		pair := [2]E{extFromCoeffs(row[0], row[1], row[2], row[3]), extFromCoeffs(row[4], row[5], row[6], row[7])}
		if !pair[cur&1].Equal(&eval) {
			return fmt.Errorf("%w: %w: query %d, round %d value does not match the previous fold", ErrInvalidProof, ErrFRI, q, r)
		}
		// The pair sits at ±y with y = ω_{2^l}^bitrev(cur with its low bit cleared).
		inv2y := baseExp(rootOfUnity(l), reverseBits(cur&^1, l))
		inv2y.Double(&inv2y)
		inv2y.Inverse(&inv2y)
		eval = foldPair(&pair[0], &pair[1], &betas[r], &inv2y, &half)
		cur >>= 1
		if next < len(logHeights) && logHeights[next] == l-1 {
			var b2 E
			b2.Square(&betas[r])
			b2.Mul(&b2, &evals[next])
			eval.Add(&eval, &b2)
			next++
		}
	}
	lf := L - len(proof.Roots)
	y := baseExp(rootOfUnity(lf), reverseBits(cur, lf))
	if fv := evalExtPolyAtBase(proof.FinalPoly, y); !fv.Equal(&eval) {
		return fmt.Errorf("%w: %w: query %d, final polynomial does not match", ErrInvalidProof, ErrFRI, q)
	}
	return nil
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
