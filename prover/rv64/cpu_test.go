package rv64

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
)

// RV64 encoders for the test programs.
func cpuEncR(f7, rs2, rs1, f3, rd, op uint32) uint32 {
	return f7<<25 | rs2<<20 | rs1<<15 | f3<<12 | rd<<7 | op
}
func cpuEncI(imm int32, rs1, f3, rd, op uint32) uint32 {
	return uint32(imm)&0xfff<<20 | rs1<<15 | f3<<12 | rd<<7 | op
}
func cpuEncS(imm int32, rs2, rs1, f3 uint32) uint32 {
	u := uint32(imm)
	return u>>5&0x7f<<25 | rs2<<20 | rs1<<15 | f3<<12 | u&31<<7 | 0x23
}
func cpuEncB(imm int32, rs2, rs1, f3 uint32) uint32 {
	u := uint32(imm)
	return u>>12&1<<31 | u>>5&0x3f<<25 | rs2<<20 | rs1<<15 | f3<<12 | u>>1&0xf<<8 | u>>11&1<<7 | 0x63
}
func cpuEncU(imm20, rd, op uint32) uint32 { return imm20<<12 | rd<<7 | op }
func cpuEncJ(imm int32, rd uint32) uint32 {
	u := uint32(imm)
	return u>>20&1<<31 | u>>1&0x3ff<<21 | u>>11&1<<20 | u>>12&0xff<<12 | rd<<7 | 0x6f
}
func cpuEncAMO(f5, rs2, rs1, f3, rd uint32) uint32 { return cpuEncR(f5<<2, rs2, rs1, f3, rd, 0x2f) }

const (
	cpuECALL    = 0x00000073
	cpuMRET     = 0x30200073
	cpuFADD     = 0x00000053 // fadd.s f0, f0, f0: outside RV64IMA
	cpuECALLRd  = 0x000000f3 // SYSTEM, funct3 0, funct7 0 with rd = 1: not ecall, illegal
	cpuUserCode = 0x10000
)

// cpuLSMsg and cpuSysMsg are the BusLS and BusSys messages the test machine expects the CPU to send.
type cpuLSMsg struct{ op, addr, ts, in, out uint64 }
type cpuSysMsg struct{ kind, ts, pc, next, mode uint64 }

// cpuMachine interprets straight-line RV64IMA code with the proven machine's traps: plain Go
// semantics (and Eval for ALU operations) give each instruction's values, a memTracker resolves the
// register accesses. Its hooks let a test steer execution where no honest machine would go.
type cpuMachine struct {
	t             testing.TB
	code          map[uint64]uint32
	mem           *memTracker
	init          map[uint64]uint64 // page-in value of every word accessed
	pc, mode, epc uint64
	evs           []cpuEvent
	ls            []cpuLSMsg
	sys           []cpuSysMsg
	modeRead      Access

	// Hooks for forgeries (nil: honest). decode decodes a word (decodeInsn); override replaces the
	// word executed at pc; forgeRead and forgeRd replace an operand or the value written to rd;
	// after runs after each step and may move pc or mode.
	decode    func(pc uint64, insn uint32) decodedInsn
	override  func(pc uint64, insn uint32) uint32
	forgeRead func(i, k int, v uint64) uint64
	forgeRd   func(i int, v uint64) uint64
	after     func(m *cpuMachine, i int)
	// kernelTraps lets an illegal instruction trap in kernel mode (which no honest machine does).
	kernelTraps bool
}

// newCPUMachine loads the programs (pc → words) and a machine page whose registers hold cpuRegVal(mode, r).
func newCPUMachine(t testing.TB, progs map[uint64][]uint32, start, mode uint64) *cpuMachine {
	m := &cpuMachine{t: t, code: map[uint64]uint32{}, init: map[uint64]uint64{}, pc: start, mode: mode, decode: decodeInsn}
	for base, words := range progs {
		for i, w := range words {
			m.code[base+4*uint64(i)] = w
		}
	}
	page := vm.PageRecord{Page: vm.MachineBase / vm.PageSize}
	for bank := uint64(0); bank < 2; bank++ {
		for r := uint64(1); r < 32; r++ {
			binary.LittleEndian.PutUint64(page.Data[0x100*bank+8*r:], cpuRegVal(bank, r))
		}
	}
	binary.LittleEndian.PutUint64(page.Data[0x200:], mode)
	m.mem = newMemTracker([]vm.PageRecord{page})
	m.modeRead = m.access(cpuModeAddr, mode, Timestamp(0, SlotRs1))
	return m
}

// cpuRegVal is the start value of register r: small multiples of 8, so that memory operands stay in
// the address space, with a few large ones.
func cpuRegVal(bank, r uint64) uint64 {
	if r >= 28 {
		return 0xfedcba9876543210 ^ r<<bank
	}
	return 0x1000*r + 0x10*bank
}

func (m *cpuMachine) access(addr, next, ts uint64) Access {
	w, err := m.mem.word(addr)
	if err != nil {
		m.t.Fatal(err)
	}
	if _, ok := m.init[addr]; !ok {
		m.init[addr] = w.v
	}
	a, err := m.mem.access(addr, w.v, next, ts)
	if err != nil {
		m.t.Fatal(err)
	}
	return a
}

func (m *cpuMachine) codeWord(pc uint64) uint64 {
	return uint64(m.code[pc&^7]) | uint64(m.code[pc&^7+4])<<32
}

// cpuLoadVal is what the memory stand-in returns for a load or AMO at addr.
func cpuLoadVal(addr uint64) uint64 { return addr*0x9e3779b97f4a7c15 ^ 0x5555 }

// step executes the instruction at pc. The class comes from the decoding (so that a forged decoding
// steers execution); values come from Go's own semantics of the instruction's bits.
func (m *cpuMachine) step() {
	i := uint64(len(m.evs))
	pc := m.pc
	insn, ok := m.code[pc]
	if !ok {
		m.t.Fatalf("no code at %#x", pc)
	}
	if m.override != nil {
		insn = m.override(pc, insn)
	}
	d := m.decode(pc, insn)
	e := cpuEvent{PC: pc, Insn: insn, CodeWord: m.codeWord(pc), Mode: m.mode}
	read := func(k, slot int) uint64 {
		if !decFlag(&d, dUse+k) {
			return 0
		}
		addr := RegAddr(m.mode, d.reg[k])
		w, _ := m.mem.word(addr)
		v := w.v
		e.Acc[k] = m.access(addr, v, Timestamp(i, slot))
		if m.forgeRead != nil {
			v = m.forgeRead(int(i), k, v)
		}
		return v
	}
	e.Rs1, e.Rs2 = read(0, SlotRs1), read(1, SlotRs2)
	rs1, rs2 := e.Rs1, e.Rs2
	iimm := uint64(int64(int32(insn) >> 20))
	simm := uint64(int64(int32(insn)>>25<<5) | int64(insn>>7&31))
	bimm := uint64(int64(int32(insn)>>31)<<12 | int64(insn>>7&1)<<11 | int64(insn>>25&0x3f)<<5 | int64(insn>>8&0xf)<<1)
	jimm := uint64(int64(int32(insn)>>31)<<20 | int64(insn>>21&0x3ff)<<1 | int64(insn>>20&1)<<11 | int64(insn>>12&0xff)<<12)
	uimm := uint64(int64(int32(insn & 0xfffff000)))
	f3 := insn >> 12 & 7
	next, rd := pc+4, uint64(0)
	ts := Timestamp(i, SlotMem)
	o := d.out
	switch {
	case decFlag(&d, dSys):
		s := cpuSysMsg{ts: ts, pc: pc, mode: m.mode}
		switch {
		case m.mode == 0 || m.kernelTraps && !decFlag(&d, dAlpha) && !decFlag(&d, dBeta):
			s.kind, next, m.epc = 1, vm.KernelBase, pc+4
			if decFlag(&d, dAlpha) {
				s.kind = 2
			}
			m.mode = 1
		case decFlag(&d, dAlpha):
			s.kind, next = 4, pc+4
		case decFlag(&d, dBeta):
			s.kind, next = 3, m.epc
			m.mode = 0
		default:
			m.t.Fatalf("illegal instruction %#x in kernel mode", insn)
		}
		s.next = next
		m.sys = append(m.sys, s)
	case o[oLUI] == 1:
		rd = uimm + pc*uint64(o[oPCAdd])
	case o[oJALR] == 1:
		rd, next = pc+4, (rs1+iimm)&^1
	case o[oLink] == 1:
		rd, next = pc+4, pc+jimm
	case o[oFB] == 1:
		taken := map[uint32]bool{0: rs1 == rs2, 1: rs1 != rs2, 4: int64(rs1) < int64(rs2), 5: int64(rs1) >= int64(rs2),
			6: rs1 < rs2, 7: rs1 >= rs2}[f3]
		if taken {
			next = pc + bimm
		}
	case o[oLoad] == 1:
		rd = cpuLoadVal(rs1 + iimm)
		m.ls = append(m.ls, cpuLSMsg{1 + uint64(f3), rs1 + iimm, ts, 0, rd})
	case o[oStore] == 1:
		m.ls = append(m.ls, cpuLSMsg{8 + uint64(f3), rs1 + simm, ts, rs2, 0})
	case o[oAMO] == 1:
		rd = cpuLoadVal(rs1)
		m.ls = append(m.ls, cpuLSMsg{16 + 2*uint64(insn>>27) + uint64(f3) - 2, rs1, ts, rs2, rd})
	case o[oALU] == 1:
		b := rs2
		switch {
		case o[oFSh] == 1:
			b = uint64(insn >> 20 & 63)
		case o[oFI] == 1:
			b = iimm
		}
		var err error
		if rd, err = Eval(Op(o[oOpc]), rs1, b); err != nil {
			m.t.Fatal(err)
		}
	}
	if m.forgeRd != nil {
		rd = m.forgeRd(int(i), rd)
	}
	if decFlag(&d, dUse+2) {
		e.Acc[2] = m.access(RegAddr(e.Mode, d.reg[2]), rd, Timestamp(i, SlotRd))
	}
	if decFlag(&d, dUse+2) || o[oLoad] == 1 || o[oAMO] == 1 {
		e.Rd = rd
	}
	e.NextPC = next
	m.pc = next
	m.evs = append(m.evs, e)
	if m.after != nil {
		m.after(m, int(i))
	}
}

func (m *cpuMachine) run(n int) *cpuMachine {
	for i := 0; i < n; i++ {
		m.step()
	}
	return m
}

// cpuAllClasses is a program that runs every instruction class, user and kernel mode, traps, mret and
// a host call.
func cpuAllClasses() map[uint64][]uint32 {
	const (
		OPI, OPIW, OP, OPW = 0x13, 0x1b, 0x33, 0x3b
	)
	u := []uint32{
		cpuEncI(5, 0, 0, 1, OPI),                                 // addi x1, x0, 5
		cpuEncI(-3, 0, 0, 2, OPI),                                // addi x2, x0, -3
		cpuEncR(0, 2, 1, 0, 3, OP),                               // add
		cpuEncR(0x20, 2, 1, 0, 4, OP),                            // sub
		cpuEncI(60, 1, 1, 5, OPI),                                // slli
		cpuEncI(0x400|3, 5, 5, 6, OPI), cpuEncI(3, 5, 5, 7, OPI), // srai, srli
		cpuEncR(0, 1, 1, 1, 8, OP), cpuEncR(0, 1, 5, 5, 9, OP), cpuEncR(0x20, 1, 5, 5, 10, OP), // sll srl sra
		cpuEncR(0, 1, 2, 2, 11, OP), cpuEncR(0, 1, 2, 3, 12, OP), // slt sltu
		cpuEncI(-1, 2, 2, 13, OPI), cpuEncI(7, 1, 3, 14, OPI), // slti sltiu
		cpuEncR(0, 2, 1, 4, 15, OP), cpuEncR(0, 2, 1, 6, 16, OP), cpuEncR(0, 2, 1, 7, 17, OP), // xor or and
		cpuEncI(-7, 1, 4, 15, OPI), cpuEncI(0x123, 1, 6, 16, OPI), cpuEncI(-2, 2, 7, 17, OPI), // xori ori andi
		cpuEncR(1, 2, 2, 0, 18, OP), cpuEncR(1, 5, 2, 1, 19, OP), cpuEncR(1, 5, 2, 3, 19, OP), cpuEncR(1, 5, 2, 2, 19, OP), // mul mulh mulhu mulhsu
		cpuEncR(1, 2, 5, 4, 20, OP), cpuEncR(1, 2, 5, 5, 20, OP), cpuEncR(1, 2, 5, 6, 20, OP), cpuEncR(1, 0, 5, 7, 20, OP), // div divu rem remu(by x0)
		cpuEncR(0, 1, 5, 0, 21, OPW), cpuEncR(0x20, 1, 5, 0, 21, OPW), cpuEncR(0, 1, 2, 1, 21, OPW), cpuEncR(0, 1, 2, 5, 21, OPW), cpuEncR(0x20, 1, 2, 5, 21, OPW),
		cpuEncR(1, 2, 2, 0, 21, OPW), cpuEncR(1, 1, 2, 4, 21, OPW), cpuEncR(1, 1, 2, 5, 21, OPW), cpuEncR(1, 1, 2, 6, 21, OPW), cpuEncR(1, 1, 2, 7, 21, OPW),
		cpuEncI(-9, 2, 0, 22, OPIW), cpuEncI(31, 2, 1, 22, OPIW), cpuEncI(4, 2, 5, 22, OPIW), cpuEncI(0x400|4, 2, 5, 22, OPIW), // addiw slliw srliw sraiw
		cpuEncU(0x80000, 22, 0x37), cpuEncU(0x12345, 23, 0x37), cpuEncU(1, 24, 0x17), cpuEncU(0xfffff, 25, 0x17), // lui auipc
		cpuEncB(8, 1, 1, 0), cpuEncI(1, 0, 0, 0, OPI), // beq taken, skips a nop
		cpuEncB(8, 1, 1, 1),                           // bne not taken
		cpuBEQNe,                                      // beq not taken
		cpuEncB(8, 1, 2, 4), cpuEncI(1, 0, 0, 0, OPI), // blt taken
		cpuEncB(8, 1, 2, 5),                           // bge not taken
		cpuEncB(8, 2, 1, 6), cpuEncI(1, 0, 0, 0, OPI), // bltu taken
		cpuEncB(-4, 2, 1, 7),                     // bgeu not taken (backwards)
		cpuEncJ(8, 26), cpuEncI(1, 0, 0, 0, OPI), // jal
		cpuEncU(0, 27, 0x17), cpuEncI(13, 27, 0, 28, 0x67), cpuEncI(1, 0, 0, 0, OPI), // auipc; jalr to +12 (bit 0 cleared)
		cpuEncI(3, 1, 0, 29, 0x03), cpuEncI(16, 1, 3, 30, 0x03), cpuEncI(-5, 1, 4, 29, 0x03), cpuEncI(7, 1, 1, 29, 0x03), // lb ld lbu lh
		cpuEncI(0, 1, 5, 29, 0x03), cpuEncI(1, 1, 2, 29, 0x03), cpuEncI(9, 1, 6, 29, 0x03), cpuEncI(0, 1, 3, 0, 0x03), // lhu lw lwu; ld x0
		cpuEncS(1, 2, 1, 0), cpuEncS(-5, 5, 1, 3), cpuEncS(6, 2, 1, 1), cpuEncS(2, 0, 1, 2), // sb sd sh sw(x0)
		cpuEncAMO(2, 0, 1, 2, 11), cpuEncAMO(3, 2, 1, 2, 12), cpuEncAMO(0, 2, 1, 3, 13), cpuEncAMO(1, 2, 1, 2, 13), cpuEncAMO(28, 0, 1, 3, 14), // lr.w sc.w amoadd.d amoswap.w amomaxu.d
		0x0ff0000f, 0x0000100f, // fence, fence.i
		cpuEncR(0, 2, 1, 0, 0, OP), cpuEncR(0, 1, 0, 0, 3, OP), // add x0 (dropped), add x3, x0, x1
		cpuECALL,                 // trap 8 → kernel
		cpuFADD,                  // trap 2 (the kernel resumes after it)
		cpuECALLRd,               // ecall's encoding with rd = 1: illegal, trap 2
		cpuEncI(1, 1, 0, 1, OPI), // addi x1, x1, 1
		cpuMRET,                  // mret in user mode: trap 2
		cpuEncI(1, 1, 0, 1, OPI),
	}
	k := []uint32{
		cpuEncI(1, 10, 0, 10, OPI), // addi a0, a0, 1 (kernel bank)
		cpuECALL,                   // host call
		cpuMRET,
	}
	return map[uint64][]uint32{cpuUserCode: u, vm.KernelBase: k}
}

// cpuRunAll runs cpuAllClasses to its end.
func cpuRunAll(t testing.TB) *cpuMachine {
	return cpuRunAllOn(t, newCPUMachine(t, cpuAllClasses(), cpuUserCode, 0))
}

// cpuRunAllOn runs m (loaded with cpuAllClasses) until it leaves the user program's last instruction.
func cpuRunAllOn(t testing.TB, m *cpuMachine) *cpuMachine {
	last := cpuUserCode + 4*uint64(len(cpuAllClasses()[cpuUserCode])-1)
	for m.pc != last+4 {
		if len(m.evs) > 1000 {
			t.Fatal("runaway program")
		}
		m.step()
		if m.pc == vm.KernelBase+12 { // after the kernel's mret position: restart the kernel for the next trap
			t.Fatal("kernel ran past mret")
		}
	}
	return m
}

// cpuRun is everything the test statement is built from; tampers change it before the traces are
// written, or the traces after.
type cpuRun struct {
	evs      []cpuEvent
	rows     []cpuRow
	dec      []decodeRow
	ls       []cpuLSMsg
	sys      []cpuSysMsg
	modeRead Access
	words    []cpuWordEnds
	code     map[uint64]uint64
	pub      []stark.F
	dropALU  bool                     // the ALU chips receive nothing (a forgery's weak statement without the CPU's ALU send)
	patch    func(tr []*stark.Matrix) // a forgery's change to the written traces
}

type cpuWordEnds struct{ addr, init, final, finalTs uint64 }

func (m *cpuMachine) cpuRun() *cpuRun { return m.cpuRunWith(nil) }

// cpuRunWith builds the run's rows; rowOf, when not nil, makes the row of cycle i instead of
// cpuRowOf (for forgeries that no honest row allows). Decode rows come from the machine's decoder.
func (m *cpuMachine) cpuRunWith(rowOf func(i int, e *cpuEvent, d decodedInsn) cpuRow) *cpuRun {
	m.t.Helper()
	r := &cpuRun{evs: m.evs, ls: m.ls, sys: m.sys, modeRead: m.modeRead, code: map[uint64]uint64{}}
	type key struct {
		pc   uint64
		insn uint32
	}
	idx := map[key]int{}
	for i := range m.evs {
		e := &m.evs[i]
		d := m.decode(e.PC, e.Insn)
		if rowOf != nil {
			r.rows = append(r.rows, rowOf(i, e, d))
		} else {
			row, err := cpuRowOf(i, e, &d)
			if err != nil {
				m.t.Fatal(err)
			}
			r.rows = append(r.rows, row)
		}
		k := key{e.PC, e.Insn}
		j, ok := idx[k]
		if !ok {
			j = len(r.dec)
			idx[k] = j
			r.dec = append(r.dec, decodeRow{d: d, word: e.CodeWord})
		}
		r.dec[j].n++
	}
	for pc := range m.code {
		r.code[pc&^7] = m.codeWord(pc)
	}
	for _, a := range cpuSortedKeys(m.init) {
		v, ts, err := m.mem.final(a)
		if err != nil {
			m.t.Fatal(err)
		}
		r.words = append(r.words, cpuWordEnds{a, m.init[a], v, ts})
	}
	r.pub = make([]stark.F, NumPublic)
	for k, l := range addrLimbs(m.evs[0].PC) {
		r.pub[PubStartPC+k].SetUint64(l)
	}
	for k, l := range addrLimbs(m.evs[len(m.evs)-1].NextPC) {
		r.pub[PubEndPC+k].SetUint64(l)
	}
	return r
}

// cpuTwinRow is the honest row of an event changed by change (which must leave it consistent), for
// forgeries that then alter the row.
func cpuTwinRow(t testing.TB, i int, e *cpuEvent, d decodedInsn, change func(e *cpuEvent)) cpuRow {
	t.Helper()
	twin := *e
	change(&twin)
	row, err := cpuRowOf(i, &twin, &d)
	if err != nil {
		t.Fatal(err)
	}
	return row
}

func cpuSortedKeys(m map[uint64]uint64) []uint64 {
	var ks []uint64
	for k := range m {
		ks = append(ks, k)
	}
	for i := 1; i < len(ks); i++ {
		for j := i; j > 0 && ks[j] < ks[j-1]; j-- {
			ks[j], ks[j-1] = ks[j-1], ks[j]
		}
	}
	return ks
}

// Positions of the statement's tables after the ALU tables.
const (
	tsCPU = tRange16 + 1 + iota
	tsDecode
	tsClass
	tsMode
	tsMem
	tsCode
	tsLS
	tsSys
)

func cpuMemBalancer() *stark.Table {
	t := stark.NewTable("test_mem")
	addr, init, fin := t.Columns("addr", 3), t.Columns("init", 4), t.Columns("final", 4)
	ts, isReal := t.Column("final_ts"), t.Column("is_real")
	t.AssertBool("is_real boolean", isReal.Cur())
	t.Send(BusMem, isReal.Cur(), append(append(cur(addr), cur(init)...), stark.Const(0))...)
	t.Receive(BusMem, isReal.Cur(), append(append(cur(addr), cur(fin)...), ts.Cur())...)
	return t
}

func cpuCodeTable() *stark.Table {
	t := stark.NewTable("test_code")
	addr, v, mult := t.Columns("addr", 3), t.Columns("v", 4), t.Column("mult")
	t.SendMany(BusCode, mult.Cur(), 1<<12, append(cur(addr), cur(v)...)...)
	return t
}

func cpuLSReceiver() *stark.Table {
	t := stark.NewTable("test_ls")
	cols := t.Columns("msg", 13)
	isReal := t.Column("is_real")
	t.AssertBool("is_real boolean", isReal.Cur())
	t.Receive(BusLS, isReal.Cur(), cur(cols)...)
	return t
}

func cpuSysReceiver() *stark.Table {
	t := stark.NewTable("test_sys")
	cols := t.Columns("msg", 9)
	isReal := t.Column("is_real")
	t.AssertBool("is_real boolean", isReal.Cur())
	t.Receive(BusSys, isReal.Cur(), cur(cols)...)
	return t
}

func cpuAIR(t testing.TB, omit map[string]map[string]bool) *stark.AIR {
	t.Helper()
	tables := append(aluTables(omit), newCPUTable(omit["cpu"]), newDecodeTable(omit["decode"]), classTable(),
		newModeTable(omit["cpu_mode"]), cpuMemBalancer(), cpuCodeTable(), cpuLSReceiver(), cpuSysReceiver())
	air, err := stark.NewAIR("rv64-cpu-test", NumPublic, tables...)
	if err != nil {
		t.Fatal(err)
	}
	return air
}

// cpuRowsFor returns a zero matrix tall enough for n rows.
func cpuRowsFor(width, n int) *stark.Matrix { return stark.NewMatrix(width, 1<<uint(logRows(n))) }

// traces writes every table's trace for the run.
func (r *cpuRun) traces(t testing.TB) []*stark.Matrix {
	t.Helper()
	cpuM, cpuCnt, aluEvs := writeCPUTrace(r.evs, r.rows, 0)
	dt := writeDecodeTrace(r.dec, 0)
	modeM, modeCnt, err := modeTrace(r.modeRead)
	if err != nil {
		t.Fatal(err)
	}
	if r.dropALU {
		aluEvs = nil
	}
	tr, err := GenerateALUTraces(aluEvs)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*counts{cpuCnt, dt.counts, modeCnt} {
		for v, n := range c.bytes {
			cpuAddCount(tr[tBytes], v, n)
		}
		for v, n := range c.limbs {
			cpuAddCount(tr[tRange16], v, n)
		}
	}
	mem := cpuRowsFor(13, len(r.words))
	for i, w := range r.words {
		cpuSetLimbs(mem, i, 0, w.addr, 3)
		cpuSetLimbs(mem, i, 3, w.init, 4)
		cpuSetLimbs(mem, i, 7, w.final, 4)
		mem.SetUint(i, 11, w.finalTs)
		mem.SetUint(i, 12, 1)
	}
	code := cpuRowsFor(8, len(r.code))
	for i, a := range cpuSortedKeys(r.code) {
		cpuSetLimbs(code, i, 0, a, 3)
		cpuSetLimbs(code, i, 3, r.code[a], 4)
		code.SetUint(i, 7, dt.code[a])
	}
	ls := cpuRowsFor(14, len(r.ls))
	for i, l := range r.ls {
		ls.SetUint(i, 0, l.op)
		cpuSetLimbs(ls, i, 1, l.addr, 3)
		ls.SetUint(i, 4, l.ts)
		cpuSetLimbs(ls, i, 5, l.in, 4)
		cpuSetLimbs(ls, i, 9, l.out, 4)
		ls.SetUint(i, 13, 1)
	}
	sys := cpuRowsFor(10, len(r.sys))
	for i, s := range r.sys {
		sys.SetUint(i, 0, s.kind)
		sys.SetUint(i, 1, s.ts)
		cpuSetLimbs(sys, i, 2, s.pc, 3)
		cpuSetLimbs(sys, i, 5, s.next, 3)
		sys.SetUint(i, 8, s.mode)
		sys.SetUint(i, 9, 1)
	}
	out := append(tr, cpuM, dt.decode, dt.class, modeM, mem, code, ls, sys)
	if r.patch != nil {
		r.patch(out)
	}
	return out
}

func cpuAddCount(m *stark.Matrix, v int, n uint64) {
	var d stark.F
	d.SetUint64(n)
	m.Cols[0][v].Add(&m.Cols[0][v], &d)
}

func cpuSetLimbs(m *stark.Matrix, row, col int, v uint64, n int) {
	for k := 0; k < n; k++ {
		m.SetUint(row, col+k, v>>(16*k)&0xffff)
	}
}

// cpuKeys caches proving keys per AIR (Setup commits the 2^15-row class table and the other
// lookup tables, most of a small test's proving time).
var cpuKeys = struct {
	sync.Mutex
	m map[string]*stark.ProvingKey
}{m: map[string]*stark.ProvingKey{}}

func cpuSetupCached(t testing.TB, name string, air func() *stark.AIR) *stark.ProvingKey {
	t.Helper()
	cpuKeys.Lock()
	defer cpuKeys.Unlock()
	if pk := cpuKeys.m[name]; pk != nil {
		return pk
	}
	pk, err := stark.Setup(air(), stark.TestParams())
	if err != nil {
		t.Fatal(err)
	}
	cpuKeys.m[name] = pk
	return pk
}

func proveCPU(t testing.TB, omit map[string]map[string]bool, traces []*stark.Matrix, pub []stark.F) error {
	t.Helper()
	pk := cpuSetupCached(t, fmt.Sprint("cpu", omit), func() *stark.AIR { return cpuAIR(t, omit) })
	proof, err := stark.Prove(context.Background(), pk, traces, pub)
	if err != nil {
		return err
	}
	return stark.Verify(pk.VerifyingKey(), proof, pub, stark.VerifierConfig{})
}

// TestCPUAllClasses proves and verifies a run of every instruction class, in both modes, with
// traps, mret and a host call, against the real ALU chips and lookup tables.
func TestCPUAllClasses(t *testing.T) {
	m := cpuRunAll(t)
	r := m.cpuRun()
	if err := proveCPU(t, nil, r.traces(t), r.pub); err != nil {
		t.Fatal(err)
	}
	// cpuMessages gives the messages the test machine expects.
	var ls []cpuLSMsg
	var sys []cpuSysMsg
	for i := range m.evs {
		l, s, err := cpuMessages(i, &m.evs[i])
		if err != nil {
			t.Fatal(err)
		}
		if l != nil {
			ls = append(ls, cpuLSMsg{l.Op, l.Addr, l.Ts, l.In, l.Out})
		}
		if s != nil {
			sys = append(sys, cpuSysMsg{s.Kind, s.Ts, s.PC, s.NextPC, s.Mode})
		}
	}
	if !slices.Equal(ls, m.ls) || !slices.Equal(sys, m.sys) {
		t.Fatalf("messages differ:\n%v\n%v\n%v\n%v", ls, m.ls, sys, m.sys)
	}
	// The production entry points give the same CPU and decode traces.
	cm, _, _, err := cpuTraceOf(m.evs, 0)
	if err != nil {
		t.Fatal(err)
	}
	dt, err := decodeTrace(m.evs, 0)
	if err != nil {
		t.Fatal(err)
	}
	tr := r.traces(t)
	for _, p := range []struct {
		a, b *stark.Matrix
		name string
	}{{cm, tr[tsCPU], "cpu"}, {dt.decode, tr[tsDecode], "decode"}, {dt.class, tr[tsClass], "class"}} {
		for c := range p.a.Cols {
			for i := range p.a.Cols[c] {
				if p.a.Cols[c][i] != p.b.Cols[c][i] {
					t.Fatalf("%s trace differs at column %d row %d", p.name, c, i)
				}
			}
		}
	}
}

// cpuTamper forges a run. The forgery must be rejected with want; with rule (in table) left out
// the same forgery must prove and verify (weak adjusts what the omitted rule's absence changes). A
// tamper without a rule is caught by a bus whose rules are other tables' (the memory argument).
type cpuTamper struct {
	name, table, rule string
	want              error
	forge             func(t testing.TB, m *cpuMachine) *cpuRun
	weak              func(r *cpuRun, tr []*stark.Matrix)
}

func runCPUTamper(t *testing.T, tc cpuTamper) {
	t.Helper()
	r := tc.forge(t, newCPUMachine(t, cpuAllClasses(), cpuUserCode, 0))
	err := proveCPU(t, nil, r.traces(t), r.pub)
	if !errors.Is(err, tc.want) {
		t.Fatalf("forgery: got %v, want %v", err, tc.want)
	}
	if errors.Is(err, stark.ErrConstraint) && !strings.Contains(err.Error(), "\""+tc.rule+"\"") {
		t.Fatalf("forgery caught by another rule: %v", err)
	}
	if tc.rule == "" {
		return
	}
	if testing.Short() {
		return // the weak statements are full proofs: shown without -short
	}
	r = tc.forge(t, newCPUMachine(t, cpuAllClasses(), cpuUserCode, 0))
	if tc.weak != nil {
		tc.weak(r, nil)
	}
	tr := r.traces(t)
	if tc.weak != nil {
		tc.weak(r, tr)
	}
	if err := proveCPU(t, map[string]map[string]bool{tc.table: {tc.rule: true}}, tr, r.pub); err != nil {
		t.Fatalf("without %q the forgery should pass, got %v", tc.rule, err)
	}
}

var (
	cpuAdd3  = cpuEncR(0, 2, 1, 0, 3, 0x33) // add x3, x1, x2 (cycle 2)
	cpuBNE   = cpuEncB(8, 1, 1, 1)          // bne x1, x1, +8: not taken
	cpuBEQNe = cpuEncB(8, 2, 1, 0)          // beq x1, x2, +8: not taken
	cpuLUI   = cpuEncU(0x12345, 23, 0x37)
	cpuJAL   = cpuEncJ(8, 26)
)

func cpuTampers() []cpuTamper {
	honest := func(t testing.TB, m *cpuMachine) *cpuRun { return cpuRunAllOn(t, m).cpuRun() }
	return []cpuTamper{
		{name: "ALU result off by one", table: "cpu", rule: "alu send", want: stark.ErrUnbalancedBus,
			forge: func(t testing.TB, m *cpuMachine) *cpuRun {
				m.forgeRd = func(i int, v uint64) uint64 {
					if i == 2 {
						return v + 1
					}
					return v
				}
				cpuRunAllOn(t, m)
				return m.cpuRunWith(func(i int, e *cpuEvent, d decodedInsn) cpuRow {
					if i != 2 {
						return cpuTwinRow(t, i, e, d, func(*cpuEvent) {})
					}
					row := cpuTwinRow(t, i, e, d, func(e *cpuEvent) { e.Rd--; e.Acc[2].Next-- })
					row.rd++
					row.cnd = row.rd & 0xffff
					return row
				})
			},
			weak: func(r *cpuRun, tr []*stark.Matrix) { r.dropALU = true }},
		{name: "skipped instruction", table: "cpu", rule: "next pc", want: stark.ErrConstraint,
			forge: func(t testing.TB, m *cpuMachine) *cpuRun {
				m.after = func(m *cpuMachine, i int) {
					if i == 1 {
						m.pc += 4
					}
				}
				return cpuRunAllOn(t, m).cpuRun()
			}},
		{name: "repeated instruction", table: "cpu", rule: "next pc", want: stark.ErrConstraint,
			forge: func(t testing.TB, m *cpuMachine) *cpuRun {
				m.after = func(m *cpuMachine, i int) {
					if i == 2 {
						m.pc -= 4
					}
				}
				return cpuRunAllOn(t, m).cpuRun()
			}},
		{name: "branch taken wrongly", table: "cpu", rule: "taken", want: stark.ErrConstraint,
			forge: func(t testing.TB, m *cpuMachine) *cpuRun {
				m.after = func(m *cpuMachine, i int) {
					if e := m.evs[i]; e.Insn == cpuBNE {
						m.pc = e.PC + 8
					}
				}
				cpuRunAllOn(t, m)
				return m.cpuRunWith(func(i int, e *cpuEvent, d decodedInsn) cpuRow {
					row := cpuTwinRow(t, i, e, d, func(*cpuEvent) {})
					if e.Insn == cpuBNE {
						row.taken = 1
					}
					return row
				})
			}},
		{name: "wrong rd write (link value)", table: "cpu", rule: "link value", want: stark.ErrConstraint,
			forge: func(t testing.TB, m *cpuMachine) *cpuRun {
				m.forgeRd = func(i int, v uint64) uint64 {
					if m.code[m.pc] == cpuJAL {
						return v + 4
					}
					return v
				}
				cpuRunAllOn(t, m)
				return m.cpuRunWith(func(i int, e *cpuEvent, d decodedInsn) cpuRow {
					if e.Insn != cpuJAL {
						return cpuTwinRow(t, i, e, d, func(*cpuEvent) {})
					}
					row := cpuTwinRow(t, i, e, d, func(e *cpuEvent) { e.Rd -= 4; e.Acc[2].Next -= 4 })
					row.rd += 4
					row.cnd = row.rd & 0xffff
					return row
				})
			}},
		{name: "register read returning another value", want: stark.ErrUnbalancedBus,
			forge: func(t testing.TB, m *cpuMachine) *cpuRun {
				m.forgeRead = func(i, k int, v uint64) uint64 {
					if i == 2 && k == 0 {
						return v + 1
					}
					return v
				}
				cpuRunAllOn(t, m)
				return m.cpuRunWith(func(i int, e *cpuEvent, d decodedInsn) cpuRow {
					return cpuTwinRow(t, i, e, d, func(e *cpuEvent) { e.Acc[0].Prev, e.Acc[0].Next = e.Rs1, e.Rs1 })
				})
			}},
		{name: "legal word decoded as illegal (forged trap)", table: "decode", rule: "class lookup", want: stark.ErrUnbalancedBus,
			forge: func(t testing.TB, m *cpuMachine) *cpuRun {
				m.decode = func(pc uint64, insn uint32) decodedInsn {
					if insn == cpuAdd3 {
						var ill [numOut]int64
						ill[oSys] = 1
						return decodeWith(pc, insn, ill)
					}
					return decodeInsn(pc, insn)
				}
				return cpuRunAllOn(t, m).cpuRun()
			},
			weak: cpuZeroClassCounts},
		{name: "illegal word decoded as legal (F instruction as ADD)", table: "decode", rule: "class lookup", want: stark.ErrUnbalancedBus,
			forge: func(t testing.TB, m *cpuMachine) *cpuRun {
				m.decode = func(pc uint64, insn uint32) decodedInsn {
					if insn == cpuFADD {
						return decodeWith(pc, insn, classOf(classKeyOf(cpuAdd3)))
					}
					return decodeInsn(pc, insn)
				}
				return cpuRunAllOn(t, m).cpuRun()
			},
			weak: cpuZeroClassCounts},
		{name: "illegal word decoded as legal (ecall with rd != 0)", table: "decode", rule: "fields zero when ok", want: stark.ErrConstraint,
			forge: func(t testing.TB, m *cpuMachine) *cpuRun {
				m.decode = func(pc uint64, insn uint32) decodedInsn {
					d := decodeInsn(pc, insn)
					if insn == cpuECALLRd {
						d.ok, d.sinv = 1, stark.F{}
						d.setFields()
					}
					return d
				}
				return cpuRunAllOn(t, m).cpuRun()
			}},
		{name: "wrong immediate", table: "decode", rule: "instruction bits (high half)", want: stark.ErrConstraint,
			forge: func(t testing.TB, m *cpuMachine) *cpuRun {
				m.override = func(pc uint64, insn uint32) uint32 {
					if pc == cpuUserCode {
						return insn ^ 1<<21 // addi x1, x0, 7 executed where addi x1, x0, 5 is
					}
					return insn
				}
				return cpuRunAllOn(t, m).cpuRun()
			}},
		{name: "mode change without a trap (jump into the kernel)", table: "cpu", rule: "mode transition", want: stark.ErrConstraint,
			forge: func(t testing.TB, _ *cpuMachine) *cpuRun {
				m := cpuKernelJump(t)
				m.after = func(m *cpuMachine, i int) {
					if i == 3 {
						m.mode = 1
					}
				}
				return m.run(6).cpuRun()
			}},
		{name: "user code in the kernel range", table: "decode", rule: "user pc", want: stark.ErrConstraint,
			forge: func(t testing.TB, _ *cpuMachine) *cpuRun {
				r := cpuKernelJump(t).run(6).cpuRun()
				r.patch = func(tr []*stark.Matrix) {
					// The decode rows of the kernel's code claim a user pc.
					for i, d := range r.dec {
						if d.d.pc >= vm.KernelBase {
							tr[tsDecode].SetUint(i, decodeLayout.kr.Index(), 0)
						}
					}
				}
				return r
			}},
		{name: "BEQ taken on unequal operands", table: "cpu", rule: "equal: difference zero", want: stark.ErrConstraint,
			forge: func(t testing.TB, m *cpuMachine) *cpuRun {
				m.after = func(m *cpuMachine, i int) {
					if e := m.evs[i]; e.Insn == cpuBEQNe {
						m.pc = e.PC + 8
					}
				}
				cpuRunAllOn(t, m)
				return m.cpuRunWith(func(i int, e *cpuEvent, d decodedInsn) cpuRow {
					row := cpuTwinRow(t, i, e, d, func(*cpuEvent) {})
					if e.Insn == cpuBEQNe {
						row.taken, row.cnd, row.inv = 1, 1, stark.F{}
					}
					return row
				})
			}},
		{name: "wrong LUI value", table: "cpu", rule: "upper immediate value", want: stark.ErrConstraint,
			forge: func(t testing.TB, m *cpuMachine) *cpuRun {
				m.forgeRd = func(i int, v uint64) uint64 {
					if m.code[m.pc] == cpuLUI {
						return v + 1<<12
					}
					return v
				}
				cpuRunAllOn(t, m)
				return m.cpuRunWith(func(i int, e *cpuEvent, d decodedInsn) cpuRow {
					if e.Insn != cpuLUI {
						return cpuTwinRow(t, i, e, d, func(*cpuEvent) {})
					}
					row := cpuTwinRow(t, i, e, d, func(e *cpuEvent) { e.Rd -= 1 << 12; e.Acc[2].Next -= 1 << 12 })
					row.rd += 1 << 12
					row.cnd = row.rd & 0xffff
					return row
				})
			}},
		{name: "illegal instruction in kernel mode", table: "cpu", rule: "no illegal instruction in kernel mode", want: stark.ErrConstraint,
			forge: func(t testing.TB, _ *cpuMachine) *cpuRun {
				// The kernel's own code, with an F instruction in the middle, run in kernel mode
				// from the kernel entry; the forged row traps as if in user mode.
				m := newCPUMachine(t, map[uint64][]uint32{vm.KernelBase: {cpuEncI(1, 10, 0, 10, 0x13), cpuFADD, cpuEncI(1, 10, 0, 10, 0x13)}}, vm.KernelBase, 1)
				m.decode = func(pc uint64, insn uint32) decodedInsn { return decodeInsn(pc, insn) }
				m.kernelTraps = true
				m.run(3)
				return m.cpuRunWith(func(i int, e *cpuEvent, d decodedInsn) cpuRow {
					return cpuTwinRow(t, i, e, d, func(e *cpuEvent) {
						if e.Insn == cpuFADD {
							e.Mode = 0
						}
					})
				})
			}},
		{name: "user-mode store into the kernel range", table: "cpu", rule: "user access below the kernel range", want: stark.ErrConstraint,
			forge: func(t testing.TB, _ *cpuMachine) *cpuRun {
				m := newCPUMachine(t, map[uint64][]uint32{cpuUserCode: {
					cpuEncI(-1, 0, 0, 6, 0x13), cpuEncI(48, 6, 5, 6, 0x13), cpuEncI(32, 6, 1, 6, 0x13), // x6 = KernelBase
					cpuEncS(0x208, 1, 6, 3), // sd x1, 0x208(x6)
				}}, cpuUserCode, 0)
				return m.run(4).cpuRunWith(func(i int, e *cpuEvent, d decodedInsn) cpuRow {
					// The row as cpuRowOf makes it in kernel mode, where the access is allowed.
					row := cpuTwinRow(t, i, e, d, func(e *cpuEvent) {
						e.Mode = 1
						for k := range e.Acc {
							e.Acc[k].Addr = RegAddr(1, d.reg[k])
						}
					})
					row.nextMode = 0
					return row
				})
			}},
		{name: "start mode other than the mode word", want: stark.ErrUnbalancedBus,
			forge: func(t testing.TB, _ *cpuMachine) *cpuRun {
				m := newCPUMachine(t, cpuAllClasses(), cpuUserCode, 0)
				m.mode = 1 // kernel mode with the mode word saying user
				return m.run(10).cpuRun()
			}},
		{name: "wrong start pc", table: "cpu", rule: "start pc", want: stark.ErrConstraint,
			forge: func(t testing.TB, m *cpuMachine) *cpuRun {
				r := honest(t, m)
				r.pub[PubStartPC].SetUint64(cpuUserCode + 4)
				return r
			}},
		{name: "wrong end pc", table: "cpu", rule: "end pc", want: stark.ErrConstraint,
			forge: func(t testing.TB, m *cpuMachine) *cpuRun {
				r := honest(t, m)
				r.pub[PubEndPC+1].SetUint64(7)
				return r
			}},
	}
}

// cpuKernelJump is a user program that jumps to the kernel's code (jalr to KernelBase), which the
// executor refuses in user mode.
func cpuKernelJump(t testing.TB) *cpuMachine {
	return newCPUMachine(t, map[uint64][]uint32{
		cpuUserCode: {cpuEncI(-1, 0, 0, 6, 0x13), cpuEncI(48, 6, 5, 6, 0x13), cpuEncI(32, 6, 1, 6, 0x13), // x6 = KernelBase
			cpuEncI(0, 6, 0, 0, 0x67)}, // jalr x0, 0(x6)
		vm.KernelBase: {cpuEncI(1, 10, 0, 10, 0x13), cpuEncI(2, 10, 0, 10, 0x13)},
	}, cpuUserCode, 0)
}

func cpuZeroClassCounts(r *cpuRun, tr []*stark.Matrix) {
	if tr != nil {
		clear(tr[tsClass].Cols[0])
	}
}

// TestCPUTampers: each forgery is rejected, and proves once its rule is left out.
func TestCPUTampers(t *testing.T) {
	for _, tc := range cpuTampers() {
		t.Run(tc.name, func(t *testing.T) { runCPUTamper(t, tc) })
	}
}

// TestCPUTraceRejectsInconsistentEvents: trace generation refuses events no execution produces.
func TestCPUTraceRejectsInconsistentEvents(t *testing.T) {
	for name, change := range map[string]func(evs []cpuEvent){
		"next pc":          func(evs []cpuEvent) { evs[3].NextPC += 4 },
		"code word":        func(evs []cpuEvent) { evs[3].CodeWord ^= 1 << 40 },
		"mode":             func(evs []cpuEvent) { evs[3].Mode = 1 },
		"rd value":         func(evs []cpuEvent) { evs[2].Rd++ },
		"operand":          func(evs []cpuEvent) { evs[2].Rs1++ },
		"access timestamp": func(evs []cpuEvent) { evs[2].Acc[0].Ts += 4 },
		"misaligned pc":    func(evs []cpuEvent) { evs[0].PC += 2 },
		"no cycles":        func(evs []cpuEvent) {},
	} {
		t.Run(name, func(t *testing.T) {
			evs := append([]cpuEvent(nil), cpuRunAll(t).evs...)
			change(evs)
			if name == "no cycles" {
				evs = nil
			}
			if _, _, _, err := cpuTraceOf(evs, 0); !errors.Is(err, ErrCPUTrace) {
				t.Fatalf("got %v", err)
			}
		})
	}
	if _, err := decodeTrace([]cpuEvent{{PC: 0x1000, Insn: 0x13, CodeWord: 0x93}}, 0); !errors.Is(err, ErrCPUTrace) {
		t.Fatalf("decode of a word not in its code word: %v", err)
	}
}

// TestDecodeRowsOnePerPC: an instruction executed tens of thousands of times takes one decode row
// (its multiplicity is unbounded), which reads its code word once.
func TestDecodeRowsOnePerPC(t *testing.T) {
	loop := cpuEncB(0, 0, 0, 0) // beq x0, x0, 0: a one-instruction loop
	evs := make([]cpuEvent, 1<<15+5)
	for i := range evs {
		evs[i] = cpuEvent{PC: cpuUserCode, NextPC: cpuUserCode, Insn: loop, CodeWord: uint64(loop)}
	}
	rows, err := decodeRows(evs)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].n != uint64(len(evs)) {
		t.Fatalf("%d rows", len(rows))
	}
	if dt := writeDecodeTrace(rows, 0); dt.code[cpuUserCode] != 1 {
		t.Fatalf("code word read %d times", dt.code[cpuUserCode])
	}
}
