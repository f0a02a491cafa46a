package vm

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

// Kernel is the emulated kernel's state that survives a segment boundary. It is part of a
// segment's start and end state so that a segment can be replayed alone.
type Kernel struct {
	MmapNext  uint64 // next address for anonymous mappings without a usable hint
	SleepNS   uint64 // nanoseconds added to the clock by nanosleep and futex timeouts
	NextTID   uint64 // thread id returned by the next clone
	ResAddr   uint64 // LR reservation address
	ResValid  bool
	InputPos  uint64 // bytes of stdin consumed
	Instret   uint64 // instructions retired since the start of the run
	Paging    uint64 // paging cycles charged since the start of the run
	OOMSignal bool   // an mmap failed for lack of address space
}

// Machine is one single-hart RV64IMAFD machine with its emulated Linux kernel.
type Machine struct {
	x      [33]uint64 // x[32] is the sink for writes to x0
	f      [32]uint64
	pc     uint64
	frm    uint8
	fflags uint32
	k      Kernel

	prog *Program
	mem  memory

	// direct-mapped page caches (TLBs): a page is cached for reads once paged in this
	// segment, for writes once marked for page-out in this segment
	rtlb, wtlb [tlbSize]tlbEntry

	seg        uint32 // segment epoch, starts at 1
	segLimit   uint64 // cycles per segment (2^po2)
	segStartIn uint64 // Instret at segment start
	segStartPg uint64 // Paging at segment start
	segStartFP uint64 // fpOps at segment start
	stop       uint64 // Instret value at which the loop must leave the fast path
	maxCycles  uint64

	record  bool     // keep segment records (start contents of written pages)
	touched []uint64 // pages paged in this segment, in first-touch order
	dirtied []uint64 // pages marked for page-out this segment

	// replay: only the pages of a record exist
	strict bool

	stdin        []byte
	stdinBase    uint64 // offset of stdin[0] in the whole input (replay holds a window)
	stdinTotal   uint64
	out          [4][]byte // captured output by fd (1 stdout, 2 stderr, 3 journal)
	segOut       []Output
	exited       bool
	exitCode     int
	fpOps        uint64
	fpByPC       map[uint64]uint64
	forwardWrite func(fd int, b []byte)

	threads   []Thread // all guest threads; the running one's registers live in x, f, pc
	curThread int

	markPC      uint64 // main.main: its first execution records markInstret
	markInstret uint64
	markFP      uint64
	markOrig    inst
}

const tlbSize = 64

type tlbEntry struct {
	pn   uint64
	data *[PageSize]byte
}

func (m *Machine) cycles() uint64 { return m.k.Instret + m.k.Paging }

func (m *Machine) fault(err error, pc uint64, detail string) error {
	f := &Fault{Err: err, PC: pc, Detail: detail}
	if p := m.mem.lookup(pc >> pageShift); p != nil && pc&3 == 0 {
		f.Raw = binary.LittleEndian.Uint32(p.data[pc&0xfff:])
	}
	if m.prog != nil {
		f.Symbol = m.prog.Symbol(pc)
	}
	return f
}

func (m *Machine) countFP() {
	m.fpOps++
	if m.fpByPC != nil {
		m.fpByPC[m.pc]++
	}
}

func (m *Machine) invalidateCaches() {
	for i := range m.rtlb {
		m.rtlb[i] = tlbEntry{pn: ^uint64(0)}
		m.wtlb[i] = tlbEntry{pn: ^uint64(0)}
	}
}

// chargePaging adds paging cycles to the current segment.
func (m *Machine) chargePaging(c uint64) {
	m.k.Paging += c
	if m.stop > c {
		m.stop -= c
	} else {
		m.stop = 0
	}
}

// touch pages pn in (and out, for writes) in the current segment.
func (m *Machine) touch(pn uint64, write bool) (*page, error) {
	if pn >= 1<<PageBits || pn < nullGuard>>pageShift {
		return nil, ErrMemoryFault
	}
	var p *page
	if m.strict {
		p = m.mem.lookup(pn)
		if p == nil {
			return nil, fmt.Errorf("%w: page %#x is not in the segment record", ErrReplayMismatch, pn<<pageShift)
		}
	} else {
		var err error
		if p, err = m.mem.alloc(pn); err != nil {
			return nil, err
		}
	}
	if p.inSeg != m.seg {
		p.inSeg = m.seg
		m.touched = append(m.touched, pn)
		m.chargePaging(PageInCycles)
	}
	if write {
		if p.outSeg != m.seg {
			p.outSeg = m.seg
			m.dirtied = append(m.dirtied, pn)
			m.chargePaging(PageOutCycles)
			if m.record {
				o := new([PageSize]byte)
				*o = p.data
				p.orig = o
			}
		}
		p.code = nil
	}
	return p, nil
}

func (m *Machine) loadSlow(a uint64, size uint64) (uint64, error) {
	if a+size < a || (a+size-1)>>pageShift >= 1<<PageBits {
		return 0, ErrMemoryFault
	}
	if a&0xfff <= PageSize-size {
		p, err := m.touch(a>>pageShift, false)
		if err != nil {
			return 0, err
		}
		m.rtlb[a>>pageShift&(tlbSize-1)] = tlbEntry{a >> pageShift, &p.data}
		var b [8]byte
		copy(b[:], p.data[a&0xfff:a&0xfff+size])
		return binary.LittleEndian.Uint64(b[:]), nil
	}
	var v uint64
	for i := uint64(0); i < size; i++ {
		p, err := m.touch((a+i)>>pageShift, false)
		if err != nil {
			return 0, err
		}
		v |= uint64(p.data[(a+i)&0xfff]) << (8 * i)
	}
	m.invalidateCaches()
	return v, nil
}

func (m *Machine) storeSlow(a uint64, size uint64, v uint64) error {
	if a+size < a || (a+size-1)>>pageShift >= 1<<PageBits {
		return ErrMemoryFault
	}
	if a&0xfff <= PageSize-size {
		p, err := m.touch(a>>pageShift, true)
		if err != nil {
			return err
		}
		m.wtlb[a>>pageShift&(tlbSize-1)] = tlbEntry{a >> pageShift, &p.data}
		m.rtlb[a>>pageShift&(tlbSize-1)] = tlbEntry{a >> pageShift, &p.data}
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], v)
		copy(p.data[a&0xfff:], b[:size])
		return nil
	}
	for i := uint64(0); i < size; i++ {
		p, err := m.touch((a+i)>>pageShift, true)
		if err != nil {
			return err
		}
		p.data[(a+i)&0xfff] = byte(v >> (8 * i))
	}
	m.invalidateCaches()
	return nil
}

func (m *Machine) load(a, size uint64) (uint64, error) {
	if e := &m.rtlb[a>>pageShift&(tlbSize-1)]; e.pn == a>>pageShift && a&0xfff <= PageSize-8 {
		return binary.LittleEndian.Uint64(e.data[a&0xfff:]) & (^uint64(0) >> (64 - 8*size)), nil
	}
	return m.loadSlow(a, size)
}

func (m *Machine) store(a, size, v uint64) error {
	if e := &m.wtlb[a>>pageShift&(tlbSize-1)]; e.pn == a>>pageShift && a&0xfff <= PageSize-size {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], v)
		copy(e.data[a&0xfff:], b[:size])
		return nil
	}
	return m.storeSlow(a, size, v)
}

// codePage returns the predecoded instructions of page pn, paging it in.
func (m *Machine) codePage(pn uint64) (*[PageSize / 4]inst, error) {
	p, err := m.touch(pn, false)
	if err != nil {
		return nil, err
	}
	if p.code == nil {
		c := new([PageSize / 4]inst)
		base := pn << pageShift
		for i := range c {
			c[i] = decode(binary.LittleEndian.Uint32(p.data[i*4:]), base+uint64(i)*4)
		}
		if m.markPC>>pageShift == pn && m.markInstret == 0 {
			i := m.markPC >> 2 & (PageSize/4 - 1)
			m.markOrig = c[i]
			c[i] = inst{op: opMark}
		}
		p.code = c
		if e := &m.wtlb[pn&(tlbSize-1)]; e.pn == pn {
			// writes to this page must go through the slow path that drops the decoding
			*e = tlbEntry{pn: ^uint64(0)}
		}
	}
	return p.code, nil
}

// errHalt is returned internally when the guest exits.
type haltSignal struct{}

func (haltSignal) Error() string { return "halt" }

// run executes instructions until m.k.Instret reaches m.stop, the guest exits, or an error.
func (m *Machine) run() error {
	x := &m.x
	pc := m.pc
	n := m.k.Instret
	cpn := ^uint64(0)
	var code *[PageSize / 4]inst
	defer func() { m.k.Instret = n }()
	for n < m.stop {
		if pc>>pageShift != cpn {
			if pc&3 != 0 {
				m.pc = pc
				return m.fault(ErrMisalignedPC, pc, "")
			}
			c, err := m.codePage(pc >> pageShift)
			if err != nil {
				m.pc = pc
				return m.fault(err, pc, "instruction fetch")
			}
			code, cpn = c, pc>>pageShift
		}
		in := &code[pc>>2&(PageSize/4-1)]
		n++
		switch in.op {
		case opLUI:
			x[in.rd] = uint64(in.imm)
		case opAUIPC:
			x[in.rd] = uint64(in.imm)
		case opJAL:
			x[in.rd] = pc + 4
			pc = uint64(in.imm)
			continue
		case opJALR:
			t := (x[in.rs1] + uint64(in.imm)) &^ 1
			x[in.rd] = pc + 4
			pc = t
			continue
		case opBEQ:
			if x[in.rs1] == x[in.rs2] {
				pc = uint64(in.imm)
				continue
			}
		case opBNE:
			if x[in.rs1] != x[in.rs2] {
				pc = uint64(in.imm)
				continue
			}
		case opBLT:
			if int64(x[in.rs1]) < int64(x[in.rs2]) {
				pc = uint64(in.imm)
				continue
			}
		case opBGE:
			if int64(x[in.rs1]) >= int64(x[in.rs2]) {
				pc = uint64(in.imm)
				continue
			}
		case opBLTU:
			if x[in.rs1] < x[in.rs2] {
				pc = uint64(in.imm)
				continue
			}
		case opBGEU:
			if x[in.rs1] >= x[in.rs2] {
				pc = uint64(in.imm)
				continue
			}
		case opLB, opLH, opLW, opLD, opLBU, opLHU, opLWU:
			a := x[in.rs1] + uint64(in.imm)
			var v uint64
			if e := &m.rtlb[a>>pageShift&(tlbSize-1)]; e.pn == a>>pageShift && a&0xfff <= PageSize-8 {
				v = binary.LittleEndian.Uint64(e.data[a&0xfff:])
			} else {
				var err error
				m.pc, m.k.Instret = pc, n
				if v, err = m.loadSlow(a, loadSize[in.op]); err != nil {
					return m.fault(err, pc, fmt.Sprintf("load from %#x", a))
				}
			}
			switch in.op {
			case opLB:
				v = uint64(int64(int8(v)))
			case opLH:
				v = uint64(int64(int16(v)))
			case opLW:
				v = uint64(int64(int32(v)))
			case opLBU:
				v = uint64(uint8(v))
			case opLHU:
				v = uint64(uint16(v))
			case opLWU:
				v = uint64(uint32(v))
			}
			x[in.rd] = v
		case opSD:
			a := x[in.rs1] + uint64(in.imm)
			if e := &m.wtlb[a>>pageShift&(tlbSize-1)]; e.pn == a>>pageShift && a&0xfff <= PageSize-8 {
				binary.LittleEndian.PutUint64(e.data[a&0xfff:], x[in.rs2])
			} else {
				m.pc, m.k.Instret = pc, n
				if err := m.storeSlow(a, 8, x[in.rs2]); err != nil {
					return m.fault(err, pc, fmt.Sprintf("store to %#x", a))
				}
				cpn = ^uint64(0)
			}
		case opSB, opSH, opSW:
			a := x[in.rs1] + uint64(in.imm)
			size := storeSize[in.op]
			if e := &m.wtlb[a>>pageShift&(tlbSize-1)]; e.pn == a>>pageShift && a&0xfff <= PageSize-size {
				d := e.data[a&0xfff:]
				v := x[in.rs2]
				switch size {
				case 1:
					d[0] = byte(v)
				case 2:
					binary.LittleEndian.PutUint16(d, uint16(v))
				default:
					binary.LittleEndian.PutUint32(d, uint32(v))
				}
			} else {
				m.pc, m.k.Instret = pc, n
				if err := m.storeSlow(a, size, x[in.rs2]); err != nil {
					return m.fault(err, pc, fmt.Sprintf("store to %#x", a))
				}
				cpn = ^uint64(0)
			}
		case opADDI:
			x[in.rd] = x[in.rs1] + uint64(in.imm)
		case opSLTI:
			x[in.rd] = b2u(int64(x[in.rs1]) < in.imm)
		case opSLTIU:
			x[in.rd] = b2u(x[in.rs1] < uint64(in.imm))
		case opXORI:
			x[in.rd] = x[in.rs1] ^ uint64(in.imm)
		case opORI:
			x[in.rd] = x[in.rs1] | uint64(in.imm)
		case opANDI:
			x[in.rd] = x[in.rs1] & uint64(in.imm)
		case opSLLI:
			x[in.rd] = x[in.rs1] << uint(in.imm)
		case opSRLI:
			x[in.rd] = x[in.rs1] >> uint(in.imm)
		case opSRAI:
			x[in.rd] = uint64(int64(x[in.rs1]) >> uint(in.imm))
		case opADD:
			x[in.rd] = x[in.rs1] + x[in.rs2]
		case opSUB:
			x[in.rd] = x[in.rs1] - x[in.rs2]
		case opSLL:
			x[in.rd] = x[in.rs1] << (x[in.rs2] & 63)
		case opSLT:
			x[in.rd] = b2u(int64(x[in.rs1]) < int64(x[in.rs2]))
		case opSLTU:
			x[in.rd] = b2u(x[in.rs1] < x[in.rs2])
		case opXOR:
			x[in.rd] = x[in.rs1] ^ x[in.rs2]
		case opSRL:
			x[in.rd] = x[in.rs1] >> (x[in.rs2] & 63)
		case opSRA:
			x[in.rd] = uint64(int64(x[in.rs1]) >> (x[in.rs2] & 63))
		case opOR:
			x[in.rd] = x[in.rs1] | x[in.rs2]
		case opAND:
			x[in.rd] = x[in.rs1] & x[in.rs2]
		case opADDIW:
			x[in.rd] = uint64(int64(int32(x[in.rs1] + uint64(in.imm))))
		case opSLLIW:
			x[in.rd] = uint64(int64(int32(uint32(x[in.rs1]) << uint(in.imm))))
		case opSRLIW:
			x[in.rd] = uint64(int64(int32(uint32(x[in.rs1]) >> uint(in.imm))))
		case opSRAIW:
			x[in.rd] = uint64(int64(int32(x[in.rs1]) >> uint(in.imm)))
		case opADDW:
			x[in.rd] = uint64(int64(int32(x[in.rs1] + x[in.rs2])))
		case opSUBW:
			x[in.rd] = uint64(int64(int32(x[in.rs1] - x[in.rs2])))
		case opSLLW:
			x[in.rd] = uint64(int64(int32(uint32(x[in.rs1]) << (x[in.rs2] & 31))))
		case opSRLW:
			x[in.rd] = uint64(int64(int32(uint32(x[in.rs1]) >> (x[in.rs2] & 31))))
		case opSRAW:
			x[in.rd] = uint64(int64(int32(x[in.rs1]) >> (x[in.rs2] & 31)))
		case opMUL:
			x[in.rd] = x[in.rs1] * x[in.rs2]
		case opMULH:
			x[in.rd] = mulh(int64(x[in.rs1]), int64(x[in.rs2]))
		case opMULHSU:
			x[in.rd] = mulhsu(int64(x[in.rs1]), x[in.rs2])
		case opMULHU:
			hi, _ := bits.Mul64(x[in.rs1], x[in.rs2])
			x[in.rd] = hi
		case opDIV:
			a, b := int64(x[in.rs1]), int64(x[in.rs2])
			switch {
			case b == 0:
				x[in.rd] = ^uint64(0)
			case b == -1:
				x[in.rd] = uint64(-a) // INT64_MIN / -1 wraps to INT64_MIN
			default:
				x[in.rd] = uint64(a / b)
			}
		case opDIVU:
			if b := x[in.rs2]; b == 0 {
				x[in.rd] = ^uint64(0)
			} else {
				x[in.rd] = x[in.rs1] / b
			}
		case opREM:
			a, b := int64(x[in.rs1]), int64(x[in.rs2])
			switch {
			case b == 0:
				x[in.rd] = uint64(a)
			case b == -1:
				x[in.rd] = 0
			default:
				x[in.rd] = uint64(a % b)
			}
		case opREMU:
			if b := x[in.rs2]; b == 0 {
				x[in.rd] = x[in.rs1]
			} else {
				x[in.rd] = x[in.rs1] % b
			}
		case opMULW:
			x[in.rd] = uint64(int64(int32(x[in.rs1] * x[in.rs2])))
		case opDIVW:
			a, b := int32(x[in.rs1]), int32(x[in.rs2])
			switch {
			case b == 0:
				x[in.rd] = ^uint64(0)
			case b == -1:
				x[in.rd] = uint64(int64(-a))
			default:
				x[in.rd] = uint64(int64(a / b))
			}
		case opDIVUW:
			a, b := uint32(x[in.rs1]), uint32(x[in.rs2])
			if b == 0 {
				x[in.rd] = ^uint64(0)
			} else {
				x[in.rd] = uint64(int64(int32(a / b)))
			}
		case opREMW:
			a, b := int32(x[in.rs1]), int32(x[in.rs2])
			switch {
			case b == 0:
				x[in.rd] = uint64(int64(a))
			case b == -1:
				x[in.rd] = 0
			default:
				x[in.rd] = uint64(int64(a % b))
			}
		case opREMUW:
			a, b := uint32(x[in.rs1]), uint32(x[in.rs2])
			if b == 0 {
				x[in.rd] = uint64(int64(int32(a)))
			} else {
				x[in.rd] = uint64(int64(int32(a % b)))
			}
		case opFENCE:
		case opFLD, opFLW:
			a := x[in.rs1] + uint64(in.imm)
			m.pc, m.k.Instret = pc, n
			size := uint64(8)
			if in.op == opFLW {
				size = 4
			}
			v, err := m.load(a, size)
			if err != nil {
				return m.fault(err, pc, fmt.Sprintf("load from %#x", a))
			}
			if size == 4 {
				v = boxS(uint32(v))
			}
			m.f[in.rd] = v
		case opFSD, opFSW:
			a := x[in.rs1] + uint64(in.imm)
			m.pc, m.k.Instret = pc, n
			size := uint64(8)
			if in.op == opFSW {
				size = 4
			}
			if err := m.store(a, size, m.f[in.rs2]); err != nil {
				return m.fault(err, pc, fmt.Sprintf("store to %#x", a))
			}
			cpn = ^uint64(0)
		case opFP:
			m.pc, m.k.Instret = pc, n
			if !m.execFP(in.raw) {
				return m.fault(ErrIllegalInstr, pc, "floating-point rounding mode")
			}
		case opLRW, opLRD, opSCW, opSCD, opAMOW, opAMOD:
			m.pc, m.k.Instret = pc, n
			if err := m.atomic(in); err != nil {
				return m.fault(err, pc, "")
			}
			cpn = ^uint64(0)
		case opCSR:
			m.pc, m.k.Instret = pc, n
			if !m.csr(in) {
				return m.fault(ErrIllegalInstr, pc, fmt.Sprintf("CSR %#x", in.imm&0xfff))
			}
		case opECALL:
			// the syscall returns to pc+4 of whichever thread the scheduler resumes
			m.pc, m.k.Instret = pc+4, n
			if err := m.syscall(pc); err != nil {
				return err
			}
			pc = m.pc
			cpn = ^uint64(0) // syscalls may write guest memory and switch threads
			continue
		case opMark:
			// first entry to main.main: note the instruction count, restore, re-execute
			m.markInstret, m.markFP = n-1, m.fpOps
			*in = m.markOrig
			n--
			continue
		case opCompressed:
			m.pc = pc
			return m.fault(ErrCompressedInstr, pc, "")
		default:
			m.pc = pc
			return m.fault(ErrIllegalInstr, pc, "")
		}
		pc += 4
	}
	m.pc = pc
	return nil
}

var loadSize = [numOps]uint64{opLB: 1, opLH: 2, opLW: 4, opLD: 8, opLBU: 1, opLHU: 2, opLWU: 4}
var storeSize = [numOps]uint64{opSB: 1, opSH: 2, opSW: 4, opSD: 8}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func mulh(a, b int64) uint64 {
	hi, _ := bits.Mul64(uint64(a), uint64(b))
	if a < 0 {
		hi -= uint64(b)
	}
	if b < 0 {
		hi -= uint64(a)
	}
	return hi
}

func mulhsu(a int64, b uint64) uint64 {
	hi, _ := bits.Mul64(uint64(a), b)
	if a < 0 {
		hi -= b
	}
	return hi
}

func (m *Machine) setX(rd uint8, v uint64) { m.x[rd] = v }

func (m *Machine) atomic(in *inst) error {
	a := m.x[in.rs1]
	size := uint64(4)
	if in.op == opLRD || in.op == opSCD || in.op == opAMOD {
		size = 8
	}
	if a&(size-1) != 0 {
		return fmt.Errorf("%w: misaligned atomic access to %#x", ErrMemoryFault, a)
	}
	ext := func(v uint64) uint64 {
		if size == 4 {
			return uint64(int64(int32(v)))
		}
		return v
	}
	switch in.op {
	case opLRW, opLRD:
		v, err := m.load(a, size)
		if err != nil {
			return err
		}
		m.k.ResAddr, m.k.ResValid = a, true
		m.setX(in.rd, ext(v))
		return nil
	case opSCW, opSCD:
		ok := m.k.ResValid && m.k.ResAddr == a
		m.k.ResValid = false
		if !ok {
			m.setX(in.rd, 1)
			return nil
		}
		if err := m.store(a, size, m.x[in.rs2]); err != nil {
			return err
		}
		m.setX(in.rd, 0)
		return nil
	}
	old, err := m.load(a, size)
	if err != nil {
		return err
	}
	o := ext(old)
	s := ext(m.x[in.rs2])
	var v uint64
	switch in.imm {
	case 1: // swap
		v = s
	case 0: // add
		v = o + s
	case 4: // xor
		v = o ^ s
	case 12: // and
		v = o & s
	case 8: // or
		v = o | s
	case 16: // min
		v = o
		if int64(s) < int64(o) {
			v = s
		}
	case 20: // max
		v = o
		if int64(s) > int64(o) {
			v = s
		}
	case 24: // minu
		v = o
		if size == 4 {
			if uint32(s) < uint32(o) {
				v = s
			}
		} else if s < o {
			v = s
		}
	case 28: // maxu
		v = o
		if size == 4 {
			if uint32(s) > uint32(o) {
				v = s
			}
		} else if s > o {
			v = s
		}
	}
	if err := m.store(a, size, v); err != nil {
		return err
	}
	m.setX(in.rd, o)
	return nil
}

// csr implements the floating-point CSRs and the read-only counters (which read the
// deterministic cycle and instruction counts).
func (m *Machine) csr(in *inst) bool {
	num := in.imm & 0xfff
	f3 := in.imm >> 12
	src := m.x[in.rs1]
	if f3 >= 5 {
		src = uint64(in.rs1) // immediate forms
	}
	var old uint64
	switch num {
	case 1:
		old = uint64(m.fflags)
	case 2:
		old = uint64(m.frm)
	case 3:
		old = uint64(m.frm)<<5 | uint64(m.fflags)
	case 0xc00, 0xc01, 0xc02:
		// instructions, not cycles: what the guest observes must not depend on po2
		old = m.k.Instret
	default:
		return false
	}
	var nv uint64
	write := true
	switch f3 & 3 {
	case 1:
		nv = src
	case 2:
		nv = old | src
		write = in.rs1 != 0
	case 3:
		nv = old &^ src
		write = in.rs1 != 0
	}
	if write {
		switch num {
		case 1:
			m.fflags = uint32(nv & 31)
		case 2:
			m.frm = uint8(nv & 7)
		case 3:
			m.fflags = uint32(nv & 31)
			m.frm = uint8(nv >> 5 & 7)
		default:
			return false
		}
	}
	m.setX(in.rd, old)
	return true
}
