package rv64

import (
	"errors"
	"testing"

	"github.com/zkexex/zkexex/prover/stark"
)

// Tests of the memory argument (memarg.go): a test table makes one memAccess per row, the
// balancer pages the words in and out, and the byte and range tables serve the gap checks.

// accessTable makes one read-modify-write per row: addr, prev, next, ts, real, then the access's
// three columns.
func accessTable(omit map[string]bool) (*stark.Table, accessCols) {
	t := stark.NewTable("test_access")
	r := &rules{t: t, omit: omit}
	a, prev, next := t.Columns("addr", 3), t.Columns("prev", 4), t.Columns("next", 4)
	ts, real := t.Column("ts"), t.Column("real")
	t.AssertBool("real boolean", real.Cur())
	c := r.memAccess("acc", real.Cur(), [3]stark.Expr{a[0].Cur(), a[1].Cur(), a[2].Cur()}, limbCols(prev), limbCols(next), ts.Cur())
	return t, c
}

// rawAccess is a row of accessTable as a (possibly dishonest) prover writes it.
type rawAccess struct {
	addr, prev, next, prevTs, ts uint64
}

// accessTrace fills accessTable. The gap is split as the field element ts - prevTs - 1 reads
// (its low 16 bits and the rest), and each split part is counted only where the lookup table
// can hold it: a gap out of range leaves its lookup unbalanced. Lookups named in omit are not
// counted.
func accessTrace(rows []rawAccess, omit map[string]bool) (*stark.Matrix, *counts) {
	at, c := accessTable(nil)
	m := stark.NewMatrix(at.Width(), 1<<uint(logRows(len(rows))))
	cnt := new(counts)
	const p = 2130706433
	for i, r := range rows {
		al := addrLimbs(r.addr)
		for k := 0; k < 3; k++ {
			m.SetUint(i, k, al[k])
		}
		setLimbs(m, i, 3, r.prev)
		setLimbs(m, i, 7, r.next)
		m.SetUint(i, 11, r.ts)
		m.SetUint(i, 12, 1)
		m.SetUint(i, c.prevTs.Index(), r.prevTs)
		gap := (r.ts + 2*p - r.prevTs - 1) % p
		lo, hi := gap&0xffff, gap>>16
		m.SetUint(i, c.gapLo.Index(), lo)
		m.SetUint(i, c.gapHi.Index(), hi)
		if !omit["acc gap lo"] {
			cnt.limbs[lo]++
		}
		if hi < 256 && !omit["acc gap hi"] {
			cnt.bytes[hi]++
		}
	}
	return m, cnt
}

const (
	wordA = 0x1000_0008
	wordB = 0xffff_ffff_f018 // a machine-page word: all three limbs non-zero
	wordC = 0x2000_0000
)

// honestAccesses writes and reads A and B, with a write to one word sharing a timestamp with an
// access to the other.
func honestAccesses(t testing.TB) ([]rawAccess, *memWorld) {
	t.Helper()
	w := newMemWorld(map[uint64]uint64{wordA: 0x1122334455667788, wordB: 3})
	var rows []rawAccess
	for _, s := range []struct {
		addr, next, ts uint64
		read           bool
	}{
		{wordA, 5, 5, false},
		{wordA, 0, 9, true},
		{wordB, 0xffff_0000_ffff_0001, 9, false},
		{wordA, 7, 13, false},
		{wordB, 0, 14, true},
	} {
		cur, _, err := w.tracker.final(s.addr)
		if err != nil {
			t.Fatal(err)
		}
		next := s.next
		if s.read {
			next = cur
		}
		acc, err := w.tracker.access(s.addr, cur, next, s.ts)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, rawAccess{acc.Addr, acc.Prev, acc.Next, acc.PrevTs, acc.Ts})
	}
	return rows, w
}

func proveAccesses(t *testing.T, rows []rawAccess, bal []busRow, omit map[string]bool) error {
	t.Helper()
	at, _ := accessTable(omit)
	m, cnt := accessTrace(rows, omit)
	bt, lt := lookupTraces(t, cnt)
	tables := []*stark.Table{at, balancerTable("test_pager", BusMem, 8), byteTable(), range16Table()}
	return proveStatement(t, tables, []*stark.Matrix{m, balancerTrace(8, bal), bt, lt})
}

func TestMemArgHonest(t *testing.T) {
	rows, w := honestAccesses(t)
	if err := proveAccesses(t, rows, w.rows(t), nil); err != nil {
		t.Fatal(err)
	}
}

// TestMemArgBusForgeries: forgeries that no memAccess constraint sees but the BusMem multiset
// does. Each changes one thing of the honest statement (which proves, TestMemArgHonest).
func TestMemArgBusForgeries(t *testing.T) {
	for _, tc := range []struct {
		name  string
		forge func(rows []rawAccess, bal []busRow) ([]rawAccess, []busRow)
	}{
		{"read returns a value other than the last write", func(rows []rawAccess, bal []busRow) ([]rawAccess, []busRow) {
			rows[1].prev, rows[1].next = 6, 6 // A holds 5
			return rows, bal
		}},
		{"read returns the page-in value after a write", func(rows []rawAccess, bal []busRow) ([]rawAccess, []busRow) {
			rows[1].prev, rows[1].next, rows[1].prevTs = 0x1122334455667788, 0x1122334455667788, 0
			return rows, bal
		}},
		{"access to a word never paged in", func(rows []rawAccess, bal []busRow) ([]rawAccess, []busRow) {
			rows = append(rows, rawAccess{addr: wordC, prev: 0, next: 9, prevTs: 0, ts: 20})
			return rows, append(bal, busRow{vals: memTuple(wordC, 9, 20), recv: true})
		}},
		{"page-out value is not the last write", func(rows []rawAccess, bal []busRow) ([]rawAccess, []busRow) {
			for i := range bal {
				if bal[i].recv && bal[i].vals[0] == wordA&0xffff {
					bal[i].vals = memTuple(wordA, 5, 13) // the last write was 7
				}
			}
			return rows, bal
		}},
		{"page-out timestamp is not the last access", func(rows []rawAccess, bal []busRow) ([]rawAccess, []busRow) {
			for i := range bal {
				if bal[i].recv && bal[i].vals[0] == wordA&0xffff {
					bal[i].vals = memTuple(wordA, 7, 9)
				}
			}
			return rows, bal
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, w := honestAccesses(t)
			rows, bal := tc.forge(rows, w.rows(t))
			if err := proveAccesses(t, rows, bal, nil); !errors.Is(err, stark.ErrUnbalancedBus) {
				t.Fatalf("got %v, want %v", err, stark.ErrUnbalancedBus)
			}
		})
	}
}

// TestMemArgTimestampForgeries: accesses out of timestamp order, each rejected by one gap rule
// and accepted once that rule is removed.
func TestMemArgTimestampForgeries(t *testing.T) {
	// A chain that balances on BusMem but runs backwards in time: A is written at 9 and then, as
	// the chain goes, at 5 (prevTs 9 > ts 5); or twice at 9.
	backwards := func(ts2 uint64) ([]rawAccess, []busRow) {
		rows := []rawAccess{{wordA, 1, 2, 0, 9}, {wordA, 2, 3, 9, ts2}}
		return rows, []busRow{{vals: memTuple(wordA, 1, 0), send: true}, {vals: memTuple(wordA, 3, ts2), recv: true}}
	}
	for _, tc := range []struct {
		name string
		rule string
		want error
		make func() ([]rawAccess, []busRow)
		// split overrides the gap's split (lo, hi); nil keeps accessTrace's.
		split func(m *stark.Matrix, c accessCols)
	}{
		{name: "timestamp going backwards (gap split wraps)", rule: "acc gap hi", want: stark.ErrUnbalancedBus,
			make: func() ([]rawAccess, []busRow) { return backwards(5) }},
		{name: "timestamp going backwards (gap in the low limb)", rule: "acc gap lo", want: stark.ErrUnbalancedBus,
			make: func() ([]rawAccess, []busRow) { return backwards(5) },
			split: func(m *stark.Matrix, c accessCols) {
				// the whole field element ts - prevTs - 1 in gap_lo, gap_hi = 0
				var g stark.F
				g.SetInt64(5 - 9 - 1)
				m.Cols[c.gapLo.Index()][1] = g
				m.SetUint(1, c.gapHi.Index(), 0)
			}},
		{name: "timestamp going backwards (gap not the difference)", rule: "acc gap", want: stark.ErrConstraint,
			make: func() ([]rawAccess, []busRow) { return backwards(5) },
			split: func(m *stark.Matrix, c accessCols) {
				m.SetUint(1, c.gapLo.Index(), 0)
				m.SetUint(1, c.gapHi.Index(), 0)
			}},
		{name: "two accesses to one word at one timestamp", rule: "acc gap hi", want: stark.ErrUnbalancedBus,
			make: func() ([]rawAccess, []busRow) { return backwards(9) }},
		{name: "gap out of range", rule: "acc gap hi", want: stark.ErrUnbalancedBus,
			make: func() ([]rawAccess, []busRow) {
				// ts beyond 2^24: the gap needs a 9-bit high part
				return []rawAccess{{wordA, 1, 2, 0, 1 << 25}},
					[]busRow{{vals: memTuple(wordA, 1, 0), send: true}, {vals: memTuple(wordA, 2, 1<<25), recv: true}}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, weak := range []bool{false, true} {
				var omit map[string]bool
				if weak {
					omit = map[string]bool{tc.rule: true}
				}
				rows, bal := tc.make()
				at, c := accessTable(omit)
				m, cnt := accessTrace(rows, omit)
				if tc.split != nil {
					tc.split(m, c)
					// recount the split's lookups as the forged row makes them
					cnt, _ = recountGaps(m, c, len(rows), omit)
				}
				bt, lt := lookupTraces(t, cnt)
				tables := []*stark.Table{at, balancerTable("test_pager", BusMem, 8), byteTable(), range16Table()}
				err := proveStatement(t, tables, []*stark.Matrix{m, balancerTrace(8, bal), bt, lt})
				checkForgery(t, err, weak, tc.want, tc.rule)
			}
		})
	}
}

// recountGaps counts the gap lookups of the first n rows as they stand in m, skipping values the
// tables do not hold (and omitted lookups).
func recountGaps(m *stark.Matrix, c accessCols, n int, omit map[string]bool) (*counts, bool) {
	cnt := new(counts)
	ok := true
	for i := 0; i < n; i++ {
		lo, hi := m.Cols[c.gapLo.Index()][i].Uint64(), m.Cols[c.gapHi.Index()][i].Uint64()
		if !omit["acc gap lo"] {
			if lo < 1<<16 {
				cnt.limbs[lo]++
			} else {
				ok = false
			}
		}
		if !omit["acc gap hi"] {
			if hi < 256 {
				cnt.bytes[hi]++
			} else {
				ok = false
			}
		}
	}
	return cnt, ok
}

// TestMemTrackerRefuses: generation refuses what the AIR cannot prove.
func TestMemTrackerRefuses(t *testing.T) {
	w := newMemWorld(map[uint64]uint64{wordA: 1})
	if _, err := w.tracker.access(wordA, 1, 2, 5); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func() error{
		"same timestamp":   func() error { _, err := w.tracker.access(wordA, 2, 2, 5); return err },
		"earlier":          func() error { _, err := w.tracker.access(wordA, 2, 2, 4); return err },
		"stale value":      func() error { _, err := w.tracker.access(wordA, 1, 1, 6); return err },
		"never paged in":   func() error { _, err := w.tracker.access(wordC, 0, 0, 6); return err },
		"misaligned word":  func() error { _, err := w.tracker.access(wordA+4, 0, 0, 6); return err },
		"final of unpaged": func() error { _, _, err := w.tracker.final(wordC); return err },
	} {
		if err := f(); !errors.Is(err, ErrMemoryTrace) {
			t.Errorf("%s: got %v", name, err)
		}
	}
}
