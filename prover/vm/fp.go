package vm

import (
	"math"
	"math/big"
)

// Software F/D. Registers hold raw bits; single-precision values are NaN-boxed in the upper
// 32 bits (RISC-V unprivileged spec, "NaN Boxing of Narrower Values"). Every result is
// computed exactly (math/big) and rounded once to the destination format under the
// instruction's rounding mode, with the five IEEE exception flags accrued in fflags.
// A fast path takes round-to-nearest-even double operations whose result is a normal number
// and whose exactness the host can certify with an error-free transformation.

const (
	flagNX = 1 << iota // inexact
	flagUF             // underflow
	flagOF             // overflow
	flagDZ             // divide by zero
	flagNV             // invalid
)

const (
	rmRNE = 0
	rmRTZ = 1
	rmRDN = 2
	rmRUP = 3
	rmRMM = 4
	rmDYN = 7
)

const (
	canonNaN64 = 0x7ff8000000000000
	canonNaN32 = 0x7fc00000
	boxMask    = 0xffffffff00000000
)

type ffmt struct {
	prec, emin, emax int
	single           bool
}

var (
	fmtS = ffmt{prec: 24, emin: -126, emax: 127, single: true}
	fmtD = ffmt{prec: 53, emin: -1022, emax: 1023}
)

// fpValid reports whether raw is an F/D computational instruction we implement (rounding
// modes are checked at execution, because DYN depends on frm).
func fpValid(raw uint32) bool {
	fmtBits := raw >> 25 & 3
	if fmtBits > 1 {
		return false
	}
	if raw&0x7f != 0x53 {
		return true // FMADD/FMSUB/FNMSUB/FNMADD
	}
	rm := raw >> 12 & 7
	rs2 := raw >> 20 & 31
	switch raw >> 27 {
	case 0x00, 0x01, 0x02, 0x03: // add sub mul div
		return true
	case 0x0b: // sqrt
		return rs2 == 0
	case 0x04: // sgnj
		return rm <= 2
	case 0x05: // min max
		return rm <= 1
	case 0x08: // fcvt.s.d / fcvt.d.s
		return (fmtBits == 0 && rs2 == 1) || (fmtBits == 1 && rs2 == 0)
	case 0x14: // compare
		return rm <= 2
	case 0x18, 0x1a: // fcvt to/from int
		return rs2 <= 3
	case 0x1c: // fmv.x / fclass
		return rs2 == 0 && rm <= 1
	case 0x1e: // fmv from x
		return rs2 == 0 && rm == 0
	}
	return false
}

func (m *fpu) unboxS(r uint8) float32 {
	v := m.f[r]
	if v&boxMask != boxMask {
		return math.Float32frombits(canonNaN32)
	}
	return math.Float32frombits(uint32(v))
}

func boxS(v uint32) uint64 { return boxMask | uint64(v) }

func isSNaN64(v float64) bool {
	b := math.Float64bits(v)
	return v != v && b&(1<<51) == 0
}

func isSNaN32(v float32) bool {
	b := math.Float32bits(v)
	return v != v && b&(1<<22) == 0
}

var bigModes = [5]big.RoundingMode{big.ToNearestEven, big.ToZero, big.ToNegativeInf, big.ToPositiveInf, big.ToNearestAway}

// roundTo rounds the exact value x (finite) to format f under rm and returns the result as a
// float64 (exactly representable in f) with the raised flags.
func roundTo(x *big.Float, f ffmt, rm int) (float64, uint32) {
	if x.Sign() == 0 {
		if x.Signbit() {
			return math.Copysign(0, -1), 0
		}
		return 0, 0
	}
	neg := x.Signbit()
	ax := new(big.Float).Abs(x)
	e := ax.MantExp(nil) - 1 // |x| in [2^e, 2^(e+1))
	p := f.prec
	if e < f.emin {
		p = f.prec - (f.emin - e)
	}
	// awayFromZero reports whether rm rounds a positive-magnitude inexact value up.
	up := (rm == rmRUP && !neg) || (rm == rmRDN && neg)
	down := rm == rmRTZ || (rm == rmRUP && neg) || (rm == rmRDN && !neg)
	sign := 1.0
	if neg {
		sign = -1
	}
	if p <= 0 {
		minSub := math.Ldexp(1, f.emin-f.prec+1)
		half := new(big.Float).SetMantExp(big.NewFloat(1), f.emin-f.prec)
		c := ax.Cmp(half)
		var r float64
		switch {
		case up:
			r = minSub
		case down:
			r = 0
		case rm == rmRMM:
			if c >= 0 {
				r = minSub
			}
		default: // RNE: the tie goes to zero (even)
			if c > 0 {
				r = minSub
			}
		}
		return sign * r, flagNX | flagUF
	}
	// round the signed value: directed modes depend on the sign
	r := new(big.Float).SetMode(bigModes[rm]).SetPrec(uint(p)).Set(x)
	var flags uint32
	inexact := r.Acc() != big.Exact
	if inexact {
		flags |= flagNX
	}
	if r.MantExp(nil)-1 > f.emax {
		var v float64
		if up || (!down && (rm == rmRNE || rm == rmRMM)) {
			v = math.Inf(1)
		} else if f.single {
			v = math.MaxFloat32
		} else {
			v = math.MaxFloat64
		}
		return sign * v, flags | flagOF | flagNX
	}
	if inexact && e < f.emin+1 {
		// Tininess is detected after rounding (RISC-V follows IEEE 754-2008's option):
		// round to full precision with an unbounded exponent and compare with 2^emin.
		r2 := new(big.Float).SetMode(bigModes[rm]).SetPrec(uint(f.prec)).Set(x)
		if r2.MantExp(nil)-1 < f.emin {
			flags |= flagUF
		}
	}
	v, _ := r.Float64()
	return v, flags
}

// nudge makes an approximation of a non-representable exact value (q, within one unit in
// its 200th bit, on side dir of the truth) strictly inexact so that one final rounding is
// correct in every mode.
func nudge(q *big.Float, dir int) *big.Float {
	if q.Sign() == 0 || dir == 0 {
		return q
	}
	e := q.MantExp(nil)
	t := new(big.Float).SetMantExp(big.NewFloat(float64(dir)), e-230)
	return new(big.Float).SetPrec(400).Add(q, t)
}

const wide = 2400 // bits: holds any exact sum/product of two binary64 values

func bf(v float64) *big.Float { return new(big.Float).SetPrec(wide).SetFloat64(v) }

// fpArith computes op on finite or special operands of format f (values widened to float64).
// op: 0 add, 1 sub, 2 mul, 3 div, 11 sqrt; fused: 16..19 (fmadd, fmsub, fnmsub, fnmadd).
func fpArith(op int, a, b, c float64, sa, sb, sc bool, f ffmt, rm int) (float64, uint32) {
	var flags uint32
	if sa || sb || sc {
		flags |= flagNV
	}
	nan := math.NaN()
	switch op {
	case 16, 17, 18, 19:
		if op == 17 || op == 19 {
			c = -c
		}
		if op == 18 || op == 19 {
			a = -a
		}
		if a != a || b != b || c != c {
			// 0*inf + qNaN is invalid too (RISC-V: the invalid-operation exception is raised)
			if (math.IsInf(a, 0) && b == 0) || (a == 0 && math.IsInf(b, 0)) {
				flags |= flagNV
			}
			return nan, flags
		}
		if (math.IsInf(a, 0) && b == 0) || (a == 0 && math.IsInf(b, 0)) {
			return nan, flags | flagNV
		}
		pInf := math.IsInf(a, 0) || math.IsInf(b, 0)
		if pInf {
			ps := math.Signbit(a) != math.Signbit(b)
			if math.IsInf(c, 0) && math.Signbit(c) != ps {
				return nan, flags | flagNV
			}
			if ps {
				return math.Inf(-1), flags
			}
			return math.Inf(1), flags
		}
		if math.IsInf(c, 0) {
			return c, flags
		}
		prod := new(big.Float).SetPrec(wide).Mul(bf(a), bf(b))
		sum := new(big.Float).SetPrec(wide).Add(prod, bf(c))
		if sum.Sign() == 0 {
			// exact zero: sign per IEEE (same signs keep it, otherwise +0 except RDN)
			ps := math.Signbit(a) != math.Signbit(b)
			if prod.Sign() == 0 && c == 0 && ps == math.Signbit(c) {
				return math.Copysign(0, boolSign(ps)), flags
			}
			if rm == rmRDN {
				return math.Copysign(0, -1), flags
			}
			return 0, flags
		}
		v, fl := roundTo(sum, f, rm)
		return v, flags | fl
	}
	if a != a || b != b && op != 11 {
		return nan, flags
	}
	switch op {
	case 0, 1:
		if op == 1 {
			b = -b
		}
		if math.IsInf(a, 0) || math.IsInf(b, 0) {
			if math.IsInf(a, 0) && math.IsInf(b, 0) && math.Signbit(a) != math.Signbit(b) {
				return nan, flags | flagNV
			}
			return a + b, flags
		}
		if !f.single && rm == rmRNE {
			s := a + b
			if as := math.Abs(s); as >= 0x1p-1022 && as <= math.MaxFloat64 {
				bb := s - a
				if (a-(s-bb))+(b-bb) != 0 {
					flags |= flagNX
				}
				return s, flags
			}
		}
		sum := new(big.Float).SetPrec(wide).Add(bf(a), bf(b))
		if sum.Sign() == 0 {
			if a == 0 && b == 0 && math.Signbit(a) == math.Signbit(b) {
				return a, flags // zeros of one sign keep it in every rounding mode
			}
			if rm == rmRDN {
				return math.Copysign(0, -1), flags
			}
			return 0, flags
		}
		v, fl := roundTo(sum, f, rm)
		return v, flags | fl
	case 2:
		if (math.IsInf(a, 0) && b == 0) || (a == 0 && math.IsInf(b, 0)) {
			return nan, flags | flagNV
		}
		if math.IsInf(a, 0) || math.IsInf(b, 0) || a == 0 || b == 0 {
			return a * b, flags
		}
		if !f.single && rm == rmRNE {
			p := a * b
			if ap := math.Abs(p); ap >= 0x1p-960 && ap <= math.MaxFloat64 {
				if math.FMA(a, b, -p) != 0 {
					flags |= flagNX
				}
				return p, flags
			}
		}
		v, fl := roundTo(new(big.Float).SetPrec(wide).Mul(bf(a), bf(b)), f, rm)
		return v, flags | fl
	case 3:
		switch {
		case (a == 0 && b == 0) || (math.IsInf(a, 0) && math.IsInf(b, 0)):
			return nan, flags | flagNV
		case math.IsInf(a, 0) || math.IsInf(b, 0) || a == 0:
			return a / b, flags
		case b == 0:
			return a / b, flags | flagDZ
		}
		if !f.single && rm == rmRNE {
			q := a / b
			aq, aa, ab := math.Abs(q), math.Abs(a), math.Abs(b)
			if aq >= 0x1p-960 && aq <= 0x1p960 && aa >= 0x1p-960 && aa <= 0x1p960 && ab >= 0x1p-960 && ab <= 0x1p960 {
				if math.FMA(q, b, -a) != 0 {
					flags |= flagNX
				}
				return q, flags
			}
		}
		q := new(big.Float).SetPrec(256).SetMode(big.ToZero)
		q.Quo(bf(a), bf(b))
		dir := 0
		if q.Acc() != big.Exact {
			dir = 1
			if q.Signbit() {
				dir = -1
			}
		}
		v, fl := roundTo(nudge(q, dir), f, rm)
		return v, flags | fl
	case 11:
		if a != a {
			return nan, flags
		}
		if a < 0 {
			return nan, flags | flagNV
		}
		if a == 0 || math.IsInf(a, 1) {
			return a, flags
		}
		if !f.single && rm == rmRNE && a >= 0x1p-960 {
			r := math.Sqrt(a)
			if math.FMA(r, r, -a) != 0 {
				flags |= flagNX
			}
			return r, flags
		}
		x := bf(a)
		r := new(big.Float).SetPrec(256).Sqrt(x)
		sq := new(big.Float).SetPrec(1024).Mul(r, r)
		dir := -sq.Cmp(x) // truth above r when r*r < x
		v, fl := roundTo(nudge(r, dir), f, rm)
		return v, flags | fl
	}
	return nan, flags | flagNV
}

func boolSign(neg bool) float64 {
	if neg {
		return -1
	}
	return 1
}

func classBits(b uint64, f ffmt) uint64 {
	var expBits, fracBits uint
	if f.single {
		expBits, fracBits = 8, 23
	} else {
		expBits, fracBits = 11, 52
	}
	neg := b>>(expBits+fracBits)&1 == 1
	exp := b >> fracBits & (1<<expBits - 1)
	frac := b & (1<<fracBits - 1)
	idx := func(negIdx, posIdx uint) uint64 {
		if neg {
			return 1 << negIdx
		}
		return 1 << posIdx
	}
	switch {
	case exp == 1<<expBits-1 && frac == 0:
		return idx(0, 7)
	case exp == 1<<expBits-1:
		if frac>>(fracBits-1) == 1 {
			return 1 << 9
		}
		return 1 << 8
	case exp == 0 && frac == 0:
		return idx(3, 4)
	case exp == 0:
		return idx(2, 5)
	}
	return idx(1, 6)
}

// execFP executes one F/D computational instruction. It returns false for an illegal
// rounding mode.
func (m *fpu) execFP(raw uint32) bool {
	rd := raw >> 7 & 31
	rs1 := raw >> 15 & 31
	rs2 := raw >> 20 & 31
	rs3 := raw >> 27
	rm := int(raw >> 12 & 7)
	single := raw>>25&3 == 0
	f := fmtD
	if single {
		f = fmtS
	}
	effRM := func() (int, bool) {
		r := rm
		if r == rmDYN {
			r = int(m.frm)
		}
		return r, r <= rmRMM
	}
	// operand widening: singles are exactly representable as float64
	get := func(r uint32) (float64, bool) {
		if single {
			v := m.unboxS(uint8(r))
			return float64(v), isSNaN32(v)
		}
		v := math.Float64frombits(m.f[r])
		return v, isSNaN64(v)
	}
	put := func(v float64) {
		if single {
			if v != v {
				m.f[rd] = boxS(canonNaN32)
			} else {
				m.f[rd] = boxS(math.Float32bits(float32(v)))
			}
			return
		}
		if v != v {
			m.f[rd] = canonNaN64
		} else {
			m.f[rd] = math.Float64bits(v)
		}
	}
	setX := func(v uint64) {
		if rd != 0 {
			m.x[rd] = v
		}
	}
	opc := raw & 0x7f
	if opc != 0x53 {
		r, ok := effRM()
		if !ok {
			return false
		}
		a, sa := get(rs1)
		b, sb := get(rs2)
		c, sc := get(rs3)
		op := map[uint32]int{0x43: 16, 0x47: 17, 0x4b: 18, 0x4f: 19}[opc]
		v, fl := fpArith(op, a, b, c, sa, sb, sc, f, r)
		m.fflags |= fl
		put(v)
		m.countFP()
		return true
	}
	switch raw >> 27 {
	case 0x00, 0x01, 0x02, 0x03, 0x0b:
		r, ok := effRM()
		if !ok {
			return false
		}
		a, sa := get(rs1)
		var b float64
		var sb bool
		if raw>>27 != 0x0b {
			b, sb = get(rs2)
		}
		v, fl := fpArith(int(raw>>27), a, b, 0, sa, sb, false, f, r)
		m.fflags |= fl
		put(v)
		m.countFP()
	case 0x04: // sign injection: a move, not arithmetic
		if single {
			a := uint64(math.Float32bits(m.unboxS(uint8(rs1))))
			b := uint64(math.Float32bits(m.unboxS(uint8(rs2))))
			m.f[rd] = boxS(uint32(sgnj(a, b, rm, 31)))
		} else {
			m.f[rd] = sgnj(m.f[rs1], m.f[rs2], rm, 63)
		}
	case 0x05: // min/max
		a, sa := get(rs1)
		b, sb := get(rs2)
		if sa || sb {
			m.fflags |= flagNV
		}
		var v float64
		switch {
		case a != a && b != b:
			v = math.NaN()
		case a != a:
			v = b
		case b != b:
			v = a
		case a == 0 && b == 0:
			na, nb := math.Signbit(a), math.Signbit(b)
			if (rm == 0 && (na || nb)) || (rm == 1 && na && nb) {
				v = math.Copysign(0, -1)
			}
		case rm == 0:
			v = math.Min(a, b)
		default:
			v = math.Max(a, b)
		}
		put(v)
		m.countFP()
	case 0x08: // fcvt between formats
		r, ok := effRM()
		if !ok {
			return false
		}
		if single { // fcvt.s.d
			a := math.Float64frombits(m.f[rs1])
			switch {
			case a != a:
				if isSNaN64(a) {
					m.fflags |= flagNV
				}
				m.f[rd] = boxS(canonNaN32)
			case math.IsInf(a, 0) || a == 0:
				m.f[rd] = boxS(math.Float32bits(float32(a)))
			default:
				v, fl := roundTo(new(big.Float).SetFloat64(a), fmtS, r)
				m.fflags |= fl
				m.f[rd] = boxS(math.Float32bits(float32(v)))
			}
		} else { // fcvt.d.s: exact
			a := m.unboxS(uint8(rs1))
			if a != a {
				if isSNaN32(a) {
					m.fflags |= flagNV
				}
				m.f[rd] = canonNaN64
			} else {
				m.f[rd] = math.Float64bits(float64(a))
			}
		}
		m.countFP()
	case 0x14: // compare
		a, sa := get(rs1)
		b, sb := get(rs2)
		var res bool
		switch rm {
		case 2: // feq: quiet
			if sa || sb {
				m.fflags |= flagNV
			}
			res = a == b
		case 1: // flt: signaling
			if a != a || b != b {
				m.fflags |= flagNV
			}
			res = a < b
		case 0: // fle
			if a != a || b != b {
				m.fflags |= flagNV
			}
			res = a <= b
		}
		if res {
			setX(1)
		} else {
			setX(0)
		}
		m.countFP()
	case 0x18: // fcvt.{w,wu,l,lu}.{s,d}
		r, ok := effRM()
		if !ok {
			return false
		}
		a, _ := get(rs1)
		v, fl := fcvtToInt(a, rs2, r)
		m.fflags |= fl
		setX(v)
		m.countFP()
	case 0x1a: // fcvt.{s,d}.{w,wu,l,lu}
		r, ok := effRM()
		if !ok {
			return false
		}
		x := m.x[rs1]
		bx := new(big.Float).SetPrec(128)
		switch rs2 {
		case 0:
			bx.SetInt64(int64(int32(x)))
		case 1:
			bx.SetUint64(uint64(uint32(x)))
		case 2:
			bx.SetInt64(int64(x))
		case 3:
			bx.SetUint64(x)
		}
		v, fl := roundTo(bx, f, r)
		m.fflags |= fl
		put(v)
		m.countFP()
	case 0x1c:
		if rm == 0 { // fmv.x.w / fmv.x.d
			if single {
				setX(uint64(int64(int32(uint32(m.f[rs1])))))
			} else {
				setX(m.f[rs1])
			}
		} else { // fclass
			if single {
				setX(classBits(uint64(math.Float32bits(m.unboxS(uint8(rs1)))), f))
			} else {
				setX(classBits(m.f[rs1], f))
			}
			m.countFP()
		}
	case 0x1e: // fmv.w.x / fmv.d.x
		if single {
			m.f[rd] = boxS(uint32(m.x[rs1]))
		} else {
			m.f[rd] = m.x[rs1]
		}
	default:
		return false
	}
	return true
}

func sgnj(a, b uint64, rm int, signBit uint) uint64 {
	mask := uint64(1) << signBit
	switch rm {
	case 0:
		return a&^mask | b&mask
	case 1:
		return a&^mask | (^b)&mask
	default:
		return a ^ b&mask
	}
}

// fcvtToInt converts to the integer kind k (0 w, 1 wu, 2 l, 3 lu) with rounding mode rm,
// saturating and raising NV on NaN and out-of-range values, NX on inexact ones.
func fcvtToInt(a float64, k uint32, rm int) (uint64, uint32) {
	var lo, hi float64 // inclusive range of representable integers
	var minV, maxV uint64
	switch k {
	case 0:
		lo, hi, minV, maxV = -0x1p31, 0x1p31-1, uint64(0xffffffff80000000), 0x7fffffff
	case 1:
		lo, hi, minV, maxV = 0, 0x1p32-1, 0, 0xffffffffffffffff
	case 2:
		lo, hi, minV, maxV = -0x1p63, 0x1p63, 1<<63, 1<<63-1
	case 3:
		lo, hi, minV, maxV = 0, 0x1p64, 0, 0xffffffffffffffff
	}
	if a != a {
		return maxV, flagNV
	}
	var r float64
	switch rm {
	case rmRNE:
		r = math.RoundToEven(a)
	case rmRTZ:
		r = math.Trunc(a)
	case rmRDN:
		r = math.Floor(a)
	case rmRUP:
		r = math.Ceil(a)
	case rmRMM:
		r = math.Round(a)
	}
	// hi for l/lu is the first value out of range (2^63, 2^64 are exactly representable)
	tooBig := r > hi || (k >= 2 && r == hi)
	if r < lo || tooBig {
		if r < lo {
			return minV, flagNV
		}
		return maxV, flagNV
	}
	var flags uint32
	if r != a {
		flags = flagNX
	}
	var v uint64
	switch k {
	case 0:
		v = uint64(int64(int32(r)))
	case 1:
		v = uint64(int64(int32(uint32(r)))) // sign-extended 32-bit result
	case 2:
		v = uint64(int64(r))
	case 3:
		if r >= 0x1p63 {
			v = uint64(r-0x1p63) | 1<<63
		} else {
			v = uint64(int64(r))
		}
	}
	return v, flags
}

// fpu is the F/D state the Go reference implementation works on: the user's integer
// registers (x[32] is the sink for writes to x0), the F registers and fcsr's two fields.
type fpu struct {
	x      [33]uint64
	f      [32]uint64
	frm    uint8
	fflags uint32
}

func (m *fpu) countFP() {}
