package rv64

import (
	"errors"
	"fmt"

	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
)

// The system table proves what the CPU hands it on BusSys: traps, mret and host calls (ABI v1).
// One row per message; every memory effect is a memAccess at the message's timestamp (slot
// SlotMem). Four access slots, A..D, serve every kind:
//
//	kind              A                  B                   C                   D
//	trap (1, 2)       cause  := 2 or 8   epc  := pc          mode word := 1      -
//	mret (3)          read epc           mode word := 0      -                   -
//	host call (4)     read a7            a0 (read; := n)     read a1             read a2
//
// READ and WRITE move bytes through a second table, sys_io, with one row per memory word of
// [addr, addr + n): the host-call row sends the first word's address and the last byte's address
// on BusJournal (tags ioStart, ioEnd), and sys_io's rows form a chain from the one to the other
// (+8 per row), each a read-modify-write of its word that replaces exactly the bytes inside the
// range (READ: advice bytes) or leaves the word unchanged (WRITE). WRITE to fd 3 sends each byte
// with its journal position on BusJournal (tag journalByte) to the journal table (journal.go).
//
// The rows are in timestamp order (the gap to the previous row is range-checked), real rows
// first, so that "HALT is on the last real row" makes HALT the last system event, and the number
// of HALT rows is PubHalted (0 or 1).
//
// What the CPU table must guarantee for this to mean what it says: the pc limbs it sends are
// 16-bit (a trap writes them to memory as epc), and when PubHalted = 1 its last real row sends on
// BusSys (then that message is the last system event, the HALT, so HALT is the last cycle).

// BusSys kinds (the CPU sends them; segment.md).
const (
	SysIllegal = 1 // trap: instruction outside RV64IMA in user mode (cause 2)
	SysEcall   = 2 // trap: ecall in user mode (cause 8)
	SysMret    = 3 // mret in kernel mode
	SysHost    = 4 // ecall in kernel mode: a host call
)

// Host call numbers (a7) the AIR accepts; READY, FAULT and every other number are unprovable.
const (
	hostHalt  = 0
	hostRead  = 1
	hostWrite = 2
)

// Machine page offsets and trap causes (ABI v1).
const (
	mpMode       = 0x200
	mpCause      = 0x208
	mpEPC        = 0x210
	causeIllegal = 2
	causeEcall   = 8
	regA0        = 10
	regA1        = 11
	regA2        = 12
	regA7        = 17
	fdJournal    = 3
)

// Message tags on BusJournal, which only the system tables use:
//
//	(journalByte, position, byte)                        sys_io sends, journal receives
//	(ioStart, ts, word[3], s, kind, jpos)                 host-call row sends, sys_io's first row receives
//	(ioEnd, ts, last byte address limb 0)                 host-call row sends, sys_io's last row receives
//
// kind is 1 READ, 2 WRITE to fd 1 or 2, 3 WRITE to the journal; s = addr mod 8; jpos is the
// journal position of the call's first byte.
const (
	journalByte = 1
	ioStart     = 2
	ioEnd       = 3
)

// ErrSysEvent marks a trap, mret or host call that the AIR cannot prove: a trap from kernel mode,
// mret from user mode, a host call other than HALT/READ/WRITE, a WRITE to a descriptor other than
// 1..3, a READ beyond its length or page, an address at or above 2^48, or an I/O buffer that
// overlaps the kernel registers the call itself reads.
var ErrSysEvent = errors.New("rv64: unprovable system event")

// sysCols are the system table's columns.
type sysCols struct {
	ill, ecall, mret, halt, read, write stark.Column // one-hot kind of the row
	kind, mode, ts                      stark.Column
	pc, np                              [3]stark.Column // pc, next pc
	c0, c1                              stark.Column    // carries of pc + 4
	prev, next                          [4][4]stark.Column
	acc                                 [4]accessCols
	ordPrev, ordLo, ordHi               stark.Column // previous row's ts, and the gap to it
	halts                               stark.Column // HALT rows so far
	code, codeHi                        stark.Column // a0 limb 0 = code + 256·codeHi
	fd2, jr                             stark.Column // WRITE to fd 2, to fd 3
	jpos, n, nz                         stark.Column // journal bytes before the row; bytes moved; n != 0
	ad                                  [3]stark.Column
	w16, hi4                            stark.Column // ad[0] >> 3, ad[0] >> 12
	d                                   [4]stark.Column
	b                                   [3]stark.Column // X - n = d with borrows b (X: READ's a1, WRITE's a2)
	clamped                             stark.Column    // WRITE cut at the page end
}

// sysAddrs returns the machine-page addresses of slots A..D, limb 0 an
// expression of the kind flags.
func sysAddrs(trap, mret, host stark.Expr) [4][3]stark.Expr {
	lo := func(trapOff, mretOff, hostOff uint64) [3]stark.Expr {
		base := uint64(vm.MachineBase & 0xffff)
		e := stark.Const(base).
			Add(trap.Mul(stark.Const(trapOff))).
			Add(mret.Mul(stark.Const(mretOff))).
			Add(host.Mul(stark.Const(hostOff)))
		return [3]stark.Expr{e, stark.Const((vm.MachineBase >> 16) & 0xffff), stark.Const((vm.MachineBase >> 32) & 0xffff)}
	}
	reg := func(r uint64) uint64 { return RegAddr(1, r) - vm.MachineBase }
	return [4][3]stark.Expr{
		lo(mpCause, mpEPC, reg(regA7)),
		lo(mpEPC, mpMode, reg(regA0)),
		lo(mpMode, 0, reg(regA1)),
		lo(0, 0, reg(regA2)),
	}
}

func limbExprs(cs [4]stark.Column) [4]stark.Expr {
	var e [4]stark.Expr
	for k := range e {
		e[k] = cs[k].Cur()
	}
	return e
}

// buildSys declares the system table.
func buildSys(r *rules) sysCols {
	t := r.t
	var c sysCols
	flags := []*stark.Column{&c.ill, &c.ecall, &c.mret, &c.halt, &c.read, &c.write}
	names := []string{"is_illegal", "is_ecall", "is_mret", "is_halt", "is_read", "is_write"}
	var isReal stark.Expr
	for i, f := range flags {
		*f = t.Column(names[i])
		r.boolean("flag boolean", f.Cur())
		isReal = isReal.Add(f.Cur())
	}
	r.boolean("one kind per row", isReal)
	ill, ecall, mret, halt, read, write := c.ill.Cur(), c.ecall.Cur(), c.mret.Cur(), c.halt.Cur(), c.read.Cur(), c.write.Cur()
	trap := ill.Add(ecall)
	io := read.Add(write)
	host := halt.Add(io)

	c.kind, c.mode, c.ts = t.Column("kind"), t.Column("mode"), t.Column("ts")
	for k := 0; k < 3; k++ {
		c.pc[k] = t.Column(fmt.Sprintf("pc[%d]", k))
	}
	for k := 0; k < 3; k++ {
		c.np[k] = t.Column(fmt.Sprintf("next_pc[%d]", k))
	}
	c.c0, c.c1 = t.Column("pc4_carry0"), t.Column("pc4_carry1")
	slot := "abcd"
	for a := 0; a < 4; a++ {
		for k := 0; k < 4; k++ {
			c.prev[a][k] = t.Column(fmt.Sprintf("%c_prev[%d]", slot[a], k))
		}
		for k := 0; k < 4; k++ {
			c.next[a][k] = t.Column(fmt.Sprintf("%c_next[%d]", slot[a], k))
		}
	}
	ts := c.ts.Cur()

	// What the CPU sent: the kind follows the flags, the mode the kind (traps come from user mode,
	// mret and host calls from kernel mode).
	r.zero("kind by flags", c.kind.Cur().Sub(ill.Add(ecall.Mul(stark.Const(2))).Add(mret.Mul(stark.Const(3))).Add(host.Mul(stark.Const(4)))))
	r.zero("mode by kind", c.mode.Cur().Sub(mret.Add(host)))
	if !r.omit["receive"] {
		vals := []stark.Expr{c.kind.Cur(), ts}
		for k := 0; k < 3; k++ {
			vals = append(vals, c.pc[k].Cur())
		}
		for k := 0; k < 3; k++ {
			vals = append(vals, c.np[k].Cur())
		}
		vals = append(vals, c.mode.Cur())
		t.Receive(BusSys, isReal, vals...)
		r.interactions++
	}

	// The memory accesses.
	addrs := sysAddrs(trap, mret, host)
	mults := [4]stark.Expr{isReal, isReal, trap.Add(host), host}
	for a := 0; a < 4; a++ {
		c.acc[a] = r.memAccess(fmt.Sprintf("acc_%c", slot[a]), mults[a], addrs[a], limbExprs(c.prev[a]), limbExprs(c.next[a]), ts)
	}
	pA, pB, pC, pD := limbExprs(c.prev[0]), limbExprs(c.prev[1]), limbExprs(c.prev[2]), limbExprs(c.prev[3])
	nA, nB, nC, nD := limbExprs(c.next[0]), limbExprs(c.next[1]), limbExprs(c.next[2]), limbExprs(c.next[3])
	pc := [3]stark.Expr{c.pc[0].Cur(), c.pc[1].Cur(), c.pc[2].Cur()}
	np := [3]stark.Expr{c.np[0].Cur(), c.np[1].Cur(), c.np[2].Cur()}

	// Traps: cause, epc = pc, mode word 1, next pc the kernel entry.
	r.zero("trap cause", ill.Mul(nA[0].Sub(stark.Const(causeIllegal))).Add(ecall.Mul(nA[0].Sub(stark.Const(causeEcall)))))
	for k := 1; k < 4; k++ {
		r.zero("trap cause", trap.Mul(nA[k]))
	}
	for k := 0; k < 3; k++ {
		r.zero("trap epc", trap.Mul(nB[k].Sub(pc[k])))
	}
	r.zero("trap epc", trap.Mul(nB[3]))
	r.zero("trap mode word", trap.Mul(nC[0].Sub(stark.Const(1))))
	for k := 1; k < 4; k++ {
		r.zero("trap mode word", trap.Mul(nC[k]))
	}
	kb := addrLimbs(vm.KernelBase)
	for k := 0; k < 3; k++ {
		r.zero("trap next pc", trap.Mul(np[k].Sub(stark.Const(kb[k]))))
	}

	// mret: next pc = epc (below 2^48), mode word 0.
	for k := 0; k < 3; k++ {
		r.zero("mret target", mret.Mul(np[k].Sub(pA[k])))
	}
	r.zero("mret target", mret.Mul(pA[3]))
	for k := 0; k < 4; k++ {
		r.zero("mret mode word", mret.Mul(nB[k]))
	}

	// Accesses that only read.
	for k := 0; k < 4; k++ {
		r.zero("reads keep the word", mret.Add(host).Mul(nA[k].Sub(pA[k])))
		r.zero("reads keep the word", host.Mul(nC[k].Sub(pC[k])))
		r.zero("reads keep the word", host.Mul(nD[k].Sub(pD[k])))
		r.zero("halt keeps a0", halt.Mul(nB[k].Sub(pB[k])))
	}

	// Host calls: next pc = pc + 4 (48-bit, no carry out), a7 selects the call.
	r.zero("host next pc", host.Mul(pc[0].Add(stark.Const(4)).Sub(np[0]).Sub(c.c0.Cur().Mul(stark.Const(1<<16)))))
	r.zero("host next pc", host.Mul(pc[1].Add(c.c0.Cur()).Sub(np[1]).Sub(c.c1.Cur().Mul(stark.Const(1<<16)))))
	r.zero("host next pc", host.Mul(pc[2].Add(c.c1.Cur()).Sub(np[2])))
	r.boolean("carry boolean", c.c0.Cur())
	r.boolean("carry boolean", c.c1.Cur())
	for k := 0; k < 3; k++ {
		r.sendRange16("next pc range", host, np[k])
	}
	r.zero("host call number", host.Mul(pA[0].Sub(read).Sub(write.Mul(stark.Const(2)))))
	for k := 1; k < 4; k++ {
		r.zero("host call number", host.Mul(pA[k]))
	}

	// HALT: the exit code is a0's low byte; one HALT at most, on the last real row.
	c.code, c.codeHi = t.Column("exit_code"), t.Column("exit_code_hi")
	r.zero("exit code split", halt.Mul(pB[0].Sub(c.code.Cur()).Sub(c.codeHi.Cur().Mul(stark.Const(256)))))
	r.sendByte("exit code range", halt, c.code.Cur())
	r.sendByte("exit code range", halt, c.codeHi.Cur())
	r.zero("exit code public", halt.Mul(c.code.Cur().Sub(stark.Pub(PubExitCode))))
	halted, exit := stark.Pub(PubHalted), stark.Pub(PubExitCode)
	if !r.omit["exit code zero unless halted"] {
		t.AssertFirst("exit code zero unless halted", stark.Const(1).Sub(halted).Mul(exit))
	}
	if !r.omit["halted boolean"] {
		t.AssertFirst("halted boolean", halted.Mul(halted.Sub(stark.Const(1))))
	}
	nextReal := c.ill.Next().Add(c.ecall.Next()).Add(c.mret.Next()).Add(c.halt.Next()).Add(c.read.Next()).Add(c.write.Next())
	if !r.omit["halt is last"] {
		t.AssertTransition("halt is last", halt.Mul(nextReal))
	}
	c.halts = t.Column("halts")
	if !r.omit["halt count"] {
		t.AssertFirst("halt count", c.halts.Cur().Sub(halt))
		t.AssertTransition("halt count", c.halts.Next().Sub(c.halts.Cur()).Sub(c.halt.Next()))
		t.AssertLast("halt count", c.halts.Cur().Sub(halted))
	}
	if !r.omit["real rows first"] {
		t.AssertTransition("real rows first", nextReal.Mul(stark.Const(1).Sub(isReal)))
	}

	// Timestamp order: ts - previous row's ts - 1 in [0, 2^24).
	c.ordPrev, c.ordLo, c.ordHi = t.Column("prev_row_ts"), t.Column("ts_gap_lo"), t.Column("ts_gap_hi")
	if !r.omit["ts order"] {
		t.AssertFirst("ts order", c.ordPrev.Cur())
		t.AssertTransition("ts order", c.ordPrev.Next().Sub(ts))
	}
	r.zero("ts order", isReal.Mul(ts.Sub(c.ordPrev.Cur()).Sub(stark.Const(1)).Sub(c.ordLo.Cur()).Sub(c.ordHi.Cur().Mul(stark.Const(1<<16)))))
	r.sendRange16("ts order range", isReal, c.ordLo.Cur())
	r.sendByte("ts order range", isReal, c.ordHi.Cur())

	// WRITE's descriptor: a0 = 1 + fd2 + 2·jr.
	c.fd2, c.jr = t.Column("fd2"), t.Column("fd_journal")
	fd2, jr := c.fd2.Cur(), c.jr.Cur()
	r.boolean("write fd", fd2)
	r.boolean("write fd", jr)
	r.zero("write fd", fd2.Mul(jr))
	r.zero("write fd", stark.Const(1).Sub(write).Mul(fd2.Add(jr)))
	r.zero("write fd", write.Mul(pB[0].Sub(stark.Const(1)).Sub(fd2).Sub(jr.Mul(stark.Const(2)))))
	for k := 1; k < 4; k++ {
		r.zero("write fd", write.Mul(pB[k]))
	}

	// READ(a0 = addr, a1 = len), WRITE(a0 = fd, a1 = addr, a2 = len): the address, n and the page.
	c.jpos, c.n, c.nz = t.Column("journal_pos"), t.Column("n"), t.Column("n_nonzero")
	n, nz := c.n.Cur(), c.nz.Cur()
	for k := 0; k < 3; k++ {
		c.ad[k] = t.Column(fmt.Sprintf("io_addr[%d]", k))
		r.zero("io address", c.ad[k].Cur().Sub(read.Mul(pB[k])).Sub(write.Mul(pC[k])))
	}
	r.zero("io address below 2^48", nz.Mul(read.Mul(pB[3]).Add(write.Mul(pC[3]))))
	r.boolean("n nonzero", nz)
	r.zero("n nonzero", nz.Mul(stark.Const(1).Sub(io)))
	r.zero("n nonzero", io.Mul(stark.Const(1).Sub(nz)).Mul(n))
	c.w16, c.hi4 = t.Column("io_addr_div8"), t.Column("io_addr_page")
	ad0 := c.ad[0].Cur()
	s := ad0.Sub(c.w16.Cur().Mul(stark.Const(8)))         // addr mod 8
	off := ad0.Sub(c.hi4.Cur().Mul(stark.Const(1 << 12))) // addr mod 4096
	// w16 is a limb, so the first word's address 8·w16 is aligned; s = addr - 8·w16 is then in
	// [0, 8) because sys_io's first row receives it as the index of its one-hot start byte.
	r.sendRange16("io address split", io, c.w16.Cur())
	r.sendByte("io address split", io, c.hi4.Cur())
	r.sendRange16("io address split", io, off.Mul(stark.Const(16)))
	r.sendRange16("page bound", io, off.Add(n).Sub(nz).Mul(stark.Const(16)))

	// n against the requested length X: X - n = d >= 0 (four limbs, no borrow out). READ: any
	// such n (the input may end first); WRITE: n = X exactly, or n = the page's remaining bytes.
	for k := 0; k < 4; k++ {
		c.d[k] = t.Column(fmt.Sprintf("len_diff[%d]", k))
	}
	for k := 0; k < 3; k++ {
		c.b[k] = t.Column(fmt.Sprintf("len_borrow[%d]", k))
		r.boolean("borrow boolean", c.b[k].Cur())
	}
	for k := 0; k < 4; k++ {
		x := read.Mul(pC[k]).Add(write.Mul(pD[k]))
		e := x.Sub(c.d[k].Cur())
		if k == 0 {
			e = e.Sub(n)
		} else {
			e = e.Sub(c.b[k-1].Cur())
		}
		if k < 3 {
			e = e.Add(c.b[k].Cur().Mul(stark.Const(1 << 16)))
		}
		r.zero("length bound", e)
		r.sendRange16("length bound range", io, c.d[k].Cur())
	}
	c.clamped = t.Column("write_clamped")
	cl := c.clamped.Cur()
	r.boolean("write clamp", cl)
	r.zero("write clamp", stark.Const(1).Sub(write).Mul(cl))
	r.zero("write clamp", cl.Mul(n.Sub(stark.Const(vm.PageSize)).Add(off)))
	for k := 0; k < 4; k++ {
		r.zero("write length exact", write.Mul(stark.Const(1).Sub(cl)).Mul(c.d[k].Cur()))
	}
	for k := 0; k < 4; k++ {
		if k == 0 {
			r.zero("io result", io.Mul(nB[0].Sub(n)))
		} else {
			r.zero("io result", io.Mul(nB[k]))
		}
	}

	// Journal positions in row order, and the link to sys_io.
	if !r.omit["journal position"] {
		t.AssertFirst("journal position", c.jpos.Cur())
		t.AssertTransition("journal position", c.jpos.Next().Sub(c.jpos.Cur()).Sub(jr.Mul(n)))
	}
	if !r.omit["io start"] {
		t.Send(BusJournal, nz, stark.Const(ioStart), ts, c.w16.Cur().Mul(stark.Const(8)), c.ad[1].Cur(), c.ad[2].Cur(), s,
			read.Add(write.Mul(stark.Const(2))).Add(jr), c.jpos.Cur())
		r.interactions++
	}
	if !r.omit["io end"] {
		t.Send(BusJournal, nz, stark.Const(ioEnd), ts, ad0.Add(n).Sub(stark.Const(1)))
		r.interactions++
	}
	return c
}

// ioCols are sys_io's columns: one row per word a READ or WRITE touches.
type ioCols struct {
	rd, wr, jr  stark.Column // READ, WRITE to fd 1/2, WRITE to the journal
	first, last stark.Column // first and last word of the call
	ts          stark.Column
	wa          [3]stark.Column // word address
	jpos        stark.Column    // journal position of the row's first byte in range
	st, en      [8]stark.Column // one-hot: first and last byte of the word inside the range
	pb, nb      [8]stark.Column // the word's bytes before and after
	acc         accessCols
}

// ioMask returns, per byte of the word, whether it lies in the call's range: 1 from the start
// byte through the end byte.
func ioMask(c *ioCols) [8]stark.Expr {
	var m [8]stark.Expr
	var s, e stark.Expr
	for k := 0; k < 8; k++ {
		s = s.Add(c.st[k].Cur())
		m[k] = s.Sub(e)
		e = e.Add(c.en[k].Cur())
	}
	return m
}

func buildIO(r *rules) ioCols {
	t := r.t
	var c ioCols
	c.rd, c.wr, c.jr = t.Column("is_read"), t.Column("is_write"), t.Column("is_journal")
	rd, wr, jr := c.rd.Cur(), c.wr.Cur(), c.jr.Cur()
	for _, f := range []stark.Expr{rd, wr, jr} {
		r.boolean("flag boolean", f)
	}
	isReal := rd.Add(wr).Add(jr)
	r.boolean("one kind per row", isReal)
	c.first, c.last, c.ts = t.Column("first"), t.Column("last"), t.Column("ts")
	for k := 0; k < 3; k++ {
		c.wa[k] = t.Column(fmt.Sprintf("word_addr[%d]", k))
	}
	c.jpos = t.Column("journal_pos")
	for k := 0; k < 8; k++ {
		c.st[k] = t.Column(fmt.Sprintf("start[%d]", k))
	}
	for k := 0; k < 8; k++ {
		c.en[k] = t.Column(fmt.Sprintf("end[%d]", k))
	}
	for k := 0; k < 8; k++ {
		c.pb[k] = t.Column(fmt.Sprintf("old_byte[%d]", k))
	}
	for k := 0; k < 8; k++ {
		c.nb[k] = t.Column(fmt.Sprintf("new_byte[%d]", k))
	}
	first, last := c.first.Cur(), c.last.Cur()
	ts := c.ts.Cur()

	// The chain: a call's rows are consecutive, from a first row to a last row, the address
	// stepping by one word; the table starts on a first row and does not end mid-call.
	r.boolean("chain", first)
	r.boolean("chain", last)
	r.zero("chain", first.Mul(stark.Const(1).Sub(isReal)))
	r.zero("chain", last.Mul(stark.Const(1).Sub(isReal)))
	cont := isReal.Sub(last)
	nextReal := c.rd.Next().Add(c.wr.Next()).Add(c.jr.Next())
	m := ioMask(&c)
	var inRange stark.Expr
	for k := 0; k < 8; k++ {
		inRange = inRange.Add(m[k])
	}
	if !r.omit["chain"] {
		t.AssertFirst("chain", isReal.Sub(first))
		t.AssertLast("chain", cont)
		t.AssertTransition("chain", cont.Mul(stark.Const(1).Sub(nextReal)))
		t.AssertTransition("chain", cont.Mul(c.first.Next()))
		t.AssertTransition("chain", nextReal.Mul(stark.Const(1).Sub(c.first.Next())).Mul(stark.Const(1).Sub(cont)))
		t.AssertTransition("chain", cont.Mul(c.ts.Next().Sub(ts)))
		t.AssertTransition("chain", cont.Mul(c.wa[0].Next().Sub(c.wa[0].Cur()).Sub(stark.Const(8))))
		t.AssertTransition("chain", cont.Mul(c.wa[1].Next().Sub(c.wa[1].Cur())))
		t.AssertTransition("chain", cont.Mul(c.wa[2].Next().Sub(c.wa[2].Cur())))
		t.AssertTransition("chain", cont.Mul(c.rd.Next().Sub(rd)))
		t.AssertTransition("chain", cont.Mul(c.jr.Next().Sub(jr)))
		t.AssertTransition("chain", cont.Mul(c.jpos.Next().Sub(c.jpos.Cur()).Sub(inRange)))
	}

	// The range within the word: start byte (the call's first byte on its first row, else 0)
	// through end byte (the call's last byte on its last row, else 7).
	var sumS, sumE, idxS, idxE stark.Expr
	for k := 0; k < 8; k++ {
		r.boolean("range one-hot", c.st[k].Cur())
		r.boolean("range one-hot", c.en[k].Cur())
		sumS, sumE = sumS.Add(c.st[k].Cur()), sumE.Add(c.en[k].Cur())
		idxS = idxS.Add(c.st[k].Cur().Mul(stark.Const(uint64(k))))
		idxE = idxE.Add(c.en[k].Cur().Mul(stark.Const(uint64(k))))
	}
	r.zero("range one-hot", sumS.Sub(isReal))
	r.zero("range one-hot", sumE.Sub(isReal))
	r.zero("middle words are whole", isReal.Sub(first).Mul(stark.Const(1).Sub(c.st[0].Cur())))
	r.zero("middle words are whole", cont.Mul(stark.Const(1).Sub(c.en[7].Cur())))
	for k := 0; k < 8; k++ {
		r.boolean("mask boolean", m[k])
	}
	if !r.omit["io start"] {
		t.Receive(BusJournal, first, stark.Const(ioStart), ts, c.wa[0].Cur(), c.wa[1].Cur(), c.wa[2].Cur(), idxS,
			rd.Add(wr.Mul(stark.Const(2))).Add(jr.Mul(stark.Const(3))), c.jpos.Cur())
		r.interactions++
	}
	if !r.omit["io end"] {
		t.Receive(BusJournal, last, stark.Const(ioEnd), ts, c.wa[0].Cur().Add(idxE))
		r.interactions++
	}

	// The word: READ replaces the bytes in range, WRITE only reads.
	for k := 0; k < 8; k++ {
		r.zero("bytes outside the range are kept", stark.Const(1).Sub(m[k]).Mul(c.nb[k].Cur().Sub(c.pb[k].Cur())))
		r.zero("writes only read", wr.Add(jr).Mul(c.nb[k].Cur().Sub(c.pb[k].Cur())))
		r.sendByte("new byte range", isReal, c.nb[k].Cur())
		r.sendByte("old byte range", rd, c.pb[k].Cur())
	}
	wa := [3]stark.Expr{c.wa[0].Cur(), c.wa[1].Cur(), c.wa[2].Cur()}
	c.acc = r.memAccess("io", isReal, wa, limbs16(cur(c.pb[:])), limbs16(cur(c.nb[:])), ts)

	// Journal bytes, each with its position.
	if !r.omit["journal byte"] {
		pos := c.jpos.Cur()
		for k := 0; k < 8; k++ {
			t.Send(BusJournal, jr.Mul(m[k]), stark.Const(journalByte), pos, c.nb[k].Cur())
			r.interactions++
			pos = pos.Add(m[k])
		}
	}
	return c
}

// SystemTables declares the system table and its word table sys_io, in the order systemTrace
// fills them.
func SystemTables() []*stark.Table { return systemTables(nil) }

func systemTables(omit map[string]map[string]bool) []*stark.Table {
	sys := stark.NewTable("sys")
	buildSys(&rules{t: sys, omit: omit["sys"]})
	io := stark.NewTable("sys_io")
	buildIO(&rules{t: io, omit: omit["sys_io"]})
	return []*stark.Table{sys, io}
}

// sysEvent is one BusSys message with everything its rows need: the accesses resolved by the
// memory tracker (slots A..D as in the table above; an unused slot is zero), and for READ and
// WRITE the words of the buffer.
type sysEvent struct {
	Kind       int
	Ts         uint64
	PC, NextPC uint64
	Mode       uint64
	Call       uint64    // host calls: a7
	Acc        [4]Access // slots A..D
	N          uint64    // READ, WRITE: bytes moved (the result in a0)
	Words      []Access  // READ, WRITE: the words of [addr, addr + N), in address order
}

// ioArgs returns a READ's or WRITE's buffer address and requested length.
func (e *sysEvent) ioArgs() (addr, length uint64) {
	if e.Call == hostRead {
		return e.Acc[1].Prev, e.Acc[2].Prev
	}
	return e.Acc[2].Prev, e.Acc[3].Prev
}

func (e *sysEvent) isIO() bool {
	return e.Kind == SysHost && (e.Call == hostRead || e.Call == hostWrite)
}

func (e *sysEvent) isJournal() bool {
	return e.Kind == SysHost && e.Call == hostWrite && e.Acc[1].Prev == fdJournal
}

// pageRest is the number of bytes from a to the end of its page.
func pageRest(a uint64) uint64 { return vm.PageSize - a%vm.PageSize }

// resolveSys resolves one trap (kind 1, 2), mret (3) or host call (4) executed at cycle in mode
// at pc, through t, which must have resolved every access before Timestamp(cycle, SlotMem).
// input is what a READ copied (its length is n); other kinds take none. The result is what the
// executor does (prover/vm/trap.go), or ErrSysEvent where the AIR cannot prove it.
func resolveSys(t *memTracker, kind int, cycle, pc, mode uint64, input []byte) (sysEvent, error) {
	ts := Timestamp(cycle, SlotMem)
	e := sysEvent{Kind: kind, Ts: ts, PC: pc, Mode: mode}
	val := func(addr uint64) (uint64, error) {
		w, err := t.word(addr)
		if err != nil {
			return 0, err
		}
		return w.v, nil
	}
	var plan [4]struct {
		addr, next uint64
		write      bool
	}
	mp := func(off uint64) uint64 { return vm.MachineBase + off }
	switch kind {
	case SysIllegal, SysEcall:
		if mode != 0 {
			return e, fmt.Errorf("%w: trap %d in kernel mode at %#x", ErrSysEvent, kind, pc)
		}
		cause := uint64(causeIllegal)
		if kind == SysEcall {
			cause = causeEcall
		}
		plan[0].addr, plan[0].next, plan[0].write = mp(mpCause), cause, true
		plan[1].addr, plan[1].next, plan[1].write = mp(mpEPC), pc, true
		plan[2].addr, plan[2].next, plan[2].write = mp(mpMode), 1, true
		e.NextPC = vm.KernelBase
	case SysMret:
		if mode != 1 {
			return e, fmt.Errorf("%w: mret in user mode at %#x", ErrSysEvent, pc)
		}
		epc, err := val(mp(mpEPC))
		if err != nil {
			return e, err
		}
		if epc >= 1<<48 {
			return e, fmt.Errorf("%w: mret to %#x", ErrSysEvent, epc)
		}
		plan[0].addr = mp(mpEPC)
		plan[1].addr, plan[1].write = mp(mpMode), true
		e.NextPC = epc
	case SysHost:
		if mode != 1 {
			return e, fmt.Errorf("%w: host call in user mode at %#x", ErrSysEvent, pc)
		}
		var regs [4]uint64
		for i, r := range []uint64{regA7, regA0, regA1, regA2} {
			plan[i].addr = RegAddr(1, r)
			v, err := val(plan[i].addr)
			if err != nil {
				return e, err
			}
			regs[i] = v
		}
		e.Call = regs[0]
		if pc+4 >= 1<<48 {
			return e, fmt.Errorf("%w: host call at %#x", ErrSysEvent, pc)
		}
		e.NextPC = pc + 4
		switch e.Call {
		case hostHalt:
			if len(input) != 0 {
				return e, fmt.Errorf("%w: HALT with input", ErrSysEvent)
			}
		case hostRead:
			a, length := regs[1], regs[2]
			e.N = uint64(len(input))
			if e.N > length || e.N > pageRest(a) || (e.N > 0 && a >= 1<<48) {
				return e, fmt.Errorf("%w: READ(%#x, %d) of %d bytes", ErrSysEvent, a, length, e.N)
			}
			plan[1].next, plan[1].write = e.N, true
		case hostWrite:
			fd, a, length := regs[1], regs[2], regs[3]
			if fd < 1 || fd > fdJournal || len(input) != 0 {
				return e, fmt.Errorf("%w: WRITE to fd %d", ErrSysEvent, fd)
			}
			e.N = min(length, pageRest(a))
			if e.N > 0 && a >= 1<<48 {
				return e, fmt.Errorf("%w: WRITE from %#x", ErrSysEvent, a)
			}
			plan[1].next, plan[1].write = e.N, true
		default:
			return e, fmt.Errorf("%w: host call %d", ErrSysEvent, e.Call)
		}
	default:
		return e, fmt.Errorf("%w: kind %d", ErrSysEvent, kind)
	}
	for i := range plan {
		if plan[i].addr == 0 {
			continue
		}
		old, err := val(plan[i].addr)
		if err != nil {
			return e, err
		}
		next := old
		if plan[i].write {
			next = plan[i].next
		}
		if e.Acc[i], err = t.access(plan[i].addr, old, next, ts); err != nil {
			return e, fmt.Errorf("%w: %w", ErrSysEvent, err)
		}
	}
	if e.isIO() && e.N > 0 {
		a, _ := e.ioArgs()
		for w := a &^ 7; w < a+e.N; w += 8 {
			old, err := val(w)
			if err != nil {
				return e, err
			}
			next := old
			if e.Call == hostRead {
				for k := uint64(0); k < 8; k++ {
					if w+k >= a && w+k < a+e.N {
						next = next&^(0xff<<(8*k)) | uint64(input[w+k-a])<<(8*k)
					}
				}
			}
			acc, err := t.access(w, old, next, ts)
			if err != nil {
				return e, fmt.Errorf("%w: %w", ErrSysEvent, err)
			}
			e.Words = append(e.Words, acc)
		}
	}
	return e, nil
}

// sysTrace is the system tables' traces and what they fix: the public values this helper owns
// and the width-24 permutations the Poseidon2 chip must prove (the journal sponge's inputs).
type sysTrace struct {
	Sys, IO, Journal *stark.Matrix
	Counts           *counts
	Halted           bool
	ExitCode         uint64
	JournalBytes     []byte
	Digest           [8]stark.F
	P24              [][24]stark.F
}

// public writes the public values the system tables fix into pub (NumPublic elements).
func (s *sysTrace) public(pub []stark.F) {
	pub[PubHalted].SetUint64(b2u(s.Halted))
	pub[PubExitCode].SetUint64(s.ExitCode)
	copy(pub[PubJournal:PubJournal+8], s.Digest[:])
}

// systemTrace fills the system table, sys_io and the journal table from the segment's system
// events in timestamp order. Only the event order is checked here; each event is what
// resolveSys returned.
func systemTrace(evs []sysEvent, ml minLogs) (*sysTrace, error) {
	for i := 1; i < len(evs); i++ {
		if evs[i].Ts <= evs[i-1].Ts {
			return nil, fmt.Errorf("%w: events out of timestamp order at %d", ErrSysEvent, i)
		}
	}
	for i := range evs {
		if evs[i].Kind == SysHost && evs[i].Call == hostHalt && i != len(evs)-1 {
			return nil, fmt.Errorf("%w: HALT is not the last system event", ErrSysEvent)
		}
	}
	return fillSystem(evs, ml), nil
}

// fillSystem writes the events' rows as they are, consistent or not (tests forge events), each
// table at least as tall as ml asks.
func fillSystem(evs []sysEvent, ml minLogs) *sysTrace {
	out := &sysTrace{Counts: new(counts)}
	cnt := out.Counts
	st := stark.NewTable("sys")
	sc := buildSys(&rules{t: st})
	it := stark.NewTable("sys_io")
	ic := buildIO(&rules{t: it})
	ms := stark.NewMatrix(st.Width(), 1<<uint(padLog(len(evs), ml[st.Name()])))
	words := 0
	for i := range evs {
		words += len(evs[i].Words)
	}
	mi := stark.NewMatrix(it.Width(), 1<<uint(padLog(words, ml[it.Name()])))

	var prevTs, halts, jpos uint64
	ioRow := 0
	for row := range evs {
		e := &evs[row]
		set := func(c stark.Column, v uint64) { ms.SetUint(row, c.Index(), v) }
		trap := e.Kind == SysIllegal || e.Kind == SysEcall
		host := e.Kind == SysHost
		switch {
		case e.Kind == SysIllegal:
			set(sc.ill, 1)
		case e.Kind == SysEcall:
			set(sc.ecall, 1)
		case e.Kind == SysMret:
			set(sc.mret, 1)
		case host && e.Call == hostHalt:
			set(sc.halt, 1)
		case host && e.Call == hostRead:
			set(sc.read, 1)
		case host && e.Call == hostWrite:
			set(sc.write, 1)
		}
		set(sc.kind, uint64(e.Kind))
		set(sc.mode, e.Mode)
		set(sc.ts, e.Ts)
		pc, np := addrLimbs(e.PC), addrLimbs(e.NextPC)
		for k := 0; k < 3; k++ {
			set(sc.pc[k], pc[k])
			set(sc.np[k], np[k])
		}
		used := [4]bool{true, true, trap || host, host}
		for a := 0; a < 4; a++ {
			for k := 0; k < 4; k++ {
				set(sc.prev[a][k], (e.Acc[a].Prev>>(16*k))&0xffff)
				set(sc.next[a][k], (e.Acc[a].Next>>(16*k))&0xffff)
			}
			if used[a] {
				sc.acc[a].fill(ms, row, e.Acc[a], cnt)
			}
		}
		if host {
			s0 := pc[0] + 4
			set(sc.c0, s0>>16)
			set(sc.c1, (pc[1]+s0>>16)>>16)
			for k := 0; k < 3; k++ {
				cnt.limbs[np[k]&0xffff]++
			}
		}
		set(sc.ordPrev, prevTs)
		gap := e.Ts - prevTs - 1
		set(sc.ordLo, gap&0xffff)
		set(sc.ordHi, (gap>>16)&0xff)
		cnt.limbs[gap&0xffff]++
		cnt.bytes[(gap>>16)&0xff]++
		prevTs = e.Ts
		if host && e.Call == hostHalt {
			halts++
			code := e.Acc[1].Prev & 0xffff
			set(sc.code, code&0xff)
			set(sc.codeHi, code>>8)
			cnt.bytes[code&0xff]++
			cnt.bytes[code>>8]++
			out.Halted, out.ExitCode = true, code&0xff
		}
		set(sc.halts, halts)
		set(sc.jpos, jpos)
		if e.isIO() {
			a, length := e.ioArgs()
			if e.Call == hostWrite {
				fd := e.Acc[1].Prev
				set(sc.fd2, b2u(fd == 2))
				set(sc.jr, b2u(fd == fdJournal))
			}
			set(sc.n, e.N)
			set(sc.nz, b2u(e.N != 0))
			al := addrLimbs(a)
			for k := 0; k < 3; k++ {
				set(sc.ad[k], al[k])
			}
			set(sc.w16, al[0]>>3)
			set(sc.hi4, al[0]>>12)
			cnt.limbs[al[0]>>3]++
			cnt.bytes[al[0]>>12]++
			off := al[0] & 0xfff
			cnt.limbs[(off<<4)&0xffff]++
			cnt.limbs[((off+e.N-b2u(e.N != 0))<<4)&0xffff]++
			d := length - e.N
			var borrow uint64
			for k := 0; k < 4; k++ {
				xk, yk := (length>>(16*k))&0xffff, (e.N>>(16*k))&0xffff
				bout := b2u(xk < yk+borrow)
				if k < 3 {
					set(sc.b[k], bout)
				}
				borrow = bout
				set(sc.d[k], (d>>(16*k))&0xffff)
				cnt.limbs[(d>>(16*k))&0xffff]++
			}
			if e.Call == hostWrite && e.N != length && e.N == pageRest(a) {
				set(sc.clamped, 1)
			}
			if e.N > 0 {
				ioRow = fillIO(mi, &ic, ioRow, e, a, jpos, cnt, out)
			}
			if e.isJournal() {
				jpos += e.N
			}
		}
	}
	// Padding rows carry the running columns.
	for row := len(evs); row < ms.Height; row++ {
		ms.SetUint(row, sc.halts.Index(), halts)
		ms.SetUint(row, sc.jpos.Index(), jpos)
		if row == len(evs) {
			ms.SetUint(row, sc.ordPrev.Index(), prevTs)
		}
	}
	out.Sys, out.IO = ms, mi
	out.Journal, out.Digest, out.P24 = journalTrace(out.JournalBytes, cnt, ml["journal"])
	return out
}

// fillIO writes a READ's or WRITE's word rows from row on and returns the next free row.
func fillIO(m *stark.Matrix, c *ioCols, row int, e *sysEvent, a, jpos uint64, cnt *counts, out *sysTrace) int {
	last := a + e.N - 1
	for j, w := range e.Words {
		set := func(col stark.Column, v uint64) { m.SetUint(row, col.Index(), v) }
		switch {
		case e.Call == hostRead:
			set(c.rd, 1)
		case e.isJournal():
			set(c.jr, 1)
		default:
			set(c.wr, 1)
		}
		set(c.first, b2u(j == 0))
		set(c.last, b2u(j == len(e.Words)-1))
		set(c.ts, e.Ts)
		wa := addrLimbs(w.Addr)
		for k := 0; k < 3; k++ {
			set(c.wa[k], wa[k])
		}
		set(c.jpos, jpos)
		s, en := uint64(0), uint64(7)
		if j == 0 {
			s = a & 7
		}
		if j == len(e.Words)-1 {
			en = last & 7
		}
		set(c.st[s], 1)
		set(c.en[en], 1)
		for k := uint64(0); k < 8; k++ {
			pb, nb := (w.Prev>>(8*k))&0xff, (w.Next>>(8*k))&0xff
			set(c.pb[k], pb)
			set(c.nb[k], nb)
			cnt.bytes[nb]++
			if e.Call == hostRead {
				cnt.bytes[pb]++
			}
			if k >= s && k <= en {
				jpos++
				if e.isJournal() {
					out.JournalBytes = append(out.JournalBytes, byte(nb))
				}
			}
		}
		c.acc.fill(m, row, w, cnt)
		row++
	}
	return row
}
