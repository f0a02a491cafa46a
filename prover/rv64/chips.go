package rv64

import (
	"github.com/zkexex/zkexex/prover/stark"
)

// chip is one ALU table: the operations it proves, its rules, and how one event fills a row.
// Padding rows are all zero except where pad says otherwise; every rule holds on them and they
// send and receive nothing.
type chip struct {
	name  string
	ops   []Op
	build func(r *rules)
	fill  func(m *stark.Matrix, row int, e Event, c *counts)
	pad   func(m *stark.Matrix, row int)
}

func setBytes(m *stark.Matrix, row, col int, v uint64, n int, c *counts) {
	for j := 0; j < n; j++ {
		b := (v >> (8 * j)) & 0xff
		m.SetUint(row, col+j, b)
		if c != nil {
			c.bytes[b]++
		}
	}
}

func setLimbs(m *stark.Matrix, row, col int, v uint64) {
	for k := 0; k < 4; k++ {
		m.SetUint(row, col+k, (v>>(16*k))&0xffff)
	}
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// addSubChip proves ADD, SUB, ADDW, SUBW (and through them ADDI, ADDIW). Columns: 4 flags, a, b
// and the result as 16-bit limbs (the result's range-checked through the 16-bit table), 4
// carries, and the sign of the low word.
//
// Limb k satisfies a_k + b_k + c_{k-1} = r_k + 2^16·c_k for additions and r_k + b_k + c_{k-1} =
// a_k + 2^16·c_k for subtractions (r = a - b read as r + b = a): one carry chain serves both.
// The W forms run the chain over limbs 0 and 1 only and fill limbs 2 and 3 with 0xffff·sign,
// where sign is bit 31 of the result: 2·(r_1 - 2^15·sign) must be a 16-bit limb, which holds only
// for the true bit.
var addSubChip = chip{
	name: "alu_addsub",
	ops:  []Op{OpADD, OpSUB, OpADDW, OpSUBW},
	build: func(r *rules) {
		f, isReal, op := r.flags([]Op{OpADD, OpSUB, OpADDW, OpSUBW})
		add, sub, addw, subw := f[0].Cur(), f[1].Cur(), f[2].Cur(), f[3].Cur()
		a, b := r.t.Columns("a", 4), r.t.Columns("b", 4)
		rl := r.t.Columns("r", 4)
		carry := r.t.Columns("carry", 4)
		sign := r.t.Column("sign")
		res := limbCols(rl)
		w := addw.Add(subw)
		for k := 0; k < 4; k++ {
			addLike, subLike := add, sub
			if k < 2 {
				addLike, subLike = add.Add(addw), sub.Add(subw)
			}
			var cin stark.Expr
			if k > 0 {
				cin = carry[k-1].Cur()
			}
			cout := carry[k].Cur().Mul(stark.Const(1 << 16))
			sum := addLike.Mul(a[k].Cur().Add(b[k].Cur()).Add(cin).Sub(res[k]).Sub(cout)).
				Add(subLike.Mul(res[k].Add(b[k].Cur()).Add(cin).Sub(a[k].Cur()).Sub(cout)))
			r.zero("carry chain", sum)
			r.boolean("carry boolean", carry[k].Cur())
			if k >= 2 {
				r.zero("W: no high carries", w.Mul(carry[k].Cur()))
			}
			r.sendRange16("result limb range", isReal, res[k])
		}
		r.boolean("sign boolean", sign.Cur())
		r.sendRange16("sign is bit 31", isReal, res[1].Sub(sign.Cur().Mul(stark.Const(1<<15))).Mul(stark.Const(2)))
		for k := 2; k < 4; k++ {
			r.zero("W: sign extension", w.Mul(res[k].Sub(sign.Cur().Mul(stark.Const(0xffff)))))
		}
		r.receiveALU("receive", isReal, op, limbCols(a), limbCols(b), res)
	},
	fill: func(m *stark.Matrix, row int, e Event, c *counts) {
		m.SetUint(row, int(e.Op-OpADD), 1)
		setLimbs(m, row, 4, e.A)
		setLimbs(m, row, 8, e.B)
		res, _ := Eval(e.Op, e.A, e.B)
		setLimbs(m, row, 12, res)
		countLimbs(c, res)
		w := e.Op == OpADDW || e.Op == OpSUBW
		lo, hi := e.A, e.B
		if e.Op == OpSUB || e.Op == OpSUBW {
			lo = res // r + b = a
		}
		var cin uint64
		for k := 0; k < 4; k++ {
			if w && k >= 2 {
				break
			}
			s := (lo>>(16*k))&0xffff + (hi>>(16*k))&0xffff + cin
			cin = s >> 16
			m.SetUint(row, 16+k, cin)
		}
		sign := (res >> 31) & 1
		m.SetUint(row, 20, sign)
		c.limbs[2*(((res>>16)&0xffff)-sign<<15)]++
	},
}

// countLimbs counts the range lookups of v's four 16-bit limbs.
func countLimbs(c *counts, v uint64) {
	for k := 0; k < 4; k++ {
		c.limbs[(v>>(16*k))&0xffff]++
	}
}

// bitwiseChip proves AND, OR, XOR (and ANDI, ORI, XORI) byte by byte through the AND table.
// Columns: 3 flags, the bytes of a, of b and of a AND b. The lookup also range-checks the
// operand bytes, which the limb expressions on the bus then tie to the CPU's operands.
var bitwiseChip = chip{
	name: "alu_bitwise",
	ops:  []Op{OpAND, OpOR, OpXOR},
	build: func(r *rules) {
		f, isReal, op := r.flags([]Op{OpAND, OpOR, OpXOR})
		and, or, xor := f[0].Cur(), f[1].Cur(), f[2].Cur()
		x, y, n := r.t.Columns("a", 8), r.t.Columns("b", 8), r.t.Columns("a_and_b", 8)
		res := make([]stark.Expr, 8)
		for j := 0; j < 8; j++ {
			xj, yj, nj := x[j].Cur(), y[j].Cur(), n[j].Cur()
			r.sendAnd("byte AND lookup", isReal, xj, yj, nj)
			s := xj.Add(yj)
			res[j] = and.Mul(nj).Add(or.Mul(s.Sub(nj))).Add(xor.Mul(s.Sub(nj.Mul(stark.Const(2)))))
		}
		r.receiveALU("receive", isReal, op, limbs16(cur(x)), limbs16(cur(y)), limbs16(res))
	},
	fill: func(m *stark.Matrix, row int, e Event, c *counts) {
		m.SetUint(row, int(e.Op-OpAND), 1)
		setBytes(m, row, 3, e.A, 8, nil)
		setBytes(m, row, 11, e.B, 8, nil)
		setBytes(m, row, 19, e.A&e.B, 8, nil)
		for j := 0; j < 8; j++ {
			c.and[(e.A>>(8*j))&0xff|((e.B>>(8*j))&0xff)<<8]++
		}
	},
}

// ltChip proves SLT and SLTU (and SLTI, SLTIU, and the branch conditions BLT, BGE, BLTU, BGEU,
// which the CPU reads off the same messages). The borrow chain a - b = d - 2^64·borrow_3 with d's
// limbs range-checked gives the unsigned comparison (borrow_3). For SLT the sign of each operand
// is its limb 3's top bit, shown by looking up 2·(limb_3 - 2^15·sign) in the 16-bit table (limb 3
// is in range: the CPU guarantees its operands); the signed result is sa·(1 - sb) + [sa = sb]·
// borrow_3, with eqs = [sa = sb] a column to keep the degree at 3.
var ltChip = chip{
	name: "alu_lt",
	ops:  []Op{OpSLT, OpSLTU},
	build: func(r *rules) {
		f, isReal, op := r.flags([]Op{OpSLT, OpSLTU})
		slt, sltu := f[0].Cur(), f[1].Cur()
		a, b := r.t.Columns("a", 4), r.t.Columns("b", 4)
		d := r.t.Columns("diff", 4)
		borrow := r.t.Columns("borrow", 4)
		sa, sb := r.t.Column("a_sign"), r.t.Column("b_sign")
		eqs, res := r.t.Column("same_sign"), r.t.Column("result")
		for k := 0; k < 4; k++ {
			var bin stark.Expr
			if k > 0 {
				bin = borrow[k-1].Cur()
			}
			r.zero("borrow chain", a[k].Cur().Sub(b[k].Cur()).Sub(bin).Add(borrow[k].Cur().Mul(stark.Const(1<<16))).Sub(d[k].Cur()))
			r.boolean("borrow boolean", borrow[k].Cur())
			r.sendRange16("difference limb range", isReal, d[k].Cur())
		}
		for _, s := range []struct{ limb, sign stark.Column }{{a[3], sa}, {b[3], sb}} {
			r.sendRange16("sign is bit 63", slt, s.limb.Cur().Sub(s.sign.Cur().Mul(stark.Const(1<<15))).Mul(stark.Const(2)))
			r.boolean("sign boolean", s.sign.Cur())
		}
		r.zero("same sign", eqs.Cur().Sub(stark.Const(1).Sub(sa.Cur()).Sub(sb.Cur()).Add(sa.Cur().Mul(sb.Cur()).Mul(stark.Const(2)))))
		r.boolean("result boolean", res.Cur())
		r.zero("SLTU result", sltu.Mul(res.Cur().Sub(borrow[3].Cur())))
		r.zero("SLT result", slt.Mul(res.Cur().Sub(sa.Cur()).Add(sa.Cur().Mul(sb.Cur())).Sub(eqs.Cur().Mul(borrow[3].Cur()))))
		r.receiveALU("receive", isReal, op, limbCols(a), limbCols(b), [4]stark.Expr{res.Cur()})
	},
	fill: func(m *stark.Matrix, row int, e Event, c *counts) {
		m.SetUint(row, int(e.Op-OpSLT), 1)
		setLimbs(m, row, 2, e.A)
		setLimbs(m, row, 6, e.B)
		setLimbs(m, row, 10, e.A-e.B)
		countLimbs(c, e.A-e.B)
		var bin uint64
		for k := 0; k < 4; k++ {
			ak, bk := (e.A>>(16*k))&0xffff, (e.B>>(16*k))&0xffff
			bout := b2u(ak < bk+bin)
			m.SetUint(row, 14+k, bout)
			bin = bout
		}
		sa, sb := e.A>>63, e.B>>63
		if e.Op == OpSLT {
			c.limbs[2*(e.A>>48-sa<<15)]++
			c.limbs[2*(e.B>>48-sb<<15)]++
			m.SetUint(row, 18, sa)
			m.SetUint(row, 19, sb)
		} else {
			sa, sb = 0, 0
		}
		m.SetUint(row, 20, b2u(sa == sb))
		res, _ := Eval(e.Op, e.A, e.B)
		m.SetUint(row, 21, res)
	},
	pad: func(m *stark.Matrix, row int) { m.SetUint(row, 20, 1) },
}
