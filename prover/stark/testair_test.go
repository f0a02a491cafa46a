package stark

import (
	"math/rand/v2"
	"sort"
	"testing"
)

// Test AIRs that exercise what the RISC-V chips need: boundary and transition constraints
// (Fibonacci), a lookup into a preprocessed byte table over a bus (range check), and offline
// memory checking over a bus with sorted-order constraints (memory consistency).

const (
	busByte BusID = 1
	busMem  BusID = 2
)

// fibAIR: columns (a, b); a_0 = pub0, b_0 = pub1, (a,b) -> (b, a+b), b_{n-1} = pub2.
func fibAIR(t testing.TB) *AIR {
	tb := NewTable("fib")
	a, b := tb.Column("a"), tb.Column("b")
	tb.AssertFirst("a0", a.Cur().Sub(Pub(0)))
	tb.AssertFirst("b0", b.Cur().Sub(Pub(1)))
	tb.AssertTransition("a'", a.Next().Sub(b.Cur()))
	tb.AssertTransition("b'", b.Next().Sub(a.Cur().Add(b.Cur())))
	tb.AssertLast("out", b.Cur().Sub(Pub(2)))
	air, err := NewAIR("fib", 3, tb)
	if err != nil {
		t.Fatal(err)
	}
	return air
}

func fibTrace(logN int, a0, b0 uint64) (*Matrix, []F) {
	n := 1 << uint(logN)
	m := NewMatrix(2, n)
	var a, b F
	a.SetUint64(a0)
	b.SetUint64(b0)
	pub := []F{a, b, {}}
	for r := 0; r < n; r++ {
		m.Set(r, 0, a)
		m.Set(r, 1, b)
		var s F
		s.Add(&a, &b)
		a, b = b, s
	}
	pub[2] = m.Get(n-1, 1)
	return m, pub
}

// byteTable receives every byte looked up on busByte, with a multiplicity column.
func byteTable() *Table {
	tb := NewTable("bytes")
	mult := tb.Column("mult")
	val := tb.Preprocessed("byte")
	pre := NewMatrix(1, 256)
	for i := 0; i < 256; i++ {
		pre.SetUint(i, 0, uint64(i))
	}
	tb.SetPreprocessed(pre)
	tb.ReceiveMany(busByte, mult.Cur(), 1<<20, val.Cur())
	return tb
}

func byteTrace(counts *[256]uint64) *Matrix {
	m := NewMatrix(1, 256)
	for i, c := range counts {
		m.SetUint(i, 0, c)
	}
	return m
}

// rangeAIR: values v = lo + 256·hi with lo, hi range-checked through the byte table.
func rangeAIR(t testing.TB) *AIR {
	tb := NewTable("values")
	v, lo, hi := tb.Column("v"), tb.Column("lo"), tb.Column("hi")
	tb.AssertZero("limbs", v.Cur().Sub(lo.Cur()).Sub(hi.Cur().Mul(Const(256))))
	tb.Send(busByte, Const(1), lo.Cur())
	tb.Send(busByte, Const(1), hi.Cur())
	air, err := NewAIR("range", 0, tb, byteTable())
	if err != nil {
		t.Fatal(err)
	}
	return air
}

func rangeTraces(logN int, seed uint64) []*Matrix {
	rng := rand.New(rand.NewPCG(seed, 1))
	n := 1 << uint(logN)
	m := NewMatrix(3, n)
	var counts [256]uint64
	for r := 0; r < n; r++ {
		v := rng.Uint64N(1 << 16)
		m.SetUint(r, 0, v)
		m.SetUint(r, 1, v&0xff)
		m.SetUint(r, 2, v>>8)
		counts[v&0xff]++
		counts[v>>8]++
	}
	return []*Matrix{m, byteTrace(&counts)}
}

type access struct {
	addr, value, ts uint64
	write           bool
}

// memAIR checks a log of reads and writes by offline memory checking: the log table (in time
// order) and the sorted table (by address, then time) hold the same multiset of accesses over
// busMem; the sorted table enforces that a read returns the value of the previous access to the
// same address, with address/time increments range-checked through the byte table.
func memAIR(t testing.TB) *AIR {
	lg := NewTable("log")
	la, lv, lt, lw, lr := lg.Column("addr"), lg.Column("value"), lg.Column("ts"), lg.Column("is_write"), lg.Column("is_real")
	lg.AssertBool("is_write bool", lw.Cur())
	lg.AssertBool("is_real bool", lr.Cur())
	lg.AssertFirst("ts starts at 1", lt.Cur().Sub(Const(1)))
	lg.AssertTransition("ts increments", lt.Next().Sub(lt.Cur()).Sub(Const(1)))
	lg.AssertTransition("padding at the end", lr.Next().Mul(Const(1).Sub(lr.Cur())))
	notReal := Const(1).Sub(lr.Cur())
	lg.AssertZero("padding addr", notReal.Mul(la.Cur()))
	lg.AssertZero("padding value", notReal.Mul(lv.Cur()))
	lg.AssertZero("padding write", notReal.Mul(lw.Cur()))
	lg.Send(busMem, lr.Cur(), la.Cur(), lv.Cur(), lt.Cur(), lw.Cur())

	st := NewTable("sorted")
	sa, sv, sts, sw, sr := st.Column("addr"), st.Column("value"), st.Column("ts"), st.Column("is_write"), st.Column("is_real")
	same, rs := st.Column("same_addr"), st.Column("read_same")
	diff, dlo, dhi := st.Column("diff"), st.Column("diff_lo"), st.Column("diff_hi")
	st.AssertBool("is_write bool", sw.Cur())
	st.AssertBool("is_real bool", sr.Cur())
	st.AssertBool("same bool", same.Cur())
	st.AssertZero("read_same", rs.Cur().Sub(same.Cur().Mul(Const(1).Sub(sw.Cur()))))
	st.AssertZero("first access writes", sr.Cur().Mul(Const(1).Sub(same.Cur())).Mul(Const(1).Sub(sw.Cur())))
	st.AssertZero("diff limbs", diff.Cur().Sub(dlo.Cur()).Sub(dhi.Cur().Mul(Const(256))))
	st.AssertFirst("no predecessor", same.Cur())
	st.AssertFirst("no diff", diff.Cur())
	st.AssertTransition("padding at the end", sr.Next().Mul(Const(1).Sub(sr.Cur())))
	st.AssertTransition("same address", same.Next().Mul(sa.Next().Sub(sa.Cur())))
	st.AssertTransition("read returns last value", rs.Next().Mul(sv.Next().Sub(sv.Cur())))
	step := same.Next().Mul(sts.Next().Sub(sts.Cur()).Sub(Const(1))).
		Add(Const(1).Sub(same.Next()).Mul(sa.Next().Sub(sa.Cur()).Sub(Const(1))))
	st.AssertTransition("ordered", sr.Next().Mul(diff.Next().Sub(step)))
	sNot := Const(1).Sub(sr.Cur())
	for _, c := range []Column{sa, sv, sts, sw, same, diff} {
		st.AssertZero("padding zero", sNot.Mul(c.Cur()))
	}
	st.Receive(busMem, sr.Cur(), sa.Cur(), sv.Cur(), sts.Cur(), sw.Cur())
	st.Send(busByte, sr.Cur(), dlo.Cur())
	st.Send(busByte, sr.Cur(), dhi.Cur())
	// Padding rows send nothing, so their limbs must be zero to be constrained at all.
	st.AssertZero("padding lo", sNot.Mul(dlo.Cur()))
	st.AssertZero("padding hi", sNot.Mul(dhi.Cur()))

	air, err := NewAIR("memory", 0, lg, st, byteTable())
	if err != nil {
		t.Fatal(err)
	}
	return air
}

func randomAccesses(count int, seed uint64) []access {
	rng := rand.New(rand.NewPCG(seed, 2))
	mem := map[uint64]uint64{}
	var out []access
	for i := 0; i < count; i++ {
		addr := rng.Uint64N(16) * 8
		ts := uint64(i + 1)
		old, ok := mem[addr]
		if !ok || rng.IntN(2) == 0 {
			v := rng.Uint64N(1 << 30)
			mem[addr] = v
			out = append(out, access{addr, v, ts, true})
		} else {
			out = append(out, access{addr, old, ts, false})
		}
	}
	return out
}

func memTraces(logN int, acc []access) []*Matrix {
	n := 1 << uint(logN)
	lg := NewMatrix(5, n)
	for r, a := range acc {
		lg.SetUint(r, 0, a.addr)
		lg.SetUint(r, 1, a.value)
		lg.SetUint(r, 2, a.ts)
		if a.write {
			lg.SetUint(r, 3, 1)
		}
		lg.SetUint(r, 4, 1)
	}
	for r := len(acc); r < n; r++ {
		lg.SetUint(r, 2, uint64(r+1)) // ts keeps counting through padding
	}
	sorted := append([]access(nil), acc...)
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i].addr != sorted[j].addr {
			return sorted[i].addr < sorted[j].addr
		}
		return sorted[i].ts < sorted[j].ts
	})
	st := NewMatrix(10, n)
	var counts [256]uint64
	for r, a := range sorted {
		st.SetUint(r, 0, a.addr)
		st.SetUint(r, 1, a.value)
		st.SetUint(r, 2, a.ts)
		if a.write {
			st.SetUint(r, 3, 1)
		}
		st.SetUint(r, 4, 1)
		var d uint64
		if r > 0 {
			p := sorted[r-1]
			if p.addr == a.addr {
				st.SetUint(r, 5, 1)
				if !a.write {
					st.SetUint(r, 6, 1)
				}
				d = a.ts - p.ts - 1
			} else {
				d = a.addr - p.addr - 1
			}
		}
		st.SetUint(r, 7, d)
		st.SetUint(r, 8, d&0xff)
		st.SetUint(r, 9, d>>8)
		counts[d&0xff]++
		counts[d>>8]++
	}
	return []*Matrix{lg, st, byteTrace(&counts)}
}
