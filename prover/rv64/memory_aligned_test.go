package rv64

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/zkexex/zkexex/prover/stark"
)

// memParts is a statement over all memory tables (MemoryTables), with the ALU chips for the
// atomic table's messages and the test balancers.
type memParts struct {
	traces []*stark.Matrix // MemoryTables order
	cnt    *counts
	alu    []Event
	mem    []busRow
	ls     []busRow
	flags  []busRow
}

// Trace positions in memParts.traces.
const (
	tmLD = iota
	tmSD
	tmLW
	tmSW
	tmLoad
	tmStore
	tmGeneral
	tmAtomic
)

func memStatementParts(t testing.TB, evs []lsEvent, w *memWorld) *memParts {
	t.Helper()
	tr, cnt, alu, pages, err := memoryTraces(evs, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &memParts{traces: tr, cnt: cnt, alu: alu, mem: w.rows(t), flags: pageFlagRows(pages)}
	for i := range evs {
		p.ls = append(p.ls, busRow{vals: lsTuple(&evs[i]), send: true})
	}
	return p
}

func (p *memParts) prove(t testing.TB, omit map[string]map[string]bool) error {
	t.Helper()
	alu := aluTracesWith(t, p.alu, p.cnt)
	tables := append(memoryTables(omit), balancerTable("test_pager", BusMem, 8), balancerTable("test_cpu", BusLS, 13),
		balancerTable("test_page_flags", BusPageFlag, 4))
	traces := append(append([]*stark.Matrix(nil), p.traces...), balancerTrace(8, p.mem), balancerTrace(13, p.ls), balancerTrace(4, p.flags))
	return proveStatement(t, append(tables, ALUTables()...), append(traces, alu...))
}

// runMem resolves plain and atomic steps in order, one cycle each.
func runMem(t testing.TB, w *memWorld, steps []lsStep) []lsEvent {
	t.Helper()
	var evs []lsEvent
	for i, s := range steps {
		ts := Timestamp(uint64(i+1), SlotMem)
		var e lsEvent
		var err error
		if s.op.isAtomic() {
			e, err = resolveAtomic(w.tracker, s.op, s.addr, s.in, ts)
		} else {
			e, err = resolveLS(w.tracker, s.op, s.addr, s.in, ts)
		}
		if err != nil {
			t.Fatalf("%v at %#x: %v", s.op, s.addr, err)
		}
		evs = append(evs, e)
	}
	return evs
}

// TestMemoryCompleteness: every load and store at every offset of the words around lsBases
// (aligned ones in the narrow tables, the rest in the general one) and atomics, interleaved.
func TestMemoryCompleteness(t *testing.T) {
	words := map[uint64]uint64{amoWord: 0x8000_0001_ffff_fffe, ReservationAddr: 0}
	for i, b := range lsBases {
		words[b] = 0x8877_6655_4433_2211 ^ uint64(i)<<60
		words[b+8] = 0x0f1e_2d3c_4b5a_6978 ^ uint64(i)<<4
	}
	w := newMemWorld(words)
	var steps []lsStep
	in := uint64(0xfedc_ba98_7654_3210)
	for _, b := range lsBases {
		for off := uint64(0); off < 8; off++ {
			for _, op := range plainOps {
				steps = append(steps, lsStep{op, b + off, in})
				in = in*0x9e3779b97f4a7c15 + 1
			}
			steps = append(steps, lsStep{LSAMOADDW, amoWord + 4*(off&1), in}, lsStep{LSLRD, amoWord, 0}, lsStep{LSSCD, amoWord, in})
		}
	}
	evs := runMem(t, w, steps)
	p := memStatementParts(t, evs, w)
	for i, want := range []int{4 * 8 * 7, 4 * 8 * 4} {
		if n := naturallyAlignedCount(evs, i == 1); n < want/3 {
			t.Fatalf("only %d aligned events in table %d", n, i)
		}
	}
	if err := p.prove(t, nil); err != nil {
		t.Fatal(err)
	}
}

func naturallyAlignedCount(evs []lsEvent, stores bool) (n int) {
	for _, e := range evs {
		if (e.Op.isStore() == stores) && (e.Op.isLoad() || e.Op.isStore()) && naturallyAligned(e.Op, e.Addr) {
			n++
		}
	}
	return n
}

func alignedCol(t testing.TB, store bool, name string) int {
	tb, _ := buildAligned(store, nil)
	for i, n := range tb.ColumnNames() {
		if n == name {
			return i
		}
	}
	t.Fatalf("no column %q", name)
	return 0
}

func TestAlignedTampers(t *testing.T) {
	b := lsBases[0]
	for _, tc := range []struct {
		name  string
		table string
		rule  string
		want  error
		steps []lsStep
		forge func(p *memParts, evs []lsEvent, weak bool)
	}{
		{name: "load returns the limb's other byte", table: "mem_load", rule: "byte load", want: stark.ErrConstraint,
			steps: []lsStep{{LSLBU, b + 3, 0}}, // byte 0x44; the limb's low byte is 0x33
			forge: func(p *memParts, evs []lsEvent, weak bool) {
				p.traces[tmLoad].SetUint(0, alignedCol(t, false, "val[0]"), 0x33)
				p.ls[0].vals[9] = 0x33
			}},
		{name: "load without sign extension", table: "mem_load", rule: "sign is the top bit", want: stark.ErrUnbalancedBus,
			steps: []lsStep{{LSLB, b + 7, 0}}, // byte 0x88
			forge: func(p *memParts, evs []lsEvent, weak bool) {
				m := p.traces[tmLoad]
				m.SetUint(0, alignedCol(t, false, "sign"), 0)
				m.SetUint(0, alignedCol(t, false, "val[0]"), 0x88)
				for k, v := range []uint64{0x88, 0, 0, 0} {
					p.ls[0].vals[9+k] = v
				}
				p.cnt.limbs[2*(0x8800-0x8000)]--
			}},
		{name: "word load from the wrong half", table: "mem_lw", rule: "word load limb 0", want: stark.ErrConstraint,
			steps: []lsStep{{LSLWU, b + 4, 0}},
			forge: func(p *memParts, evs []lsEvent, weak bool) {
				p.traces[tmLW].SetUint(0, lwLayout.val[0].Index(), 0x2211)
				p.ls[0].vals[9] = 0x2211
			}},
		{name: "LW without sign extension", table: "mem_lw", rule: "sign is bit 31", want: stark.ErrUnbalancedBus,
			steps: []lsStep{{LSLW, b + 4, 0}}, // 0x88776655
			forge: func(p *memParts, evs []lsEvent, weak bool) {
				p.traces[tmLW].SetUint(0, lwLayout.sign.Index(), 0)
				p.ls[0].vals[11], p.ls[0].vals[12] = 0, 0
				p.cnt.limbs[2*(0x8877-0x8000)]--
			}},
		{name: "LW padding row takes a lookup back", table: "mem_lw", rule: "unsigned only on real rows", want: stark.ErrConstraint,
			steps: []lsStep{{LSLW, b, 0}},
			forge: func(p *memParts, evs []lsEvent, weak bool) {
				// unsigned on a padding row makes the sign lookup's multiplicity -1: the lookup
				// 2·(val_1 - 2^15·sign) is taken back, here the real row's 2·0x4433
				m := p.traces[tmLW]
				m.SetUint(1, lwLayout.uns.Index(), 1)
				m.SetUint(1, lwLayout.val[1].Index(), 0x4433)
				m.SetUint(1, lwLayout.prev[1].Index(), 0x4433)
				p.cnt.limbs[0x8866]--
			}},
		{name: "SW changes the other half", table: "mem_sw", rule: "word store low half", want: stark.ErrConstraint,
			steps: []lsStep{{LSSW, b + 4, 0xabcd_ef01}},
			forge: func(p *memParts, evs []lsEvent, weak bool) {
				nw := evs[0].Words[0].Next ^ 0xffff
				setLimbsAt(p.traces[tmSW], 0, swLayout.next, nw)
				p.mem[findRow(p.mem, b, true)].vals = memTuple(b, nw, evs[0].Ts)
			}},
		{name: "byte store changes the limb's other byte", table: "mem_store", rule: "byte store", want: stark.ErrConstraint,
			steps: []lsStep{{LSSB, b + 2, 0xaa}},
			forge: func(p *memParts, evs []lsEvent, weak bool) {
				m := p.traces[tmStore]
				nw := evs[0].Words[0].Next + 1<<24
				m.SetUint(0, alignedCol(t, true, "top"), (nw>>16)&0xffff)
				setLimbsAt(m, 0, storeLayout.next, nw)
				p.mem[findRow(p.mem, b, true)].vals = memTuple(b, nw, evs[0].Ts)
			}},
		{name: "half store changes another limb", table: "mem_store", rule: "short store", want: stark.ErrConstraint,
			steps: []lsStep{{LSSH, b + 2, 0xaaaa}},
			forge: func(p *memParts, evs []lsEvent, weak bool) {
				nw := evs[0].Words[0].Next ^ 0xffff<<32
				setLimbsAt(p.traces[tmStore], 0, storeLayout.next, nw)
				p.mem[findRow(p.mem, b, true)].vals = memTuple(b, nw, evs[0].Ts)
			}},
		{name: "SD into a fetched page", table: "mem_sd", rule: "page flag", want: stark.ErrUnbalancedBus,
			steps: []lsStep{{LSSD, b, 7}},
			forge: func(p *memParts, evs []lsEvent, weak bool) {
				p.flags[0].vals[3] = 1
				if weak {
					p.flags = nil
				}
			}},
		{name: "SD looks another page up", table: "mem_sd", rule: "page limb", want: stark.ErrUnbalancedBus,
			steps: []lsStep{{LSSD, b, 7}},
			forge: func(p *memParts, evs []lsEvent, weak bool) {
				// page[0] of 0x1000_0100 is 0: claim page 1, which the paging table offers unfetched
				p.traces[tmSD].SetUint(0, sdLayout.pg.Index(), 1)
				p.flags[0].vals[0] = 1
				p.cnt.limbs[16*0x100]--
			}},
		{name: "store into a fetched page", table: "mem_store", rule: "page flag", want: stark.ErrUnbalancedBus,
			steps: []lsStep{{LSSH, b + 4, 7}},
			forge: func(p *memParts, evs []lsEvent, weak bool) {
				p.flags[0].vals[3] = 1
				if weak {
					p.flags = nil
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, weak := range []bool{false, true} {
				w := lsWorld()
				evs := runMem(t, w, tc.steps)
				p := memStatementParts(t, evs, w)
				if !weak {
					if err := p.prove(t, nil); err != nil {
						t.Fatalf("honest statement: %v", err)
					}
				}
				tc.forge(p, evs, weak)
				var omit map[string]map[string]bool
				if weak {
					omit = map[string]map[string]bool{tc.table: {tc.rule: true}}
				}
				err := p.prove(t, omit)
				checkForgery(t, err, weak, tc.want, tc.rule)
			}
		})
	}
}

// BenchmarkMemoryProve proves n aligned LD (or SD) events on 64 words with the test balancers
// and the byte and range tables (fixed costs that 2^14 events do not fully amortise), and
// reports trace generation and prove time per event. Trace generation includes the test
// balancers' traces. Run with -benchtime=1x.
func BenchmarkMemoryProve(b *testing.B) {
	for _, op := range []LSOp{LSLD, LSSD} {
		for _, logN := range []int{14, 16} {
			b.Run(fmt.Sprintf("%v/2^%d", op, logN), func(b *testing.B) {
				if testing.Short() && logN > 14 {
					b.Skip("large sizes without -short")
				}
				words := map[uint64]uint64{}
				for i := uint64(0); i < 64; i++ {
					words[0x1000_0000+8*i] = i * 0x0101_0101_0101_0101
				}
				w := newMemWorld(words)
				steps := make([]lsStep, 1<<logN)
				for i := range steps {
					steps[i] = lsStep{op, 0x1000_0000 + 8*uint64(i%64), uint64(i)}
				}
				evs := runMem(b, w, steps)
				air, err := stark.NewAIR("rv64-mem-bench", 0, append(MemoryTables(), balancerTable("test_pager", BusMem, 8),
					balancerTable("test_cpu", BusLS, 13), balancerTable("test_page_flags", BusPageFlag, 4), byteTable(), range16Table())...)
				if err != nil {
					b.Fatal(err)
				}
				pk, err := stark.Setup(air, stark.DefaultParams())
				if err != nil {
					b.Fatal(err)
				}
				traces := func() []*stark.Matrix {
					p := memStatementParts(b, evs, w)
					bt, lt := lookupTraces(b, p.cnt)
					return append(p.traces, balancerTrace(8, p.mem), balancerTrace(13, p.ls), balancerTrace(4, p.flags), bt, lt)
				}
				// One unmeasured proof first, so that the size's first allocation is not charged.
				if _, err := stark.Prove(context.Background(), pk, traces(), nil); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				var gen, prove float64
				for i := 0; i < b.N; i++ {
					s := time.Now()
					tr := traces()
					gen += float64(time.Since(s))
					s = time.Now()
					if _, err := stark.Prove(context.Background(), pk, tr, nil); err != nil {
						b.Fatal(err)
					}
					prove += float64(time.Since(s))
				}
				b.ReportMetric(gen/float64(b.N)/float64(len(evs)), "gen_ns/event")
				b.ReportMetric(prove/float64(b.N)/float64(len(evs)), "prove_ns/event")
			})
		}
	}
}
