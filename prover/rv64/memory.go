package rv64

import (
	"errors"
	"fmt"
	"math/bits"

	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
)

// The memory tables receive the CPU's BusLS messages and prove each instruction's out and memory
// effects: aligned LD and SD (LDTable, SDTable: the word itself), the other naturally aligned
// loads and stores (LoadTable, StoreTable: a limb or a byte of one word), every other plain
// load or store (LSTable: any byte offset, one or two words), and LR, SC and the AMOs
// (AtomicTable). memoryTraces routes events to them; LoadStore and Atomic are the executor's
// semantics that trace generation checks every event against (and that TestSemanticsAgainstExecutor
// checks against prover/vm).

// LSOp is the operation of a BusLS message: which load, store, LR, SC or AMO the CPU executed. The
// numbering is a function of the instruction's fields, so that the CPU's decode can derive it
// without naming these constants: loads 1 + funct3, stores 8 + funct3, and for opcode 0x2f
// 16 + 2·funct5 + [funct3 = 3].
type LSOp uint8

const (
	LSLB LSOp = 1 + iota // 1 + funct3
	LSLH
	LSLW
	LSLD
	LSLBU
	LSLHU
	LSLWU
	LSSB // 8 + funct3
	LSSH
	LSSW
	LSSD
)

// The A extension: 16 + 2·funct5 + (1 for the .D forms).
const (
	LSAMOADDW  LSOp = 16 + 2*0
	LSAMOADDD  LSOp = LSAMOADDW + 1
	LSAMOSWAPW LSOp = 16 + 2*1
	LSAMOSWAPD LSOp = LSAMOSWAPW + 1
	LSLRW      LSOp = 16 + 2*2
	LSLRD      LSOp = LSLRW + 1
	LSSCW      LSOp = 16 + 2*3
	LSSCD      LSOp = LSSCW + 1
	LSAMOXORW  LSOp = 16 + 2*4
	LSAMOXORD  LSOp = LSAMOXORW + 1
	LSAMOORW   LSOp = 16 + 2*8
	LSAMOORD   LSOp = LSAMOORW + 1
	LSAMOANDW  LSOp = 16 + 2*12
	LSAMOANDD  LSOp = LSAMOANDW + 1
	LSAMOMINW  LSOp = 16 + 2*16
	LSAMOMIND  LSOp = LSAMOMINW + 1
	LSAMOMAXW  LSOp = 16 + 2*20
	LSAMOMAXD  LSOp = LSAMOMAXW + 1
	LSAMOMINUW LSOp = 16 + 2*24
	LSAMOMINUD LSOp = LSAMOMINUW + 1
	LSAMOMAXUW LSOp = 16 + 2*28
	LSAMOMAXUD LSOp = LSAMOMAXUW + 1
)

var lsNames = map[LSOp]string{
	LSLB: "LB", LSLH: "LH", LSLW: "LW", LSLD: "LD", LSLBU: "LBU", LSLHU: "LHU", LSLWU: "LWU",
	LSSB: "SB", LSSH: "SH", LSSW: "SW", LSSD: "SD",
	LSLRW: "LR.W", LSLRD: "LR.D", LSSCW: "SC.W", LSSCD: "SC.D",
	LSAMOSWAPW: "AMOSWAP.W", LSAMOSWAPD: "AMOSWAP.D", LSAMOADDW: "AMOADD.W", LSAMOADDD: "AMOADD.D",
	LSAMOXORW: "AMOXOR.W", LSAMOXORD: "AMOXOR.D", LSAMOANDW: "AMOAND.W", LSAMOANDD: "AMOAND.D",
	LSAMOORW: "AMOOR.W", LSAMOORD: "AMOOR.D", LSAMOMINW: "AMOMIN.W", LSAMOMIND: "AMOMIN.D",
	LSAMOMAXW: "AMOMAX.W", LSAMOMAXD: "AMOMAX.D", LSAMOMINUW: "AMOMINU.W", LSAMOMINUD: "AMOMINU.D",
	LSAMOMAXUW: "AMOMAXU.W", LSAMOMAXUD: "AMOMAXU.D",
}

func (o LSOp) String() string {
	if s, ok := lsNames[o]; ok {
		return s
	}
	return fmt.Sprintf("LSOp(%d)", uint8(o))
}

// isLoad and isStore report the plain loads and stores (the memory table's operations).
func (o LSOp) isLoad() bool  { return o >= LSLB && o <= LSLWU }
func (o LSOp) isStore() bool { return o >= LSSB && o <= LSSD }

// isAtomic reports LR, SC and the AMOs (the atomic table's operations).
func (o LSOp) isAtomic() bool { _, ok := lsNames[o]; return ok && o >= LSAMOADDW }

// size is the access width in bytes.
func (o LSOp) size() uint64 {
	switch {
	case o.isLoad():
		return 1 << ((o - LSLB) & 3)
	case o.isStore():
		return 1 << (o - LSSB)
	case o.isAtomic():
		return 4 << (o & 1)
	}
	return 0
}

// signed reports the loads that sign-extend.
func (o LSOp) signed() bool { return o >= LSLB && o <= LSLW }

// Errors of the load/store semantics and of event checking.
var (
	// ErrLSOp marks an LSOp that no table proves.
	ErrLSOp = errors.New("rv64: unknown load/store operation")
	// ErrLSAddress marks an access the executor faults on: past the end of the 48-bit address
	// space, or a misaligned atomic.
	ErrLSAddress = errors.New("rv64: load/store address the executor faults on")
	// ErrLSEvent marks a load/store event whose accesses or values do not match the executor's
	// semantics.
	ErrLSEvent = errors.New("rv64: inconsistent load/store event")
)

// lsWords returns the 8-aligned address of the first word an access touches and whether it
// spills into the next word (misaligned accesses may).
func lsWords(op LSOp, addr uint64) (word uint64, two bool) {
	return addr &^ 7, addr&7+op.size() > 8
}

// LoadStore is the executor's semantics of a plain load or store (prover/vm: load/store of
// size bytes, little-endian, misaligned accesses allowed): given the address, the stored operand
// in (rs2; ignored by loads) and the old contents of the one or two words the access touches
// (old[1] is used only when it spills into the next word), it returns the value written to rd
// (0 for stores) and the words' new contents (unchanged for loads).
func LoadStore(op LSOp, addr, in uint64, old [2]uint64) (out uint64, next [2]uint64, err error) {
	if !op.isLoad() && !op.isStore() {
		return 0, old, fmt.Errorf("%w: %v", ErrLSOp, op)
	}
	size := op.size()
	if addr >= 1<<48 || addr+size-1 >= 1<<48 {
		return 0, old, fmt.Errorf("%w: %v at %#x", ErrLSAddress, op, addr)
	}
	off := addr & 7
	// The 16 bytes of the two words as a 128-bit little-endian window (lo, hi).
	lo, hi := old[0], old[1]
	mask := uint64(1)<<(8*size) - 1
	if size == 8 {
		mask = ^uint64(0)
	}
	if op.isLoad() {
		v := lo >> (8 * off)
		if off > 0 {
			v |= hi << (64 - 8*off)
		}
		v &= mask
		if op.signed() {
			sh := 64 - 8*size
			v = uint64(int64(v<<sh) >> sh)
		}
		return v, old, nil
	}
	v := in & mask
	nlo := lo&^(mask<<(8*off)) | v<<(8*off)
	nhi := hi
	if off > 0 {
		nhi = hi&^(mask>>(64-8*off)) | v>>(64-8*off)
	}
	return 0, [2]uint64{nlo, nhi}, nil
}

// lsEvent is one BusLS message with the memory accesses it makes, resolved by the memory
// tracker: Words[0] is the word holding the first byte, Words[1] the next word when the access
// spills into it (misaligned), and for LR/SC Res is the reservation word's access.
type lsEvent struct {
	Op      LSOp
	Addr    uint64 // effective byte address
	Ts      uint64 // Timestamp(cycle, SlotMem)
	In, Out uint64
	Words   [2]Access
	Res     Access
}

// checkLS verifies that a load/store event is what the executor does: the accesses are to the
// right words at the message's timestamp, and out and the new words follow LoadStore.
func (e *lsEvent) checkLS() (two bool, err error) {
	word, two := lsWords(e.Op, e.Addr)
	old := [2]uint64{e.Words[0].Prev, e.Words[1].Prev}
	out, next, err := LoadStore(e.Op, e.Addr, e.In, old)
	if err != nil {
		return false, err
	}
	switch {
	case e.Words[0].Addr != word || e.Words[0].Ts != e.Ts:
		return false, fmt.Errorf("%w: %v at %#x: first access %#x at %d", ErrLSEvent, e.Op, e.Addr, e.Words[0].Addr, e.Words[0].Ts)
	case two && (e.Words[1].Addr != word+8 || e.Words[1].Ts != e.Ts):
		return false, fmt.Errorf("%w: %v at %#x: second access %#x at %d", ErrLSEvent, e.Op, e.Addr, e.Words[1].Addr, e.Words[1].Ts)
	case out != e.Out || (e.Op.isStore() && e.Out != 0) || (e.Op.isLoad() && e.In != 0):
		return false, fmt.Errorf("%w: %v at %#x: out %#x, in %#x (out should be %#x)", ErrLSEvent, e.Op, e.Addr, e.Out, e.In, out)
	case e.Words[0].Next != next[0] || (two && e.Words[1].Next != next[1]):
		return false, fmt.Errorf("%w: %v at %#x: new words do not follow the store", ErrLSEvent, e.Op, e.Addr)
	case (!two && e.Words[1] != Access{}) || e.Res != (Access{}):
		return false, fmt.Errorf("%w: %v at %#x: an access no table row makes", ErrLSEvent, e.Op, e.Addr)
	}
	return two, nil
}

// inv256 is 1/256 in F.
var inv256 = func() stark.F {
	var x stark.F
	x.SetUint64(256)
	x.Inverse(&x)
	return x
}()

// pageLimb is the BusPageFlag page[0] of a word address: its low limb's top four bits.
func pageLimb(addr uint64) uint64 { return addr & 0xffff >> 12 }

// lsCols is the layout of the load/store table (lsTable).
type lsCols struct {
	flags      []stark.Column // L1 L2 L4 L8 S1 S2 S4 S8: load or store of 1, 2, 4, 8 bytes
	uns        stark.Column   // zero-extending load
	addr       []stark.Column // effective byte address limbs
	ts         stark.Column
	val        []stark.Column // in (stores) or out (loads), 4 limbs
	off        []stark.Column // one-hot byte offset within the first word
	ob, nb     []stark.Column // old and new bytes of the two words
	vb         []stark.Column // the accessed bytes (those past the width are unused; generation writes 0)
	sign       stark.Column   // sign bit of a sign-extending load
	two        stark.Column   // the access spills into the next word
	c1, c2     stark.Column   // carries of (word address + 8) into limbs 1 and 2
	kinv       stark.Column   // 1 / (addr[2] - 0xfffe) when c2 is set: no access across vm.KernelBase
	pg1, pg2   stark.Column   // page[0] of the two words (stores)
	acc1, acc2 accessCols
}

var lsLayout = func() lsCols {
	_, c := buildLS(nil)
	return c
}()

// lsSizes lists the access widths in the order of lsCols.flags (loads, then stores).
var lsSizes = [4]int{1, 2, 4, 8}

// LSTable is the load/store table: one row per plain load or store (BusLS ops LB..SD) at any
// byte offset, misaligned ones included. The row receives (op, addr, ts, in, out) on BusLS,
// splits the address into the word address and a one-hot byte offset, holds the old bytes of the
// word and the next one (ob) and their new bytes (nb: equal for loads; for stores the accessed
// bytes replaced by in's low bytes), reads or read-modify-writes the first word through
// memAccess at ts and the second word when the access spills into it, and for stores looks each
// written page up on BusPageFlag with fetched = 0 (a receive: the paging table sends each page's
// flag as many times as it is looked up).
//
// Why the address split is sound with no range check of its own: the word address limb a_0 - off
// (and, for the second word, the limbs of word + 8 formed with boolean carries c1, c2) goes on
// BusMem, which balances only for addresses that page-in sent: 8-aligned, canonical limbs of a
// paged-in page. a_0 comes canonical from the CPU and off ∈ [0, 8) is one-hot, so a_0 - off being
// such a limb fixes off = a_0 mod 8 (the integers involved are far below p), and a wrong carry
// gives a non-canonical limb (2^16, or p - 2^16 + ...) that no page-in sends.
//
// page[0] of a written page is pg with 16·(word_0 - 4096·pg) range-checked to 16 bits: for the
// pg values the paging table can hold (page[0] ∈ [0, 16), as its canonical addresses require) the
// only one that passes is word_0 >> 12.
func LSTable() *stark.Table { return lsTable(nil) }

func lsTable(omit map[string]bool) *stark.Table {
	t, _ := buildLS(omit)
	return t
}

func buildLS(omit map[string]bool) (*stark.Table, lsCols) {
	t := stark.NewTable("mem_ls")
	r := &rules{t: t, omit: omit}
	var c lsCols
	c.flags = t.Columns("op", 8)
	c.uns = t.Column("unsigned")
	c.addr = t.Columns("addr", 3)
	c.ts = t.Column("ts")
	c.val = t.Columns("val", 4)
	c.off = t.Columns("off", 8)
	c.ob = t.Columns("old_byte", 16)
	c.nb = t.Columns("new_byte", 16)
	c.vb = t.Columns("val_byte", 8)
	c.sign = t.Column("sign")
	c.two = t.Column("two_words")
	c.c1, c.c2 = t.Column("carry1"), t.Column("carry2")
	c.kinv = t.Column("kernel_inv")
	c.pg1, c.pg2 = t.Column("page1"), t.Column("page2")

	one := stark.Const(1)
	f := cur(c.flags)
	var isLoad, isStore, isReal, op stark.Expr
	for i, fl := range f {
		r.boolean("flag boolean", fl)
		isReal = isReal.Add(fl)
		if i < 4 {
			isLoad = isLoad.Add(fl)
			op = op.Add(fl.Mul(stark.Const(uint64(LSLB) + uint64(i))))
		} else {
			isStore = isStore.Add(fl)
			op = op.Add(fl.Mul(stark.Const(uint64(LSSB) + uint64(i-4))))
		}
	}
	r.boolean("one operation per row", isReal)
	uns := c.uns.Cur()
	r.boolean("unsigned boolean", uns)
	// LBU, LHU, LWU are 4 above LB, LH, LW; there is no LDU.
	r.zero("unsigned only for short loads", uns.Mul(one.Sub(f[0]).Sub(f[1]).Sub(f[2])))
	op = op.Add(uns.Mul(stark.Const(4)))
	// sizeAbove(j): the flags of the accesses wider than j bytes (loads and stores alike).
	sizeAbove := func(j int) (e stark.Expr) {
		for i, s := range lsSizes {
			if s > j {
				e = e.Add(f[i]).Add(f[4+i])
			}
		}
		return e
	}

	var offset, offSum stark.Expr
	o := cur(c.off)
	for k, ok := range o {
		r.boolean("offset boolean", ok)
		offSum = offSum.Add(ok)
		offset = offset.Add(ok.Mul(stark.Const(uint64(k))))
	}
	r.zero("one offset per row", offSum.Sub(isReal))

	// The accessed bytes sit at window positions off..off+size-1 of nb.
	for i := 0; i < 16; i++ {
		var e stark.Expr
		for k := 0; k < 8; k++ {
			if j := i - k; j >= 0 && j < 8 {
				e = e.Add(o[k].Mul(sizeAbove(j)).Mul(c.nb[i].Cur().Sub(c.vb[j].Cur())))
			}
		}
		r.zero("accessed byte", e)
	}
	// Loads leave the words as they are; stores change only the window: inStoreWindow(i) is
	// isStore exactly when byte i is in the window.
	for i := 0; i < 16; i++ {
		var win stark.Expr
		for k := 0; k < 8; k++ {
			if j := i - k; j >= 0 && j < 8 {
				for s := 0; s < 4; s++ {
					if lsSizes[s] > j {
						win = win.Add(o[k].Mul(f[4+s]))
					}
				}
			}
		}
		d := c.nb[i].Cur().Sub(c.ob[i].Cur())
		r.zero("load keeps the words", isLoad.Mul(d))
		r.zero("store keeps bytes outside the window", isStore.Sub(win).Mul(d))
	}

	// val: in's low bytes (stores) or out (loads), extended by the sign for signed loads.
	sign := c.sign.Cur()
	r.boolean("sign boolean", sign)
	signedLoad := f[0].Add(f[1]).Add(f[2]).Sub(uns)
	r.zero("sign only for signed loads", one.Sub(signedLoad).Mul(sign))
	for k := 0; k < 4; k++ {
		pair := c.vb[2*k].Cur().Add(c.vb[2*k+1].Cur().Mul(stark.Const(256)))
		r.zero("value limb", sizeAbove(2*k+1).Mul(c.val[k].Cur().Sub(pair)))
		var narrow stark.Expr // loads narrower than limb k
		for i, s := range lsSizes {
			if s <= 2*k {
				narrow = narrow.Add(f[i])
			}
		}
		if k == 0 {
			// SB stores limb 0's low byte: the rest of the limb is 256 times a byte.
			r.sendByte("stored byte is in's low byte", f[4], c.val[0].Cur().Sub(c.vb[0].Cur()).Mul(stark.ConstF(inv256)))
			// LB's limb 0 is its byte, with 0xff00 above it when negative.
			r.zero("byte load limb 0", f[0].Mul(c.val[0].Cur().Sub(c.vb[0].Cur()).Sub(sign.Mul(stark.Const(0xff00)))))
			continue
		}
		r.zero("load extension", narrow.Mul(c.val[k].Cur().Sub(sign.Mul(stark.Const(0xffff)))))
	}
	// The sign is the top bit of the loaded value's top byte: 2·(top - 128·sign) is a byte.
	top := f[0].Mul(c.vb[0].Cur()).Add(f[1].Mul(c.vb[1].Cur())).Add(f[2].Mul(c.vb[3].Cur()))
	r.sendByte("sign is the top bit", signedLoad, top.Sub(sign.Mul(stark.Const(128))).Mul(stark.Const(2)))

	// Range checks: the old bytes tie prev's limbs to bytes; the stored bytes (in's) likewise.
	for i := 0; i < 16; i++ {
		r.sendByte("old byte range", isReal, c.ob[i].Cur())
	}
	for j := 0; j < 8; j++ {
		r.sendByte("stored byte range", isStore, c.vb[j].Cur())
	}

	// Second word: present iff off + size > 8.
	two := c.two.Cur()
	var spill stark.Expr
	for k := 1; k < 8; k++ {
		for i, s := range lsSizes {
			if k+s > 8 {
				spill = spill.Add(o[k].Mul(f[i].Add(f[4+i])))
			}
		}
	}
	r.zero("second word iff the access spills", two.Sub(spill))
	c1, c2 := c.c1.Cur(), c.c2.Cur()
	r.boolean("carry boolean", c1)
	r.boolean("carry boolean", c2)
	r.zero("carry2 only after carry1", c2.Mul(one.Sub(c1)))
	// An access whose second word carries into limb 2 from 0xfffe would span vm.KernelBase: half in
	// user memory, half in the kernel's. The executor refuses it in either mode (ErrKernelAccess),
	// and so does this rule, or a user program could write the kernel's first bytes.
	r.zero("no access across the kernel base", c2.Mul(cur(c.addr)[2].Sub(stark.Const(0xfffe)).Mul(c.kinv.Cur()).Sub(one)))

	a := cur(c.addr)
	w0 := a[0].Sub(offset)
	word1 := [3]stark.Expr{w0, a[1], a[2]}
	word2 := [3]stark.Expr{
		w0.AddConst(8).Sub(c1.Mul(stark.Const(1 << 16))),
		a[1].Add(c1).Sub(c2.Mul(stark.Const(1 << 16))),
		a[2].Add(c2),
	}
	limbsOf := func(bs []stark.Column) (l [4]stark.Expr) {
		return limbs16(cur(bs))
	}
	ts := c.ts.Cur()
	c.acc1 = r.memAccess("word1", isReal, word1, limbsOf(c.ob[:8]), limbsOf(c.nb[:8]), ts)
	c.acc2 = r.memAccess("word2", two, word2, limbsOf(c.ob[8:]), limbsOf(c.nb[8:]), ts)

	// Stores look their pages up with fetched = 0.
	pg1, pg2 := c.pg1.Cur(), c.pg2.Cur()
	r.sendRange16("page limb", isStore, w0.Sub(pg1.Mul(stark.Const(4096))).Mul(stark.Const(16)))
	r.sendRange16("second page limb", isStore.Mul(two), word2[0].Sub(pg2.Mul(stark.Const(4096))).Mul(stark.Const(16)))
	if !r.omit["page flag"] {
		t.Receive(BusPageFlag, isStore, pg1, a[1], a[2], stark.Const(0))
		t.Receive(BusPageFlag, isStore.Mul(two), pg2, word2[1], word2[2], stark.Const(0))
		r.interactions += 2
	}

	// The message: in for stores, out for loads.
	if !r.omit["receive"] {
		msg := []stark.Expr{op, a[0], a[1], a[2], ts}
		for k := 0; k < 4; k++ {
			msg = append(msg, isStore.Mul(c.val[k].Cur()))
		}
		for k := 0; k < 4; k++ {
			msg = append(msg, isLoad.Mul(c.val[k].Cur()))
		}
		t.Receive(BusLS, isReal, msg...)
		r.interactions++
	}
	return t, c
}

// lsFill writes one event's row (checked by checkLS) and counts its lookups.
func lsFill(m *stark.Matrix, row int, e *lsEvent, two bool, cnt *counts, pages map[uint64]uint64) {
	c := &lsLayout
	size := int(e.Op.size())
	si := bits.TrailingZeros(uint(size)) // the index of the width in lsSizes
	store := e.Op.isStore()
	if store {
		si += 4
	}
	m.SetUint(row, c.flags[si].Index(), 1)
	if e.Op >= LSLBU && e.Op <= LSLWU {
		m.SetUint(row, c.uns.Index(), 1)
	}
	al := addrLimbs(e.Addr)
	for k := 0; k < 3; k++ {
		m.SetUint(row, c.addr[k].Index(), al[k])
	}
	m.SetUint(row, c.ts.Index(), e.Ts)
	val := e.Out
	if store {
		val = e.In
	}
	for k := 0; k < 4; k++ {
		m.SetUint(row, c.val[k].Index(), (val>>(16*k))&0xffff)
	}
	off := int(e.Addr & 7)
	m.SetUint(row, c.off[off].Index(), 1)
	old := [2]uint64{e.Words[0].Prev, e.Words[1].Prev}
	nw := [2]uint64{e.Words[0].Next, e.Words[1].Next}
	if !two {
		// The second word's columns are not on any bus; copy nothing so that they read as zero.
		old[1], nw[1] = 0, 0
	}
	for i := 0; i < 16; i++ {
		ob := (old[i/8] >> (8 * (i % 8))) & 0xff
		m.SetUint(row, c.ob[i].Index(), ob)
		m.SetUint(row, c.nb[i].Index(), (nw[i/8]>>(8*(i%8)))&0xff)
		cnt.bytes[ob]++
	}
	var raw uint64 // the accessed bytes, unextended
	for j := 0; j < size; j++ {
		i := off + j
		b := (nw[i/8] >> (8 * (i % 8))) & 0xff
		raw |= b << (8 * j)
		m.SetUint(row, c.vb[j].Index(), b)
	}
	if store {
		for j := 0; j < 8; j++ {
			cnt.bytes[(raw>>(8*j))&0xff]++
		}
		if size == 1 {
			cnt.bytes[(e.In>>8)&0xff]++
		}
	}
	if e.Op.signed() {
		topByte := (raw >> (8 * (size - 1))) & 0xff
		s := topByte >> 7
		m.SetUint(row, c.sign.Index(), s)
		cnt.bytes[2*(topByte-128*s)]++
	}
	w1 := e.Addr &^ 7
	c.acc1.fill(m, row, e.Words[0], cnt)
	if two {
		m.SetUint(row, c.two.Index(), 1)
		w2 := w1 + 8
		if w1&0xffff == 0xfff8 {
			m.SetUint(row, c.c1.Index(), 1)
			if (w1>>16)&0xffff == 0xffff {
				m.SetUint(row, c.c2.Index(), 1)
				var d stark.F
				d.SetInt64(int64((w1>>32)&0xffff) - 0xfffe)
				d.Inverse(&d) // zero when the access spans the kernel base: the rule then fails
				m.Set(row, c.kinv.Index(), d)
			}
		}
		c.acc2.fill(m, row, e.Words[1], cnt)
		if store {
			m.SetUint(row, c.pg2.Index(), pageLimb(w2))
			cnt.limbs[16*(w2&0xfff)]++
			pages[w2/vm.PageSize]++
		}
	}
	if store {
		m.SetUint(row, c.pg1.Index(), pageLimb(w1))
		cnt.limbs[16*(w1&0xfff)]++
		pages[w1/vm.PageSize]++
	}
}

// lsTrace fills the load/store table from the plain load and store events, checking each against
// the executor's semantics. It returns the trace, the lookups the rows make, and the BusPageFlag
// lookups per page number (the paging table's multiplicities).
func lsTrace(evs []lsEvent, minLog int) (*stark.Matrix, *counts, map[uint64]uint64, error) {
	m := stark.NewMatrix(lsTable(nil).Width(), 1<<uint(padLog(len(evs), minLog)))
	cnt := new(counts)
	pages := map[uint64]uint64{}
	for i := range evs {
		e := &evs[i]
		if !e.Op.isLoad() && !e.Op.isStore() {
			return nil, nil, nil, fmt.Errorf("%w: %v in the load/store table", ErrLSOp, e.Op)
		}
		two, err := e.checkLS()
		if err != nil {
			return nil, nil, nil, err
		}
		lsFill(m, i, e, two, cnt, pages)
	}
	return m, cnt, pages, nil
}

// resolveLS executes a plain load or store at timestamp ts against the tracker's memory and
// returns its event with the resolved accesses (the generation path gen.go takes, exposed for
// tests and for cross-checking the executor's steps).
func resolveLS(t *memTracker, op LSOp, addr, in, ts uint64) (lsEvent, error) {
	if !op.isLoad() && !op.isStore() {
		return lsEvent{}, fmt.Errorf("%w: %v", ErrLSOp, op)
	}
	word, two := lsWords(op, addr)
	var old [2]uint64
	for i := 0; i < 1+int(b2u(two)); i++ {
		v, _, err := t.final(word + 8*uint64(i))
		if err != nil {
			return lsEvent{}, err
		}
		old[i] = v
	}
	if op.isLoad() {
		in = 0
	}
	out, next, err := LoadStore(op, addr, in, old)
	if err != nil {
		return lsEvent{}, err
	}
	e := lsEvent{Op: op, Addr: addr, Ts: ts, In: in, Out: out}
	for i := 0; i < 1+int(b2u(two)); i++ {
		if e.Words[i], err = t.access(word+8*uint64(i), old[i], next[i], ts); err != nil {
			return lsEvent{}, err
		}
	}
	return e, nil
}
