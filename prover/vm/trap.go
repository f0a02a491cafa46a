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
	if m.prof != nil {
		m.prof.trap(pc)
	}
	return nil
}

// mret returns to user mode at the trap-pc word.
func (m *Machine) mret() {
	m.flushBank()
	m.setWord(kMode, 0)
	m.loadBank()
	m.pc = m.word(kEPC)
	m.kernelInstr[m.trapKind] += m.instret - m.trapAt
	if m.prof != nil {
		m.prof.mret()
	}
	// the TLBs may hold kernel-range pages that user mode must not reach; user pages stay
	for i := range m.rtlb {
		if m.rtlb[i].pn >= KernelBase>>pageShift {
			m.rtlb[i] = tlbEntry{pn: ^uint64(0)}
		}
		if m.wtlb[i].pn >= KernelBase>>pageShift {
			m.wtlb[i] = tlbEntry{pn: ^uint64(0)}
		}
	}
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
		if err == errCodeStore {
			return err
		}
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
