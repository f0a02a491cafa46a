package stark

import (
	"errors"
	"fmt"
	"math"
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
func (vk *VerifyingKeyOf[D]) ShapeOf(logH []int) Shape {
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

type verifier[D Digest] struct {
	vk     *VerifyingKeyOf[D]
	air    *AIR
	proof  *ProofOf[D]
	public []F
	b      int
	bs     []bucket // tables grouped by LDE height, tallest first: FRI's inputs
}

// Verify checks proof against the statement (vk, public) under cfg. It runs in four steps: the
// proof's shape and parameters; the transcript replay; the constraints at the out-of-domain point
// (one definition per table, LogUp included); and FRI on the DEEP quotients of the openings.
func Verify[D Digest](vk *VerifyingKeyOf[D], proof *ProofOf[D], public []F, cfg VerifierConfig) error {
	if vk == nil || proof == nil {
		return invalid("nil key or proof")
	}
	v := &verifier[D]{vk: vk, air: vk.air, proof: proof, public: public}
	if err := v.checkShape(cfg); err != nil {
		return err
	}
	ch, t := v.replay()
	if ch.logUpPoWErr != nil {
		return fmt.Errorf("%w: LogUp grinding: %w", ErrInvalidProof, ch.logUpPoWErr)
	}
	var total E
	for _, s := range proof.LogUpSums {
		total.Add(&total, &s)
	}
	if !total.IsZero() {
		return fmt.Errorf("%w: %w", ErrInvalidProof, ErrUnbalancedBus)
	}
	for i := range v.air.tables {
		if err := v.checkConstraintsAt(i, ch.zeta, ch.alpha, ch.beta, ch.gamma); err != nil {
			return err
		}
	}
	claims := v.deepClaims(ch.zeta, ch.deepAlpha)
	shapes := v.inputShapes()
	return friVerify(proof.Params.FRI(), v.friHeights(), t, &proof.FRI, func(q int, idx uint64) ([]E, error) {
		return v.deepAt(q, idx, shapes, ch.zeta, claims)
	})
}

func (v *verifier[D]) checkShape(cfg VerifierConfig) error {
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
	for _, c := range []struct {
		what string
		got  int
	}{{"table heights", len(p.LogHeights)}, {"LogUp sums", len(p.LogUpSums)}, {"table openings", len(p.Openings)}} {
		if err := checkCount(c.what, T, c.got); err != nil {
			return err
		}
	}
	for i, lh := range p.LogHeights {
		if lh < max(minLogHeight, p.Params.LogFinalPolyLen) || lh+v.b > maxSampleBits {
			return invalid("table %d height 2^%d out of range", i, lh)
		}
		if pl := v.vk.preLogHeight[i]; pl >= 0 && pl != lh {
			return invalid("table %d height 2^%d differs from its preprocessed height 2^%d", i, lh, pl)
		}
	}
	if err := air.checkBusBounds(p.LogHeights); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidProof, err)
	}
	sound := p.Params.Soundness(v.vk.ShapeOf(p.LogHeights))
	if sound.Total < cfg.MinSecurityBits {
		return fmt.Errorf("%w: %w: %.1f conjectured bits, need %.1f (%s)", ErrInvalidProof, ErrParams, sound.Total, cfg.MinSecurityBits, sound)
	}
	for i, t := range air.tables {
		o := &p.Openings[i]
		for pt := 0; pt < 2; pt++ {
			for _, c := range []struct {
				what      string
				want, got int
			}{
				{"preprocessed", len(t.preCols), len(o.Pre[pt])},
				{"main", len(t.cols), len(o.Main[pt])},
				{"LogUp", air.numPermCols(i), len(o.Perm[pt])},
				{"quotient", 4 << uint(air.quotientLog(i)), len(o.Quot[pt])},
			} {
				if err := checkCount(fmt.Sprintf("table %s: %s values opened at point %d", t.name, c.what, pt), c.want, c.got); err != nil {
					return err
				}
			}
		}
		if len(t.interactions) == 0 && !p.LogUpSums[i].IsZero() {
			return invalid("table %s has no interactions but a nonzero LogUp sum", t.name)
		}
	}
	v.bs = buckets(p.LogHeights, v.b)
	return checkCount("query openings", p.Params.NumQueries, len(p.Queries))
}

// friHeights are the log heights of FRI's inputs: one DEEP quotient per bucket.
func (v *verifier[D]) friHeights() []int {
	hs := make([]int, len(v.bs))
	for j, bk := range v.bs {
		hs[j] = bk.logLDE
	}
	return hs
}

// challenges are the STARK's verifier challenges, in transcript order (FRI's follow: friReplay).
type challenges struct {
	logUpPoWErr                         error
	beta, gamma, alpha, zeta, deepAlpha E
}

// replay runs the Fiat-Shamir transcript over the proof up to FRI, exactly as the prover did, and
// returns the challenges and the transcript in the state FRI continues from. It checks nothing
// but the LogUp grinding (whose failure it records).
func (v *verifier[D]) replay() (challenges, challenger[D]) {
	p := v.proof
	var ch challenges
	t := newProofTranscript(v.vk, p.Params, p.LogHeights, v.public)
	t.ObserveLabel("main")
	t.ObserveDigest(p.MainRoot)
	t.ObserveLabel("logup")
	ch.logUpPoWErr = t.CheckPoW(p.Params.LogUpPoWBits, p.LogUpPoWNonce)
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
	t.ObserveLabel("deep")
	ch.deepAlpha = t.SampleExt()
	return ch, t
}

type roundShapes struct {
	shapes []matrixShape
	pos    []int // per table, index of its matrix in the round, -1 if none
}

func (v *verifier[D]) inputShapes() [numInputRounds]roundShapes {
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
func (v *verifier[D]) checkConstraintsAt(i int, zeta, alpha, beta, gamma E) error {
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
