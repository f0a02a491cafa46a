package vm

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	"github.com/ethereum/go-ethereum/metrics"
	"github.com/google/pprof/profile"
	"github.com/zkexex/zkexex/prover/hash"
)

// Executor metrics (geth's registry, served with --metrics).
var (
	cyclesCounter   = metrics.NewRegisteredCounter("zkexex/vm/cycles", nil)
	segmentsCounter = metrics.NewRegisteredCounter("zkexex/vm/segments", nil)
	runsCounter     = metrics.NewRegisteredCounter("zkexex/vm/runs", nil)
	speedGauge      = metrics.NewRegisteredGaugeFloat64("zkexex/vm/mhz", nil)
)

// Po2 bounds: a segment runs at most 2^po2 cycles.
const (
	MinPo2     = 16
	MaxPo2     = 22
	DefaultPo2 = 20
)

// DefaultEnv is the environment a guest starts with: no garbage collection and no memory
// profiling, so the single-threaded runtime never needs its background workers.
var DefaultEnv = []string{"GOGC=off", "GODEBUG=memprofilerate=0"}

// Config parameterises one run.
type Config struct {
	Po2       int    // segment size, MinPo2..MaxPo2 (0: DefaultPo2)
	MaxCycles uint64 // stop with ErrCycleLimit past this many cycles (0: unlimited)
	MaxMemory uint64 // bytes of guest memory that may be resident (0: 16 GiB)
	Args      []string
	Env       []string // nil: DefaultEnv
	Stdin     []byte
	// OnSegment receives each segment record as soon as it is complete; records are not
	// retained, so memory stays bounded however many segments a run has.
	OnSegment func(*Segment) error
	// Merkle computes memory roots (and the image ID) even without OnSegment.
	Merkle bool
	// ImageID computes only the image ID (hashing the initial image, not later pages).
	ImageID bool
	// Output, when set, sees every write to fds 1-3 as it happens.
	Output func(fd int, b []byte)
	// Progress is called with 0 when execution starts, then about every 2^24 instructions
	// with the cycles so far.
	Progress func(cycles uint64)
	// ProfileFP attributes emulated instructions (F/D and CSR traps) to functions
	// (Result.FPByFunc).
	ProfileFP bool
	// Profile records a pprof profile of cycles by function with call stacks
	// (Result.Profile; see profile.go).
	Profile bool
}

// Result is what a completed run produced. Cycle counts start at the image.
type Result struct {
	ExitCode     int
	Stdout       []byte
	Stderr       []byte
	Journal      []byte
	Cycles       uint64 // instructions + paging cycles
	Instructions uint64
	PagingCycles uint64
	// BootInstructions were retired between the ELF entry and the image (READY); they are
	// not part of the run's cycles or of any segment.
	BootInstructions uint64
	// Ready: the image is the state at the program's READY (else its entry state).
	Ready            bool
	CyclesBeforeMain uint64 // instructions from the ELF entry until main.main first ran (0: never reached)
	FPOpsBeforeMain  uint64 // emulated instructions before main.main (runtime and package init)
	Segments         int
	// Traps into the kernel during the run: system calls and emulated instructions (F/D and
	// CSR), and the kernel instructions spent serving each kind.
	Syscalls, FPOps         uint64
	SyscallCycles, FPCycles uint64
	FPByFunc                map[string]uint64
	Profile                 *profile.Profile // when Config.Profile
	ImageID                 hash.Digest      // zero unless Merkle, ImageID or OnSegment
	FinalRoot               hash.Digest
	Final                   State
	Duration                time.Duration
}

// MHz is the executor's speed in this run (cycles per microsecond).
func (r *Result) MHz() float64 {
	if r.Duration <= 0 {
		return 0
	}
	return float64(r.Cycles) / r.Duration.Seconds() / 1e6
}

// State is a machine state at a segment boundary: everything else is in memory.
type State struct {
	PC   uint64
	Root hash.Digest
}

// poke writes initial-image bytes directly (no paging: the image is the start state).
func (m *Machine) poke(a uint64, b []byte) error {
	for len(b) > 0 {
		p, err := m.mem.alloc(a >> pageShift)
		if err != nil {
			return err
		}
		n := copy(p.data[a&0xfff:], b)
		a += uint64(n)
		b = b[n:]
	}
	return nil
}

func (m *Machine) loadSegments(segs []LoadSegment) error {
	for _, s := range segs {
		if err := m.poke(s.Vaddr, s.Data); err != nil {
			return err
		}
	}
	return nil
}

// newMachine builds the entry state: the kernel, the ELF segments, and a user stack with
// argv, envp and auxv laid out as Linux does for a static executable.
func newMachine(prog *Program, cfg *Config) (*Machine, error) {
	kprog, err := loadKernel()
	if err != nil {
		return nil, err
	}
	m := emptyMachine(prog, kprog, cfg)
	if err := m.machinePage(); err != nil {
		return nil, err
	}
	if err := m.loadSegments(kprog.Segments); err != nil {
		return nil, err
	}
	if err := m.loadSegments(prog.Segments); err != nil {
		return nil, err
	}
	for _, s := range prog.Segments {
		// allocate the zero tail too so that it is part of the image's resident pages
		for a := (s.Vaddr + uint64(len(s.Data)) + PageSize - 1) &^ (PageSize - 1); a < s.Vaddr+s.MemSize; a += PageSize {
			if _, err := m.mem.alloc(a >> pageShift); err != nil {
				return nil, err
			}
		}
	}
	args := cfg.Args
	if len(args) == 0 {
		args = []string{"guest"}
	}
	env := cfg.Env
	if env == nil {
		env = DefaultEnv
	}
	// strings and AT_RANDOM bytes at the top, the pointer block below
	sp := uint64(StackTop)
	push := func(b []byte) (uint64, error) {
		sp -= uint64(len(b))
		return sp, m.poke(sp, b)
	}
	var argp, envp []uint64
	for _, s := range args {
		a, err := push(append([]byte(s), 0))
		if err != nil {
			return nil, err
		}
		argp = append(argp, a)
	}
	for _, s := range env {
		a, err := push(append([]byte(s), 0))
		if err != nil {
			return nil, err
		}
		envp = append(envp, a)
	}
	// AT_RANDOM: fixed bytes, so the runtime's seeds (map order, heap base) are deterministic
	rnd, err := push([]byte("zkexex-AT_RANDOM"))
	if err != nil {
		return nil, err
	}
	// F and D are advertised: the kernel emulates them.
	const hwcap = 1<<('I'-'A') | 1<<('M'-'A') | 1<<0 /* A */ | 1<<('F'-'A') | 1<<('D'-'A')
	auxv := []uint64{6, PageSize, 16, hwcap, 25, rnd, 23, 0, 0, 0}
	words := []uint64{uint64(len(args))}
	words = append(append(words, argp...), 0)
	words = append(append(words, envp...), 0)
	words = append(words, auxv...)
	sp = (sp - uint64(8*len(words))) &^ 15
	buf := make([]byte, 8*len(words))
	for i, w := range words {
		binary.LittleEndian.PutUint64(buf[8*i:], w)
	}
	if err := m.poke(sp, buf); err != nil {
		return nil, err
	}
	m.x[2] = sp
	m.pc = prog.Entry
	m.flushBank()
	return m, nil
}

// emptyMachine makes a machine with no memory but the machine page.
func emptyMachine(prog, kprog *Program, cfg *Config) *Machine {
	m := &Machine{prog: prog, kprog: kprog, seg: 1}
	m.invalidateCaches()
	maxMem := cfg.MaxMemory
	if maxMem == 0 {
		maxMem = 16 << 30
	}
	m.mem.maxPages = int(maxMem / PageSize)
	if prog != nil {
		for _, s := range prog.symbols {
			if s.name == "main.main" {
				m.markPC = s.addr
			}
		}
	}
	return m
}

// machinePage makes the machine page resident (outside any segment's accounting).
func (m *Machine) machinePage() error {
	p, err := m.mem.alloc(machinePN)
	m.mp = p
	return err
}

// Execute builds prog's image (running it to its READY, see BuildImage) and runs it from
// there to completion under cfg.
func Execute(ctx context.Context, prog *Program, cfg Config) (*Result, error) {
	img, boot, err := BuildImage(ctx, prog, cfg)
	if err != nil {
		return nil, err
	}
	res, err := ExecuteImage(ctx, img, prog, cfg)
	if err != nil {
		return nil, err
	}
	boot.Annotate(res)
	return res, nil
}

// ExecuteImage runs an image to completion under cfg. prog, when not nil, is the program the
// image was built from (its symbols name functions in errors and profiles).
func ExecuteImage(ctx context.Context, img *Image, prog *Program, cfg Config) (*Result, error) {
	po2 := cfg.Po2
	if po2 == 0 {
		po2 = DefaultPo2
	}
	if po2 < MinPo2 || po2 > MaxPo2 {
		return nil, fmt.Errorf("vm: po2 %d outside [%d, %d]", po2, MinPo2, MaxPo2)
	}
	kprog, err := loadKernel()
	if err != nil {
		return nil, err
	}
	m := emptyMachine(prog, kprog, &cfg)
	if err := m.loadImage(img); err != nil {
		return nil, err
	}
	m.guardCode = true
	m.segLimit = 1 << po2
	m.maxCycles = cfg.MaxCycles
	m.forwardWrite = cfg.Output
	m.record = cfg.OnSegment != nil
	m.stdin = cfg.Stdin
	m.stdinTotal = uint64(len(cfg.Stdin))
	if cfg.ProfileFP {
		m.emuByPC = make(map[uint64]uint64)
	}
	if cfg.Profile {
		m.prof = newProfiler(m.instret, m.cycles())
	}
	var tree *pageTree
	res := &Result{}
	if cfg.Merkle || cfg.OnSegment != nil || cfg.ImageID {
		tree = newPageTree()
		var pns []uint64
		m.mem.forEach(func(pn uint64, _ *page) { pns = append(pns, pn) })
		tree.update(hashPages(pns, func(pn uint64) *[PageSize]byte { return &m.mem.lookup(pn).data }))
		res.ImageID = ImageID(tree.root(), img.PC)
		if !cfg.Merkle && cfg.OnSegment == nil {
			tree = nil
		}
	}
	start := time.Now()
	var root hash.Digest
	if tree != nil {
		root = tree.root()
	}
	startState := State{PC: m.pc, Root: root}
	startIn := m.inPos
	if err := m.beginSegment(); err != nil {
		return nil, err
	}
	nextProgress := uint64(1 << 24)
	if cfg.Progress != nil {
		cfg.Progress(0) // execution starts now (image hashing is done)
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if m.prof != nil {
			m.setStop(min(nextProgress, m.prof.next))
		} else {
			m.setStop(nextProgress)
		}
		err := m.run()
		if m.prof != nil && (m.instret >= m.prof.next || err != nil) {
			m.prof.sample(m.pc, m.instret, m.cycles())
		}
		halted, cut := false, false
		if err == errCodeStore {
			if err := m.cutSegment(); err != nil {
				return nil, err
			}
			cut = true
		} else if err != nil {
			if _, ok := err.(haltSignal); !ok {
				return nil, err
			}
			halted = true
		}
		if m.instret >= nextProgress {
			nextProgress += 1 << 24
			if cfg.Progress != nil {
				cfg.Progress(m.cycles())
			}
		}
		if !halted && !cut && m.maxCycles != 0 && m.cycles()+maxInstrCycles > m.maxCycles && !m.segmentFull() {
			return nil, m.fault(ErrCycleLimit, m.pc, fmt.Sprintf("%d cycles", m.cycles()))
		}
		if halted || cut || m.segmentFull() {
			if err := m.endSegment(po2, tree, &startState, &startIn, res, &cfg, halted); err != nil {
				return nil, err
			}
			if m.maxCycles != 0 && !halted && m.cycles()+maxInstrCycles > m.maxCycles {
				return nil, m.fault(ErrCycleLimit, m.pc, fmt.Sprintf("%d cycles", m.cycles()))
			}
		}
		if halted {
			break
		}
	}
	res.Duration = time.Since(start)
	if m.mmapFailed && m.exitCode != 0 {
		return nil, fmt.Errorf("%w: an mmap failed and the guest exited with status %d: %s", ErrOutOfMemory, m.exitCode, tail(m.out[FdStderr]))
	}
	res.ExitCode = m.exitCode
	res.Stdout, res.Stderr, res.Journal = m.out[FdStdout], m.out[FdStderr], m.out[FdJournal]
	res.Instructions, res.PagingCycles, res.Cycles = m.instret, m.paging, m.cycles()
	res.Syscalls, res.FPOps = m.traps[0], m.traps[1]
	res.SyscallCycles, res.FPCycles = m.kernelInstr[0], m.kernelInstr[1]
	res.CyclesBeforeMain, res.FPOpsBeforeMain = m.markInstret, m.markEmu
	if m.emuByPC != nil {
		res.FPByFunc = make(map[string]uint64)
		for pc, n := range m.emuByPC {
			name := m.symbol(pc)
			if name == "" {
				name = fmt.Sprintf("%#x", pc)
			}
			res.FPByFunc[name] += n
		}
	}
	if tree != nil {
		res.FinalRoot = tree.root()
	}
	if m.prof != nil {
		m.prof.sample(m.pc, m.instret, m.cycles()) // the last segment's paging
		res.Profile = m.prof.build(m.symbol, res.Duration)
	}
	res.Final = State{PC: m.pc, Root: res.FinalRoot}
	runsCounter.Inc(1)
	cyclesCounter.Inc(int64(res.Cycles))
	segmentsCounter.Inc(int64(res.Segments))
	speedGauge.Update(res.MHz())
	return res, nil
}

func tail(b []byte) string {
	if len(b) > 512 {
		b = b[len(b)-512:]
	}
	return string(b)
}

// beginSegment pages the machine page in and out at the start of every segment, so that the
// trap mechanism and the final register flush never charge paging mid-segment.
func (m *Machine) beginSegment() error {
	p, err := m.touch(machinePN, true)
	if err != nil {
		return err
	}
	m.mp = p
	return nil
}

// segmentFull reports whether the next instruction might not fit in the segment.
func (m *Machine) segmentFull() bool {
	used := m.instret - m.segStartIn + m.paging - m.segStartPg
	return used+maxInstrCycles > m.segLimit
}

// setStop sets the fast-path exit: before an instruction that might overflow the segment,
// at the cycle limit, or at the next progress report.
func (m *Machine) setStop(progress uint64) {
	used := m.paging - m.segStartPg
	var stop uint64
	if budget := m.segLimit - maxInstrCycles; budget >= used {
		stop = m.segStartIn + budget - used + 1
	} else {
		stop = m.instret
	}
	if m.maxCycles != 0 {
		if lim := m.maxCycles - min(m.maxCycles, m.paging+maxInstrCycles) + 1; lim < stop {
			stop = lim
		}
	}
	m.stop = min(stop, progress)
	if m.stop < m.instret {
		m.stop = m.instret
	}
}

// endSegment closes the current segment: writes the active register bank back so that the
// root covers it, builds the record when asked, pages the written pages out into the tree,
// and starts the next segment.
func (m *Machine) endSegment(po2 int, tree *pageTree, start *State, startIn *uint64, res *Result, cfg *Config, halted bool) error {
	m.flushBank()
	var seg *Segment
	if cfg.OnSegment != nil {
		seg = &Segment{
			Version:      SegmentVersion,
			Index:        uint32(res.Segments),
			Po2:          uint8(po2),
			ImageID:      res.ImageID,
			Start:        *start,
			InputPos:     *startIn,
			Input:        m.stdin[*startIn:m.inPos],
			InputTotal:   m.stdinTotal,
			Output:       m.segOut,
			Instructions: m.instret - m.segStartIn,
			PagingCycles: m.paging - m.segStartPg,
			Halted:       halted,
			ExitCode:     uint8(m.exitCode),
		}
		pns := slices.Clone(m.touched)
		slices.Sort(pns)
		for _, pn := range pns {
			p := m.mem.lookup(pn)
			pr := PageRecord{Page: pn, Proof: tree.proof(pn)}
			if p.outSeg == m.seg && p.orig != nil {
				pr.Data = *p.orig
			} else {
				pr.Data = p.data
			}
			seg.Pages = append(seg.Pages, pr)
		}
		seg.Dirty = slices.Sorted(slices.Values(m.dirtied))
		seg.FetchedPages = slices.Sorted(slices.Values(m.fetched))
	}
	var root hash.Digest
	if tree != nil {
		// a written page whose contents ended as they started keeps its leaf
		changed := make([]uint64, 0, len(m.dirtied))
		for _, pn := range m.dirtied {
			if p := m.mem.lookup(pn); p.orig == nil || *p.orig != p.data {
				changed = append(changed, pn)
			}
		}
		tree.update(hashPages(changed, func(pn uint64) *[PageSize]byte { return &m.mem.lookup(pn).data }))
		root = tree.root()
	}
	for _, pn := range m.dirtied {
		m.mem.lookup(pn).orig = nil
	}
	end := State{PC: m.pc, Root: root}
	if seg != nil {
		seg.End = end
		if err := cfg.OnSegment(seg); err != nil {
			return fmt.Errorf("vm: segment %d: %w", seg.Index, err)
		}
	}
	res.Segments++
	*start, *startIn = end, m.inPos
	m.seg++
	m.touched, m.dirtied, m.fetched, m.segOut = m.touched[:0], m.dirtied[:0], m.fetched[:0], nil
	m.segStartIn, m.segStartPg = m.instret, m.paging
	m.invalidateCaches()
	if halted {
		return nil
	}
	return m.beginSegment()
}
