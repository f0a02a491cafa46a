package vm

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/vm/vmtest"
)

// memModel is an independent model of the memory a trace describes: the segment's page-in
// contents, changed only by the accesses the steps report. It knows nothing of the executor's
// register cache, TLBs or trap mechanism.
type memModel struct {
	pages   map[uint64]*[PageSize]byte
	written map[uint64]bool
}

func newMemModel(seg *Segment) *memModel {
	mm := &memModel{pages: make(map[uint64]*[PageSize]byte), written: make(map[uint64]bool)}
	for i := range seg.Pages {
		d := seg.Pages[i].Data
		mm.pages[seg.Pages[i].Page] = &d
	}
	return mm
}

func (mm *memModel) apply(a Access) error {
	if a.Addr&7 != 0 {
		return fmt.Errorf("access to unaligned %#x", a.Addr)
	}
	p := mm.pages[a.Addr>>pageShift]
	if p == nil {
		return fmt.Errorf("access to %#x outside the segment's pages", a.Addr)
	}
	w := p[a.Addr&0xfff : a.Addr&0xfff+8]
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(w[i])
	}
	if v != a.Old {
		return fmt.Errorf("access to %#x (slot %d) says old %#x, memory holds %#x", a.Addr, a.Slot, a.Old, v)
	}
	if a.New != a.Old {
		mm.written[a.Addr>>pageShift] = true
		for i := range w {
			w[i] = byte(a.New >> (8 * i))
		}
	}
	return nil
}

// checkTrace traces seg and replays every step's accesses on a memModel: each access must find
// the value it claims, and the model's pages must hash to the segment's end root. It returns
// the steps by kind.
func checkTrace(t *testing.T, seg *Segment) map[StepKind]int {
	t.Helper()
	mm := newMemModel(seg)
	kinds := map[StepKind]int{}
	var steps uint64
	var acc []Access
	prevNext := seg.Start.PC
	err := TraceSegment(context.Background(), seg, func(s *Step) error {
		if s.Cycle != steps {
			return fmt.Errorf("step %d says cycle %d", steps, s.Cycle)
		}
		if s.PC != prevNext {
			return fmt.Errorf("cycle %d at pc %#x, the previous step went to %#x", s.Cycle, s.PC, prevNext)
		}
		prevNext = s.NextPC
		steps++
		kinds[s.Kind]++
		acc = s.Accesses(acc[:0])
		for i, a := range acc {
			if i > 0 && a.Slot < acc[i-1].Slot {
				return fmt.Errorf("cycle %d: accesses out of timestamp order", s.Cycle)
			}
			for _, b := range acc[:i] {
				if b.Addr == a.Addr && b.Slot == a.Slot {
					return fmt.Errorf("cycle %d: two accesses to %#x at one timestamp", s.Cycle, a.Addr)
				}
			}
			if err := mm.apply(a); err != nil {
				return fmt.Errorf("cycle %d (pc %#x, insn %#08x, %v): %w", s.Cycle, s.PC, s.Insn, s.Kind, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("segment %d: %v", seg.Index, err)
	}
	if steps != seg.Instructions {
		t.Fatalf("segment %d: %d steps, %d instructions", seg.Index, steps, seg.Instructions)
	}
	if steps > 0 && prevNext != seg.End.PC {
		t.Fatalf("segment %d: last step goes to %#x, end pc %#x", seg.Index, prevNext, seg.End.PC)
	}
	for pn := range mm.written {
		if _, ok := slices.BinarySearch(seg.Dirty, pn); !ok {
			t.Fatalf("segment %d: the trace writes page %#x, which is not paged out", seg.Index, pn<<pageShift)
		}
	}
	tree := &pageTree{nodes: make(map[uint64]hash.Digest), empty: zeroPageRoots()}
	for i := range seg.Pages {
		tree.addProof(seg.Pages[i].Page, pageLeaf(&seg.Pages[i].Data), seg.Pages[i].Proof)
	}
	tree.update(hashPages(seg.Dirty, func(pn uint64) *[PageSize]byte { return mm.pages[pn] }))
	if tree.root() != seg.End.Root {
		t.Fatalf("segment %d: the trace's memory hashes to %s, end root %s", seg.Index, tree.root(), seg.End.Root)
	}
	for _, pn := range seg.FetchedPages {
		if _, ok := slices.BinarySearch(seg.Dirty, pn); ok && pn != machinePN {
			if mm.written[pn] {
				t.Fatalf("segment %d: stores into page %#x, which it fetched instructions from", seg.Index, pn<<pageShift)
			}
		}
	}
	return kinds
}

// segmentsOf runs p and returns its segment records.
func segmentsOf(t *testing.T, p *Program, cfg Config) []*Segment {
	t.Helper()
	var segs []*Segment
	cfg.OnSegment = func(s *Segment) error {
		segs = append(segs, s)
		return nil
	}
	execute(t, p, cfg)
	return segs
}

func TestTraceCorpus(t *testing.T) {
	programs := []string{"exitcode", "hashes", "goroutines", "floats", "maps", "bigmath"}
	// every segment at po2 18, or (short) a sample at po2 16 with the first, the last and the I/O
	every, po2 := 1, 18
	if testing.Short() {
		programs, every, po2 = programs[:1], 8, MinPo2
	}
	for _, name := range programs {
		t.Run(name, func(t *testing.T) {
			segs := segmentsOf(t, loadFile(t, corpusELF(t, name)), Config{Po2: po2, Stdin: []byte("20\n")})
			total := map[StepKind]int{}
			for i, s := range segs {
				if i%every != 0 && i != len(segs)-1 && len(s.Output) == 0 {
					continue
				}
				executorFetched := s.FetchedPages
				for k, n := range checkTrace(t, s) {
					total[k] += n
				}
				if !slices.Equal(executorFetched, s.FetchedPages) {
					t.Fatalf("segment %d: executor fetched %d pages, the trace %d", s.Index, len(executorFetched), len(s.FetchedPages))
				}
			}
			if total[StepTrap] == 0 || total[StepMret] == 0 || total[StepHostCall] == 0 || total[StepHalt] != 1 {
				t.Errorf("step kinds %v: expected traps, mrets, host calls and one halt", total)
			}
			t.Logf("%d segments, steps by kind %v", len(segs), total)
		})
	}
}

func TestTraceRandomInstructions(t *testing.T) {
	as, ld := vmtest.Tools(t)
	programs := 20
	if testing.Short() {
		programs = 4
	}
	dir := t.TempDir()
	for i := 0; i < programs; i++ {
		r := rand.New(rand.NewPCG(uint64(i), 0x7ace))
		base := filepath.Join(dir, fmt.Sprintf("p%d", i))
		vmtest.Assemble(t, as, ld, "rv64ima", base, vmtest.RandomProgram(r, 400))
		for _, s := range segmentsOf(t, loadFile(t, base), Config{Po2: MinPo2}) {
			checkTrace(t, s)
		}
	}
}

// TestTraceTampered checks that a tampered record fails TraceSegment exactly as it fails
// ReplaySegment.
func TestTraceTampered(t *testing.T) {
	segs := segmentsOf(t, loadFile(t, corpusELF(t, "exitcode")), Config{Po2: MinPo2})
	if len(segs) < 2 {
		t.Fatalf("%d segments", len(segs))
	}
	seg := segs[1]
	b, err := seg.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	fresh := func() *Segment {
		s, err := DecodeSegment(b)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tampers := map[string]func(*Segment){
		"end root":     func(s *Segment) { s.End.Root[0].SetUint64(1 + s.End.Root[0].Uint64()) },
		"end pc":       func(s *Segment) { s.End.PC += 4 },
		"start pc":     func(s *Segment) { s.Start.PC += 4 },
		"instructions": func(s *Segment) { s.Instructions-- },
		"paging":       func(s *Segment) { s.PagingCycles++ },
		"page byte":    func(s *Segment) { s.Pages[len(s.Pages)/2].Data[100] ^= 1 },
		"dirty":        func(s *Segment) { s.Dirty = s.Dirty[1:] },
		"halted":       func(s *Segment) { s.Halted = !s.Halted },
		"po2":          func(s *Segment) { s.Po2 = MaxPo2 + 1 },
		"missing page": func(s *Segment) { s.Pages = slices.Delete(s.Pages, 0, 1) },
	}
	for name, tamper := range tampers {
		t.Run(name, func(t *testing.T) {
			a, b := fresh(), fresh()
			tamper(a)
			tamper(b)
			want := ReplaySegment(context.Background(), a)
			if want == nil {
				t.Fatal("replay accepts the tampered record")
			}
			got := TraceSegment(context.Background(), b, func(*Step) error { return nil })
			if got == nil || got.Error() != want.Error() {
				t.Fatalf("trace: %v, replay: %v", got, want)
			}
			if errors.Is(want, ErrReplayMismatch) != errors.Is(got, ErrReplayMismatch) || errors.Is(want, ErrBadSegment) != errors.Is(got, ErrBadSegment) {
				t.Fatalf("error kinds differ: trace %v, replay %v", got, want)
			}
		})
	}
	if err := TraceSegment(context.Background(), fresh(), func(*Step) error { return nil }); err != nil {
		t.Fatalf("untampered: %v", err)
	}
	stop := errors.New("stop")
	if err := TraceSegment(context.Background(), fresh(), func(*Step) error { return stop }); err != stop {
		t.Fatalf("visitor error: %v", err)
	}
}

// BenchmarkTraceSegment measures tracing one full segment of a compute loop against replaying
// it (the ratio is what tracing costs over the fast interpreter), in instructions per second.
func BenchmarkTraceSegment(b *testing.B) {
	p := loadFile(b, corpusELF(b, "compute"))
	var seg *Segment
	execute(b, p, Config{Po2: 20, Stdin: []byte("100\n"), OnSegment: func(s *Segment) error {
		if s.Index == 5 {
			seg = s
		}
		return nil
	}})
	if seg == nil {
		b.Fatal("no segment 5")
	}
	var replay, trace time.Duration
	var accesses int
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := ReplaySegment(context.Background(), seg); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		accesses = 0
		if err := TraceSegment(context.Background(), seg, func(s *Step) error {
			accesses += len(s.Mem)
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		replay, trace = replay+t1.Sub(t0), trace+time.Since(t1)
	}
	n := float64(b.N) * float64(seg.Instructions)
	b.ReportMetric(n/trace.Seconds()/1e6, "trace-MHz")
	b.ReportMetric(n/replay.Seconds()/1e6, "replay-MHz")
	b.ReportMetric(float64(seg.Instructions), "instructions/segment")
	b.ReportMetric(float64(accesses)/float64(seg.Instructions), "mem-accesses/step")
}

// selfModifying calls a function on its own page, rewrites its first instruction, calls it
// again and exits with the sum of both results (1 + 2 = 3 once the new code runs).
const selfModifying = `.option norvc
.text
.globl _start
_start:
	lla s0, target
	jalr ra, 0(s0)
	mv s1, a0
	li t0, 0x00200513 # addi a0, zero, 2
.globl store
.type store, @function
store:
	sw t0, 0(s0)
	fence.i
	jalr ra, 0(s0)
	add a0, a0, s1
	li a7, 93
	ecall
.section .wtext, "awx"
.balign 4096
target:
	li a0, 1
	ret
`

// TestSelfModifyingCode checks that a store into a page the segment fetched from ends the
// segment just before it, that the next segment runs the new code, and that a store into the
// storing instruction's own page is refused.
func TestSelfModifyingCode(t *testing.T) {
	as, ld := vmtest.Tools(t)
	base := filepath.Join(t.TempDir(), "selfmod")
	vmtest.Assemble(t, as, ld, "rv64ima", base, selfModifying)
	p := loadFile(t, base)
	var storePC uint64
	for _, s := range p.symbols {
		if s.name == "store" {
			storePC = s.addr
		}
	}
	var segs []*Segment
	res := execute(t, p, Config{Po2: MinPo2, OnSegment: func(s *Segment) error {
		segs = append(segs, s)
		return nil
	}})
	if res.ExitCode != 3 {
		t.Fatalf("exit code %d, want 3 (the rewritten instruction did not run)", res.ExitCode)
	}
	// the segment ends before the store (its page ran the old code) and again before the
	// jump into the rewritten page (the new segment wrote it); the next one runs the new code
	target := (storePC>>pageShift + 1) << pageShift
	var cuts []uint64
	for i, s := range segs {
		if !s.Halted && s.Cycles()+maxInstrCycles <= 1<<MinPo2 {
			cuts = append(cuts, s.End.PC)
		}
		if err := ReplaySegment(context.Background(), s); err != nil {
			t.Fatalf("segment %d: %v", i, err)
		}
		checkTrace(t, s) // a trace that writes a page it fetched from fails here
	}
	if !slices.Equal(cuts, []uint64{storePC, target}) {
		t.Fatalf("segments cut at %x, want before the store (%#x) and the fetch (%#x)", cuts, storePC, target)
	}

	// storing into its own page can never be separated from the fetch
	own := filepath.Join(t.TempDir(), "ownpage")
	vmtest.Assemble(t, as, ld, "rv64ima", own, ".option norvc\n.text\n.globl _start\n_start:\n\tlla t0, _start\n\tsw zero, 0(t0)\n\tli a7, 93\n\tecall\n")
	_, err := Execute(context.Background(), loadFile(t, own), Config{Po2: MinPo2})
	if !errors.Is(err, ErrCodeStore) {
		t.Fatalf("store into its own page: %v", err)
	}
}

// syntheticSegment builds a record of a segment that starts at pc over the given pages (the
// machine page included), with valid proofs against their root. Its end is unknown (zero).
func syntheticSegment(pc uint64, pages map[uint64]*[PageSize]byte) *Segment {
	tree := newPageTree()
	pns := slices.Sorted(maps.Keys(pages))
	tree.update(hashPages(pns, func(pn uint64) *[PageSize]byte { return pages[pn] }))
	seg := &Segment{Version: SegmentVersion, Po2: MinPo2, Start: State{PC: pc, Root: tree.root()}}
	for _, pn := range pns {
		seg.Pages = append(seg.Pages, PageRecord{Page: pn, Data: *pages[pn], Proof: tree.proof(pn)})
	}
	return seg
}

// TestTraceBankAccess checks that a kernel load from the cached kernel bank is refused by the
// tracer (ErrBankAccess) while one from the user bank is traced as a plain memory read.
func TestTraceBankAccess(t *testing.T) {
	const t0, a0 = 5, 10
	ld := func(off uint32) uint32 { return off<<20 | t0<<15 | 3<<12 | a0<<7 | 0x03 } // ld a0, off(t0)
	build := func(off uint32) *Segment {
		mp, code := new([PageSize]byte), new([PageSize]byte)
		binary.LittleEndian.PutUint64(mp[kMode:], 1)
		binary.LittleEndian.PutUint64(mp[kKernelRegs+8*t0:], MachineBase)
		binary.LittleEndian.PutUint64(mp[kKernelRegs+8*1:], 0x1111)
		binary.LittleEndian.PutUint64(mp[kUserRegs+8*1:], 0x2222)
		binary.LittleEndian.PutUint32(code[:], ld(off))
		return syntheticSegment(KernelBase, map[uint64]*[PageSize]byte{machinePN: mp, KernelBase >> pageShift: code})
	}
	var steps []Step
	visit := func(s *Step) error {
		c := *s
		c.Mem = slices.Clone(s.Mem)
		steps = append(steps, c)
		return nil
	}
	if err := TraceSegment(context.Background(), build(kKernelRegs+8), visit); !errors.Is(err, ErrBankAccess) || len(steps) != 0 {
		t.Fatalf("load from the kernel bank: %v after %d steps", err, len(steps))
	}
	// the user bank is plain memory in kernel mode; the zero word after the load is illegal
	// in kernel mode, which ends the replay with an error
	err := TraceSegment(context.Background(), build(kUserRegs+8), visit)
	if !errors.Is(err, ErrKernelBug) || len(steps) != 1 {
		t.Fatalf("load from the user bank: %v after %d steps", err, len(steps))
	}
	s := steps[0]
	want := []Access{{Addr: MachineBase + 8, Old: 0x2222, New: 0x2222, Slot: SlotMem}}
	if s.Kind != StepInstr || s.Mode != 1 || !s.HasRs1 || s.Rs1Val != MachineBase || !s.HasRd || s.RdVal != 0x2222 || !slices.Equal(s.Mem, want) {
		t.Fatalf("step %+v", s)
	}
}

// FuzzTraceSegment: on any record, TraceSegment must agree with ReplaySegment and, when both
// accept, visit exactly Instructions steps.
func FuzzTraceSegment(f *testing.F) {
	p, err := LoadELF(buildRawELF([]uint32{0xfc010593, 0x00000513, 0x00200613, 0x03f00893, insnEcall, insnExit, insnEcall}, 1<<13))
	if err != nil {
		f.Fatal(err)
	}
	_, err = Execute(context.Background(), p, Config{Po2: MinPo2, Stdin: []byte("in"), OnSegment: func(s *Segment) error {
		b, err := s.MarshalBinary()
		f.Add(b)
		return err
	}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := DecodeSegment(data)
		if err != nil || s.Po2 != MinPo2 { // larger segments only make executions slower
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var steps uint64
		terr := TraceSegment(ctx, s, func(*Step) error { steps++; return nil })
		if ctx.Err() != nil {
			return
		}
		rerr := ReplaySegment(ctx, s)
		if (terr == nil) != (rerr == nil) && !errors.Is(terr, ErrBankAccess) {
			t.Fatalf("trace %v, replay %v", terr, rerr)
		}
		if terr == nil && steps != s.Instructions {
			t.Fatalf("%d steps, %d instructions", steps, s.Instructions)
		}
	})
}

// TestTraceHostCalls checks the READ and WRITE steps of a program that reads its input into a
// misaligned stack buffer and writes it to the journal.
func TestTraceHostCalls(t *testing.T) {
	as, ld := vmtest.Tools(t)
	base := filepath.Join(t.TempDir(), "echo")
	vmtest.Assemble(t, as, ld, "rv64ima", base, `.option norvc
.text
.globl _start
_start:
	addi sp, sp, -64
	li a0, 0
	addi a1, sp, 3
	li a2, 11
	li a7, 63
	ecall
	mv a2, a0
	li a0, 3
	addi a1, sp, 3
	li a7, 64
	ecall
	li a0, 0
	li a7, 93
	ecall
`)
	input := "hello world"
	var reads, writes []Step
	for _, seg := range segmentsOf(t, loadFile(t, base), Config{Po2: MinPo2, Stdin: []byte(input)}) {
		checkTrace(t, seg)
		err := TraceSegment(context.Background(), seg, func(s *Step) error {
			if s.Kind == StepHostCall {
				c := *s
				c.Mem, c.Data = slices.Clone(s.Mem), slices.Clone(s.Data)
				if s.Call == hostRead {
					reads = append(reads, c)
				} else {
					writes = append(writes, c)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(reads) != 1 || len(writes) != 1 {
		t.Fatalf("%d READs, %d WRITEs", len(reads), len(writes))
	}
	r, w := reads[0], writes[0]
	buf := r.Args[0]
	if string(r.Data) != input || r.Ret != 11 || r.Mode != 1 || buf&7 != 3 {
		t.Fatalf("READ %+v", r)
	}
	// a7, a0, a1, a2 read, the 11 bytes at an odd address span two words, a0 written
	if len(r.Mem) != 4+2+1 || r.Mem[0].Addr != RegAddr(1, 17) || r.Mem[4].Addr != buf&^7 || r.Mem[5].Addr != buf&^7+8 || r.Mem[6].Slot != SlotRd || r.Mem[6].New != 11 {
		t.Fatalf("READ accesses %+v", r.Mem)
	}
	if string(w.Data) != input || w.Fd != FdJournal || w.Ret != 11 || w.Args[1] != buf || len(w.Mem) != 7 || w.Mem[4].Old != w.Mem[4].New {
		t.Fatalf("WRITE %+v", w)
	}
}
