package rv64

import (
	"errors"
	"testing"

	"github.com/zkexex/zkexex/prover/vm"
)

// FuzzSystemHostCall runs one host call with arbitrary registers and input: resolveSys either
// refuses it (ErrSysEvent, or ErrMemoryTrace for a buffer on a page the segment did not page in)
// or returns an event whose rows prove, with memory changed exactly as the executor would.
func FuzzSystemHostCall(f *testing.F) {
	f.Add(uint64(hostRead), uint64(bufPage+5), uint64(100), uint64(0), []byte("hello"))
	f.Add(uint64(hostWrite), uint64(fdJournal), uint64(bufPage+0xff0), uint64(1<<62), []byte(nil))
	f.Add(uint64(hostWrite), uint64(2), uint64(bufPage+0x1003), uint64(17), []byte(nil))
	f.Add(uint64(hostHalt), uint64(0x1ff), uint64(0), uint64(0), []byte(nil))
	f.Add(uint64(3), uint64(0), uint64(0), uint64(0), []byte(nil))
	f.Fuzz(func(t *testing.T, call, a0, a1, a2 uint64, input []byte) {
		// Keep buffers mostly on the test's pages, so that most calls are provable.
		if call == hostRead {
			a0 = bufPage + a0%0x2000
		} else if call == hostWrite {
			a1 = bufPage + a1%0x2000
		}
		s := newScenario(t)
		s.setRegs(map[uint64]uint64{regA7: call, regA0: a0, regA1: a1, regA2: a2})
		before := newMemTracker(s.pages)
		e, err := resolveSys(s.tr, SysHost, s.cycle, vm.KernelBase+0x40, 1, input)
		if err != nil {
			if !errors.Is(err, ErrSysEvent) && !errors.Is(err, ErrMemoryTrace) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		s.evs = append(s.evs, e)
		for _, w := range e.Words {
			old, _ := before.word(w.Addr)
			for k := uint64(0); k < 8; k++ {
				a := w.Addr + k
				got, prev := byte(w.Next>>(8*k)), byte(old.v>>(8*k))
				want := prev
				if call == hostRead && a >= a0 && a < a0+e.N {
					want = input[a-a0]
				}
				if got != want {
					t.Fatalf("byte %#x: %#x, want %#x", a, got, want)
				}
			}
		}
		if call == hostWrite && e.N != min(a2, pageRest(a1)) {
			t.Fatalf("WRITE moved %d bytes", e.N)
		}
		if err := s.statement(s.evs, nil).prove(t, false); err != nil {
			t.Fatal(err)
		}
	})
}
