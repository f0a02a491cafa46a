package rv64

import (
	"github.com/zkexex/zkexex/prover/stark"
)

// BusShift carries (x, s, x >> s, x mod 2^s) for a byte x and s ∈ [0, 8]: the shift chip sends,
// the shift table receives.
const BusShift stark.BusID = 4

// shiftTable is the preprocessed lookup table of (x, s, x >> s, x mod 2^s) for every byte x and
// s = 0..15: 2^12 distinct keys, so its multiplicities need no declared bound (stark.LookupTable)
// and a byte split a million times in a po2-22 segment proves. The chip only splits at s ≤ 8
// (its shift amounts are bit-decomposed); the rows for s = 9..15 fill the table to a power of two
// with keys that are true all the same (hi = 0, lo = x).
func shiftTable() *stark.Table {
	t := stark.NewTable("byte_shift")
	mult := t.Column("mult")
	x, s, hi, lo := t.Preprocessed("x"), t.Preprocessed("s"), t.Preprocessed("hi"), t.Preprocessed("lo")
	pre := stark.NewMatrix(4, 1<<12)
	for i := 0; i < 16*256; i++ {
		xv, sv := uint64(i&0xff), uint64(i>>8)
		pre.SetUint(i, 0, xv)
		pre.SetUint(i, 1, sv)
		pre.SetUint(i, 2, xv>>sv)
		pre.SetUint(i, 3, xv&(1<<sv-1))
	}
	t.SetPreprocessed(pre)
	t.LookupTable(BusShift, mult.Cur(), x, s, hi, lo)
	return t
}

// Column layout of shiftChip.
const (
	shX     = 6  // a's bytes
	shS     = 14 // the bits of b's low byte
	shBH    = 22 // b's second byte
	shB     = 23 // b's limbs 1..3
	shS5    = 26 // bit 5 of the shift amount, 0 for the W forms
	shSel   = 27 // one-hot byte shift q
	shPow   = 35 // 2^r for the bit shift r
	shPInv  = 36 // 2^(8-r)
	shSgn   = 37 // sign bit of the operand (SRA: bit 63, SRAW: bit 31)
	shFill  = 38 // sgn for arithmetic shifts, else 0
	shXE    = 39 // bytes 4..7 of the operand as shifted (W forms: the 32-bit extension)
	shY     = 43 // the operand after the byte shift
	shHi    = 51 // table outputs for y
	shLo    = 59
	shRes   = 67 // result bytes (before the W sign extension)
	shRSign = 75 // bit 31 of the result, for the W forms
	shCols  = 76
)

// shiftChip proves SLL, SRL, SRA and their W forms (and the immediate forms). The shift amount's
// low byte is split into bits; bits 3..5 pick a byte shift q (one-hot sel_q, a degree-3 product
// of bit literals), bits 0..2 a bit shift r with pow = 2^r = (1+s0)(1+3·s1)(1+15·s2) and
// pinv = 2^(8-r) (pow·pinv = 256). The operand is shifted by whole bytes into y (filled with the
// sign for arithmetic shifts), then each byte y_k is split through the shift table as
// y_k = hi_k·2^s + lo_k, with s = r for right shifts and 8 - r for left ones, so that
//
//	right: res_k = hi_k + lo_{k+1}·2^(8-r)      left: res_k = lo_k·2^r + hi_{k-1}
//
// and every result byte is a byte by construction. The W forms shift the operand's low word,
// zero- or sign-extended into bytes 4..7 for right shifts, by an amount below 32, and sign-extend
// bit 31 of the result.
var shiftChip = chip{
	name: "alu_shift",
	ops:  []Op{OpSLL, OpSRL, OpSRA, OpSLLW, OpSRLW, OpSRAW},
	build: func(r *rules) {
		f, isReal, op := r.flags([]Op{OpSLL, OpSRL, OpSRA, OpSLLW, OpSRLW, OpSRAW})
		sll, srl, sra, sllw, srlw, sraw := f[0].Cur(), f[1].Cur(), f[2].Cur(), f[3].Cur(), f[4].Cur(), f[5].Cur()
		x, s := r.t.Columns("a", 8), r.t.Columns("shamt_bit", 8)
		bh, bl := r.t.Column("b_byte1"), r.t.Columns("b", 3)
		s5 := r.t.Column("shamt_bit5")
		sel := r.t.Columns("byte_shift", 8)
		pow, pinv := r.t.Column("pow"), r.t.Column("pow_inv")
		sgn, fill := r.t.Column("sign"), r.t.Column("fill")
		xe := r.t.Columns("a_ext", 4)
		y, hi, lo := r.t.Columns("y", 8), r.t.Columns("hi", 8), r.t.Columns("lo", 8)
		res := r.t.Columns("r", 8)
		rsign := r.t.Column("r_sign31")
		one := stark.Const(1)
		w := sllw.Add(srlw).Add(sraw)
		left, right := sll.Add(sllw), srl.Add(sra).Add(srlw).Add(sraw)
		arith := sra.Add(sraw)

		for j := 0; j < 8; j++ {
			r.sendByte("operand byte range", isReal, x[j].Cur())
			r.boolean("shift bit boolean", s[j].Cur())
		}
		r.sendByte("operand byte range", isReal, bh.Cur())
		r.zero("W: shift below 32", s5.Cur().Sub(s[5].Cur().Mul(one.Sub(w))))
		bit := func(i int) stark.Column {
			if i == 5 {
				return s5
			}
			return s[i]
		}
		for q := 0; q < 8; q++ {
			p := one
			for i := 0; i < 3; i++ {
				if q>>i&1 == 1 {
					p = p.Mul(bit(3 + i).Cur())
				} else {
					p = p.Mul(one.Sub(bit(3 + i).Cur()))
				}
			}
			r.zero("byte shift selector", sel[q].Cur().Sub(p))
		}
		r.zero("pow", pow.Cur().Sub(one.Add(s[0].Cur()).Mul(one.Add(s[1].Cur().Mul(stark.Const(3)))).Mul(one.Add(s[2].Cur().Mul(stark.Const(15))))))
		r.zero("pow inverse", pow.Cur().Mul(pinv.Cur()).Sub(stark.Const(256)))

		r.boolean("sign boolean", sgn.Cur())
		r.sendByte("sign is the top bit", arith, sra.Mul(x[7].Cur()).Add(sraw.Mul(x[3].Cur())).Sub(sgn.Cur().Mul(stark.Const(128))).Mul(stark.Const(2)))
		r.zero("fill", fill.Cur().Sub(sgn.Cur().Mul(arith)))
		for k := 0; k < 4; k++ {
			r.zero("W operand extension", xe[k].Cur().Sub(one.Sub(w).Mul(x[4+k].Cur())).Sub(sraw.Mul(sgn.Cur()).Mul(stark.Const(255))))
		}
		xp := func(j int) stark.Expr { // operand byte j as shifted; beyond the top, the fill
			switch {
			case j < 0:
				return stark.Const(0)
			case j < 4:
				return x[j].Cur()
			case j < 8:
				return xe[j-4].Cur()
			}
			return fill.Cur().Mul(stark.Const(255))
		}
		shamt := s[0].Cur().Add(s[1].Cur().Mul(stark.Const(2))).Add(s[2].Cur().Mul(stark.Const(4)))
		split := shamt.Add(left.Mul(stark.Const(8).Sub(shamt.Mul(stark.Const(2)))))
		for k := 0; k < 8; k++ {
			var rs, ls stark.Expr
			for q := 0; q < 8; q++ {
				rs = rs.Add(sel[q].Cur().Mul(xp(k + q)))
				ls = ls.Add(sel[q].Cur().Mul(xp(k - q)))
			}
			r.zero("byte shift", y[k].Cur().Sub(right.Mul(rs)).Sub(left.Mul(ls)))
			r.sendShift("bit split lookup", isReal, y[k].Cur(), split, hi[k].Cur(), lo[k].Cur())
			var rv, lv stark.Expr
			if k < 7 {
				rv = hi[k].Cur().Add(lo[k+1].Cur().Mul(pinv.Cur()))
			} else {
				// The fill byte's low bits: fill·(2^r - 1), shifted up by 8 - r.
				rv = hi[k].Cur().Add(fill.Cur().Mul(stark.Const(256).Sub(pinv.Cur())))
			}
			lv = lo[k].Cur().Mul(pow.Cur())
			if k > 0 {
				lv = lv.Add(hi[k-1].Cur())
			}
			r.zero("bit shift", res[k].Cur().Sub(right.Mul(rv)).Sub(left.Mul(lv)))
		}
		r.boolean("sign boolean", rsign.Cur())
		r.sendByte("W result sign is bit 31", w, res[3].Cur().Sub(rsign.Cur().Mul(stark.Const(128))).Mul(stark.Const(2)))

		bs := make([]stark.Expr, 8)
		for i := range bs {
			bs[i] = s[i].Cur().Mul(stark.Const(1 << uint(i)))
		}
		b := [4]stark.Expr{stark.Sum(bs...).Add(bh.Cur().Mul(stark.Const(256))), bl[0].Cur(), bl[1].Cur(), bl[2].Cur()}
		rl := limbs16(cur(res))
		var out [4]stark.Expr
		for k := 0; k < 4; k++ {
			out[k] = rl[k]
			if k >= 2 {
				out[k] = one.Sub(w).Mul(rl[k]).Add(w.Mul(rsign.Cur()).Mul(stark.Const(0xffff)))
			}
		}
		r.receiveALU("receive", isReal, op, limbs16(cur(x)), b, out)
	},
	fill: func(m *stark.Matrix, row int, e Event, c *counts) {
		m.SetUint(row, int(e.Op-OpSLL), 1)
		setBytes(m, row, shX, e.A, 8, c)
		for i := 0; i < 8; i++ {
			m.SetUint(row, shS+i, e.B>>uint(i)&1)
		}
		m.SetUint(row, shBH, e.B>>8&0xff)
		c.bytes[e.B>>8&0xff]++
		for k := 1; k < 4; k++ {
			m.SetUint(row, shB+k-1, e.B>>(16*k)&0xffff)
		}
		w := e.Op == OpSLLW || e.Op == OpSRLW || e.Op == OpSRAW
		left := e.Op == OpSLL || e.Op == OpSLLW
		arith := e.Op == OpSRA || e.Op == OpSRAW
		sh := e.B & 63
		if w {
			sh &= 31
		} else {
			m.SetUint(row, shS5, e.B>>5&1)
		}
		q, rbits := sh>>3, sh&7
		m.SetUint(row, shSel+int(q), 1)
		m.SetUint(row, shPow, 1<<rbits)
		m.SetUint(row, shPInv, 1<<(8-rbits))
		var sgn uint64
		switch e.Op {
		case OpSRA:
			sgn = e.A >> 63
			c.bytes[2*(e.A>>56-128*sgn)]++
		case OpSRAW:
			sgn = e.A >> 31 & 1
			c.bytes[2*(e.A>>24&0xff-128*sgn)]++
		}
		m.SetUint(row, shSgn, sgn)
		fill := uint64(0)
		if arith {
			fill = sgn
		}
		m.SetUint(row, shFill, fill)
		// The operand as shifted: W forms extend the low word (right shifts) or clear the rest.
		xv := e.A
		if w {
			xv = uint64(uint32(e.A))
			if e.Op == OpSRAW {
				xv = uint64(int64(int32(uint32(e.A))))
			}
		}
		setBytes(m, row, shXE, xv>>32, 4, nil)
		var y uint64
		if left {
			y = xv << (8 * q)
		} else if arith {
			y = uint64(int64(xv) >> (8 * q))
		} else {
			y = xv >> (8 * q)
		}
		setBytes(m, row, shY, y, 8, nil)
		split := rbits
		if left {
			split = 8 - rbits
		}
		for k := 0; k < 8; k++ {
			yk := y >> (8 * k) & 0xff
			m.SetUint(row, shHi+k, yk>>split)
			m.SetUint(row, shLo+k, yk&(1<<split-1))
			c.shift[split<<8|yk]++
		}
		var res uint64
		switch {
		case left:
			res = xv << sh
		case arith:
			res = uint64(int64(xv) >> sh)
		default:
			res = xv >> sh
		}
		setBytes(m, row, shRes, res, 8, nil)
		if w {
			rs := res >> 31 & 1
			m.SetUint(row, shRSign, rs)
			c.bytes[2*(res>>24&0xff-128*rs)]++
		}
	},
	// A zero shift amount still selects byte shift 0 and bit shift 2^0.
	pad: func(m *stark.Matrix, row int) {
		m.SetUint(row, shSel, 1)
		m.SetUint(row, shPow, 1)
		m.SetUint(row, shPInv, 256)
	},
}
