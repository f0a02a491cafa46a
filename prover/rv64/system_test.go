package rv64

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
)

// Test-only counterparts of the system tables' buses: a CPU that sends the BusSys messages, a
// memory table that pages words in and out and makes the register writes that set up each host
// call, and a Poseidon2 stand-in whose (in, out) pairs are preprocessed, computed with
// hash.Permute24.

// testSysCPU sends (kind, ts, pc[3], next_pc[3], mode) on BusSys, one row per event.
func testSysCPU() *stark.Table {
	t := stark.NewTable("test_sys_cpu")
	cols := t.Columns("msg", 9)
	isReal := t.Column("is_real")
	t.AssertBool("is_real boolean", isReal.Cur())
	t.Send(BusSys, isReal.Cur(), cur(cols)...)
	return t
}

func testSysCPUTrace(evs []sysEvent) *stark.Matrix {
	m := stark.NewMatrix(10, 1<<uint(logRows(len(evs))))
	for i, e := range evs {
		pc, np := addrLimbs(e.PC), addrLimbs(e.NextPC)
		vals := []uint64{uint64(e.Kind), e.Ts, pc[0], pc[1], pc[2], np[0], np[1], np[2], e.Mode, 1}
		for c, v := range vals {
			m.SetUint(i, c, v)
		}
	}
	return m
}

// testMem sends (addr, v2, ts2) with multiplicity send and receives (addr, v1, ts1) with
// multiplicity recv: page-in (send only, ts 0), page-out (receive only) and the test's own
// accesses (both).
func testMem() *stark.Table {
	t := stark.NewTable("test_mem")
	addr := t.Columns("addr", 3)
	v1, ts1 := t.Columns("v1", 4), t.Column("ts1")
	v2, ts2 := t.Columns("v2", 4), t.Column("ts2")
	send, recv := t.Column("send"), t.Column("recv")
	a := [3]stark.Expr{addr[0].Cur(), addr[1].Cur(), addr[2].Cur()}
	t.Send(BusMem, send.Cur(), memMessage(a, limbCols(v2), ts2.Cur())...)
	t.Receive(BusMem, recv.Cur(), memMessage(a, limbCols(v1), ts1.Cur())...)
	return t
}

type memRow struct {
	addr, v1, ts1, v2, ts2 uint64
	send, recv             bool
}

func testMemTrace(rows []memRow) *stark.Matrix {
	m := stark.NewMatrix(15, 1<<uint(logRows(len(rows))))
	for i, r := range rows {
		a := addrLimbs(r.addr)
		for k := 0; k < 3; k++ {
			m.SetUint(i, k, a[k])
		}
		setLimbs(m, i, 3, r.v1)
		m.SetUint(i, 7, r.ts1)
		setLimbs(m, i, 8, r.v2)
		m.SetUint(i, 12, r.ts2)
		m.SetUint(i, 13, b2u(r.send))
		m.SetUint(i, 14, b2u(r.recv))
	}
	return m
}

// testP24 is a lookup table of width-24 permutations: the given inputs with their outputs,
// padded with permutations of distinct dummy inputs.
func testP24(ins [][24]stark.F) *stark.Table {
	t := stark.NewTable("test_p24")
	mult := t.Column("mult")
	keys := make([]stark.Column, 48)
	for i := range keys {
		keys[i] = t.Preprocessed("io")
	}
	n := 1 << uint(logRows(len(ins)))
	pre := stark.NewMatrix(48, n)
	for r := 0; r < n; r++ {
		var s [24]stark.F
		if r < len(ins) {
			s = ins[r]
		} else {
			s[0].SetUint64(uint64(1000 + r))
		}
		for k := 0; k < 24; k++ {
			pre.Cols[k][r] = s[k]
		}
		hash.Permute24(&s)
		for k := 0; k < 24; k++ {
			pre.Cols[24+k][r] = s[k]
		}
	}
	t.SetPreprocessed(pre)
	t.LookupTable(BusP24, mult.Cur(), keys...)
	return t
}

func testP24Trace(ins [][24]stark.F) *stark.Matrix {
	m := stark.NewMatrix(1, 1<<uint(logRows(len(ins))))
	for r := range ins {
		m.SetUint(r, 0, 1)
	}
	return m
}

// scenario builds a segment's system events against a memory of a few pages, with the register
// writes that set up each call made by the test memory table.
type scenario struct {
	t      testing.TB
	pages  []vm.PageRecord
	tr     *memTracker
	cycle  uint64
	writes []memRow
	evs    []sysEvent
}

const (
	bufPage = 0x10000 // two user pages at 0x10000 and 0x11000
)

func newScenario(t testing.TB) *scenario {
	pages := []vm.PageRecord{{Page: vm.MachineBase >> 12}, {Page: bufPage >> 12}, {Page: bufPage>>12 + 1}}
	for p := 1; p < 3; p++ {
		for i := range pages[p].Data {
			pages[p].Data[i] = byte(i*7 + p)
		}
	}
	return &scenario{t: t, pages: pages, tr: newMemTracker(pages)}
}

// store writes v to the word at addr in its own cycle (slot SlotRd), as an instruction would.
func (s *scenario) store(addr, v uint64) {
	s.t.Helper()
	w, err := s.tr.word(addr)
	if err != nil {
		s.t.Fatal(err)
	}
	ts := Timestamp(s.cycle, SlotRd)
	a, err := s.tr.access(addr, w.v, v, ts)
	if err != nil {
		s.t.Fatal(err)
	}
	s.writes = append(s.writes, memRow{addr: addr, v1: a.Prev, ts1: a.PrevTs, v2: v, ts2: ts, send: true, recv: true})
	s.cycle++
}

func (s *scenario) setRegs(regs map[uint64]uint64) {
	for r, v := range regs {
		s.store(RegAddr(1, r), v)
	}
}

func (s *scenario) sys(kind int, pc, mode uint64, input []byte) sysEvent {
	s.t.Helper()
	e, err := resolveSys(s.tr, kind, s.cycle, pc, mode, input)
	if err != nil {
		s.t.Fatal(err)
	}
	s.evs = append(s.evs, e)
	s.cycle++
	return e
}

func (s *scenario) host(pc uint64, call uint64, a0, a1, a2 uint64, input []byte) sysEvent {
	s.setRegs(map[uint64]uint64{regA7: call, regA0: a0, regA1: a1, regA2: a2})
	return s.sys(SysHost, pc, 1, input)
}

// statement assembles the system tables, the lookup tables and the test counterparts for events
// evs (possibly forged) and register writes, with the public values they fix.
type sysStatement struct {
	tables []*stark.Table
	traces []*stark.Matrix
	public []stark.F
	st     *sysTrace
}

// Trace positions in sysStatement.
const (
	sSys = iota
	sIO
	sJournal
	sBytes
	sRange16
	sCPU
	sMem
	sP24
)

// memRows pages in every word the writes and events touch, replays them to find each word's
// final value, and pages it out.
func (s *scenario) memRows(evs []sysEvent) []memRow {
	type fin struct{ v, ts uint64 }
	init := map[uint64]uint64{}
	final := map[uint64]fin{}
	touch := func(a Access) {
		if _, ok := init[a.Addr]; !ok {
			p := newMemTracker(s.pages)
			w, err := p.word(a.Addr)
			if err != nil {
				s.t.Fatal(err)
			}
			init[a.Addr] = w.v
		}
		if f, ok := final[a.Addr]; !ok || a.Ts > f.ts {
			final[a.Addr] = fin{a.Next, a.Ts}
		}
	}
	for _, w := range s.writes {
		touch(Access{Addr: w.addr, Next: w.v2, Ts: w.ts2})
	}
	for i := range evs {
		for _, a := range evs[i].Acc {
			if a.Addr != 0 {
				touch(a)
			}
		}
		for _, a := range evs[i].Words {
			touch(a)
		}
	}
	addrs := make([]uint64, 0, len(init))
	for a := range init {
		addrs = append(addrs, a)
	}
	slices.Sort(addrs)
	rows := append([]memRow(nil), s.writes...)
	for _, a := range addrs {
		rows = append(rows, memRow{addr: a, v2: init[a], send: true}, memRow{addr: a, v1: final[a].v, ts1: final[a].ts, recv: true})
	}
	return rows
}

func (s *scenario) statement(evs []sysEvent, omit map[string]map[string]bool) *sysStatement {
	s.t.Helper()
	st := fillSystem(evs, nil)
	lt, err := st.Counts.traces()
	if err != nil {
		s.t.Fatal(err)
	}
	pub := make([]stark.F, NumPublic)
	st.public(pub)
	tables := append(systemTables(omit), journalTable(omit["journal"]), byteTable(), range16Table(), testSysCPU(), testMem(), testP24(st.P24))
	traces := []*stark.Matrix{st.Sys, st.IO, st.Journal, lt[0], lt[3], testSysCPUTrace(evs), testMemTrace(s.memRows(evs)), testP24Trace(st.P24)}
	return &sysStatement{tables: tables, traces: traces, public: pub, st: st}
}

func (ss *sysStatement) prove(t testing.TB, verify bool) error {
	t.Helper()
	air, err := stark.NewAIR("rv64-sys-test", NumPublic, ss.tables...)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := stark.Setup(air, stark.TestParams())
	if err != nil {
		t.Fatal(err)
	}
	proof, err := stark.Prove(context.Background(), pk, ss.traces, ss.public)
	if err != nil || !verify {
		return err
	}
	return stark.Verify(pk.VerifyingKey(), proof, ss.public, stark.VerifierConfig{})
}

// honestScenario exercises every kind: both traps, mret, READs of several lengths and
// alignments (EOF and a whole page included), WRITEs to fd 1 and to the journal, and HALT.
func honestScenario(t testing.TB) (*scenario, []byte) {
	s := newScenario(t)
	s.sys(SysEcall, 0x1000, 0, nil)
	s.store(vm.MachineBase+mpEPC, 0x1004) // the kernel's epc + 4
	s.sys(SysMret, vm.KernelBase+0x40, 1, nil)
	s.sys(SysIllegal, 0x1004, 0, nil)
	s.sys(SysMret, vm.KernelBase+0x80, 1, nil)
	input := make([]byte, 5000)
	for i := range input {
		input[i] = byte(i*13 + 5)
	}
	reads := []struct{ addr, length, n uint64 }{
		{bufPage + 3, 5, 5},            // inside one word
		{bufPage + 6, 100, 13},         // input shorter than asked, across words
		{bufPage + 0x20, 8, 8},         // one aligned word
		{bufPage + 0xff9, 64, 7},       // cut at the page end
		{bufPage + 0x1000, 4096, 4096}, // a whole page
		{bufPage + 0x800, 1 << 40, 30}, // a length far above the page
		{bufPage + 0x40, 10, 0},        // EOF
		{1 << 60, 10, 0},               // EOF with an address no page holds
	}
	pos := 0
	for _, r := range reads {
		s.host(vm.KernelBase+0x100, hostRead, r.addr, r.length, 0, input[pos:pos+int(r.n)])
		pos += int(r.n)
	}
	var journal []byte
	writes := []struct{ fd, addr, length uint64 }{
		{1, bufPage + 1, 9},
		{fdJournal, bufPage + 3, 5},
		{fdJournal, bufPage + 0x105, 40},
		{2, bufPage + 0x200, 0},
		{fdJournal, bufPage + 0xffe, 50}, // cut at the page end: 2 bytes
		{fdJournal, bufPage + 0x1001, 1},
		{1, bufPage + 0xf00, 1 << 63}, // cut at the page end: 256 bytes
	}
	for _, w := range writes {
		e := s.host(vm.KernelBase+0x200, hostWrite, w.fd, w.addr, w.length, nil)
		if w.fd == fdJournal {
			for _, a := range e.Words {
				for k := uint64(0); k < 8; k++ {
					if b := a.Addr + k; b >= w.addr && b < w.addr+e.N {
						journal = append(journal, byte(a.Prev>>(8*k)))
					}
				}
			}
		}
	}
	s.host(vm.KernelBase+0x300, hostHalt, 0x1234, 0, 0, nil)
	return s, journal
}

func TestSystemHonest(t *testing.T) {
	s, journal := honestScenario(t)
	st, err := systemTrace(s.evs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.JournalBytes, journal) {
		t.Fatalf("journal %x, want %x", st.JournalBytes, journal)
	}
	if d := hash.HashBytes(journal); d != hash.Digest(st.Digest) {
		t.Fatalf("digest %v, want %v", hash.Digest(st.Digest), d)
	}
	if !st.Halted || st.ExitCode != 0x34 {
		t.Fatalf("halted %v exit %#x", st.Halted, st.ExitCode)
	}
	if err := s.statement(s.evs, nil).prove(t, true); err != nil {
		t.Fatal(err)
	}
}

// TestSystemEmptyJournal: no journal bytes hash to HashBytes(nil); a segment that does not halt
// has halted = 0 and exit code 0.
func TestSystemEmptyJournal(t *testing.T) {
	s := newScenario(t)
	s.sys(SysEcall, 0x2000, 0, nil)
	s.host(vm.KernelBase+8, hostWrite, 1, bufPage, 16, nil)
	ss := s.statement(s.evs, nil)
	if hash.Digest(ss.st.Digest) != hash.HashBytes(nil) || ss.st.Halted {
		t.Fatal("wrong public values")
	}
	if err := ss.prove(t, true); err != nil {
		t.Fatal(err)
	}
	// No events at all.
	s = newScenario(t)
	if err := s.statement(nil, nil).prove(t, true); err != nil {
		t.Fatal(err)
	}
}

// TestSystemFullTables fills every table to its height, so that the last real rows are the
// tables' last rows: 8 system events, 32 words, and a 248-byte journal (256 bytes with its
// length, 8 sponge blocks).
func TestSystemFullTables(t *testing.T) {
	s := newScenario(t)
	for i := 0; i < 3; i++ {
		s.sys(SysEcall, 0x1000, 0, nil)
		s.sys(SysMret, vm.KernelBase, 1, nil)
	}
	s.host(vm.KernelBase, hostWrite, 1, bufPage+0x800, 8, nil)
	e := s.host(vm.KernelBase, hostWrite, fdJournal, bufPage, 248, nil)
	ss := s.statement(s.evs, nil)
	for i, want := range []int{8, 32, 8} {
		if h := ss.traces[i].Height; h != want {
			t.Fatalf("table %d has %d rows, want %d", i, h, want)
		}
	}
	var journal []byte
	for _, w := range e.Words {
		for k := 0; k < 8; k++ {
			journal = append(journal, byte(w.Prev>>(8*k)))
		}
	}
	if hash.Digest(ss.st.Digest) != hash.HashBytes(journal) {
		t.Fatal("digest mismatch")
	}
	if err := ss.prove(t, true); err != nil {
		t.Fatal(err)
	}
}

func TestResolveSysRefuses(t *testing.T) {
	for name, f := range map[string]func(s *scenario) error{
		"trap in kernel mode": func(s *scenario) error {
			_, err := resolveSys(s.tr, SysEcall, s.cycle, 0x1000, 1, nil)
			return err
		},
		"mret in user mode": func(s *scenario) error {
			_, err := resolveSys(s.tr, SysMret, s.cycle, 0x1000, 0, nil)
			return err
		},
		"READY": func(s *scenario) error {
			s.setRegs(map[uint64]uint64{regA7: 3})
			_, err := resolveSys(s.tr, SysHost, s.cycle, vm.KernelBase, 1, nil)
			return err
		},
		"FAULT": func(s *scenario) error {
			s.setRegs(map[uint64]uint64{regA7: 4})
			_, err := resolveSys(s.tr, SysHost, s.cycle, vm.KernelBase, 1, nil)
			return err
		},
		"WRITE to fd 4": func(s *scenario) error {
			s.setRegs(map[uint64]uint64{regA7: hostWrite, regA0: 4, regA1: bufPage, regA2: 1})
			_, err := resolveSys(s.tr, SysHost, s.cycle, vm.KernelBase, 1, nil)
			return err
		},
		"READ beyond its length": func(s *scenario) error {
			s.setRegs(map[uint64]uint64{regA7: hostRead, regA0: bufPage, regA1: 2})
			_, err := resolveSys(s.tr, SysHost, s.cycle, vm.KernelBase, 1, []byte{1, 2, 3})
			return err
		},
		"READ across a page": func(s *scenario) error {
			s.setRegs(map[uint64]uint64{regA7: hostRead, regA0: bufPage + 0xffe, regA1: 8})
			_, err := resolveSys(s.tr, SysHost, s.cycle, vm.KernelBase, 1, []byte{1, 2, 3})
			return err
		},
		"READ into the registers it reads": func(s *scenario) error {
			s.setRegs(map[uint64]uint64{regA7: hostRead, regA0: RegAddr(1, regA1), regA1: 8})
			_, err := resolveSys(s.tr, SysHost, s.cycle, vm.KernelBase, 1, []byte{1, 2, 3})
			return err
		},
		"unknown kind": func(s *scenario) error {
			_, err := resolveSys(s.tr, 5, s.cycle, 0x1000, 0, nil)
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			if err := f(newScenario(t)); !errors.Is(err, ErrSysEvent) {
				t.Fatalf("got %v", err)
			}
		})
	}
	s := newScenario(t)
	s.host(vm.KernelBase, hostHalt, 0, 0, 0, nil)
	s.host(vm.KernelBase, hostWrite, 1, bufPage, 1, nil)
	if _, err := systemTrace(s.evs, nil); !errors.Is(err, ErrSysEvent) {
		t.Fatalf("event after HALT: got %v", err)
	}
}

// sysTamper is one dishonest execution: forge changes the scenario's events (and the public
// values or traces after filling) as a cheating prover would, keeping every other rule
// satisfied; omit lists the rules without which the forgery proves.
type sysTamper struct {
	name  string
	build func(s *scenario)
	forge func(s *scenario, evs []sysEvent) []sysEvent
	post  func(ss *sysStatement, weak bool) // weak: the statement without the rules in omit
	want  error
	rule  string // the rule that must catch it (a constraint's name), "" for a bus
	omit  map[string]map[string]bool
}

func cloneEvents(evs []sysEvent) []sysEvent {
	out := make([]sysEvent, len(evs))
	for i, e := range evs {
		out[i] = e
		out[i].Words = append([]Access(nil), e.Words...)
	}
	return out
}

// rejournal refills the journal table for bytes j and makes the public digest and the
// Poseidon2 stand-in follow it, as a prover hashing a journal of its choice would.
func rejournal(ss *sysStatement, j []byte) {
	var c counts
	m, d, ins := journalTrace(j, &c, 0)
	ss.traces[sJournal] = m
	copy(ss.public[PubJournal:], d[:])
	ss.tables[sP24] = testP24(ins)
	ss.traces[sP24] = testP24Trace(ins)
	// The length bytes' lookups move with the length.
	var old counts
	journalTrace(ss.st.JournalBytes, &old, 0)
	for v := range 256 {
		var delta stark.F
		delta.SetInt64(int64(c.bytes[v]) - int64(old.bytes[v]))
		ss.traces[sBytes].Cols[0][v].Add(&ss.traces[sBytes].Cols[0][v], &delta)
	}
}

func journalScenario(s *scenario) {
	s.host(vm.KernelBase, hostWrite, fdJournal, bufPage+3, 11, nil)
	s.host(vm.KernelBase, hostWrite, fdJournal, bufPage+0x40, 4, nil)
}

func sysTampers() []sysTamper {
	ecall := func(s *scenario) { s.sys(SysEcall, 0x1000, 0, nil) }
	illegal := func(s *scenario) { s.sys(SysIllegal, 0x1000, 0, nil) }
	mret := func(s *scenario) {
		s.store(vm.MachineBase+mpEPC, 0x1004)
		s.sys(SysMret, vm.KernelBase, 1, nil)
	}
	read := func(s *scenario) { s.host(vm.KernelBase, hostRead, bufPage+2, 9, 0, []byte{1, 2, 3}) }
	halt := func(s *scenario) { s.host(vm.KernelBase, hostHalt, 0x105, 0, 0, nil) }
	sys := func(rules ...string) map[string]map[string]bool {
		m := map[string]bool{}
		for _, r := range rules {
			m[r] = true
		}
		return map[string]map[string]bool{"sys": m}
	}
	return []sysTamper{
		{name: "trap writes a wrong epc", build: ecall, want: stark.ErrConstraint, rule: "trap epc", omit: sys("trap epc"),
			forge: func(s *scenario, evs []sysEvent) []sysEvent { evs[0].Acc[1].Next += 4; return evs }},
		{name: "trap writes a wrong cause", build: illegal, want: stark.ErrConstraint, rule: "trap cause", omit: sys("trap cause"),
			forge: func(s *scenario, evs []sysEvent) []sysEvent { evs[0].Acc[0].Next = causeEcall; return evs }},
		{name: "trap from kernel mode", build: ecall, want: stark.ErrConstraint, rule: "mode by kind", omit: sys("mode by kind"),
			forge: func(s *scenario, evs []sysEvent) []sysEvent { evs[0].Mode = 1; return evs }},
		{name: "mret to a pc other than epc", build: mret, want: stark.ErrConstraint, rule: "mret target", omit: sys("mret target"),
			forge: func(s *scenario, evs []sysEvent) []sysEvent { evs[0].NextPC += 8; return evs }},
		{name: "host call with next pc != pc + 4", build: halt, want: stark.ErrConstraint, rule: "host next pc", omit: sys("host next pc"),
			forge: func(s *scenario, evs []sysEvent) []sysEvent { evs[0].NextPC += 4; return evs }},
		{name: "forged exit code", build: halt, want: stark.ErrConstraint, rule: "exit code public", omit: sys("exit code public"),
			post: func(ss *sysStatement, _ bool) { ss.public[PubExitCode].SetUint64(6) }},
		{name: "host call pretending to be an instruction", build: read, want: stark.ErrConstraint, rule: "kind by flags", omit: sys("kind by flags"),
			post: func(ss *sysStatement, _ bool) {
				// The CPU sent mret (kind 3, which switches it to user mode) for the READ row.
				ss.traces[sSys].SetUint(0, colIdx(ss.tables[sSys], "kind"), SysMret)
				ss.traces[sCPU].SetUint(0, 0, SysMret)
			}},
		{name: "unknown host call number", build: read, want: stark.ErrConstraint, rule: "host call number", omit: sys("host call number"),
			forge: func(s *scenario, evs []sysEvent) []sysEvent {
				// a7 = 3 (READY) served as a READ: the register write and the reads say 3.
				for i := range s.writes {
					if s.writes[i].addr == RegAddr(1, regA7) {
						s.writes[i].v2 = 3
					}
				}
				evs[0].Acc[0].Prev, evs[0].Acc[0].Next = 3, 3
				return evs
			}},
		{name: "READ writes outside [a0, a0+n)", build: read, want: stark.ErrConstraint, rule: "bytes outside the range are kept",
			omit: map[string]map[string]bool{"sys_io": {"bytes outside the range are kept": true}},
			forge: func(s *scenario, evs []sysEvent) []sysEvent {
				// The byte after the three read ones (address +5) is overwritten too.
				evs[0].Words[0].Next = evs[0].Words[0].Next&^(0xff<<40) | 0x77<<40
				return evs
			}},
		{name: "READ with n > a1", build: func(s *scenario) { s.host(vm.KernelBase, hostRead, bufPage, 8, 0, []byte{1, 2, 3, 4, 5, 6, 7, 8}) },
			want: stark.ErrConstraint, rule: "length bound", omit: sys("length bound"),
			forge: func(s *scenario, evs []sysEvent) []sysEvent {
				for i := range s.writes {
					if s.writes[i].addr == RegAddr(1, regA1) {
						s.writes[i].v2 = 5
					}
				}
				evs[0].Acc[2].Prev, evs[0].Acc[2].Next = 5, 5
				return evs
			}},
		{name: "WRITE reports a wrong n", build: func(s *scenario) { s.host(vm.KernelBase, hostWrite, 1, bufPage, 6, nil) },
			want: stark.ErrConstraint, rule: "write length exact", omit: sys("write length exact"),
			forge: func(s *scenario, evs []sysEvent) []sysEvent {
				evs[0].N, evs[0].Acc[1].Next = 5, 5
				return evs
			}},
		{name: "WRITE claims the page ends early", build: func(s *scenario) { s.host(vm.KernelBase, hostWrite, 1, bufPage+0xff0, 12, nil) },
			want: stark.ErrConstraint, rule: "write clamp", omit: sys("write clamp"),
			forge: func(s *scenario, evs []sysEvent) []sysEvent {
				evs[0].N, evs[0].Acc[1].Next = 3, 3 // clamped at 3 bytes, not 12
				evs[0].Words = evs[0].Words[:1]
				return evs
			},
			post: func(ss *sysStatement, _ bool) {
				ss.traces[sSys].SetUint(0, colIdx(ss.tables[sSys], "write_clamped"), 1)
			}},
		{name: "journal digest of another journal", build: journalScenario, want: stark.ErrConstraint, rule: "journal digest",
			omit: map[string]map[string]bool{"journal": {"journal digest": true}},
			post: func(ss *sysStatement, _ bool) {
				d := hash.HashBytes(append(slices.Clone(ss.st.JournalBytes), 0))
				copy(ss.public[PubJournal:], d[:])
			}},
		{name: "journal byte changed", build: journalScenario, want: stark.ErrUnbalancedBus,
			omit: map[string]map[string]bool{"journal": {"journal byte": true}, "sys_io": {"journal byte": true}},
			post: func(ss *sysStatement, _ bool) {
				j := slices.Clone(ss.st.JournalBytes)
				j[4] ^= 1
				rejournal(ss, j)
			}},
		{name: "journal byte dropped", build: journalScenario, want: stark.ErrUnbalancedBus,
			omit: map[string]map[string]bool{"journal": {"journal byte": true}, "sys_io": {"journal byte": true}},
			post: func(ss *sysStatement, _ bool) { rejournal(ss, slices.Delete(slices.Clone(ss.st.JournalBytes), 12, 13)) }},
		{name: "journal bytes reordered", build: journalScenario, want: stark.ErrUnbalancedBus,
			omit: map[string]map[string]bool{"journal": {"journal byte": true}, "sys_io": {"journal byte": true}},
			post: func(ss *sysStatement, _ bool) {
				j := slices.Clone(ss.st.JournalBytes)
				j[10], j[11] = j[11], j[10]
				if j[10] == j[11] {
					panic("test journal bytes equal")
				}
				rejournal(ss, j)
			}},
		{name: "event after HALT", build: func(s *scenario) { halt(s); read(s) }, want: stark.ErrConstraint, rule: "halt is last", omit: sys("halt is last")},
		{name: "second HALT", build: func(s *scenario) {
			s.host(vm.KernelBase, hostHalt, 0x100, 0, 0, nil)
			s.host(vm.KernelBase, hostHalt, 0x100, 0, 0, nil)
		},
			want: stark.ErrConstraint, rule: "halt is last", omit: sys("halt is last", "halted boolean"),
			post: func(ss *sysStatement, weak bool) {
				if weak {
					ss.public[PubHalted].SetUint64(2)
				}
			}},
		{name: "halted without HALT", build: read, want: stark.ErrConstraint, rule: "halt count", omit: sys("halt count"),
			post: func(ss *sysStatement, _ bool) { ss.public[PubHalted].SetUint64(1) }},
		{name: "events out of order", build: func(s *scenario) { read(s); ecall(s) }, want: stark.ErrUnbalancedBus,
			omit:  sys("ts order range"),
			forge: func(s *scenario, evs []sysEvent) []sysEvent { return []sysEvent{evs[1], evs[0]} },
			post: func(ss *sysStatement, weak bool) {
				// Row 1's gap to row 0 is negative: show it as lo = 0 and hi = gap/2^16 in F,
				// which no byte lookup accepts.
				m, tb := ss.traces[sSys], ss.tables[sSys]
				lo, hi := colIdx(tb, "ts_gap_lo"), colIdx(tb, "ts_gap_hi")
				unsend := func(row int) {
					bumpCount(ss.traces[sRange16], int(m.Cols[lo][row].Uint64()), -1)
					bumpCount(ss.traces[sBytes], int(m.Cols[hi][row].Uint64()&0xff), -1)
				}
				unsend(1)
				var gap, inv stark.F
				ts := colIdx(tb, "ts")
				gap.Sub(&m.Cols[ts][1], &m.Cols[ts][0])
				gap.Sub(&gap, new(stark.F).SetOne())
				inv.SetUint64(1 << 16)
				inv.Inverse(&inv)
				m.Cols[lo][1].SetZero()
				m.Cols[hi][1].Mul(&gap, &inv)
				if weak {
					unsend(0)
				} else {
					bumpCount(ss.traces[sRange16], 0, 1)
				}
			}},
	}
}

// TestSystemTampers: each forgery is refused by the rule it names, and proves once that rule is
// left out, so each test depends on its rule.
func TestSystemTampers(t *testing.T) {
	for _, tc := range sysTampers() {
		t.Run(tc.name, func(t *testing.T) { runTamper(t, tc) })
	}
}

func runTamper(t *testing.T, tc sysTamper) {
	t.Helper()
	build := func(omit map[string]map[string]bool) *sysStatement {
		s := newScenario(t)
		tc.build(s)
		evs := cloneEvents(s.evs)
		if tc.forge != nil {
			evs = tc.forge(s, evs)
		}
		ss := s.statement(evs, omit)
		if tc.post != nil {
			tc.post(ss, omit != nil)
		}
		return ss
	}
	err := build(nil).prove(t, false)
	if !errors.Is(err, tc.want) {
		t.Fatalf("forgery: got %v, want %v", err, tc.want)
	}
	if tc.rule != "" && !strings.Contains(err.Error(), tc.rule) {
		t.Fatalf("forgery caught by another rule: %v", err)
	}
	if err := build(tc.omit).prove(t, true); err != nil {
		t.Fatalf("without %v the forgery should pass, got %v", tc.omit, err)
	}
}

func colIdx(t *stark.Table, name string) int {
	i := slices.Index(t.ColumnNames(), name)
	if i < 0 {
		panic("no column " + name)
	}
	return i
}

// BenchmarkSystemCells reports the cells per row of the system tables: sys (one row per trap,
// mret or host call), sys_io (one row per word a READ or WRITE touches) and journal (one row per
// 32 bytes of the length-prefixed journal).
func BenchmarkSystemCells(b *testing.B) {
	tables := append(SystemTables(), JournalTable())
	for _, t := range tables {
		b.Run(t.Name(), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				_ = t.Width()
			}
			main, ext := t.Width(), 4*t.LogUpColumns()
			b.ReportMetric(float64(main), "main_cells/row")
			b.ReportMetric(float64(ext), "ext_cells/row")
			b.ReportMetric(float64(main+ext), "cells/row")
		})
	}
}

// BenchmarkSystemReadPages proves segments whose system events are whole-page READs (the
// costliest host call per event: 513 sys_io rows each) with DefaultParams, and reports trace
// generation and prove time per byte read. The fixed tables (the 2^16-row range table) and the
// test counterparts are included, so the figure falls with the number of pages. Run with
// -benchtime=1x.
func BenchmarkSystemReadPages(b *testing.B) {
	for _, pages := range []int{8, 64} {
		b.Run(fmt.Sprintf("pages=%d", pages), func(b *testing.B) {
			input := make([]byte, vm.PageSize)
			var gen, prove float64
			for i := 0; i < b.N; i++ {
				s := newScenario(b)
				for p := 0; p < pages; p++ {
					s.host(vm.KernelBase, hostRead, bufPage+uint64(p%2)*vm.PageSize+1, vm.PageSize, 0, input[:vm.PageSize-1])
				}
				start := time.Now()
				ss := s.statement(s.evs, nil)
				gen += float64(time.Since(start))
				air, err := stark.NewAIR("rv64-sys-bench", NumPublic, ss.tables...)
				if err != nil {
					b.Fatal(err)
				}
				pk, err := stark.Setup(air, stark.DefaultParams())
				if err != nil {
					b.Fatal(err)
				}
				start = time.Now()
				if _, err := stark.Prove(context.Background(), pk, ss.traces, ss.public); err != nil {
					b.Fatal(err)
				}
				prove += float64(time.Since(start))
			}
			n := float64(b.N) * float64(pages) * float64(vm.PageSize-1)
			b.ReportMetric(gen/n, "gen_ns/byte")
			b.ReportMetric(prove/n, "prove_ns/byte")
		})
	}
}
