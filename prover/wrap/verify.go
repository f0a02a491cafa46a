package wrap

import (
	"fmt"
	"math/big"

	"github.com/consensys/gnark-crypto/field/koalabear"
	"github.com/consensys/gnark/frontend"
	"github.com/zkexex/zkexex/prover/stark"
)

// proofDomain is prover/stark's transcript domain for proofs (newProofTranscript).
const proofDomain = "zkexex/stark/proof"

// VerifyStark makes the circuit satisfiable only by a proof that stark.Verify accepts for the
// statement (s.VK, public values) under s's verifier config, and returns the public values
// (canonical KoalaBear values) for the caller to bind. The shape, the parameters and their
// security are fixed when the circuit is built: a shape Verify would refuse, or proof variables
// not allocated for s (NewProofVar), is an ErrShape error. The steps follow stark.Verify one for
// one: every value of the proof is range-checked to [0, p) where it enters; the transcript is
// replayed (with the LogUp grinding asserted); the LogUp totals balance and are zero for tables
// without interactions; every table's constraint program holds at ζ against its quotient; then
// FRI's commit phase, final polynomial and grinding, and per query the four input openings, the
// DEEP quotients, each round's opening and fold, and the final polynomial at the query's point.
func VerifyStark(api frontend.API, s Shape, proof *ProofVar) ([]frontend.Variable, error) {
	v, err := newVerifier(api, s, proof)
	if err != nil {
		return nil, err
	}
	if err := v.verify(); err != nil {
		return nil, err
	}
	out := make([]frontend.Variable, len(v.public))
	for i, x := range v.public {
		out[i] = x.V
	}
	return out, nil
}

func newVerifier(api frontend.API, s Shape, proof *ProofVar) (*verifier, error) {
	l, err := layoutOf(s)
	if err != nil {
		return nil, err
	}
	if !l.matches(s, proof) {
		return nil, fmt.Errorf("%w: proof variables not allocated for heights %v", ErrShape, s.LogHeights)
	}
	h, err := NewHasher(api)
	if err != nil {
		return nil, err
	}
	return &verifier{api: api, f: NewField(api), h: h, s: s, l: l, p: proof}, nil
}

// tableValues is a table's openings as canonical field values.
type tableValues struct {
	pre, main, perm, quot [2][]Ext
}

type verifier struct {
	api frontend.API
	f   *Field
	h   *Hasher
	s   Shape
	l   *layout
	p   *ProofVar
	t   *Challenger

	// stopAfter ends the verification after a stage (stageReplay, stageOOD) when nonzero: the
	// benchmarks' way to measure a stage's constraints as the difference of two circuits.
	stopAfter int

	public    []Felt
	sums      []Ext
	openings  []tableValues
	finalPoly []Ext

	beta, gamma, alpha, zeta, deepAlpha Ext
	// alphaPow and gammaPow are the powers of α and γ every table's constraint check reads, made
	// once for the table that needs the most.
	alphaPow, gammaPow []Ext
}

func (v *verifier) ext(e ExtVar) Ext {
	var c [4]Felt
	for i := range c {
		c[i] = v.f.Canonical(e[i])
	}
	return ExtFromCoords(c)
}

func (v *verifier) exts(es []ExtVar) []Ext {
	out := make([]Ext, len(es))
	for i := range es {
		out[i] = v.ext(es[i])
	}
	return out
}

func (v *verifier) observeExt(es ...Ext) {
	for _, e := range es {
		c := e.Coords()
		v.t.ObserveBase(c[0].V, c[1].V, c[2].V, c[3].V)
	}
}

func (v *verifier) sampleExt() (Ext, error) {
	c, err := v.t.SampleExt()
	if err != nil {
		return Ext{}, err
	}
	var fs [4]Felt
	for i := range fs {
		fs[i] = Felt{V: c[i], Max: bigPm1}
	}
	return ExtFromCoords(fs), nil
}

// load range-checks the proof's field values where they enter.
func (v *verifier) load() {
	p := v.p
	for _, x := range p.Public {
		v.public = append(v.public, v.f.Canonical(x))
	}
	v.sums = v.exts(p.LogUpSums)
	for i := range p.Openings {
		o := &p.Openings[i]
		var tv tableValues
		for pt := range 2 {
			tv.pre[pt], tv.main[pt], tv.perm[pt], tv.quot[pt] = v.exts(o.Pre[pt]), v.exts(o.Main[pt]), v.exts(o.Perm[pt]), v.exts(o.Quot[pt])
		}
		v.openings = append(v.openings, tv)
	}
	v.finalPoly = v.exts(p.FinalPoly)
	for _, q := range p.Queries {
		for r := range q.Inputs {
			for _, row := range q.Inputs[r].Rows {
				for _, x := range row {
					v.f.Canonical(x)
				}
			}
		}
		for _, st := range q.FRI {
			for _, x := range st.Rows[0] {
				v.f.Canonical(x)
			}
		}
	}
}

// Stages of the verification, for verifier.stopAfter.
const (
	stageReplay = iota + 1
	stageOOD
)

func (v *verifier) verify() error {
	v.load()
	if err := v.replay(); err != nil {
		return err
	}
	if v.stopAfter == stageReplay {
		return nil
	}
	f := v.f
	// The bus balances: Σ LogUp totals = 0; a table without interactions has a zero total.
	total := f.Lift(f.Const(0))
	zero := total
	for i, sum := range v.sums {
		total = f.ExtAdd(total, sum)
		if v.l.Views[i].NumPerm == 0 {
			f.ExtAssertEq(sum, zero)
		}
	}
	f.ExtAssertEq(total, zero)
	nOut, nChal := 0, 0
	for _, cv := range v.l.Views {
		nOut, nChal = max(nOut, len(cv.Outputs)), max(nChal, cv.NumChal)
	}
	v.alphaPow, v.gammaPow = f.lazyPowers(v.alpha, nOut), f.powers(v.gamma, nChal)
	zc := newZetaCache(f, v.zeta)
	for i := range v.l.Views {
		if err := v.checkConstraintsAt(i, zc); err != nil {
			return err
		}
	}
	if v.stopAfter == stageOOD {
		return nil
	}
	return v.fri()
}

// replay is stark's verifier.replay: the transcript up to the DEEP step.
func (v *verifier) replay() error {
	s, p := v.s, v.p
	v.t = NewChallenger(v.api, v.h, proofDomain)
	t := v.t
	t.ObserveLabel("vk")
	vkDigest := s.VK.Digest()
	t.ObserveDigest(vkDigest.BigInt(new(big.Int)))
	t.ObserveLabel("params")
	for _, x := range []int{s.Params.LogBlowup, s.Params.NumQueries, s.Params.PoWBits, s.Params.LogFinalPolyLen, s.Params.LogUpPoWBits} {
		t.ObserveUint(uint64(x))
	}
	t.ObserveLabel("heights")
	t.ObserveUint(uint64(len(s.LogHeights)))
	for _, h := range s.LogHeights {
		t.ObserveUint(uint64(h))
	}
	t.ObserveLabel("public")
	t.ObserveUint(uint64(len(v.public)))
	for _, x := range v.public {
		t.ObserveBase(x.V)
	}
	t.ObserveLabel("main")
	t.ObserveDigest(p.MainRoot)
	t.ObserveLabel("logup")
	t.CheckPoW(s.Params.LogUpPoWBits, v.f.Canonical(p.LogUpPoWNonce).V)
	var err error
	if v.beta, err = v.sampleExt(); err != nil {
		return err
	}
	if v.gamma, err = v.sampleExt(); err != nil {
		return err
	}
	v.observeExt(v.sums...)
	t.ObserveDigest(p.PermRoot)
	t.ObserveLabel("quotient")
	if v.alpha, err = v.sampleExt(); err != nil {
		return err
	}
	t.ObserveDigest(p.QuotRoot)
	t.ObserveLabel("zeta")
	// stark resamples ζ until it lies outside F (a draw falls in F with probability 2^-93); a
	// circuit cannot loop, so it asserts the first draw is outside F: a proof whose first draw is
	// in F cannot be wrapped, a completeness loss of 2^-93 and none of soundness.
	if v.zeta, err = v.sampleExt(); err != nil {
		return err
	}
	v.f.ExtAssertNotBase(v.zeta)
	t.ObserveLabel("openings")
	for _, o := range v.openings {
		for pt := range 2 {
			v.observeExt(o.pre[pt]...)
			v.observeExt(o.main[pt]...)
			v.observeExt(o.perm[pt]...)
			v.observeExt(o.quot[pt]...)
		}
	}
	t.ObserveLabel("deep")
	v.deepAlpha, err = v.sampleExt()
	return err
}

// zetaCache shares ζ's squarings and each trace height's selector factors between tables.
type zetaCache struct {
	f       *Field
	sq      []Ext // ζ^(2^k)
	factors map[int]*[4]Ext
	zh      map[int]Ext
}

func newZetaCache(f *Field, zeta Ext) *zetaCache {
	return &zetaCache{f: f, sq: []Ext{zeta}, factors: map[int]*[4]Ext{}, zh: map[int]Ext{}}
}

// pow2 is ζ^(2^k), reduced.
func (z *zetaCache) pow2(k int) Ext {
	for len(z.sq) <= k {
		x := z.sq[len(z.sq)-1]
		z.sq = append(z.sq, z.f.ExtReduce(z.f.ExtMul(x, x)))
	}
	return z.sq[k]
}

// selectorFactors is stark.SelectorFactors: 1, Z_H(ζ)/(ζ-1), Z_H(ζ)/(ζ-ω⁻¹), ζ-ω⁻¹, and Z_H(ζ).
func (z *zetaCache) selectorFactors(logN int) (*[4]Ext, Ext, error) {
	if fs, ok := z.factors[logN]; ok {
		return fs, z.zh[logN], nil
	}
	f := z.f
	w, err := stark.RowGenerator(logN)
	if err != nil {
		return nil, Ext{}, fmt.Errorf("%w: %w", ErrShape, err)
	}
	w.Inverse(&w)
	one := f.Lift(f.Const(1))
	zeta := z.sq[0]
	zh := f.ExtSub(z.pow2(logN), one)
	zmw := f.ExtSub(zeta, f.Lift(f.ConstF(w)))
	fs := &[4]Ext{
		stark.EveryRow:   one,
		stark.FirstRow:   f.ExtDiv(zh, f.ExtSub(zeta, one)),
		stark.LastRow:    f.ExtDiv(zh, zmw),
		stark.Transition: zmw,
	}
	z.factors[logN], z.zh[logN] = fs, zh
	return fs, zh, nil
}

// mulW is e·w^k: a rotation of the coordinates with the wrapped ones times 3, free.
func (f *Field) mulW(e Ext, k int) Ext {
	for range k {
		e = Ext{f.Mul(e[3], f.Const(3)), e[0], e[1], e[2]}
	}
	return e
}

// fromComponents is stark's extFromComponents: Σ_j c_j·e_j over the basis (1, w², w, w³)
// (stark.ExtBasis: the coordinates' basis in extFromCoeffs order).
func (f *Field) fromComponents(c []Ext) Ext {
	acc := c[0]
	for j, k := range [4]int{0, 2, 1, 3} {
		if j > 0 {
			acc = f.ExtAdd(acc, f.mulW(c[j], k))
		}
	}
	return acc
}

// powers is 1, x, ..., x^(n-1), each reduced: a product and a reduction (about 290 constraints)
// a power.
func (f *Field) powers(x Ext, n int) []Ext {
	out := make([]Ext, n)
	if n == 0 {
		return out
	}
	out[0] = f.Lift(f.Const(1))
	for i := 1; i < n; i++ {
		out[i] = f.ExtReduce(f.ExtMul(out[i-1], x))
	}
	return out
}

// lazyPowers is 1, x, ..., x^(n-1) with x^(s·j+i) = x^(s·j)·x^i (s = ⌈√n⌉), a product of two
// reduced powers (baby steps x^i, giant steps x^(s·j)) left unreduced: 7 constraints a power and
// about 2√n reductions, against a reduction for every power. A power's coordinates are below
// 10·(2^31)^2 < 2^66 (extMulBounds of two factors below 2^31: at most one plain and three
// tripled products a coordinate), which is what their users (sums of products with canonical
// values) budget for.
func (f *Field) lazyPowers(x Ext, n int) []Ext {
	one := f.Lift(f.Const(1))
	return bsgsPowers(n, one, x, func(a, b Ext) Ext { return f.ExtReduce(f.ExtMul(a, b)) }, f.ExtMul)
}

// lazyBasePowers is lazyPowers in F: powers below 2^62, one constraint each.
func (f *Field) lazyBasePowers(x Felt, n int) []Felt {
	return bsgsPowers(n, f.Const(1), x, func(a, b Felt) Felt { return f.Reduce(f.Mul(a, b)) }, f.Mul)
}

// bsgsPowers is x^0..x^(n-1), x^(s·j+i) = mulLazy(x^(s·j), x^i) from the reduced baby steps x^i
// (i < s) and giant steps x^(s·j), s = ⌈√n⌉; mulReduced multiplies and reduces.
func bsgsPowers[T any](n int, one, x T, mulReduced, mulLazy func(a, b T) T) []T {
	out := make([]T, n)
	if n == 0 {
		return out
	}
	s := 1
	for s*s < n {
		s++
	}
	baby := []T{one}
	for len(baby) < s {
		if len(baby) == 1 {
			baby = append(baby, x)
		} else {
			baby = append(baby, mulReduced(baby[len(baby)-1], x))
		}
	}
	giant := []T{one}
	for len(giant)*s < n {
		if len(giant) == 1 {
			giant = append(giant, mulReduced(baby[s-1], x))
		} else {
			giant = append(giant, mulReduced(giant[len(giant)-1], giant[1]))
		}
	}
	for k := range out {
		j, i := k/s, k%s
		switch {
		case j == 0:
			out[k] = baby[i]
		case i == 0:
			out[k] = giant[j]
		default:
			out[k] = mulLazy(giant[j], baby[i])
		}
	}
	return out
}

// checkConstraintsAt is stark's checkConstraintsAt: table i's constraint program run on its
// openings at ζ, folded by α per selector and weighted by the selector factors, against
// Z_H(ζ)·Σ_r Q_r(ζ)·ζ^{n·r}.
func (v *verifier) checkConstraintsAt(i int, zc *zetaCache) error {
	f := v.f
	cv := v.l.Views[i]
	o := &v.openings[i]
	logN := v.s.LogHeights[i]
	slots := make([]Ext, cv.NumSlots)
	for pt, next := range []bool{false, true} {
		for c := range cv.Width {
			slots[cv.MainSlot(c, next)] = o.main[pt][c]
		}
		for c := range cv.PreWidth {
			slots[cv.PreSlot(c, next)] = o.pre[pt][c]
		}
		for k := range cv.NumPerm {
			slots[cv.PermSlot(k, next)] = f.fromComponents(o.perm[pt][4*k : 4*k+4])
		}
	}
	for j := range cv.NumPublic {
		slots[cv.PubSlot(j)] = f.Lift(v.public[j])
	}
	for j, c := range cv.Consts {
		slots[cv.ConstSlot(j)] = f.Lift(f.ConstF(c))
	}
	if cv.NumChal > 0 {
		slots[cv.ChalSlot(0)] = v.beta
		for j := 1; j < cv.NumChal; j++ {
			slots[cv.ChalSlot(j)] = v.gammaPow[j]
		}
	}
	slots[cv.SumSlot()] = v.sums[i]
	for _, op := range cv.Ops {
		a, b := slots[op.A], slots[op.B]
		switch op.Op {
		case stark.OpAdd:
			slots[op.Dst] = f.ExtAdd(a, b)
		case stark.OpSub:
			slots[op.Dst] = f.ExtSub(a, b)
		case stark.OpMul:
			slots[op.Dst] = f.ExtMul(a, b)
		default:
			return fmt.Errorf("%w: table %s: unknown op %d", ErrShape, cv.Name, op.Op)
		}
	}
	apow := v.alphaPow
	zero := f.Lift(f.Const(0))
	g := [4]Ext{zero, zero, zero, zero}
	for k, s := range cv.Outputs {
		sel := cv.Selectors[k]
		g[sel] = f.ExtAdd(g[sel], f.ExtMul(slots[s], apow[k]))
	}
	factors, zh, err := zc.selectorFactors(logN)
	if err != nil {
		return err
	}
	lhs := zero
	for sel := range g {
		if sel == int(stark.EveryRow) {
			lhs = f.ExtAdd(lhs, g[sel])
			continue
		}
		lhs = f.ExtAdd(lhs, f.ExtMul(g[sel], factors[sel]))
	}
	// Σ_r Q_r·(ζ^n)^r by Horner, from the last chunk down.
	zn := zc.pow2(logN)
	var q Ext
	for r := cv.QuotientChunks - 1; r >= 0; r-- {
		c := f.fromComponents(o.quot[0][4*r : 4*r+4])
		if r == cv.QuotientChunks-1 {
			q = c
		} else {
			q = f.ExtAdd(f.ExtMul(q, zn), c)
		}
	}
	f.ExtAssertEq(lhs, f.ExtMul(zh, q))
	return nil
}

// deepClaim is a bucket's batched claimed openings: stark's deepClaim.
type deepClaim struct {
	apow   []Ext // deep α powers α^0..α^(K-1), lazyPowers (shared by the buckets)
	alphaK Ext   // α^K, reduced
	a0, a1 Ext   // Σ_k α^k·v_k at ζ and at ζ·ω, reduced
	zw     Ext
}

// friState is what every query reads: the challenges and the constants of the query points.
type friState struct {
	claims []deepClaim
	roots  [numRounds]frontend.Variable
	betas  []Ext
	beta2  []Ext
	idx    [][]frontend.Variable // per query, the index's bits, low first, in the tallest LDE domain
	// wInv[j] is ω_L^(-2^(L-1-j)), the factor index bit j contributes to 1/y_L (y_L = ω_L^bitrev(idx)).
	wInv []Felt
}

func (v *verifier) deepClaims() ([]deepClaim, error) {
	f := v.f
	vals := make([][2][]Ext, len(v.l.Buckets))
	n := 0
	for j, bk := range v.l.Buckets {
		for _, ti := range bk.Tables {
			o := &v.openings[ti]
			for pt := range 2 {
				vals[j][pt] = append(vals[j][pt], o.pre[pt]...)
				vals[j][pt] = append(vals[j][pt], o.main[pt]...)
				vals[j][pt] = append(vals[j][pt], o.perm[pt]...)
				vals[j][pt] = append(vals[j][pt], o.quot[pt]...)
			}
		}
		n = max(n, len(vals[j][0]))
	}
	// One table of powers serves every bucket (each reads a prefix), left unreduced: the sums
	// here and deep's per-query sums are of products with canonical values, 2^97 a term.
	apow := f.lazyPowers(v.deepAlpha, n+1)
	claims := make([]deepClaim, len(v.l.Buckets))
	for j, bk := range v.l.Buckets {
		v0, v1 := vals[j][0], vals[j][1]
		c := deepClaim{apow: apow[:len(v0)], alphaK: f.ExtReduce(apow[len(v0)])}
		c.a0, c.a1 = f.Lift(f.Const(0)), f.Lift(f.Const(0))
		for k := range v0 {
			c.a0 = f.ExtAdd(c.a0, f.ExtMul(v0[k], c.apow[k]))
			c.a1 = f.ExtAdd(c.a1, f.ExtMul(v1[k], c.apow[k]))
		}
		c.a0, c.a1 = f.ExtReduce(c.a0), f.ExtReduce(c.a1)
		w, err := stark.RowGenerator(bk.LogLDE - v.s.Params.LogBlowup)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrShape, err)
		}
		c.zw = f.ExtMulBase(v.zeta, f.ConstF(w))
		claims[j] = c
	}
	return claims, nil
}

// fri is stark's DEEP step and friVerify: the commit phase's challenges, the final polynomial,
// the grinding, the query indices, then each query.
func (v *verifier) fri() error {
	f, t, l, p := v.f, v.t, v.l, v.p
	claims, err := v.deepClaims()
	if err != nil {
		return err
	}
	preRoot := v.s.VK.PreRoot()
	st := &friState{claims: claims, roots: [numRounds]frontend.Variable{preRoot.BigInt(new(big.Int)), p.MainRoot, p.PermRoot, p.QuotRoot}}
	t.ObserveLabel("fri")
	for _, root := range p.FRIRoots {
		t.ObserveDigest(root)
		b, err := v.sampleExt()
		if err != nil {
			return err
		}
		st.betas = append(st.betas, b)
		st.beta2 = append(st.beta2, f.ExtReduce(f.ExtMul(b, b)))
	}
	t.ObserveLabel("final")
	v.observeExt(v.finalPoly...)
	t.CheckPoW(v.s.Params.PoWBits, f.Canonical(p.FRIPoWNonce).V)
	for range p.Queries {
		bits, err := t.SampleBits(l.LogLDE)
		if err != nil {
			return err
		}
		st.idx = append(st.idx, bits)
	}
	// An empty commitment has the zero root (stark's verifyBatch of no matrices); the
	// preprocessed root is the key's constant, checked when the layout was made.
	if len(l.Matrices[roundPerm]) == 0 {
		v.api.AssertIsEqual(p.PermRoot, 0)
	}
	wL, err := stark.RowGenerator(l.LogLDE)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrShape, err)
	}
	var wInv koalabear.Element
	wInv.Inverse(&wL)
	st.wInv = make([]Felt, l.LogLDE)
	for j := l.LogLDE - 1; j >= 0; j-- {
		st.wInv[j] = f.ConstF(wInv)
		wInv.Square(&wInv)
	}
	for q := range p.Queries {
		inv := v.points(st, q)
		evals, err := v.deep(st, q, inv)
		if err != nil {
			return err
		}
		if err := v.query(st, q, inv, evals); err != nil {
			return err
		}
	}
	return nil
}

// points is query q's inv[r] = 1/Y_r, r = 0..rounds, with Y_r = ω_l^bitrev_l(idx >> r), l = L-r:
// ±y of FRI round r's pair, the final polynomial's point for r = rounds and, times the coset
// shift, the DEEP point of the bucket of LDE height 2^(L-r). A product of selected constants,
// then a squaring per round.
func (v *verifier) points(st *friState, q int) []Felt {
	f := v.f
	bits := st.idx[q]
	inv := make([]Felt, v.l.FRIRounds+1)
	acc := f.Const(1)
	for j := range v.l.LogLDE {
		acc = f.Mul(acc, f.Select(bits[j], st.wInv[j], f.Const(1)))
	}
	inv[0] = f.Reduce(acc)
	for r := 1; r <= v.l.FRIRounds; r++ {
		inv[r] = f.Reduce(f.Mul(inv[r-1], inv[r-1]))
	}
	return inv
}

// deep authenticates query q's opened rows against the four input commitments and returns each
// bucket's DEEP quotient (A(x) - A(ζ))/(x - ζ) + α^K·(A(x) - A(ζω))/(x - ζω) at the query's point
// x of its domain: stark's deepAt.
func (v *verifier) deep(st *friState, q int, inv []Felt) ([]Ext, error) {
	f, l := v.f, v.l
	bits := st.idx[q]
	qo := &v.p.Queries[q]
	for r := range numRounds {
		if len(l.Matrices[r]) == 0 {
			continue
		}
		maxH := l.pathLen(r)
		root, err := v.h.OpeningRoot(&qo.Inputs[r], l.logHeights(r), bits[l.LogLDE-maxH:])
		if err != nil {
			return nil, err
		}
		v.api.AssertIsEqual(root, st.roots[r])
	}
	evals := make([]Ext, len(l.Buckets))
	shift := f.ConstF(stark.CosetShift())
	for j, bk := range l.Buckets {
		c := &st.claims[j]
		x := f.Lift(f.Mul(shift, f.Inverse(inv[l.LogLDE-bk.LogLDE])))
		acc := f.Lift(f.Const(0))
		k := 0
		for _, ti := range bk.Tables {
			for r := range numRounds {
				if pos := l.Pos[r][ti]; pos >= 0 {
					for _, x := range qo.Inputs[r].Rows[pos] {
						acc = f.ExtAdd(acc, f.ExtMulBase(c.apow[k], Felt{V: x, Max: bigPm1}))
						k++
					}
				}
			}
		}
		// acc is left unreduced (2^97 a term: below 2^107 for up to 2^10 columns, and Max
		// tracks it whatever the count), so each division's check carries its quotient; the
		// quotients u, w come reduced from ExtDiv, and the bucket's value stays unreduced (below
		// 2^67) for the FRI check that reads it.
		u := f.ExtDiv(f.ExtSub(acc, c.a0), f.ExtSub(x, v.zeta))
		w := f.ExtDiv(f.ExtSub(acc, c.a1), f.ExtSub(x, c.zw))
		evals[j] = f.ExtAdd(u, f.ExtMul(w, c.alphaK))
	}
	return evals, nil
}

// query is stark's friCheckQuery: per round the opened pair at (idx >> r) >> 1 authenticated, its
// value on the query's side equal to the running one, the fold, a roll-in when the next bucket's
// height is reached; and the final polynomial at the last point.
//
// The running value is never reduced. The fold of round r is checked against round r+1's opened
// value on the query's side, which is canonical already: es_{r+1} ≡ fold_r (mod p) is one
// AssertEq, whose quotient costs a constraint a bit of the fold's bound, where a reduction would
// cost the same bits plus a remainder and a second equality. The fold is carried doubled,
// 2·fold_r = (e_s + e_o) + β_r·(e_s - e_o)/Y_r [+ 2·β_r²·DEEP_next], so that no factor 1/2
// (a 30-bit constant) enters the bounds: every check after round 0 is 2·e ≡ E. Bounds per
// coordinate: e_s ± e_o < 2^32, (e_s - e_o)/Y_r < 2^63, times β_r < 2^97, the roll-in term
// 2·10·2^31·2^67 < 2^103: each check's quotient below 2^73.
func (v *verifier) query(st *friState, q int, inv []Felt, evals []Ext) error {
	f, l := v.f, v.l
	bits := st.idx[q]
	qo := &v.p.Queries[q]
	two := f.Const(2)
	// fold ≡ scale·(the round's value), scale 1 for round 0 (the DEEP value), 2 after.
	fold, scale, next := evals[0], f.Const(1), 1
	for r := range l.FRIRounds {
		lh := l.LogLDE - r - 1
		step := &qo.FRI[r]
		root, err := v.h.OpeningRoot(step, []int{lh}, bits[r+1:])
		if err != nil {
			return err
		}
		v.api.AssertIsEqual(root, v.p.FRIRoots[r])
		// The query's side and the other: e_o = a + b - e_s, one selection a coordinate.
		var side, other [4]Felt
		for j := range 4 {
			a, b := Felt{V: step.Rows[0][j], Max: bigPm1}, Felt{V: step.Rows[0][4+j], Max: bigPm1}
			side[j] = f.Select(bits[r], b, a)
			other[j] = Felt{V: v.api.Sub(v.api.Add(a.V, b.V), side[j].V), Max: bigPm1}
		}
		es, eo := ExtFromCoords(side), ExtFromCoords(other)
		f.ExtAssertEq(f.ExtMulBase(es, scale), fold)
		// foldPair for the pair (y, -y), doubled: with Y_r = (-1)^bit·y and the pair read from
		// the query's side, (e0 - e1)/y = (e_side - e_other)/Y_r.
		diff := f.ExtMul(f.ExtMulBase(f.ExtSub(es, eo), inv[r]), st.betas[r])
		fold = f.ExtAdd(f.ExtAdd(es, eo), diff)
		if next < len(l.Buckets) && l.Buckets[next].LogLDE == lh {
			fold = f.ExtAdd(fold, f.ExtMulBase(f.ExtMul(st.beta2[r], evals[next]), two))
			next++
		}
		scale = two
	}
	// The final polynomial at y as Σ c_i·y^i with y's powers from lazyBasePowers (below 2^62),
	// not by Horner, whose running value would grow by 31 bits a step and need reductions of
	// wide bounds: every term is below 2^93, the sum below 2^101 for up to 2^8 coefficients.
	y := f.Inverse(inv[l.FRIRounds])
	ypow := f.lazyBasePowers(y, len(v.finalPoly))
	acc := v.finalPoly[0]
	for i, c := range v.finalPoly[1:] {
		acc = f.ExtAdd(acc, f.ExtMulBase(c, ypow[i+1]))
	}
	f.ExtAssertEq(f.ExtMulBase(acc, scale), fold)
	return nil
}
