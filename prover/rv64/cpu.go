package rv64

import (
	"errors"
	"fmt"

	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
)

// The CPU table: one row per cycle. A row receives its instruction's decoded fields from the decode
// table (BusDecode, keyed by pc, ending with the row's mode, which must be [pc in the kernel range]:
// user code never runs there and the kernel nowhere else), reads rs1 and rs2 and writes rd through the memory argument at
// RegAddr(mode, r), and hands the work to a chip: one ALU message (ALU ops, branch conditions, load
// and store addresses, JALR targets), one BusLS message (loads, stores, AMOs, LR, SC) or one BusSys
// message (traps, mret, host calls). The next row's pc is this row's next pc; padding rows after the
// last cycle repeat the end pc, which the last row gives as PubEndPC.
//
// Columns are shared between classes where one class leaves them free, so that rare classes cost the
// hot row nothing: rs2v holds the load address and the JALR target (neither reads rs2) and a system
// call's next pc; rd_prev holds the store address (a store writes no register); inv is the BEQ/BNE
// zero test's inverse, JALR's cleared bit 0 and a user-mode access's kernel-range test. Branch
// decisions need no class flags of their own: the decode table sends coefficients with
// taken = alpha + beta·cond (BLT: 0 + 1·lt, BGE: 1 - lt, JAL: 1), and on system rows alpha and beta
// say ecall and mret.
//
// Cells per cycle (BenchmarkCPUCells): 59 main columns (clk, first, mode, is_real, pc[3], 24 decoded
// fields, rs1v/rs2v/rd_prev/rdv 16, taken, cond, inv, 3 accesses x 3) and 11
// extension columns (44 cells): 14 degree-1 interactions (BusDecode, the start mode, 3 accesses x 4)
// batched in pairs, the ALU, BusLS and BusSys sends of degree 2 alone, and the running sum: 103.
// The decode table costs 88 + 28 = 116 cells per distinct instruction, the mode read 21 x 8 per
// segment.

// ErrCPUTrace marks CPU events that no honest execution produces: a next pc, operand, result or
// memory access that does not match the instruction.
var ErrCPUTrace = errors.New("rv64: inconsistent CPU trace")

// cpuEvent is one executed instruction as trace generation hands it to the CPU table.
type cpuEvent struct {
	PC, NextPC uint64
	Insn       uint32
	CodeWord   uint64 // the page-in value of the word at PC &^ 7, which holds Insn
	Mode       uint64 // the mode the instruction executed in
	Rs1, Rs2   uint64 // operand values (0 for x0 or an operand the instruction does not read)
	// Rd is the value the instruction produces for rd: for loads, AMOs, LR and SC the memory
	// chip's out (also when rd is x0); for ALU ops, JAL/JALR, LUI and AUIPC the result. Unused
	// for stores, branches, FENCE and system instructions.
	Rd uint64
	// Acc holds the resolved register accesses rs1, rs2, rd, as the decoded use flags say (a read
	// has Prev == Next).
	Acc [3]Access
}

// checkCode reports an event whose instruction word is not the one its code word holds.
func (e *cpuEvent) checkCode() error {
	switch {
	case e.PC&3 != 0 || e.PC+4 > 1<<48:
		return fmt.Errorf("%w: pc %#x", ErrCPUTrace, e.PC)
	case uint32(e.CodeWord>>(32*(e.PC>>2&1))) != e.Insn:
		return fmt.Errorf("%w: instruction %#08x at %#x is not in its code word %#x", ErrCPUTrace, e.Insn, e.PC, e.CodeWord)
	}
	return nil
}

// cpuCols are the CPU table's main columns.
type cpuCols struct {
	clk, first, mode, isReal stark.Column
	pc                       []stark.Column
	dec                      []stark.Column // the BusDecode fields after pc (decodeFields)
	rs1v, rs2v, rdPrev, rdv  []stark.Column
	taken, cnd, inv          stark.Column
	acc                      [3]accessCols // rs1, rs2, rd
}

// newCPUTable declares the CPU table with rules left out by name (tests only).
func newCPUTable(omit map[string]bool) *stark.Table {
	t := stark.NewTable("cpu")
	buildCPU(&rules{t: t, omit: omit})
	return t
}

// cpuLayout is the CPU table's column layout and cpuWidth its width, for trace generation.
var cpuLayout, cpuWidth = func() (cpuCols, int) {
	t := stark.NewTable("cpu")
	c := buildCPU(&rules{t: t})
	return c, t.Width()
}()

// halfF is 1/2 in F.
var halfF = func() stark.F {
	var h stark.F
	h.SetUint64(2)
	h.Inverse(&h)
	return h
}()

func cpuLimbs(cs []stark.Column) [4]stark.Expr {
	return [4]stark.Expr{cs[0].Cur(), cs[1].Cur(), cs[2].Cur(), cs[3].Cur()}
}

func buildCPU(r *rules) cpuCols {
	t := r.t
	c := cpuCols{
		clk: t.Column("clk"), first: t.Column("first"), mode: t.Column("mode"), isReal: t.Column("is_real"),
		pc: t.Columns("pc", 3), dec: t.Columns("dec", decodeFields),
		rs1v: t.Columns("rs1v", 4), rs2v: t.Columns("rs2v", 4), rdPrev: t.Columns("rd_prev", 4), rdv: t.Columns("rdv", 4),
		taken: t.Column("taken"), cnd: t.Column("cond"), inv: t.Column("inv"),
	}
	one := stark.Const(1)
	d := func(i int) stark.Expr { return c.dec[i].Cur() }
	isReal, mode, clk := c.isReal.Cur(), c.mode.Cur(), c.clk.Cur()
	pc := [3]stark.Expr{c.pc[0].Cur(), c.pc[1].Cur(), c.pc[2].Cur()}
	ts := func(slot int) stark.Expr { return clk.Mul(stark.Const(4)).Add(stark.Const(uint64(slot + 1))) }
	alu, eqt, alpha, beta := d(dALU), d(dEqt), d(dAlpha), d(dBeta)
	jalr, load, store, amo, sys := d(dJALR), d(dLoad), d(dStore), d(dAMO), d(dSys)
	// rdsrc ∈ {0, 1, 2}: [rdsrc = 1] and [rdsrc = 2] as quadratics.
	rdsrc := d(dRdSrc)
	link := rdsrc.Mul(stark.Const(2).Sub(rdsrc))
	lui := rdsrc.Mul(rdsrc.Sub(one)).Mul(stark.ConstF(halfF))
	use := [3]stark.Expr{d(dUse), d(dUse + 1), d(dUse + 2)}
	rs1v, rs2v, rdPrev, rdv := cpuLimbs(c.rs1v), cpuLimbs(c.rs2v), cpuLimbs(c.rdPrev), cpuLimbs(c.rdv)
	imm := [4]stark.Expr{d(dImm), d(dImmHi), d(dImmHi), d(dImmHi)}
	tgt := [3]stark.Expr{d(dTgt), d(dTgt + 1), d(dTgt + 2)}

	// Clock, first row, rows real then padding, start pc.
	t.AssertFirst("clk starts at 0", clk)
	t.AssertTransition("clk counts rows", c.clk.Next().Sub(clk).Sub(one))
	t.AssertFirst("first row flag", c.first.Cur().Sub(one))
	t.AssertTransition("first row only", c.first.Next())
	r.boolean("is_real boolean", isReal)
	t.AssertFirst("first row is real", isReal.Sub(one))
	if !r.omit["real rows first"] {
		t.AssertTransition("real rows first", c.isReal.Next().Mul(one.Sub(isReal)))
	}
	if !r.omit["start pc"] {
		for k := 0; k < 3; k++ {
			t.AssertFirst("start pc", pc[k].Sub(stark.Pub(PubStartPC+k)))
		}
	}
	r.boolean("mode boolean", mode)
	if !r.omit["start mode"] {
		t.Receive(busCPUMode, c.first.Cur(), mode)
		r.interactions++
	}

	// The instruction at pc.
	if !r.omit["decode receive"] {
		t.Receive(BusDecode, isReal, append(append(pc[:], cur(c.dec)...), mode)...)
		r.interactions++
	}
	// Padding rows received nothing: their flags, uses and carries are zero.
	for _, i := range []int{dC0, dC1, dUse, dUse + 1, dUse + 2, dALU, dEqt, dAlpha, dBeta, dRdSrc, dJALR, dLoad, dStore, dAMO, dSys} {
		r.zero("padding fields", one.Sub(isReal).Mul(d(i)))
	}

	// Registers: x0 and unread operands read as 0, except where rs2v holds another value.
	for k := 0; k < 4; k++ {
		r.zero("rs1 unread is 0", one.Sub(use[0]).Mul(rs1v[k]))
		r.zero("rs2 unread is 0", one.Sub(use[1]).Mul(one.Sub(load).Sub(jalr).Sub(sys)).Mul(rs2v[k]))
	}
	regs := [3]stark.Expr{d(dRs1), d(dRs2), d(dRd)}
	c.acc[0] = r.memAccess("rs1", use[0], regAddrExpr(mode, regs[0]), rs1v, rs1v, ts(SlotRs1))
	c.acc[1] = r.memAccess("rs2", use[1], regAddrExpr(mode, regs[1]), rs2v, rs2v, ts(SlotRs2))
	c.acc[2] = r.memAccess("rd", use[2], regAddrExpr(mode, regs[2]), rdPrev, rdv, ts(SlotRd))

	// The ALU message: ALU ops (b = rs2 or the immediate), branch conditions (result in rdv),
	// load/store addresses (in rs2v / rd_prev, limb 3 zero) and JALR's sum (in rs2v).
	ls := load.Add(store)
	op := d(dOpc).Add(ls.Mul(stark.Const(uint64(OpADD)).Sub(d(dOpc))))
	var b, res [4]stark.Expr
	for k := 0; k < 4; k++ {
		b[k] = rs2v[k].Mul(one.Sub(ls).Sub(jalr)).Add(imm[k])
		if k < 3 {
			res[k] = rdv[k].Add(load.Add(jalr).Mul(rs2v[k].Sub(rdv[k]))).Add(store.Mul(rdPrev[k].Sub(rdv[k])))
		} else {
			res[k] = rdv[k].Mul(one.Sub(ls).Sub(jalr))
		}
	}
	if !r.omit["alu send"] {
		vals := append([]stark.Expr{op}, rs1v[:]...)
		vals = append(vals, b[:]...)
		vals = append(vals, res[:]...)
		t.Send(BusALU, alu, vals...)
		r.interactions++
	}

	// Branches and JAL: taken = alpha + beta·cond; cond is the SLT/SLTU bit, or for BEQ/BNE
	// [SUB result = 0] through the inverse of the sum of its (range-checked) limbs.
	if !r.omit["taken"] {
		r.zero("taken", c.taken.Cur().Sub(one.Sub(sys).Mul(alpha.Add(beta.Mul(c.cnd.Cur())))))
	}
	r.zero("cond is the comparison", one.Sub(eqt).Mul(c.cnd.Cur().Sub(rdv[0])))
	z := rdv[0].Add(rdv[1]).Add(rdv[2]).Add(rdv[3])
	r.zero("equal: difference zero", eqt.Mul(c.cnd.Cur()).Mul(z))
	r.zero("unequal: difference inverse", eqt.Mul(one.Sub(c.cnd.Cur()).Sub(z.Mul(c.inv.Cur()))))
	r.zero("JALR bit 0 boolean", jalr.Mul(c.inv.Cur()).Mul(c.inv.Cur().Sub(one)))

	// rd's value where no chip proves it.
	seq := seqExpr(pc, d(dC0), d(dC1), isReal)
	for k := 0; k < 4; k++ {
		var s, v stark.Expr // limb 3 of pc + 4 is 0; LUI/AUIPC's is immhi
		v = imm[3]
		if k < 3 {
			s, v = seq[k], tgt[k]
		}
		if !r.omit["link value"] {
			r.zero("link value", link.Mul(rdv[k].Sub(s)))
		}
		if !r.omit["upper immediate value"] {
			r.zero("upper immediate value", lui.Mul(rdv[k].Sub(v)))
		}
		r.zero("store writes no value", store.Mul(rdv[k]))
	}

	// Next pc: pc + 4, the decoded target when taken, JALR's sum with bit 0 cleared, or the
	// system table's.
	var next [3]stark.Expr
	for k := 0; k < 3; k++ {
		j := rs2v[k]
		if k == 0 {
			j = j.Sub(c.inv.Cur())
		}
		next[k] = seq[k].Add(c.taken.Cur().Mul(tgt[k].Sub(seq[k]))).Add(jalr.Mul(j.Sub(seq[k]))).Add(sys.Mul(rs2v[k].Sub(seq[k])))
		if !r.omit["next pc"] {
			t.AssertTransition("next pc", c.pc[k].Next().Sub(next[k]))
		}
		if !r.omit["end pc"] {
			t.AssertLast("end pc", next[k].Sub(stark.Pub(PubEndPC+k)))
		}
	}

	// Loads, stores, AMOs, LR, SC.
	lsMult := ls.Add(amo)
	r.zero("AMO address below 2^48", amo.Mul(rs1v[3]))
	var addr [3]stark.Expr
	for k := 0; k < 3; k++ {
		addr[k] = load.Mul(rs2v[k]).Add(store.Mul(rdPrev[k])).Add(amo.Mul(rs1v[k]))
	}
	// User mode may not touch the kernel range [2^48 - 2^32, 2^48), whose addresses are those with
	// limb 2 = 0xffff: (1 - mode)·ls = (addr_2 - 0xffff·ls)·w has a solution w exactly when the row is
	// not a user-mode access or its address is outside the range. w is the inv column (free on these
	// rows; the factor ls leaves it free on others). The second word of a misaligned access starting
	// less than 8 bytes below the range is the memory chip's to refuse: it alone knows the size.
	r.zero("user access below the kernel range", one.Sub(mode).Mul(lsMult).Sub(addr[2].Sub(lsMult.Mul(stark.Const(0xffff))).Mul(c.inv.Cur())))
	if !r.omit["ls send"] {
		vals := []stark.Expr{d(dOpc)}
		vals = append(vals, addr[:]...)
		vals = append(vals, ts(SlotMem))
		for k := 0; k < 4; k++ {
			vals = append(vals, store.Add(amo).Mul(rs2v[k]))
		}
		vals = append(vals, rdv[:]...)
		t.Send(BusLS, lsMult, vals...)
		r.interactions++
	}

	// Traps, mret, host calls: alpha = ecall, beta = mret on these rows. kind 1 illegal (and mret
	// in user mode), 2 user ecall, 3 mret, 4 host call; an illegal word in kernel mode has no row.
	kind := one.Add(alpha.Mul(one.Add(mode.Mul(stark.Const(2))))).Add(beta.Mul(mode).Mul(stark.Const(2)))
	r.zero("no illegal instruction in kernel mode", sys.Mul(one.Sub(alpha).Sub(beta)).Mul(mode))
	if !r.omit["sys send"] {
		vals := []stark.Expr{kind, ts(SlotMem), pc[0], pc[1], pc[2], rs2v[0], rs2v[1], rs2v[2], mode}
		t.Send(BusSys, sys, vals...)
		r.interactions++
	}
	// Mode: a trap enters the kernel, mret in kernel mode leaves it, nothing else changes it.
	if !r.omit["mode transition"] {
		t.AssertTransition("mode transition", c.mode.Next().Sub(mode).Sub(sys.Mul(one.Sub(mode))).Add(sys.Mul(beta).Mul(mode)))
	}
	return c
}

// cpuRow is one CPU row's values, from an event and its decoding.
type cpuRow struct {
	d                      *decodedInsn
	rs1v, rs2v, rdPrev, rd uint64
	taken, cnd             uint64
	inv                    stark.F
	alu                    *Event
	nextMode               uint64
}

func decFlag(d *decodedInsn, i int) bool { return !d.fields[i].IsZero() }

// cpuRowOf checks an event against its decoding and computes the row.
func cpuRowOf(i int, e *cpuEvent, d *decodedInsn) (cpuRow, error) {
	row := cpuRow{d: d, rs1v: e.Rs1, rs2v: e.Rs2, nextMode: e.Mode}
	bad := func(format string, args ...any) (cpuRow, error) {
		return cpuRow{}, fmt.Errorf("%w: cycle %d, pc %#x, insn %#08x: %s", ErrCPUTrace, i, e.PC, e.Insn, fmt.Sprintf(format, args...))
	}
	for k, slot := range []int{SlotRs1, SlotRs2, SlotRd} {
		if !decFlag(d, dUse+k) {
			continue
		}
		a := e.Acc[k]
		want := RegAddr(e.Mode, d.reg[k])
		if a.Addr != want || a.Ts != Timestamp(uint64(i), slot) {
			return bad("register access %d at (%#x, %d), want (%#x, %d)", k, a.Addr, a.Ts, want, Timestamp(uint64(i), slot))
		}
		if k < 2 && (a.Prev != a.Next || a.Prev != [2]uint64{e.Rs1, e.Rs2}[k]) {
			return bad("register read %d returns %#x, operand %#x", k, a.Prev, [2]uint64{e.Rs1, e.Rs2}[k])
		}
	}
	for k := 0; k < 2; k++ {
		if !decFlag(d, dUse+k) && [2]uint64{e.Rs1, e.Rs2}[k] != 0 {
			return bad("operand %d is not read but is %#x", k, [2]uint64{e.Rs1, e.Rs2}[k])
		}
	}
	if decFlag(d, dUse+2) {
		row.rdPrev = e.Acc[2].Prev
		if e.Acc[2].Next != e.Rd {
			return bad("rd written %#x, result %#x", e.Acc[2].Next, e.Rd)
		}
	}
	o := d.out
	seq := e.PC + 4
	next := seq
	hi := d.fields[dImmHi].Uint64()
	immv := d.fields[dImm].Uint64() | hi<<16 | hi<<32 | hi<<48
	sys := decFlag(d, dSys)
	switch {
	case sys:
		row.rs2v = e.NextPC
		next = e.NextPC
		switch {
		case e.Mode == 0: // traps, mret in user mode included
			row.nextMode = 1
		case decFlag(d, dBeta):
			row.nextMode = 0
		case !decFlag(d, dAlpha):
			return bad("illegal instruction in kernel mode")
		}
	case o[oLUI] == 1:
		row.rd = d.tgt[0] | d.tgt[1]<<16 | d.tgt[2]<<32 | hi<<48
	case o[oLink] == 1:
		row.rd = seq
		if o[oJALR] == 1 {
			sum := e.Rs1 + immv
			row.rs2v = sum
			row.alu = &Event{OpADD, e.Rs1, immv}
			row.inv.SetUint64(sum & 1)
			next = sum &^ 1
		} else {
			next = d.tgt[0] | d.tgt[1]<<16 | d.tgt[2]<<32
			row.taken = 1
		}
	case o[oLoad] == 1 || o[oStore] == 1:
		addr := e.Rs1 + immv
		row.alu = &Event{OpADD, e.Rs1, immv}
		if o[oLoad] == 1 {
			row.rs2v, row.rd = addr, e.Rd
		} else {
			row.rdPrev, row.rd = addr, 0
		}
		if addr>>48 != 0 {
			return bad("effective address %#x", addr)
		}
	case o[oAMO] == 1:
		row.rd = e.Rd
	case o[oALU] == 1: // ALU ops and branches
		op := Op(o[oOpc])
		bv := e.Rs2 + immv
		res, err := Eval(op, e.Rs1, bv)
		if err != nil {
			return bad("%v", err)
		}
		row.alu = &Event{op, e.Rs1, bv}
		row.rd = res
		if o[oFB] == 1 {
			row.cnd = res
			if o[oEqt] == 1 {
				row.cnd = 0
				if res == 0 {
					row.cnd = 1
				} else {
					z := res&0xffff + res>>16&0xffff + res>>32&0xffff + res>>48
					row.inv.SetUint64(z)
					row.inv.Inverse(&row.inv)
				}
			}
			row.taken = row.cnd
			if o[oBeta] == -1 {
				row.taken = 1 - row.cnd
			}
			if row.taken == 1 {
				next = d.tgt[0] | d.tgt[1]<<16 | d.tgt[2]<<32
				if d.e[2] != insnBit(e.Insn, 31) {
					return bad("branch target out of the address space")
				}
			}
		} else if decFlag(d, dUse+2) && res != e.Rd {
			return bad("ALU result %#x, rd %#x", res, e.Rd)
		}
	}
	if o[oFJ] == 1 && d.e[2] != insnBit(e.Insn, 31) {
		return bad("jump target out of the address space")
	}
	if decFlag(d, dUse+2) && row.rd != e.Rd {
		return bad("rd value %#x, event says %#x", row.rd, e.Rd)
	}
	if e.Mode == 0 && (decFlag(d, dLoad) || decFlag(d, dStore) || decFlag(d, dAMO)) {
		a := row.rs2v // loads
		switch {
		case decFlag(d, dStore):
			a = row.rdPrev
		case decFlag(d, dAMO):
			a = e.Rs1
		}
		if a >= vm.KernelBase {
			return bad("user-mode access to %#x in the kernel range", a)
		}
		row.inv.SetUint64(a >> 32 & 0xffff)
		var k stark.F
		k.SetUint64(0xffff)
		row.inv.Sub(&row.inv, &k)
		row.inv.Inverse(&row.inv)
	}
	if !decFlag(d, dEqt) {
		row.cnd = row.rd & 0xffff // the rule cond = rdv[0] holds on every row but BEQ/BNE
	}
	if next != e.NextPC {
		return bad("next pc %#x, event says %#x", next, e.NextPC)
	}
	return row, nil
}

// cpuLSMessage is the BusLS message a load, store, AMO, LR or SC sends: op is its LSOp number (the
// memory chip's numbering, segment.md), addr the effective address, in the stored or AMO operand,
// out the value for rd.
type cpuLSMessage struct{ Op, Addr, Ts, In, Out uint64 }

// cpuSysMessage is the BusSys message of a trap (kind 1 illegal, 2 user ecall), mret (3) or host
// call (4).
type cpuSysMessage struct{ Kind, Ts, PC, NextPC, Mode uint64 }

// cpuMessages returns the BusLS or BusSys message cycle i sends (nil when it sends none), as the CPU
// row builds it: trace generation hands them to the memory and system tables.
func cpuMessages(i int, e *cpuEvent) (*cpuLSMessage, *cpuSysMessage, error) {
	d := decodeInsn(e.PC, e.Insn)
	row, err := cpuRowOf(i, e, &d)
	if err != nil {
		return nil, nil, err
	}
	ts := Timestamp(uint64(i), SlotMem)
	switch {
	case decFlag(&d, dLoad):
		return &cpuLSMessage{uint64(d.out[oOpc]), row.rs2v, ts, 0, row.rd}, nil, nil
	case decFlag(&d, dStore):
		return &cpuLSMessage{uint64(d.out[oOpc]), row.rdPrev, ts, e.Rs2, 0}, nil, nil
	case decFlag(&d, dAMO):
		return &cpuLSMessage{uint64(d.out[oOpc]), e.Rs1, ts, e.Rs2, row.rd}, nil, nil
	case decFlag(&d, dSys):
		kind := 1 + b2u(decFlag(&d, dAlpha))*(1+2*e.Mode) + b2u(decFlag(&d, dBeta))*2*e.Mode
		return nil, &cpuSysMessage{kind, ts, e.PC, e.NextPC, e.Mode}, nil
	}
	return nil, nil, nil
}

// cpuTraceOf builds the CPU table's trace from the segment's events (cycle i = row i) and returns
// the range-check counts of its accesses and the ALU messages it sends; the trace has at least
// 2^minLog rows. (alu_test.go's stand-in already holds the name cpuTrace.)
func cpuTraceOf(evs []cpuEvent, minLog int) (*stark.Matrix, *counts, []Event, error) {
	if len(evs) == 0 || len(evs) > maxCycles {
		return nil, nil, nil, fmt.Errorf("%w: %d cycles", ErrCPUTrace, len(evs))
	}
	rows := make([]cpuRow, len(evs))
	mode := evs[0].Mode
	type key struct {
		pc   uint64
		insn uint32
	}
	decoded := map[key]*decodedInsn{}
	for i := range evs {
		e := &evs[i]
		if err := e.checkCode(); err != nil {
			return nil, nil, nil, err
		}
		if e.Mode != mode {
			return nil, nil, nil, fmt.Errorf("%w: cycle %d runs in mode %d, the machine is in mode %d", ErrCPUTrace, i, e.Mode, mode)
		}
		if i > 0 && e.PC != evs[i-1].NextPC {
			return nil, nil, nil, fmt.Errorf("%w: cycle %d at pc %#x, previous next pc %#x", ErrCPUTrace, i, e.PC, evs[i-1].NextPC)
		}
		d, ok := decoded[key{e.PC, e.Insn}]
		if !ok {
			dv := decodeInsn(e.PC, e.Insn)
			d = &dv
			decoded[key{e.PC, e.Insn}] = d
		}
		var err error
		if rows[i], err = cpuRowOf(i, e, d); err != nil {
			return nil, nil, nil, err
		}
		mode = rows[i].nextMode
	}
	m, cnt, alu := writeCPUTrace(evs, rows, minLog)
	return m, cnt, alu, nil
}

// writeCPUTrace fills the CPU trace, at least 2^minLog rows, from checked rows; padding rows
// repeat the end pc and mode.
func writeCPUTrace(evs []cpuEvent, rows []cpuRow, minLog int) (*stark.Matrix, *counts, []Event) {
	n := 1 << uint(padLog(len(evs), minLog))
	m := stark.NewMatrix(cpuWidth, n)
	cnt := new(counts)
	var aluEvs []Event
	L := &cpuLayout
	set := func(row int, c stark.Column, v uint64) { m.SetUint(row, c.Index(), v) }
	setLimbsOf := func(row int, cs []stark.Column, v uint64, k int) {
		for j := 0; j < k; j++ {
			set(row, cs[j], v>>(16*j)&0xffff)
		}
	}
	for i := range evs {
		e, row := &evs[i], &rows[i]
		set(i, L.clk, uint64(i))
		set(i, L.first, b2u(i == 0))
		set(i, L.mode, e.Mode)
		set(i, L.isReal, 1)
		setLimbsOf(i, L.pc, e.PC, 3)
		for j, f := range row.d.fields {
			m.Set(i, L.dec[j].Index(), f)
		}
		setLimbsOf(i, L.rs1v, row.rs1v, 4)
		setLimbsOf(i, L.rs2v, row.rs2v, 4)
		setLimbsOf(i, L.rdPrev, row.rdPrev, 4)
		setLimbsOf(i, L.rdv, row.rd, 4)
		set(i, L.taken, row.taken)
		set(i, L.cnd, row.cnd)
		m.Set(i, L.inv.Index(), row.inv)
		for k := 0; k < 3; k++ {
			if decFlag(row.d, dUse+k) {
				L.acc[k].fill(m, i, e.Acc[k], cnt)
			}
		}
		if row.alu != nil {
			aluEvs = append(aluEvs, *row.alu)
		}
	}
	end, mode := evs[len(evs)-1].NextPC, rows[len(rows)-1].nextMode
	for i := len(evs); i < n; i++ {
		set(i, L.clk, uint64(i))
		set(i, L.mode, mode)
		setLimbsOf(i, L.pc, end, 3)
	}
	return m, cnt, aluEvs
}

// cpuCells returns the CPU table's main and extension cells per row.
func cpuCells() (main, ext int) {
	t := newCPUTable(nil)
	return t.Width(), 4 * t.LogUpColumns()
}

// decodeCells returns the decode table's main and extension cells per row.
func decodeCells() (main, ext int) {
	t := newDecodeTable(nil)
	return t.Width(), 4 * t.LogUpColumns()
}

// modeCells returns the mode-read table's main and extension cells per row (8 rows per segment).
func modeCells() (main, ext int) {
	t := newModeTable(nil)
	return t.Width(), 4 * t.LogUpColumns()
}

// cpuModeAddr is the mode word's address on the machine page (ABI v1).
const cpuModeAddr = vm.MachineBase + 0x200

// newModeTable declares the mode-read table: its first row reads the mode word at the segment's
// first timestamp (Timestamp(0, SlotRs1): rs1 reads of cycle 0 are register words, and the system
// table writes the mode word only at SlotMem) and hands the value to the CPU's first row.
func newModeTable(omit map[string]bool) *stark.Table {
	t := stark.NewTable("cpu_mode")
	buildMode(&rules{t: t, omit: omit})
	return t
}

type modeCols struct {
	isReal, mode stark.Column
	acc          accessCols
}

var modeLayout, modeWidth = func() (modeCols, int) {
	t := stark.NewTable("cpu_mode")
	c := buildMode(&rules{t: t})
	return c, t.Width()
}()

func buildMode(r *rules) modeCols {
	t := r.t
	c := modeCols{isReal: t.Column("is_real"), mode: t.Column("mode")}
	isReal, mode := c.isReal.Cur(), c.mode.Cur()
	t.AssertFirst("one read", isReal.Sub(stark.Const(1)))
	t.AssertTransition("one read", c.isReal.Next())
	r.boolean("mode boolean", mode)
	al := addrLimbs(cpuModeAddr)
	addr := [3]stark.Expr{stark.Const(al[0]), stark.Const(al[1]), stark.Const(al[2])}
	v := [4]stark.Expr{mode}
	c.acc = r.memAccess("mode", isReal, addr, v, v, stark.Const(Timestamp(0, SlotRs1)))
	t.Send(busCPUMode, isReal, mode)
	r.interactions++
	return c
}

// modeTrace is the mode-read table's trace: a is the read of the mode word at Timestamp(0, SlotRs1).
func modeTrace(a Access) (*stark.Matrix, *counts, error) {
	if a.Addr != cpuModeAddr || a.Ts != Timestamp(0, SlotRs1) || a.Prev != a.Next || a.Prev > 1 {
		return nil, nil, fmt.Errorf("%w: mode read %+v", ErrCPUTrace, a)
	}
	m := stark.NewMatrix(modeWidth, 1<<minLogRows)
	cnt := new(counts)
	m.SetUint(0, modeLayout.isReal.Index(), 1)
	m.SetUint(0, modeLayout.mode.Index(), a.Prev)
	modeLayout.acc.fill(m, 0, a, cnt)
	return m, cnt, nil
}
