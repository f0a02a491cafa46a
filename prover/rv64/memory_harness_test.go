package rv64

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
)

// Test-only counterparts of the memory tables' buses: a BusMem balancer that pages words in
// (sends (addr, v, 0)) and out (receives the last (addr, v, ts)), a BusLS sender playing the CPU,
// a BusPageFlag sender playing the paging table, and the byte and 16-bit range tables.

// busRow is one row of a balancer: a tuple it sends or receives once.
type busRow struct {
	vals       []uint64
	send, recv bool
}

// balancerTable sends and receives width-wide tuples on bus, one per row, with boolean flags.
func balancerTable(name string, bus stark.BusID, width int) *stark.Table {
	t := stark.NewTable(name)
	v := t.Columns("v", width)
	s, r := t.Column("send"), t.Column("recv")
	t.AssertBool("send boolean", s.Cur())
	t.AssertBool("recv boolean", r.Cur())
	t.Send(bus, s.Cur(), cur(v)...)
	t.Receive(bus, r.Cur(), cur(v)...)
	return t
}

func balancerTrace(width int, rows []busRow) *stark.Matrix {
	m := stark.NewMatrix(width+2, 1<<uint(logRows(len(rows))))
	for i, r := range rows {
		for k, v := range r.vals {
			m.SetUint(i, k, v)
		}
		m.SetUint(i, width, b2u(r.send))
		m.SetUint(i, width+1, b2u(r.recv))
	}
	return m
}

// memTuple is a BusMem tuple (addr limbs, value limbs, ts).
func memTuple(addr, v, ts uint64) []uint64 {
	a := addrLimbs(addr)
	return []uint64{a[0], a[1], a[2], v & 0xffff, (v >> 16) & 0xffff, (v >> 32) & 0xffff, v >> 48, ts}
}

// lsTuple is a BusLS tuple.
func lsTuple(e *lsEvent) []uint64 {
	a := addrLimbs(e.Addr)
	t := []uint64{uint64(e.Op), a[0], a[1], a[2], e.Ts}
	for _, v := range []uint64{e.In, e.Out} {
		for k := 0; k < 4; k++ {
			t = append(t, (v>>(16*k))&0xffff)
		}
	}
	return t
}

// memWorld is a small memory: the words the test pages in with their values, and the tracker
// that resolves accesses against them.
type memWorld struct {
	init    map[uint64]uint64 // word address → page-in value
	tracker *memTracker
}

// newMemWorld pages in the pages holding words (their other words are zero) and sets the words.
func newMemWorld(words map[uint64]uint64) *memWorld {
	recs := map[uint64]*vm.PageRecord{}
	for a, v := range words {
		p := recs[a/vm.PageSize]
		if p == nil {
			p = &vm.PageRecord{Page: a / vm.PageSize}
			recs[a/vm.PageSize] = p
		}
		for j := 0; j < 8; j++ {
			p.Data[a%vm.PageSize+uint64(j)] = byte(v >> (8 * j))
		}
	}
	var pages []vm.PageRecord
	for _, p := range recs {
		pages = append(pages, *p)
	}
	init := map[uint64]uint64{}
	for a, v := range words {
		init[a] = v
	}
	return &memWorld{init: init, tracker: newMemTracker(pages)}
}

// rows returns the balancer rows: page-in and page-out of every word the world holds (only
// those: the test balancer need not page whole pages), in address order.
func (w *memWorld) rows(t testing.TB) []busRow {
	t.Helper()
	var addrs []uint64
	for a := range w.init {
		addrs = append(addrs, a)
	}
	sort.Slice(addrs, func(i, j int) bool { return addrs[i] < addrs[j] })
	var rows []busRow
	for _, a := range addrs {
		v, ts, err := w.tracker.final(a)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, busRow{vals: memTuple(a, w.init[a], 0), send: true}, busRow{vals: memTuple(a, v, ts), recv: true})
	}
	return rows
}

// pageFlagRows sends each page's flag (fetched = 0) as often as it is looked up.
func pageFlagRows(pages map[uint64]uint64) []busRow {
	var ps []uint64
	for p := range pages {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
	var rows []busRow
	for _, p := range ps {
		a := addrLimbs(p * vm.PageSize)
		for i := uint64(0); i < pages[p]; i++ {
			rows = append(rows, busRow{vals: []uint64{a[0] >> 12, a[1], a[2], 0}, send: true})
		}
	}
	return rows
}

// proveStatement proves and verifies traces against tables with test parameters.
func proveStatement(t testing.TB, tables []*stark.Table, traces []*stark.Matrix) error {
	t.Helper()
	air, err := stark.NewAIR("rv64-mem-test", 0, tables...)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := stark.Setup(air, stark.TestParams())
	if err != nil {
		t.Fatal(err)
	}
	proof, err := stark.Prove(context.Background(), pk, traces, nil)
	if err != nil {
		return err
	}
	return stark.Verify(pk.VerifyingKey(), proof, nil, stark.VerifierConfig{})
}

// lookupTraces returns the byte and 16-bit range tables' traces for cnt.
func lookupTraces(t testing.TB, cnt *counts) (bytes, limbs *stark.Matrix) {
	t.Helper()
	tr, err := cnt.traces()
	if err != nil {
		t.Fatal(err)
	}
	return tr[0], tr[3]
}

// aluTracesWith generates the ALU tables' traces (ALUTables order) for events, with the lookup
// tables also counting cnt (the memory tables' lookups).
func aluTracesWith(t testing.TB, events []Event, cnt *counts) []*stark.Matrix {
	t.Helper()
	alu, err := GenerateALUTraces(events)
	if err != nil {
		t.Fatal(err)
	}
	own, err := cnt.traces()
	if err != nil {
		t.Fatal(err)
	}
	// After the chips: bytes, pairs, shifts, 16-bit limbs, as counts.traces orders them.
	for i := range own {
		lt := alu[len(chips)+i]
		for r := range lt.Cols[0] {
			lt.Cols[0][r].Add(&lt.Cols[0][r], &own[i].Cols[0][r])
		}
	}
	return alu
}

// checkForgery: a forgery must be rejected with want (by rule, when a constraint catches it),
// and prove once rule is removed (weak).
func checkForgery(t testing.TB, err error, weak bool, want error, rule string) {
	t.Helper()
	switch {
	case weak && err != nil:
		t.Fatalf("without %q the forgery should pass, got %v", rule, err)
	case weak:
	case !errors.Is(err, want):
		t.Fatalf("got %v, want %v", err, want)
	case errors.Is(err, stark.ErrConstraint) && !strings.Contains(err.Error(), rule):
		t.Fatalf("caught by another rule: %v", err)
	}
}
