package rv64

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
)

// Segment proof shapes. A recursion program that verifies a segment proof is straight-line code
// for one vector of table heights, and the set of lift verifying keys a succinct receipt accepts
// is fixed (issue 12). Segment proofs therefore come in a small menu of shapes per po2: a few
// calibrated on real workloads, and MaxShape, which every segment of the po2 fits. A segment is
// proven at the cheapest menu shape that dominates its natural shape (every table at least as
// tall), its tables padded by their own trace functions. SP1 does the same with its
// CoreShapeConfig: a list of allowed shapes per shard size, each shard padded to the smallest
// that fits (../shared/PRIOR-ART.md).

// Shape is a segment proof's trace shape: the segment's po2 and log2 of every table's height, in
// segmentTables order. It is what a recursion verifier of the proof is built for.
type Shape struct {
	Po2 int
	Log []int
}

// minLogs maps a table's name to the least log2 height its trace gets (absent: its natural
// height). The trace functions take it, so that padding rows are always the table's own.
type minLogs map[string]int

// ErrShape marks a shape a segment cannot be proven at: malformed, not this AIR's, or too small
// for the segment (then the error is a *ShapeTooSmallError).
var ErrShape = errors.New("rv64: segment shape")

// ShapeTooSmallError reports a table whose rows do not fit the requested shape.
type ShapeTooSmallError struct {
	Table        string
	Natural, Max int // log2 heights: the segment's and the shape's
}

func (e *ShapeTooSmallError) Error() string {
	return fmt.Sprintf("rv64: segment shape: table %s needs 2^%d rows, the shape has 2^%d", e.Table, e.Natural, e.Max)
}

// Unwrap makes errors.Is(err, ErrShape) hold.
func (e *ShapeTooSmallError) Unwrap() error { return ErrShape }

// tableInfo is what a shape needs to know of each segment table.
type tableInfo struct {
	name      string
	main, ext int // cells per row: main columns, 4 per LogUp extension column
	fixed     int // log2 of the height the table always has (preprocessed or constant), or -1
}

// shapeTables lists the segment tables' shape facts in segmentTables order.
var shapeTables = sync.OnceValues(func() ([]tableInfo, error) {
	air, err := SegmentAIR()
	if err != nil {
		return nil, err
	}
	out := make([]tableInfo, len(air.Tables()))
	for i, t := range air.Tables() {
		out[i] = tableInfo{name: t.Name(), main: t.Width(), ext: 4 * t.LogUpColumns(), fixed: -1}
		if l, ok := fixedLog[t.Name()]; ok {
			out[i].fixed = l
		}
	}
	return out, nil
})

// fixedLog is log2 of the height of each table whose height never changes: the preprocessed
// tables (tables.go, shift.go, decode.go, merkle.go; TestShapeFixedTables checks the list
// against the verifying key) and the mode-read table, one read in 2^minLogRows rows (modeTrace).
var fixedLog = map[string]int{
	"cpu_mode":           minLogRows,
	"decode_class":       classKeyBits,
	"page_merkle_levels": log2Exact(merkleLevelRows),
	"bytes":              8,
	"byte_and":           16,
	"byte_shift":         12,
	"range16":            16,
}

func log2Exact(n int) int {
	k := 0
	for 1<<k < n {
		k++
	}
	return k
}

func tableIndex(ts []tableInfo, name string) int {
	for i := range ts {
		if ts[i].name == name {
			return i
		}
	}
	panic("rv64: no segment table " + name) // the names are this package's own constants
}

// shapeTablesMust is shapeTables for callers that cannot fail: the AIR is a constant of the
// package and its construction is tested.
func shapeTablesMust() []tableInfo {
	ts, err := shapeTables()
	if err != nil {
		panic(err)
	}
	return ts
}

// String lists the heights by table name.
func (s Shape) String() string {
	ts := shapeTablesMust()
	var b strings.Builder
	fmt.Fprintf(&b, "po2 %d:", s.Po2)
	for i, l := range s.Log {
		name := "?"
		if i < len(ts) {
			name = ts[i].name
		}
		fmt.Fprintf(&b, " %s=%d", name, l)
	}
	return b.String()
}

// keyDigits writes a log height (0..31) as one character.
const keyDigits = "0123456789abcdefghijklmnopqrstuv"

// Key is a compact encoding of the shape: the po2 in two decimal digits, a dash, and one base-32
// digit per table ("20-k3e…").
func (s Shape) Key() string {
	b := []byte(fmt.Sprintf("%02d-", s.Po2))
	for _, l := range s.Log {
		if l < 0 || l >= len(keyDigits) {
			b = append(b, '!')
			continue
		}
		b = append(b, keyDigits[l])
	}
	return string(b)
}

// ParseShapeKey decodes Key's encoding.
func ParseShapeKey(k string) (Shape, error) {
	var s Shape
	if len(k) < 3 || k[2] != '-' || k[0] < '0' || k[0] > '9' || k[1] < '0' || k[1] > '9' {
		return s, fmt.Errorf("%w: key %q", ErrShape, k)
	}
	s.Po2 = int(k[0]-'0')*10 + int(k[1]-'0')
	for _, c := range []byte(k[3:]) {
		l := strings.IndexByte(keyDigits, c)
		if l < 0 {
			return Shape{}, fmt.Errorf("%w: key %q", ErrShape, k)
		}
		s.Log = append(s.Log, l)
	}
	return s, s.check()
}

// check reports whether s is a shape of the segment AIR: one height per table, fixed tables at
// their heights, every other table at least 2^minLogRows, and a CPU table that fits the po2.
func (s Shape) check() error {
	ts, err := shapeTables()
	if err != nil {
		return err
	}
	switch {
	case s.Po2 < vm.MinPo2 || s.Po2 > vm.MaxPo2:
		return fmt.Errorf("%w: po2 %d", ErrShape, s.Po2)
	case len(s.Log) != len(ts):
		return fmt.Errorf("%w: %d heights for %d tables", ErrShape, len(s.Log), len(ts))
	case s.Log[cpuTableIndex] > s.Po2:
		return fmt.Errorf("%w: CPU table of 2^%d rows at po2 %d", ErrShape, s.Log[cpuTableIndex], s.Po2)
	}
	for i, l := range s.Log {
		switch f := ts[i].fixed; {
		case f >= 0 && l != f:
			return fmt.Errorf("%w: table %s has 2^%d rows, not 2^%d", ErrShape, ts[i].name, f, l)
		case l < minLogRows || l > maxShapeLog:
			return fmt.Errorf("%w: table %s of 2^%d rows", ErrShape, ts[i].name, l)
		}
	}
	return nil
}

// maxShapeLog is the tallest table a shape may ask for. A table of 2^23 rows brings DefaultParams
// under the 100 conjectured bits NewVerifier requires (the out-of-domain term: 99.4 bits), and
// the stark core cannot prove one of 2^24 (its LDE at blowup 2 exceeds the 24-bit query
// indices), while every table at 2^22 keeps 100 bits (TestMaxShapeAdmissible). So no segment
// with a taller table is provable under NewVerifier, whatever its shape.
const maxShapeLog = 22

// Dominates reports whether every table of s is at least as tall as o's (same number of tables).
func (s Shape) Dominates(o Shape) bool {
	if len(s.Log) != len(o.Log) {
		return false
	}
	for i := range s.Log {
		if s.Log[i] < o.Log[i] {
			return false
		}
	}
	return true
}

// Cells is the shape's committed cells: rows × (main columns + 4 per LogUp extension column),
// summed over the tables, as BenchmarkSegment counts them.
func (s Shape) Cells() int64 {
	ts := shapeTablesMust()
	var c int64
	for i, l := range s.Log {
		if i < len(ts) {
			c += int64(ts[i].main+ts[i].ext) << uint(l)
		}
	}
	return c
}

// Equal reports whether s and o are the same shape.
func (s Shape) Equal(o Shape) bool { return s.Po2 == o.Po2 && s.Dominates(o) && o.Dominates(s) }

// witnessShape reads a witness's shape.
func witnessShape(po2 int, w *witness) Shape {
	s := Shape{Po2: po2, Log: make([]int, len(w.traces))}
	for i, m := range w.traces {
		s.Log[i] = log2Exact(m.Height)
	}
	return s
}

// NaturalShape is the shape Prove gives seg: every table padded to the next power of two of its
// own rows. It generates the segment's traces (about a second at po2 20).
func NaturalShape(ctx context.Context, seg *vm.Segment) (Shape, error) {
	w, err := generate(ctx, seg)
	if err != nil {
		return Shape{}, err
	}
	return witnessShape(int(seg.Po2), w), nil
}

// ProveShaped proves seg with every table padded to shape's height. The seal verifies with
// Verifier like Prove's. A table whose rows exceed the shape's height fails with a
// *ShapeTooSmallError; a shape that is not one of the segment AIR, or whose po2 is not the
// segment's, with ErrShape.
func ProveShaped(ctx context.Context, seg *vm.Segment, params stark.Params, shape Shape) (*receipt.SegmentReceipt, error) {
	if err := shape.check(); err != nil {
		return nil, err
	}
	if shape.Po2 != int(seg.Po2) {
		return nil, fmt.Errorf("%w: shape of po2 %d for a po2-%d segment", ErrShape, shape.Po2, seg.Po2)
	}
	w, err := generateAt(ctx, seg, shape.minLogs())
	if err != nil {
		return nil, err
	}
	if err := shape.holds(w); err != nil {
		return nil, err
	}
	return proveWitness(ctx, seg, params, w)
}

// minLogs asks every variable table for its height in s.
func (s Shape) minLogs() minLogs {
	ts := shapeTablesMust()
	ml := make(minLogs, len(ts))
	for i, t := range ts {
		if t.fixed < 0 {
			ml[t.name] = s.Log[i]
		}
	}
	return ml
}

// holds checks that a witness generated at s's heights has exactly them: a taller table did not
// fit.
func (s Shape) holds(w *witness) error {
	ts := shapeTablesMust()
	for i, m := range w.traces {
		if l := log2Exact(m.Height); l != s.Log[i] {
			return &ShapeTooSmallError{Table: ts[i].name, Natural: l, Max: s.Log[i]}
		}
	}
	return nil
}

// ProveMenu proves seg at the shape ShapeFor would choose for its natural shape, and returns
// it, without computing the natural shape first: it generates the traces at each menu entry in
// order of cells, skipping entries that a table already seen taller than an entry rules out, and
// proves the first
// that holds (the cheapest that dominates). Most segments fit the first entry tried, so their
// traces are generated once instead of twice (NaturalShape, then ProveShaped).
func ProveMenu(ctx context.Context, seg *vm.Segment, params stark.Params) (*receipt.SegmentReceipt, Shape, error) {
	menu := slices.Clone(Shapes(int(seg.Po2)))
	if len(menu) == 0 {
		return nil, Shape{}, fmt.Errorf("%w: no menu at po2 %d", ErrShape, seg.Po2)
	}
	slices.SortStableFunc(menu, func(a, b Shape) int { return cmp.Compare(a.Cells(), b.Cells()) })
	// atLeast[i] is a height table i is known to need (the natural height, once seen above an
	// entry's).
	atLeast := make([]int, len(menu[0].Log))
	var tooSmall error
	for _, s := range menu {
		fits := true
		for i, l := range s.Log {
			fits = fits && atLeast[i] <= l
		}
		if !fits {
			continue
		}
		w, err := generateAt(ctx, seg, s.minLogs())
		if err != nil {
			return nil, Shape{}, err
		}
		if tooSmall = s.holds(w); tooSmall == nil {
			r, err := proveWitness(ctx, seg, params, w)
			return r, s, err
		}
		// A table taller than s's height was not padded: that is its natural height. A table at
		// s's height says nothing (it may be padding), and entries are not ordered table by
		// table, so only the former may rule later entries out.
		for i, m := range w.traces {
			if lh := log2Exact(m.Height); lh > s.Log[i] {
				atLeast[i] = max(atLeast[i], lh)
			}
		}
	}
	return nil, Shape{}, fmt.Errorf("%w: no menu shape of po2 %d holds segment %d: %w", ErrShape, seg.Po2, seg.Index, tooSmall)
}

// ShapeFor returns the menu entry of natural's po2 (Shapes) with the fewest cells that dominates
// natural. MaxShape dominates every segment of the po2, so an error means natural is not the
// shape of a segment the executor cut.
func ShapeFor(natural Shape) (Shape, error) {
	if err := natural.check(); err != nil {
		return Shape{}, err
	}
	return pickShape(Shapes(natural.Po2), natural)
}

// pickShape returns the entry of menu with the fewest cells that dominates natural.
func pickShape(menu []Shape, natural Shape) (Shape, error) {
	var best Shape
	var bestCells int64
	for _, s := range menu {
		if s.Dominates(natural) && (best.Log == nil || s.Cells() < bestCells) {
			best, bestCells = s, s.Cells()
		}
	}
	if best.Log == nil {
		return Shape{}, fmt.Errorf("%w: no menu shape of po2 %d holds %s", ErrShape, natural.Po2, natural)
	}
	return best, nil
}

// Shapes is the menu of po2: the calibrated shapes of shapeTable, then MaxShape. It is empty for
// a po2 outside [vm.MinPo2, vm.MaxPo2].
func Shapes(po2 int) []Shape {
	if po2 < vm.MinPo2 || po2 > vm.MaxPo2 {
		return nil
	}
	var out []Shape
	for _, k := range shapeTable[po2] {
		s, err := ParseShapeKey(k)
		if err != nil {
			panic(fmt.Sprintf("rv64: shape_table.go: %v", err)) // TestShapeTable checks every entry
		}
		out = append(out, s)
	}
	return append(out, MaxShape(po2))
}

// A segment of po2 runs I instructions, pages P pages in and writes D of them back, with
// I + PageInCycles·P + PageOutCycles·D ≤ 2^po2 (the executor cuts segments so) and D ≤ P. Every
// table's rows are at most a·I + b·P + c·D + d·H + e, where H is the number of READ/WRITE host
// calls. A host call moves at most one page (vm's pageChunk), and each costs at least
// minIOCallInstructions instructions (the user ecall, the kernel's trap entry and exit and its
// syscall dispatch: TestIOCallCost measures the kernel's path), so H ≤ I/minIOCallInstructions.
// The maximum of a linear bound over that polytope is at a vertex: all instructions
// (I = 2^po2), all clean page-ins (P = 2^po2/384) or all written pages (P = D = 2^po2/640).
type rowBound struct {
	perInstr, perPageIn, perPageOut, perIOCall, extra float64
}

// minIOCallInstructions is a floor under the instructions a READ or WRITE host call costs: the
// kernel takes 95 instructions from the user's ecall to its mret (ABI v1 kernel), the user at
// least 2 (set a0, ecall). The floor leaves a margin for kernel paths not measured.
const minIOCallInstructions = 80

// tableBound is each variable table's row bound, and why.
var tableBound = map[string]rowBound{
	// One row per instruction.
	"cpu": {perInstr: 1},
	// One row per distinct (pc, code word) executed.
	"decode": {perInstr: 1},
	// Every load, store or atomic is one BusLS event in exactly one of the memory tables.
	"mem_ld": {perInstr: 1}, "mem_sd": {perInstr: 1}, "mem_lw": {perInstr: 1}, "mem_sw": {perInstr: 1},
	"mem_load": {perInstr: 1}, "mem_store": {perInstr: 1}, "mem_ls": {perInstr: 1}, "mem_atomic": {perInstr: 1},
	// One row per trap, mret or host call.
	"sys": {perInstr: 1},
	// One row per 8-byte word a READ or WRITE moves: at most a page, 512 words.
	"sys_io": {perIOCall: vm.PageSize / 8},
	// The journal bytes and their 8-byte length, 32 bytes a row: at most a page per WRITE.
	"journal": {perIOCall: vm.PageSize / journalSlots, extra: 2},
	// 128 rows per page: clean pages, and pages whose contents changed (written back).
	pageCleanName: {perPageIn: blocksPerPage},
	pageDirtyName: {perPageOut: blocksPerPage},
	// One row per internal node of the union of the pages' paths: at most vm.PageBits per page.
	"page_merkle": {perPageIn: vm.PageBits},
	// Two permutations per Merkle node (old and new), fewer after deduplication.
	"p2_16": {perPageIn: 2 * vm.PageBits},
	// The page sponges (a block per page row, in and out) and one journal block per journal row.
	"p2_24": {perPageIn: blocksPerPage, perPageOut: blocksPerPage, perIOCall: vm.PageSize / journalSlots, extra: 2},
	// Each instruction sends at most one ALU message: the CPU's (ALU ops, branches, load and
	// store addresses, JALR targets) or the atomic table's (AMOs; the CPU sends none for them).
	"alu_addsub": {perInstr: 1}, "alu_bitwise": {perInstr: 1}, "alu_lt": {perInstr: 1},
	"alu_mul": {perInstr: 1}, "alu_shift": {perInstr: 1}, "alu_div": {perInstr: 1},
}

// rows is the bound's maximum for segments of 2^po2 cycles.
func (b rowBound) rows(po2 int) int {
	n := float64(uint64(1) << uint(po2))
	per := max(b.perInstr+b.perIOCall/minIOCallInstructions,
		b.perPageIn/vm.PageInCycles,
		(b.perPageIn+b.perPageOut)/(vm.PageInCycles+vm.PageOutCycles))
	return int(math.Ceil(per*n + b.extra))
}

// MaxShape is the shape every provable segment of po2 fits: each variable table at its row bound
// (tableBound) or at maxShapeLog if that is lower, each fixed table at its height. From po2 20 on
// the cap binds for sys_io (and from po2 22 for the journal and p2_24): the executor does not
// bound host I/O per segment, so an I/O-heavy segment there can need a taller table than any
// segment proof can have, and is unprovable at any shape.
func MaxShape(po2 int) Shape {
	ts := shapeTablesMust()
	s := Shape{Po2: po2, Log: make([]int, len(ts))}
	for i, t := range ts {
		if t.fixed >= 0 {
			s.Log[i] = t.fixed
			continue
		}
		s.Log[i] = min(logRows(tableBound[t.name].rows(po2)), maxShapeLog)
	}
	return s
}
