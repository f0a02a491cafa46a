package stark

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/consensys/gnark-crypto/field/koalabear"
	"github.com/consensys/gnark-crypto/field/koalabear/extensions"
	"github.com/consensys/gnark-crypto/field/koalabear/fft"
	"github.com/ethereum/go-ethereum/log"
	"github.com/ethereum/go-ethereum/metrics"
)

var (
	proveTimer      = metrics.NewRegisteredTimer("zkexex/stark/prove", nil)
	proveCellsMeter = metrics.NewRegisteredCounter("zkexex/stark/cells", nil)
)

// Errors a caller (typically a chip author) branches on.
var (
	ErrTrace          = errors.New("stark: malformed trace")
	ErrConstraint     = errors.New("stark: trace violates a constraint")
	ErrUnbalancedBus  = errors.New("stark: bus does not balance")
	ErrPublicValues   = errors.New("stark: wrong number of public values")
	errDegenerateDraw = errors.New("stark: degenerate challenge (probability ~2^-120)")
)

// Stats is the prover's time split, for benchmarks and logs.
type Stats struct {
	LDE      time.Duration // interpolation and coset extension of traces, LogUp columns and quotient chunks
	Hash     time.Duration // Merkle commitments (input rounds and FRI layers)
	Quotient time.Duration // constraint evaluation on the quotient domain and its interpolation
	LogUp    time.Duration // running-sum columns
	Open     time.Duration // out-of-domain evaluations
	FRI      time.Duration // DEEP reduced openings and folding (hashing excluded)
	PoW      time.Duration // grinding before the LogUp challenges and before FRI's queries
	Check    time.Duration // the prover's own check that the traces satisfy the constraints
	Total    time.Duration
}

type proveConfig struct {
	// skipChecks lets tests make proofs of false statements, to show that the verifier rejects
	// them. Production callers always get the checks.
	skipChecks bool
	// forgeLogUp lets tests replace the LogUp columns and totals before they are committed.
	forgeLogUp func(perm []*Matrix, sums []E)
}

// Prove proves that traces (one per table, natural row order, power-of-two heights) satisfy the
// AIR of pk with the given public values.
func Prove[D Digest](ctx context.Context, pk *ProvingKeyOf[D], traces []*Matrix, public []F) (*ProofOf[D], error) {
	p, _, err := prove(ctx, pk, traces, public, proveConfig{})
	return p, err
}

// ProveWithStats is Prove that also reports where the time went.
func ProveWithStats[D Digest](ctx context.Context, pk *ProvingKeyOf[D], traces []*Matrix, public []F) (*ProofOf[D], Stats, error) {
	return prove(ctx, pk, traces, public, proveConfig{})
}

type prover[D Digest] struct {
	pk      *ProvingKeyOf[D]
	air     *AIR
	params  Params
	traces  []*Matrix
	public  []F
	logH    []int
	doms    *domains
	stats   *Stats
	mainLDE []*Matrix
	perm    []*Matrix // natural order over H_n, nil without interactions
	busSums [][]E     // per table, per interaction, Σ over rows of its fraction
	permLDE []*Matrix
	sums    []E
	quotLDE []*Matrix
	quotCof [][][]F // per table, per column, natural coefficients of each chunk coordinate
	beta    E
	gamma   E
	trees   [numInputRounds]*mmcsTree[D]
}

func newProofTranscript[D Digest](vk *VerifyingKeyOf[D], params Params, logH []int, public []F) challenger[D] {
	t := configOf[D]().newTranscript("zkexex/stark/proof")
	t.ObserveLabel("vk")
	t.ObserveDigest(vk.digest)
	t.ObserveLabel("params")
	t.ObserveUint(uint64(params.LogBlowup))
	t.ObserveUint(uint64(params.NumQueries))
	t.ObserveUint(uint64(params.PoWBits))
	t.ObserveUint(uint64(params.LogFinalPolyLen))
	t.ObserveUint(uint64(params.LogUpPoWBits))
	t.ObserveLabel("heights")
	t.ObserveUint(uint64(len(logH)))
	for _, h := range logH {
		t.ObserveUint(uint64(h))
	}
	t.ObserveLabel("public")
	t.ObserveUint(uint64(len(public)))
	t.ObserveBase(public...)
	return t
}

func timed(d *time.Duration, f func()) {
	s := time.Now()
	f()
	*d += time.Since(s)
}

func prove[D Digest](ctx context.Context, pk *ProvingKeyOf[D], traces []*Matrix, public []F, cfg proveConfig) (*ProofOf[D], Stats, error) {
	var st Stats
	start := time.Now()
	air := pk.vk.air
	pr := &prover[D]{pk: pk, air: air, params: pk.params, traces: traces, public: public, doms: newDomains(), stats: &st}
	if err := pr.checkShapes(); err != nil {
		return nil, st, err
	}
	if !cfg.skipChecks {
		var err error
		timed(&st.Check, func() {
			for i := range air.tables {
				if err = checkTableConstraints(air, i, traces[i], public); err != nil {
					return
				}
			}
		})
		if err != nil {
			return nil, st, err
		}
	}
	b := pr.params.LogBlowup
	t := newProofTranscript(pk.vk, pr.params, pr.logH, public)
	proof := &ProofOf[D]{Params: pr.params, LogHeights: pr.logH}

	// Round 1: main traces.
	timed(&st.LDE, func() {
		for i := range traces {
			pr.mainLDE = append(pr.mainLDE, pr.doms.lde(traces[i], b))
		}
	})
	if err := pr.commit(roundMain, pr.mainLDE); err != nil {
		return nil, st, err
	}
	proof.MainRoot = pr.trees[roundMain].root()
	t.ObserveLabel("main")
	t.ObserveDigest(proof.MainRoot)
	if err := ctx.Err(); err != nil {
		return nil, st, err
	}

	// Round 2: LogUp running sums. Grinding first makes every try at a bad (β, γ) cost 2^bits
	// hashes: the LogUp term of the soundness calculator gains those bits.
	t.ObserveLabel("logup")
	var err error
	timed(&st.PoW, func() { proof.LogUpPoWNonce, err = t.Grind(ctx, pr.params.LogUpPoWBits) })
	if err != nil {
		return nil, st, err
	}
	pr.beta, pr.gamma = t.SampleExt(), t.SampleExt()
	timed(&st.LogUp, func() { err = pr.buildPerm() })
	if err != nil {
		return nil, st, err
	}
	if cfg.forgeLogUp != nil {
		cfg.forgeLogUp(pr.perm, pr.sums)
	}
	if !cfg.skipChecks {
		if err := pr.checkBuses(); err != nil {
			return nil, st, err
		}
	}
	proof.LogUpSums = pr.sums
	t.ObserveExt(pr.sums...)
	var permMats []*Matrix
	timed(&st.LDE, func() {
		pr.permLDE = make([]*Matrix, len(traces))
		for i, m := range pr.perm {
			if m != nil {
				pr.permLDE[i] = pr.doms.lde(m, b)
				permMats = append(permMats, pr.permLDE[i])
			}
		}
	})
	if err := pr.commit(roundPerm, permMats); err != nil {
		return nil, st, err
	}
	proof.PermRoot = pr.trees[roundPerm].root()
	t.ObserveDigest(proof.PermRoot)
	if err := ctx.Err(); err != nil {
		return nil, st, err
	}

	// Round 3: quotient.
	t.ObserveLabel("quotient")
	alpha := t.SampleExt()
	pr.quotLDE = make([]*Matrix, len(traces))
	pr.quotCof = make([][][]F, len(traces))
	for i := range traces {
		if err := pr.quotient(i, alpha); err != nil {
			return nil, st, err
		}
	}
	if err := pr.commit(roundQuot, pr.quotLDE); err != nil {
		return nil, st, err
	}
	proof.QuotRoot = pr.trees[roundQuot].root()
	t.ObserveDigest(proof.QuotRoot)
	if err := ctx.Err(); err != nil {
		return nil, st, err
	}

	// Out-of-domain point and openings.
	t.ObserveLabel("zeta")
	zeta := sampleOOD(t)
	timed(&st.Open, func() { proof.Openings = pr.open(zeta) })
	t.ObserveLabel("openings")
	observeOpenings(t, proof.Openings)
	pr.trees[roundPre] = pk.preTree

	// DEEP quotients of every opening, one per LDE height, then FRI on them.
	t.ObserveLabel("deep")
	deepAlpha := t.SampleExt()
	bs := buckets(pr.logH, b)
	inputs := make([][]E, len(bs))
	timed(&st.FRI, func() {
		for j, bk := range bs {
			inputs[j] = pr.reduce(bk, proof.Openings, deepAlpha, zeta)
		}
	})
	fp, indices, err := friProve(ctx, pr.params.FRI(), t, inputs, pr.doms, &st, cfg.skipChecks)
	if err != nil {
		return nil, st, err
	}
	proof.FRI = fp
	for _, idx := range indices {
		var qp QueryProofOf[D]
		for r := 0; r < numInputRounds; r++ {
			qp.Inputs[r] = pr.trees[r].open(idx, bs[0].logLDE)
		}
		proof.Queries = append(proof.Queries, qp)
	}
	st.Total = time.Since(start)
	proveTimer.Update(st.Total)
	for _, tr := range traces {
		proveCellsMeter.Inc(int64(tr.Height * tr.Width()))
	}
	log.Debug("STARK proof", "air", air.name, "tables", len(traces), "logHeights", pr.logH,
		"total", st.Total, "lde", st.LDE, "hash", st.Hash, "quotient", st.Quotient, "fri", st.FRI, "pow", st.PoW)
	return proof, st, nil
}

// sampleOOD draws ζ outside F. Every trace subgroup and LDE coset lies in F, so such a ζ is
// outside all of them (and ζ·ω too), which keeps every DEEP denominator and Z_H(ζ) nonzero.
func sampleOOD[D Digest](t challenger[D]) E {
	for {
		z := t.SampleExt()
		if !extIsBase(&z) {
			return z
		}
	}
}

func observeOpenings[D Digest](t challenger[D], ops []TableOpening) {
	for _, o := range ops {
		for p := 0; p < 2; p++ {
			t.ObserveExt(o.Pre[p]...)
			t.ObserveExt(o.Main[p]...)
			t.ObserveExt(o.Perm[p]...)
			t.ObserveExt(o.Quot[p]...)
		}
	}
}

func (pr *prover[D]) commit(round int, mats []*Matrix) error {
	var err error
	timed(&pr.stats.Hash, func() { pr.trees[round], err = commitMatrices[D](mats) })
	return err
}

func (pr *prover[D]) checkShapes() error {
	air := pr.air
	if len(pr.traces) != len(air.tables) {
		return fmt.Errorf("%w: %d traces for %d tables", ErrTrace, len(pr.traces), len(air.tables))
	}
	if len(pr.public) != air.numPublic {
		return fmt.Errorf("%w: got %d, AIR declares %d", ErrPublicValues, len(pr.public), air.numPublic)
	}
	for i, m := range pr.traces {
		t := air.tables[i]
		if m == nil || m.Width() != len(t.cols) {
			return fmt.Errorf("%w: table %s needs %d columns", ErrTrace, t.name, len(t.cols))
		}
		if err := m.check(); err != nil {
			return fmt.Errorf("%w: table %s: %w", ErrTrace, t.name, err)
		}
		lh := log2Exact(m.Height)
		if lh < max(minLogHeight, pr.params.LogFinalPolyLen) {
			return fmt.Errorf("%w: table %s has %d rows, need at least %d", ErrTrace, t.name, m.Height, 1<<uint(max(minLogHeight, pr.params.LogFinalPolyLen)))
		}
		if err := checkLogHeight(lh, pr.params.LogBlowup); err != nil {
			return err
		}
		if pl := pr.pk.vk.preLogHeight[i]; pl >= 0 && pl != lh {
			return fmt.Errorf("%w: table %s must have %d rows (its preprocessed height)", ErrTrace, t.name, 1<<uint(pl))
		}
		pr.logH = append(pr.logH, lh)
	}
	return air.checkBusBounds(pr.logH)
}

// rowSources fills a program's source slots for chunks of rows of a table's matrices.
type rowSources struct {
	prog    *program
	s       *vecSlots
	bcF     [][]F // broadcast public values then constants
	bcE     [][]E // broadcast challenges then the LogUp total
	nextF   [][]F // per main then preprocessed column read on the next row
	permE   [][]E // LogUp columns, current rows then next rows
	nextIdx []int32
}

// newRowSources prepares chunks of up to chunk rows. chal and sum may be empty when the program
// reads no challenge or total.
func newRowSources(p *program, public []F, chal []E, sum E, chunk int) *rowSources {
	rs := &rowSources{prog: p, s: newVecSlots(p, chunk), nextIdx: make([]int32, chunk)}
	for i := 0; i < p.numPub+len(p.consts); i++ {
		c := F{}
		if i < p.numPub {
			c = public[i]
		} else {
			c = p.consts[i-p.numPub]
		}
		rs.bcF = append(rs.bcF, broadcast(c, chunk))
	}
	for i := 0; i < p.numChal; i++ {
		var c E
		if i < len(chal) {
			c = chal[i]
		}
		rs.bcE = append(rs.bcE, broadcast(c, chunk))
	}
	rs.bcE = append(rs.bcE, broadcast(sum, chunk))
	rs.nextF = make([][]F, p.width+p.preWidth)
	for i := range rs.nextF {
		if (i < p.width && p.usesNext[i]) || (i >= p.width && p.usesPreNext[i-p.width]) {
			rs.nextF[i] = make([]F, chunk)
		}
	}
	rs.permE = make([][]E, 2*p.numPerm)
	for i := range rs.permE {
		rs.permE[i] = make([]E, chunk)
	}
	return rs
}

func broadcast[T any](c T, n int) []T {
	v := make([]T, n)
	for j := range v {
		v[j] = c
	}
	return v
}

// load sets the source slots for positions [lo,hi) of main, pre and perm (the LogUp columns, four
// base columns per value in E; nil when the program reads none), runs the program and returns its
// slots. next(j) maps a position to the position of the next row.
func (rs *rowSources) load(main, pre, perm *Matrix, lo, hi int, next func(int) int) *vecSlots {
	p := rs.prog
	s := rs.s
	n := hi - lo
	// The next-row positions are computed once per chunk, not once per column.
	nx := rs.nextIdx[:n]
	for j := range nx {
		nx[j] = int32(next(lo + j))
	}
	gather := func(dst, col []F) []F {
		dst = dst[:n]
		for j, r := range nx {
			dst[j] = col[r]
		}
		return dst
	}
	for c := 0; c < p.width; c++ {
		s.fs[p.mainSlot(c, false)] = main.Cols[c][lo:hi]
		if p.usesNext[c] {
			s.fs[p.mainSlot(c, true)] = gather(rs.nextF[c], main.Cols[c])
		}
	}
	for c := 0; c < p.preWidth; c++ {
		s.fs[p.preSlot(c, false)] = pre.Cols[c][lo:hi]
		if p.usesPreNext[c] {
			s.fs[p.preSlot(c, true)] = gather(rs.nextF[p.width+c], pre.Cols[c])
		}
	}
	for i, v := range rs.bcF {
		s.fs[p.pubSlot(i)] = v[:n]
	}
	for k := 0; k < p.numPerm; k++ {
		cur, nxt := rs.permE[k][:n], rs.permE[p.numPerm+k][:n]
		c0, c1, c2, c3 := perm.Cols[4*k], perm.Cols[4*k+1], perm.Cols[4*k+2], perm.Cols[4*k+3]
		for j := range cur {
			r := lo + j
			cur[j] = extFromCoeffs(c0[r], c1[r], c2[r], c3[r])
			r = int(nx[j])
			nxt[j] = extFromCoeffs(c0[r], c1[r], c2[r], c3[r])
		}
		s.es[p.permSlot(k, false)], s.es[p.permSlot(k, true)] = cur, nxt
	}
	for i, v := range rs.bcE {
		s.es[p.chalSlot(i)] = v[:n]
	}
	p.evalVec(s, n)
	return s
}

const evalChunk = 256

// checkTableConstraints evaluates a table's declared constraints on its trace, in parallel, and
// names the failure on the lowest row. (Its LogUp constraints hold by construction of the LogUp
// columns.)
func checkTableConstraints(air *AIR, i int, trace *Matrix, public []F) error {
	t := air.tables[i]
	p := air.tracePrgs[i]
	n := trace.Height
	next := func(j int) int { return (j + 1) & (n - 1) }
	var mu sync.Mutex
	firstRow, firstErr := n, error(nil)
	parallelFor(n, 4*evalChunk, func(lo, hi int) {
		rs := newRowSources(p, public, nil, E{}, evalChunk)
		for clo := lo; clo < hi; clo += evalChunk {
			chi := min(hi, clo+evalChunk)
			s := rs.load(trace, t.pre, nil, clo, chi, next)
			for k, c := range t.constraints {
				out := s.fs[p.outputs[k]]
				for j := clo; j < chi; j++ {
					applies := c.sel == EveryRow || (c.sel == FirstRow && j == 0) || (c.sel == LastRow && j == n-1) || (c.sel == Transition && j < n-1)
					if applies && !out[j-clo].IsZero() {
						mu.Lock()
						if j < firstRow {
							firstRow = j
							firstErr = fmt.Errorf("%w: table %s, constraint %q (%s) fails at row %d", ErrConstraint, t.name, c.name, c.sel, j)
						}
						mu.Unlock()
						return
					}
				}
			}
		}
	})
	return firstErr
}

// logUpChallenges returns the challenge sources of table i's programs: β, γ, γ², ...
func (pr *prover[D]) logUpChallenges(i int) []E {
	return append([]E{pr.beta}, extPowers(pr.gamma, pr.air.tables[i].maxTupleWidth()+1)[1:]...)
}

// buildPerm computes the LogUp columns: for each group G of batched interactions (AIR.groups) a
// column h_G = Σ_{k∈G} m_k / (β - fp_k) (m_k negated for receives) and a running sum S with
// S[0] = Σ_G h_G[0], S[i+1] = S[i] + Σ_G h_G[i+1]. S[n-1] is the table's contribution to the global
// sum, which must be zero over all tables. m_k and β - fp_k come from the table's definitions
// (lookups). It also keeps each interaction's own total (busSums), to name an unbalanced bus.
func (pr *prover[D]) buildPerm() error {
	air := pr.air
	pr.perm = make([]*Matrix, len(air.tables))
	pr.sums = make([]E, len(air.tables))
	pr.busSums = make([][]E, len(air.tables))
	for i, t := range air.tables {
		K := len(t.interactions)
		if K == 0 {
			continue
		}
		n := pr.traces[i].Height
		p := air.tracePrgs[i]
		nc := len(t.constraints)
		chal := pr.logUpChallenges(i)
		den := make([]E, n*K)
		num := make([]F, n*K)
		parallelFor(n, evalChunk, func(lo, hi int) {
			rs := newRowSources(p, pr.public, chal, E{}, evalChunk)
			next := func(j int) int { return (j + 1) & (n - 1) }
			for clo := lo; clo < hi; clo += evalChunk {
				chi := min(hi, clo+evalChunk)
				s := rs.load(pr.traces[i], t.pre, nil, clo, chi, next)
				for k := 0; k < K; k++ {
					m, d := s.fs[p.outputs[nc+2*k]], s.es[p.outputs[nc+2*k+1]]
					for j := clo; j < chi; j++ {
						den[j*K+k] = d[j-clo]
						num[j*K+k] = m[j-clo]
					}
				}
			}
		})
		for j := range den {
			if den[j].IsZero() {
				return errDegenerateDraw
			}
		}
		inv := batchInvertExt(den)
		groups := air.groups[i]
		G := len(groups)
		m := NewMatrix(4*(G+1), n)
		per := make([]E, K)
		var s E
		for r := 0; r < n; r++ {
			for g, members := range groups {
				var hg E
				for _, k := range members {
					var h E
					h.MulByElement(&inv[r*K+k], &num[r*K+k])
					per[k].Add(&per[k], &h)
					hg.Add(&hg, &h)
				}
				c := extCoeffs(&hg)
				for j := 0; j < 4; j++ {
					m.Cols[4*g+j][r] = c[j]
				}
				s.Add(&s, &hg)
			}
			c := extCoeffs(&s)
			for j := 0; j < 4; j++ {
				m.Cols[4*G+j][r] = c[j]
			}
		}
		pr.perm[i] = m
		pr.sums[i] = s
		pr.busSums[i] = per
	}
	return nil
}

func batchInvertExt(a []E) []E {
	out := make([]E, len(a))
	parallelFor(len(a), 1<<12, func(lo, hi int) {
		copy(out[lo:hi], extensions.BatchInvertE4(a[lo:hi]))
	})
	return out
}

func batchInvertBase(a []F) []F {
	out := make([]F, len(a))
	parallelFor(len(a), 1<<12, func(lo, hi int) {
		copy(out[lo:hi], koalabear.BatchInvert(a[lo:hi]))
	})
	return out
}

// checkBuses reports which buses do not balance, evaluating each bus's sum separately.
func (pr *prover[D]) checkBuses() error {
	var total E
	for _, s := range pr.sums {
		total.Add(&total, &s)
	}
	if total.IsZero() {
		return nil
	}
	// Name the culprit(s): sum each bus's fractions separately.
	per := map[BusID]*E{}
	for i, t := range pr.air.tables {
		for k, in := range t.interactions {
			acc := per[in.bus]
			if acc == nil {
				acc = new(E)
				per[in.bus] = acc
			}
			acc.Add(acc, &pr.busSums[i][k])
		}
	}
	var bad []BusID
	for b, s := range per {
		if !s.IsZero() {
			bad = append(bad, b)
		}
	}
	slices.Sort(bad)
	return fmt.Errorf("%w: buses %v", ErrUnbalancedBus, bad)
}

// quotDomain caches the per-point data of a quotient domain g·H_M (bit-reversed).
type quotDomain struct {
	x, zhInv, invXm1, invXmw, xmw []F
	nextPos                       []int32
}

func newQuotDomain(logN, logQ int) *quotDomain {
	logM := logN + logQ
	M := 1 << uint(logM)
	n := uint64(1) << uint(logN)
	q := 1 << uint(logQ)
	d := &quotDomain{x: cosetPoints(logM)}
	wInv := rootOfUnity(logN)
	wInv.Inverse(&wInv)
	var one F
	one.SetOne()
	// Z_H(x) = x^n - 1 takes q values on the coset: x^n = g^n·ω_M^(n·k) depends on k mod q.
	zhVals := make([]F, q)
	gn := baseExp(cosetShift(), n)
	wq := rootOfUnity(logQ)
	for r := 0; r < q; r++ {
		v := baseExp(wq, uint64(r))
		v.Mul(&v, &gn)
		v.Sub(&v, &one)
		zhVals[r] = v
	}
	zhInvVals := koalabear.BatchInvert(zhVals)
	d.zhInv = make([]F, M)
	xm1 := make([]F, M)
	d.xmw = make([]F, M)
	d.nextPos = make([]int32, M)
	for p := 0; p < M; p++ {
		k := reverseBits(uint64(p), logM)
		d.zhInv[p] = zhInvVals[k&uint64(q-1)]
		xm1[p].Sub(&d.x[p], &one)
		d.xmw[p].Sub(&d.x[p], &wInv)
		d.nextPos[p] = int32(reverseBits((k+uint64(q))&uint64(M-1), logM))
	}
	d.invXm1 = batchInvertBase(xm1)
	d.invXmw = batchInvertBase(d.xmw)
	return d
}

// quotient evaluates table i's constraints on the quotient domain, divides by the vanishing
// polynomial, splits the quotient into chunks of degree < n and extends them onto the LDE coset.
func (pr *prover[D]) quotient(i int, alpha E) error {
	air := pr.air
	p := air.progs[i]
	logN := pr.logH[i]
	n := 1 << uint(logN)
	logQ := air.quotientLog(i)
	q := 1 << uint(logQ)
	logM := logN + logQ
	M := 1 << uint(logM)
	N := n << uint(pr.params.LogBlowup)
	defs := air.defs[i]
	apow := extPowers(alpha, len(defs))
	chal := pr.logUpChallenges(i)
	main := pr.mainLDE[i]
	pre := pr.pk.preLDE[i]
	perm := pr.permLDE[i]
	var qv []E
	timed(&pr.stats.Quotient, func() {
		dom := newQuotDomain(logN, logQ)
		qv = make([]E, M)
		next := func(j int) int { return int(dom.nextPos[j]) }
		parallelFor(M, evalChunk, func(lo, hi int) {
			rs := newRowSources(p, pr.public, chal, pr.sums[i], evalChunk)
			var g [4]extensions.Vector // every row, first, last, transition
			for s := range g {
				g[s] = make(extensions.Vector, evalChunk)
			}
			tmp := make(extensions.Vector, evalChunk)
			for clo := lo; clo < hi; clo += evalChunk {
				chi := min(hi, clo+evalChunk)
				cn := chi - clo
				s := rs.load(main, pre, perm, clo, chi, next)
				for sel := range g {
					for j := 0; j < cn; j++ {
						g[sel][j].SetZero()
					}
				}
				for k, c := range defs {
					o := p.outputs[k]
					if !p.ext[o] {
						g[c.sel][:cn].MulAccByElement(s.fs[o], &apow[k])
						continue
					}
					tmp[:cn].ScalarMul(s.es[o], &apow[k])
					g[c.sel][:cn].Add(g[c.sel][:cn], tmp[:cn])
				}
				for j := 0; j < cn; j++ {
					pos := clo + j
					var acc, tmp E
					acc.MulByElement(&g[EveryRow][j], &dom.zhInv[pos])
					tmp.MulByElement(&g[FirstRow][j], &dom.invXm1[pos])
					acc.Add(&acc, &tmp)
					tmp.MulByElement(&g[LastRow][j], &dom.invXmw[pos])
					acc.Add(&acc, &tmp)
					var f F
					f.Mul(&dom.xmw[pos], &dom.zhInv[pos])
					tmp.MulByElement(&g[Transition][j], &f)
					acc.Add(&acc, &tmp)
					qv[pos] = acc
				}
			}
		})
	})
	// Interpolate each coordinate of Q over g·H_M (bit-reversed in, natural coefficients out),
	// split into q chunks of n coefficients and extend each onto g·H_N.
	coords := make([][]F, 4)
	for j := range coords {
		coords[j] = make([]F, M)
	}
	for pos := range qv {
		c := extCoeffs(&qv[pos])
		for j := 0; j < 4; j++ {
			coords[j][pos] = c[j]
		}
	}
	out := NewMatrix(4*q, N)
	cof := make([][]F, 4*q)
	timed(&pr.stats.Quotient, func() {
		domM := pr.doms.get(logM)
		parallelEach(4, func(j int) {
			domM.FFTInverse(coords[j], fft.DIT, fft.OnCoset(), fft.WithNbTasks(1))
		})
	})
	timed(&pr.stats.LDE, func() {
		pr.doms.get(log2Exact(N))
		parallelEach(4*q, func(col int) {
			r, j := col/4, col%4
			cof[col] = coords[j][r*n : (r+1)*n]
			pr.doms.extendCoeffs(cof[col], out.Cols[col])
		})
	})
	pr.quotLDE[i] = out
	pr.quotCof[i] = cof
	return nil
}

// baryWeights returns w_i = (z^n - 1)/n · ω^i/(z - ω^i), so that f(z) = Σ w_i·f(ω^i) for f of
// degree < n given by its values over H_n.
func baryWeights(logN int, z E) extensions.Vector {
	n := 1 << uint(logN)
	pts := make([]F, n)
	fft.BuildExpTable(rootOfUnity(logN), pts)
	diff := make([]E, n)
	for i := range pts {
		var x E
		x.B0.A0 = pts[i]
		diff[i].Sub(&z, &x)
	}
	inv := batchInvertExt(diff)
	var one E
	one.SetOne()
	zn := extExp(z, uint64(n))
	zn.Sub(&zn, &one)
	var nInv F
	nInv.SetUint64(uint64(n))
	nInv.Inverse(&nInv)
	zn.MulByElement(&zn, &nInv)
	w := make(extensions.Vector, n)
	for i := range w {
		w[i].MulByElement(&inv[i], &pts[i])
		w[i].Mul(&w[i], &zn)
	}
	return w
}

// open evaluates every committed polynomial at ζ and ζ·ω.
func (pr *prover[D]) open(zeta E) []TableOpening {
	ops := make([]TableOpening, len(pr.traces))
	type wkey struct{ logN, pt int }
	weights := map[wkey]extensions.Vector{}
	powers := map[wkey]extensions.Vector{}
	points := func(logN int) [2]E {
		var zw E
		zw.MulByElement(&zeta, ptr(rootOfUnity(logN)))
		return [2]E{zeta, zw}
	}
	for _, lh := range pr.logH {
		for pt, z := range points(lh) {
			k := wkey{lh, pt}
			if _, ok := weights[k]; !ok {
				weights[k] = baryWeights(lh, z)
				powers[k] = extPowers(z, 1<<uint(lh))
			}
		}
	}
	evalCols := func(cols [][]F, w extensions.Vector) []E {
		out := make([]E, len(cols))
		parallelEach(len(cols), func(c int) { out[c] = w.InnerProductByElement(cols[c]) })
		return out
	}
	for i, tr := range pr.traces {
		lh := pr.logH[i]
		for pt := 0; pt < 2; pt++ {
			w := weights[wkey{lh, pt}]
			if pre := pr.air.tables[i].pre; pre != nil && len(pr.air.tables[i].preCols) > 0 {
				ops[i].Pre[pt] = evalCols(pre.Cols, w)
			} else {
				ops[i].Pre[pt] = []E{}
			}
			ops[i].Main[pt] = evalCols(tr.Cols, w)
			if pr.perm[i] != nil {
				ops[i].Perm[pt] = evalCols(pr.perm[i].Cols, w)
			} else {
				ops[i].Perm[pt] = []E{}
			}
			ops[i].Quot[pt] = evalCols(pr.quotCof[i], powers[wkey{lh, pt}])
		}
	}
	return ops
}

func ptr[T any](v T) *T { return &v }
