package vm

import (
	"errors"
	"fmt"
)

// Guest threads. The machine has one hart; clone creates a guest thread context (no host
// thread) that the emulated kernel schedules cooperatively and deterministically: the
// running thread keeps the hart until it blocks (futex wait, nanosleep, exit) or yields;
// the next runnable thread in creation order then runs. When no thread is runnable the
// clock jumps to the earliest timed wait. The Go runtime needs this even with GOMAXPROCS=1:
// while package initialisation runs, the main goroutine is locked to the main thread, and
// when it blocks the runtime hands its P to a new M and sleeps until that M wakes it.

const (
	threadRunnable uint8 = iota
	threadFutex
	threadSleep
	threadExited
)

// Thread is one guest thread's saved context and scheduling state.
type Thread struct {
	TID       uint64
	PC        uint64
	X         [32]uint64
	F         [32]uint64
	FCSR      uint32
	State     uint8
	FutexAddr uint64
	Deadline  uint64 // clock value at which a timed wait ends (0: none)
}

// ErrDeadlock means every guest thread waits with no timeout.
var ErrDeadlock = errors.New("vm: all guest threads are blocked (deadlock)")

var errBlocked = errors.New("blocked")

func (m *Machine) cur() *Thread { return &m.threads[m.curThread] }

func (m *Machine) now() uint64 { return m.k.Instret + m.k.SleepNS }

func (m *Machine) live() int {
	n := 0
	for i := range m.threads {
		if m.threads[i].State != threadExited {
			n++
		}
	}
	return n
}

func (m *Machine) saveThread(t *Thread) {
	t.PC = m.pc
	copy(t.X[:], m.x[:32])
	t.F = m.f
	t.FCSR = uint32(m.frm)<<5 | m.fflags
}

func (m *Machine) loadThread(t *Thread) {
	m.pc = t.PC
	copy(m.x[:32], t.X[:])
	m.x[0] = 0
	m.f = t.F
	m.frm, m.fflags = uint8(t.FCSR>>5&7), t.FCSR&31
}

func (m *Machine) clone(flags, stack, tls uint64) (uint64, error) {
	const cloneSettls = 0x80000
	if len(m.threads) >= maxThreads {
		return neg(eAGAIN), nil
	}
	child := Thread{TID: m.k.NextTID}
	m.k.NextTID++
	m.saveThread(&child)
	child.X[10] = 0
	if stack != 0 {
		child.X[2] = stack
	}
	if flags&cloneSettls != 0 {
		child.X[4] = tls
	}
	m.threads = append(m.threads, child)
	return child.TID, nil
}

const maxThreads = 1024

func (m *Machine) futexWake(addr, n uint64) uint64 {
	var woken uint64
	for i := range m.threads {
		if woken >= n {
			break
		}
		t := &m.threads[i]
		if t.State == threadFutex && t.FutexAddr == addr && i != m.curThread {
			t.State, t.Deadline = threadRunnable, 0
			t.X[10] = 0
			woken++
		}
	}
	return woken
}

// schedule saves the current thread (whose pc is already past its ecall) and resumes the
// next runnable one, waking expired timed waits first.
func (m *Machine) schedule(ecallPC uint64) error {
	m.saveThread(m.cur())
	m.k.ResValid = false
	for {
		now := m.now()
		for i := range m.threads {
			t := &m.threads[i]
			if (t.State == threadFutex || t.State == threadSleep) && t.Deadline != 0 && t.Deadline <= now {
				if t.State == threadFutex && t.FutexAddr != epollWaitKey {
					t.X[10] = neg(eTIMEDOUT)
				} else {
					t.X[10] = 0
				}
				t.State, t.Deadline = threadRunnable, 0
			}
		}
		n := len(m.threads)
		for k := 1; k <= n; k++ {
			i := (m.curThread + k) % n
			if m.threads[i].State == threadRunnable {
				m.curThread = i
				m.loadThread(&m.threads[i])
				return nil
			}
		}
		// nobody runnable: jump the clock to the earliest deadline
		var best uint64
		for i := range m.threads {
			t := &m.threads[i]
			if (t.State == threadFutex || t.State == threadSleep) && t.Deadline != 0 && (best == 0 || t.Deadline < best) {
				best = t.Deadline
			}
		}
		if best == 0 {
			return m.fault(ErrDeadlock, ecallPC, fmt.Sprintf("%d threads", len(m.threads)))
		}
		m.k.SleepNS += best - now
	}
}
