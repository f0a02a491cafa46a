package rv64

import (
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"testing"

	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
)

// cpuELF wraps code (loaded at cpuUserCode, its entry) in a minimal static RV64 ELF executable.
func cpuELF(code []uint32) []byte {
	const off = 0x1000
	b := make([]byte, off+4*len(code))
	copy(b, []byte{0x7f, 'E', 'L', 'F', 2, 1, 1})
	le := binary.LittleEndian
	le.PutUint16(b[16:], 2)   // ET_EXEC
	le.PutUint16(b[18:], 243) // EM_RISCV
	le.PutUint32(b[20:], 1)
	le.PutUint64(b[24:], cpuUserCode)
	le.PutUint64(b[32:], 64) // program headers right after the header
	le.PutUint16(b[52:], 64)
	le.PutUint16(b[54:], 56)
	le.PutUint16(b[56:], 1)
	ph := b[64:]
	le.PutUint32(ph[0:], 1) // PT_LOAD
	le.PutUint32(ph[4:], 5) // R+X
	le.PutUint64(ph[8:], off)
	le.PutUint64(ph[16:], cpuUserCode)
	le.PutUint64(ph[24:], cpuUserCode)
	le.PutUint64(ph[32:], uint64(4*len(code)))
	le.PutUint64(ph[40:], uint64(4*len(code)))
	le.PutUint64(ph[48:], 0x1000)
	for i, w := range code {
		le.PutUint32(b[off+4*i:], w)
	}
	return b
}

// cpuForeignTable plays the accesses of the tables that are not in the test statement (memory,
// system): each row takes a word's previous (value, timestamp) off BusMem and puts its new one back.
func cpuForeignTable() *stark.Table {
	t := stark.NewTable("test_foreign")
	addr, prev, next := t.Columns("addr", 3), t.Columns("prev", 4), t.Columns("next", 4)
	prevTs, ts, isReal := t.Column("prev_ts"), t.Column("ts"), t.Column("is_real")
	t.AssertBool("is_real boolean", isReal.Cur())
	t.Receive(BusMem, isReal.Cur(), append(append(cur(addr), cur(prev)...), prevTs.Cur())...)
	t.Send(BusMem, isReal.Cur(), append(append(cur(addr), cur(next)...), ts.Cur())...)
	return t
}

// TestCPUExecutorSegment runs a real program on prover/vm (user code, an F instruction the kernel
// emulates after a trap, exit through the kernel's HALT host call), turns the executor's traced
// steps into CPU events, and proves the CPU, decode and mode tables with trace generation's own
// entry points, the real ALU chips, and stand-ins for the memory and system tables.
func TestCPUExecutorSegment(t *testing.T) {
	code := []uint32{
		cpuEncI(5, 0, 0, 10, 0x13), cpuEncI(7, 0, 0, 11, 0x13), // a0 = 5, a1 = 7
		cpuEncR(1, 11, 10, 0, 12, 0x33),                      // mul a2, a0, a1
		cpuEncS(-16, 12, 2, 3), cpuEncI(-16, 2, 3, 13, 0x03), // sd a2, -16(sp); ld a3, -16(sp)
		cpuEncB(8, 12, 13, 0), cpuEncI(1, 0, 0, 0, 0x13), // beq a3, a2, +8
		cpuFADD,                               // fadd.s: the kernel emulates it
		cpuEncI(0, 0, 0, 10, 0x13),            // a0 = 0
		cpuEncI(94, 0, 0, 17, 0x13), cpuECALL, // exit_group(0)
	}
	prog, err := vm.LoadELF(cpuELF(code))
	if err != nil {
		t.Fatal(err)
	}
	kinds := cpuProveExecution(t, prog, 1<<14)
	for k := uint64(1); k <= 4; k++ {
		if kinds[k] == 0 {
			t.Fatalf("no system message of kind %d: %v", k, kinds)
		}
	}
}

// TestCPUExecutorGoGuest proves the first segment (2^16 cycles with paging) of Go programs from
// prover/vm's corpus in the same way: the Go runtime's start-up, and float code that traps into the
// kernel's soft-float emulation.
func TestCPUExecutorGoGuest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go guests and proves their first segments")
	}
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-trimpath", "-gcflags=all=-d=compressinstructions=0",
		"-asmflags=all=-d=compressinstructions=0", "-o", dir+"/", "../vm/testdata/exitcode", "../vm/testdata/floats")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=riscv64", "CGO_ENABLED=0", "GORISCV64=rva20u64")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the guests: %v: %s", err, out)
	}
	for _, name := range []string{"exitcode", "floats"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(dir + "/" + name)
			if err != nil {
				t.Fatal(err)
			}
			prog, err := vm.LoadELF(data)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("system messages by kind: %v", cpuProveExecution(t, prog, 1<<16))
		})
	}
}

// cpuProveExecution executes prog, traces the first segment and proves its first n cycles (at
// most); it returns how many system messages of each kind the CPU sent.
func cpuProveExecution(t *testing.T, prog *vm.Program, n int) map[uint64]int {
	t.Helper()
	var segs []*vm.Segment
	if _, err := vm.Execute(context.Background(), prog, vm.Config{Po2: 16, OnSegment: func(s *vm.Segment) error {
		segs = append(segs, s)
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	seg := segs[0]
	var steps []vm.Step
	if err := vm.TraceSegment(context.Background(), seg, func(s *vm.Step) error {
		if len(steps) < n {
			c := *s
			c.Mem = append([]vm.Access(nil), s.Mem...)
			steps = append(steps, c)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// Replay every access through the tracker in timestamp order, sorting them into the CPU's
	// register accesses and the others (the memory and system tables').
	mem := newMemTracker(seg.Pages)
	init := map[uint64]uint64{}
	touch := func(addr uint64) {
		if _, ok := init[addr]; !ok {
			w, err := mem.word(addr)
			if err != nil {
				t.Fatal(err)
			}
			init[addr] = w.v
		}
	}
	mode := uint64(steps[0].Mode)
	touch(cpuModeAddr)
	modeRead, err := mem.access(cpuModeAddr, mode, mode, Timestamp(0, SlotRs1))
	if err != nil {
		t.Fatal(err)
	}
	var foreign []Access
	codeVals := map[uint64]uint64{}
	evs := make([]cpuEvent, len(steps))
	for i := range steps {
		s := &steps[i]
		e := &evs[i]
		w, err := mem.word(s.PC &^ 7)
		if err != nil {
			t.Fatal(err)
		}
		// Code is never written in a segment (the executor ends one before such a store), so the
		// word's current value is its page-in value.
		*e = cpuEvent{PC: s.PC, NextPC: s.NextPC, Insn: s.Insn, CodeWord: w.v, Mode: uint64(s.Mode)}
		codeVals[s.PC&^7] = w.v
		if s.HasRs1 {
			e.Rs1 = s.Rs1Val
		}
		if s.HasRs2 {
			e.Rs2 = s.Rs2Val
		}
		if s.HasRd {
			e.Rd = s.RdVal
		}
		mine := 0
		for _, a := range s.Accesses(nil) {
			if a.Slot != vm.SlotMem && mine < 3 && a.Addr == RegAddr(e.Mode, 0) {
				continue // x0: the AIR never touches its word
			}
			touch(a.Addr)
			acc, err := mem.access(a.Addr, a.Old, a.New, Timestamp(s.Cycle, int(a.Slot)))
			if err != nil {
				t.Fatalf("cycle %d: %v", i, err)
			}
			k := -1
			switch {
			case a.Slot == vm.SlotRs1 && s.HasRs1 && a.Addr == RegAddr(e.Mode, uint64(s.Rs1)):
				k = 0
			case a.Slot == vm.SlotRs2 && s.HasRs2 && a.Addr == RegAddr(e.Mode, uint64(s.Rs2)):
				k = 1
			case a.Slot == vm.SlotRd && s.HasRd && a.Addr == RegAddr(e.Mode, uint64(s.Rd)) && s.Kind == vm.StepInstr:
				k = 2
			}
			if k >= 0 && mine <= k {
				e.Acc[k] = acc
				mine = k + 1
				continue
			}
			foreign = append(foreign, acc)
		}
		// The CPU's messages agree with the executor's own account of the step.
		ls, sys, err := cpuMessages(i, e)
		if err != nil {
			t.Fatalf("cycle %d (%#x: %#08x): %v", i, s.PC, s.Insn, err)
		}
		if ls != nil && ls.Addr != s.MemAddr {
			t.Fatalf("cycle %d: address %#x, executor %#x", i, ls.Addr, s.MemAddr)
		}
		wantKind := map[vm.StepKind]uint64{vm.StepMret: 3, vm.StepHostCall: 4, vm.StepHalt: 4}[s.Kind]
		if s.Kind == vm.StepTrap {
			wantKind = map[uint64]uint64{2: 1, 8: 2}[s.Cause]
		}
		if (sys != nil) != (wantKind != 0) || sys != nil && sys.Kind != wantKind {
			t.Fatalf("cycle %d (%#08x, %v): system message %+v", i, s.Insn, s.Kind, sys)
		}
	}
	t.Logf("%d cycles, %d foreign accesses, %d distinct instructions", len(evs), len(foreign), len(codeVals))

	cpuM, cpuCnt, aluEvs, err := cpuTraceOf(evs, 0)
	if err != nil {
		t.Fatal(err)
	}
	dt, err := decodeTrace(evs, 0)
	if err != nil {
		t.Fatal(err)
	}
	modeM, modeCnt, err := modeTrace(modeRead)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := GenerateALUTraces(aluEvs)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*counts{cpuCnt, dt.counts, modeCnt} {
		for v, n := range c.bytes {
			cpuAddCount(tr[tBytes], v, n)
		}
		for v, n := range c.limbs {
			cpuAddCount(tr[tRange16], v, n)
		}
	}
	// Page-in and page-out of every word touched, the foreign accesses, the code words, and the
	// messages for the memory and system stand-ins.
	words := cpuSortedKeys(init)
	pm := cpuRowsFor(13, len(words))
	for i, a := range words {
		v, ts, err := mem.final(a)
		if err != nil {
			t.Fatal(err)
		}
		cpuSetLimbs(pm, i, 0, a, 3)
		cpuSetLimbs(pm, i, 3, init[a], 4)
		cpuSetLimbs(pm, i, 7, v, 4)
		pm.SetUint(i, 11, ts)
		pm.SetUint(i, 12, 1)
	}
	fm := cpuRowsFor(14, len(foreign))
	for i, a := range foreign {
		cpuSetLimbs(fm, i, 0, a.Addr, 3)
		cpuSetLimbs(fm, i, 3, a.Prev, 4)
		cpuSetLimbs(fm, i, 7, a.Next, 4)
		fm.SetUint(i, 11, a.PrevTs)
		fm.SetUint(i, 12, a.Ts)
		fm.SetUint(i, 13, 1)
	}
	codeWords := cpuSortedKeys(dt.code)
	cm := cpuRowsFor(8, len(codeWords))
	for i, a := range codeWords {
		cpuSetLimbs(cm, i, 0, a, 3)
		cpuSetLimbs(cm, i, 3, codeVals[a], 4)
		cm.SetUint(i, 7, dt.code[a])
	}
	var lsRows, sysRows [][]uint64
	kinds := map[uint64]int{}
	for i := range evs {
		ls, sys, _ := cpuMessages(i, &evs[i])
		if ls != nil {
			lsRows = append(lsRows, []uint64{ls.Op, ls.Addr, ls.Ts, ls.In, ls.Out})
		}
		if sys != nil {
			sysRows = append(sysRows, []uint64{sys.Kind, sys.Ts, sys.PC, sys.NextPC, sys.Mode})
			kinds[sys.Kind]++
		}
	}
	lm := cpuRowsFor(14, len(lsRows))
	for i, l := range lsRows {
		lm.SetUint(i, 0, l[0])
		cpuSetLimbs(lm, i, 1, l[1], 3)
		lm.SetUint(i, 4, l[2])
		cpuSetLimbs(lm, i, 5, l[3], 4)
		cpuSetLimbs(lm, i, 9, l[4], 4)
		lm.SetUint(i, 13, 1)
	}
	sm := cpuRowsFor(10, len(sysRows))
	for i, s := range sysRows {
		sm.SetUint(i, 0, s[0])
		sm.SetUint(i, 1, s[1])
		cpuSetLimbs(sm, i, 2, s[2], 3)
		cpuSetLimbs(sm, i, 5, s[3], 3)
		sm.SetUint(i, 8, s[4])
		sm.SetUint(i, 9, 1)
	}
	pub := make([]stark.F, NumPublic)
	for k, l := range addrLimbs(evs[0].PC) {
		pub[PubStartPC+k].SetUint64(l)
	}
	for k, l := range addrLimbs(evs[len(evs)-1].NextPC) {
		pub[PubEndPC+k].SetUint64(l)
	}
	air, err := stark.NewAIR("rv64-cpu-vm-test", NumPublic, append(aluTables(nil), newCPUTable(nil), newDecodeTable(nil), classTable(),
		newModeTable(nil), cpuMemBalancer(), cpuCodeTable(), cpuLSReceiver(), cpuSysReceiver(), cpuForeignTable())...)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := stark.Setup(air, stark.TestParams())
	if err != nil {
		t.Fatal(err)
	}
	proof, err := stark.Prove(context.Background(), pk, append(tr, cpuM, dt.decode, dt.class, modeM, pm, cm, lm, sm, fm), pub)
	if err != nil {
		t.Fatal(err)
	}
	if err := stark.Verify(pk.VerifyingKey(), proof, pub, stark.VerifierConfig{}); err != nil {
		t.Fatal(err)
	}
	return kinds
}
