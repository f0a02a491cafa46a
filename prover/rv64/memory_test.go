package rv64

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
)

// refLoadStore is LoadStore written byte by byte, the reference it is tested against.
func refLoadStore(op LSOp, addr, in uint64, old [2]uint64) (uint64, [2]uint64) {
	var w [16]byte
	for i := range w {
		w[i] = byte(old[i/8] >> (8 * (i % 8)))
	}
	size, off := int(op.size()), int(addr&7)
	var out uint64
	if op.isLoad() {
		for j := 0; j < size; j++ {
			out |= uint64(w[off+j]) << (8 * j)
		}
		if op.signed() && w[off+size-1]&0x80 != 0 {
			for j := size; j < 8; j++ {
				out |= 0xff << (8 * j)
			}
		}
	} else {
		for j := 0; j < size; j++ {
			w[off+j] = byte(in >> (8 * j))
		}
	}
	var next [2]uint64
	for i := range w {
		next[i/8] |= uint64(w[i]) << (8 * (i % 8))
	}
	return out, next
}

var plainOps = []LSOp{LSLB, LSLH, LSLW, LSLD, LSLBU, LSLHU, LSLWU, LSSB, LSSH, LSSW, LSSD}

func TestLoadStoreSemantics(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		op := plainOps[rng.IntN(len(plainOps))]
		addr := rng.Uint64() & (1<<48 - 1) &^ 0xf000_0000_0000
		in := rng.Uint64()
		old := [2]uint64{rng.Uint64(), rng.Uint64()}
		out, next, err := LoadStore(op, addr, in, old)
		if err != nil {
			t.Fatal(err)
		}
		if _, two := lsWords(op, addr); !two {
			next[1] = old[1]
		}
		ro, rn := refLoadStore(op, addr, in, old)
		if op.isLoad() {
			rn = old
		}
		if out != ro || next != rn {
			t.Fatalf("%v at %#x in %#x old %#x: got %#x %#x, want %#x %#x", op, addr, in, old, out, next, ro, rn)
		}
	}
	for _, c := range []struct {
		op   LSOp
		addr uint64
		out  uint64
	}{
		{LSLB, 1, 0xffffffffffffff80}, {LSLBU, 1, 0x80}, {LSLH, 7, 0xffffffffffff8070},
		{LSLW, 6, 0xffffffff90807060}, {LSLWU, 6, 0x90807060}, {LSLD, 3, 0xa090807060504030},
	} {
		out, _, err := LoadStore(c.op, c.addr, 0, [2]uint64{0x7060504030208010, 0xf0e0d0c0b0a09080})
		if err != nil || out != c.out {
			t.Errorf("%v at %d: %#x, %v; want %#x", c.op, c.addr, out, err, c.out)
		}
	}
	for _, bad := range []struct {
		op   LSOp
		addr uint64
	}{{LSLD, 1<<48 - 4}, {LSSB, 1 << 48}, {LSLRW, 0}, {0, 0}} {
		if _, _, err := LoadStore(bad.op, bad.addr, 0, [2]uint64{}); err == nil {
			t.Errorf("%v at %#x accepted", bad.op, bad.addr)
		}
	}
}

// Word addresses the completeness test accesses around: an ordinary word, the last word of a
// page (misaligned accesses cross into the next page), the last word before a limb-0 carry and
// the last word before a carry into limb 2.
var lsBases = []uint64{0x1000_0100, 0x1000_0ff8, 0x3_fff8, 0xffff_fff8}

// lsWorld pages in the words around lsBases with distinctive values (bytes with the top bit set
// and clear).
func lsWorld() *memWorld {
	words := map[uint64]uint64{}
	for i, b := range lsBases {
		words[b] = 0x8877_6655_4433_2211 ^ uint64(i)<<60
		words[b+8] = 0x0f1e_2d3c_4b5a_6978 ^ uint64(i)<<4
	}
	return newMemWorld(words)
}

// lsParts are the traces of a load/store statement before assembly, for forgeries to change.
type lsParts struct {
	m     *stark.Matrix
	cnt   *counts
	mem   []busRow // page-in/out
	ls    []busRow // the CPU's BusLS sends
	flags []busRow // the paging table's BusPageFlag sends
}

func lsStatementParts(t testing.TB, evs []lsEvent, w *memWorld) *lsParts {
	t.Helper()
	m, cnt, pages, err := lsTrace(evs, 0)
	if err != nil {
		t.Fatal(err)
	}
	p := &lsParts{m: m, cnt: cnt, mem: w.rows(t), flags: pageFlagRows(pages)}
	for i := range evs {
		p.ls = append(p.ls, busRow{vals: lsTuple(&evs[i]), send: true})
	}
	return p
}

func (p *lsParts) prove(t testing.TB, omit map[string]bool) error {
	t.Helper()
	bt, lt := lookupTraces(t, p.cnt)
	tables := []*stark.Table{lsTable(omit), balancerTable("test_pager", BusMem, 8), balancerTable("test_cpu", BusLS, 13),
		balancerTable("test_page_flags", BusPageFlag, 4), byteTable(), range16Table()}
	traces := []*stark.Matrix{p.m, balancerTrace(8, p.mem), balancerTrace(13, p.ls), balancerTrace(4, p.flags), bt, lt}
	return proveStatement(t, tables, traces)
}

// lsEvents runs ops through the world's tracker, one cycle each from cycle 1.
type lsStep struct {
	op       LSOp
	addr, in uint64
}

func runLS(t testing.TB, w *memWorld, steps []lsStep) []lsEvent {
	t.Helper()
	var evs []lsEvent
	for i, s := range steps {
		e, err := resolveLS(w.tracker, s.op, s.addr, s.in, Timestamp(uint64(i+1), SlotMem))
		if err != nil {
			t.Fatalf("%v at %#x: %v", s.op, s.addr, err)
		}
		evs = append(evs, e)
	}
	return evs
}

// TestLSCompleteness: every load and store at every byte offset of an ordinary word, of a page's
// last word (crossing into the next page) and of words whose successor carries into address limb
// 1 and limb 2, interleaved so that loads see earlier stores.
func TestLSCompleteness(t *testing.T) {
	w := lsWorld()
	var steps []lsStep
	in := uint64(0xfedc_ba98_7654_3210)
	for _, b := range lsBases {
		for off := uint64(0); off < 8; off++ {
			for _, op := range plainOps {
				steps = append(steps, lsStep{op, b + off, in})
				in = in*0x9e3779b97f4a7c15 + 1
			}
		}
	}
	evs := runLS(t, w, steps)
	if err := lsStatementParts(t, evs, w).prove(t, nil); err != nil {
		t.Fatal(err)
	}
}

func TestLSTraceRefuses(t *testing.T) {
	w := lsWorld()
	evs := runLS(t, w, []lsStep{{LSLW, lsBases[0] + 6, 0}, {LSSH, lsBases[0] + 1, 0xabcd}})
	for name, f := range map[string]func(e []lsEvent){
		"wrong out":          func(e []lsEvent) { e[0].Out ^= 1 },
		"store with out":     func(e []lsEvent) { e[1].Out = 1 },
		"missing 2nd word":   func(e []lsEvent) { e[0].Words[1] = Access{} },
		"wrong new word":     func(e []lsEvent) { e[1].Words[0].Next ^= 1 << 40 },
		"other timestamp":    func(e []lsEvent) { e[1].Words[0].Ts++ },
		"atomic op in table": func(e []lsEvent) { e[1].Op = LSAMOADDD },
		"extra 2nd word":     func(e []lsEvent) { e[1].Words[1] = e[0].Words[1] },
		"reservation access": func(e []lsEvent) { e[1].Res = e[0].Words[1] },
	} {
		bad := append([]lsEvent(nil), evs...)
		f(bad)
		if _, _, _, err := lsTrace(bad, 0); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// lsTamper is one forgery of a load/store statement: the honest statement (steps against
// lsWorld) proves; the forged one is rejected with want (by rule, when a constraint); without
// rule the forged one proves.
type lsTamper struct {
	name  string
	rule  string
	want  error
	steps []lsStep
	// forge changes the honest parts of the weak (weak = true) or full statement.
	forge func(p *lsParts, evs []lsEvent, weak bool)
}

// col returns the index of the named column of the load/store table.
func lsCol(t testing.TB, name string) int {
	for i, n := range lsTable(nil).ColumnNames() {
		if n == name {
			return i
		}
	}
	t.Fatalf("no column %q", name)
	return 0
}

func findRow(rows []busRow, addr uint64, recv bool) int {
	a := addrLimbs(addr)
	for i, r := range rows {
		if r.recv == recv && r.vals[0] == a[0] && r.vals[1] == a[1] && r.vals[2] == a[2] {
			return i
		}
	}
	panic("no such row")
}

func TestLSTampers(t *testing.T) {
	b := lsBases[0]
	tampers := []lsTamper{
		{name: "load returns another byte", rule: "accessed byte", want: stark.ErrConstraint,
			steps: []lsStep{{LSLBU, b + 3, 0}},
			forge: func(p *lsParts, evs []lsEvent, weak bool) {
				// byte 4 (0x55) instead of byte 3 (0x44)
				p.m.SetUint(0, lsCol(t, "val_byte[0]"), 0x55)
				p.m.SetUint(0, lsCol(t, "val[0]"), 0x55)
				p.ls[0].vals[9] = 0x55
			}},
		{name: "load without sign extension", rule: "sign is the top bit", want: stark.ErrUnbalancedBus,
			steps: []lsStep{{LSLB, b + 7, 0}}, // byte 0x88
			forge: func(p *lsParts, evs []lsEvent, weak bool) {
				p.m.SetUint(0, lsCol(t, "sign"), 0)
				for k := 0; k < 4; k++ {
					p.m.SetUint(0, lsCol(t, "val["+string(rune('0'+k))+"]"), []uint64{0x88, 0, 0, 0}[k])
					p.ls[0].vals[9+k] = []uint64{0x88, 0, 0, 0}[k]
				}
				// the honest lookup 2·(0x88 - 128) = 16 goes; the forged 2·0x88 is no byte
				p.cnt.bytes[16]--
			}},
		{name: "misaligned LH returns a limb that is not its bytes", rule: "value limb", want: stark.ErrConstraint,
			steps: []lsStep{{LSLHU, b + 3, 0}},
			forge: func(p *lsParts, evs []lsEvent, weak bool) {
				p.m.SetUint(0, lsCol(t, "val[0]"), 0x5545)
				p.ls[0].vals[9] = 0x5545
			}},
		{name: "store changes a byte outside its width", rule: "store keeps bytes outside the window", want: stark.ErrConstraint,
			steps: []lsStep{{LSSB, b + 2, 0xaa}},
			forge: func(p *lsParts, evs []lsEvent, weak bool) {
				p.m.SetUint(0, lsCol(t, "new_byte[3]"), 0)
				nw := evs[0].Words[0].Next &^ 0xff000000
				p.mem[findRow(p.mem, b, true)].vals = memTuple(b, nw, evs[0].Ts)
			}},
		{name: "misaligned load skips the second word", rule: "second word iff the access spills", want: stark.ErrConstraint,
			steps: []lsStep{{LSLD, b + 5, 0}},
			forge: func(p *lsParts, evs []lsEvent, weak bool) {
				// claim the second word's bytes unread: page-out sees it untouched
				p.m.SetUint(0, lsCol(t, "two_words"), 0)
				a := evs[0].Words[1]
				p.mem[findRow(p.mem, b+8, true)].vals = memTuple(b+8, a.Prev, a.PrevTs)
				gap := a.Ts - a.PrevTs - 1
				p.cnt.limbs[gap&0xffff]--
				p.cnt.bytes[gap>>16]--
			}},
		{name: "store into a fetched page", rule: "page flag", want: stark.ErrUnbalancedBus,
			steps: []lsStep{{LSSD, b, 7}},
			forge: func(p *lsParts, evs []lsEvent, weak bool) {
				// the paging table flags the page fetched; without the lookup it sends nothing
				p.flags[0].vals[3] = 1
				if weak {
					p.flags = nil
				}
			}},
		{name: "store looks another page up", rule: "page limb", want: stark.ErrUnbalancedBus,
			steps: []lsStep{{LSSD, b, 7}},
			forge: func(p *lsParts, evs []lsEvent, weak bool) {
				// page[0] of 0x1000_0100 is 0; claim page 1 (0x1000_1000, not fetched) and flag
				// the true page fetched
				p.m.SetUint(0, lsCol(t, "page1"), 1)
				p.flags[0].vals[0] = 1
				p.cnt.limbs[16*0x100]--
				if !weak {
					p.flags = append(p.flags, busRow{vals: []uint64{0, 0x1000, 0, 1}, send: false})
				}
			}},
	}
	for _, tc := range tampers {
		t.Run(tc.name, func(t *testing.T) {
			for _, weak := range []bool{false, true} {
				w := lsWorld()
				evs := runLS(t, w, tc.steps)
				p := lsStatementParts(t, evs, w)
				if !weak {
					if err := p.prove(t, nil); err != nil {
						t.Fatalf("honest statement: %v", err)
					}
				}
				tc.forge(p, evs, weak)
				var omit map[string]bool
				if weak {
					omit = map[string]bool{tc.rule: true}
				}
				err := p.prove(t, omit)
				checkForgery(t, err, weak, tc.want, tc.rule)
			}
		})
	}
}

// TestLSWrongCarry: a misaligned load from the word before a limb-0 carry that forms the second
// word's address without the carry names a non-canonical address no page-in sent.
func TestLSWrongCarry(t *testing.T) {
	w := lsWorld()
	evs := runLS(t, w, []lsStep{{LSLD, lsBases[2] + 4, 0}})
	p := lsStatementParts(t, evs, w)
	if err := p.prove(t, nil); err != nil {
		t.Fatal(err)
	}
	p.m.SetUint(0, lsCol(t, "carry1"), 0)
	if err := p.prove(t, nil); !errors.Is(err, stark.ErrUnbalancedBus) {
		t.Fatalf("got %v, want %v", err, stark.ErrUnbalancedBus)
	}
}

// TestLSWrongDecomposition: a load that claims offset 0 at an address 4 past a word reads the
// "word" at that address, which page-in never sent: the memory argument rejects it. Without the
// row's BusMem interactions it would pass.
func TestLSWrongDecomposition(t *testing.T) {
	b := lsBases[0]
	for _, weak := range []bool{false, true} {
		w := lsWorld()
		evs := runLS(t, w, []lsStep{{LSLW, b + 4, 0}})
		p := lsStatementParts(t, evs, w)
		// The row as if the word started at b+4: offset 0, the window shifted by four bytes.
		p.m.SetUint(0, lsCol(t, "off[4]"), 0)
		p.m.SetUint(0, lsCol(t, "off[0]"), 1)
		win := evs[0].Words[0].Prev>>32 | w.init[b+8]<<32
		for i := 0; i < 8; i++ {
			p.m.SetUint(0, lsCol(t, "old_byte["+string(rune('0'+i))+"]"), (win>>(8*i))&0xff)
			p.m.SetUint(0, lsCol(t, "new_byte["+string(rune('0'+i))+"]"), (win>>(8*i))&0xff)
			p.cnt.bytes[(evs[0].Words[0].Prev>>(8*i))&0xff]--
			p.cnt.bytes[(win>>(8*i))&0xff]++
		}
		var omit map[string]bool
		if weak {
			omit = map[string]bool{"word1 receive": true, "word1 send": true}
			p.mem[findRow(p.mem, b, true)].vals = memTuple(b, w.init[b], 0)
		}
		err := p.prove(t, omit)
		if weak && err != nil {
			t.Fatalf("without the word's BusMem interactions the forgery should pass, got %v", err)
		}
		if !weak && !errors.Is(err, stark.ErrUnbalancedBus) {
			t.Fatalf("got %v, want %v", err, stark.ErrUnbalancedBus)
		}
	}
}

// BenchmarkMemoryCells reports the memory tables' cells per event (one event per row): main
// columns and the extension cells of their LogUp columns.
func BenchmarkMemoryCells(b *testing.B) {
	for i, t := range MemoryTables() {
		b.Run(t.Name(), func(b *testing.B) {
			var main, ext int
			for n := 0; n < b.N; n++ {
				t := MemoryTables()[i]
				main, ext = t.Width(), 4*t.LogUpColumns()
			}
			b.ReportMetric(float64(main), "main_cells/event")
			b.ReportMetric(float64(ext), "ext_cells/event")
			b.ReportMetric(float64(main+ext), "cells/event")
		})
	}
}

// FuzzLoadStore checks LoadStore against the byte-level reference, and that every load or store
// it accepts proves in the table it is routed to (the seeds run in every `go test`).
func FuzzLoadStore(f *testing.F) {
	f.Add(uint8(0), uint64(0x1000_0ff9), uint64(0x8899), uint64(0x8000_0000_0000_0080), uint64(0xff))
	f.Add(uint8(10), uint64(0x3_fffd), uint64(0x1234_5678_9abc_def0), uint64(0), uint64(1<<63))
	f.Add(uint8(5), uint64(7), uint64(0), uint64(0xffff_ffff_ffff_ffff), uint64(0x80))
	f.Fuzz(func(t *testing.T, opn uint8, addr, in, w0, w1 uint64) {
		op := plainOps[int(opn)%len(plainOps)]
		addr &= 1<<48 - 1
		out, next, err := LoadStore(op, addr, in, [2]uint64{w0, w1})
		if err != nil {
			if addr+op.size()-1 < 1<<48 {
				t.Fatalf("%v at %#x refused: %v", op, addr, err)
			}
			return
		}
		ro, rn := refLoadStore(op, addr, in, [2]uint64{w0, w1})
		if _, two := lsWords(op, addr); !two {
			next[1] = w1
		}
		if op.isLoad() {
			rn = [2]uint64{w0, w1}
		}
		if out != ro || next != rn {
			t.Fatalf("%v at %#x: %#x %#x, want %#x %#x", op, addr, out, next, ro, rn)
		}
		word := addr &^ 7
		if word+8 >= 1<<48 {
			return
		}
		w := newMemWorld(map[uint64]uint64{word: w0, word + 8: w1})
		evs := runMem(t, w, []lsStep{{op, addr, in}})
		if err := memStatementParts(t, evs, w).prove(t, nil); err != nil {
			t.Fatalf("%v at %#x: %v", op, addr, err)
		}
	})
}

// TestLSKernelBase: an access that spans vm.KernelBase (its first bytes user memory, the rest the
// kernel's first word) is refused by the table, as the executor refuses it in either mode; the
// same access one word lower proves.
func TestLSKernelBase(t *testing.T) {
	low := uint64(vm.KernelBase - 16)
	for _, tc := range []struct {
		addr uint64
		ok   bool
	}{{low + 4, true}, {vm.KernelBase - 4, false}} {
		for _, op := range []LSOp{LSLD, LSSD} {
			w := newMemWorld(map[uint64]uint64{low: 1, low + 8: 2, vm.KernelBase: 3})
			evs := runLS(t, w, []lsStep{{op, tc.addr, 0x1234_5678_9abc_def0}})
			p := lsStatementParts(t, evs, w)
			err := p.prove(t, nil)
			if tc.ok {
				if err != nil {
					t.Fatalf("%v at %#x: %v", op, tc.addr, err)
				}
				continue
			}
			checkForgery(t, err, false, stark.ErrConstraint, "no access across the kernel base")
			checkForgery(t, p.prove(t, map[string]bool{"no access across the kernel base": true}), true, stark.ErrConstraint, "no access across the kernel base")
		}
	}
}
