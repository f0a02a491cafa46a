package vm

import (
	"encoding/binary"
	"fmt"
)

// The trap mechanism and the host calls of ABI v1 (documented in package kernel).

const machinePN = MachineBase >> pageShift

func (m *Machine) word(off uint64) uint64 { return binary.LittleEndian.Uint64(m.mp.data[off:]) }

func (m *Machine) setWord(off, v uint64) { binary.LittleEndian.PutUint64(m.mp.data[off:], v) }

// bankOff is the machine-page offset of the register bank mode selects.
func bankOff(mode uint8) uint64 {
	if mode == 0 {
		return kUserRegs
	}
	return kKernelRegs
}

// flushBank writes the cached active bank back to the machine page.
func (m *Machine) flushBank() {
	off := bankOff(m.mode)
	for r := 1; r < 32; r++ {
		m.setWord(off+8*uint64(r), m.x[r])
	}
	m.setWord(off, 0)
}

// loadBank reads the mode word and its register bank into the cache.
func (m *Machine) loadBank() {
	m.mode = uint8(m.word(kMode))
	off := bankOff(m.mode)
	m.x[0] = 0
	for r := 1; r < 32; r++ {
		m.x[r] = m.word(off + 8*uint64(r))
	}
}

// trap enters the kernel from user mode: cause and pc to the machine page, the user bank out,
// the kernel bank in, pc to the kernel entry. In kernel mode it is a kernel bug.
func (m *Machine) trap(cause, pc uint64) error {
	if m.mode != 0 {
		return m.fault(ErrKernelBug, pc, fmt.Sprintf("trap cause %d in kernel mode", cause))
	}
	m.flushBank()
	m.setWord(kCause, cause)
	m.setWord(kEPC, pc)
	m.setWord(kMode, 1)
	m.loadBank()
	m.pc = KernelBase
	m.trapKind = 0
	if cause != causeEcallU {
		m.trapKind = 1
		if m.emuByPC != nil {
			m.emuByPC[pc]++
		}
	}
	m.traps[m.trapKind]++
	m.trapAt = m.instret
	return nil
}

// mret returns to user mode at the trap-pc word.
func (m *Machine) mret() {
	m.flushBank()
	m.setWord(kMode, 0)
	m.loadBank()
	m.pc = m.word(kEPC)
	m.kernelInstr[m.trapKind] += m.instret - m.trapAt
	// the TLBs may hold kernel-range pages that user mode must not reach
	m.invalidateCaches()
}

// hostCall serves an ecall made in kernel mode at pc.
func (m *Machine) hostCall(pc uint64) error {
	num, a0, a1, a2 := m.x[17], m.x[10], m.x[11], m.x[12]
	m.pc = pc + 4
	switch num {
	case hostHalt:
		if m.bootPass {
			return stopSignal{}
		}
		m.exited, m.exitCode, m.mmapFailed = true, int(a0&0xff), a1&1 != 0
		return haltSignal{}
	case hostRead:
		if m.bootPass {
			return stopSignal{}
		}
		m.sawRead = true
		n, err := m.hostRead(a0, a1)
		if err != nil {
			return m.fault(err, pc, fmt.Sprintf("host READ(%#x, %d)", a0, a1))
		}
		m.x[10] = n
	case hostWrite:
		if m.bootPass {
			return stopSignal{}
		}
		m.sawWrite = true
		n, err := m.hostWrite(a0, a1, a2)
		if err != nil {
			return m.fault(err, pc, fmt.Sprintf("host WRITE(%d, %#x, %d)", a0, a1, a2))
		}
		m.x[10] = n
	case hostReady:
		switch {
		case m.ready:
			return m.fault(ErrSecondReady, m.word(kEPC)-4, "")
		case m.sawRead:
			return m.fault(ErrInputBeforeReady, m.word(kEPC)-4, "")
		case m.sawWrite:
			return m.fault(ErrOutputBeforeReady, m.word(kEPC)-4, "")
		}
		m.ready = true
		m.x[10] = 0
		if m.bootPass {
			return stopSignal{ready: true}
		}
	case hostFault:
		return m.kernelFault(a0, a1, uint32(a2))
	case hostFPExec:
		r, err := m.hostFP(a0, a1, uint32(a2))
		if err != nil {
			return m.fault(err, pc, "host FPEXEC")
		}
		m.x[10] = r
	default:
		return m.fault(ErrKernelBug, pc, fmt.Sprintf("unknown host call %d", num))
	}
	return nil
}

// kernelFault turns a FAULT host call into the error that names the user's pc, instruction
// and symbol.
func (m *Machine) kernelFault(cause, epc uint64, insn uint32) error {
	var err error
	detail := ""
	switch cause {
	case causeIllegal:
		err = ErrIllegalInstr
		if insn&3 != 3 {
			err = ErrCompressedInstr
		}
	case causeAccess:
		err = ErrMemoryFault
		detail = "floating-point load or store"
	case faultDeadlock:
		err = ErrDeadlock
		detail = fmt.Sprintf("%d threads", insn)
	default:
		err = ErrKernelFault
		detail = fmt.Sprintf("cause %#x", cause)
	}
	f := &Fault{Err: err, PC: epc, Raw: insn, Symbol: m.symbol(epc), Detail: detail}
	if cause == faultDeadlock {
		f.Raw = 0
		if p := m.mem.lookup(epc >> pageShift); p != nil && epc&3 == 0 && epc < KernelBase {
			f.Raw = binary.LittleEndian.Uint32(p.data[epc&0xfff:])
		}
	}
	return f
}

func (m *Machine) hostRead(a, n uint64) (uint64, error) {
	pos := m.inPos
	if pos >= m.stdinTotal {
		return 0, nil
	}
	n = min(pageChunk(a, n), m.stdinTotal-pos)
	if n == 0 {
		return 0, nil
	}
	if pos < m.stdinBase || pos+n > m.stdinBase+uint64(len(m.stdin)) {
		return 0, fmt.Errorf("%w: input bytes [%d, %d) are not in the record", ErrReplayMismatch, pos, pos+n)
	}
	if err := m.writeMem(a, m.stdin[pos-m.stdinBase:pos-m.stdinBase+n]); err != nil {
		return 0, err
	}
	m.inPos += n
	return n, nil
}

func (m *Machine) hostWrite(fd, a, n uint64) (uint64, error) {
	if fd < FdStdout || fd > FdJournal {
		return 0, fmt.Errorf("%w: WRITE to fd %d", ErrKernelBug, fd)
	}
	n = pageChunk(a, n)
	b, err := m.readMem(a, n)
	if err != nil {
		return 0, err
	}
	m.out[fd] = append(m.out[fd], b...)
	if m.record {
		m.segOut = append(m.segOut, Output{Fd: uint8(fd), Data: b})
	}
	if m.forwardWrite != nil {
		m.forwardWrite(int(fd), b)
	}
	return n, nil
}

// Results of the interim FPEXEC host call (softfp.h's FP_OK, FP_ILLEGAL, FP_ACCESS).
const (
	fpOK      = 0
	fpIllegal = 1
	fpAccess  = 2
)

// hostFP executes one F/D/fcsr instruction for the kernel with the Go reference
// implementation (fp.go), on the kernel's struct fpu at fpuAddr and the user bank at xAddr.
// It is the interim FPEXEC host call, used only while the kernel lacks softfp.c.
func (m *Machine) hostFP(fpuAddr, xAddr uint64, insn uint32) (uint64, error) {
	var s fpu
	for i := range s.f {
		v, err := m.load(fpuAddr+8*uint64(i), 8)
		if err != nil {
			return 0, err
		}
		s.f[i] = v
	}
	fcsr, err := m.load(fpuAddr+256, 4)
	if err != nil {
		return 0, err
	}
	s.frm, s.fflags = uint8(fcsr>>5&7), uint32(fcsr&31)
	for i := 1; i < 32; i++ {
		if s.x[i], err = m.load(xAddr+8*uint64(i), 8); err != nil {
			return 0, err
		}
	}
	rd := insn >> 7 & 31
	rs1 := insn >> 15 & 31
	f3 := insn >> 12 & 7
	userOK := func(a, size uint64) bool {
		return a >= nullGuard && a+size >= a && a+size <= KernelBase
	}
	switch insn & 0x7f {
	case 0x07: // FLW, FLD
		if f3 != 2 && f3 != 3 {
			return fpIllegal, nil
		}
		size := uint64(4) << (f3 - 2)
		a := s.x[rs1] + uint64(int64(int32(insn)>>20))
		if !userOK(a, size) {
			return fpAccess, nil
		}
		v, err := m.load(a, size)
		if err != nil {
			return 0, err
		}
		if size == 4 {
			v = boxS(uint32(v))
		}
		s.f[rd] = v
	case 0x27: // FSW, FSD
		if f3 != 2 && f3 != 3 {
			return fpIllegal, nil
		}
		size := uint64(4) << (f3 - 2)
		a := s.x[rs1] + uint64(int64(int32(insn)>>25<<5)|int64(insn>>7&31))
		if !userOK(a, size) {
			return fpAccess, nil
		}
		if err := m.store(a, size, s.f[insn>>20&31]); err != nil {
			return 0, err
		}
		return fpOK, nil
	case 0x73:
		if !s.csr(insn) {
			return fpIllegal, nil
		}
	case 0x43, 0x47, 0x4b, 0x4f, 0x53:
		if !fpValid(insn) || !s.execFP(insn) {
			return fpIllegal, nil
		}
	default:
		return fpIllegal, nil
	}
	for i, v := range s.f {
		if err := m.store(fpuAddr+8*uint64(i), 8, v); err != nil {
			return 0, err
		}
	}
	if err := m.store(fpuAddr+256, 4, uint64(s.frm)<<5|uint64(s.fflags)); err != nil {
		return 0, err
	}
	if rd != 0 {
		if err := m.store(xAddr+8*uint64(rd), 8, s.x[rd]); err != nil {
			return 0, err
		}
	}
	return fpOK, nil
}

// csr executes a CSR instruction on fflags (1), frm (2) or fcsr (3).
func (s *fpu) csr(insn uint32) bool {
	num := insn >> 20
	f3 := insn >> 12 & 7
	rs1 := insn >> 15 & 31
	rd := insn >> 7 & 31
	if f3 == 0 || f3 == 4 {
		return false
	}
	src := s.x[rs1]
	if f3 >= 5 {
		src = uint64(rs1) // immediate forms
	}
	var old uint64
	switch num {
	case 1:
		old = uint64(s.fflags)
	case 2:
		old = uint64(s.frm)
	case 3:
		old = uint64(s.frm)<<5 | uint64(s.fflags)
	default:
		return false
	}
	nv, write := src, true
	switch f3 & 3 {
	case 2:
		nv, write = old|src, rs1 != 0
	case 3:
		nv, write = old&^src, rs1 != 0
	}
	if write {
		switch num {
		case 1:
			s.fflags = uint32(nv & 31)
		case 2:
			s.frm = uint8(nv & 7)
		case 3:
			s.fflags = uint32(nv & 31)
			s.frm = uint8(nv >> 5 & 7)
		}
	}
	if rd != 0 {
		s.x[rd] = old
	}
	return true
}

// Guest file descriptors (the stf guest I/O ABI): input on 0, captured output on 1 and 2,
// the journal on 3.
const (
	FdStdin   = 0
	FdStdout  = 1
	FdStderr  = 2
	FdJournal = 3
)

// Output is one write to a captured descriptor, kept in segment records.
type Output struct {
	Fd   uint8
	Data []byte
}

// pageChunk clamps n so that [a, a+n) stays in one page: host I/O moves at most one page
// per call, which bounds its paging cost.
func pageChunk(a, n uint64) uint64 {
	if r := PageSize - a&0xfff; n > r {
		return r
	}
	return n
}

func (m *Machine) readMem(a, n uint64) ([]byte, error) {
	b := make([]byte, n)
	for i := range b {
		v, err := m.load(a+uint64(i), 1)
		if err != nil {
			return nil, err
		}
		b[i] = byte(v)
	}
	return b, nil
}

func (m *Machine) writeMem(a uint64, b []byte) error {
	for i, c := range b {
		if err := m.store(a+uint64(i), 1, uint64(c)); err != nil {
			return err
		}
	}
	return nil
}
