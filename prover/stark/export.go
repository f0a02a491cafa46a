package stark

import (
	"errors"
	"fmt"
)

// This file exports, read-only, what a verifier written in another machine (prover/recursion's
// verifier programs) needs to re-run Verify's out-of-domain check for a verifying key: each
// table's compiled constraint program with its slot layout, the selector of each output, the
// quotient's chunking, and the challenges a proof's transcript yields. Nothing here is used by
// Prove or Verify; the views are copies, so a caller cannot alter a key through them.

// OpKind is an instruction of a compiled constraint program.
type OpKind uint8

// The program's instructions: Dst = A op B over the slots.
const (
	OpAdd OpKind = iota + 1
	OpSub
	OpMul
)

// ProgramOp is one instruction of a ConstraintView: slots[Dst] = slots[A] op slots[B].
type ProgramOp struct {
	Op        OpKind
	Dst, A, B int
}

// ConstraintView is table i's composition as Verify evaluates it at ζ: a straight-line program
// over NumSlots slots whose first slots are inputs (laid out by the *Slot methods) and whose
// Outputs are the constraints, LogUp ones included, in the order of the α powers that combine
// them; Selectors[k] is output k's row selector.
type ConstraintView struct {
	Name string
	// Width and PreWidth are the main and preprocessed column counts; NumPublic the AIR's public
	// values; NumPerm the LogUp columns as E values (each committed and opened as four base
	// columns, NumPerm = 0 without interactions); NumChal the challenge slots (β, then γ^1..).
	Width, PreWidth, NumPublic, NumPerm, NumChal int
	Consts                                       []F
	NumSlots                                     int
	Ops                                          []ProgramOp
	Outputs                                      []int
	Selectors                                    []Selector
	// QuotientChunks is the number of quotient chunks (E values, four base columns each) whose
	// recombination Σ_r Q_r(ζ)·ζ^{n·r} Verify compares with the composition divided by Z_H(ζ).
	QuotientChunks int
	// HasPreprocessed reports whether the table's preprocessed columns are committed (and opened).
	HasPreprocessed bool
	// LogUpGroups lists, per LogUp column but the last (the running sum), the interactions (in
	// declaration order) whose fractions it batches.
	LogUpGroups [][]int
	// Names are the constraints' names, output by output.
	Names []string
}

// MainSlot is the slot of main column c on the current row, or the next when next is set.
func (v *ConstraintView) MainSlot(c int, next bool) int {
	if next {
		return v.Width + c
	}
	return c
}

// PreSlot is the slot of preprocessed column c.
func (v *ConstraintView) PreSlot(c int, next bool) int {
	if next {
		return 2*v.Width + v.PreWidth + c
	}
	return 2*v.Width + c
}

// PubSlot is the slot of public value j.
func (v *ConstraintView) PubSlot(j int) int { return 2*v.Width + 2*v.PreWidth + j }

// ConstSlot is the slot of Consts[j].
func (v *ConstraintView) ConstSlot(j int) int { return v.PubSlot(v.NumPublic) + j }

// PermSlot is the slot of LogUp column k (an E value).
func (v *ConstraintView) PermSlot(k int, next bool) int {
	s := v.ConstSlot(len(v.Consts)) + k
	if next {
		s += v.NumPerm
	}
	return s
}

// ChalSlot is the slot of challenge j: β for j = 0, γ^j for j >= 1.
func (v *ConstraintView) ChalSlot(j int) int { return v.PermSlot(0, false) + 2*v.NumPerm + j }

// SumSlot is the slot of the table's claimed LogUp total.
func (v *ConstraintView) SumSlot() int { return v.ChalSlot(v.NumChal) }

// NumInputs is the number of input slots; the ops write the slots from there on.
func (v *ConstraintView) NumInputs() int { return v.SumSlot() + 1 }

// ConstraintView returns table i's view.
func (vk *VerifyingKeyOf[D]) ConstraintView(i int) (*ConstraintView, error) {
	a := vk.air
	if i < 0 || i >= len(a.tables) {
		return nil, fmt.Errorf("%w: table %d of %d", ErrAIR, i, len(a.tables))
	}
	p := a.progs[i]
	v := &ConstraintView{
		Name: a.tables[i].name, Width: p.width, PreWidth: p.preWidth, NumPublic: p.numPub,
		NumPerm: p.numPerm, NumChal: p.numChal, Consts: append([]F(nil), p.consts...),
		NumSlots: p.nSlots, Outputs: append([]int(nil), p.outputs...),
		QuotientChunks:  1 << uint(a.quotientLog(i)),
		HasPreprocessed: vk.preLogHeight[i] >= 0,
	}
	for _, in := range p.ops {
		op := OpAdd
		switch in.op {
		case exSub:
			op = OpSub
		case exMul:
			op = OpMul
		}
		v.Ops = append(v.Ops, ProgramOp{Op: op, Dst: in.dst, A: in.a, B: in.b})
	}
	for _, c := range a.defs[i] {
		v.Selectors = append(v.Selectors, c.sel)
		v.Names = append(v.Names, c.name)
	}
	for _, g := range a.groups[i] {
		v.LogUpGroups = append(v.LogUpGroups, append([]int(nil), g...))
	}
	return v, nil
}

// ExtBasis is the F-basis of E in which an E-valued column is committed as four base columns:
// its value at a point is Σ_j ExtBasis()[j]·c_j, c_j the base columns' values there.
func ExtBasis() [4]E { return extBasis() }

// RowGenerator is ω, the generator of the 2^logN-row trace domain (the next row of row x is ω·x).
func RowGenerator(logN int) (F, error) {
	if logN < 0 || logN > maxTwoAdicity {
		return F{}, fmt.Errorf("%w: trace height 2^%d", ErrParams, logN)
	}
	return rootOfUnity(logN), nil
}

// Challenges are a proof's verifier challenges up to the DEEP step, as its transcript yields them.
type Challenges struct {
	Beta, Gamma, Alpha, Zeta, DeepAlpha E
}

// ProofChallenges replays proof's transcript for the statement (vk, public) and returns its
// challenges. It checks the proof's shape (not its soundness level) but nothing else: the
// challenges of an invalid proof are returned all the same.
func ProofChallenges[D Digest](vk *VerifyingKeyOf[D], proof *ProofOf[D], public []F) (Challenges, error) {
	if vk == nil || proof == nil {
		return Challenges{}, invalid("nil key or proof")
	}
	v := &verifier[D]{vk: vk, air: vk.air, proof: proof, public: public}
	if err := v.checkShape(VerifierConfig{}); err != nil {
		return Challenges{}, err
	}
	ch, _ := v.replay()
	return Challenges{Beta: ch.beta, Gamma: ch.gamma, Alpha: ch.alpha, Zeta: ch.zeta, DeepAlpha: ch.deepAlpha}, nil
}

// ErrOpening means values handed to a ConstraintView do not match its shape.
var ErrOpening = errors.New("stark: opening does not match the table")

// Eval runs the view's program on a table's openings at ζ and ζ·ω, the public values, the
// table's claimed LogUp total and the challenges, and returns each constraint's value at ζ.
func (v *ConstraintView) Eval(o *TableOpening, public []F, sum E, ch Challenges) ([]E, error) {
	for pt := range 2 {
		if len(o.Main[pt]) != v.Width || len(o.Pre[pt]) != v.PreWidth || len(o.Perm[pt]) != 4*v.NumPerm {
			return nil, fmt.Errorf("%w: table %s, point %d", ErrOpening, v.Name, pt)
		}
	}
	if len(public) != v.NumPublic {
		return nil, fmt.Errorf("%w: table %s: %d public values, want %d", ErrOpening, v.Name, len(public), v.NumPublic)
	}
	slots := make([]E, v.NumSlots)
	for pt, next := range []bool{false, true} {
		for c := range v.Width {
			slots[v.MainSlot(c, next)] = o.Main[pt][c]
		}
		for c := range v.PreWidth {
			slots[v.PreSlot(c, next)] = o.Pre[pt][c]
		}
		for k := range v.NumPerm {
			slots[v.PermSlot(k, next)] = extFromComponents(o.Perm[pt][4*k : 4*k+4])
		}
	}
	for j := range v.NumPublic {
		slots[v.PubSlot(j)] = lift(public[j])
	}
	for j, c := range v.Consts {
		slots[v.ConstSlot(j)] = lift(c)
	}
	if v.NumChal > 0 {
		slots[v.ChalSlot(0)] = ch.Beta
		copy(slots[v.ChalSlot(1):], extPowers(ch.Gamma, v.NumChal)[1:])
	}
	slots[v.SumSlot()] = sum
	for _, in := range v.Ops {
		switch in.Op {
		case OpAdd:
			slots[in.Dst].Add(&slots[in.A], &slots[in.B])
		case OpSub:
			slots[in.Dst].Sub(&slots[in.A], &slots[in.B])
		case OpMul:
			slots[in.Dst].Mul(&slots[in.A], &slots[in.B])
		}
	}
	out := make([]E, len(v.Outputs))
	for k, s := range v.Outputs {
		out[k] = slots[s]
	}
	return out, nil
}

// Identity is Verify's out-of-domain check of the table, from the view alone: lhs is the
// constraints folded by α^k (k their index in Outputs) per selector and weighted by
// SelectorFactors, rhs is Z_H(ζ)·RecombineQuotient. The check passes when they are equal.
func (v *ConstraintView) Identity(o *TableOpening, public []F, sum E, ch Challenges, logN int) (lhs, rhs E, err error) {
	outs, err := v.Eval(o, public, sum, ch)
	if err != nil {
		return lhs, rhs, err
	}
	factors, zh, err := SelectorFactors(ch.Zeta, logN)
	if err != nil {
		return lhs, rhs, err
	}
	if len(o.Quot[0]) != 4*v.QuotientChunks {
		return lhs, rhs, fmt.Errorf("%w: table %s: %d quotient values", ErrOpening, v.Name, len(o.Quot[0]))
	}
	var g [4]E
	apow := extPowers(ch.Alpha, len(outs))
	for k := range outs {
		var t E
		t.Mul(&outs[k], &apow[k])
		g[v.Selectors[k]].Add(&g[v.Selectors[k]], &t)
	}
	for s := range g {
		var t E
		t.Mul(&g[s], &factors[s])
		lhs.Add(&lhs, &t)
	}
	q, err := RecombineQuotient(o.Quot[0], ch.Zeta, logN)
	if err != nil {
		return lhs, rhs, err
	}
	rhs.Mul(&zh, &q)
	return lhs, rhs, nil
}

// SelectorFactors are the weights Verify gives each selector's folded constraints at ζ for a
// trace of 2^logN rows (indexed by Selector): 1 for every row, Z_H(ζ)/(ζ-1) for the first,
// Z_H(ζ)/(ζ-ω⁻¹) for the last, ζ-ω⁻¹ for transitions; and Z_H(ζ) = ζ^n - 1.
func SelectorFactors(zeta E, logN int) (factors [4]E, zh E, err error) {
	w, err := RowGenerator(logN)
	if err != nil {
		return factors, zh, err
	}
	var one, zm1, zmw E
	one.SetOne()
	zh = extExp(zeta, uint64(1)<<uint(logN))
	zh.Sub(&zh, &one)
	zm1.Sub(&zeta, &one)
	w.Inverse(&w)
	zmw = zeta
	zmw.B0.A0.Sub(&zmw.B0.A0, &w)
	if zm1.IsZero() || zmw.IsZero() {
		return factors, zh, fmt.Errorf("%w: ζ is the first or last row", ErrOpening)
	}
	factors[EveryRow] = one
	factors[FirstRow].Div(&zh, &zm1)
	factors[LastRow].Div(&zh, &zmw)
	factors[Transition] = zmw
	return factors, zh, nil
}

// RecombineQuotient is Q(ζ) = Σ_r Q_r(ζ)·ζ^{n·r} from the quotient chunks' opened base columns
// (four per chunk, ExtBasis) at ζ, n = 2^logN.
func RecombineQuotient(quot []E, zeta E, logN int) (E, error) {
	var q E
	if len(quot)%4 != 0 || logN < 0 || logN > maxTwoAdicity {
		return q, fmt.Errorf("%w: %d quotient values, height 2^%d", ErrOpening, len(quot), logN)
	}
	zn := extExp(zeta, uint64(1)<<uint(logN))
	var zpow E
	zpow.SetOne()
	for r := 0; r < len(quot)/4; r++ {
		c := extFromComponents(quot[4*r : 4*r+4])
		c.Mul(&c, &zpow)
		q.Add(&q, &c)
		zpow.Mul(&zpow, &zn)
	}
	return q, nil
}

// CheckStatement runs Verify's shape checks that depend on no proof value, for a proof of vk with
// parameters params, table heights logH and numPublic public values: the parameter set (valid,
// made for the key's blowup, at least cfg.MinSecurityBits conjectured bits for this shape), the
// heights (count, range, preprocessed heights, bus bounds) and the public value count. It runs
// Verify's own checkShape on a proof of that shape, so a verifier that fixes the shape when it is
// built (prover/recursion's programs) accepts exactly the shapes Verify accepts.
func (vk *VerifyingKeyOf[D]) CheckStatement(params Params, logH []int, numPublic int, cfg VerifierConfig) error {
	if vk == nil {
		return invalid("nil key")
	}
	air := vk.air
	if len(logH) != len(air.tables) {
		return checkCount("table heights", len(air.tables), len(logH))
	}
	p := &ProofOf[D]{
		Params:     params,
		LogHeights: logH,
		LogUpSums:  make([]E, len(air.tables)),
		Openings:   make([]TableOpening, len(air.tables)),
	}
	if params.NumQueries >= 0 && params.NumQueries <= maxQueries {
		p.Queries = make([]QueryProofOf[D], params.NumQueries)
	}
	for i, t := range air.tables {
		o := &p.Openings[i]
		for pt := range 2 {
			o.Pre[pt] = make([]E, len(t.preCols))
			o.Main[pt] = make([]E, len(t.cols))
			o.Perm[pt] = make([]E, air.numPermCols(i))
			o.Quot[pt] = make([]E, 4<<uint(air.quotientLog(i)))
		}
	}
	v := &verifier[D]{vk: vk, air: air, proof: p, public: make([]F, numPublic)}
	if err := v.checkShape(cfg); err != nil {
		return err
	}
	return params.FRI().checkInputHeights(v.friHeights())
}

// Bucket is one of Verify's DEEP buckets, FRI's inputs: the tables whose LDEs are 2^LogLDE rows
// tall, in table order; the opened columns of each table run pre, main, LogUp, quotient.
type Bucket struct {
	LogLDE int
	Tables []int
}

// Buckets groups a statement's tables as Verify does: by LDE height, tallest first.
func Buckets(logH []int, logBlowup int) []Bucket {
	bs := buckets(logH, logBlowup)
	out := make([]Bucket, len(bs))
	for j, b := range bs {
		out[j] = Bucket{LogLDE: b.logLDE, Tables: append([]int(nil), b.tables...)}
	}
	return out
}

// CosetShift is the shift g of every LDE domain: row i of a 2^l-row LDE (bit-reversed) is the
// point g·ω_l^bitrev(i).
func CosetShift() F { return cosetShift() }

// QueryValues replays proof's transcript through FRI's commit phase and grinding, and returns
// each query's index in the tallest LDE domain and the DEEP quotients Verify computes there (one
// per bucket, tallest first), after authenticating the query's openings. It checks the proof's
// shape but not its grinding or constraints; an opening that does not authenticate is an error.
func QueryValues[D Digest](vk *VerifyingKeyOf[D], proof *ProofOf[D], public []F) ([]uint64, [][]E, error) {
	if vk == nil || proof == nil {
		return nil, nil, invalid("nil key or proof")
	}
	v := &verifier[D]{vk: vk, air: vk.air, proof: proof, public: public}
	if err := v.checkShape(VerifierConfig{}); err != nil {
		return nil, nil, err
	}
	ch, t := v.replay()
	params := proof.Params.FRI()
	hs := v.friHeights()
	if err := friCheckShape(params, hs, &proof.FRI); err != nil {
		return nil, nil, err
	}
	fch, err := friReplay(params, hs[0], t, &proof.FRI)
	if err != nil {
		return nil, nil, err
	}
	claims := v.deepClaims(ch.zeta, ch.deepAlpha)
	shapes := v.inputShapes()
	out := make([][]E, len(fch.indices))
	for q, idx := range fch.indices {
		if out[q], err = v.deepAt(q, idx, shapes, ch.zeta, claims); err != nil {
			return nil, nil, err
		}
	}
	return fch.indices, out, nil
}

// The input commitment rounds of a proof, in transcript order.
const (
	RoundPre = iota
	RoundMain
	RoundPerm
	RoundQuot
	NumRounds
)

// MatrixShape is a committed matrix as a verifier knows it before reading a proof: its LDE's log2
// height and its width in base values.
type MatrixShape struct{ LogHeight, Width int }

// CommitLayout is how a proof of a key, for given table heights, lays its tables out in its input
// commitments: the same for every verifier, native or written in another machine.
type CommitLayout struct {
	// Views are the tables' constraint views, in table order.
	Views []*ConstraintView
	// Buckets are the DEEP buckets, tallest first.
	Buckets []Bucket
	// Matrices[r] are round r's committed matrices in commitment order; Pos[r][i] is table i's
	// index among them, -1 when the table commits nothing in round r (no preprocessed columns,
	// no interactions).
	Matrices [NumRounds][]MatrixShape
	Pos      [NumRounds][]int
	// LogLDE is the tallest LDE (query indices are drawn from it); FRIRounds the folding rounds.
	LogLDE, FRIRounds int
}

// CommitLayout returns the layout of proofs of vk at params with table heights logH (log2 rows).
// It does not check the statement (CheckStatement does).
func (vk *VerifyingKeyOf[D]) CommitLayout(params Params, logH []int) (*CommitLayout, error) {
	tables := len(vk.AIR().Tables())
	if len(logH) != tables {
		return nil, checkCount("table heights", tables, len(logH))
	}
	l := &CommitLayout{Buckets: Buckets(logH, params.LogBlowup)}
	for r := range l.Pos {
		l.Pos[r] = make([]int, tables)
	}
	for i := range tables {
		v, err := vk.ConstraintView(i)
		if err != nil {
			return nil, err
		}
		l.Views = append(l.Views, v)
		pre := 0
		if v.HasPreprocessed {
			pre = v.PreWidth
		}
		lh := logH[i] + params.LogBlowup
		for r, w := range [NumRounds]int{pre, v.Width, 4 * v.NumPerm, 4 * v.QuotientChunks} {
			l.Pos[r][i] = -1
			if w > 0 {
				l.Pos[r][i] = len(l.Matrices[r])
				l.Matrices[r] = append(l.Matrices[r], MatrixShape{LogHeight: lh, Width: w})
			}
		}
	}
	l.LogLDE = l.Buckets[0].LogLDE
	l.FRIRounds = l.LogLDE - params.LogBlowup - params.LogFinalPolyLen
	return l, nil
}

// CheckShape reports whether p was made at params for tables of heights logH (log2 rows): what a
// verifier specialised to one statement checks before it reads the proof's values. The error is
// untyped: a proof of another shape may well verify, so the caller says what it means.
func (p *ProofOf[D]) CheckShape(params Params, logH []int) error {
	switch {
	case p == nil:
		return errors.New("nil proof")
	case p.Params != params:
		return fmt.Errorf("parameters %+v, want %+v", p.Params, params)
	case len(p.LogHeights) != len(logH):
		return fmt.Errorf("%d table heights, want %d", len(p.LogHeights), len(logH))
	}
	for i := range logH {
		if p.LogHeights[i] != logH[i] {
			return fmt.Errorf("table %d height 2^%d, want 2^%d", i, p.LogHeights[i], logH[i])
		}
	}
	return nil
}
