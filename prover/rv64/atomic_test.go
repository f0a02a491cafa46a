package rv64

import (
	"errors"
	"testing"

	"github.com/zkexex/zkexex/prover/stark"
)

var amoOps = []LSOp{LSAMOSWAPW, LSAMOSWAPD, LSAMOADDW, LSAMOADDD, LSAMOXORW, LSAMOXORD, LSAMOANDW, LSAMOANDD,
	LSAMOORW, LSAMOORD, LSAMOMINW, LSAMOMIND, LSAMOMAXW, LSAMOMAXD, LSAMOMINUW, LSAMOMINUD, LSAMOMAXUW, LSAMOMAXUD}

// TestLSOpNumbering pins the numbering segment.md fixes for the CPU's decode.
func TestLSOpNumbering(t *testing.T) {
	for f3, op := range []LSOp{LSLB, LSLH, LSLW, LSLD, LSLBU, LSLHU, LSLWU} {
		if op != LSOp(1+f3) {
			t.Errorf("%v = %d", op, op)
		}
	}
	for f3, op := range []LSOp{LSSB, LSSH, LSSW, LSSD} {
		if op != LSOp(8+f3) {
			t.Errorf("%v = %d", op, op)
		}
	}
	for _, c := range []struct {
		f5   int
		w, d LSOp
	}{{0, LSAMOADDW, LSAMOADDD}, {1, LSAMOSWAPW, LSAMOSWAPD}, {2, LSLRW, LSLRD}, {3, LSSCW, LSSCD},
		{4, LSAMOXORW, LSAMOXORD}, {8, LSAMOORW, LSAMOORD}, {12, LSAMOANDW, LSAMOANDD}, {16, LSAMOMINW, LSAMOMIND},
		{20, LSAMOMAXW, LSAMOMAXD}, {24, LSAMOMINUW, LSAMOMINUD}, {28, LSAMOMAXUW, LSAMOMAXUD}} {
		if c.w != LSOp(16+2*c.f5) || c.d != LSOp(16+2*c.f5+1) || !c.w.isAtomic() || !c.d.isAtomic() {
			t.Errorf("funct5 %d: %d %d", c.f5, c.w, c.d)
		}
	}
}

func TestAtomicSemantics(t *testing.T) {
	const old = 0x8000_0001_ffff_fffe // high half -2^31 + 1... low half -2 as int32
	for _, c := range []struct {
		op         LSOp
		addr, in   uint64
		out, next  uint64
		touched    bool
		res, nres  uint64
		wantErrAny bool
	}{
		{op: LSLRD, addr: 0x100, out: old, next: old, touched: true, nres: 0x100},
		{op: LSLRW, addr: 0x104, out: 0xffffffff80000001, next: old, touched: true, nres: 0x104},
		{op: LSSCD, addr: 0x100, in: 5, res: 0x100, out: 0, next: 5, touched: true},
		{op: LSSCD, addr: 0x100, in: 5, res: 0x108, out: 1, next: old},
		{op: LSSCW, addr: 0x104, in: 0x1_0000_0007, res: 0x104, out: 0, next: 0x7_ffff_fffe, touched: true},
		{op: LSAMOADDW, addr: 0x100, in: 3, out: 0xfffffffffffffffe, next: 0x8000_0001_0000_0001, touched: true},
		{op: LSAMOMINW, addr: 0x100, in: 1, out: 0xfffffffffffffffe, next: old, touched: true},
		{op: LSAMOMINUW, addr: 0x100, in: 1, out: 0xfffffffffffffffe, next: 0x8000_0001_0000_0001, touched: true},
		{op: LSAMOMAXW, addr: 0x104, in: 0xffff_ffff, out: 0xffffffff80000001, next: 0xffff_ffff_ffff_fffe, touched: true},
		{op: LSAMOMAXD, addr: 0x100, in: 1, out: old, next: 1, touched: true},
		{op: LSAMOMAXUD, addr: 0x100, in: 1, out: old, next: old, touched: true},
		{op: LSAMOSWAPD, addr: 0x104, wantErrAny: true},
		{op: LSAMOSWAPW, addr: 0x102, wantErrAny: true},
		{op: LSLD, addr: 0x100, wantErrAny: true},
	} {
		out, next, touched, nres, err := Atomic(c.op, c.addr, c.in, old, c.res)
		if c.wantErrAny {
			if err == nil {
				t.Errorf("%v at %#x accepted", c.op, c.addr)
			}
			continue
		}
		if err != nil || out != c.out || next != c.next || touched != c.touched || nres != c.nres {
			t.Errorf("%v at %#x in %#x: %#x %#x %v %#x %v; want %#x %#x %v %#x", c.op, c.addr, c.in, out, next, touched, nres, err,
				c.out, c.next, c.touched, c.nres)
		}
	}
}

const amoWord = 0x2000_0010

func atomicWorld() *memWorld {
	return newMemWorld(map[uint64]uint64{
		amoWord: 0x8000_0001_ffff_fffe, amoWord + 8: 0x7fff_ffff_0000_0005, ReservationAddr: 0,
	})
}

// atomicParts assembles the atomic table with the ALU chips (for its BusALU messages), the test
// balancers and the lookup tables, which count the lookups of both.
type atomicParts struct {
	m     *stark.Matrix
	cnt   *counts
	alu   []Event
	mem   []busRow
	ls    []busRow
	flags []busRow
}

func runAtomic(t testing.TB, w *memWorld, steps []lsStep) []lsEvent {
	t.Helper()
	var evs []lsEvent
	for i, s := range steps {
		e, err := resolveAtomic(w.tracker, s.op, s.addr, s.in, Timestamp(uint64(i+1), SlotMem))
		if err != nil {
			t.Fatalf("%v at %#x: %v", s.op, s.addr, err)
		}
		evs = append(evs, e)
	}
	return evs
}

func atomicStatementParts(t testing.TB, evs []lsEvent, w *memWorld) *atomicParts {
	t.Helper()
	m, cnt, alu, pages, err := atomicTrace(evs, 0)
	if err != nil {
		t.Fatal(err)
	}
	p := &atomicParts{m: m, cnt: cnt, alu: alu, mem: w.rows(t), flags: pageFlagRows(pages)}
	for i := range evs {
		p.ls = append(p.ls, busRow{vals: lsTuple(&evs[i]), send: true})
	}
	return p
}

func (p *atomicParts) prove(t testing.TB, omit map[string]bool) error {
	t.Helper()
	alu := aluTracesWith(t, p.alu, p.cnt)
	tables := append([]*stark.Table{atomicTable(omit), balancerTable("test_pager", BusMem, 8), balancerTable("test_cpu", BusLS, 13),
		balancerTable("test_page_flags", BusPageFlag, 4)}, ALUTables()...)
	traces := append([]*stark.Matrix{p.m, balancerTrace(8, p.mem), balancerTrace(13, p.ls), balancerTrace(4, p.flags)}, alu...)
	return proveStatement(t, tables, traces)
}

// TestAtomicCompleteness: every AMO in both widths and both halves on values that make the
// signed and unsigned comparisons differ, LR/SC pairs that succeed and fail (no reservation,
// another address, a reservation cleared by an earlier SC), and LR/SC on the reservation word
// itself.
func TestAtomicCompleteness(t *testing.T) {
	w := atomicWorld()
	var steps []lsStep
	ins := []uint64{1, 0xffff_ffff_8000_0000, 0x7fff_ffff, 0x8000_0000_0000_0001}
	for i, op := range amoOps {
		offs := []uint64{0, 4}
		if op&1 == 1 {
			offs = []uint64{0}
		}
		for _, off := range offs {
			steps = append(steps, lsStep{op, amoWord + 8*uint64(i&1) + off, ins[(i+int(off))%len(ins)]})
		}
	}
	steps = append(steps,
		lsStep{LSLRD, amoWord, 0}, lsStep{LSSCD, amoWord, 0x1234}, // succeeds
		lsStep{LSSCD, amoWord, 0x5678},                                  // fails: the reservation was cleared
		lsStep{LSLRW, amoWord + 12, 0}, lsStep{LSSCW, amoWord + 8, 0x9}, // fails: another address
		lsStep{LSLRW, amoWord + 12, 0}, lsStep{LSSCW, amoWord + 12, 0xffff_ffff_8765_4321}, // succeeds
		lsStep{LSLRD, ReservationAddr, 0}, lsStep{LSSCD, ReservationAddr, 0x42}, // on the reservation word
	)
	evs := runAtomic(t, w, steps)
	n := len(steps)
	if evs[n-1].Out != 0 || evs[n-3].Out != 0 || evs[n-5].Out != 1 || evs[n-7].Out != 1 || evs[n-8].Out != 0 {
		t.Fatal("SC outcomes differ from the executor's")
	}
	if err := atomicStatementParts(t, evs, w).prove(t, nil); err != nil {
		t.Fatal(err)
	}
}

func TestAtomicTraceRefuses(t *testing.T) {
	w := atomicWorld()
	evs := runAtomic(t, w, []lsStep{{LSLRD, amoWord, 0}, {LSSCD, amoWord + 8, 3}, {LSAMOADDD, amoWord, 2}})
	for name, f := range map[string]func(e []lsEvent){
		"wrong out":              func(e []lsEvent) { e[2].Out ^= 1 },
		"failing SC writes":      func(e []lsEvent) { e[1].Words[0] = Access{Addr: amoWord + 8, Ts: e[1].Ts} },
		"LR without reservation": func(e []lsEvent) { e[0].Res = Access{} },
		"AMO with reservation":   func(e []lsEvent) { e[2].Res = e[0].Res },
		"plain load":             func(e []lsEvent) { e[2].Op = LSLD },
	} {
		bad := append([]lsEvent(nil), evs...)
		f(bad)
		if _, _, _, _, err := atomicTrace(bad, 0); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := resolveAtomic(atomicWorld().tracker, LSAMOADDD, amoWord+4, 1, 5); !errors.Is(err, ErrLSAddress) {
		t.Errorf("misaligned AMO: %v", err)
	}
}

func atomicCol(t testing.TB, name string) int {
	for i, n := range atomicTable(nil).ColumnNames() {
		if n == name {
			return i
		}
	}
	t.Fatalf("no column %q", name)
	return 0
}

func TestAtomicTampers(t *testing.T) {
	for _, tc := range []struct {
		name string
		rule string
		want error
		// forged builds the dishonest statement from the world the honest steps ran against.
		forged func(t *testing.T) *atomicParts
	}{
		{name: "SC succeeds with a wrong reservation", rule: "SC success needs the reservation", want: stark.ErrConstraint,
			forged: func(t *testing.T) *atomicParts {
				w := atomicWorld()
				evs := runAtomic(t, w, []lsStep{{LSLRD, amoWord, 0}})
				// SC at amoWord + 8 while amoWord is reserved: claim success and store.
				ts := Timestamp(2, SlotMem)
				sc := lsEvent{Op: LSSCD, Addr: amoWord + 8, Ts: ts, In: 0x77}
				var err error
				if sc.Res, err = w.tracker.access(ReservationAddr, amoWord, 0, ts-1); err != nil {
					t.Fatal(err)
				}
				old, _, _ := w.tracker.final(amoWord + 8)
				if sc.Words[0], err = w.tracker.access(amoWord+8, old, 0x77, ts); err != nil {
					t.Fatal(err)
				}
				return withForgedRow(t, w, evs, &sc)
			}},
		{name: "SC fails although reserved", rule: "SC failure needs another reservation", want: stark.ErrConstraint,
			forged: func(t *testing.T) *atomicParts {
				w := atomicWorld()
				evs := runAtomic(t, w, []lsStep{{LSLRD, amoWord, 0}})
				ts := Timestamp(2, SlotMem)
				sc := lsEvent{Op: LSSCD, Addr: amoWord, Ts: ts, In: 0x77, Out: 1}
				var err error
				if sc.Res, err = w.tracker.access(ReservationAddr, amoWord, 0, ts-1); err != nil {
					t.Fatal(err)
				}
				return withForgedRow(t, w, evs, &sc)
			}},
		{name: "AMOMIN stores the larger", rule: "min/max select", want: stark.ErrConstraint,
			forged: func(t *testing.T) *atomicParts {
				w := atomicWorld()
				evs := runAtomic(t, w, []lsStep{{LSAMOMIND, amoWord, 1}}) // old is negative: min is old
				p := atomicStatementParts(t, evs, w)
				setLimbsAt(p.m, 0, atomicLayout.res, 1)
				setLimbsAt(p.m, 0, atomicLayout.next, 1)
				p.mem[findRow(p.mem, amoWord, true)].vals = memTuple(amoWord, 1, evs[0].Ts)
				return p
			}},
		{name: "AMO writes a wrong result", rule: "ALU result", want: stark.ErrConstraint,
			forged: func(t *testing.T) *atomicParts {
				w := atomicWorld()
				evs := runAtomic(t, w, []lsStep{{LSAMOADDD, amoWord, 5}})
				p := atomicStatementParts(t, evs, w)
				// memory gets old + 6 while the ALU said old + 5
				next := evs[0].Words[0].Next + 1
				setLimbsAt(p.m, 0, atomicLayout.res, next)
				setLimbsAt(p.m, 0, atomicLayout.next, next)
				p.mem[findRow(p.mem, amoWord, true)].vals = memTuple(amoWord, next, evs[0].Ts)
				return p
			}},
		{name: "AMO.W returns the old value unextended", rule: "sign is bit 31", want: stark.ErrUnbalancedBus,
			forged: func(t *testing.T) *atomicParts {
				w := atomicWorld()
				evs := runAtomic(t, w, []lsStep{{LSAMOSWAPW, amoWord, 5}}) // old low half 0xfffffffe
				p := atomicStatementParts(t, evs, w)
				p.m.SetUint(0, atomicCol(t, "sign"), 0)
				for j := 2; j < 4; j++ {
					p.m.SetUint(0, atomicCol(t, "out["+string(rune('0'+j))+"]"), 0)
					p.ls[0].vals[9+j] = 0
				}
				// the honest lookup 2·(0xffff - 2^15) goes; the forged 2·0xffff is no limb
				p.cnt.limbs[0xfffe]--
				return p
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkForgery(t, tc.forged(t).prove(t, nil), false, tc.want, tc.rule)
			checkForgery(t, tc.forged(t).prove(t, map[string]bool{tc.rule: true}), true, tc.want, tc.rule)
		})
	}
}

// withForgedRow is the statement of the honest events evs with the forged event e filled in as
// the next row, bypassing the event check (the world's tracker made e's accesses).
func withForgedRow(t *testing.T, w *memWorld, evs []lsEvent, e *lsEvent) *atomicParts {
	t.Helper()
	p := atomicStatementParts(t, evs, w)
	_, _, _, pages, err := atomicTrace(evs, 0)
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := atomicFill(p.m, len(evs), e, p.cnt, pages); ok {
		p.alu = append(p.alu, a)
	}
	p.mem = w.rows(t)
	p.ls = append(p.ls, busRow{vals: lsTuple(e), send: true})
	p.flags = pageFlagRows(pages)
	return p
}
