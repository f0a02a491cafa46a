package stark

import (
	"errors"
	"fmt"

	"github.com/zkexex/zkexex/prover/hash"
)

// MaxConstraintDegree is the largest degree a constraint may have, counting the first/last-row
// selectors as degree 1 (the transition selector x - ω^-1 needs no extra quotient chunk).
const MaxConstraintDegree = 3

// minLogHeight is the smallest table (2^2 rows), so that first, last and transition rows differ.
const minLogHeight = 2

// Selector says on which rows a constraint must hold.
type Selector uint8

const (
	EveryRow   Selector = iota // every row
	FirstRow                   // row 0 only
	LastRow                    // row n-1 only
	Transition                 // rows 0..n-2 (relates row i to row i+1)
)

func (s Selector) String() string {
	return [...]string{"every row", "first row", "last row", "transition"}[s]
}

// BusID names a LogUp bus. Different buses never cancel each other: the id is part of every
// fingerprint.
type BusID uint32

type constraint struct {
	name string
	sel  Selector
	expr Expr
}

type interaction struct {
	bus    BusID
	send   bool
	mult   Expr
	bound  uint64 // declared maximum of mult on any row (0 for a lookup table's receive)
	values []Expr
	// keys, for a lookup table's receive (LookupTable), are the preprocessed columns holding the
	// table's distinct keys; values are their current-row expressions.
	keys []int
	// trueTuples marks a SendTable send: its multiplicity has no bound.
	trueTuples bool
}

// unbounded reports whether in's multiplicity is exempt from the bus-total check.
func (in *interaction) unbounded() bool { return in.isLookupTable() || in.trueTuples }

// isLookupTable reports whether in is a lookup table's receive, whose multiplicity has no bound.
func (in *interaction) isLookupTable() bool { return in.keys != nil }

// Table declares one AIR table: named main columns, optional preprocessed (fixed) columns,
// constraints and bus interactions. Build it with NewTable and its methods, then hand it to NewAIR.
type Table struct {
	name         string
	cols         []string
	preCols      []string
	pre          *Matrix
	constraints  []constraint
	interactions []interaction
	err          error
}

// NewTable starts a table declaration.
func NewTable(name string) *Table { return &Table{name: name} }

// Name is the table's name.
func (t *Table) Name() string { return t.name }

// Width is the number of main columns.
func (t *Table) Width() int { return len(t.cols) }

// ColumnNames lists the main columns in order.
func (t *Table) ColumnNames() []string { return append([]string(nil), t.cols...) }

// Column declares a main column.
func (t *Table) Column(name string) Column {
	t.cols = append(t.cols, name)
	return Column{idx: len(t.cols) - 1}
}

// Columns declares n main columns named prefix[0..n).
func (t *Table) Columns(prefix string, n int) []Column {
	out := make([]Column, n)
	for i := range out {
		out[i] = t.Column(fmt.Sprintf("%s[%d]", prefix, i))
	}
	return out
}

// Preprocessed declares a preprocessed column; its values come from SetPreprocessed.
func (t *Table) Preprocessed(name string) Column {
	t.preCols = append(t.preCols, name)
	return Column{idx: len(t.preCols) - 1, pre: true}
}

// SetPreprocessed fixes the preprocessed columns' values (and therefore the table's height).
// They are committed once, in the verifying key.
func (t *Table) SetPreprocessed(m *Matrix) { t.pre = m }

func (t *Table) assert(name string, sel Selector, e Expr) {
	d := e.Degree()
	if sel == FirstRow || sel == LastRow {
		d++
	}
	if d > MaxConstraintDegree && t.err == nil {
		t.err = fmt.Errorf("stark: table %s: constraint %q has degree %d (max %d with its selector)", t.name, name, d, MaxConstraintDegree)
	}
	t.constraints = append(t.constraints, constraint{name: name, sel: sel, expr: e})
}

// AssertZero requires e = 0 on every row.
func (t *Table) AssertZero(name string, e Expr) { t.assert(name, EveryRow, e) }

// AssertFirst requires e = 0 on the first row.
func (t *Table) AssertFirst(name string, e Expr) { t.assert(name, FirstRow, e) }

// AssertLast requires e = 0 on the last row.
func (t *Table) AssertLast(name string, e Expr) { t.assert(name, LastRow, e) }

// AssertTransition requires e = 0 on every row but the last; e may read Next().
func (t *Table) AssertTransition(name string, e Expr) { t.assert(name, Transition, e) }

// AssertBool requires e ∈ {0, 1} on every row.
func (t *Table) AssertBool(name string, e Expr) { t.AssertZero(name, e.Mul(e.Sub(Const(1)))) }

// checkDegrees records an error for a tuple value or multiplicity whose degree the LogUp
// constraints cannot hold.
func (t *Table) checkDegrees(bus BusID, mult Expr, values []Expr) {
	for _, v := range values {
		if v.Degree() > MaxConstraintDegree-1 && t.err == nil {
			t.err = fmt.Errorf("stark: table %s: bus %d value of degree %d (max %d)", t.name, bus, v.Degree(), MaxConstraintDegree-1)
		}
	}
	if mult.Degree() > MaxConstraintDegree && t.err == nil {
		t.err = fmt.Errorf("stark: table %s: bus %d multiplicity of degree %d", t.name, bus, mult.Degree())
	}
}

func (t *Table) interact(bus BusID, send bool, mult Expr, bound uint64, values []Expr) {
	t.checkDegrees(bus, mult, values)
	if (bound == 0 || bound >= modulus) && t.err == nil {
		t.err = fmt.Errorf("stark: table %s: bus %d multiplicity bound %d not in [1, p)", t.name, bus, bound)
	}
	t.interactions = append(t.interactions, interaction{bus: bus, send: send, mult: mult, bound: bound, values: values})
}

// Send puts the tuple values on bus with multiplicity mult, which the table's constraints must
// keep in {0, 1} (rows where mult = 0 send nothing). Use SendMany for larger multiplicities.
func (t *Table) Send(bus BusID, mult Expr, values ...Expr) { t.interact(bus, true, mult, 1, values) }

// Receive takes the tuple values off bus with multiplicity mult, which the table's constraints
// must keep in {0, 1}. Use ReceiveMany for larger multiplicities, and LookupTable for a table of
// distinct fixed keys, whose counts need no bound.
//
// A proof is only valid when, on every bus, the multiset of sent tuples equals the multiset of
// received ones. Multiplicities are field elements, so the argument shows equality modulo p; it
// means equality of the integer multisets only while each side's total stays below p. The verifier
// therefore sums rows × bound over each bus's sends, and separately over its receives, and rejects
// a statement whose total could reach p.
func (t *Table) Receive(bus BusID, mult Expr, values ...Expr) {
	t.interact(bus, false, mult, 1, values)
}

// SendMany is Send with multiplicities in [0, bound] on every row (the table must enforce it).
func (t *Table) SendMany(bus BusID, mult Expr, bound uint64, values ...Expr) {
	t.interact(bus, true, mult, bound, values)
}

// ReceiveMany is Receive with multiplicities in [0, bound] on every row (the table must enforce
// it, e.g. by range-checking its count column, or by the senders' own bounds when bound counts all
// sends that could reach one row).
func (t *Table) ReceiveMany(bus BusID, mult Expr, bound uint64, values ...Expr) {
	t.interact(bus, false, mult, bound, values)
}

// LookupTable declares t as the lookup table of bus: each row receives the tuple of its key
// columns, which must be preprocessed (fixed in the verifying key) and hold distinct tuples on
// distinct rows (Setup checks it), mult times. mult is chosen by the prover with no declared
// bound, and a bus with a lookup table may have no other receiver.
//
// Why no bound is needed. LogUp shows Σ_sends m_s/(β - fp(v_s)) = Σ_rows mult_r/(β - fp(key_r))
// as rational functions over F (up to the Schwartz-Zippel error). Group the sends by value: a
// value v looked up c_v times in total contributes c_v/(β - fp(v)), with c_v the integer count
// reduced mod p. The keys are distinct, so each pole (β - fp(key)) occurs once on the right, and
// a value v that is no key has a pole on the left that nothing on the right cancels unless
// c_v ≡ 0 mod p. The verifier keeps refusing statements whose sends on the bus could total p or
// more (checkBusBounds still counts the sends), so 0 < c_v < p and every value sent is a key.
// Whatever field elements the prover writes in mult, it can only make the right side match the
// true counts mod p; it can never make an absent value appear.
func (t *Table) LookupTable(bus BusID, mult Expr, keys ...Column) {
	idx := make([]int, len(keys))
	vals := make([]Expr, len(keys))
	for i, k := range keys {
		if (!k.pre || k.perm) && t.err == nil {
			t.err = fmt.Errorf("stark: table %s: lookup key %d of bus %d is not a preprocessed column", t.name, i, bus)
		}
		idx[i], vals[i] = k.idx, k.Cur()
	}
	if len(keys) == 0 && t.err == nil {
		t.err = fmt.Errorf("stark: table %s: lookup table of bus %d has no keys", t.name, bus)
	}
	t.checkDegrees(bus, mult, vals)
	t.interactions = append(t.interactions, interaction{bus: bus, mult: mult, values: vals, keys: idx})
}

// SendTable sends values on bus mult times, with no bound on mult, for a table whose AIR
// guarantees that every tuple it sends is true: a fact the statement fixes, such as a paged-in
// word's value or a page's flag, with one row per fact (the keys are not preprocessed, so the core
// cannot check this; the table's own argument must). It is the sending twin of LookupTable, and
// the same reasoning applies: a tuple that no SendTable row sends is only balanced by the bounded
// sends and receives, whose totals the verifier keeps below p, so it is received exactly as often
// as it is sent there; the prover's choice of mult only moves the counts of true tuples.
func (t *Table) SendTable(bus BusID, mult Expr, values ...Expr) {
	t.checkDegrees(bus, mult, values)
	t.interactions = append(t.interactions, interaction{bus: bus, send: true, mult: mult, values: values, trueTuples: true})
}

// checkLookupKeys reports a lookup table whose keys repeat a tuple (or that has no preprocessed
// values): its multiplicity, having no bound, would then let two keys' counts trade off.
func (t *Table) checkLookupKeys() error {
	for _, in := range t.interactions {
		if !in.isLookupTable() {
			continue
		}
		if t.pre == nil {
			return fmt.Errorf("%w: table %s: lookup keys without preprocessed values", ErrAIR, t.name)
		}
		seen := make(map[string]int, t.pre.Height)
		key := make([]byte, 4*len(in.keys))
		for r := 0; r < t.pre.Height; r++ {
			for j, c := range in.keys {
				v := uint32(t.pre.Cols[c][r].Uint64())
				key[4*j], key[4*j+1], key[4*j+2], key[4*j+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
			}
			if prev, ok := seen[string(key)]; ok {
				return fmt.Errorf("%w: table %s: lookup keys of bus %d repeat on rows %d and %d", ErrAIR, t.name, in.bus, prev, r)
			}
			seen[string(key)] = r
		}
	}
	return nil
}

// lookup is what the LogUp witness needs for one interaction: the signed multiplicity (positive
// for sends) and the denominator β - fingerprint. The same expressions appear in the table's
// LogUp constraints, so the witness and the constraints cannot disagree on a fingerprint.
type lookup struct {
	mult Expr // in F
	den  Expr // in E
}

// lookupGroups splits the table's interactions into the sets that share one LogUp column. A
// column h holding Σ_{k∈G} m_k/d_k is constrained by h·Π_k d_k = Σ_k m_k·Π_{j≠k} d_j, whose degree
// grows with the group, so interactions are placed first-fit, in declaration order, into the
// first group whose constraint stays within MaxConstraintDegree: two fractions with degree-1
// denominators and multiplicities of degree <= 1 share a column (1/a + 1/b = (a+b)/(ab)); a
// degree-2 denominator keeps its own. The grouping depends only on the declaration, so the
// verifying key fixes it.
func (t *Table) lookupGroups() [][]int {
	type group struct {
		members []int
		denDeg  int // Σ of the members' denominator degrees
		numDeg  int // max over members of mult degree + the other members' denominator degrees
	}
	var gs []group
	for k, in := range t.interactions {
		dm, dd := in.mult.Degree(), 0
		for _, v := range in.values {
			dd = max(dd, v.Degree())
		}
		placed := false
		for g := range gs {
			denDeg := gs[g].denDeg + dd
			numDeg := max(gs[g].numDeg+dd, dm+gs[g].denDeg)
			if max(1+denDeg, numDeg) <= MaxConstraintDegree {
				gs[g].members = append(gs[g].members, k)
				gs[g].denDeg, gs[g].numDeg = denDeg, numDeg
				placed = true
				break
			}
		}
		if !placed {
			gs = append(gs, group{members: []int{k}, denDeg: dd, numDeg: dm})
		}
	}
	out := make([][]int, len(gs))
	for g := range gs {
		out[g] = gs[g].members
	}
	return out
}

// LogUpColumns is the number of extension-field columns (4 base columns each) the table's
// interactions add to its trace: one per group of batched fractions and one running sum.
func (t *Table) LogUpColumns() int {
	if len(t.interactions) == 0 {
		return 0
	}
	return len(t.lookupGroups()) + 1
}

// groupTerm is the LogUp constraint of a column h batching the fractions m_k/d_k of members:
// h·Π d_k - Σ_k m_k·Π_{j≠k} d_j.
func groupTerm(h Expr, lookups []lookup, members []int) Expr {
	prod := h
	var num Expr
	for _, k := range members {
		prod = prod.Mul(lookups[k].den)
		term := lookups[k].mult
		for _, j := range members {
			if j != k {
				term = term.Mul(lookups[j].den)
			}
		}
		num = num.Add(term)
	}
	return prod.Sub(num)
}

// definitions returns every constraint of table t in composition order: the declared ones, then
// for each group G of batched interactions (lookupGroups) the LogUp term of its column h_G,
// h_G·Π_{k∈G}(β - fp_k) = Σ_{k∈G} m_k·Π_{j≠k}(β - fp_j) (m_k negated for receives), then the
// running sum S: S = Σ_G h_G on the first row, S' = S + Σ_G h_G' on transitions, S = total on
// the last row. fp = bus + Σ_v γ^(v+1)·value_v. This is the one definition the prover's quotient,
// the verifier's out-of-domain check and the soundness calculator all use; the witness's
// multiplicities and denominators are the same lookup expressions.
func (t *Table) definitions() ([]constraint, []lookup, [][]int) {
	defs := append([]constraint(nil), t.constraints...)
	K := len(t.interactions)
	if K == 0 {
		return defs, nil, nil
	}
	beta := challenge(0)
	lookups := make([]lookup, K)
	for k, in := range t.interactions {
		fp := Const(uint64(in.bus))
		for v, val := range in.values {
			fp = fp.Add(challenge(v + 1).Mul(val))
		}
		m := in.mult
		if !in.send {
			m = m.Neg()
		}
		lookups[k] = lookup{mult: m, den: beta.Sub(fp)}
	}
	groups := t.lookupGroups()
	var sumH, sumHn Expr
	for g, members := range groups {
		h := permCol(g)
		buses := make([]BusID, len(members))
		for j, k := range members {
			buses[j] = t.interactions[k].bus
		}
		defs = append(defs, constraint{name: fmt.Sprintf("LogUp term of interactions %v (buses %v)", members, buses), sel: EveryRow,
			expr: groupTerm(h.Cur(), lookups, members)})
		sumH, sumHn = sumH.Add(h.Cur()), sumHn.Add(h.Next())
	}
	s := permCol(len(groups))
	defs = append(defs,
		constraint{name: "LogUp running sum (first row)", sel: FirstRow, expr: s.Cur().Sub(sumH)},
		constraint{name: "LogUp running sum (transition)", sel: Transition, expr: s.Next().Sub(s.Cur()).Sub(sumHn)},
		constraint{name: "LogUp running sum (last row)", sel: LastRow, expr: s.Cur().Sub(logUpSum())},
	)
	return defs, lookups, groups
}

// maxTupleWidth is the widest tuple the table sends or receives.
func (t *Table) maxTupleWidth() int {
	w := 0
	for _, in := range t.interactions {
		w = max(w, len(in.values))
	}
	return w
}

// AIR is a set of tables proven together, sharing public values and buses.
type AIR struct {
	name      string
	numPublic int
	tables    []*Table
	defs      [][]constraint // per table, every constraint, LogUp terms included (see definitions)
	progs     []*program     // per table, defs compiled: the quotient and the verifier run it
	lookups   [][]lookup     // per table, the LogUp witness expressions
	groups    [][][]int      // per table, the interactions batched into each LogUp column
	tracePrgs []*program     // per table, declared constraints then each lookup's (mult, den)
	degrees   []int          // per table, max constraint degree (LogUp included)
}

// ErrBusOverflow marks a statement in which the total multiplicity sent (or received) on a bus
// could reach p, where LogUp's equality modulo p no longer implies equality of multisets.
var ErrBusOverflow = errors.New("stark: bus multiplicity could reach p")

// checkBusBounds sums, per bus and direction, rows × declared bound over every interaction, for
// tables of 2^logH[i] rows, and rejects a total that could reach p. If every send and receive
// total stays below p, a tuple's sends and receives, equal modulo p, are equal integers.
func (a *AIR) checkBusBounds(logH []int) error {
	type key struct {
		bus  BusID
		send bool
	}
	total := map[key]uint64{}
	for i, t := range a.tables {
		for _, in := range t.interactions {
			if in.unbounded() {
				continue // no bound needed: see LookupTable and SendTable
			}
			k := key{in.bus, in.send}
			// bound < 2^31 and rows <= 2^24, so one term fits easily; saturate the sum at p.
			total[k] = min(total[k]+in.bound<<uint(logH[i]), modulus)
			if total[k] >= modulus {
				dir := "receives"
				if in.send {
					dir = "sends"
				}
				return fmt.Errorf("%w: bus %d %s up to %d times (table %s, 2^%d rows × bound %d)", ErrBusOverflow, in.bus, dir, total[k], t.name, logH[i], in.bound)
			}
		}
	}
	return nil
}

// ErrAIR marks a malformed AIR declaration.
var ErrAIR = errors.New("stark: malformed AIR")

// NewAIR validates the tables and compiles their constraints.
func NewAIR(name string, numPublic int, tables ...*Table) (*AIR, error) {
	a := &AIR{name: name, numPublic: numPublic, tables: tables}
	if len(tables) == 0 {
		return nil, fmt.Errorf("%w: no tables", ErrAIR)
	}
	if numPublic < 0 {
		return nil, fmt.Errorf("%w: negative number of public values", ErrAIR)
	}
	for _, t := range tables {
		if t.err != nil {
			return nil, fmt.Errorf("%w: %w", ErrAIR, t.err)
		}
		if len(t.cols) == 0 {
			return nil, fmt.Errorf("%w: table %s has no main columns", ErrAIR, t.name)
		}
		if len(t.preCols) > 0 {
			if t.pre == nil || t.pre.Width() != len(t.preCols) {
				return nil, fmt.Errorf("%w: table %s: preprocessed values missing or of the wrong width", ErrAIR, t.name)
			}
			if err := t.pre.check(); err != nil {
				return nil, fmt.Errorf("%w: table %s: %w", ErrAIR, t.name, err)
			}
			if log2Exact(t.pre.Height) < minLogHeight {
				return nil, fmt.Errorf("%w: table %s: preprocessed height %d too small", ErrAIR, t.name, t.pre.Height)
			}
		}
		if err := a.checkLookupBuses(t); err != nil {
			return nil, err
		}
		a.defs = append(a.defs, nil)
		a.progs = append(a.progs, nil)
		a.lookups = append(a.lookups, nil)
		a.tracePrgs = append(a.tracePrgs, nil)
		a.degrees = append(a.degrees, 0)
		defs, lookups, groups := t.definitions()
		a.groups = append(a.groups, groups)
		if err := a.compile(len(a.defs)-1, defs, lookups); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// checkLookupBuses refuses a lookup table sharing its bus with any other receiver: its argument
// (LookupTable) needs every pole on the receiving side to be a distinct key of that one table.
func (a *AIR) checkLookupBuses(t *Table) error {
	for _, in := range t.interactions {
		if !in.isLookupTable() {
			continue
		}
		n := 0
		for _, u := range a.tables {
			for _, o := range u.interactions {
				if o.bus == in.bus && !o.send {
					n++
				}
			}
		}
		if n != 1 {
			return fmt.Errorf("%w: bus %d has a lookup table (in %s) and %d other receivers", ErrAIR, in.bus, t.name, n-1)
		}
	}
	return nil
}

// compile installs table i's definitions and compiles them (tests call it to alter a definition).
func (a *AIR) compile(i int, defs []constraint, lookups []lookup) error {
	t := a.tables[i]
	nPerm, nChal := 0, 0
	if K := len(t.interactions); K > 0 {
		nPerm, nChal = len(a.groups[i])+1, t.maxTupleWidth()+1
	}
	var roots []Expr
	deg := 1
	for _, c := range defs {
		roots = append(roots, c.expr)
		d := c.expr.Degree()
		if c.sel == FirstRow || c.sel == LastRow {
			d++
		}
		deg = max(deg, d)
	}
	p, err := compileProgram(len(t.cols), len(t.preCols), a.numPublic, nPerm, nChal, roots)
	if err != nil {
		return fmt.Errorf("%w: table %s: %w", ErrAIR, t.name, err)
	}
	roots = roots[:len(t.constraints)]
	for _, l := range lookups {
		roots = append(roots, l.mult, l.den)
	}
	tp, err := compileProgram(len(t.cols), len(t.preCols), a.numPublic, 0, nChal, roots)
	if err != nil {
		return fmt.Errorf("%w: table %s: %w", ErrAIR, t.name, err)
	}
	a.defs[i], a.progs[i], a.lookups[i], a.tracePrgs[i], a.degrees[i] = defs, p, lookups, tp, deg
	return nil
}

// numCompositionTerms is how many terms table i adds to the random linear combination the
// quotient divides: its constraints, LogUp ones included.
func (a *AIR) numCompositionTerms(i int) int { return len(a.defs[i]) }

// Tables lists the AIR's tables.
func (a *AIR) Tables() []*Table { return a.tables }

// NumPublic is the number of public values a proof of this AIR takes.
func (a *AIR) NumPublic() int { return a.numPublic }

// quotientLog returns log2 of the quotient chunks table i needs (degree d needs d-1 chunks).
func (a *AIR) quotientLog(i int) int {
	d := a.degrees[i] - 1
	l := 0
	for 1<<uint(l) < d {
		l++
	}
	return l
}

func (a *AIR) numPermCols(i int) int {
	if len(a.tables[i].interactions) == 0 {
		return 0
	}
	return 4 * (len(a.groups[i]) + 1)
}

// VerifyingKeyOf is what a verifier needs: the AIR's structure and the commitment to its
// preprocessed columns, under the hash configuration of D. Its Digest is bound into every proof's
// transcript; the configuration is bound into the digest (a different hash function, and for
// BN254 a configuration label in the hashed structure).
type VerifyingKeyOf[D Digest] struct {
	air          *AIR
	logBlowup    int
	preRoot      D
	preLogHeight []int // per table, -1 when it has no preprocessed columns
	structure    D
	digest       D
}

// VerifyingKey is a verifying key in the default configuration.
type VerifyingKey = VerifyingKeyOf[hash.Digest]

// ProvingKeyOf adds the prover's copy of the preprocessed columns and their LDE.
type ProvingKeyOf[D Digest] struct {
	vk      *VerifyingKeyOf[D]
	params  Params
	preLDE  []*Matrix // per table, nil when none
	preTree *mmcsTree[D]
}

// ProvingKey is a proving key in the default configuration.
type ProvingKey = ProvingKeyOf[hash.Digest]

// Setup commits the preprocessed columns for params and returns the keys, in the default
// configuration.
func Setup(air *AIR, params Params) (*ProvingKey, error) { return SetupFor[hash.Digest](air, params) }

// SetupFor is Setup in the hash configuration of D (SetupFor[hash.BN254Digest] for the BN254
// layer).
func SetupFor[D Digest](air *AIR, params Params) (*ProvingKeyOf[D], error) {
	vk, err := newKey[D](air, params)
	if err != nil {
		return nil, err
	}
	pk := &ProvingKeyOf[D]{vk: vk, params: params, preLDE: make([]*Matrix, len(air.tables))}
	doms := newDomains()
	var preMats []*Matrix
	for i, t := range air.tables {
		if vk.preLogHeight[i] >= 0 {
			pk.preLDE[i] = doms.lde(t.pre, params.LogBlowup)
			preMats = append(preMats, pk.preLDE[i])
		}
	}
	tree, err := commitMatrices[D](preMats)
	if err != nil {
		return nil, err
	}
	pk.preTree = tree
	vk.preRoot = tree.root()
	vk.digest = configOf[D]().compress(vk.structure, vk.preRoot)
	return pk, nil
}

// StructureKey is a key with air's structure for params but no preprocessed commitment: what a
// recursion verifier needs when the commitment is a variable of its program (children of one AIR
// and shape with different preprocessed columns, such as recursion programs). Its
// StructureDigest equals that of Setup(air, params); its PreRoot is zero and its Digest belongs
// to no real key, so verifying a proof with it fails. Only the preprocessed heights of air are
// read, not their values.
func StructureKey(air *AIR, params Params) (*VerifyingKey, error) {
	vk, err := newKey[hash.Digest](air, params)
	if err != nil {
		return nil, err
	}
	vk.digest = hash.Compress(vk.structure, vk.preRoot)
	return vk, nil
}

// WithPreRoot is the key with vk's structure whose preprocessed columns commit to root: the key
// of every Setup of an AIR of that structure with those columns. A verifier that knows the
// structure (recursion programs share it) and trusts root (it belongs to a fixed set of keys)
// needs no Setup.
func (vk *VerifyingKeyOf[D]) WithPreRoot(root D) *VerifyingKeyOf[D] {
	k := *vk
	k.preRoot = root
	k.digest = configOf[D]().compress(k.structure, root)
	return &k
}

// newKey checks air against params and fills everything in the key but the commitment.
func newKey[D Digest](air *AIR, params Params) (*VerifyingKeyOf[D], error) {
	if err := params.Validate(); err != nil {
		return nil, err
	}
	for i := range air.tables {
		if 1<<uint(params.LogBlowup) < 1<<uint(air.quotientLog(i)) {
			return nil, fmt.Errorf("%w: log blowup %d too small for table %s of degree %d", ErrParams, params.LogBlowup, air.tables[i].name, air.degrees[i])
		}
	}
	vk := &VerifyingKeyOf[D]{air: air, logBlowup: params.LogBlowup}
	for i, t := range air.tables {
		if err := t.checkLookupKeys(); err != nil {
			return nil, err
		}
		vk.preLogHeight = append(vk.preLogHeight, -1)
		if t.pre == nil || len(t.preCols) == 0 {
			continue
		}
		lh := log2Exact(t.pre.Height)
		if err := checkLogHeight(lh, params.LogBlowup); err != nil {
			return nil, err
		}
		vk.preLogHeight[i] = lh
	}
	vk.structure = vk.structureDigest()
	return vk, nil
}

// VerifyingKey returns the verifier's half.
func (pk *ProvingKeyOf[D]) VerifyingKey() *VerifyingKeyOf[D] { return pk.vk }

// Params is the parameter set proofs from this key are made with.
func (pk *ProvingKeyOf[D]) Params() Params { return pk.params }

// Digest identifies the AIR (shapes, constraints, buses, preprocessed commitment, blowup): it is
// the configuration's compression of (StructureDigest, PreRoot), so that a recursion verifier whose children share one
// AIR but not one preprocessed commitment (recursion programs) derives it with one compression.
func (vk *VerifyingKeyOf[D]) Digest() D { return vk.digest }

// StructureDigest identifies everything in the key but the preprocessed commitment.
func (vk *VerifyingKeyOf[D]) StructureDigest() D { return vk.structure }

// PreRoot is the Merkle root of the preprocessed columns' LDEs (the zero digest when no table has
// preprocessed columns).
func (vk *VerifyingKeyOf[D]) PreRoot() D { return vk.preRoot }

// AIR returns the statement the key is for.
func (vk *VerifyingKeyOf[D]) AIR() *AIR { return vk.air }

func (vk *VerifyingKeyOf[D]) structureDigest() D {
	b := []byte("zkexex/stark/vk/v4\x00")
	b = appendString(b, vk.air.name)
	b = appendU32(b, uint32(vk.air.numPublic), uint32(len(vk.air.tables)), uint32(vk.logBlowup))
	for i, t := range vk.air.tables {
		b = appendString(b, t.name)
		b = appendU32(b, uint32(len(t.cols)), uint32(len(t.preCols)), uint32(int32(vk.preLogHeight[i])), uint32(vk.air.degrees[i]))
		for _, c := range t.cols {
			b = appendString(b, c)
		}
		b = appendU32(b, uint32(len(vk.air.defs[i])))
		for _, c := range vk.air.defs[i] {
			b = appendU32(b, uint32(c.sel))
		}
		b = appendU32(b, uint32(len(t.interactions)))
		for _, in := range t.interactions {
			s := uint32(0)
			if in.send {
				s = 1
			}
			if in.isLookupTable() {
				s = 2
			}
			if in.trueTuples {
				s = 3
			}
			b = appendU32(b, uint32(in.bus), s, uint32(len(in.values)), uint32(in.bound))
			for _, c := range in.keys {
				b = appendU32(b, uint32(c))
			}
		}
		b = appendU32(b, uint32(len(vk.air.groups[i])))
		for _, g := range vk.air.groups[i] {
			b = appendU32(b, uint32(len(g)))
			for _, k := range g {
				b = appendU32(b, uint32(k))
			}
		}
		b = vk.air.progs[i].encode(b)
	}
	return configOf[D]().hashBytes(b)
}

func appendString(b []byte, s string) []byte {
	b = appendU32(b, uint32(len(s)))
	return append(b, s...)
}
