package stark

import (
	"errors"
	"fmt"
	"math"

	"github.com/zkexex/zkexex/prover/hash"
)

// ErrInvalidProof is wrapped by every verification failure.
var ErrInvalidProof = errors.New("stark: invalid proof")

// VerifierConfig is the verifier's policy.
type VerifierConfig struct {
	// MinSecurityBits rejects proofs whose parameter set, for the statement's actual shape, is
	// conjectured to give fewer bits.
	MinSecurityBits float64
}

// DefaultVerifierConfig requires 100 conjectured bits.
func DefaultVerifierConfig() VerifierConfig { return VerifierConfig{MinSecurityBits: 100} }

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidProof, fmt.Sprintf(format, args...))
}

// ShapeOf returns the soundness-relevant shape of a statement of this AIR with the given table
// heights (log2 rows).
func (vk *VerifyingKey) ShapeOf(logH []int) Shape {
	air := vk.air
	sh := Shape{}
	lookups := 0.0
	for i, t := range air.tables {
		sh.MaxLogHeight = max(sh.MaxLogHeight, logH[i])
		sh.MaxDegree = max(sh.MaxDegree, air.degrees[i])
		sh.NumConstraints += air.numCompositionTerms(i)
		K := len(t.interactions)
		if K > 0 {
			sh.HasInteractions = true
			lookups += float64(K) * math.Ldexp(1, logH[i])
		}
		sh.NumOpenings += 2 * (len(t.preCols) + len(t.cols) + air.numPermCols(i) + 4*(1<<uint(air.quotientLog(i))))
		for _, in := range t.interactions {
			sh.MaxTupleWidth = max(sh.MaxTupleWidth, len(in.values))
		}
	}
	if lookups > 0 {
		sh.LogLookupTerms = int(math.Ceil(math.Log2(lookups)))
	}
	return sh
}

type verifier struct {
	vk     *VerifyingKey
	air    *AIR
	proof  *Proof
	public []F
	b      int
	L      int
	bs     []bucket
}

// Verify checks proof against the statement (vk, public) under cfg.
func Verify(vk *VerifyingKey, proof *Proof, public []F, cfg VerifierConfig) error {
	if vk == nil || proof == nil {
		return invalid("nil key or proof")
	}
	v := &verifier{vk: vk, air: vk.air, proof: proof, public: public}
	if err := v.checkShape(cfg); err != nil {
		return err
	}
	return v.run()
}

func (v *verifier) checkShape(cfg VerifierConfig) error {
	p := v.proof
	air := v.air
	if err := p.Params.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidProof, err)
	}
	if p.Params.LogBlowup != v.vk.logBlowup {
		return invalid("log blowup %d, key made for %d", p.Params.LogBlowup, v.vk.logBlowup)
	}
	v.b = p.Params.LogBlowup
	if len(v.public) != air.numPublic {
		return fmt.Errorf("%w: %w: got %d, want %d", ErrInvalidProof, ErrPublicValues, len(v.public), air.numPublic)
	}
	T := len(air.tables)
	if len(p.LogHeights) != T || len(p.LogUpSums) != T || len(p.Openings) != T {
		return invalid("proof covers a different number of tables")
	}
	for i, lh := range p.LogHeights {
		if lh < max(minLogHeight, p.Params.LogFinalPolyLen) || lh+v.b > maxSampleBits {
			return invalid("table %d height 2^%d out of range", i, lh)
		}
		if pl := v.vk.preLogHeight[i]; pl >= 0 && pl != lh {
			return invalid("table %d height 2^%d differs from its preprocessed height 2^%d", i, lh, pl)
		}
	}
	sound := p.Params.Soundness(v.vk.ShapeOf(p.LogHeights))
	if sound.Total < cfg.MinSecurityBits {
		return fmt.Errorf("%w: %w: %.1f conjectured bits, need %.1f (%s)", ErrInvalidProof, ErrParams, sound.Total, cfg.MinSecurityBits, sound)
	}
	for i, t := range air.tables {
		o := &p.Openings[i]
		q := 4 * (1 << uint(air.quotientLog(i)))
		for pt := 0; pt < 2; pt++ {
			if len(o.Pre[pt]) != len(t.preCols) || len(o.Main[pt]) != len(t.cols) ||
				len(o.Perm[pt]) != air.numPermCols(i) || len(o.Quot[pt]) != q {
				return invalid("table %s: opened values of the wrong shape", t.name)
			}
		}
		if len(t.interactions) == 0 && !p.LogUpSums[i].IsZero() {
			return invalid("table %s has no interactions but a nonzero LogUp sum", t.name)
		}
	}
	v.bs = buckets(p.LogHeights, v.b)
	v.L = v.bs[0].logLDE
	lf := v.b + p.Params.LogFinalPolyLen
	if len(p.FRIRoots) != v.L-lf || len(p.FinalPoly) != 1<<uint(p.Params.LogFinalPolyLen) {
		return invalid("FRI layer count or final polynomial length is wrong")
	}
	if len(p.Queries) != p.Params.NumQueries {
		return invalid("%d queries, parameters say %d", len(p.Queries), p.Params.NumQueries)
	}
	for _, q := range p.Queries {
		if len(q.Steps) != len(p.FRIRoots) {
			return invalid("query with %d FRI steps, want %d", len(q.Steps), len(p.FRIRoots))
		}
	}
	return nil
}

// challenges are every verifier challenge of a proof, in transcript order.
type challenges struct {
	beta, gamma, alpha, zeta, falpha E
	betas                            []E
	powErr                           error
	indices                          []uint64
	tail                             E // one more draw after the last query index: a fingerprint of the final state
}

// replay runs the Fiat-Shamir transcript over the proof, exactly as the prover did, and returns
// every challenge. It checks nothing but the grinding (whose failure it records).
func (v *verifier) replay() (challenges, error) {
	p := v.proof
	var ch challenges
	t := newProofTranscript(v.vk, p.Params, p.LogHeights, v.public)
	t.ObserveLabel("main")
	t.ObserveDigest(p.MainRoot)
	t.ObserveLabel("logup")
	ch.beta, ch.gamma = t.SampleExt(), t.SampleExt()
	t.ObserveExt(p.LogUpSums...)
	t.ObserveDigest(p.PermRoot)
	t.ObserveLabel("quotient")
	ch.alpha = t.SampleExt()
	t.ObserveDigest(p.QuotRoot)
	t.ObserveLabel("zeta")
	ch.zeta = sampleOOD(t)
	t.ObserveLabel("openings")
	observeOpenings(t, p.Openings)
	t.ObserveLabel("fri")
	ch.falpha = t.SampleExt()
	ch.betas = make([]E, len(p.FRIRoots))
	for r, root := range p.FRIRoots {
		t.ObserveDigest(root)
		ch.betas[r] = t.SampleExt()
	}
	t.ObserveLabel("final")
	t.ObserveExt(p.FinalPoly...)
	ch.powErr = t.CheckPoW(p.Params.PoWBits, p.PoWNonce)
	for range p.Queries {
		idx, err := t.SampleBits(v.L)
		if err != nil {
			return ch, fmt.Errorf("%w: %w", ErrInvalidProof, err)
		}
		ch.indices = append(ch.indices, idx)
	}
	ch.tail = t.SampleExt()
	return ch, nil
}

func (v *verifier) run() error {
	p := v.proof
	air := v.air
	ch, err := v.replay()
	if err != nil {
		return err
	}
	zeta := ch.zeta
	var total E
	for _, s := range p.LogUpSums {
		total.Add(&total, &s)
	}
	if !total.IsZero() {
		return fmt.Errorf("%w: %w", ErrInvalidProof, ErrUnbalancedBus)
	}
	for i := range air.tables {
		if err := v.checkConstraintsAt(i, zeta, ch.alpha, ch.beta, ch.gamma); err != nil {
			return err
		}
	}
	if ch.powErr != nil {
		return fmt.Errorf("%w: %w", ErrInvalidProof, ch.powErr)
	}
	falpha, betas := ch.falpha, ch.betas
	roots := [numInputRounds]hash.Digest{v.vk.preRoot, p.MainRoot, p.PermRoot, p.QuotRoot}
	shapes := v.inputShapes()
	type bucketClaim struct {
		apow   []E
		a0, a1 E
		zw     E
		K      int
	}
	claims := make([]bucketClaim, len(v.bs))
	for j, bk := range v.bs {
		K := numBucketColumns(p.Openings, bk)
		c := bucketClaim{apow: extPowers(falpha, K+1), K: K}
		c.a0, c.a1, _ = reducedClaims(p.Openings, bk, c.apow)
		c.zw.MulByElement(&zeta, ptr(rootOfUnity(bk.logLDE-v.b)))
		claims[j] = c
	}
	var half F
	half.SetUint64(2)
	half.Inverse(&half)
	for qi := range p.Queries {
		q := &p.Queries[qi]
		idx := ch.indices[qi]
		for r := 0; r < numInputRounds; r++ {
			if err := verifyBatch(roots[r], shapes[r].shapes, idx, v.L, &q.Inputs[r]); err != nil {
				return fmt.Errorf("%w: query %d, input round %d: %w", ErrInvalidProof, qi, r, err)
			}
		}
		// Reduced openings of every bucket at this query.
		ro := map[int]E{}
		for j, bk := range v.bs {
			row := idx >> uint(v.L-bk.logLDE)
			x := cosetShift()
			w := baseExp(rootOfUnity(bk.logLDE), reverseBits(row, bk.logLDE))
			x.Mul(&x, &w)
			var acc E
			k := 0
			for _, ti := range bk.tables {
				for r := 0; r < numInputRounds; r++ {
					pos := shapes[r].pos[ti]
					if pos < 0 {
						continue
					}
					for _, f := range q.Inputs[r].Rows[pos] {
						var tmp E
						tmp.MulByElement(&claims[j].apow[k], &f)
						acc.Add(&acc, &tmp)
						k++
					}
				}
			}
			var xe, d0, d1, u, w2 E
			xe.B0.A0 = x
			d0.Sub(&xe, &zeta)
			d1.Sub(&xe, &claims[j].zw)
			d0.Inverse(&d0)
			d1.Inverse(&d1)
			u.Sub(&acc, &claims[j].a0)
			u.Mul(&u, &d0)
			w2.Sub(&acc, &claims[j].a1)
			w2.Mul(&w2, &d1)
			w2.Mul(&w2, &claims[j].apow[claims[j].K])
			u.Add(&u, &w2)
			ro[bk.logLDE] = u
		}
		eval := ro[v.L]
		cur := idx
		for r := range p.FRIRoots {
			l := v.L - r
			st := &q.Steps[r]
			if err := verifyBatch(p.FRIRoots[r], []matrixShape{{LogHeight: l - 1, Width: 8}}, cur>>1, l-1, st); err != nil {
				return fmt.Errorf("%w: query %d, FRI round %d: %w", ErrInvalidProof, qi, r, err)
			}
			row := st.Rows[0]
			e0 := extFromCoeffs(row[0], row[1], row[2], row[3])
			e1 := extFromCoeffs(row[4], row[5], row[6], row[7])
			own := e0
			if cur&1 == 1 {
				own = e1
			}
			if !own.Equal(&eval) {
				return invalid("query %d: FRI round %d value does not match the fold", qi, r)
			}
			y := baseExp(rootOfUnity(l), reverseBits(cur&^1, l))
			y.Double(&y)
			y.Inverse(&y)
			eval = foldPair(&e0, &e1, &betas[r], &y, &half)
			cur >>= 1
			if rv, ok := ro[l-1]; ok {
				var b2 E
				b2.Square(&betas[r])
				b2.Mul(&b2, &rv)
				eval.Add(&eval, &b2)
			}
		}
		lf := v.L - len(p.FRIRoots)
		y := baseExp(rootOfUnity(lf), reverseBits(cur, lf))
		fv := evalExtPolyAtBase(p.FinalPoly, y)
		if !fv.Equal(&eval) {
			return invalid("query %d: final polynomial does not match", qi)
		}
	}
	return nil
}

type roundShapes struct {
	shapes []matrixShape
	pos    []int // per table, index of its matrix in the round, -1 if none
}

func (v *verifier) inputShapes() [numInputRounds]roundShapes {
	var out [numInputRounds]roundShapes
	air := v.air
	for r := range out {
		out[r].pos = make([]int, len(air.tables))
	}
	for i, t := range air.tables {
		lh := v.proof.LogHeights[i] + v.b
		add := func(r, width int) {
			if width == 0 {
				out[r].pos[i] = -1
				return
			}
			out[r].pos[i] = len(out[r].shapes)
			out[r].shapes = append(out[r].shapes, matrixShape{LogHeight: lh, Width: width})
		}
		if v.vk.preLogHeight[i] >= 0 {
			add(roundPre, len(t.preCols))
		} else {
			add(roundPre, 0)
		}
		add(roundMain, len(t.cols))
		add(roundPerm, air.numPermCols(i))
		add(roundQuot, 4*(1<<uint(air.quotientLog(i))))
	}
	return out
}

// checkConstraintsAt recomputes table i's composition at ζ from the opened values and compares
// it with Z_H(ζ)·Q(ζ).
func (v *verifier) checkConstraintsAt(i int, zeta, alpha, beta, gamma E) error {
	air := v.air
	t := air.tables[i]
	p := air.progs[i]
	o := &v.proof.Openings[i]
	logN := v.proof.LogHeights[i]
	n := uint64(1) << uint(logN)
	slots := make([]E, p.nSlots)
	for c := 0; c < p.width; c++ {
		slots[p.mainSlot(c, false)] = o.Main[0][c]
		slots[p.mainSlot(c, true)] = o.Main[1][c]
	}
	for c := 0; c < p.preWidth; c++ {
		slots[p.preSlot(c, false)] = o.Pre[0][c]
		slots[p.preSlot(c, true)] = o.Pre[1][c]
	}
	for j := 0; j < p.numPub; j++ {
		slots[p.pubSlot(j)] = lift(v.public[j])
	}
	for j, c := range p.consts {
		slots[p.constSlot(j)] = lift(c)
	}
	for k := 0; k < p.numPerm; k++ {
		slots[p.permSlot(k, false)] = extFromComponents(o.Perm[0][4*k : 4*k+4])
		slots[p.permSlot(k, true)] = extFromComponents(o.Perm[1][4*k : 4*k+4])
	}
	if p.numChal > 0 {
		copy(slots[p.chalSlot(0):], append([]E{beta}, extPowers(gamma, p.numChal)[1:]...))
	}
	slots[p.sumSlot()] = v.proof.LogUpSums[i]
	p.evalExt(slots)
	defs := air.defs[i]
	apow := extPowers(alpha, len(defs))
	var g [4]E
	for k, c := range defs {
		var tmp E
		tmp.Mul(&slots[p.outputs[k]], &apow[k])
		g[c.sel].Add(&g[c.sel], &tmp)
	}
	var one E
	one.SetOne()
	zh := extExp(zeta, n)
	zh.Sub(&zh, &one)
	wInv := rootOfUnity(logN)
	wInv.Inverse(&wInv)
	var zm1, zmw, tmp E
	zm1.Sub(&zeta, &one)
	zmw = zeta
	zmw.B0.A0.Sub(&zmw.B0.A0, &wInv)
	lhs := g[EveryRow]
	tmp.Div(&zh, &zm1)
	tmp.Mul(&tmp, &g[FirstRow])
	lhs.Add(&lhs, &tmp)
	tmp.Div(&zh, &zmw)
	tmp.Mul(&tmp, &g[LastRow])
	lhs.Add(&lhs, &tmp)
	tmp.Mul(&zmw, &g[Transition])
	lhs.Add(&lhs, &tmp)
	var qz E
	zn := extExp(zeta, n)
	var zpow E
	zpow.SetOne()
	for r := 0; r < len(o.Quot[0])/4; r++ {
		qr := extFromComponents(o.Quot[0][4*r : 4*r+4])
		qr.Mul(&qr, &zpow)
		qz.Add(&qz, &qr)
		zpow.Mul(&zpow, &zn)
	}
	qz.Mul(&qz, &zh)
	if !qz.Equal(&lhs) {
		return invalid("table %s: constraints do not hold at the out-of-domain point", t.name)
	}
	return nil
}
