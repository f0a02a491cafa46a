package rv64

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/p2air"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
)

// --- a sparse page tree, independent of the tables' code, for records and expected roots ---

// testTree is the page Merkle tree of a memory image (pages absent from it are zero pages).
type testTree struct {
	levels []map[uint64]hash.Digest
	empty  []hash.Digest
	data   map[uint64]*[vm.PageSize]byte
}

func newTestTree(mem map[uint64]*[vm.PageSize]byte) *testTree {
	zero := hash.HashU32s(make([]uint32, vm.PageSize/4))
	t := &testTree{empty: hash.EmptyRoots(zero, vm.PageBits), data: mem}
	leaves := map[uint64]hash.Digest{}
	for pn, d := range mem {
		w := make([]uint32, vm.PageSize/4)
		for i := range w {
			w[i] = binary.LittleEndian.Uint32(d[4*i:])
		}
		leaves[pn] = hash.HashU32s(w)
	}
	t.levels = append(t.levels, leaves)
	for l := 1; l <= vm.PageBits; l++ {
		next := map[uint64]hash.Digest{}
		for i := range t.levels[l-1] {
			p := i >> 1
			next[p] = hash.Compress(t.node(l-1, 2*p), t.node(l-1, 2*p+1))
		}
		t.levels = append(t.levels, next)
	}
	return t
}

func (t *testTree) node(l int, i uint64) hash.Digest {
	if d, ok := t.levels[l][i]; ok {
		return d
	}
	return t.empty[l]
}

func (t *testTree) root() hash.Digest { return t.node(vm.PageBits, 0) }

func (t *testTree) record(pn uint64, data *[vm.PageSize]byte) vm.PageRecord {
	r := vm.PageRecord{Page: pn, Data: *data}
	for l := 0; l < vm.PageBits; l++ {
		r.Proof = append(r.Proof, t.node(l, (pn>>l)^1))
	}
	return r
}

// --- test-only tables playing the other side of the paging tables' buses ---

// testPermTable stands in for the Poseidon2 chip: a lookup table whose preprocessed rows are the
// true permutations (prover/hash) of the given inputs, so a sender's (in, out) balances exactly
// when out = P(in), as with the real chip.
func testPermTable(name string, width int, bus stark.BusID, ins [][]hash.Element) (*stark.Table, *stark.Matrix) {
	type row struct {
		in   []hash.Element
		mult uint64
	}
	seen := map[string]int{}
	var rows []row
	keyOf := func(in []hash.Element) string { return fmt.Sprint(in) }
	for _, in := range ins {
		k := keyOf(in)
		if i, ok := seen[k]; ok {
			rows[i].mult++
			continue
		}
		seen[k] = len(rows)
		rows = append(rows, row{in, 1})
	}
	n := 1 << uint(logRows(len(rows)))
	for c := uint64(1); len(rows) < n; c++ {
		in := make([]hash.Element, width)
		in[width-1].SetUint64(c)
		if _, ok := seen[keyOf(in)]; !ok {
			seen[keyOf(in)] = len(rows)
			rows = append(rows, row{in, 0})
		}
	}
	t := stark.NewTable(name)
	mult := t.Column("mult")
	pre := stark.NewMatrix(2*width, n)
	keys := make([]stark.Column, 2*width)
	for i := range keys {
		keys[i] = t.Preprocessed(fmt.Sprint("v", i))
	}
	tr := stark.NewMatrix(1, n)
	for r, rw := range rows {
		out := permute(rw.in)
		for i := 0; i < width; i++ {
			pre.Set(r, i, rw.in[i])
			pre.Set(r, width+i, out[i])
		}
		tr.SetUint(r, 0, rw.mult)
	}
	t.SetPreprocessed(pre)
	t.LookupTable(bus, mult.Cur(), keys...)
	return t, tr
}

// realChip is prover/p2air's chip of width w on bus, with its trace for the requests ins.
func realChip(t testing.TB, w int, bus stark.BusID, ins [][]hash.Element) (*stark.Table, *stark.Matrix) {
	t.Helper()
	tb, err := p2air.Table(fmt.Sprint("p2air_", w), w, bus)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := p2air.Trace(w, ins, nil, 1<<minLogRows)
	if err != nil {
		t.Fatal(err)
	}
	return tb, tr
}

func permute(in []hash.Element) []hash.Element {
	switch len(in) {
	case 16:
		var s [16]hash.Element
		copy(s[:], in)
		hash.Permute16(&s)
		return s[:]
	case 24:
		var s [24]hash.Element
		copy(s[:], in)
		hash.Permute24(&s)
		return s[:]
	}
	panic("width")
}

// Memory stand-in columns: one row per access (memAccess), code read (receives BusCode), store
// lookup (receives BusPageFlag) or sink (receives a word's last (v, ts), for weakened statements).
const (
	tmAcc = iota
	tmCode
	tmFlag
	tmSink
	tmAddr  // 3
	tmPrev  = tmAddr + 3
	tmNext  = tmPrev + 4
	tmTs    = tmNext + 4
	tmPage  = tmTs + 1 // 3
	tmClaim = tmPage + 3
	tmCols  = tmClaim + 1 // then memAccess's 3 columns
)

func testMemTable() (*stark.Table, accessCols) {
	t := stark.NewTable("test_mem")
	r := &rules{t: t}
	acc, code, flag, sink := t.Column("acc"), t.Column("code"), t.Column("flag"), t.Column("sink")
	addr, prev, next := t.Columns("addr", 3), t.Columns("prev", 4), t.Columns("next", 4)
	ts, page, claim := t.Column("ts"), t.Columns("page", 3), t.Column("claim")
	for _, c := range []stark.Column{acc, code, flag, sink} {
		t.AssertBool("bool", c.Cur())
	}
	a := [3]stark.Expr{addr[0].Cur(), addr[1].Cur(), addr[2].Cur()}
	ac := r.memAccess("acc", acc.Cur(), a, limbCols(prev), limbCols(next), ts.Cur())
	t.Receive(BusCode, code.Cur(), append(a[:], cur(prev)...)...)
	t.Receive(BusPageFlag, flag.Cur(), page[0].Cur(), page[1].Cur(), page[2].Cur(), claim.Cur())
	t.Receive(BusMem, sink.Cur(), memMessage(a, limbCols(next), ts.Cur())...)
	return t, ac
}

type pgMemRow struct {
	kind  int // tmAcc, tmCode, tmFlag, tmSink
	acc   Access
	page  uint64
	claim uint64
}

func memStandInTrace(rows []pgMemRow, ac accessCols, cnt *counts) *stark.Matrix {
	m := stark.NewMatrix(tmCols+3, 1<<uint(logRows(len(rows))))
	for i, r := range rows {
		m.SetUint(i, r.kind, 1)
		a := addrLimbs(r.acc.Addr)
		for k := 0; k < 3; k++ {
			m.SetUint(i, tmAddr+k, a[k])
		}
		setLimbs(m, i, tmPrev, r.acc.Prev)
		setLimbs(m, i, tmNext, r.acc.Next)
		m.SetUint(i, tmTs, r.acc.Ts)
		pk := pageKey(r.page)
		for k := 0; k < 3; k++ {
			m.SetUint(i, tmPage+k, pk[k])
		}
		m.SetUint(i, tmClaim, r.claim)
		if r.kind == tmAcc {
			ac.fill(m, i, r.acc, cnt)
		}
	}
	return m
}

// --- scenarios ---

const (
	opRead = iota
	opWrite
	opCode
	opFlag
)

type pgOp struct {
	kind    int
	addr, v uint64
}

// pgScenario is an initial memory, the pages a segment pages in, and what it does to them.
type pgScenario struct {
	mem     map[uint64]*[vm.PageSize]byte // initial contents (pages not paged in give the tree non-empty siblings)
	paged   []uint64
	fetched map[uint64]bool
	ops     []pgOp
}

func randomPage(rng *rand.Rand) *[vm.PageSize]byte {
	var p [vm.PageSize]byte
	for i := range p {
		p[i] = byte(rng.Uint32())
	}
	return &p
}

// newPgScenario fills every paged page and a few others with random bytes.
func newPgScenario(seed uint64, paged []uint64, others ...uint64) *pgScenario {
	rng := rand.New(rand.NewPCG(seed, 11))
	s := &pgScenario{mem: map[uint64]*[vm.PageSize]byte{}, paged: paged, fetched: map[uint64]bool{}}
	for _, pn := range append(append([]uint64(nil), paged...), others...) {
		s.mem[pn] = randomPage(rng)
	}
	return s
}

// pgStatement is a pgScenario turned into traces: the paging tables, the stand-ins' rows and the
// public values.
type pgStatement struct {
	pt       *pagingTraces
	memRows  []pgMemRow
	public   []stark.F
	records  []vm.PageRecord
	finals   map[uint64]uint64 // word address → last value, for every paged word
	tree     *testTree
	realChip bool // prove with prover/p2air's chips
}

func (s *pgScenario) build(t testing.TB) *pgStatement {
	t.Helper()
	tree := newTestTree(s.mem)
	var recs []vm.PageRecord
	for _, pn := range s.paged {
		d := s.mem[pn]
		if d == nil {
			d = new([vm.PageSize]byte)
		}
		recs = append(recs, tree.record(pn, d))
	}
	tr := newMemTracker(recs)
	st := &pgStatement{records: recs, tree: tree}
	code, flags := map[uint64]uint64{}, map[uint64]uint64{}
	for i, op := range s.ops {
		ts := Timestamp(uint64(i), SlotMem)
		switch op.kind {
		case opRead, opWrite:
			w, err := tr.word(op.addr)
			if err != nil {
				t.Fatal(err)
			}
			next := w.v
			if op.kind == opWrite {
				next = op.v
			}
			a, err := tr.access(op.addr, w.v, next, ts)
			if err != nil {
				t.Fatal(err)
			}
			st.memRows = append(st.memRows, pgMemRow{kind: tmAcc, acc: a})
		case opCode:
			code[op.addr]++
			st.memRows = append(st.memRows, pgMemRow{kind: tmCode, acc: Access{Addr: op.addr, Prev: wordOf(s.mem[op.addr/vm.PageSize], op.addr)}})
		case opFlag:
			flags[op.addr/vm.PageSize]++
			st.memRows = append(st.memRows, pgMemRow{kind: tmFlag, page: op.addr / vm.PageSize})
		}
	}
	pt, err := pagingTrace(pagingInputs{startRoot: tree.root(), pages: recs, final: tr.final, code: code, flags: flags, fetched: s.fetched})
	if err != nil {
		t.Fatal(err)
	}
	st.pt = pt
	st.finals = map[uint64]uint64{}
	for _, pn := range s.paged {
		for w := uint64(0); w < vm.PageSize/8; w++ {
			v, _, _ := tr.final(pn*vm.PageSize + 8*w)
			st.finals[pn*vm.PageSize+8*w] = v
		}
	}
	st.public = publicRoots(pt.startRoot, pt.endRoot)
	return st
}

func wordOf(p *[vm.PageSize]byte, addr uint64) uint64 {
	return binary.LittleEndian.Uint64(p[addr%vm.PageSize:])
}

func publicRoots(start, end hash.Digest) []stark.F {
	pub := make([]stark.F, NumPublic)
	copy(pub[PubStartRoot:], start[:])
	copy(pub[PubEndRoot:], end[:])
	return pub
}

// expectedEndRoot recomputes the end root from scratch: the initial memory with the paged pages'
// final words.
func (s *pgScenario) expectedEndRoot(st *pgStatement) hash.Digest {
	mem := map[uint64]*[vm.PageSize]byte{}
	for pn, d := range s.mem {
		c := *d
		mem[pn] = &c
	}
	for a, v := range st.finals {
		p := mem[a/vm.PageSize]
		if p == nil {
			p = new([vm.PageSize]byte)
			mem[a/vm.PageSize] = p
		}
		binary.LittleEndian.PutUint64(p[a%vm.PageSize:], v)
	}
	return newTestTree(mem).root()
}

// permInputs reads the Poseidon2 requests off the paging traces, as the chips would receive them.
func permInputs(pt *pagingTraces, omit map[string]map[string]bool) (p24, p16 [][]hash.Element) {
	mk := pt.merkle
	row := func(m *stark.Matrix, r int, cols ...int) []hash.Element {
		var out []hash.Element
		for _, c := range cols {
			out = append(out, m.Get(r, c))
		}
		return out
	}
	span := func(lo, n int) []int {
		c := make([]int, n)
		for i := range c {
			c[i] = lo + i
		}
		return c
	}
	for _, tb := range []struct {
		m     *stark.Matrix
		name  string
		dirty bool
	}{{pt.clean, pageCleanName, false}, {pt.dirty, pageDirtyName, true}} {
		for r := 0; r < tb.m.Height; r++ {
			if !isOne(tb.m.Get(r, pgReal)) {
				continue
			}
			if !omit[tb.name]["page-in hash"] {
				p24 = append(p24, row(tb.m, r, append(span(pgVin, 16), span(pgCapIn, 8)...)...))
			}
			if tb.dirty && !omit[tb.name]["page-out hash"] {
				p24 = append(p24, row(tb.m, r, append(span(pgVout, 16), span(pgCapOut, 8)...)...))
			}
		}
	}
	for r := 0; r < mk.Height; r++ {
		if !isOne(mk.Get(r, mkReal)) {
			continue
		}
		if !omit["page_merkle"]["old compress"] {
			p16 = append(p16, row(mk, r, append(span(mkLOld, 8), span(mkROld, 8)...)...))
		}
		if !omit["page_merkle"]["new compress"] {
			p16 = append(p16, row(mk, r, append(span(mkLNew, 8), span(mkRNew, 8)...)...))
		}
	}
	return p24, p16
}

// prove assembles the AIR (paging tables with omissions, stand-ins built from the traces as they
// are now) and proves and verifies. The Poseidon2 requests go to the real chips (prover/p2air)
// when realChip is set, to testPermTable otherwise (cheaper to prove; it holds the same pairs).
func (st *pgStatement) prove(t testing.TB, omit map[string]map[string]bool) error {
	t.Helper()
	p24, p16 := permInputs(st.pt, omit)
	var t24, t16 *stark.Table
	var tr24, tr16 *stark.Matrix
	if st.realChip {
		t24, tr24 = realChip(t, 24, BusP24, p24)
		t16, tr16 = realChip(t, 16, BusP16, p16)
	} else {
		t24, tr24 = testPermTable("test_p24", 24, BusP24, p24)
		t16, tr16 = testPermTable("test_p16", 16, BusP16, p16)
	}
	tm, ac := testMemTable()
	var cnt counts
	mem := memStandInTrace(st.memRows, ac, &cnt)
	lk, err := cnt.traces()
	if err != nil {
		t.Fatal(err)
	}
	// The level table counts what the Merkle rows look up, as they are now.
	levels := stark.NewMatrix(1, merkleLevelRows)
	for r := 0; r < st.pt.merkle.Height; r++ {
		if isOne(st.pt.merkle.Get(r, mkReal)) && !omit["page_merkle"]["level offset"] {
			l := u64(st.pt.merkle.Get(r, mkLevel))
			levels.Cols[0][l-1].Add(&levels.Cols[0][l-1], new(stark.F).SetOne())
		}
	}
	tables := append(pagingTables(omit), t24, t16, tm, byteTable(), range16Table())
	air, err := stark.NewAIR("rv64-paging-test", NumPublic, tables...)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := stark.Setup(air, stark.TestParams())
	if err != nil {
		t.Fatal(err)
	}
	traces := append(st.pt.matrices()[:3], levels, tr24, tr16, mem, lk[0], lk[3])
	proof, err := stark.Prove(context.Background(), pk, traces, st.public)
	if err != nil {
		return err
	}
	return stark.Verify(pk.VerifyingKey(), proof, st.public, stark.VerifierConfig{})
}

// --- honest paging ---

func TestPagingHonest(t *testing.T) {
	const far = 0xfedcba987 // a page number with every limb non-zero
	cases := []struct {
		name string
		scn  func() *pgScenario
	}{
		{"one page, read only", func() *pgScenario {
			s := newPgScenario(1, []uint64{5}, 6, 1<<30)
			s.ops = []pgOp{{opRead, 5*vm.PageSize + 8, 0}, {opRead, 5*vm.PageSize + 8, 0}}
			return s
		}},
		{"one page, written", func() *pgScenario {
			s := newPgScenario(2, []uint64{5})
			s.ops = []pgOp{{opWrite, 5*vm.PageSize + 16, 0x1234_5678_9abc_def0}, {opRead, 5*vm.PageSize + 16, 0},
				{opWrite, 5*vm.PageSize + 4088, 7}, {opFlag, 5 * vm.PageSize, 0}, {opFlag, 5 * vm.PageSize, 0}}
			return s
		}},
		{"two adjacent pages", func() *pgScenario {
			s := newPgScenario(3, []uint64{0x10, 0x11}, 0x12)
			s.ops = []pgOp{{opWrite, 0x11 * vm.PageSize, 1}, {opRead, 0x10*vm.PageSize + 4088, 0}}
			return s
		}},
		{"many pages far apart, code", func() *pgScenario {
			pages := []uint64{0, 1, 0xf, 0x10, 0x12345, far, vm.MachineBase / vm.PageSize, 1<<vm.PageBits - 2}
			s := newPgScenario(4, pages, 0x12344, far^1, 3)
			s.fetched[0x10] = true
			s.fetched[far] = true
			s.ops = []pgOp{
				{opCode, 0x10*vm.PageSize + 8, 0}, {opCode, 0x10*vm.PageSize + 8, 0}, {opCode, far * vm.PageSize, 0},
				{opWrite, RegAddr(0, 5), 42}, {opWrite, RegAddr(1, 10), 1 << 63}, {opRead, RegAddr(0, 5), 0},
				{opWrite, 0x12345*vm.PageSize + 0x800, 0xffff_ffff_ffff_ffff}, {opFlag, 0x12345 * vm.PageSize, 0},
				{opRead, far*vm.PageSize + 64, 0}, {opWrite, 0, 9}, {opFlag, 0, 0},
			}
			return s
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.scn()
			st := s.build(t)
			if want := s.expectedEndRoot(st); st.pt.endRoot != want {
				t.Fatalf("end root %s, recomputed %s", st.pt.endRoot, want)
			}
			st.realChip = true
			if err := st.prove(t, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestPageLeaf checks the page table's sponge against hash.HashU32s (and so pageSpongeIV).
func TestPageLeaf(t *testing.T) {
	s := newPgScenario(9, []uint64{7})
	st := s.build(t)
	w := make([]uint32, vm.PageSize/4)
	for i := range w {
		w[i] = binary.LittleEndian.Uint32(s.mem[7][4*i:])
	}
	want := hash.HashU32s(w)
	for k := 0; k < hash.DigestElements; k++ {
		if got := st.pt.clean.Get(blocksPerPage-1, pgOIn+k); got != want[k] {
			t.Fatalf("leaf element %d: %v, want %v", k, got, want[k])
		}
	}
}

func TestPagingTraceRejects(t *testing.T) {
	s := newPgScenario(5, []uint64{5, 6})
	tree := newTestTree(s.mem)
	recs := []vm.PageRecord{tree.record(5, s.mem[5]), tree.record(6, s.mem[6])}
	tr := newMemTracker(recs)
	base := pagingInputs{startRoot: tree.root(), pages: recs, final: tr.final}
	for _, c := range []struct {
		name string
		mod  func(in *pagingInputs)
		want error
	}{
		{"wrong start root", func(in *pagingInputs) { in.startRoot[0].SetUint64(1) }, ErrPagingRecord},
		{"tampered page", func(in *pagingInputs) {
			in.pages = append([]vm.PageRecord(nil), in.pages...)
			in.pages[1].Data[3]++
		}, ErrPagingRecord},
		{"page twice", func(in *pagingInputs) { in.pages = append(in.pages, in.pages[0]) }, ErrPagingRecord},
		{"short proof", func(in *pagingInputs) {
			in.pages = append([]vm.PageRecord(nil), in.pages...)
			in.pages[0].Proof = in.pages[0].Proof[:3]
		}, ErrPagingRecord},
		{"no pages", func(in *pagingInputs) { in.pages = nil }, ErrPagingRecord},
		{"code on unfetched page", func(in *pagingInputs) { in.code = map[uint64]uint64{5 * vm.PageSize: 1} }, ErrPageTrace},
		{"code off the pages", func(in *pagingInputs) {
			in.code = map[uint64]uint64{9 * vm.PageSize: 1}
			in.fetched = map[uint64]bool{9: true}
		}, ErrPageTrace},
		{"store into fetched page", func(in *pagingInputs) {
			in.flags = map[uint64]uint64{5: 1}
			in.fetched = map[uint64]bool{5: true}
		}, ErrPageTrace},
		{"no final memory", func(in *pagingInputs) { in.final = nil }, ErrPageTrace},
		{"final of an unpaged word", func(in *pagingInputs) {
			in.final = func(uint64) (uint64, uint64, error) { return 0, 0, ErrMemoryTrace }
		}, ErrMemoryTrace},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := base
			c.mod(&in)
			if _, err := pagingTrace(in); !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
}

// --- tampering ---

// refoldNew recomputes the Merkle table's new digests bottom-up after a change to a leaf's or an
// advice sibling's new digest, as a dishonest prover would, and returns the new end root.
func refoldNew(m *stark.Matrix, leafNew map[uint64]hash.Digest) hash.Digest {
	type key struct {
		level uint64
		k     [3]uint64
	}
	rowOf := map[key]int{}
	n := 0
	for r := 0; r < m.Height && isOne(m.Get(r, mkReal)); r++ {
		var k [3]uint64
		for j := range k {
			k[j] = u64(m.Get(r, mkKey+j))
		}
		rowOf[key{u64(m.Get(r, mkLevel)), k}] = r
		n++
	}
	get := func(r, col int) hash.Digest {
		var d hash.Digest
		for j := range d {
			d[j] = m.Get(r, col+j)
		}
		return d
	}
	put := func(r, col int, d []hash.Element) {
		for j := range d {
			m.Set(r, col+j, d[j])
		}
	}
	// Leaves first: the level-1 rows' children.
	for pn, d := range leafNew {
		r := rowOf[key{1, pageKey(pn &^ 1)}]
		if pn&1 == 0 {
			put(r, mkLNew, d[:])
		} else {
			put(r, mkRNew, d[:])
		}
	}
	for r := n - 1; r >= 0; r-- {
		_, out := permute16(get(r, mkLNew), get(r, mkRNew))
		put(r, mkNew, out[:])
		if r == 0 {
			break
		}
		l := u64(m.Get(r, mkLevel))
		var k [3]uint64
		for j := range k {
			k[j] = u64(m.Get(r, mkKey+j))
		}
		pn := k[0] | k[1]<<4 | k[2]<<20
		parent := rowOf[key{l + 1, pageKey(pn &^ (1 << l))}]
		if pn>>l&1 == 0 {
			put(parent, mkLNew, out[:8])
		} else {
			put(parent, mkRNew, out[:8])
		}
	}
	return get(0, mkNew)
}

// appendRows appends the real rows of b after those of a (same width), padded to a power of two.
func appendRows(a, b *stark.Matrix, realCol int) *stark.Matrix {
	count := func(m *stark.Matrix) int {
		n := 0
		for n < m.Height && isOne(m.Get(n, realCol)) {
			n++
		}
		return n
	}
	na, nb := count(a), count(b)
	m := stark.NewMatrix(a.Width(), 1<<uint(logRows(na+nb)))
	for c := range m.Cols {
		copy(m.Cols[c], a.Cols[c][:na])
		copy(m.Cols[c][na:], b.Cols[c][:nb])
	}
	return m
}

type pageTamper struct {
	name  string
	table string // pageCleanName, pageDirtyName or "page_merkle"
	rule  string
	want  error
	// setup builds the statement; forge changes it as a dishonest prover would. weak, when set,
	// adjusts the weakened statement (stand-in rows for what the omitted rule took part in).
	setup func(t *testing.T) *pgStatement
	forge func(t *testing.T, st *pgStatement)
	weak  func(st *pgStatement)
}

// written is two pages, the second written, the first fetched with code reads in its second block.
func written(t *testing.T) *pgStatement {
	s := newPgScenario(21, []uint64{0x40, 0x41}, 0x43, 0x7000)
	s.fetched[0x40] = true
	s.ops = []pgOp{{opCode, 0x40*vm.PageSize + 40, 0}, {opWrite, 0x41*vm.PageSize + 16, 0xabcd}, {opFlag, 0x41 * vm.PageSize, 0},
		{opRead, 0x41*vm.PageSize + 16, 0}}
	return s.build(t)
}

// threePages is pages 0 (fetched, with a code read), 1 and 2 read only, page 3 in memory but not
// paged in; the page table has padding rows.
func threePages(t *testing.T) *pgStatement {
	s := newPgScenario(23, []uint64{0, 1, 2}, 3)
	s.fetched[0] = true
	s.ops = []pgOp{{opCode, 64, 0}, {opRead, vm.PageSize + 8, 0}}
	return s.build(t)
}

func pageTampers() []pageTamper {
	return []pageTamper{
		{name: "page-in byte changed", table: "page_merkle", rule: "start root", want: stark.ErrConstraint,
			setup: written,
			forge: func(t *testing.T, st *pgStatement) {
				// The prover pages in page 0x40 with one byte changed, hashes it honestly and
				// folds it with the true siblings: a tree whose root is not the start root.
				recs := append([]vm.PageRecord(nil), st.records...)
				recs[0].Data[100] ^= 1
				recs[1].Proof = append([]hash.Digest{leafOfRecord(&recs[0])}, recs[1].Proof[1:]...) // its sibling
				tr := newMemTracker(recs)
				var fake hash.Digest
				{
					node := leafOfRecord(&recs[0])
					for l, sib := range recs[0].Proof {
						if (recs[0].Page>>l)&1 == 0 {
							node = hash.Compress(node, sib)
						} else {
							node = hash.Compress(sib, node)
						}
					}
					fake = node
				}
				// Replay the same accesses on the forged page-in (none touch the changed word).
				for _, r := range st.memRows {
					if r.kind == tmAcc {
						if _, err := tr.access(r.acc.Addr, r.acc.Prev, r.acc.Next, r.acc.Ts); err != nil {
							t.Fatal(err)
						}
					}
				}
				pt, err := pagingTrace(pagingInputs{startRoot: fake, pages: recs, final: tr.final,
					code: map[uint64]uint64{0x40*vm.PageSize + 40: 1}, flags: map[uint64]uint64{0x41: 1}, fetched: map[uint64]bool{0x40: true}})
				if err != nil {
					t.Fatal(err)
				}
				st.pt = pt
				st.public = publicRoots(st.tree.root(), pt.endRoot) // the true start root
			}},
		{name: "wrong end root", table: "page_merkle", rule: "end root", want: stark.ErrConstraint,
			setup: written,
			forge: func(t *testing.T, st *pgStatement) { st.public[PubEndRoot+3].SetUint64(12345) }},
		{name: "page-out not the last value", table: pageDirtyName, rule: "page-out", want: stark.ErrUnbalancedBus,
			setup: written,
			forge: func(t *testing.T, st *pgStatement) {
				// Page the written word out as 0xabce and hash that into the end root.
				tr := newMemTracker(st.records)
				for _, r := range st.memRows {
					if r.kind == tmAcc {
						if _, err := tr.access(r.acc.Addr, r.acc.Prev, r.acc.Next, r.acc.Ts); err != nil {
							t.Fatal(err)
						}
					}
				}
				final := func(a uint64) (uint64, uint64, error) {
					v, ts, err := tr.final(a)
					if a == 0x41*vm.PageSize+16 {
						v++
					}
					return v, ts, err
				}
				pt, err := pagingTrace(pagingInputs{startRoot: st.tree.root(), pages: st.records, final: final,
					code: map[uint64]uint64{0x40*vm.PageSize + 40: 1}, flags: map[uint64]uint64{0x41: 1}, fetched: map[uint64]bool{0x40: true}})
				if err != nil {
					t.Fatal(err)
				}
				st.pt = pt
				st.public = publicRoots(pt.startRoot, pt.endRoot)
			},
			// Without page-out, a stand-in takes the written page's true last values off BusMem.
			weak: func(st *pgStatement) {
				tr := newMemTracker(st.records)
				for _, r := range st.memRows {
					if r.kind == tmAcc {
						tr.access(r.acc.Addr, r.acc.Prev, r.acc.Next, r.acc.Ts)
					}
				}
				for _, rec := range st.records {
					if rec.Page != 0x41 { // the written page; page_clean still pages 0x40 out
						continue
					}
					for w := uint64(0); w < vm.PageSize/8; w++ {
						a := rec.Page*vm.PageSize + 8*w
						v, ts, _ := tr.final(a)
						st.memRows = append(st.memRows, pgMemRow{kind: tmSink, acc: Access{Addr: a, Next: v, Ts: ts}})
					}
				}
			}},
		{name: "forged sibling in the end tree only", table: "page_merkle", rule: "advice sibling is in both trees", want: stark.ErrConstraint,
			setup: written,
			forge: func(t *testing.T, st *pgStatement) {
				// The root row's right child (everything above page 2^35) is an advice sibling:
				// give the end tree another one.
				m := st.pt.merkle
				if !isOne(m.Get(0, mkAdvR)) {
					t.Fatal("root's right child is not advice")
				}
				var one stark.F
				one.SetOne()
				v := m.Get(0, mkRNew)
				v.Add(&v, &one)
				m.Set(0, mkRNew, v)
				root := refoldNew(m, nil)
				st.public = publicRoots(st.pt.startRoot, root)
			}},
		{name: "page paged in twice with different contents", table: "page_merkle", rule: "root is the first row", want: stark.ErrConstraint,
			setup: written,
			forge: func(t *testing.T, st *pgStatement) {
				// A second copy of page 0x41 (one byte changed), with its own path up to a second
				// root row; its words are never accessed, so BusMem balances copy by copy.
				rec := st.records[1]
				rec.Data[8] ^= 0x80
				tr := newMemTracker([]vm.PageRecord{rec})
				node := leafOfRecord(&rec)
				for l, sib := range rec.Proof {
					if (rec.Page>>l)&1 == 0 {
						node = hash.Compress(node, sib)
					} else {
						node = hash.Compress(sib, node)
					}
				}
				dup, err := pagingTrace(pagingInputs{startRoot: node, pages: []vm.PageRecord{rec}, final: tr.final})
				if err != nil {
					t.Fatal(err)
				}
				st.pt.clean = appendRows(st.pt.clean, dup.clean, pgReal)
				st.pt.merkle = appendRows(st.pt.merkle, dup.merkle, mkReal)
			}},
		{name: "word address outside its page", table: pageCleanName, rule: "block sequence", want: stark.ErrConstraint,
			setup: func(t *testing.T) *pgStatement {
				s := newPgScenario(22, []uint64{0x40}, 0x41)
				return s.build(t)
			},
			forge: func(t *testing.T, st *pgStatement) {
				// The last block claims index 128: its words become those of page 0x41 (not paged
				// in), and page 0x40's last four words are never paged in.
				st.pt.clean.SetUint(blocksPerPage-1, pgBlk, blocksPerPage)
			}},
		{name: "store lookup claims a fetched page unfetched", table: pageCleanName, rule: "fetched constant", want: stark.ErrConstraint,
			setup: written,
			forge: func(t *testing.T, st *pgStatement) {
				// Page 0x40 is fetched (code read in block 1); its block 0 row claims otherwise and
				// serves a store's flag lookup.
				st.pt.clean.SetUint(0, pgFetched, 0)
				st.pt.clean.SetUint(0, pgFlag, 1)
				st.memRows = append(st.memRows, pgMemRow{kind: tmFlag, page: 0x40, claim: 0})
			}},
		{name: "code read on an unfetched page", table: pageDirtyName, rule: "code only on fetched pages", want: stark.ErrConstraint,
			setup: written,
			forge: func(t *testing.T, st *pgStatement) {
				// Page 0x41 (written, so not fetched) serves a decode read of its start contents.
				a := uint64(0x41*vm.PageSize + 8)
				st.pt.dirty.SetUint(0, pgCode+1, 1)
				st.memRows = append(st.memRows, pgMemRow{kind: tmCode, acc: Access{Addr: a, Prev: wordOf(&st.records[1].Data, a)}})
			}},
		{name: "page moved to another position", table: "page_merkle", rule: "level offset", want: stark.ErrUnbalancedBus,
			setup: written,
			forge: func(t *testing.T, st *pgStatement) {
				// Page 0x41's contents paged in as page 0x43: the level-1 row over 0x40 claims its
				// right child 3 pages away. The segment's accesses to 0x41 move along.
				const from, to = 0x41, 0x43
				m := st.pt.dirty
				for r := 0; r < blocksPerPage; r++ {
					k := pageKey(to)
					for j := 0; j < 3; j++ {
						m.SetUint(r, pgPage+j, k[j])
					}
				}
				mk := st.pt.merkle
				for r := 0; r < mk.Height; r++ {
					if u64(mk.Get(r, mkLevel)) == 1 && isOne(mk.Get(r, mkReal)) {
						mk.SetUint(r, mkPw, to-from+1)
					}
				}
				for i := range st.memRows {
					if st.memRows[i].acc.Addr/vm.PageSize == from {
						st.memRows[i].acc.Addr += (to - from) * vm.PageSize
					}
					if st.memRows[i].kind == tmFlag && st.memRows[i].page == from {
						st.memRows[i].page = to
					}
				}
			}},
		{name: "page number changes mid-page", table: pageCleanName, rule: "page constant", want: stark.ErrConstraint,
			setup: written,
			forge: func(t *testing.T, st *pgStatement) {
				// Blocks 2..63 of page 0x40 claim page 0x44 (not paged in): those words of 0x44
				// get page 0x40's contents as their page-in values.
				k := pageKey(0x44)
				for r := 2; r < blocksPerPage/2; r++ {
					for j := 0; j < 3; j++ {
						st.pt.clean.SetUint(r, pgPage+j, k[j])
					}
				}
			}},
		{name: "page-in word changed, sponge chain broken", table: pageCleanName, rule: "page-in sponge chain", want: stark.ErrConstraint,
			setup: written,
			forge: func(t *testing.T, st *pgStatement) {
				// Block 3 of page 0x40 absorbs another limb; the next block restarts from the
				// honest capacity, so the leaf is unchanged.
				m := st.pt.clean
				var one stark.F
				one.SetOne()
				v := m.Get(3, pgVin)
				v.Add(&v, &one)
				m.Set(3, pgVin, v)
				var in []hash.Element
				for j := 0; j < 16; j++ {
					in = append(in, m.Get(3, pgVin+j))
				}
				for k := 0; k < 8; k++ {
					in = append(in, m.Get(3, pgCapIn+k))
				}
				out := permute(in)
				for k := range out {
					m.Set(3, pgOIn+k, out[k])
				}
			}},
		{name: "store lookup served by a padding row", table: pageCleanName, rule: "no flag on padding", want: stark.ErrConstraint,
			setup: threePages,
			forge: func(t *testing.T, st *pgStatement) {
				// A padding row (page 0, fetched 0) answers a store into page 0, which is fetched.
				st.pt.clean.SetUint(3*blocksPerPage, pgFlag, 1)
				st.memRows = append(st.memRows, pgMemRow{kind: tmFlag, page: 0, claim: 0})
			}},
		{name: "leaf forged from a padding row", table: pageDirtyName, rule: "padding sends nothing", want: stark.ErrConstraint,
			setup: threePages,
			forge: func(t *testing.T, st *pgStatement) {
				// A padding row of the written-page table (empty here) sends a leaf for page 3 (not
				// paged in) with the hash of chosen contents as its end leaf, which that table's
				// padding never hashes; the Merkle table takes it: the end tree gets a page nobody
				// wrote.
				const q = 3
				forged := leafOfRecord(&vm.PageRecord{Data: *randomPage(rand.New(rand.NewPCG(99, 1)))})
				m, r := st.pt.dirty, 1 // not right after a last row, whose successor has blk 0
				m.SetUint(r, pgLast, 1)
				m.SetUint(r, pgBlk, blocksPerPage-1)
				k := pageKey(q)
				for j := 0; j < 3; j++ {
					m.SetUint(r, pgPage+j, k[j])
				}
				trueLeaf := st.tree.node(0, q)
				for j := 0; j < 8; j++ {
					m.Set(r, pgOIn+j, trueLeaf[j])
					m.Set(r, pgOOut+j, forged[j])
				}
				leafIn, leafOut := map[uint64]hash.Digest{q: trueLeaf}, map[uint64]hash.Digest{q: forged}
				recs := append(append([]vm.PageRecord(nil), st.records...), st.tree.record(q, st.tree.data[q]))
				for _, rec := range st.records {
					leafIn[rec.Page], leafOut[rec.Page] = leafOfRecord(&rec), leafOfRecord(&rec)
				}
				u, err := buildUnion(st.tree.root(), recs, leafIn, leafOut)
				if err != nil {
					t.Fatal(err)
				}
				st.pt.merkle, _, _ = merkleTrace(u, 0)
				st.public = publicRoots(u.startRoot, u.endRoot)
			}},
		{name: "page-out sponge chain broken", table: pageDirtyName, rule: "page-out sponge chain", want: stark.ErrConstraint,
			setup: written,
			forge: func(t *testing.T, st *pgStatement) {
				// Page 0x41 (dirty) restarts its page-out sponge at block 4 from another capacity.
				m := st.pt.dirty
				var one stark.F
				one.SetOne()
				r0 := 4
				v := m.Get(r0, pgCapOut)
				v.Add(&v, &one)
				m.Set(r0, pgCapOut, v)
				for r := r0; r < blocksPerPage; r++ {
					var in []hash.Element
					for j := 0; j < 16; j++ {
						in = append(in, m.Get(r, pgVout+j))
					}
					for k := 0; k < 8; k++ {
						in = append(in, m.Get(r, pgCapOut+k))
					}
					out := permute(in)
					for k := range out {
						m.Set(r, pgOOut+k, out[k])
					}
					if r+1 < blocksPerPage {
						for k := 0; k < 8; k++ {
							m.Set(r+1, pgCapOut+k, out[16+k])
						}
					}
				}
				var leaf hash.Digest
				for k := range leaf {
					leaf[k] = m.Get(blocksPerPage-1, pgOOut+k)
				}
				st.public = publicRoots(st.pt.startRoot, refoldNew(st.pt.merkle, map[uint64]hash.Digest{0x41: leaf}))
			}},
		{name: "page resumed after padding rows", table: pageCleanName, rule: "real rows first", want: stark.ErrConstraint,
			setup: threePages,
			forge: func(t *testing.T, st *pgStatement) {
				// Blocks 0..3 of page 2 become padding: the page's sponges then resume from
				// whatever capacity the padding rows hold, and those words are never paged in.
				for r := 2 * blocksPerPage; r < 2*blocksPerPage+4; r++ {
					st.pt.clean.SetUint(r, pgReal, 0)
				}
			}},
		{name: "root one level down", table: "page_merkle", rule: "root position", want: stark.ErrConstraint,
			setup: written,
			forge: func(t *testing.T, st *pgStatement) {
				// Drop the root row: the level-35 node over the pages becomes the root, and the
				// public roots are its digests.
				m := st.pt.merkle
				if u64(m.Get(1, mkLevel)) != vm.PageBits-1 {
					t.Fatal("row 1 is not the level-35 node")
				}
				for c := range m.Cols {
					copy(m.Cols[c], m.Cols[c][1:])
					m.Cols[c][m.Height-1] = stark.F{}
				}
				m.SetUint(0, mkRoot, 1)
				var start, end hash.Digest
				for k := range start {
					start[k], end[k] = m.Get(0, mkOld+k), m.Get(0, mkNew+k)
				}
				st.public = publicRoots(start, end)
			}},
	}
}

func isOne(v stark.F) bool { return v.IsOne() }

func u64(v stark.F) uint64 { return v.Uint64() }

func leafOfRecord(r *vm.PageRecord) hash.Digest {
	w := make([]uint32, vm.PageSize/4)
	for i := range w {
		w[i] = binary.LittleEndian.Uint32(r.Data[4*i:])
	}
	return hash.HashU32s(w)
}

// TestPagingTamperSetups proves the statements the tamper tests start from.
func TestPagingTamperSetups(t *testing.T) {
	for name, setup := range map[string]func(*testing.T) *pgStatement{"written": written, "three pages": threePages} {
		t.Run(name, func(t *testing.T) {
			if err := setup(t).prove(t, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestPagingTampers forges each statement, shows it is refused, then removes exactly the rule
// that refused it and shows that the forgery proves and verifies.
func TestPagingTampers(t *testing.T) {
	for _, tc := range pageTampers() {
		t.Run(tc.name, func(t *testing.T) {
			st := tc.setup(t)
			// TestPagingTamperSetups proves the honest statements once each.
			if !testing.Short() {
				if err := st.prove(t, nil); err != nil {
					t.Fatalf("honest statement: %v", err)
				}
			}
			tc.forge(t, st)
			err := st.prove(t, nil)
			if !errors.Is(err, tc.want) {
				t.Fatalf("forgery: got %v, want %v", err, tc.want)
			}
			if errors.Is(err, stark.ErrConstraint) && !strings.Contains(err.Error(), tc.rule) {
				t.Fatalf("forgery caught by another rule: %v", err)
			}
			weak := tc.setup(t)
			tc.forge(t, weak)
			if tc.weak != nil {
				tc.weak(weak)
			}
			if err := weak.prove(t, map[string]map[string]bool{tc.table: {tc.rule: true}}); err != nil {
				t.Fatalf("without %q the forgery should pass, got %v", tc.rule, err)
			}
		})
	}
}
