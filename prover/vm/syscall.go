package vm

import (
	"encoding/binary"
	"fmt"
)

// Linux riscv64 syscall numbers (asm-generic) the Go runtime and our guests use.
const (
	sysGetcwd       = 17
	sysEventfd2     = 19
	sysEpollCreate1 = 20
	sysEpollCtl     = 21
	sysEpollPwait   = 22
	sysFcntl        = 25
	sysIoctl        = 29
	sysOpenat       = 56
	sysClose        = 57
	sysRead         = 63
	sysWrite        = 64
	sysPread64      = 67
	sysReadlinkat   = 78
	sysNewfstatat   = 79
	sysFstat        = 80
	sysExit         = 93
	sysExitGroup    = 94
	sysFutex        = 98
	sysNanosleep    = 101
	sysClockGettime = 113
	sysSchedGetaff  = 123
	sysSchedYield   = 124
	sysKill         = 129
	sysTkill        = 130
	sysTgkill       = 131
	sysSigaltstack  = 132
	sysRtSigaction  = 134
	sysRtSigprocmsk = 135
	sysUname        = 160
	sysPrctl        = 167
	sysGetpid       = 172
	sysGetppid      = 173
	sysGetuid       = 174
	sysGeteuid      = 175
	sysGetgid       = 176
	sysGetegid      = 177
	sysGettid       = 178
	sysBrk          = 214
	sysMunmap       = 215
	sysClone        = 220
	sysMmap         = 222
	sysMprotect     = 226
	sysMadvise      = 233
	sysRiscvHwprobe = 258
	sysPrlimit64    = 261
	sysGetrandom    = 278
)

const (
	eNOENT    = 2
	eBADF     = 9
	eAGAIN    = 11
	eNOMEM    = 12
	eNOTTY    = 25
	eINVAL    = 22
	eNOSYS    = 38
	eTIMEDOUT = 110
)

// Guest file descriptors (the stf guest I/O ABI): input on 0, captured output on 1 and 2,
// the journal on 3.
const (
	FdStdin   = 0
	FdStdout  = 1
	FdStderr  = 2
	FdJournal = 3
)

// Descriptors of the emulated netpoller (an epoll instance and an eventfd).
const (
	fdEpoll      = 4
	fdEventfd    = 5
	epollWaitKey = ^uint64(0) // futex key of threads blocked in epoll_pwait
)

// Deterministic clock: the monotonic clock reads one nanosecond per instruction retired plus the time the
// guest slept; the real-time clock adds a fixed epoch (2026-01-01T00:00:00Z).
const realtimeEpoch = 1767225600

// Output is one write to a captured descriptor, kept in segment records.
type Output struct {
	Fd   uint8
	Data []byte
}

// pageChunk clamps n so that [a, a+n) stays in one page: I/O syscalls move at most one page
// per call (short reads and writes are legal), which bounds their paging cost.
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

func (m *Machine) syscall(pc uint64) error {
	num := m.x[17]
	a0, a1, a2, a3 := m.x[10], m.x[11], m.x[12], m.x[13]
	ret, err := m.doSyscall(num, a0, a1, a2, a3)
	if err == errBlocked {
		return m.schedule(pc)
	}
	if err != nil {
		if _, ok := err.(haltSignal); ok {
			return err
		}
		return m.fault(err, pc, fmt.Sprintf("syscall %d", num))
	}
	m.x[10] = ret
	if num == sysSchedYield {
		return m.schedule(pc)
	}
	return nil
}

func neg(e uint64) uint64 { return -e }

func (m *Machine) doSyscall(num, a0, a1, a2, a3 uint64) (uint64, error) {
	switch num {
	case sysRead:
		if a0 != FdStdin {
			return neg(eBADF), nil
		}
		pos := m.k.InputPos
		if pos >= m.stdinTotal {
			return 0, nil
		}
		n := min(pageChunk(a1, a2), m.stdinTotal-pos)
		if n == 0 {
			return 0, nil
		}
		if pos < m.stdinBase || pos+n > m.stdinBase+uint64(len(m.stdin)) {
			return 0, fmt.Errorf("%w: input bytes [%d, %d) are not in the record", ErrReplayMismatch, pos, pos+n)
		}
		if err := m.writeMem(a1, m.stdin[pos-m.stdinBase:pos-m.stdinBase+n]); err != nil {
			return 0, err
		}
		m.k.InputPos += n
		return n, nil
	case sysWrite:
		if a0 == fdEventfd {
			// netpollBreak: wake a thread blocked in epoll_pwait
			m.futexWake(epollWaitKey, ^uint64(0))
			return 8, nil
		}
		if a0 < FdStdout || a0 > FdJournal {
			return neg(eBADF), nil
		}
		n := pageChunk(a1, a2)
		b, err := m.readMem(a1, n)
		if err != nil {
			return 0, err
		}
		m.out[a0] = append(m.out[a0], b...)
		if m.record {
			m.segOut = append(m.segOut, Output{Fd: uint8(a0), Data: b})
		}
		if m.forwardWrite != nil {
			m.forwardWrite(int(a0), b)
		}
		return n, nil
	case sysOpenat:
		return neg(eNOENT), nil
	case sysReadlinkat, sysNewfstatat, sysGetcwd:
		return neg(eNOENT), nil
	case sysEpollCreate1:
		return fdEpoll, nil
	case sysEventfd2:
		return fdEventfd, nil
	case sysEpollCtl:
		return 0, nil
	case sysEpollPwait:
		// No descriptor ever becomes ready; the runtime's timer sleeps and netpollBreak
		// wake-ups are all this needs: a timed wait, or one woken by a write to the eventfd.
		timeout := int64(int32(a3))
		if timeout == 0 {
			return 0, nil
		}
		t := m.cur()
		t.State, t.FutexAddr, t.Deadline = threadFutex, epollWaitKey, 0
		if timeout > 0 {
			t.Deadline = m.now() + uint64(timeout)*1e6
		}
		return 0, errBlocked
	case sysClose, sysFcntl:
		if a0 <= fdEventfd {
			return 0, nil
		}
		return neg(eBADF), nil
	case sysFstat, sysPread64:
		return neg(eBADF), nil
	case sysIoctl:
		return neg(eNOTTY), nil
	case sysExitGroup:
		m.exited = true
		m.exitCode = int(a0 & 0xff)
		return 0, haltSignal{}
	case sysExit:
		m.cur().State = threadExited
		if m.live() == 0 {
			m.exited = true
			m.exitCode = int(a0 & 0xff)
			return 0, haltSignal{}
		}
		return 0, errBlocked
	case sysFutex:
		switch a1 & 0x7f {
		case 0, 9: // FUTEX_WAIT, FUTEX_WAIT_BITSET
			v, err := m.load(a0, 4)
			if err != nil {
				return 0, err
			}
			if uint32(v) != uint32(a2) {
				return neg(eAGAIN), nil
			}
			t := m.cur()
			t.State, t.FutexAddr, t.Deadline = threadFutex, a0, 0
			if a3 != 0 {
				ns, err := m.readTimespec(a3)
				if err != nil {
					return 0, err
				}
				t.Deadline = m.now() + ns
				if t.Deadline == 0 {
					t.Deadline = 1
				}
			}
			return 0, errBlocked
		case 1, 10: // FUTEX_WAKE, FUTEX_WAKE_BITSET
			return m.futexWake(a0, a2), nil
		}
		return neg(eNOSYS), nil
	case sysNanosleep:
		ns, err := m.readTimespec(a0)
		if err != nil {
			return 0, err
		}
		t := m.cur()
		t.State, t.Deadline = threadSleep, m.now()+ns
		if t.Deadline == 0 {
			t.Deadline = 1
		}
		return 0, errBlocked
	case sysClockGettime:
		t := m.now()
		sec, nsec := t/1e9, t%1e9
		switch a0 {
		case 0, 5, 8, 11: // REALTIME, REALTIME_COARSE, BOOTTIME_ALARM... wall clocks
			sec += realtimeEpoch
		}
		var b [16]byte
		binary.LittleEndian.PutUint64(b[:], sec)
		binary.LittleEndian.PutUint64(b[8:], nsec)
		if err := m.writeMem(a1, b[:]); err != nil {
			return 0, err
		}
		return 0, nil
	case sysSchedGetaff:
		if a1 < 8 {
			return neg(eINVAL), nil
		}
		if err := m.writeMem(a2, []byte{1, 0, 0, 0, 0, 0, 0, 0}); err != nil {
			return 0, err
		}
		return 8, nil
	case sysSchedYield, sysKill, sysTkill, sysTgkill, sysMunmap, sysMprotect, sysMadvise:
		return 0, nil
	case sysSigaltstack:
		if a1 != 0 {
			var b [24]byte
			binary.LittleEndian.PutUint32(b[8:], 2) // SS_DISABLE
			if err := m.writeMem(a1, b[:]); err != nil {
				return 0, err
			}
		}
		return 0, nil
	case sysRtSigaction:
		if a2 != 0 {
			if err := m.writeMem(a2, make([]byte, 24)); err != nil {
				return 0, err
			}
		}
		return 0, nil
	case sysRtSigprocmsk:
		if a2 != 0 {
			if err := m.writeMem(a2, make([]byte, 8)); err != nil {
				return 0, err
			}
		}
		return 0, nil
	case sysPrctl, sysPrlimit64:
		return neg(eINVAL), nil
	case sysRiscvHwprobe, sysUname:
		return neg(eNOSYS), nil
	case sysGetpid, sysGettid:
		return 1, nil
	case sysGetppid, sysGetuid, sysGeteuid, sysGetgid, sysGetegid:
		return 0, nil
	case sysBrk:
		return 0, nil
	case sysClone:
		return m.clone(a0, a1, a3)
	case sysMmap:
		return m.mmap(a0, a1, a2, a3, m.x[14])
	case sysGetrandom:
		// Deterministic, not random: a guest that needs entropy gets a fixed stream.
		n := pageChunk(a0, a1)
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*131 + 7)
		}
		if err := m.writeMem(a0, b); err != nil {
			return 0, err
		}
		return n, nil
	}
	return 0, ErrUnknownSyscall
}

func (m *Machine) readTimespec(a uint64) (uint64, error) {
	sec, err := m.load(a, 8)
	if err != nil {
		return 0, err
	}
	nsec, err := m.load(a+8, 8)
	if err != nil {
		return 0, err
	}
	if sec > 1<<32 {
		sec = 1 << 32
	}
	return sec*1e9 + nsec%1e9, nil
}

func (m *Machine) mmap(addr, length, prot, flags, fd uint64) (uint64, error) {
	const mapFixed, mapAnon = 0x10, 0x20
	if flags&mapAnon == 0 || length == 0 {
		return neg(eINVAL), nil
	}
	length = (length + PageSize - 1) &^ (PageSize - 1)
	if length == 0 || length > 1<<AddrBits {
		return neg(eNOMEM), nil
	}
	inRange := addr&(PageSize-1) == 0 && addr >= nullGuard && addr+length > addr && addr+length <= 1<<AddrBits
	if flags&mapFixed != 0 {
		if !inRange {
			return neg(eINVAL), nil
		}
		return addr, nil
	}
	// Honour a hint that avoids the bump region and the stack (the Go runtime asks for its
	// heap arenas at hinted addresses and retries elsewhere otherwise).
	if addr != 0 && inRange && (addr+length <= mmapBase || addr >= m.k.MmapNext) && addr+length <= StackTop-stackSize {
		if addr >= mmapBase && addr < mmapLimit {
			// inside the bump window but above its top: move the top past it
			m.k.MmapNext = addr + length
		}
		return addr, nil
	}
	a := m.k.MmapNext
	if a+length > mmapLimit || a+length < a {
		m.k.OOMSignal = true
		return neg(eNOMEM), nil
	}
	m.k.MmapNext = a + length
	return a, nil
}
