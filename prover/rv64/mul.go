package rv64

import (
	"math/bits"

	"github.com/zkexex/zkexex/prover/stark"
)

// Column layout of mulChip (fill writes by position).
const (
	mulX    = 5  // a's bytes
	mulY    = 13 // b's bytes
	mulP    = 21 // the 16 bytes of the 128-bit product
	mulCL   = 37 // carry c_k = cl_k + 64·cv_k
	mulCV   = 45
	mulSA   = 53 // sign bits of a and b, their extensions, and bit 31 of the product
	mulSB   = 54
	mulSAE  = 55
	mulSBE  = 56
	mulSW   = 57
	mulCols = 58
)

// mulChip proves MUL, MULH, MULHU, MULHSU and MULW with byte products (16-bit limb products
// would overflow p). The operands are extended to 128 bits (bytes 8..15 are 255·sign for the
// signed operands of MULH and MULHSU, 0 otherwise), so one schoolbook product modulo 2^128 gives
// every variant: for signed operands |a·b| < 2^127 and the extended product is exact.
//
// Limb k of the product (bytes 2k and 2k+1) satisfies
//
//	Σ_{i+j=2k} A_i·B_j + 256·Σ_{i+j=2k+1} A_i·B_j + c_{k-1} = P_2k + 256·P_2k+1 + 2^16·c_k
//
// with at most 16 byte products per column, so the left side stays below 2^29 and c_k < 2^13. The
// carry is checked as cl + 64·cv with two bytes, so c < 2^14.1 and 2^16·c cannot wrap modulo p.
var mulChip = chip{
	name: "alu_mul",
	ops:  []Op{OpMUL, OpMULH, OpMULHU, OpMULHSU, OpMULW},
	build: func(r *rules) {
		f, isReal, op := r.flags([]Op{OpMUL, OpMULH, OpMULHU, OpMULHSU, OpMULW})
		mul, mulh, mulhu, mulhsu, mulw := f[0].Cur(), f[1].Cur(), f[2].Cur(), f[3].Cur(), f[4].Cur()
		x, y, p := r.t.Columns("a", 8), r.t.Columns("b", 8), r.t.Columns("p", 16)
		cl, cv := r.t.Columns("carry_lo", 8), r.t.Columns("carry_hi", 8)
		sa, sb := r.t.Column("a_sign"), r.t.Column("b_sign")
		sae, sbe := r.t.Column("a_ext"), r.t.Column("b_ext")
		sw := r.t.Column("w_sign")

		for j := 0; j < 8; j++ {
			r.sendByte("operand byte range", isReal, x[j].Cur())
			r.sendByte("operand byte range", isReal, y[j].Cur())
		}
		for j := 0; j < 16; j++ {
			r.sendByte("product byte range", isReal, p[j].Cur())
		}
		r.boolean("sign boolean", sa.Cur())
		r.boolean("sign boolean", sb.Cur())
		r.boolean("sign boolean", sw.Cur())
		r.sendByte("a sign is bit 63", mulh.Add(mulhsu), x[7].Cur().Sub(sa.Cur().Mul(stark.Const(128))).Mul(stark.Const(2)))
		r.sendByte("b sign is bit 63", mulh, y[7].Cur().Sub(sb.Cur().Mul(stark.Const(128))).Mul(stark.Const(2)))
		r.sendByte("W sign is bit 31", mulw, p[3].Cur().Sub(sw.Cur().Mul(stark.Const(128))).Mul(stark.Const(2)))
		r.zero("a extension", sae.Cur().Sub(sa.Cur().Mul(mulh.Add(mulhsu))))
		r.zero("b extension", sbe.Cur().Sub(sb.Cur().Mul(mulh)))

		ext := func(c []stark.Column, s stark.Column, i int) stark.Expr {
			if i < 8 {
				return c[i].Cur()
			}
			return s.Cur().Mul(stark.Const(255))
		}
		col := func(k int) stark.Expr {
			var s stark.Expr
			for i := 0; i <= k; i++ {
				s = s.Add(ext(x, sae, i).Mul(ext(y, sbe, k-i)))
			}
			return s
		}
		var cin stark.Expr
		for k := 0; k < 8; k++ {
			c := cl[k].Cur().Add(cv[k].Cur().Mul(stark.Const(64)))
			r.sendByte("carry range", isReal, cl[k].Cur())
			r.sendByte("carry range", isReal, cv[k].Cur())
			lhs := col(2 * k).Add(col(2*k + 1).Mul(stark.Const(256))).Add(cin)
			rhs := p[2*k].Cur().Add(p[2*k+1].Cur().Mul(stark.Const(256))).Add(c.Mul(stark.Const(1 << 16)))
			r.zero("product limb", lhs.Sub(rhs))
			cin = c
		}

		lo, hi := limbs16(cur(p[:8])), limbs16(cur(p[8:]))
		high := mulh.Add(mulhu).Add(mulhsu)
		var res [4]stark.Expr
		for k := 0; k < 4; k++ {
			w := lo[k]
			if k >= 2 {
				w = sw.Cur().Mul(stark.Const(0xffff))
			}
			res[k] = mul.Mul(lo[k]).Add(high.Mul(hi[k])).Add(mulw.Mul(w))
		}
		r.receiveALU("receive", isReal, op, limbs16(cur(x)), limbs16(cur(y)), res)
	},
	fill: func(m *stark.Matrix, row int, e Event, c *counts) {
		m.SetUint(row, int(e.Op-OpMUL), 1)
		setBytes(m, row, mulX, e.A, 8, c)
		setBytes(m, row, mulY, e.B, 8, c)
		var sa, sb uint64
		switch e.Op {
		case OpMULH:
			sa, sb = e.A>>63, e.B>>63
		case OpMULHSU:
			sa = e.A >> 63
		}
		m.SetUint(row, mulSA, sa)
		m.SetUint(row, mulSB, sb)
		m.SetUint(row, mulSAE, sa)
		m.SetUint(row, mulSBE, sb)
		if e.Op == OpMULH || e.Op == OpMULHSU {
			c.bytes[2*((e.A>>56)-128*(e.A>>63))]++
		}
		if e.Op == OpMULH {
			c.bytes[2*((e.B>>56)-128*(e.B>>63))]++
		}
		// The product of the 128-bit extensions modulo 2^128: the unsigned product, minus b·2^64
		// when a is extended negative, minus a·2^64 when b is.
		hi, lo := bits.Mul64(e.A, e.B)
		if sa == 1 {
			hi -= e.B
		}
		if sb == 1 {
			hi -= e.A
		}
		setBytes(m, row, mulP, lo, 8, c)
		setBytes(m, row, mulP+8, hi, 8, c)
		if e.Op == OpMULW {
			w := (lo >> 31) & 1
			m.SetUint(row, mulSW, w)
			c.bytes[2*(((lo>>24)&0xff)-128*w)]++
		}
		// Carries of the limb equations, from the byte columns.
		var A, B [16]uint64
		for i := 0; i < 8; i++ {
			A[i], B[i] = (e.A>>(8*i))&0xff, (e.B>>(8*i))&0xff
			A[i+8], B[i+8] = 255*sa, 255*sb
		}
		col := func(k int) uint64 {
			var s uint64
			for i := 0; i <= k; i++ {
				s += A[i] * B[k-i]
			}
			return s
		}
		var carry uint64
		for k := 0; k < 8; k++ {
			pk := lo
			if k >= 4 {
				pk = hi
			}
			limb := (pk >> (16 * (k % 4))) & 0xffff
			carry = (col(2*k) + 256*col(2*k+1) + carry - limb) >> 16
			cLo, cHi := carry%64, carry/64
			m.SetUint(row, mulCL+k, cLo)
			m.SetUint(row, mulCV+k, cHi)
			c.bytes[cLo]++
			c.bytes[cHi]++
		}
	},
}
