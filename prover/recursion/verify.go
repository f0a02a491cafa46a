package recursion

import (
	"errors"
	"fmt"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/stark"
)

// RecursionParams is the parameter set of aggregation proofs (lifts, joins, seals, chains): rate
// 1/2 with 84 queries and 16 bits of grinding (84 + 16 = 100 conjectured FRI bits). Against rate
// 1/8 with 28 queries (ShrinkParams) it makes every recursion proof about 3× faster to prove
// (a quarter of the LDE) while the programs that verify them grow only where queries count:
// BenchmarkAggregate on po2-20 STF segments measured lift and join at 3.7 s against 11.2 s, for
// programs of the same shape. TestRecursionProof pins the calculator's figure on a real
// recursion proof.
func RecursionParams() stark.Params {
	return stark.Params{LogBlowup: 1, NumQueries: 84, PoWBits: 16, LogFinalPolyLen: 3, LogUpPoWBits: 16}
}

// ShrinkParams is the parameter set of the last proof of a succinct receipt (the shrink program,
// which verifies one aggregation proof and repeats its claim): rate 1/8 with 28 queries and 20
// bits of grinding (3·28 + 20 = 104 conjectured FRI bits). A 4× larger LDE buys 3× fewer queries
// for the receipt's verifier: a smaller seal, verified faster (Plonky3's recursion examples use
// log_blowup 3 and SP1's shrink shape ρ = 1/8; PRIOR-ART.md, Q4).
func ShrinkParams() stark.Params {
	return stark.Params{LogBlowup: 3, NumQueries: 28, PoWBits: 20, LogFinalPolyLen: 3, LogUpPoWBits: 16}
}

// ErrShape means a child proof does not have the shape a verifier program was built for.
var ErrShape = errors.New("recursion: child proof does not match the program's shape")

// ChildShape is what a verifier program is specialised to: the child's key (its AIR; its
// preprocessed root too unless the program takes the root as a variable), the parameter set and
// the table heights (log2 rows), all fixed when the program is built.
type ChildShape struct {
	VK         *stark.VerifyingKey
	Params     stark.Params
	LogHeights []int
	// Config is the policy the program enforces when it is built, as stark.Verify's; nil is
	// stark.DefaultVerifierConfig(). Tests on fast, insecure parameter sets lower it.
	Config *stark.VerifierConfig
}

func (s ChildShape) config() stark.VerifierConfig {
	if s.Config != nil {
		return *s.Config
	}
	return stark.DefaultVerifierConfig()
}

// BatchOpening is a stark.BatchOpening in program variables: one row per matrix of a commitment
// and the authentication path, leaf level first.
type BatchOpening struct {
	Rows [][]Felt
	Path []Digest
}

// QueryOpening is one FRI query of a child proof: the four input commitments' openings at its
// index (preprocessed, main, LogUp, quotient; empty for an empty commitment) and, per FRI round,
// the opened pair with its path.
type QueryOpening struct {
	Inputs [numRounds]BatchOpening
	FRI    []BatchOpening
}

// StarkProof is a child proof held in program variables: everything stark.Verify reads of a
// stark.Proof. The parameters and heights are not here: the program fixes them (ChildShape).
type StarkProof struct {
	MainRoot, PermRoot, QuotRoot Digest
	LogUpPoWNonce                Felt
	LogUpSums                    []Ext
	Openings                     []ChildOpening
	FRIRoots                     []Digest
	FinalPoly                    []Ext
	FRIPoWNonce                  Felt
	Queries                      []QueryOpening
}

// The input rounds of a stark proof, in commitment order.
const (
	roundPre  = stark.RoundPre
	roundMain = stark.RoundMain
	roundPerm = stark.RoundPerm
	roundQuot = stark.RoundQuot
	numRounds = stark.NumRounds
)

// layout is a child proof's shape as a verifier knows it before reading the proof: stark's
// commitment layout for the key, the parameters and the heights.
type layout struct{ *stark.CommitLayout }

func layoutOf(s ChildShape) (*layout, error) {
	if s.VK == nil {
		return nil, fmt.Errorf("%w: no child key", ErrShape)
	}
	if err := s.VK.CheckStatement(s.Params, s.LogHeights, s.VK.AIR().NumPublic(), stark.VerifierConfig{}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrShape, err)
	}
	cl, err := s.VK.CommitLayout(s.Params, s.LogHeights)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrShape, err)
	}
	return &layout{cl}, nil
}

// pathLen is the authentication path length of round r (its tallest matrix), 0 when empty.
func (l *layout) pathLen(r int) int {
	m := 0
	for _, s := range l.Matrices[r] {
		m = max(m, s.LogHeight)
	}
	return m
}

// AllocProof allocates a child proof of shape s as witness variables, in the order ProofWitness
// lists their values. A shape stark.Verify would reject is a builder error.
func (b *Builder) AllocProof(s ChildShape) *StarkProof {
	l, err := layoutOf(s)
	if err != nil {
		b.fail("%v", err)
		return &StarkProof{}
	}
	digest := func() Digest {
		var d Digest
		for j := range d {
			d[j] = b.Witness()
		}
		return d
	}
	exts := func(n int) []Ext {
		out := make([]Ext, n)
		for j := range out {
			out[j] = b.WitnessExt()
		}
		return out
	}
	batch := func(shapes []MatrixShape, pathLen int) BatchOpening {
		var o BatchOpening
		for _, sh := range shapes {
			row := make([]Felt, sh.Width)
			for j := range row {
				row[j] = b.Witness()
			}
			o.Rows = append(o.Rows, row)
		}
		for range pathLen {
			var d Digest
			for j := range d {
				d[j] = b.advice()
			}
			o.Path = append(o.Path, d)
		}
		return o
	}
	p := &StarkProof{MainRoot: digest(), PermRoot: digest(), QuotRoot: digest()}
	p.LogUpPoWNonce = b.Witness()
	p.LogUpSums = exts(len(l.Views))
	for _, v := range l.Views {
		var o ChildOpening
		for pt := range 2 {
			o.Pre[pt], o.Main[pt], o.Perm[pt], o.Quot[pt] = exts(v.PreWidth), exts(v.Width), exts(4*v.NumPerm), exts(4*v.QuotientChunks)
		}
		p.Openings = append(p.Openings, o)
	}
	for range l.FRIRounds {
		p.FRIRoots = append(p.FRIRoots, digest())
	}
	p.FinalPoly = exts(1 << uint(s.Params.LogFinalPolyLen))
	p.FRIPoWNonce = b.Witness()
	for range s.Params.NumQueries {
		var q QueryOpening
		for r := range q.Inputs {
			q.Inputs[r] = batch(l.Matrices[r], l.pathLen(r))
		}
		for r := range l.FRIRounds {
			lh := l.LogLDE - r - 1
			q.FRI = append(q.FRI, batch([]MatrixShape{{LogHeight: lh, Width: 8}}, lh))
		}
		p.Queries = append(p.Queries, q)
	}
	return p
}

// ProofWitness lists p's values in AllocProof's order. A proof of another shape (parameters,
// heights, counts, widths, path lengths) is an ErrShape error.
func ProofWitness(s ChildShape, p *stark.Proof) ([]E, error) {
	l, err := layoutOf(s)
	if err != nil {
		return nil, err
	}
	if err := p.CheckShape(s.Params, s.LogHeights); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrShape, err)
	}
	var w []E
	var bad error
	count := func(what string, got, want int) bool {
		if bad == nil && got != want {
			bad = fmt.Errorf("%w: %s: %d, want %d", ErrShape, what, got, want)
		}
		return bad == nil
	}
	digest := func(d hash.Digest) {
		for _, x := range d {
			w = append(w, liftF(x))
		}
	}
	nonce := func(what string, n uint32) {
		if bad == nil && uint64(n) >= hash.Modulus {
			bad = fmt.Errorf("%w: %s %d is not a field element", ErrShape, what, n)
		}
		w = append(w, liftF(feU(uint64(n))))
	}
	exts := func(what string, vals []E, want int) {
		if count(what, len(vals), want) {
			w = append(w, vals...)
		}
	}
	batch := func(what string, o *stark.BatchOpening, shapes []MatrixShape, pathLen int) {
		if !count(what+" rows", len(o.Rows), len(shapes)) || !count(what+" path", len(o.Path), pathLen) {
			return
		}
		for i, sh := range shapes {
			if !count(what+" row width", len(o.Rows[i]), sh.Width) {
				return
			}
			for _, x := range o.Rows[i] {
				w = append(w, liftF(x))
			}
		}
		for _, d := range o.Path {
			digest(d)
		}
	}
	digest(p.MainRoot)
	digest(p.PermRoot)
	digest(p.QuotRoot)
	nonce("LogUp grinding nonce", p.LogUpPoWNonce)
	exts("LogUp totals", p.LogUpSums, len(l.Views))
	if !count("table openings", len(p.Openings), len(l.Views)) {
		return nil, bad
	}
	for i, v := range l.Views {
		o := &p.Openings[i]
		for pt := range 2 {
			exts(v.Name+" preprocessed openings", o.Pre[pt], v.PreWidth)
			exts(v.Name+" main openings", o.Main[pt], v.Width)
			exts(v.Name+" LogUp openings", o.Perm[pt], 4*v.NumPerm)
			exts(v.Name+" quotient openings", o.Quot[pt], 4*v.QuotientChunks)
		}
	}
	if !count("FRI roots", len(p.FRI.Roots), l.FRIRounds) {
		return nil, bad
	}
	for _, d := range p.FRI.Roots {
		digest(d)
	}
	exts("FRI final polynomial", p.FRI.FinalPoly, 1<<uint(s.Params.LogFinalPolyLen))
	nonce("FRI grinding nonce", p.FRI.PoWNonce)
	if !count("query openings", len(p.Queries), s.Params.NumQueries) || !count("FRI queries", len(p.FRI.Queries), s.Params.NumQueries) {
		return nil, bad
	}
	for q := range p.Queries {
		for r := range numRounds {
			batch(fmt.Sprintf("query %d round %d", q, r), &p.Queries[q].Inputs[r], l.Matrices[r], l.pathLen(r))
		}
		steps := p.FRI.Queries[q].Steps
		if !count(fmt.Sprintf("query %d FRI steps", q), len(steps), l.FRIRounds) {
			return nil, bad
		}
		for r := range steps {
			lh := l.LogLDE - r - 1
			batch(fmt.Sprintf("query %d FRI round %d", q, r), &steps[r], []MatrixShape{{LogHeight: lh, Width: 8}}, lh)
		}
	}
	if bad != nil {
		return nil, bad
	}
	return w, nil
}

// matches reports whether p has the counts of l (AllocProof's proofs do).
func (l *layout) matches(s ChildShape, p *StarkProof) bool {
	if len(p.LogUpSums) != len(l.Views) || len(p.Openings) != len(l.Views) || len(p.FRIRoots) != l.FRIRounds ||
		len(p.FinalPoly) != 1<<uint(s.Params.LogFinalPolyLen) || len(p.Queries) != s.Params.NumQueries {
		return false
	}
	for _, q := range p.Queries {
		if len(q.FRI) != l.FRIRounds {
			return false
		}
		for r := range numRounds {
			if len(q.Inputs[r].Rows) != len(l.Matrices[r]) || len(q.Inputs[r].Path) != l.pathLen(r) {
				return false
			}
		}
		for r, st := range q.FRI {
			if len(st.Rows) != 1 || len(st.Rows[0]) != 8 || len(st.Path) != l.LogLDE-r-1 {
				return false
			}
		}
	}
	return true
}

func (b *Builder) constDigest(d hash.Digest) Digest {
	var out Digest
	for j := range d {
		out[j] = b.Const(d[j])
	}
	return out
}

func (b *Builder) assertDigest(x, y Digest) {
	for j := range x {
		b.AssertEq(x[j], y[j])
	}
}

// VerifyProof makes the program accept only if p verifies under the child key with these public
// values, exactly as stark.Verify under s's verifier config: the shape, the parameters and their
// security are fixed when the program is built (a shape Verify would reject is a builder error),
// and the program replays the transcript, checks the LogUp grinding, the bus balance and every
// table's constraints at ζ (CheckOutOfDomain), then per FRI query the four input openings, the
// DEEP quotients, FRI's folding and the final polynomial.
//
// preRoot nil: the key's own preprocessed root, as constants. Non-nil: a program variable, and
// the key's digest bound into the transcript is Compress(VK.StructureDigest(), *preRoot) (as
// stark.VerifyingKey.Digest), so one program verifies children of one AIR and shape whose
// programs (preprocessed columns) differ. It returns the digest variable it used.
func (b *Builder) VerifyProof(s ChildShape, preRoot *Digest, public []Felt, p *StarkProof) Digest {
	var digest Digest
	l, err := layoutOf(s)
	if err != nil {
		b.fail("%v", err)
		return digest
	}
	if err := s.VK.CheckStatement(s.Params, s.LogHeights, len(public), s.config()); err != nil {
		b.fail("child statement: %v", err)
		return digest
	}
	if p == nil || !l.matches(s, p) {
		b.fail("child proof variables do not have the shape of %v", s.LogHeights)
		return digest
	}
	var root Digest
	if preRoot == nil {
		root, digest = b.constDigest(s.VK.PreRoot()), b.constDigest(s.VK.Digest())
	} else {
		root = *preRoot
		digest = b.Compress(b.constDigest(s.VK.StructureDigest()), root)
	}
	ch, deepAlpha, t := b.CheckOutOfDomain(s, digest, public, p)
	if t == nil {
		return digest
	}
	v := b.newFRIVerifier(s, l, root, ch.Zeta, deepAlpha, t, p)
	if v == nil {
		return digest
	}
	for q := range p.Queries {
		inv := v.points(q)
		v.query(q, inv, v.deep(q, inv))
	}
	return digest
}

// deepClaim is a bucket's batched claimed openings, computed once per program: stark's deepClaim.
type deepClaim struct {
	alpha, alphaK Ext // deep α, and α^K for a bucket of K opened columns
	a0, a1        Ext // Σ_k α^k·v_k at ζ and at ζ·ω
	zw            Ext // ζ·ω of the bucket's trace domain
}

func (b *Builder) deepClaims(s ChildShape, l *layout, zeta, alpha Ext, p *StarkProof) []deepClaim {
	claims := make([]deepClaim, len(l.Buckets))
	for j, bk := range l.Buckets {
		var v0, v1 []Ext
		for _, ti := range bk.Tables {
			o := &p.Openings[ti]
			for pt, dst := range []*[]Ext{&v0, &v1} {
				*dst = append(*dst, o.Pre[pt]...)
				*dst = append(*dst, o.Main[pt]...)
				*dst = append(*dst, o.Perm[pt]...)
				*dst = append(*dst, o.Quot[pt]...)
			}
		}
		c := deepClaim{alpha: alpha, alphaK: b.extPow(alpha, len(v0))}
		c.a0, c.a1 = b.hornerLimbs(alpha, v0), b.hornerLimbs(alpha, v1)
		w, err := stark.RowGenerator(bk.LogLDE - s.Params.LogBlowup)
		if err != nil {
			b.fail("%v", err)
			return nil
		}
		c.zw = b.ExtMul(zeta, b.Lift(b.Const(w)))
		claims[j] = c
	}
	return claims
}

// hornerLimbs is Σ_k v[k]·x^k = Σ_l e_l·Σ_k v[k]_l·x^k, e_l the basis element of limb l: four
// HornerBase chains over the values' limbs, which the transcript has unpacked already to observe
// them (Unpack remembers), so a coefficient costs a third of a horner row rather than two
// ext_alu rows.
func (b *Builder) hornerLimbs(x Ext, v []Ext) Ext {
	var cols [4][]Felt
	for _, e := range v {
		c := b.Unpack(e)
		for l := range cols {
			cols[l] = append(cols[l], c[l])
		}
	}
	acc := b.HornerBase(x, cols[0])
	for l := 1; l < 4; l++ {
		var basis [4]F
		basis[l] = feU(1)
		acc = b.ExtAdd(acc, b.ExtMul(b.HornerBase(x, cols[l]), b.ConstExt(fromCoeffs(basis[:]))))
	}
	return acc
}

// extPow is x^n (n ≥ 1) by square and multiply.
func (b *Builder) extPow(x Ext, n int) Ext {
	k := 0
	for n>>uint(k+1) > 0 {
		k++
	}
	sq := b.extSquarings(x, k)
	acc := sq[k]
	for i := k - 1; i >= 0; i-- {
		if n>>uint(i)&1 == 1 {
			acc = b.ExtMul(acc, sq[i])
		}
	}
	return acc
}

// friVerifier is stark's DEEP step and friVerify on one child proof, from the transcript where
// CheckOutOfDomain left it: the challenges (friChallenges), then per query its points (points),
// the DEEP quotients there (deep) and the FRI checks (query).
type friVerifier struct {
	b      *Builder
	s      ChildShape
	l      *layout
	p      *StarkProof
	zeta   Ext
	claims []deepClaim
	roots  [numRounds]Digest
	betas  []Ext
	beta2  []Ext    // β_r², the weight of an input rolled in at round r
	idx    [][]Felt // per query, the index's little-endian bits in the tallest LDE domain
	// yInv[j] is ω_L^(-2^(L-1-j)), the factor index bit j contributes to 1/y_L (y_L =
	// ω_L^bitrev_L(idx)); one, half and the coset shift are constants every query reads.
	yInv             []Felt
	one, half, shift Felt
}

func (b *Builder) newFRIVerifier(s ChildShape, l *layout, preRoot Digest, zeta, deepAlpha Ext, t *Transcript, p *StarkProof) *friVerifier {
	claims := b.deepClaims(s, l, zeta, deepAlpha, p)
	if claims == nil {
		return nil
	}
	v := &friVerifier{b: b, s: s, l: l, p: p, zeta: zeta, claims: claims,
		roots: [numRounds]Digest{preRoot, p.MainRoot, p.PermRoot, p.QuotRoot}}
	t.ObserveLabel("fri")
	v.betas = make([]Ext, l.FRIRounds)
	v.beta2 = make([]Ext, l.FRIRounds)
	for r, root := range p.FRIRoots {
		t.ObserveDigest(root)
		v.betas[r] = t.SampleExt()
		v.beta2[r] = b.ExtMul(v.betas[r], v.betas[r])
	}
	t.ObserveLabel("final")
	t.ObserveExt(p.FinalPoly...)
	t.CheckPoW(s.Params.PoWBits, p.FRIPoWNonce)
	v.idx = make([][]Felt, len(p.Queries))
	for q := range v.idx {
		v.idx[q] = t.SampleBits(l.LogLDE)
	}

	// An empty commitment has the zero root (stark's verifyBatch of no matrices).
	zero := b.constDigest(hash.Digest{})
	for r, root := range v.roots {
		if len(l.Matrices[r]) == 0 {
			b.assertDigest(root, zero)
		}
	}

	wL, err := stark.RowGenerator(l.LogLDE)
	if err != nil {
		b.fail("%v", err)
		return nil
	}
	var wInv, half F
	wInv.Inverse(&wL)
	v.yInv = make([]Felt, l.LogLDE)
	for j := l.LogLDE - 1; j >= 0; j-- {
		v.yInv[j] = b.Const(wInv)
		wInv.Square(&wInv)
	}
	half.SetUint64(2)
	half.Inverse(&half)
	v.one, v.half, v.shift = b.Const(feU(1)), b.Const(half), b.Const(stark.CosetShift())
	return v
}

// points is query q's inv[r] = 1/Y_r for r = 0..rounds, Y_r = y_L^(2^r) = ω_l^bitrev_l(idx>>r)
// with l = L-r: ±y of FRI round r's pair, the final polynomial's point for r = rounds, and, over
// the coset shift, the point of the bucket of LDE height 2^(L-r). One product of selected
// constants and a squaring per round.
func (v *friVerifier) points(q int) []Felt {
	b, bits := v.b, v.idx[q]
	inv := make([]Felt, v.l.FRIRounds+1)
	for j := range v.l.LogLDE {
		f, _ := b.Select(bits[j], v.one, v.yInv[j])
		if j == 0 {
			inv[0] = f
		} else {
			inv[0] = b.Mul(inv[0], f)
		}
	}
	for r := 1; r <= v.l.FRIRounds; r++ {
		inv[r] = b.Mul(inv[r-1], inv[r-1])
	}
	return inv
}

// deep authenticates query q's opened rows against the four input commitments and returns each
// bucket's DEEP quotient (A(x) - A(ζ))/(x - ζ) + α^K·(A(x) - A(ζω))/(x - ζω) at the query's
// point x = shift·y_h of its domain, A the batched opened row: stark's deepAt.
func (v *friVerifier) deep(q int, inv []Felt) []Ext {
	b, l, bits := v.b, v.l, v.idx[q]
	qo := &v.p.Queries[q]
	for r := range numRounds {
		if len(l.Matrices[r]) > 0 {
			b.VerifyBatch(v.roots[r], l.Matrices[r], bits, l.LogLDE, qo.Inputs[r].Rows, qo.Inputs[r].Path)
		}
	}
	evals := make([]Ext, len(l.Buckets))
	for j, bk := range l.Buckets {
		c := &v.claims[j]
		x := b.Lift(b.Mul(v.shift, b.Inv(inv[l.LogLDE-bk.LogLDE])))
		var fs []Felt
		for _, ti := range bk.Tables {
			for r := range numRounds {
				if pos := l.Pos[r][ti]; pos >= 0 {
					fs = append(fs, qo.Inputs[r].Rows[pos]...)
				}
			}
		}
		acc := b.HornerBase(c.alpha, fs)
		u := b.ExtDiv(b.ExtSub(acc, c.a0), b.ExtSub(x, v.zeta))
		w := b.ExtDiv(b.ExtSub(acc, c.a1), b.ExtSub(x, c.zw))
		evals[j] = b.ExtAdd(u, b.ExtMul(w, c.alphaK))
	}
	return evals
}

// query is stark's friCheckQuery: per round the opened pair at (idx >> r) >> 1 authenticated,
// its value on the query's side equal to the running one, the fold, a roll-in when the next
// bucket's height is reached; and the final polynomial at the last point.
func (v *friVerifier) query(q int, inv []Felt, evals []Ext) {
	b, l, bits := v.b, v.l, v.idx[q]
	qo := &v.p.Queries[q]
	halfE := b.Lift(v.half)
	eval, next := evals[0], 1
	for r := range l.FRIRounds {
		lh := l.LogLDE - r - 1
		st := &qo.FRI[r]
		b.VerifyBatch(v.p.FRIRoots[r], []MatrixShape{{LogHeight: lh, Width: 8}}, bits[r+1:], lh, st.Rows, st.Path)
		var side, other [4]Felt
		for j := range 4 {
			side[j], other[j] = b.Select(bits[r], st.Rows[0][j], st.Rows[0][4+j])
		}
		b.AssertEqExt(b.Pack(side), eval)
		eo := b.Pack(other)
		// foldPair with 1/(2y) for the pair (y, -y): with Y_r = (-1)^bit·y and the pair read
		// from the query's side, (e0 - e1)/(2y) = (e_side - e_other)/(2·Y_r).
		inv2y := b.Lift(b.Mul(v.half, inv[r]))
		sum := b.ExtMul(b.ExtAdd(eval, eo), halfE)
		diff := b.ExtMul(b.ExtMul(b.ExtSub(eval, eo), inv2y), v.betas[r])
		eval = b.ExtAdd(sum, diff)
		if next < len(l.Buckets) && l.Buckets[next].LogLDE == lh {
			eval = b.ExtAdd(eval, b.ExtMul(v.beta2[r], evals[next]))
			next++
		}
	}
	y := b.Lift(b.Inv(inv[l.FRIRounds]))
	fp := v.p.FinalPoly
	acc := fp[len(fp)-1]
	for i := len(fp) - 2; i >= 0; i-- {
		acc = b.ExtAdd(b.ExtMul(acc, y), fp[i])
	}
	b.AssertEqExt(acc, eval)
}
