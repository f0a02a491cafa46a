package vm

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// Tracing: the per-cycle event stream that the RISC-V AIR's trace is generated from
// (prover/rv64). TraceSegment replays a segment from its record exactly as ReplaySegment does,
// stepping the same interpreter one instruction at a time and describing each step by what it
// read and wrote, so the fast interpreter carries no tracing code.

// ErrBankAccess reports a kernel load, store or host-call transfer that touches the active
// (kernel) register bank or the mode word through memory. The executor caches both, so such an
// access sees stale words, and the AIR, which treats registers as memory, could not prove the
// executor's result. The kernel never does this; a segment that does cannot be traced.
var ErrBankAccess = errors.New("vm: kernel memory access to the active register bank or the mode word")

// StepKind classifies a cycle.
type StepKind uint8

const (
	StepInstr    StepKind = iota // an RV64IMA instruction (FENCE included) executed
	StepTrap                     // a user-mode instruction trapped instead of executing (Cause 2 or 8)
	StepMret                     // mret in kernel mode
	StepHostCall                 // a kernel-mode ecall other than HALT: READ or WRITE
	StepHalt                     // the HALT host call; the segment's last step
)

var stepKindNames = [...]string{"instr", "trap", "mret", "hostcall", "halt"}

func (k StepKind) String() string {
	if int(k) < len(stepKindNames) {
		return stepKindNames[k]
	}
	return fmt.Sprintf("StepKind(%d)", uint8(k))
}

// Access slots: the AIR timestamps an access of cycle c in slot s at 4c + s + 1 (timestamp 0
// is the page-in value).
const (
	SlotRs1 = 0 // the rs1 operand
	SlotRs2 = 1 // the rs2 operand
	SlotMem = 2 // the memory operand, and the system accesses of traps, mret and host calls
	SlotRd  = 3 // the rd result, and a host call's a0 result
)

// Access is one aligned 8-byte word access. Old is the word before the access and New after
// it; New == Old for a read.
type Access struct {
	Addr     uint64 // 8-aligned
	Old, New uint64
	Slot     uint8
}

// Timestamp is the memory-bus timestamp of an access in the given cycle.
func Timestamp(cycle uint64, slot uint8) uint64 { return 4*cycle + uint64(slot) + 1 }

// RegAddr is the address of the memory word that holds register r in the bank mode selects.
func RegAddr(mode, r uint8) uint64 { return MachineBase + bankOff(mode) + 8*uint64(r&31) }

// Step describes one cycle of the CPU: one executed instruction, a trap, an mret or a host call.
// TraceSegment reuses one Step (and its slices) for every call of its visitor: copy what must
// outlive the call.
type Step struct {
	Cycle  uint64   // 0-based within the segment
	PC     uint64   // the instruction's address
	NextPC uint64   // the pc after the step (KernelBase after a trap, the trap pc after mret)
	Insn   uint32   // the word fetched at PC (operand size and signedness are in it)
	Mode   uint8    // the mode the step executed in: 0 user, 1 kernel
	Kind   StepKind //
	Cause  uint64   // StepTrap: 2 illegal instruction, 8 ecall from user mode

	// Register operands as the instruction reads and writes them, in the bank Mode selects
	// (RegAddr). Rs1/Rs2 are reported whenever the format has them, x0 included (value 0). Rd is
	// reported only when the instruction writes a register other than x0: RdOld is the word
	// before, RdVal the value written. Traps, mret and host calls have none (a host call's
	// registers are in Mem).
	HasRs1, HasRs2, HasRd bool
	Rs1, Rs2, Rd          uint8
	Rs1Val, Rs2Val        uint64
	RdOld, RdVal          uint64

	// MemAddr is the byte address of a load, store, LR, SC or AMO (rs1 + imm).
	MemAddr uint64
	// Mem lists every access other than the register operands, in program order (which is
	// timestamp order): a load's or store's words (a misaligned access is its two aligned
	// words, an AMO or SC one read-modify-write); the LR reservation word that LR writes (after
	// its load) and SC reads and clears (after its store); a trap's writes of cause, trap pc and mode; mret's read of the trap
	// pc and write of mode; a host call's reads of a7, a0, a1, a2 (kernel bank), then the words
	// READ writes or WRITE reads, then (READ, WRITE) its write of a0 in SlotRd.
	Mem []Access

	// Host calls (StepHostCall, StepHalt): number (a7), arguments (a0..a2), result (a0; READ and
	// WRITE), Fd for WRITE, and Data: the bytes READ wrote to memory or WRITE read from it.
	Call uint64
	Args [3]uint64
	Ret  uint64
	Fd   uint8
	Data []byte
}

// Accesses appends every access of the step to dst in timestamp order: rs1, rs2, Mem, rd.
func (s *Step) Accesses(dst []Access) []Access {
	if s.HasRs1 {
		dst = append(dst, Access{Addr: RegAddr(s.Mode, s.Rs1), Old: s.Rs1Val, New: s.Rs1Val, Slot: SlotRs1})
	}
	if s.HasRs2 {
		dst = append(dst, Access{Addr: RegAddr(s.Mode, s.Rs2), Old: s.Rs2Val, New: s.Rs2Val, Slot: SlotRs2})
	}
	dst = append(dst, s.Mem...)
	if s.HasRd {
		dst = append(dst, Access{Addr: RegAddr(s.Mode, s.Rd), Old: s.RdOld, New: s.RdVal, Slot: SlotRd})
	}
	return dst
}

// TraceSegment re-executes a segment from its record as ReplaySegment does (the same checks,
// errors and end state) and calls visit once per cycle, in order, with the step that cycle
// executed (paging cycles are not steps). An error from visit stops the trace and is returned
// as is. The steps describe the segment's execution only if TraceSegment returns nil: a
// tampered record is detected by the end checks, after the visits. TraceSegment also sets
// seg.FetchedPages.
func TraceSegment(ctx context.Context, seg *Segment, visit func(*Step) error) error {
	m, tree, err := replayMachine(seg)
	if err != nil {
		return err
	}
	t := &tracer{m: m}
	st := new(Step)
	halted := false
	for !m.segmentFull() {
		if m.instret&(1<<16-1) == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		h, err := t.step(st)
		if err == errCodeStore {
			err = m.cutSegment() // the store was not executed: no step
			if err == nil {
				break
			}
		}
		if err != nil {
			if errors.Is(err, ErrBankAccess) {
				return err
			}
			return fmt.Errorf("%w: %w", ErrReplayMismatch, err)
		}
		if err := visit(st); err != nil {
			return err
		}
		if h {
			halted = true
			break
		}
	}
	if err := m.replayEnd(seg, tree, halted); err != nil {
		return err
	}
	seg.FetchedPages = slices.Sorted(slices.Values(m.fetched))
	return nil
}

// tracer holds the scratch state of one trace.
type tracer struct {
	m   *Machine
	old []uint64 // the words of a step's transfer before it runs, lowest address first
}

// peek reads the aligned word holding a without paging (0 where no page exists: the step
// itself then faults).
func (m *Machine) peek(a uint64) uint64 {
	if a >= 1<<AddrBits {
		return 0
	}
	if p := m.mem.lookup(a >> pageShift); p != nil {
		return binary.LittleEndian.Uint64(p.data[a&0xff8:])
	}
	return 0
}

// operands reports which register fields an RV64IMA instruction format uses.
func operands(raw uint32) (rs1, rs2, rd bool) {
	switch raw & 0x7f {
	case 0x37, 0x17, 0x6f: // LUI, AUIPC, JAL
		return false, false, true
	case 0x67, 0x03, 0x13, 0x1b: // JALR, LOAD, OP-IMM, OP-IMM-32
		return true, false, true
	case 0x23, 0x63: // STORE, BRANCH
		return true, true, false
	case 0x33, 0x3b: // OP, OP-32
		return true, true, true
	case 0x2f: // AMO; LR has no rs2
		return true, raw>>27 != 0b00010, true
	}
	return false, false, false // FENCE
}

// step executes one instruction and describes it in st; halted reports HALT.
func (t *tracer) step(st *Step) (halted bool, err error) {
	m := t.m
	pc, mode := m.pc, m.mode
	*st = Step{Cycle: m.instret - m.segStartIn, PC: pc, Mode: mode, Mem: st.Mem[:0]}
	if pc < 1<<AddrBits && pc&3 == 0 {
		if p := m.mem.lookup(pc >> pageShift); p != nil {
			st.Insn = binary.LittleEndian.Uint32(p.data[pc&0xfff:])
		}
	}
	in := decode(st.Insn, pc)
	xb := m.x

	// the words the step may write, before it runs
	var a, size uint64
	switch in.op {
	case opLB, opLH, opLW, opLD, opLBU, opLHU, opLWU:
		a, size = xb[in.rs1]+uint64(in.imm), loadSize[in.op]
	case opSB, opSH, opSW, opSD:
		a, size = xb[in.rs1]+uint64(in.imm), storeSize[in.op]
	case opLRW, opSCW, opAMOW:
		a, size = xb[in.rs1], 4
	case opLRD, opSCD, opAMOD:
		a, size = xb[in.rs1], 8
	}
	var lo, hi uint64 // the aligned words [lo, hi] of a data transfer
	if size != 0 {
		lo, hi = a&^7, (a+size-1)&^7
	}
	hostCall := mode == 1 && in.op == opECALL
	num := xb[17]
	if hostCall && num == hostRead {
		a, size = xb[10], pageChunk(xb[10], xb[11])
		if size != 0 {
			lo, hi = a&^7, (a+size-1)&^7
		}
	}
	t.old = t.old[:0]
	if size != 0 && hi >= lo && hi-lo < PageSize {
		for w := lo; w <= hi; w += 8 {
			t.old = append(t.old, m.peek(w))
		}
	}
	cause0, epc0, res0 := m.word(kCause), m.word(kEPC), m.word(kReserve)
	inPos0 := m.inPos

	m.stop = m.instret + 1
	if err := m.run(); err != nil {
		if _, ok := err.(haltSignal); !ok {
			return false, err
		}
		halted = true
	}
	st.NextPC = m.pc

	switch {
	case mode == 0 && m.mode == 1:
		st.Kind = StepTrap
		st.Cause = m.word(kCause)
		st.Mem = append(st.Mem,
			Access{Addr: MachineBase + kCause, Old: cause0, New: st.Cause, Slot: SlotMem},
			Access{Addr: MachineBase + kEPC, Old: epc0, New: m.word(kEPC), Slot: SlotMem},
			Access{Addr: MachineBase + kMode, Old: 0, New: 1, Slot: SlotMem})
		return false, nil
	case mode == 1 && m.mode == 0:
		st.Kind = StepMret
		st.Mem = append(st.Mem,
			Access{Addr: MachineBase + kEPC, Old: epc0, New: epc0, Slot: SlotMem},
			Access{Addr: MachineBase + kMode, Old: 1, New: 0, Slot: SlotMem})
		return false, nil
	case hostCall:
		return halted, t.host(st, &xb, num, inPos0)
	}

	st.Kind = StepInstr
	rs1, rs2, rd := operands(st.Insn)
	if rs1 {
		st.HasRs1, st.Rs1 = true, uint8(st.Insn>>15&31)
		st.Rs1Val = xb[st.Rs1]
	}
	if rs2 {
		st.HasRs2, st.Rs2 = true, uint8(st.Insn>>20&31)
		st.Rs2Val = xb[st.Rs2]
	}
	if r := uint8(st.Insn >> 7 & 31); rd && r != 0 {
		st.HasRd, st.Rd, st.RdOld, st.RdVal = true, r, xb[r], m.x[r]
	}
	if size == 0 {
		return false, nil
	}
	st.MemAddr = a
	if mode == 1 && bankWord(lo, hi) {
		return false, fmt.Errorf("%w: pc %#x accesses %#x", ErrBankAccess, pc, a)
	}
	switch in.op {
	case opLRW, opLRD:
		v := m.peek(lo)
		st.Mem = append(st.Mem,
			Access{Addr: lo, Old: v, New: v, Slot: SlotMem},
			Access{Addr: MachineBase + kReserve, Old: res0, New: a, Slot: SlotMem})
	case opSCW, opSCD: // the executor's order: the store (when it succeeds), then the clear
		if res0 == a {
			st.Mem = append(st.Mem, Access{Addr: lo, Old: t.old[0], New: m.peek(lo), Slot: SlotMem})
		}
		st.Mem = append(st.Mem, Access{Addr: MachineBase + kReserve, Old: res0, New: 0, Slot: SlotMem})
	default:
		t.words(st, lo, hi)
	}
	return false, nil
}

// words appends the accesses to the aligned words [lo, hi], old values from the snapshot.
func (t *tracer) words(st *Step, lo, hi uint64) {
	for i, w := 0, lo; w <= hi; i, w = i+1, w+8 {
		st.Mem = append(st.Mem, Access{Addr: w, Old: t.old[i], New: t.m.peek(w), Slot: SlotMem})
	}
}

// bankWord reports whether the aligned words [lo, hi] meet the kernel bank or the mode word.
func bankWord(lo, hi uint64) bool {
	return hi >= MachineBase+kKernelRegs && lo < MachineBase+kCause
}

// host describes a host call (READ, WRITE or HALT; the others stop the replay with an error).
func (t *tracer) host(st *Step, xb *[33]uint64, num, inPos0 uint64) error {
	m := t.m
	st.Kind = StepHostCall
	if num == hostHalt {
		st.Kind = StepHalt
	}
	st.Call, st.Args = num, [3]uint64{xb[10], xb[11], xb[12]}
	for _, r := range []uint8{17, 10, 11, 12} {
		st.Mem = append(st.Mem, Access{Addr: RegAddr(1, r), Old: xb[r], New: xb[r], Slot: SlotMem})
	}
	if num == hostHalt {
		return nil
	}
	n := m.x[10]
	st.Ret = n
	var a uint64
	switch num {
	case hostRead:
		a = xb[10]
		st.Data = m.stdin[inPos0-m.stdinBase : inPos0-m.stdinBase+n]
	case hostWrite:
		a, st.Fd = xb[11], uint8(xb[10])
		st.Data = m.segOut[len(m.segOut)-1].Data
	}
	if n != 0 {
		lo, hi := a&^7, (a+n-1)&^7
		if bankWord(lo, hi) {
			return fmt.Errorf("%w: host call %d at pc %#x transfers [%#x, %#x)", ErrBankAccess, num, st.PC, a, a+n)
		}
		if num == hostRead {
			t.words(st, lo, hi)
		} else {
			for w := lo; w <= hi; w += 8 {
				v := m.peek(w)
				st.Mem = append(st.Mem, Access{Addr: w, Old: v, New: v, Slot: SlotMem})
			}
		}
	}
	st.Mem = append(st.Mem, Access{Addr: RegAddr(1, 10), Old: xb[10], New: n, Slot: SlotRd})
	return nil
}
