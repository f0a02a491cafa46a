package vm

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// Machine is one single-hart machine of the proven ISA: RV64IMA in user and kernel mode with
// the trap mechanism of package kernel. Its architectural state is (pc, memory); the fields
// below that are not memory are caches (the active register bank, the mode, the TLBs) or the
// executor's own bookkeeping (counters, segment accounting, I/O streams).
type Machine struct {
	x    [33]uint64 // the active register bank; x[32] is the sink for writes to x0
	pc   uint64
	mode uint8 // cache of the mode word: 0 user, 1 kernel
	mp   *page // the machine page (resident from the start; touched at every segment start)

	instret uint64 // instructions retired since the start of the run
	paging  uint64 // paging cycles charged since the start of the run

	prog  *Program // user program (symbols; may be nil)
	kprog *Program // the kernel (symbols)
	mem   memory

	// direct-mapped page caches (TLBs): a page is cached for reads once paged in this
	// segment, for writes once marked for page-out in this segment. Kernel-range pages enter
	// them only in kernel mode, and mret empties them.
	rtlb, wtlb [tlbSize]tlbEntry

	seg        uint32 // segment epoch, starts at 1
	segLimit   uint64 // cycles per segment (2^po2)
	segStartIn uint64 // instret at segment start
	segStartPg uint64 // paging at segment start
	stop       uint64 // instret value at which the loop must leave the fast path
	maxCycles  uint64

	record  bool     // keep segment records (start contents of written pages)
	touched []uint64 // pages paged in this segment, in first-touch order
	dirtied []uint64 // pages marked for page-out this segment
	fetched []uint64 // pages instructions were fetched from this segment, in first-fetch order

	// replay: only the pages of a record exist
	strict bool
	// guardCode: a store into a page fetched from in this segment ends the segment before it
	// (errCodeStore); off while building the image, which has no segments
	guardCode bool

	stdin        []byte
	stdinBase    uint64 // offset of stdin[0] in the whole input (replay holds a window)
	stdinTotal   uint64
	inPos        uint64    // input bytes consumed (host READ); advice, not machine state
	out          [4][]byte // captured output by fd (1 stdout, 2 stderr, 3 journal)
	segOut       []Output
	exited       bool
	exitCode     int
	mmapFailed   bool // HALT flag: an mmap failed during the run
	forwardWrite func(fd int, b []byte)

	// the READY rules (package kernel): a READY after a READ or WRITE, or a second one, is an error
	ready, sawRead, sawWrite bool
	bootPass                 bool // image building: stop at READY, READ, WRITE or HALT

	// trap statistics
	traps       [2]uint64 // by kind: 0 system calls, 1 emulated instructions
	kernelInstr [2]uint64 // kernel instructions by the kind of trap they served
	trapKind    int
	trapAt      uint64 // instret at the last trap
	emuByPC     map[uint64]uint64

	prof *profiler // nil unless the run is profiled

	markPC      uint64 // main.main: its first execution records markInstret
	markInstret uint64
	markEmu     uint64
	markOrig    inst
}

const tlbSize = 64

type tlbEntry struct {
	pn   uint64
	data *[PageSize]byte
}

func (m *Machine) cycles() uint64 { return m.instret + m.paging }

func (m *Machine) fault(err error, pc uint64, detail string) error {
	f := &Fault{Err: err, PC: pc, Detail: detail}
	if p := m.mem.lookup(pc >> pageShift); p != nil && pc&3 == 0 && pc < 1<<AddrBits {
		f.Raw = binary.LittleEndian.Uint32(p.data[pc&0xfff:])
	}
	f.Symbol = m.symbol(pc)
	return f
}

// symbol names the function containing pc, in the kernel or the user program.
func (m *Machine) symbol(pc uint64) string {
	if pc >= KernelBase {
		if m.kprog != nil {
			return m.kprog.Symbol(pc)
		}
		return ""
	}
	if m.prog != nil {
		return m.prog.Symbol(pc)
	}
	return ""
}

func (m *Machine) invalidateCaches() {
	for i := range m.rtlb {
		m.rtlb[i] = tlbEntry{pn: ^uint64(0)}
		m.wtlb[i] = tlbEntry{pn: ^uint64(0)}
	}
}

// chargePaging adds paging cycles to the current segment.
func (m *Machine) chargePaging(c uint64) {
	m.paging += c
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

// kernelRangeRefused reports an access of size bytes at a that reaches the kernel range from user
// mode, or that spans the kernel base in either mode (the RISC-V AIR refuses such an access: half
// of it user memory, half the kernel's first word).
func (m *Machine) kernelRangeRefused(a, size uint64) bool {
	return (m.mode == 0 || a < KernelBase) && a+size-1 >= KernelBase
}

func (m *Machine) loadSlow(a uint64, size uint64) (uint64, error) {
	if a+size < a || (a+size-1)>>pageShift >= 1<<PageBits {
		return 0, ErrMemoryFault
	}
	if m.kernelRangeRefused(a, size) {
		return 0, ErrKernelAccess
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
	if m.kernelRangeRefused(a, size) {
		return ErrKernelAccess
	}
	// A page this segment fetched from is never in the write TLB (codePage drops it), so
	// every store into one reaches this check before it changes anything.
	if m.guardCode && m.storesCode(a, size) {
		return errCodeStore
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

// errCodeStore is returned internally, with nothing of the instruction done, when a store
// would write a page the current segment fetched instructions from, or an instruction fetch
// would read a page the segment wrote. The AIR decodes instructions from the page-in contents,
// so a segment never both writes and runs a page: it ends before the store or the fetch and the
// next segment pages the new code in.
var errCodeStore = errors.New("vm: store into a fetched page")

// storesCode reports whether a store to [a, a+size) would write a page the current segment
// fetched instructions from.
func (m *Machine) storesCode(a, size uint64) bool {
	for pn := a >> pageShift; pn <= (a+size-1)>>pageShift; pn++ {
		if p := m.mem.lookup(pn); p != nil && p.runSeg == m.seg {
			return true
		}
	}
	return false
}

// cutSegment is called when a store or a fetch ended the segment before it (errCodeStore); one
// that does so as the segment's first instruction would end every segment before it.
func (m *Machine) cutSegment() error {
	if m.instret == m.segStartIn {
		return m.fault(ErrCodeStore, m.pc, "a store into the page it executes from")
	}
	return nil
}

// codePage returns the predecoded instructions of page pn, paging it in.
func (m *Machine) codePage(pn uint64) (*[PageSize / 4]inst, error) {
	p, err := m.touch(pn, false)
	if err != nil {
		return nil, err
	}
	if p.runSeg != m.seg {
		if m.guardCode && p.outSeg == m.seg {
			return nil, errCodeStore // a page written in this segment: fetch it in the next
		}
		p.runSeg = m.seg
		m.fetched = append(m.fetched, pn)
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
		if m.prof != nil {
			profileForms(c)
		}
		p.code = c
		if e := &m.wtlb[pn&(tlbSize-1)]; e.pn == pn {
			// writes to this page must go through the slow path that drops the decoding
			*e = tlbEntry{pn: ^uint64(0)}
		}
	}
	return p.code, nil
}

// haltSignal is returned internally when the guest halts.
type haltSignal struct{}

func (haltSignal) Error() string { return "halt" }

// stopSignal is returned internally when image building reaches the point where the image
// is known: READY (ready true), or the first READ, WRITE or HALT (the image is the entry state).
type stopSignal struct{ ready bool }

func (stopSignal) Error() string { return "image point" }

// run executes instructions until m.instret reaches m.stop, the guest halts, or an error.
func (m *Machine) run() error {
	x := &m.x
	pc := m.pc
	n := m.instret
	cpn := ^uint64(0)
	var code *[PageSize / 4]inst
	defer func() { m.instret = n }()
	for n < m.stop {
		if pc>>pageShift != cpn {
			if pc&3 != 0 {
				m.pc = pc
				return m.fault(ErrMisalignedPC, pc, "")
			}
			if m.mode == 0 && pc >= KernelBase {
				m.pc = pc
				return m.fault(ErrKernelAccess, pc, "instruction fetch from the kernel range in user mode")
			}
			c, err := m.codePage(pc >> pageShift)
			if err == errCodeStore {
				m.pc = pc
				return err
			}
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
			if t&2 != 0 {
				return m.misalignedJump(pc, t)
			}
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
				m.pc, m.instret = pc, n
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
				m.pc, m.instret = pc, n
				if err := m.storeSlow(a, 8, x[in.rs2]); err != nil {
					if err == errCodeStore {
						n--
						return err
					}
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
				m.pc, m.instret = pc, n
				if err := m.storeSlow(a, size, x[in.rs2]); err != nil {
					if err == errCodeStore {
						n--
						return err
					}
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
		case opLRW, opLRD, opSCW, opSCD, opAMOW, opAMOD:
			m.pc, m.instret = pc, n
			if err := m.atomic(in); err != nil {
				if err == errCodeStore {
					n--
					return err
				}
				return m.fault(err, pc, "")
			}
			cpn = ^uint64(0)
		case opECALL:
			m.pc, m.instret = pc, n
			var err error
			if m.mode == 0 {
				err = m.trap(causeEcallU, pc)
			} else {
				err = m.hostCall(pc)
			}
			if err == errCodeStore {
				m.pc = pc
				n--
				return err
			}
			if err != nil {
				return err
			}
			pc = m.pc
			cpn = ^uint64(0)
			continue
		case opMRET:
			m.pc, m.instret = pc, n
			var err error
			if m.mode == 0 {
				err = m.trap(causeIllegal, pc)
			} else {
				m.mret()
			}
			if err != nil {
				return err
			}
			pc = m.pc
			cpn = ^uint64(0)
			continue
		case opJALCall:
			x[in.rd] = pc + 4
			m.prof.call(uint64(in.imm), pc+4)
			pc = uint64(in.imm)
			continue
		case opJALRCall:
			t := (x[in.rs1] + uint64(in.imm)) &^ 1
			if t&2 != 0 {
				return m.misalignedJump(pc, t)
			}
			x[in.rd] = pc + 4
			m.prof.call(t, pc+4)
			pc = t
			continue
		case opRet:
			t := x[1] &^ 1
			if t&2 != 0 {
				return m.misalignedJump(pc, t)
			}
			pc = t
			m.prof.ret(pc)
			continue
		case opJALMisaligned:
			return m.misalignedJump(pc, uint64(in.imm))
		case opBranchMisaligned:
			if branchTaken(in.rd, x[in.rs1], x[in.rs2]) {
				return m.misalignedJump(pc, uint64(in.imm))
			}
		case opMark:
			// first entry to main.main: note the instruction count, restore, re-execute
			m.markInstret, m.markEmu = n-1, m.traps[1]
			*in = m.markOrig
			n--
			continue
		default: // outside RV64IMA: F/D, CSR instructions, ebreak, compressed or unknown
			m.pc, m.instret = pc, n
			if err := m.trap(causeIllegal, pc); err != nil {
				return err
			}
			pc = m.pc
			cpn = ^uint64(0)
			continue
		}
		pc += 4
	}
	m.pc = pc
	return nil
}

// misalignedJump faults a taken jump or branch at pc whose target is not 4-aligned. Without
// the C extension RISC-V raises instruction-address-misaligned on the jump itself, before it
// writes rd, and the RV64 AIR has no row for such a step; the fault names the jump's pc.
func (m *Machine) misalignedJump(pc, target uint64) error {
	m.pc = pc
	return m.fault(ErrMisalignedPC, pc, fmt.Sprintf("jump to %#x", target))
}

// branchTaken evaluates the condition of branch op on rs1 value a and rs2 value b.
func branchTaken(op uint8, a, b uint64) bool {
	switch op {
	case opBEQ:
		return a == b
	case opBNE:
		return a != b
	case opBLT:
		return int64(a) < int64(b)
	case opBGE:
		return int64(a) >= int64(b)
	case opBLTU:
		return a < b
	case opBGEU:
		return a >= b
	}
	return false
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
		m.setWord(kReserve, a)
		m.setX(in.rd, ext(v))
		return nil
	case opSCW, opSCD:
		// the store comes first so that a store ending the segment (errCodeStore) leaves the
		// reservation as it was
		if m.word(kReserve) != a {
			m.setWord(kReserve, 0)
			m.setX(in.rd, 1)
			return nil
		}
		if err := m.store(a, size, m.x[in.rs2]); err != nil {
			return err
		}
		m.setWord(kReserve, 0)
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
