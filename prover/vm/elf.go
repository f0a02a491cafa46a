package vm

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Program is a loaded static RV64 executable: its loadable segments, entry point and the
// symbol table kept for error messages and FP attribution.
type Program struct {
	Entry    uint64
	Segments []LoadSegment
	symbols  []symbol // sorted by address
}

// LoadSegment is one PT_LOAD segment: Data is placed at Vaddr, followed by MemSize-len(Data)
// zero bytes.
type LoadSegment struct {
	Vaddr   uint64
	MemSize uint64
	Data    []byte
	Exec    bool
}

type symbol struct {
	addr, size uint64
	name       string
}

// LoadELF parses a static little-endian RV64 ELF executable whose segments lie in user
// memory, below the kernel range.
func LoadELF(data []byte) (*Program, error) { return parseELF(data, nullGuard, KernelBase) }

// loadKernel parses the embedded kernel after checking it against its pinned digest.
var loadKernel = sync.OnceValues(func() (*Program, error) { return parseKernel(kernelELF, strings.TrimSpace(kernelSum)) })

// parseKernel checks a kernel binary against its hex SHA-256 and parses it: its segments
// must lie in the kernel range below the machine page, its entry must be KernelBase.
func parseKernel(data []byte, sum string) (*Program, error) {
	h := sha256.Sum256(data)
	if hex.EncodeToString(h[:]) != sum {
		return nil, fmt.Errorf("%w: SHA-256 %x, want %s", ErrBadKernel, h, sum)
	}
	p, err := parseELF(data, KernelBase, MachineBase)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadKernel, err)
	}
	if p.Entry != KernelBase {
		return nil, fmt.Errorf("%w: entry %#x", ErrBadKernel, p.Entry)
	}
	return p, nil
}

// parseELF parses a static little-endian RV64 ELF executable whose segments and entry lie in
// [lo, hi).
func parseELF(data []byte, lo, hi uint64) (prog *Program, err error) {
	defer func() {
		// debug/elf is robust, but a loader fed untrusted bytes must never take the process down.
		if r := recover(); r != nil {
			prog, err = nil, fmt.Errorf("%w: parser panic: %v", ErrBadELF, r)
		}
	}()
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadELF, err)
	}
	if f.Class != elf.ELFCLASS64 || f.Data != elf.ELFDATA2LSB || f.Machine != elf.EM_RISCV {
		return nil, fmt.Errorf("%w: class %v, data %v, machine %v", ErrNotRISCV, f.Class, f.Data, f.Machine)
	}
	if f.Type != elf.ET_EXEC {
		return nil, fmt.Errorf("%w: type %v (want a static ET_EXEC)", ErrDynamicELF, f.Type)
	}
	if f.Entry < lo || f.Entry >= hi || f.Entry&3 != 0 {
		return nil, fmt.Errorf("%w: entry point %#x", ErrBadELF, f.Entry)
	}
	p := &Program{Entry: f.Entry}
	var total uint64
	for _, ph := range f.Progs {
		switch ph.Type {
		case elf.PT_INTERP, elf.PT_DYNAMIC:
			return nil, fmt.Errorf("%w: has %v", ErrDynamicELF, ph.Type)
		case elf.PT_LOAD:
		default:
			continue
		}
		if ph.Memsz == 0 {
			continue
		}
		if ph.Filesz > ph.Memsz || ph.Vaddr+ph.Memsz < ph.Vaddr || ph.Vaddr+ph.Memsz > hi ||
			ph.Vaddr < lo {
			return nil, fmt.Errorf("%w: PT_LOAD at %#x (filesz %d, memsz %d) outside the address space", ErrBadELF, ph.Vaddr, ph.Filesz, ph.Memsz)
		}
		total += ph.Memsz
		if total > maxImageBytes {
			return nil, fmt.Errorf("%w: loadable segments exceed %d bytes", ErrBadELF, maxImageBytes)
		}
		buf := make([]byte, ph.Filesz)
		if n, err := ph.ReadAt(buf, 0); err != nil || uint64(n) != ph.Filesz {
			return nil, fmt.Errorf("%w: PT_LOAD at %#x truncated: %v", ErrBadELF, ph.Vaddr, err)
		}
		p.Segments = append(p.Segments, LoadSegment{Vaddr: ph.Vaddr, MemSize: ph.Memsz, Data: buf, Exec: ph.Flags&elf.PF_X != 0})
	}
	if len(p.Segments) == 0 {
		return nil, fmt.Errorf("%w: no loadable segments", ErrBadELF)
	}
	for i, a := range p.Segments {
		for _, b := range p.Segments[i+1:] {
			if a.Vaddr < b.Vaddr+b.MemSize && b.Vaddr < a.Vaddr+a.MemSize {
				return nil, fmt.Errorf("%w: overlapping PT_LOAD segments at %#x and %#x", ErrBadELF, a.Vaddr, b.Vaddr)
			}
		}
	}
	if syms, err := f.Symbols(); err == nil {
		for _, s := range syms {
			if elf.ST_TYPE(s.Info) == elf.STT_FUNC && s.Value != 0 {
				p.symbols = append(p.symbols, symbol{addr: s.Value, size: s.Size, name: s.Name})
			}
		}
		sort.Slice(p.symbols, func(i, j int) bool { return p.symbols[i].addr < p.symbols[j].addr })
	}
	return p, nil
}

// Symbol names the function containing pc, or "" when the symbol table does not cover it.
func (p *Program) Symbol(pc uint64) string {
	i := sort.Search(len(p.symbols), func(i int) bool { return p.symbols[i].addr > pc }) - 1
	if i < 0 {
		return ""
	}
	s := p.symbols[i]
	if s.size != 0 && pc >= s.addr+s.size {
		return ""
	}
	return s.name
}

// Typed errors; callers branch on them with errors.Is.
var (
	ErrBadELF            = errors.New("vm: malformed ELF")
	ErrNotRISCV          = errors.New("vm: not a little-endian RV64 ELF")
	ErrDynamicELF        = errors.New("vm: not a static executable")
	ErrIllegalInstr      = errors.New("vm: illegal instruction")
	ErrCompressedInstr   = errors.New("vm: compressed instruction (C extension is not supported; rebuild the guest with -gcflags=all=-d=compressinstructions=0 -asmflags=all=-d=compressinstructions=0)")
	ErrKernelAccess      = errors.New("vm: user-mode access to the kernel range, or an access across its start")
	ErrKernelBug         = errors.New("vm: kernel bug (an instruction or host call the kernel may not make)")
	ErrKernelFault       = errors.New("vm: the kernel stopped the run")
	ErrBadKernel         = errors.New("vm: corrupt kernel image")
	ErrDeadlock          = errors.New("vm: all guest threads are blocked (deadlock)")
	ErrInputBeforeReady  = errors.New("vm: READY after the program read input")
	ErrOutputBeforeReady = errors.New("vm: READY after the program wrote output")
	ErrSecondReady       = errors.New("vm: second READY")
	ErrBadImage          = errors.New("vm: malformed image")
	ErrCycleLimit        = errors.New("vm: cycle limit reached")
	ErrOutOfMemory       = errors.New("vm: guest out of memory")
	ErrMemoryFault       = errors.New("vm: memory fault")
	ErrMisalignedPC      = errors.New("vm: misaligned instruction address")
	ErrBadSegment        = errors.New("vm: malformed segment record")
	ErrReplayMismatch    = errors.New("vm: segment replay mismatch")
	// ErrCodeStore: an instruction stores into the page it was fetched from. A segment never
	// both writes a page and fetches from it (the AIR decodes from page-in contents), so the
	// executor ends segments before such stores and fetches; this one would end every segment.
	ErrCodeStore = errors.New("vm: store into the page the storing instruction executes from")
)

// Fault is the error that stops a run at a guest instruction; it unwraps to one of the
// sentinel errors above.
type Fault struct {
	Err    error
	PC     uint64
	Raw    uint32
	Symbol string
	Detail string
}

func (f *Fault) Error() string {
	sym := f.Symbol
	if sym == "" {
		sym = "?"
	}
	s := fmt.Sprintf("%v at pc %#x (%s), instruction %#08x", f.Err, f.PC, sym, f.Raw)
	if f.Detail != "" {
		s += ": " + f.Detail
	}
	return s
}

func (f *Fault) Unwrap() error { return f.Err }
