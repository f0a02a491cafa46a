package rv64

import (
	"fmt"

	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
)

// The hot path: naturally aligned loads and stores (address a multiple of the width), which are
// nearly all of them (the Go compiler aligns every object; misaligned accesses come from
// hand-written byte copies). Doubles (LD, SD: pointers, integers, register spills) are the whole
// word: their tables hold the address, the word and the memory access, nothing else. A narrower
// access is limbs 0-1 or 2-3 for words (LW, LWU, SW: a half flag), a whole limb for halves and
// inside one limb for bytes (a one-hot limb index and, for bytes, one byte split of the selected
// limb), where the general table (LSTable) holds the 16 bytes of two words. Loads and stores are
// separate tables so that neither pays for the other's columns.

// alignedCols is the layout of the aligned load or store table.
type alignedCols struct {
	flags   []stark.Column // width 1, 2
	uns     stark.Column   // zero-extending load (loads only)
	addr    []stark.Column
	ts      stark.Column
	val     []stark.Column // out's limb 0 (loads; the rest is the extension) or in (stores)
	prev    []stark.Column // the word
	next    []stark.Column // its new value (stores only)
	q       []stark.Column // one-hot limb holding the access's first byte
	odd     stark.Column   // a byte access to the limb's high byte
	sel     stark.Column   // the selected limb of the old word
	lo      stark.Column   // its low byte (byte accesses)
	top     stark.Column   // loads: the loaded value's top limb before extension; stores: the new selected limb
	sign    stark.Column   // loads: the sign bit
	inByte  stark.Column   // stores: in's low byte (SB)
	pg      stark.Column   // stores: page[0] of the word
	acc     accessCols
	isStore bool
}

var loadLayout, storeLayout = func() (alignedCols, alignedCols) {
	_, l := buildAligned(false, nil)
	_, s := buildAligned(true, nil)
	return l, s
}()

// LoadTable is the table of naturally aligned LB, LH, LBU, LHU; StoreTable of naturally aligned
// SB, SH. Both receive BusLS messages and access their word through memAccess at the message's
// ts; the store table looks the word's page up on BusPageFlag with fetched = 0. The word address
// a_0 - off (off = 2·limb + odd) goes on BusMem, which pins the offset as in LSTable; the
// alignment rule (odd only for bytes) makes the access natural.
func LoadTable() *stark.Table  { t, _ := buildAligned(false, nil); return t }
func StoreTable() *stark.Table { t, _ := buildAligned(true, nil); return t }

func buildAligned(store bool, omit map[string]bool) (*stark.Table, alignedCols) {
	name := "mem_load"
	if store {
		name = "mem_store"
	}
	t := stark.NewTable(name)
	r := &rules{t: t, omit: omit}
	c := alignedCols{isStore: store}
	c.flags = t.Columns("width", 2)
	if !store {
		c.uns = t.Column("unsigned")
	}
	c.addr = t.Columns("addr", 3)
	c.ts = t.Column("ts")
	if store {
		c.val = t.Columns("val", 4)
	} else {
		c.val = t.Columns("val", 1)
	}
	c.prev = t.Columns("prev", 4)
	if store {
		c.next = t.Columns("next", 4)
	}
	c.q = t.Columns("limb", 4)
	c.odd = t.Column("odd")
	c.sel = t.Column("sel")
	c.lo = t.Column("lo")
	c.top = t.Column("top")
	if store {
		c.inByte = t.Column("in_byte")
		c.pg = t.Column("page")
	} else {
		c.sign = t.Column("sign")
	}

	one := stark.Const(1)
	f := cur(c.flags)
	w1, w2 := f[0], f[1]
	var isReal, op stark.Expr
	base := uint64(LSLB)
	if store {
		base = uint64(LSSB)
	}
	for i, fl := range f {
		r.boolean("width boolean", fl)
		isReal = isReal.Add(fl)
		op = op.Add(fl.Mul(stark.Const(base + uint64(i))))
	}
	r.boolean("one operation per row", isReal)
	if !store {
		uns := c.uns.Cur()
		r.boolean("unsigned boolean", uns)
		r.zero("unsigned only on real rows", uns.Mul(one.Sub(isReal)))
		op = op.Add(uns.Mul(stark.Const(4)))
	}

	q := cur(c.q)
	odd := c.odd.Cur()
	var qSum, limbIdx stark.Expr
	for k, qk := range q {
		r.boolean("limb boolean", qk)
		qSum = qSum.Add(qk)
		limbIdx = limbIdx.Add(qk.Mul(stark.Const(uint64(k))))
	}
	r.zero("one limb per row", qSum.Sub(isReal))
	r.boolean("odd boolean", odd)
	r.zero("natural alignment: halves", odd.Mul(w2))

	P := cur(c.prev)
	val := cur(c.val)
	sel, lo, top := c.sel.Cur(), c.lo.Cur(), c.top.Cur()
	var selExpr stark.Expr
	for k := range q {
		selExpr = selExpr.Add(q[k].Mul(P[k]))
	}
	r.zero("selected limb", sel.Sub(selExpr))
	// The byte split of the selected limb: lo and (sel - lo)/256 are bytes.
	hi := sel.Sub(lo).Mul(stark.ConstF(inv256))
	r.sendByte("low byte range", w1, lo)
	r.sendByte("high byte range", w1, hi)
	b := lo.Add(odd.Mul(hi.Sub(lo))) // the addressed byte

	a := cur(c.addr)
	offset := odd.Add(limbIdx.Mul(stark.Const(2)))
	wordAddr := [3]stark.Expr{a[0].Sub(offset), a[1], a[2]}
	ts := c.ts.Cur()
	msg := []stark.Expr{op, a[0], a[1], a[2], ts}
	var zero4 = []stark.Expr{stark.Const(0), stark.Const(0), stark.Const(0), stark.Const(0)}

	if !store {
		sign := c.sign.Cur()
		r.boolean("sign boolean", sign)
		signed := isReal.Sub(c.uns.Cur())
		r.zero("sign only for signed loads", one.Sub(signed).Mul(sign))
		r.zero("half load", w2.Mul(val[0].Sub(sel)))
		r.zero("byte load", w1.Mul(val[0].Sub(b).Sub(sign.Mul(stark.Const(0xff00)))))
		// top: the unextended value's top 16 bits, whose bit 15 is the sign.
		r.zero("top limb", w1.Mul(top.Sub(b.Mul(stark.Const(256)))).Add(w2.Mul(top.Sub(sel))))
		r.sendRange16("sign is the top bit", signed, top.Sub(sign.Mul(stark.Const(1<<15))).Mul(stark.Const(2)))
		c.acc = r.memAccess("word", isReal, wordAddr, limbCols(c.prev), limbCols(c.prev), ts)
		ext := sign.Mul(stark.Const(0xffff))
		msg = append(append(msg, zero4...), val[0], ext, ext, ext)
	} else {
		N := cur(c.next)
		// The selected limb becomes top (the new limb); the others stay.
		for k := 0; k < 4; k++ {
			r.zero("short store", N[k].Sub(P[k]).Sub(q[k].Mul(top.Sub(P[k]))))
		}
		r.zero("half store", w2.Mul(top.Sub(val[0])))
		// SB: in's low byte goes to the addressed byte, the limb's other byte stays.
		ib := c.inByte.Cur()
		r.sendByte("stored byte range", w1, ib)
		r.sendByte("stored byte is in's low byte", w1, val[0].Sub(ib).Mul(stark.ConstF(inv256)))
		newLimb := odd.Mul(lo.Add(ib.Mul(stark.Const(256)))).Add(one.Sub(odd).Mul(ib.Add(hi.Mul(stark.Const(256)))))
		r.zero("byte store", w1.Mul(top.Sub(newLimb)))
		c.acc = r.memAccess("word", isReal, wordAddr, limbCols(c.prev), limbCols(c.next), ts)
		pg := c.pg.Cur()
		r.sendRange16("page limb", isReal, wordAddr[0].Sub(pg.Mul(stark.Const(4096))).Mul(stark.Const(16)))
		if !r.omit["page flag"] {
			t.Receive(BusPageFlag, isReal, pg, a[1], a[2], stark.Const(0))
			r.interactions++
		}
		msg = append(append(msg, val...), zero4...)
	}
	if !r.omit["receive"] {
		t.Receive(BusLS, isReal, msg...)
		r.interactions++
	}
	return t, c
}

// naturallyAligned reports a plain load or store whose address is a multiple of its width.
func naturallyAligned(op LSOp, addr uint64) bool { return addr&(op.size()-1) == 0 }

// alignedFill writes a checked, naturally aligned event's row.
func alignedFill(m *stark.Matrix, row int, c *alignedCols, e *lsEvent, cnt *counts, pages map[uint64]uint64) {
	size := e.Op.size()
	wi := int(size >> 1) // width 1 or 2
	m.SetUint(row, c.flags[wi].Index(), 1)
	al := addrLimbs(e.Addr)
	for k := 0; k < 3; k++ {
		m.SetUint(row, c.addr[k].Index(), al[k])
	}
	m.SetUint(row, c.ts.Index(), e.Ts)
	a := e.Words[0]
	setLimbsAt(m, row, c.prev, a.Prev)
	off := e.Addr & 7
	limb := off / 2
	m.SetUint(row, c.q[limb].Index(), 1)
	sel := (a.Prev >> (16 * limb)) & 0xffff
	m.SetUint(row, c.sel.Index(), sel)
	odd := off & 1
	m.SetUint(row, c.odd.Index(), odd)
	if size == 1 {
		m.SetUint(row, c.lo.Index(), sel&0xff)
		cnt.bytes[sel&0xff]++
		cnt.bytes[sel>>8]++
	}
	c.acc.fill(m, row, a, cnt)
	if !c.isStore {
		m.SetUint(row, c.val[0].Index(), e.Out&0xffff)
		if e.Op >= LSLBU {
			m.SetUint(row, c.uns.Index(), 1)
		}
		var top uint64
		switch size {
		case 1:
			top = ((sel >> (8 * odd)) & 0xff) << 8
		case 2:
			top = sel
		}
		m.SetUint(row, c.top.Index(), top)
		if e.Op.signed() {
			s := top >> 15
			m.SetUint(row, c.sign.Index(), s)
			cnt.limbs[2*(top-s<<15)]++
		}
		return
	}
	setLimbsAt(m, row, c.val, e.In)
	setLimbsAt(m, row, c.next, a.Next)
	m.SetUint(row, c.top.Index(), (a.Next>>(16*limb))&0xffff)
	if size == 1 {
		m.SetUint(row, c.inByte.Index(), e.In&0xff)
		cnt.bytes[e.In&0xff]++
		cnt.bytes[(e.In>>8)&0xff]++
	}
	m.SetUint(row, c.pg.Index(), pageLimb(a.Addr))
	cnt.limbs[16*(a.Addr&0xfff)]++
	pages[a.Addr/vm.PageSize]++
}

// MemoryTables lists the memory tables in the order memoryTraces fills them: aligned LD, SD,
// LW/LWU, SW, byte and half loads, byte and half stores, the general load/store table
// (misaligned accesses), the atomic table.
func MemoryTables() []*stark.Table { return memoryTables(nil) }

// memoryTables is MemoryTables with rules left out, per table name (tests only).
func memoryTables(omit map[string]map[string]bool) []*stark.Table {
	ld, _ := buildDouble(false, omit["mem_ld"])
	sd, _ := buildDouble(true, omit["mem_sd"])
	lw, _ := buildWord(false, omit["mem_lw"])
	sw, _ := buildWord(true, omit["mem_sw"])
	l, _ := buildAligned(false, omit["mem_load"])
	s, _ := buildAligned(true, omit["mem_store"])
	return []*stark.Table{ld, sd, lw, sw, l, s, lsTable(omit["mem_ls"]), atomicTable(omit["mem_atomic"])}
}

// memoryTraces routes the segment's BusLS events to the memory tables and fills them, checking
// each event against the executor's semantics. It returns the tables' traces (MemoryTables
// order, each at least as tall as ml asks), the lookups they make, the ALU events the atomic table
// sends, and the BusPageFlag lookups per page number.
func memoryTraces(evs []lsEvent, ml minLogs) ([]*stark.Matrix, *counts, []Event, map[uint64]uint64, error) {
	var lds, sds, lws, sws, loads, stores, general, atomics []lsEvent
	for i := range evs {
		e := &evs[i]
		switch {
		case e.Op.isAtomic():
			atomics = append(atomics, *e)
		case (e.Op.isLoad() || e.Op.isStore()) && !naturallyAligned(e.Op, e.Addr):
			general = append(general, *e)
		case e.Op == LSLD:
			lds = append(lds, *e)
		case e.Op == LSSD:
			sds = append(sds, *e)
		case e.Op == LSLW || e.Op == LSLWU:
			lws = append(lws, *e)
		case e.Op == LSSW:
			sws = append(sws, *e)
		case e.Op.isLoad():
			loads = append(loads, *e)
		case e.Op.isStore():
			stores = append(stores, *e)
		default:
			return nil, nil, nil, nil, fmt.Errorf("%w: %v", ErrLSOp, e.Op)
		}
	}
	pages := map[uint64]uint64{}
	cnt := new(counts)
	var out []*stark.Matrix
	for _, part := range []struct {
		evs  []lsEvent
		t    func() *stark.Table
		fill func(m *stark.Matrix, row int, e *lsEvent)
	}{
		{lds, LDTable, func(m *stark.Matrix, row int, e *lsEvent) { doubleFill(m, row, &ldLayout, e, cnt, pages) }},
		{sds, SDTable, func(m *stark.Matrix, row int, e *lsEvent) { doubleFill(m, row, &sdLayout, e, cnt, pages) }},
		{lws, LWTable, func(m *stark.Matrix, row int, e *lsEvent) { wordFill(m, row, &lwLayout, e, cnt, pages) }},
		{sws, SWTable, func(m *stark.Matrix, row int, e *lsEvent) { wordFill(m, row, &swLayout, e, cnt, pages) }},
		{loads, LoadTable, func(m *stark.Matrix, row int, e *lsEvent) { alignedFill(m, row, &loadLayout, e, cnt, pages) }},
		{stores, StoreTable, func(m *stark.Matrix, row int, e *lsEvent) { alignedFill(m, row, &storeLayout, e, cnt, pages) }},
	} {
		t := part.t()
		m := stark.NewMatrix(t.Width(), 1<<uint(padLog(len(part.evs), ml[t.Name()])))
		for i := range part.evs {
			if _, err := part.evs[i].checkLS(); err != nil {
				return nil, nil, nil, nil, err
			}
			part.fill(m, i, &part.evs[i])
		}
		out = append(out, m)
	}
	gm, gc, gp, err := lsTrace(general, ml["mem_ls"])
	if err != nil {
		return nil, nil, nil, nil, err
	}
	am, ac, alu, ap, err := atomicTrace(atomics, ml["mem_atomic"])
	if err != nil {
		return nil, nil, nil, nil, err
	}
	cnt.add(gc)
	cnt.add(ac)
	for _, ps := range []map[uint64]uint64{gp, ap} {
		for p, n := range ps {
			pages[p] += n
		}
	}
	return append(out, gm, am), cnt, alu, pages, nil
}

// doubleCols is the layout of the aligned LD or SD table.
type doubleCols struct {
	real    stark.Column
	addr    []stark.Column
	ts      stark.Column
	prev    []stark.Column // the word (LD's out)
	val     []stark.Column // SD's in, the word's new value
	pg      stark.Column   // SD: page[0] of the word
	acc     accessCols
	isStore bool
}

var ldLayout, sdLayout = func() (doubleCols, doubleCols) {
	_, l := buildDouble(false, nil)
	_, s := buildDouble(true, nil)
	return l, s
}()

// LDTable is the table of aligned LD: the address is the word's (BusMem refuses any other), out
// is the word. SDTable is the table of aligned SD: the word becomes in, and its page is looked
// up on BusPageFlag with fetched = 0.
func LDTable() *stark.Table { t, _ := buildDouble(false, nil); return t }
func SDTable() *stark.Table { t, _ := buildDouble(true, nil); return t }

func buildDouble(store bool, omit map[string]bool) (*stark.Table, doubleCols) {
	name, op := "mem_ld", LSLD
	if store {
		name, op = "mem_sd", LSSD
	}
	t := stark.NewTable(name)
	r := &rules{t: t, omit: omit}
	c := doubleCols{isStore: store}
	c.real = t.Column("real")
	c.addr = t.Columns("addr", 3)
	c.ts = t.Column("ts")
	c.prev = t.Columns("prev", 4)
	if store {
		c.val = t.Columns("val", 4)
		c.pg = t.Column("page")
	}
	isReal := c.real.Cur()
	r.boolean("real boolean", isReal)
	a := cur(c.addr)
	word := [3]stark.Expr{a[0], a[1], a[2]}
	ts := c.ts.Cur()
	msg := []stark.Expr{stark.Const(uint64(op)), a[0], a[1], a[2], ts}
	zero4 := []stark.Expr{stark.Const(0), stark.Const(0), stark.Const(0), stark.Const(0)}
	if store {
		c.acc = r.memAccess("word", isReal, word, limbCols(c.prev), limbCols(c.val), ts)
		pg := c.pg.Cur()
		r.sendRange16("page limb", isReal, a[0].Sub(pg.Mul(stark.Const(4096))).Mul(stark.Const(16)))
		if !r.omit["page flag"] {
			t.Receive(BusPageFlag, isReal, pg, a[1], a[2], stark.Const(0))
			r.interactions++
		}
		msg = append(append(msg, cur(c.val)...), zero4...)
	} else {
		c.acc = r.memAccess("word", isReal, word, limbCols(c.prev), limbCols(c.prev), ts)
		msg = append(append(msg, zero4...), cur(c.prev)...)
	}
	if !r.omit["receive"] {
		t.Receive(BusLS, isReal, msg...)
		r.interactions++
	}
	return t, c
}

func doubleFill(m *stark.Matrix, row int, c *doubleCols, e *lsEvent, cnt *counts, pages map[uint64]uint64) {
	m.SetUint(row, c.real.Index(), 1)
	al := addrLimbs(e.Addr)
	for k := 0; k < 3; k++ {
		m.SetUint(row, c.addr[k].Index(), al[k])
	}
	m.SetUint(row, c.ts.Index(), e.Ts)
	a := e.Words[0]
	setLimbsAt(m, row, c.prev, a.Prev)
	c.acc.fill(m, row, a, cnt)
	if c.isStore {
		setLimbsAt(m, row, c.val, e.In)
		m.SetUint(row, c.pg.Index(), pageLimb(a.Addr))
		cnt.limbs[16*(a.Addr&0xfff)]++
		pages[a.Addr/vm.PageSize]++
	}
}

// wordCols is the layout of the aligned LW/LWU or SW table.
type wordCols struct {
	real, uns, half stark.Column // half: the upper 32 bits of the word
	addr            []stark.Column
	ts              stark.Column
	val             []stark.Column // LW: out's limbs 0-1; SW: in
	prev, next      []stark.Column
	sign            stark.Column // LW: bit 31
	pg              stark.Column // SW: page[0] of the word
	acc             accessCols
	isStore         bool
}

var lwLayout, swLayout = func() (wordCols, wordCols) {
	_, l := buildWord(false, nil)
	_, s := buildWord(true, nil)
	return l, s
}()

// LWTable is the table of aligned LW and LWU: out is the word's half (limbs 0-1 or 2-3),
// sign-extended for LW. SWTable is the table of aligned SW: in's low limbs replace the half,
// and the page is looked up on BusPageFlag with fetched = 0. The word address a_0 - 4·half goes
// on BusMem, which pins half.
func LWTable() *stark.Table { t, _ := buildWord(false, nil); return t }
func SWTable() *stark.Table { t, _ := buildWord(true, nil); return t }

func buildWord(store bool, omit map[string]bool) (*stark.Table, wordCols) {
	name := "mem_lw"
	if store {
		name = "mem_sw"
	}
	t := stark.NewTable(name)
	r := &rules{t: t, omit: omit}
	c := wordCols{isStore: store}
	c.real = t.Column("real")
	if !store {
		c.uns = t.Column("unsigned")
	}
	c.half = t.Column("half")
	c.addr = t.Columns("addr", 3)
	c.ts = t.Column("ts")
	if store {
		c.val = t.Columns("val", 4)
		c.next = t.Columns("next", 4)
		c.pg = t.Column("page")
	} else {
		c.val = t.Columns("val", 2)
		c.sign = t.Column("sign")
	}
	c.prev = t.Columns("prev", 4)
	one := stark.Const(1)
	isReal, h := c.real.Cur(), c.half.Cur()
	r.boolean("real boolean", isReal)
	r.boolean("half boolean", h)
	a := cur(c.addr)
	word := [3]stark.Expr{a[0].Sub(h.Mul(stark.Const(4))), a[1], a[2]}
	ts := c.ts.Cur()
	P, val := cur(c.prev), cur(c.val)
	zero4 := []stark.Expr{stark.Const(0), stark.Const(0), stark.Const(0), stark.Const(0)}
	var msg []stark.Expr
	if store {
		N := cur(c.next)
		r.zero("word store low half", N[0].Sub(val[0]).Sub(h.Mul(P[0].Sub(val[0]))))
		r.zero("word store low half", N[1].Sub(val[1]).Sub(h.Mul(P[1].Sub(val[1]))))
		r.zero("word store high half", N[2].Sub(P[2]).Sub(h.Mul(val[0].Sub(P[2]))))
		r.zero("word store high half", N[3].Sub(P[3]).Sub(h.Mul(val[1].Sub(P[3]))))
		c.acc = r.memAccess("word", isReal, word, limbCols(c.prev), limbCols(c.next), ts)
		pg := c.pg.Cur()
		r.sendRange16("page limb", isReal, word[0].Sub(pg.Mul(stark.Const(4096))).Mul(stark.Const(16)))
		if !r.omit["page flag"] {
			t.Receive(BusPageFlag, isReal, pg, a[1], a[2], stark.Const(0))
			r.interactions++
		}
		msg = append(append([]stark.Expr{stark.Const(uint64(LSSW)), a[0], a[1], a[2], ts}, val...), zero4...)
	} else {
		uns, sign := c.uns.Cur(), c.sign.Cur()
		r.boolean("unsigned boolean", uns)
		// uns ≤ real keeps the sign lookup's multiplicity real - uns in {0, 1}.
		r.zero("unsigned only on real rows", uns.Mul(one.Sub(isReal)))
		r.boolean("sign boolean", sign)
		r.zero("sign only for LW", sign.Mul(one.Sub(isReal).Add(uns)))
		r.zero("word load limb 0", val[0].Sub(P[0]).Sub(h.Mul(P[2].Sub(P[0]))))
		r.zero("word load limb 1", val[1].Sub(P[1]).Sub(h.Mul(P[3].Sub(P[1]))))
		r.sendRange16("sign is bit 31", isReal.Sub(uns), val[1].Sub(sign.Mul(stark.Const(1<<15))).Mul(stark.Const(2)))
		c.acc = r.memAccess("word", isReal, word, limbCols(c.prev), limbCols(c.prev), ts)
		ext := sign.Mul(stark.Const(0xffff))
		op := stark.Const(uint64(LSLW)).Add(uns.Mul(stark.Const(uint64(LSLWU - LSLW))))
		msg = append(append([]stark.Expr{op, a[0], a[1], a[2], ts}, zero4...), val[0], val[1], ext, ext)
	}
	if !r.omit["receive"] {
		t.Receive(BusLS, isReal, msg...)
		r.interactions++
	}
	return t, c
}

func wordFill(m *stark.Matrix, row int, c *wordCols, e *lsEvent, cnt *counts, pages map[uint64]uint64) {
	m.SetUint(row, c.real.Index(), 1)
	h := (e.Addr >> 2) & 1
	m.SetUint(row, c.half.Index(), h)
	al := addrLimbs(e.Addr)
	for k := 0; k < 3; k++ {
		m.SetUint(row, c.addr[k].Index(), al[k])
	}
	m.SetUint(row, c.ts.Index(), e.Ts)
	a := e.Words[0]
	setLimbsAt(m, row, c.prev, a.Prev)
	c.acc.fill(m, row, a, cnt)
	if c.isStore {
		setLimbsAt(m, row, c.val, e.In)
		setLimbsAt(m, row, c.next, a.Next)
		m.SetUint(row, c.pg.Index(), pageLimb(a.Addr))
		cnt.limbs[16*(a.Addr&0xfff)]++
		pages[a.Addr/vm.PageSize]++
		return
	}
	m.SetUint(row, c.val[0].Index(), e.Out&0xffff)
	m.SetUint(row, c.val[1].Index(), (e.Out>>16)&0xffff)
	if e.Op == LSLWU {
		m.SetUint(row, c.uns.Index(), 1)
		return
	}
	s := (e.Out >> 31) & 1
	m.SetUint(row, c.sign.Index(), s)
	cnt.limbs[2*((e.Out>>16)&0xffff-s<<15)]++
}
