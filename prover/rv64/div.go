package rv64

import (
	"github.com/zkexex/zkexex/prover/stark"
)

// Column layout of divChip.
const (
	dvA     = 8  // a's limbs (bus)
	dvB     = 12 // b's limbs (bus)
	dvAE    = 16 // limbs 2, 3 of the dividend as divided (W forms: the extended low word)
	dvAH    = 18 // top byte of a's sign limb
	dvBB    = 19 // the divisor's bytes as divided
	dvQ     = 27 // quotient bytes
	dvR     = 35 // remainder bytes
	dvT     = 43 // bytes of t = b ∓ r (the remainder bound)
	dvCL    = 51 // product carries c = cl + 64·cv
	dvCV    = 59
	dvTC    = 67 // carries of t's chain
	dvSA    = 71 // sign bits of a, b, q, r, t, and of the W result
	dvSB    = 72
	dvSQ    = 73
	dvSR    = 74
	dvST    = 75
	dvRS    = 76
	dvSAE   = 77 // signs times the signed flag: the 128-bit extensions
	dvSBE   = 78
	dvSQE   = 79
	dvSRE   = 80
	dvBZ    = 81 // b = 0, with the inverse of the sum of b's bytes
	dvBInv  = 82
	dvRZ    = 83 // r = 0, likewise
	dvRInv  = 84
	dvTInv  = 85 // inverse of the sum of t's bytes (t ≠ 0)
	dvEqs   = 86 // sign(r) = sign(b)
	dvMSub  = 87 // t = b - r (unsigned, or same signs); else t = b + r
	dvOV    = 88 // signed overflow: MIN / -1
	dvCols  = 89
	minLimb = 0x8000
)

// divChip proves DIV, DIVU, REM, REMU and their W forms. It shows a = q·b + r over the 128-bit
// extensions (as mulChip forms products, plus r), which is exact for in-range operands, and
// bounds the remainder:
//   - unsigned: t = b - r with no borrow and t ≠ 0, i.e. r < b;
//   - signed: r = 0 or sign(r) = sign(a), and with t = b - r when r and b have the same sign
//     and t = b + r otherwise (neither can overflow), t ≠ 0 and sign(t) = sign(b), which is
//     |r| < |b| case by case.
//
// RISC-V's special cases: b = 0 (an inverse-column zero test) drops the bound and forces
// q = 2^64 - 1, and a = q·0 + r then makes r = a; the signed overflow MIN / -1 (a flag allowed only
// for those operands) keeps the product check modulo 2^64, where q = MIN, r = 0 hold. The W forms
// divide the sign- or zero-extended low words as 64-bit values and sign-extend bit 31 of the
// result (DIVW's own overflow, 2^31, is then representable and sign-extends to the right value).
var divChip = chip{
	name: "alu_div",
	ops:  []Op{OpDIV, OpDIVU, OpREM, OpREMU, OpDIVW, OpDIVUW, OpREMW, OpREMUW},
	build: func(r *rules) {
		f, isReal, op := r.flags([]Op{OpDIV, OpDIVU, OpREM, OpREMU, OpDIVW, OpDIVUW, OpREMW, OpREMUW})
		div, divu, rem, remu, divw, divuw, remw, remuw := f[0].Cur(), f[1].Cur(), f[2].Cur(), f[3].Cur(), f[4].Cur(), f[5].Cur(), f[6].Cur(), f[7].Cur()
		a, b := r.t.Columns("a", 4), r.t.Columns("b", 4)
		ae := r.t.Columns("a_ext", 2)
		ah := r.t.Column("a_top_byte")
		bb, q, rm, t := r.t.Columns("b_byte", 8), r.t.Columns("q", 8), r.t.Columns("r", 8), r.t.Columns("t", 8)
		cl, cv, tc := r.t.Columns("carry_lo", 8), r.t.Columns("carry_hi", 8), r.t.Columns("t_carry", 4)
		sa, sb, sq, sr, st, rs := r.t.Column("a_sign"), r.t.Column("b_sign"), r.t.Column("q_sign"), r.t.Column("r_sign"), r.t.Column("t_sign"), r.t.Column("w_sign")
		sae, sbe, sqe, sre := r.t.Column("a_ext_sign"), r.t.Column("b_ext_sign"), r.t.Column("q_ext_sign"), r.t.Column("r_ext_sign")
		bz, binv, rz, rinv, tinv := r.t.Column("b_zero"), r.t.Column("b_inv"), r.t.Column("r_zero"), r.t.Column("r_inv"), r.t.Column("t_inv")
		eqs, msub, ov := r.t.Column("same_sign"), r.t.Column("t_subtracts"), r.t.Column("overflow")
		one, c255, c128, c2 := stark.Const(1), stark.Const(255), stark.Const(128), stark.Const(2)
		signed := div.Add(rem).Add(divw).Add(remw)
		unsigned := divu.Add(remu).Add(divuw).Add(remuw)
		w := divw.Add(divuw).Add(remw).Add(remuw)
		wsigned := divw.Add(remw)

		// The operands as divided.
		aLimb := [4]stark.Expr{a[0].Cur(), a[1].Cur(), ae[0].Cur(), ae[1].Cur()}
		signLimb := one.Sub(w).Mul(a[3].Cur()).Add(w.Mul(a[1].Cur()))
		r.sendByte("a sign range", signed, ah.Cur())
		r.sendByte("a sign range", signed, signLimb.Sub(ah.Cur().Mul(stark.Const(256))))
		r.sendByte("a sign is the top bit", signed, ah.Cur().Sub(sa.Cur().Mul(c128)).Mul(c2))
		for k := 0; k < 2; k++ {
			r.zero("W dividend extension", ae[k].Cur().Sub(one.Sub(w).Mul(a[2+k].Cur())).Sub(wsigned.Mul(sa.Cur()).Mul(stark.Const(0xffff))))
		}
		bl := limbs16(cur(bb))
		for k := 0; k < 4; k++ {
			if k < 2 {
				r.zero("divisor bytes", bl[k].Sub(b[k].Cur()))
			} else {
				r.zero("divisor bytes", one.Sub(w).Mul(bl[k].Sub(b[k].Cur())))
			}
		}
		for j := 4; j < 8; j++ {
			r.zero("W divisor extension", w.Mul(bb[j].Cur()).Sub(wsigned.Mul(sb.Cur()).Mul(c255)))
		}
		bTop := one.Sub(w).Mul(bb[7].Cur()).Add(w.Mul(bb[3].Cur()))
		r.sendByte("b sign is the top bit", signed, bTop.Sub(sb.Cur().Mul(c128)).Mul(c2))
		for j := 0; j < 8; j++ {
			r.sendByte("byte range", isReal, bb[j].Cur())
			r.sendByte("byte range", isReal, q[j].Cur())
			r.sendByte("byte range", isReal, rm[j].Cur())
			r.sendByte("byte range", isReal, t[j].Cur())
		}
		r.sendByte("q sign is the top bit", signed, q[7].Cur().Sub(sq.Cur().Mul(c128)).Mul(c2))
		r.sendByte("r sign is the top bit", signed, rm[7].Cur().Sub(sr.Cur().Mul(c128)).Mul(c2))
		r.sendByte("t sign is the top bit", signed, t[7].Cur().Sub(st.Cur().Mul(c128)).Mul(c2))
		for _, s := range []struct{ sign, ext stark.Column }{{sa, sae}, {sb, sbe}, {sq, sqe}, {sr, sre}} {
			r.boolean("sign boolean", s.sign.Cur())
			r.zero("extension sign", s.ext.Cur().Sub(s.sign.Cur().Mul(signed)))
		}
		r.boolean("sign boolean", st.Cur())
		r.boolean("sign boolean", rs.Cur())

		// a = q·b + r over 128 bits.
		r.boolean("overflow boolean", ov.Cur())
		r.zero("overflow only in DIV and REM", ov.Cur().Mul(one.Sub(div).Sub(rem)))
		for k := 0; k < 4; k++ {
			minK := uint64(0)
			if k == 3 {
				minK = minLimb
			}
			r.zero("overflow operands", ov.Cur().Mul(a[k].Cur().Sub(stark.Const(minK))))
			r.zero("overflow operands", ov.Cur().Mul(b[k].Cur().Sub(stark.Const(0xffff))))
		}
		ext := func(c []stark.Column, s stark.Column, i int) stark.Expr {
			if i < 8 {
				return c[i].Cur()
			}
			return s.Cur().Mul(c255)
		}
		col := func(k int) stark.Expr {
			var s stark.Expr
			for i := 0; i <= k; i++ {
				s = s.Add(ext(q, sqe, i).Mul(ext(bb, sbe, k-i)))
			}
			return s
		}
		rl := limbs16(cur(rm))
		var cin stark.Expr
		for k := 0; k < 8; k++ {
			c := cl[k].Cur().Add(cv[k].Cur().Mul(stark.Const(64)))
			r.sendByte("carry range", isReal, cl[k].Cur())
			r.sendByte("carry range", isReal, cv[k].Cur())
			rk, ak := sre.Cur().Mul(stark.Const(0xffff)), sae.Cur().Mul(stark.Const(0xffff))
			if k < 4 {
				rk, ak = rl[k], aLimb[k]
			}
			e := col(2 * k).Add(col(2*k + 1).Mul(stark.Const(256))).Add(rk).Add(cin).Sub(ak).Sub(c.Mul(stark.Const(1 << 16)))
			if k >= 4 {
				e = one.Sub(ov.Cur()).Mul(e)
			}
			r.zero("a = q·b + r", e)
			cin = c
		}

		// b = 0, r = 0, t ≠ 0.
		sumB, sumR, sumT := stark.Sum(cur(bb)...), stark.Sum(cur(rm)...), stark.Sum(cur(t)...)
		r.zero("b zero test", bz.Cur().Mul(sumB))
		r.zero("b zero test", one.Sub(bz.Cur()).Sub(sumB.Mul(binv.Cur())))
		r.zero("r zero test", rz.Cur().Mul(sumR))
		r.zero("r zero test", one.Sub(rz.Cur()).Sub(sumR.Mul(rinv.Cur())))
		for j := 0; j < 8; j++ {
			r.zero("division by zero", bz.Cur().Mul(q[j].Cur().Sub(c255)))
		}
		r.zero("remainder bound: t nonzero", one.Sub(bz.Cur()).Mul(sumT.Mul(tinv.Cur()).Sub(one)))

		// The remainder bound.
		r.zero("remainder sign", signed.Mul(one.Sub(rz.Cur())).Mul(sr.Cur().Sub(sa.Cur())))
		r.zero("same sign", eqs.Cur().Sub(one.Sub(sr.Cur()).Sub(sb.Cur()).Add(sr.Cur().Mul(sb.Cur()).Mul(c2))))
		r.zero("t mode", msub.Cur().Sub(unsigned).Sub(signed.Mul(eqs.Cur())))
		madd := isReal.Sub(msub.Cur())
		tl := limbs16(cur(t))
		var tin stark.Expr
		for k := 0; k < 4; k++ {
			cout := tc[k].Cur().Mul(stark.Const(1 << 16))
			sub := tl[k].Add(rl[k]).Add(tin).Sub(bl[k]).Sub(cout)
			add := bl[k].Add(rl[k]).Add(tin).Sub(tl[k]).Sub(cout)
			r.zero("t chain", msub.Cur().Mul(sub).Add(madd.Mul(add)))
			r.boolean("t carry boolean", tc[k].Cur())
			tin = tc[k].Cur()
		}
		r.zero("remainder bound: unsigned", one.Sub(bz.Cur()).Mul(unsigned).Mul(tc[3].Cur()))
		r.zero("remainder bound: signed", one.Sub(bz.Cur()).Mul(signed).Mul(st.Cur().Sub(sb.Cur())))

		// The result.
		ql := limbs16(cur(q))
		out3 := divw.Add(divuw).Mul(q[3].Cur()).Add(remw.Add(remuw).Mul(rm[3].Cur()))
		r.sendByte("W result sign is bit 31", w, out3.Sub(rs.Cur().Mul(c128)).Mul(c2))
		var res [4]stark.Expr
		for k := 0; k < 4; k++ {
			res[k] = div.Add(divu).Mul(ql[k]).Add(rem.Add(remu).Mul(rl[k]))
			if k < 2 {
				res[k] = res[k].Add(divw.Add(divuw).Mul(ql[k])).Add(remw.Add(remuw).Mul(rl[k]))
			} else {
				res[k] = res[k].Add(w.Mul(rs.Cur()).Mul(stark.Const(0xffff)))
			}
		}
		r.receiveALU("receive", isReal, op, limbCols(a), limbCols(b), res)
	},
	fill: fillDiv,
	// b = 0 on padding rows: the zero tests say so, q's bytes are then 255, and the signs agree.
	pad: func(m *stark.Matrix, row int) {
		m.SetUint(row, dvBZ, 1)
		m.SetUint(row, dvRZ, 1)
		m.SetUint(row, dvEqs, 1)
		for j := 0; j < 8; j++ {
			m.SetUint(row, dvQ+j, 255)
		}
	},
}

// divOperands returns the operands as the chip divides them (W forms: the extended low words).
func divOperands(e Event) (a, b uint64, w, signed bool) {
	w = e.Op == OpDIVW || e.Op == OpDIVUW || e.Op == OpREMW || e.Op == OpREMUW
	signed = e.Op == OpDIV || e.Op == OpREM || e.Op == OpDIVW || e.Op == OpREMW
	a, b = e.A, e.B
	if w {
		if signed {
			a, b = uint64(int64(int32(uint32(a)))), uint64(int64(int32(uint32(b))))
		} else {
			a, b = uint64(uint32(a)), uint64(uint32(b))
		}
	}
	return a, b, w, signed
}

func fillDiv(m *stark.Matrix, row int, e Event, c *counts) {
	a, b, _, signed := divOperands(e)
	var q, r uint64
	ov := false
	switch {
	case b == 0:
		q, r = ^uint64(0), a
	case signed && a == 1<<63 && b == ^uint64(0):
		q, r, ov = 1<<63, 0, true
	case signed:
		q, r = uint64(int64(a)/int64(b)), uint64(int64(a)%int64(b))
	default:
		q, r = a/b, a%b
	}
	fillDivQR(m, row, e, c, q, r, ov)
}

// fillDivQR fills the row of e for quotient q and remainder r (as 64-bit values of the division
// of the operands as divided) and the overflow flag; tests call it with forged values.
func fillDivQR(m *stark.Matrix, row int, e Event, c *counts, q, r uint64, ov bool) {
	a, b, w, signed := divOperands(e)
	m.SetUint(row, int(e.Op-OpDIV), 1)
	setLimbs(m, row, dvA, e.A)
	setLimbs(m, row, dvB, e.B)
	m.SetUint(row, dvAE, a>>32&0xffff)
	m.SetUint(row, dvAE+1, a>>48)
	var sa, sb, sq, sr uint64
	if signed {
		sa, sb, sq, sr = a>>63, b>>63, q>>63, r>>63
		signLimb := e.A >> 48
		if w {
			signLimb = e.A >> 16 & 0xffff
		}
		ah := signLimb >> 8
		m.SetUint(row, dvAH, ah)
		c.bytes[ah]++
		c.bytes[signLimb&0xff]++
		c.bytes[2*(ah-128*sa)]++
		top := b >> 56
		if w {
			top = b >> 24 & 0xff
		}
		c.bytes[2*(top-128*sb)]++
		c.bytes[2*(q>>56-128*sq)]++
		c.bytes[2*(r>>56-128*sr)]++
	}
	for i, v := range []uint64{sa, sb, sq, sr} {
		m.SetUint(row, dvSA+i, v)
		m.SetUint(row, dvSAE+i, v)
	}
	setBytes(m, row, dvBB, b, 8, c)
	setBytes(m, row, dvQ, q, 8, c)
	setBytes(m, row, dvR, r, 8, c)
	if ov {
		m.SetUint(row, dvOV, 1)
	}

	// Product carries, as in mulChip, with r added and a subtracted.
	var Q, B [16]uint64
	for i := 0; i < 8; i++ {
		Q[i], B[i] = q>>(8*i)&0xff, b>>(8*i)&0xff
		Q[i+8], B[i+8] = 255*sq, 255*sb
	}
	col := func(k int) uint64 {
		var s uint64
		for i := 0; i <= k; i++ {
			s += Q[i] * B[k-i]
		}
		return s
	}
	var carry uint64
	for k := 0; k < 8; k++ {
		rk, ak := 0xffff*sr, 0xffff*sa
		if k < 4 {
			rk, ak = r>>(16*k)&0xffff, a>>(16*k)&0xffff
		}
		carry = (col(2*k) + 256*col(2*k+1) + rk + carry - ak) >> 16
		if ov && k >= 4 {
			carry = 0 // the high half is not checked
		}
		cLo, cHi := carry%64, carry/64
		m.SetUint(row, dvCL+k, cLo)
		m.SetUint(row, dvCV+k, cHi)
		c.bytes[cLo]++
		c.bytes[cHi]++
	}

	// Zero tests.
	var sumB, sumR, sumT uint64
	for i := 0; i < 8; i++ {
		sumB += b >> (8 * i) & 0xff
		sumR += r >> (8 * i) & 0xff
	}
	setInv := func(col, zcol int, s uint64) {
		if s == 0 {
			m.SetUint(row, zcol, 1)
			return
		}
		var v stark.F
		v.SetUint64(s)
		v.Inverse(&v)
		m.Cols[col][row] = v
	}
	setInv(dvBInv, dvBZ, sumB)
	setInv(dvRInv, dvRZ, sumR)

	// The remainder bound.
	same := sr == sb
	msub := !signed || same
	m.SetUint(row, dvEqs, b2u(same))
	m.SetUint(row, dvMSub, b2u(msub))
	var t uint64
	if msub {
		t = b - r
	} else {
		t = b + r
	}
	setBytes(m, row, dvT, t, 8, c)
	var tin uint64
	for k := 0; k < 4; k++ {
		bk, rk, tk := b>>(16*k)&0xffff, r>>(16*k)&0xffff, t>>(16*k)&0xffff
		var s uint64
		if msub {
			s = tk + rk + tin
		} else {
			s = bk + rk + tin
		}
		tin = s >> 16
		m.SetUint(row, dvTC+k, tin)
	}
	st := t >> 63
	if signed {
		m.SetUint(row, dvST, st)
		c.bytes[2*(t>>56-128*st)]++
	}
	for i := 0; i < 8; i++ {
		sumT += t >> (8 * i) & 0xff
	}
	if sumT != 0 {
		var v stark.F
		v.SetUint64(sumT)
		v.Inverse(&v)
		m.Cols[dvTInv][row] = v
	}
	if w {
		out := q
		if e.Op == OpREMW || e.Op == OpREMUW {
			out = r
		}
		rs := out >> 31 & 1
		m.SetUint(row, dvRS, rs)
		c.bytes[2*(out>>24&0xff-128*rs)]++
	}
}
