package rv64

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/p2air"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
)

// Trace generation for one segment: the executor replays the segment (vm.TraceSegment) and each
// step becomes the events of the CPU, memory and system tables, with every memory access
// resolved in timestamp order through one memTracker (rs1, rs2, then the memory operand or the
// system accesses, then rd). After the last step the tracker holds what page-out receives, and
// each table's events become its trace.

// ErrGenerate marks a segment whose steps the AIR cannot represent: the executor and the tables
// disagree on what a step did. It is a bug in one of them (or a tampered record), never an
// input the prover should have accepted.
var ErrGenerate = errors.New("rv64: segment trace generation failed")

// witness is a segment's traces, in segmentTables order, and its public values.
type witness struct {
	traces []*stark.Matrix
	public []stark.F
}

// sysKind maps a step to the BusSys kind of segment.md.
func sysKind(st *vm.Step) int {
	switch st.Kind {
	case vm.StepTrap:
		if st.Cause == causeEcall {
			return SysEcall
		}
		return SysIllegal
	case vm.StepMret:
		return SysMret
	}
	return SysHost
}

// stepEvents turns the executor's steps into table events.
type stepEvents struct {
	tr    *memTracker
	pages map[uint64]*vm.PageRecord
	cpu   []cpuEvent
	ls    []lsEvent
	sys   []sysEvent
	mode  Access
}

func (g *stepEvents) codeWord(pc uint64) (uint64, error) {
	p := g.pages[pc/vm.PageSize]
	if p == nil {
		return 0, fmt.Errorf("%w: pc %#x is on a page the segment did not page in", ErrGenerate, pc)
	}
	return binary.LittleEndian.Uint64(p.Data[pc%vm.PageSize&^7:]), nil
}

func (g *stepEvents) step(st *vm.Step) error {
	i := st.Cycle
	if i != uint64(len(g.cpu)) {
		return fmt.Errorf("%w: step %d after %d cycles", ErrGenerate, i, len(g.cpu))
	}
	mode := uint64(st.Mode)
	if i == 0 {
		a, err := g.tr.access(cpuModeAddr, mode, mode, Timestamp(0, SlotRs1))
		if err != nil {
			return err
		}
		g.mode = a
	}
	cw, err := g.codeWord(st.PC)
	if err != nil {
		return err
	}
	e := cpuEvent{PC: st.PC, NextPC: st.NextPC, Insn: st.Insn, CodeWord: cw, Mode: mode}
	d := decodeInsn(st.PC, st.Insn)
	vals := [2]uint64{st.Rs1Val, st.Rs2Val}
	for k, slot := range []int{SlotRs1, SlotRs2} {
		if !decFlag(&d, dUse+k) {
			continue
		}
		a, err := g.tr.access(RegAddr(mode, d.reg[k]), vals[k], vals[k], Timestamp(i, slot))
		if err != nil {
			return fmt.Errorf("%w: cycle %d: %w", ErrGenerate, i, err)
		}
		e.Acc[k] = a
	}
	e.Rs1, e.Rs2 = e.Acc[0].Prev, e.Acc[1].Prev
	e.Rd = st.RdVal
	ts := Timestamp(i, SlotMem)
	switch {
	case decFlag(&d, dLoad), decFlag(&d, dStore), decFlag(&d, dAMO):
		op := LSOp(d.out[oOpc])
		in := uint64(0)
		if !decFlag(&d, dLoad) {
			in = e.Rs2
		}
		resolve := resolveLS
		if decFlag(&d, dAMO) {
			resolve = resolveAtomic
		}
		ev, err := resolve(g.tr, op, st.MemAddr, in, ts)
		if err != nil {
			return fmt.Errorf("%w: cycle %d, pc %#x: %w", ErrGenerate, i, st.PC, err)
		}
		g.ls = append(g.ls, ev)
		if !decFlag(&d, dStore) {
			e.Rd = ev.Out
		}
	case st.Kind != vm.StepInstr:
		var input []byte
		if st.Kind == vm.StepHostCall && st.Call == hostRead {
			input = st.Data
		}
		ev, err := resolveSys(g.tr, sysKind(st), i, st.PC, mode, input)
		if err != nil {
			return fmt.Errorf("%w: cycle %d, pc %#x: %w", ErrGenerate, i, st.PC, err)
		}
		g.sys = append(g.sys, ev)
	}
	if decFlag(&d, dUse+2) {
		a, err := g.tr.access(RegAddr(mode, d.reg[2]), st.RdOld, e.Rd, Timestamp(i, SlotRd))
		if err != nil {
			return fmt.Errorf("%w: cycle %d: %w", ErrGenerate, i, err)
		}
		e.Acc[2] = a
	}
	// The executor's view of the step must be the tables': every word it wrote holds what the
	// tracker resolved (the last access to each word, as a host call reads a0 and then writes it).
	for k := len(st.Mem) - 1; k >= 0; k-- {
		a := st.Mem[k]
		if slices.ContainsFunc(st.Mem[k+1:], func(b vm.Access) bool { return b.Addr == a.Addr }) {
			continue
		}
		w, err := g.tr.word(a.Addr)
		if err != nil {
			return err
		}
		if w.v != a.New {
			return fmt.Errorf("%w: cycle %d, pc %#x: word %#x holds %#x after the step, the executor wrote %#x", ErrGenerate, i, st.PC, a.Addr, w.v, a.New)
		}
	}
	g.cpu = append(g.cpu, e)
	return nil
}

// generate replays seg and builds every table's trace, each at its natural height, and the
// public values.
func generate(ctx context.Context, seg *vm.Segment) (*witness, error) {
	return generateAt(ctx, seg, nil)
}

// generateAt is generate with every table at least as tall as ml asks: the tables' own trace
// functions write the padding rows, so a padded trace holds exactly the rows a naturally taller
// one would.
func generateAt(ctx context.Context, seg *vm.Segment, ml minLogs) (*witness, error) {
	g := &stepEvents{tr: newMemTracker(seg.Pages), pages: make(map[uint64]*vm.PageRecord, len(seg.Pages))}
	for i := range seg.Pages {
		g.pages[seg.Pages[i].Page] = &seg.Pages[i]
	}
	if err := vm.TraceSegment(ctx, seg, g.step); err != nil {
		return nil, err
	}
	if len(g.cpu) == 0 || len(g.cpu) > maxCycles {
		return nil, fmt.Errorf("%w: %d cycles", ErrGenerate, len(g.cpu))
	}

	// The tables fill in three waves, each one's tables in parallel: the CPU, decode, memory and
	// system tables from the events; then paging (it needs the decode reads and store lookups) and
	// the ALU chips (they need the CPU's and the atomics' messages); then the Poseidon2 chips.
	var (
		cpuM, modeM     *stark.Matrix
		cpuCnt, modeCnt *counts
		memCnt, aluCnt  *counts
		cpuALU, memALU  []Event
		dec             *decodeTraces
		memM, chipM     []*stark.Matrix
		flags           map[uint64]uint64
		sys             *sysTrace
		pg              *pagingTraces
		p16M, p24M      *stark.Matrix
	)
	err := parallel(
		func() (err error) { cpuM, cpuCnt, cpuALU, err = cpuTraceOf(g.cpu, ml["cpu"]); return },
		func() (err error) { modeM, modeCnt, err = modeTrace(g.mode); return },
		func() (err error) { dec, err = decodeTrace(g.cpu, ml["decode"]); return },
		func() (err error) { memM, memCnt, memALU, flags, err = memoryTraces(g.ls, ml); return },
		func() (err error) { sys, err = systemTrace(g.sys, ml); return },
	)
	if err != nil {
		return nil, err
	}
	fetched := make(map[uint64]bool, len(seg.FetchedPages))
	for _, p := range seg.FetchedPages {
		fetched[p] = true
	}
	err = parallel(
		func() (err error) {
			pg, err = pagingTrace(pagingInputs{startRoot: seg.Start.Root, pages: seg.Pages, final: g.tr.final,
				code: dec.code, flags: flags, fetched: fetched, minLog: ml})
			return
		},
		func() (err error) { chipM, aluCnt, err = aluChipTraces(append(cpuALU, memALU...), ml); return },
	)
	if err != nil {
		return nil, err
	}
	if pg.startRoot != seg.Start.Root || pg.endRoot != seg.End.Root {
		return nil, fmt.Errorf("%w: paging gives roots %s → %s, the record %s → %s", ErrGenerate, pg.startRoot, pg.endRoot, seg.Start.Root, seg.End.Root)
	}
	if sys.Halted != seg.Halted || (sys.Halted && sys.ExitCode != uint64(seg.ExitCode)) {
		return nil, fmt.Errorf("%w: halted %v (exit %d), the record says %v (exit %d)", ErrGenerate, sys.Halted, sys.ExitCode, seg.Halted, seg.ExitCode)
	}
	p24 := make([][]hash.Element, 0, len(sys.P24)+len(pg.p24))
	for i := range sys.P24 {
		p24 = append(p24, sys.P24[i][:])
	}
	p24 = append(p24, pg.p24...)
	err = parallel(
		func() (err error) { p24M, err = p2air.Trace(24, p24, nil, 1<<max(minLogRows, ml["p2_24"])); return },
		func() (err error) { p16M, err = p2air.Trace(16, pg.p16, nil, 1<<max(minLogRows, ml["p2_16"])); return },
	)
	if err != nil {
		return nil, err
	}
	total := new(counts)
	for _, c := range []*counts{cpuCnt, modeCnt, dec.counts, memCnt, sys.Counts, aluCnt} {
		total.add(c)
	}
	lookupM, err := total.traces()
	if err != nil {
		return nil, err
	}

	w := &witness{public: make([]stark.F, NumPublic)}
	w.traces = append(w.traces, cpuM, modeM, dec.decode, dec.class)
	w.traces = append(w.traces, memM...)
	w.traces = append(w.traces, sys.Sys, sys.IO, sys.Journal)
	w.traces = append(w.traces, pg.matrices()...)
	w.traces = append(w.traces, p16M, p24M)
	w.traces = append(w.traces, chipM...)
	w.traces = append(w.traces, lookupM...)
	claimPublic(w.public, seg.ImageID, seg.Start, seg.End, uint8(seg.Po2), seg.Index)
	sys.public(w.public)
	return w, nil
}

// parallel runs fs at once and returns their errors, joined.
func parallel(fs ...func() error) error {
	errs := make([]error, len(fs))
	var wg sync.WaitGroup
	for i, f := range fs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
