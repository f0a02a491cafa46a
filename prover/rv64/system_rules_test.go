package rv64

import (
	"fmt"
	"testing"

	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
)

// More tamper tests: one per remaining rule of the system tables (TestSystemTampers has those
// the brief lists), run by TestSystemRuleTampers.

// forgeReg makes the test's register write of kernel register r store v, and the host call's read
// of it (slot) see v.
func forgeReg(s *scenario, e *sysEvent, r uint64, slot int, v uint64) {
	for i := range s.writes {
		if s.writes[i].addr == RegAddr(1, r) {
			s.writes[i].v2 = v
		}
	}
	e.Acc[slot].Prev = v
	if slot != 1 {
		e.Acc[slot].Next = v
	}
}

// initWord is the word's paged-in value.
func initWord(s *scenario, addr uint64) uint64 {
	w, err := newMemTracker(s.pages).word(addr)
	if err != nil {
		s.t.Fatal(err)
	}
	return w.v
}

// ioRowsOf returns sys_io's rows of the call at ts.
func ioRowsOf(ss *sysStatement, ts uint64) []int {
	m := ss.traces[sIO]
	tc, rd, wr, jr := colIdx(ss.tables[sIO], "ts"), colIdx(ss.tables[sIO], "is_read"), colIdx(ss.tables[sIO], "is_write"), colIdx(ss.tables[sIO], "is_journal")
	var rows []int
	for r := 0; r < m.Height; r++ {
		real := m.Cols[rd][r].Uint64() + m.Cols[wr][r].Uint64() + m.Cols[jr][r].Uint64()
		if real == 1 && m.Cols[tc][r].Uint64() == ts {
			rows = append(rows, r)
		}
	}
	return rows
}

func addCell(m *stark.Matrix, row, col int, delta int64) {
	var d stark.F
	d.SetInt64(delta)
	m.Cols[col][row].Add(&m.Cols[col][row], &d)
}

func ruleTampers() []sysTamper {
	ecall := func(s *scenario) { s.sys(SysEcall, 0x1000, 0, nil) }
	mret := func(s *scenario) {
		s.store(vm.MachineBase+mpEPC, 0x1004)
		s.sys(SysMret, vm.KernelBase, 1, nil)
	}
	read := func(s *scenario) { s.host(vm.KernelBase, hostRead, bufPage+2, 9, 0, []byte{1, 2, 3}) }
	write := func(s *scenario) { s.host(vm.KernelBase, hostWrite, 1, bufPage, 6, nil) }
	halt := func(s *scenario) { s.host(vm.KernelBase, hostHalt, 0x105, 0, 0, nil) }
	omit := func(table string, rules ...string) map[string]map[string]bool {
		m := map[string]bool{}
		for _, r := range rules {
			m[r] = true
		}
		return map[string]map[string]bool{table: m}
	}
	ev := func(f func(s *scenario, e *sysEvent)) func(s *scenario, evs []sysEvent) []sysEvent {
		return func(s *scenario, evs []sysEvent) []sysEvent { f(s, &evs[0]); return evs }
	}
	return []sysTamper{
		{name: "trap leaves the mode word", build: ecall, want: stark.ErrConstraint, rule: "trap mode word", omit: omit("sys", "trap mode word"),
			forge: ev(func(_ *scenario, e *sysEvent) { e.Acc[2].Next = 0 })},
		{name: "trap to another entry", build: ecall, want: stark.ErrConstraint, rule: "trap next pc", omit: omit("sys", "trap next pc"),
			forge: ev(func(_ *scenario, e *sysEvent) { e.NextPC += 4 })},
		{name: "mret leaves kernel mode in memory", build: mret, want: stark.ErrConstraint, rule: "mret mode word", omit: omit("sys", "mret mode word"),
			forge: ev(func(_ *scenario, e *sysEvent) { e.Acc[1].Next = 1 })},
		{name: "host call changes a1", build: read, want: stark.ErrConstraint, rule: "reads keep the word", omit: omit("sys", "reads keep the word"),
			forge: ev(func(_ *scenario, e *sysEvent) { e.Acc[2].Next++ })},
		{name: "HALT changes a0", build: halt, want: stark.ErrConstraint, rule: "halt keeps a0", omit: omit("sys", "halt keeps a0"),
			forge: ev(func(_ *scenario, e *sysEvent) { e.Acc[1].Next = 0 })},
		{name: "exit code without HALT", build: read, want: stark.ErrConstraint, rule: "exit code zero unless halted", omit: omit("sys", "exit code zero unless halted"),
			post: func(ss *sysStatement, _ bool) { ss.public[PubExitCode].SetUint64(5) }},
		{name: "WRITE to fd 4", build: write, want: stark.ErrConstraint, rule: "write fd", omit: omit("sys", "write fd"),
			forge: ev(func(s *scenario, e *sysEvent) { forgeReg(s, e, regA0, 1, 4) })},
		{name: "READ result differs from n", build: read, want: stark.ErrConstraint, rule: "io result", omit: omit("sys", "io result"),
			forge: ev(func(_ *scenario, e *sysEvent) { e.Acc[1].Next++ })},
		{name: "READ above 2^48", build: read, want: stark.ErrConstraint, rule: "io address below 2^48", omit: omit("sys", "io address below 2^48"),
			forge: ev(func(s *scenario, e *sysEvent) {
				forgeReg(s, e, regA0, 1, bufPage+2+1<<48)
			})},
		{name: "READ reports bytes it does not write", build: read, want: stark.ErrConstraint, rule: "n nonzero", omit: omit("sys", "n nonzero"),
			forge: ev(func(_ *scenario, e *sysEvent) { e.Words = nil }),
			post: func(ss *sysStatement, _ bool) {
				ss.traces[sSys].SetUint(0, colIdx(ss.tables[sSys], "n_nonzero"), 0)
				// The page bound's lookup of 16·(off + n - nz) moves from 16·4 to 16·5.
				bumpCount(ss.traces[sRange16], 64, -1)
				bumpCount(ss.traces[sRange16], 80, 1)
			}},
		{name: "READ across the page end", build: func(s *scenario) { s.host(vm.KernelBase, hostRead, bufPage+0xffe, 4, 0, []byte{1, 2}) },
			want: stark.ErrUnbalancedBus, omit: omit("sys", "page bound"),
			forge: ev(func(s *scenario, e *sysEvent) {
				e.N, e.Acc[1].Next = 4, 4
				old := initWord(s, bufPage+0x1000)
				e.Words = append(e.Words, Access{Addr: bufPage + 0x1000, Prev: old, Next: old&^0xffff | 0x0403, Ts: e.Ts})
			}),
			post: func(ss *sysStatement, weak bool) {
				if weak { // the fill counted 16·(off + n - 1) = 16·0x1001 as the limb it truncates to
					bumpCount(ss.traces[sRange16], 0x10, -1)
				}
			}},
		{name: "READ across the page end with a forged page number", build: func(s *scenario) { s.host(vm.KernelBase, hostRead, bufPage+0xffe, 4, 0, []byte{1, 2}) },
			want: stark.ErrUnbalancedBus, omit: omit("sys", "io address split"),
			forge: ev(func(s *scenario, e *sysEvent) {
				e.N, e.Acc[1].Next = 4, 4
				old := initWord(s, bufPage+0x1000)
				e.Words = append(e.Words, Access{Addr: bufPage + 0x1000, Prev: old, Next: old&^0xffff | 0x0403, Ts: e.Ts})
			}),
			post: func(ss *sysStatement, weak bool) {
				// addr mod 2^16 = 0xffe claimed as page 1, offset -2: the page bound then sees
				// 16·(-2 + 4 - 1) = 16, which the fill counted (16·0x1001 truncated).
				ss.traces[sSys].SetUint(0, colIdx(ss.tables[sSys], "io_addr_page"), 1)
				if weak {
					bumpCount(ss.traces[sRange16], 0xffe>>3, -1)
					bumpCount(ss.traces[sBytes], 0, -1)
					bumpCount(ss.traces[sRange16], 0xffe0, -1)
				}
			}},
		{name: "READ skips a word", build: func(s *scenario) {
			s.host(vm.KernelBase, hostRead, bufPage, 20, 0, []byte("0123456789abcdefghij"))
		},
			want: stark.ErrConstraint, rule: "chain", omit: omit("sys_io", "chain"),
			forge: ev(func(s *scenario, e *sysEvent) {
				w := &e.Words[1]
				w.Addr += 0x100
				w.Prev = initWord(s, w.Addr)
			})},
		{name: "READ writes elsewhere than a0", build: read, want: stark.ErrConstraint, rule: "io address", omit: omit("sys", "io address"),
			forge: ev(func(s *scenario, e *sysEvent) {
				// The three bytes land at a0 + 0x100.
				w := &e.Words[0]
				w.Addr += 0x100
				w.Prev = initWord(s, w.Addr)
				w.Next = w.Prev&^0xffffff0000 | 0x0302010000
			}),
			post: func(ss *sysStatement, _ bool) {
				m, tb := ss.traces[sSys], ss.tables[sSys]
				addCell(m, 0, colIdx(tb, "io_addr[0]"), 0x100)
				addCell(m, 0, colIdx(tb, "io_addr_div8"), 0x20)
				for _, mv := range [][2]int{{0, 0x20}, {0x20, 0x1020}, {0x40, 0x1040}} { // addr/8, 16·off, the page bound
					bumpCount(ss.traces[sRange16], mv[0], -1)
					bumpCount(ss.traces[sRange16], mv[1], 1)
				}
			}},
		{name: "READ leaves a hole mid-buffer", build: func(s *scenario) {
			s.host(vm.KernelBase, hostRead, bufPage, 20, 0, []byte("0123456789abcdefghij"))
		},
			want: stark.ErrConstraint, rule: "middle words are whole", omit: omit("sys_io", "middle words are whole"),
			forge: ev(func(_ *scenario, e *sysEvent) {
				w := &e.Words[1]
				w.Next = w.Next&^0xff | w.Prev&0xff // byte 8 keeps its old value
			}),
			post: func(ss *sysStatement, _ bool) {
				// The middle word's range starts at its byte 1, so the next row's journal
				// position (which counts bytes in range) is one lower.
				m, tb := ss.traces[sIO], ss.tables[sIO]
				m.SetUint(1, colIdx(tb, "start[0]"), 0)
				m.SetUint(1, colIdx(tb, "start[1]"), 1)
				addCell(m, 2, colIdx(tb, "journal_pos"), -1)
			}},
		{name: "host call with field-valued carries", build: halt, want: stark.ErrConstraint, rule: "carry boolean", omit: omit("sys", "carry boolean"),
			post: func(ss *sysStatement, _ bool) { forgeCarries(ss) }},
		{name: "READ with n > a1 through field-valued borrows", build: func(s *scenario) { s.host(vm.KernelBase, hostRead, bufPage, 8, 0, []byte("01234567")) },
			want: stark.ErrConstraint, rule: "borrow boolean", omit: omit("sys", "borrow boolean"),
			forge: ev(func(s *scenario, e *sysEvent) { forgeReg(s, e, regA1, 2, 5) }),
			post:  func(ss *sysStatement, _ bool) { forgeBorrows(ss, 5, 8) }},
		{name: "WRITE changes memory", build: write, want: stark.ErrConstraint, rule: "writes only read", omit: omit("sys_io", "writes only read"),
			forge: ev(func(_ *scenario, e *sysEvent) { e.Words[0].Next ^= 0xff })},
		{name: "journal writes out of order", build: journalScenario, want: stark.ErrConstraint, rule: "journal position", omit: omit("sys", "journal position"),
			post: func(ss *sysStatement, _ bool) {
				// The second write's 4 bytes first, then the first write's 11.
				m, jp := ss.traces[sSys], colIdx(ss.tables[sSys], "journal_pos")
				tsc := colIdx(ss.tables[sSys], "ts")
				m.SetUint(0, jp, 4)
				m.SetUint(1, jp, 0)
				io, ijp := ss.traces[sIO], colIdx(ss.tables[sIO], "journal_pos")
				for _, r := range ioRowsOf(ss, m.Cols[tsc][0].Uint64()) {
					addCell(io, r, ijp, 4)
				}
				for _, r := range ioRowsOf(ss, m.Cols[tsc][1].Uint64()) {
					addCell(io, r, ijp, -11)
				}
				j := ss.st.JournalBytes
				rejournal(ss, append(append([]byte(nil), j[11:]...), j[:11]...))
			}},
	}
}

func TestSystemRuleTampers(t *testing.T) {
	for _, tc := range ruleTampers() {
		t.Run(tc.name, func(t *testing.T) { runTamper(t, tc) })
	}
}

// forgeCarries finds a next pc other than pc + 4 whose three limbs are 16-bit and satisfy the
// carry chain pc + 4 = np with carries that are field elements, not bits, and writes it into the
// system row and the CPU's message. Such np exist because the chain holds modulo p: for np_0 = 0
// and each np_1 the top carry c_1 = 2^-16·(pc_1 - np_1) + 2^-32·(pc_0 + 4) lands in the window
// that keeps np_2 = pc_2 + c_1 a limb about twice in 2^16 tries.
func forgeCarries(ss *sysStatement) {
	m, tb := ss.traces[sSys], ss.tables[sSys]
	col := func(n string) int { return colIdx(tb, n) }
	pc := [3]uint64{m.Cols[col("pc[0]")][0].Uint64(), m.Cols[col("pc[1]")][0].Uint64(), m.Cols[col("pc[2]")][0].Uint64()}
	var inv stark.F
	inv.SetUint64(1 << 16)
	inv.Inverse(&inv)
	f := func(v int64) stark.F { var x stark.F; x.SetInt64(v); return x }
	for np1 := int64(0); np1 < 1<<16; np1++ {
		var c0, c1, np2 stark.F
		c0 = f(int64(pc[0]) + 4) // np_0 = 0
		c0.Mul(&c0, &inv)
		c1 = f(int64(pc[1]) - np1)
		c1.Add(&c1, &c0)
		c1.Mul(&c1, &inv)
		p2 := f(int64(pc[2]))
		np2.Add(&p2, &c1)
		if np2.Uint64() >= 1<<16 || np1 == int64((pc[1]+(pc[0]+4)>>16)&0xffff) {
			continue
		}
		old := addrLimbs(pc[0] + pc[1]<<16 + pc[2]<<32 + 4)
		np := [3]uint64{0, uint64(np1), np2.Uint64()}
		for k := 0; k < 3; k++ {
			bumpCount(ss.traces[sRange16], int(old[k]), -1)
			bumpCount(ss.traces[sRange16], int(np[k]), 1)
			m.SetUint(0, col(fmt.Sprintf("next_pc[%d]", k)), np[k])
			ss.traces[sCPU].SetUint(0, 5+k, np[k])
		}
		m.Cols[col("pc4_carry0")][0] = c0
		m.Cols[col("pc4_carry1")][0] = c1
		return
	}
	panic("no forged next pc found")
}

// forgeBorrows rewrites the system row's length check x - n = d (n > x) with d's limbs 16-bit
// and borrows that are field elements: d_0 = 0, and d_1, d_2 searched until the top limb
// d_3 = -b_2 is 16-bit (about twice per 2^16 tries, as for forgeCarries).
func forgeBorrows(ss *sysStatement, x, n uint64) {
	m, tb := ss.traces[sSys], ss.tables[sSys]
	col := func(s string, k int) int { return colIdx(tb, fmt.Sprintf("%s[%d]", s, k)) }
	var inv stark.F
	inv.SetUint64(1 << 16)
	inv.Inverse(&inv)
	f := func(v int64) stark.F { var r stark.F; r.SetInt64(v); return r }
	b0 := f(int64(n) - int64(x)) // (d_0 + n - x_0)/2^16 with d_0 = 0
	b0.Mul(&b0, &inv)
	for d2 := int64(0); d2 < 64; d2++ {
		for d1 := int64(0); d1 < 1<<16; d1++ {
			b1 := f(d1)
			b1.Add(&b1, &b0)
			b1.Mul(&b1, &inv)
			b2 := f(d2)
			b2.Add(&b2, &b1)
			b2.Mul(&b2, &inv)
			var d3 stark.F
			d3.Neg(&b2)
			if d3.Uint64() >= 1<<16 {
				continue
			}
			old := x - n
			d := [4]uint64{0, uint64(d1), uint64(d2), d3.Uint64()}
			for k := 0; k < 4; k++ {
				bumpCount(ss.traces[sRange16], int((old>>(16*k))&0xffff), -1)
				bumpCount(ss.traces[sRange16], int(d[k]), 1)
				m.SetUint(0, col("len_diff", k), d[k])
			}
			m.Cols[col("len_borrow", 0)][0] = b0
			m.Cols[col("len_borrow", 1)][0] = b1
			m.Cols[col("len_borrow", 2)][0] = b2
			return
		}
	}
	panic("no forged borrows found")
}
