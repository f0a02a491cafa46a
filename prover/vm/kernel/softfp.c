/* Soft-float emulation of RISC-V F and D (see softfp.h).
 *
 * Both formats share one engine. An operand is unpacked into sign, exponent and a 64-bit
 * significand normalised so that bit 63 is set: value = sig * 2^(e - 63). Every operation
 * computes its exact result, or a truncation of it whose discarded part is OR-ed into bit 0
 * ("jamming", so that round and sticky information survives), and roundpack rounds that once
 * into the destination format. The working significand has at least 11 bits below the 53-bit
 * double precision, so an aligned operand shifted out by jamming can never disturb the
 * round bit of a sum (the classic guard/round/sticky argument; Berkeley SoftFloat relies on the
 * same property).
 *
 * The code runs inside the proven RV64IMA machine, where every executed instruction is a
 * cycle, and links without libgcc: 128-bit products are mul/mulhu, 128-bit shifts are written
 * out, division and square root use the 64-bit divu (in chunks, and for Newton's iteration).
 * fp_exec only decodes and validates; it reaches one leaf worker per operation and format by
 * a tail call, and the worker writes its result back, so no call on the way needs a frame.
 */
#include "softfp.h"

typedef uint64_t u64;
typedef int64_t i64;
typedef uint32_t u32;
typedef int32_t i32;
typedef unsigned __int128 u128;

enum { RNE = 0, RTZ = 1, RDN = 2, RUP = 3, RMM = 4, DYN = 7 };
enum { CZERO, CNORM, CINF, CNAN };

#define CNAN32 0x7fc00000ull
#define CNAN64 0x7ff8000000000000ull
#define BOX 0xffffffff00000000ull

/* Format parameters; d is 0 for single, 1 for double. */
#define PREC(d) ((d) ? 53 : 24)
#define BIAS(d) ((d) ? 1023 : 127)
#define EXPMAX(d) ((d) ? 2047u : 255u)
#define SIGNSH(d) ((d) ? 63 : 31)

/* The format-generic code is inlined into one worker per operation and format, so that the
 * format parameters fold to constants and each worker keeps its operands in registers. */
#define INLINE static inline __attribute__((always_inline))
#define NOINLINE static __attribute__((noinline))

struct unp {
	int cls;
	int sign;
	int snan;
	i32 e;
	u64 sig;
};

INLINE int clz64(u64 v)
{
	int n = 0;
	if (!(v >> 32)) { n += 32; v <<= 32; }
	if (!(v >> 48)) { n += 16; v <<= 16; }
	if (!(v >> 56)) { n += 8; v <<= 8; }
	if (!(v >> 60)) { n += 4; v <<= 4; }
	if (!(v >> 62)) { n += 2; v <<= 2; }
	if (!(v >> 63)) n += 1;
	return n;
}

INLINE u64 canon(int d) { return d ? CNAN64 : CNAN32; }
INLINE u64 inf(int d, int sign) { return (u64)sign << SIGNSH(d) | (u64)EXPMAX(d) << (PREC(d) - 1); }
INLINE u64 zero(int d, int sign) { return (u64)sign << SIGNSH(d); }

/* Unpacks the raw bits of a value of format d (a single already unboxed). */
INLINE void unpack(struct unp *u, u64 v, int d)
{
	int mb = PREC(d) - 1;
	u64 ex = v >> mb & EXPMAX(d);
	u64 man = v & ((1ull << mb) - 1);
	u->sign = (int)(v >> SIGNSH(d) & 1);
	u->snan = 0;
	u->e = 0;
	u->sig = 0;
	if (ex == EXPMAX(d)) {
		u->cls = man ? CNAN : CINF;
		u->snan = man && !(man >> (mb - 1));
	} else if (ex == 0) {
		if (!man) {
			u->cls = CZERO;
			return;
		}
		int s = clz64(man);
		u->cls = CNORM;
		u->sig = man << s;
		u->e = (1 - BIAS(d)) - (s - (63 - mb));
	} else {
		u->cls = CNORM;
		u->sig = (man | 1ull << mb) << (63 - mb);
		u->e = (i32)ex - BIAS(d);
	}
}

/* Whether a magnitude with kept LSB lsb, round bit g and sticky st rounds up under rm. */
INLINE int round_up(int rm, int sign, u64 lsb, int g, int st)
{
	switch (rm) {
	case RNE:
		return g && (st || (lsb & 1));
	case RTZ:
		return 0;
	case RDN:
		return sign && (g || st);
	case RUP:
		return !sign && (g || st);
	default: /* RMM */
		return g;
	}
}

/* Splits sig at bit sh (sh >= 1): returns sig >> sh, and the round and sticky bits. */
INLINE u64 split(u64 sig, int sh, int *g, int *st)
{
	if (sh > 64) {
		*g = 0;
		*st = sig != 0;
		return 0;
	}
	if (sh == 64) {
		*g = (int)(sig >> 63);
		*st = (sig << 1) != 0;
		return 0;
	}
	*g = (int)(sig >> (sh - 1) & 1);
	*st = (sig & ((1ull << (sh - 1)) - 1)) != 0;
	return sig >> sh;
}

/* Rounds sign * sig * 2^(e-63) (sig normalised, bit 0 jammed) into format d. Tininess is
 * detected after rounding, as RISC-V specifies: a result is tiny if rounding it to the full
 * precision with an unbounded exponent would still leave it below the smallest normal. */
INLINE u64 roundpack(int d, int sign, i32 e, u64 sig, int rm, u32 *fl)
{
	int p = PREC(d), bias = BIAS(d), emin = 1 - bias;
	int sh = 64 - p, g, st, tiny = 0;
	if (e < emin) {
		tiny = 1;
		if (e == emin - 1) {
			u64 q = split(sig, sh, &g, &st);
			tiny = !(q == (1ull << p) - 1 && round_up(rm, sign, q, g, st));
		}
		/* a shift past 64 only leaves sticky; clamp so that the arithmetic stays small */
		i32 extra = emin - e;
		sh += extra > 65 ? 65 : (int)extra;
	}
	u64 q = split(sig, sh, &g, &st);
	q += (u64)round_up(rm, sign, q, g, st);
	if (g || st) {
		*fl |= FP_NX;
		if (tiny)
			*fl |= FP_UF;
	}
	if (e < emin) /* subnormal; a carry into bit p-1 yields the smallest normal encoding */
		return (u64)sign << SIGNSH(d) | q;
	if (q >> p) {
		q >>= 1;
		e++;
	}
	if (e > bias) {
		*fl |= FP_OF | FP_NX;
		int toinf = rm == RNE || rm == RMM || (rm == RDN && sign) || (rm == RUP && !sign);
		return toinf ? inf(d, sign) : inf(d, sign) - 1;
	}
	return (u64)sign << SIGNSH(d) | (u64)(e + bias) << (p - 1) | (q & ((1ull << (p - 1)) - 1));
}

INLINE u64 shr_jam(u64 v, i32 n)
{
	if (n <= 0)
		return v;
	if (n >= 64)
		return v != 0;
	return v >> n | ((v << (64 - n)) != 0);
}

/* 128-bit shifts by a variable amount in [1, 127], written out because GCC would call
 * libgcc's __ashlti3/__lshrti3 for them. */
INLINE u128 shl128(u128 v, int n)
{
	u64 hi = (u64)(v >> 64), lo = (u64)v;
	if (n >= 64)
		return (u128)(lo << (n - 64)) << 64;
	return (u128)(hi << n | lo >> (64 - n)) << 64 | (u128)(lo << n);
}

INLINE u128 shr128(u128 v, int n)
{
	u64 hi = (u64)(v >> 64), lo = (u64)v;
	if (n >= 64)
		return hi >> (n - 64);
	return (u128)(hi >> n) << 64 | (u128)(lo >> n | hi << (64 - n));
}

INLINE u128 shr_jam128(u128 v, i32 n)
{
	if (n <= 0)
		return v;
	if (n >= 128)
		return v != 0;
	return shr128(v, (int)n) | (shl128(v, 128 - (int)n) != 0);
}

INLINE int clz128(u128 v)
{
	u64 hi = (u64)(v >> 64);
	return hi ? clz64(hi) : 64 + clz64((u64)v);
}

/* NaN result of an arithmetic operation: NV for a signalling operand. */
INLINE u64 nan_result(int d, const struct unp *a, const struct unp *b, const struct unp *c, u32 *fl)
{
	if (a->snan || (b && b->snan) || (c && c->snan))
		*fl |= FP_NV;
	return canon(d);
}

/* Adds two nonzero finite magnitudes-with-signs (a's sign sa, b's sign sb). */
INLINE u64 add_norm(int d, int sa, i32 ea, u64 siga, int sb, i32 eb, u64 sigb, int rm, u32 *fl)
{
	if (ea < eb || (ea == eb && siga < sigb)) {
		int ts = sa; sa = sb; sb = ts;
		i32 te = ea; ea = eb; eb = te;
		u64 tg = siga; siga = sigb; sigb = tg;
	}
	/* one bit of headroom for the carry; the low bits are zero so nothing is lost */
	u64 xa = siga >> 1, xb = shr_jam(sigb >> 1, ea - eb), z;
	if (sa == sb) {
		z = xa + xb;
	} else {
		z = xa - xb;
		if (!z)
			return zero(d, rm == RDN);
	}
	int s = sa == sb ? (int)!(z >> 63) : clz64(z); /* a carry-free sum is at most 1 bit short */
	return roundpack(d, sa, ea + 1 - s, z << s, rm, fl);
}

INLINE u64 f_add(int d, const struct unp *a, const struct unp *b, int rm, u32 *fl)
{
	if (a->cls == CNAN || b->cls == CNAN)
		return nan_result(d, a, b, 0, fl);
	if (a->cls == CINF) {
		if (b->cls == CINF && a->sign != b->sign) {
			*fl |= FP_NV;
			return canon(d);
		}
		return inf(d, a->sign);
	}
	if (b->cls == CINF)
		return inf(d, b->sign);
	if (a->cls == CZERO && b->cls == CZERO)
		return zero(d, a->sign == b->sign ? a->sign : rm == RDN);
	if (a->cls == CZERO)
		return roundpack(d, b->sign, b->e, b->sig, rm, fl);
	if (b->cls == CZERO)
		return roundpack(d, a->sign, a->e, a->sig, rm, fl);
	return add_norm(d, a->sign, a->e, a->sig, b->sign, b->e, b->sig, rm, fl);
}

INLINE u64 f_mul(int d, const struct unp *a, const struct unp *b, int rm, u32 *fl)
{
	int sign = a->sign ^ b->sign;
	if (a->cls == CNAN || b->cls == CNAN)
		return nan_result(d, a, b, 0, fl);
	if ((a->cls == CINF && b->cls == CZERO) || (a->cls == CZERO && b->cls == CINF)) {
		*fl |= FP_NV;
		return canon(d);
	}
	if (a->cls == CINF || b->cls == CINF)
		return inf(d, sign);
	if (a->cls == CZERO || b->cls == CZERO)
		return zero(d, sign);
	u128 pr = (u128)a->sig * b->sig;
	u64 hi = (u64)(pr >> 64), lo = (u64)pr;
	i32 e = a->e + b->e + 1;
	if (!(hi >> 63)) {
		hi = hi << 1 | lo >> 63;
		lo <<= 1;
		e--;
	}
	return roundpack(d, sign, e, hi | (lo != 0), rm, fl);
}

INLINE u64 f_div(int d, const struct unp *a, const struct unp *b, int rm, u32 *fl)
{
	int sign = a->sign ^ b->sign, p = PREC(d);
	if (a->cls == CNAN || b->cls == CNAN)
		return nan_result(d, a, b, 0, fl);
	if ((a->cls == CINF && b->cls == CINF) || (a->cls == CZERO && b->cls == CZERO)) {
		*fl |= FP_NV;
		return canon(d);
	}
	if (a->cls == CINF || b->cls == CZERO) {
		if (a->cls != CINF)
			*fl |= FP_DZ;
		return inf(d, sign);
	}
	if (a->cls == CZERO || b->cls == CINF)
		return zero(d, sign);
	/* Quotient of the p-bit integer significands, p+2 bits long, computed in chunks that
	 * keep every partial dividend below 2^64 (the remainder is below mb < 2^p). */
	u64 ma = a->sig >> (64 - p), mb = b->sig >> (64 - p), q = 0, r = ma;
	i32 e = a->e - b->e;
	int k = p + 1;
	if (ma < mb) {
		k++;
		e--;
	}
	while (k > 0) {
		int c = k < 64 - p ? k : 64 - p;
		u64 n = r << c;
		q = q << c | n / mb;
		r = n % mb;
		k -= c;
	}
	return roundpack(d, sign, e, q << (62 - p) | (r != 0), rm, fl);
}

/* floor(sqrt(y)) for y > 0: Newton's iteration from above, one divu per step */
INLINE u64 isqrt64(u64 y)
{
	int bits = 64 - clz64(y);
	u64 x = 1ull << ((bits + 1) >> 1);
	for (;;) {
		u64 n = (x + y / x) >> 1;
		if (n >= x)
			return x;
		x = n;
	}
}

INLINE u64 f_sqrt(int d, const struct unp *a, int rm, u32 *fl)
{
	int p = PREC(d);
	if (a->cls == CNAN)
		return nan_result(d, a, 0, 0, fl);
	if (a->cls == CZERO)
		return zero(d, a->sign);
	if (a->sign) {
		*fl |= FP_NV;
		return canon(d);
	}
	if (a->cls == CINF)
		return inf(d, 0);
	/* X = m * 2^k with an even remaining exponent and 2p+3 or 2p+4 bits, so that its integer
	 * square root has p+2 bits; the result exponent is then floor(e/2). */
	u64 m = a->sig >> (64 - p), res;
	int k = (a->e & 1) ? p + 4 : p + 3, rem;
	if (!d) {
		u64 xv = m << k;
		res = isqrt64(xv);
		rem = xv != res * res;
	} else {
		/* X has 109 or 110 bits. The root of its top 64 bits, plus one, times 2^23 is an
		 * overestimate r0 within 2^23 of sqrt(X); one Newton step r = (r0 + X/r0)/2 is then
		 * within (2^23)^2 / (2 * 2^54) < 1 above floor(sqrt(X)), and one exact check of r*r
		 * settles it. X/r0 (r0 < 2^56) is a long division in 8-bit chunks with divu. */
		u128 xv = shl128(m, k);
		u64 hi = (u64)(xv >> 64), lo = (u64)xv;
		u64 r0 = (isqrt64(hi << 18 | lo >> 46) + 1) << 23;
		u64 r = hi << 8 | lo >> 56, q = 0;
		for (int i = 48; i >= 0; i -= 8) {
			u64 n = r << 8 | (lo >> i & 0xff);
			q = q << 8 | n / r0;
			r = n % r0;
		}
		res = (r0 + q) >> 1;
		u128 sq = (u128)res * res;
		if (sq > xv) {
			res--;
			sq = (u128)res * res;
		}
		rem = sq != xv;
	}
	return roundpack(d, 0, a->e >> 1, res << (62 - p) | (u64)rem, rm, fl);
}

/* a*b + c with one rounding; negp negates the product, negc the addend. */
INLINE u64 f_fma(int d, const struct unp *a, const struct unp *b, const struct unp *c, int negp, int negc, int rm,
		 u32 *fl)
{
	int ps = a->sign ^ b->sign ^ negp, cs = c->sign ^ negc;
	int infzero = (a->cls == CINF && b->cls == CZERO) || (a->cls == CZERO && b->cls == CINF);
	if (a->cls == CNAN || b->cls == CNAN || c->cls == CNAN) {
		/* RISC-V: inf*0 is invalid even when the addend is a quiet NaN */
		if (infzero)
			*fl |= FP_NV;
		return nan_result(d, a, b, c, fl);
	}
	if (infzero) {
		*fl |= FP_NV;
		return canon(d);
	}
	if (a->cls == CINF || b->cls == CINF) {
		if (c->cls == CINF && cs != ps) {
			*fl |= FP_NV;
			return canon(d);
		}
		return inf(d, ps);
	}
	if (c->cls == CINF)
		return inf(d, cs);
	if (a->cls == CZERO || b->cls == CZERO) {
		if (c->cls == CZERO)
			return zero(d, ps == cs ? ps : rm == RDN);
		return roundpack(d, cs, c->e, c->sig, rm, fl);
	}
	/* exact product, value = P * 2^(pe-127) with bit 127 of P set */
	u128 P = (u128)a->sig * b->sig;
	i32 pe = a->e + b->e + 1;
	if (!(P >> 127)) {
		P <<= 1;
		pe--;
	}
	if (c->cls == CZERO) {
		u64 lo = (u64)P;
		return roundpack(d, ps, pe, (u64)(P >> 64) | (lo != 0), rm, fl);
	}
	u128 C = (u128)c->sig << 64;
	i32 ce = c->e;
	int sa = ps, sb = cs;
	i32 ea = pe, eb = ce;
	u128 xa = P, xb = C;
	if (ea < eb || (ea == eb && xa < xb)) {
		sa = cs; sb = ps;
		ea = ce; eb = pe;
		xa = C; xb = P;
	}
	xa >>= 1;
	xb = shr_jam128(xb >> 1, ea - eb);
	u128 z;
	if (sa == sb) {
		z = xa + xb;
	} else {
		z = xa - xb;
		if (!z)
			return zero(d, rm == RDN);
	}
	int s = clz128(z);
	if (s)
		z = shl128(z, s);
	u64 lo = (u64)z;
	return roundpack(d, sa, ea + 1 - s, (u64)(z >> 64) | (lo != 0), rm, fl);
}

/* Float to integer; kind 0 W, 1 WU, 2 L, 3 LU. Results of W and WU are sign-extended. */
INLINE u64 f_to_int(const struct unp *a, int kind, int rm, u32 *fl)
{
	static const u64 maxv[4] = {0x7fffffffull, 0xffffffffull, 0x7fffffffffffffffull, ~0ull};
	static const u64 minv[4] = {0x80000000ull, 0, 0x8000000000000000ull, 0};
	int sign = a->sign;
	u64 mag = 0, res;
	if (a->cls == CZERO)
		return 0;
	if (a->cls == CNAN) {
		sign = 0;
		goto invalid;
	}
	if (a->cls == CINF || a->e >= 64)
		goto invalid;
	int g = 0, st = 0;
	if (a->e >= 63) {
		mag = a->sig;
	} else {
		mag = split(a->sig, 63 - a->e, &g, &st);
		mag += (u64)round_up(rm, sign, mag, g, st);
	}
	/* the magnitude limits of the result: minv holds 2^31, 0, 2^63, 0 as magnitudes */
	if (mag > (sign ? minv[kind] : maxv[kind]))
		goto invalid;
	if (g || st)
		*fl |= FP_NX;
	res = sign ? -mag : mag;
	return kind < 2 ? (u64)(i64)(i32)(u32)res : res;
invalid:
	*fl |= FP_NV;
	res = sign ? minv[kind] : maxv[kind];
	return kind < 2 ? (u64)(i64)(i32)(u32)res : res;
}

/* Integer to float; kind 0 W, 1 WU, 2 L, 3 LU. */
INLINE u64 int_to_f(int d, u64 v, int kind, int rm, u32 *fl)
{
	int sign = 0;
	switch (kind) {
	case 0:
		v = (u64)(i64)(i32)(u32)v;
		/* fallthrough */
	case 2:
		if ((i64)v < 0) {
			sign = 1;
			v = -v;
		}
		break;
	case 1:
		v = (u32)v;
		break;
	}
	if (!v)
		return 0;
	int s = clz64(v);
	return roundpack(d, sign, 63 - s, v << s, rm, fl);
}

/* Total-order key of a non-NaN value: sign-magnitude to two's complement, so -0 == +0. */
INLINE i64 key(u64 v, int d)
{
	u64 mag = v & ((1ull << SIGNSH(d)) - 1);
	return (v >> SIGNSH(d) & 1) ? -(i64)mag : (i64)mag;
}

INLINE u32 f_class(u64 v, int d)
{
	struct unp u;
	unpack(&u, v, d);
	int sub = u.cls == CNORM && !(v >> (PREC(d) - 1) & EXPMAX(d));
	switch (u.cls) {
	case CNAN:
		return u.snan ? 1u << 8 : 1u << 9;
	case CINF:
		return u.sign ? 1u << 0 : 1u << 7;
	case CZERO:
		return u.sign ? 1u << 3 : 1u << 4;
	default:
		if (sub)
			return u.sign ? 1u << 2 : 1u << 5;
		return u.sign ? 1u << 1 : 1u << 6;
	}
}

INLINE u64 rx(const u64 *x, u32 r) { return r ? x[r] : 0; }

/* User memory through inline asm: the address may be misaligned, which the machine allows;
 * a C dereference would be undefined, and GCC would split a packed access into bytes. */
INLINE u64 ld_user(u64 addr, int size)
{
	u64 v;
	if (size == 4)
		__asm__ volatile("lwu %0, 0(%1)" : "=r"(v) : "r"(addr) : "memory");
	else
		__asm__ volatile("ld %0, 0(%1)" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

INLINE void st_user(u64 addr, u64 v, int size)
{
	if (size == 4)
		__asm__ volatile("sw %0, 0(%1)" : : "r"(v), "r"(addr) : "memory");
	else
		__asm__ volatile("sd %0, 0(%1)" : : "r"(v), "r"(addr) : "memory");
}

static int exec_csr(struct fpu *s, u64 *x, u32 insn)
{
	u32 rd = insn >> 7 & 31, f3 = insn >> 12 & 7, rs1 = insn >> 15 & 31, csr = insn >> 20;
	if (csr < 1 || csr > 3 || (f3 & 3) == 0)
		return FP_ILLEGAL;
	u64 old = csr == 1 ? (s->fcsr & 0x1f) : csr == 2 ? (s->fcsr >> 5 & 7) : (s->fcsr & 0xff);
	u64 src = (f3 & 4) ? rs1 : rx(x, rs1), nv;
	switch (f3 & 3) {
	case 1:
		nv = src;
		break;
	case 2:
		nv = old | src;
		break;
	default:
		nv = old & ~src;
		break;
	}
	/* CSRRS/CSRRC with rs1 = x0 (or a zero immediate) do not write */
	if ((f3 & 3) == 1 || rs1 != 0) {
		if (csr == 1)
			s->fcsr = (s->fcsr & ~0x1fu) | (u32)(nv & 0x1f);
		else if (csr == 2)
			s->fcsr = (s->fcsr & ~0xe0u) | (u32)(nv & 7) << 5;
		else
			s->fcsr = (u32)(nv & 0xff);
	}
	if (rd)
		x[rd] = old;
	return FP_OK;
}

/* Reads f[r] as format d: a single must be NaN-boxed or it reads as the canonical NaN. */
INLINE u64 rf(const struct fpu *s, u32 r, int d)
{
	u64 v = s->f[r];
	if (d)
		return v;
	return (v & BOX) == BOX ? (u32)v : CNAN32;
}

INLINE u64 box(u64 v, int d) { return d ? v : BOX | v; }

/* Write-back: a worker stores its own result, so that every call on the way to it is a tail
 * call and the dispatch needs no stack frame. */
INLINE int put_f(struct fpu *s, u32 insn, int d, u64 v, u32 fl)
{
	s->f[insn >> 7 & 31] = box(v, d);
	s->fcsr |= fl;
	return FP_OK;
}

INLINE int put_x(struct fpu *s, u64 *x, u32 insn, u64 v, u32 fl)
{
	u32 rd = insn >> 7 & 31;
	if (rd)
		x[rd] = v;
	s->fcsr |= fl;
	return FP_OK;
}

#define RS1(i) ((i) >> 15 & 31)
#define RS2(i) ((i) >> 20 & 31)
#define RS3(i) ((i) >> 27)

/* Workers: one per operation and format; the dispatch has validated insn and rm. Keeping
 * them apart keeps each one's register pressure, and so its prologue, small. */
INLINE int w_add(int d, struct fpu *s, u32 insn, int rm)
{
	struct unp a, b;
	u32 fl = 0;
	unpack(&a, rf(s, RS1(insn), d), d);
	unpack(&b, rf(s, RS2(insn), d), d);
	b.sign ^= (int)(insn >> 27); /* fsub */
	u64 r = f_add(d, &a, &b, rm, &fl);
	return put_f(s, insn, d, r, fl);
}

INLINE int w_mul(int d, struct fpu *s, u32 insn, int rm)
{
	struct unp a, b;
	u32 fl = 0;
	unpack(&a, rf(s, RS1(insn), d), d);
	unpack(&b, rf(s, RS2(insn), d), d);
	u64 r = f_mul(d, &a, &b, rm, &fl);
	return put_f(s, insn, d, r, fl);
}

INLINE int w_div(int d, struct fpu *s, u32 insn, int rm)
{
	struct unp a, b;
	u32 fl = 0;
	unpack(&a, rf(s, RS1(insn), d), d);
	unpack(&b, rf(s, RS2(insn), d), d);
	u64 r = f_div(d, &a, &b, rm, &fl);
	return put_f(s, insn, d, r, fl);
}

NOINLINE int add_s(struct fpu *s, u32 insn, int rm) { return w_add(0, s, insn, rm); }
NOINLINE int add_d(struct fpu *s, u32 insn, int rm) { return w_add(1, s, insn, rm); }
NOINLINE int mul_s(struct fpu *s, u32 insn, int rm) { return w_mul(0, s, insn, rm); }
NOINLINE int mul_d(struct fpu *s, u32 insn, int rm) { return w_mul(1, s, insn, rm); }
NOINLINE int div_s(struct fpu *s, u32 insn, int rm) { return w_div(0, s, insn, rm); }
NOINLINE int div_d(struct fpu *s, u32 insn, int rm) { return w_div(1, s, insn, rm); }

INLINE int w_sqrt(int d, struct fpu *s, u32 insn, int rm)
{
	struct unp a;
	u32 fl = 0;
	unpack(&a, rf(s, RS1(insn), d), d);
	u64 r = f_sqrt(d, &a, rm, &fl);
	return put_f(s, insn, d, r, fl);
}

NOINLINE int sqrt_s(struct fpu *s, u32 insn, int rm) { return w_sqrt(0, s, insn, rm); }
NOINLINE int sqrt_d(struct fpu *s, u32 insn, int rm) { return w_sqrt(1, s, insn, rm); }

INLINE int w_fma(int d, struct fpu *s, u32 insn, int rm)
{
	struct unp a, b, c;
	u32 fl = 0, op = insn & 0x7f;
	unpack(&a, rf(s, RS1(insn), d), d);
	unpack(&b, rf(s, RS2(insn), d), d);
	unpack(&c, rf(s, RS3(insn), d), d);
	/* fmsub negates the addend, fnmsub the product, fnmadd both */
	u64 r = f_fma(d, &a, &b, &c, op == 0x4b || op == 0x4f, op == 0x47 || op == 0x4f, rm, &fl);
	return put_f(s, insn, d, r, fl);
}

NOINLINE int fma_s(struct fpu *s, u32 insn, int rm) { return w_fma(0, s, insn, rm); }
NOINLINE int fma_d(struct fpu *s, u32 insn, int rm) { return w_fma(1, s, insn, rm); }

INLINE int w_to_int(int d, struct fpu *s, u64 *x, u32 insn, int rm)
{
	struct unp a;
	u32 fl = 0;
	unpack(&a, rf(s, RS1(insn), d), d);
	u64 r = f_to_int(&a, (int)RS2(insn), rm, &fl);
	return put_x(s, x, insn, r, fl);
}

NOINLINE int to_int_s(struct fpu *s, u64 *x, u32 insn, int rm) { return w_to_int(0, s, x, insn, rm); }
NOINLINE int to_int_d(struct fpu *s, u64 *x, u32 insn, int rm) { return w_to_int(1, s, x, insn, rm); }

INLINE int w_from_int(int d, struct fpu *s, const u64 *x, u32 insn, int rm)
{
	u32 fl = 0;
	u64 r = int_to_f(d, rx(x, RS1(insn)), (int)RS2(insn), rm, &fl);
	return put_f(s, insn, d, r, fl);
}

NOINLINE int from_int_s(struct fpu *s, const u64 *x, u32 insn, int rm) { return w_from_int(0, s, x, insn, rm); }
NOINLINE int from_int_d(struct fpu *s, const u64 *x, u32 insn, int rm) { return w_from_int(1, s, x, insn, rm); }

/* fcvt between the formats: the source is in format !d, the result in format d */
INLINE int w_cvt(int d, struct fpu *s, u32 insn, int rm)
{
	struct unp a;
	u32 fl = 0;
	u64 r;
	unpack(&a, rf(s, RS1(insn), !d), !d);
	if (a.cls == CNAN)
		r = nan_result(d, &a, 0, 0, &fl);
	else if (a.cls == CINF)
		r = inf(d, a.sign);
	else if (a.cls == CZERO)
		r = zero(d, a.sign);
	else
		r = roundpack(d, a.sign, a.e, a.sig, rm, &fl);
	return put_f(s, insn, d, r, fl);
}

NOINLINE int cvt_s_d(struct fpu *s, u32 insn, int rm) { return w_cvt(0, s, insn, rm); }
NOINLINE int cvt_d_s(struct fpu *s, u32 insn, int rm) { return w_cvt(1, s, insn, rm); }

INLINE int is_nan(u64 v, int d) { return (v & ((1ull << SIGNSH(d)) - 1)) > inf(d, 0); }
INLINE int is_snan(u64 v, int d) { return is_nan(v, d) && !(v >> (PREC(d) - 2) & 1); }

/* The operations that need no rounding: sign injection, min/max, compares, fclass, moves. */
INLINE int w_simple(int d, struct fpu *s, u64 *x, u32 insn)
{
	u32 f3 = insn >> 12 & 7, rs1 = RS1(insn), rs2 = RS2(insn);
	u64 va = rf(s, rs1, d), vb = rf(s, rs2, d), sbit = 1ull << SIGNSH(d), r;
	u32 fl = 0;
	switch (insn >> 27) {
	case 0x04: { /* fsgnj, fsgnjn, fsgnjx */
		if (f3 > 2)
			return FP_ILLEGAL;
		u64 sg = vb & sbit;
		if (f3 == 1)
			sg ^= sbit;
		else if (f3 == 2)
			sg ^= va & sbit;
		return put_f(s, insn, d, (va & ~sbit) | sg, 0);
	}
	case 0x05: { /* fmin, fmax */
		if (f3 > 1)
			return FP_ILLEGAL;
		int na = is_nan(va, d), nb = is_nan(vb, d);
		if (is_snan(va, d) || is_snan(vb, d))
			fl = FP_NV;
		if (na && nb) {
			r = canon(d);
		} else if (na) {
			r = vb;
		} else if (nb) {
			r = va;
		} else {
			i64 ka = key(va, d), kb = key(vb, d);
			/* whether a is the smaller, with -0 < +0 */
			int alt = ka != kb ? ka < kb : (va & sbit) != 0;
			r = (alt ^ (f3 == 1)) ? va : vb;
		}
		return put_f(s, insn, d, r, fl);
	}
	case 0x14: /* fle, flt, feq */
		if (f3 > 2)
			return FP_ILLEGAL;
		if (is_nan(va, d) || is_nan(vb, d)) {
			/* feq is quiet; flt and fle signal on any NaN */
			if (f3 != 2 || is_snan(va, d) || is_snan(vb, d))
				fl = FP_NV;
			r = 0;
		} else {
			i64 ka = key(va, d), kb = key(vb, d);
			r = f3 == 0 ? ka <= kb : f3 == 1 ? ka < kb : ka == kb;
		}
		return put_x(s, x, insn, r, fl);
	case 0x1c: /* fmv.x.{w,d}, fclass */
		if (rs2 != 0 || f3 > 1)
			return FP_ILLEGAL;
		if (f3 == 1)
			r = f_class(va, d);
		else /* the raw register bits, boxed or not */
			r = d ? s->f[rs1] : (u64)(i64)(i32)(u32)s->f[rs1];
		return put_x(s, x, insn, r, 0);
	case 0x1e: /* fmv.{w,d}.x */
		if (rs2 != 0 || f3 != 0)
			return FP_ILLEGAL;
		return put_f(s, insn, d, d ? rx(x, rs1) : (u32)rx(x, rs1), 0);
	default:
		return FP_ILLEGAL;
	}
}

NOINLINE int simple_s(struct fpu *s, u64 *x, u32 insn) { return w_simple(0, s, x, insn); }
NOINLINE int simple_d(struct fpu *s, u64 *x, u32 insn) { return w_simple(1, s, x, insn); }

/* FLW, FLD, FSW, FSD. Only s, insn and addr stay live across user_access_ok, so that the
 * frame stays small: these are the commonest emulated instructions (register spills). */
NOINLINE int exec_ldst(struct fpu *s, const u64 *x, u32 insn)
{
	u32 f3 = insn >> 12 & 7;
	if (f3 != 2 && f3 != 3)
		return FP_ILLEGAL;
	i64 imm = (i64)(i32)insn >> 20;
	if (insn & 0x20) /* STORE-FP: the immediate is split around rs2 */
		imm = (imm & ~31) | (i64)(insn >> 7 & 31);
	u64 addr = rx(x, RS1(insn)) + (u64)imm;
	if (!user_access_ok(addr, 4ull << (f3 & 1)))
		return FP_ACCESS;
	int dbl = (int)(insn >> 12 & 1);
	if (!(insn & 0x20))
		s->f[insn >> 7 & 31] = dbl ? ld_user(addr, 8) : BOX | ld_user(addr, 4);
	else
		st_user(addr, s->f[RS2(insn)], dbl ? 8 : 4);
	return FP_OK;
}

int fp_exec(struct fpu *s, uint64_t *x, uint32_t insn)
{
	u32 op = insn & 0x7f, f7 = insn >> 25;
	int d = f7 & 1, rm = (int)(insn >> 12 & 7);

	if (op == 0x07 || op == 0x27)
		return exec_ldst(s, x, insn);
	if (op == 0x73)
		return exec_csr(s, x, insn);
	if (f7 & 2)
		return FP_ILLEGAL; /* half and quad formats */
	if (rm == DYN)
		rm = (int)(s->fcsr >> 5 & 7);
	int rm_ok = rm <= RMM;
	if (op == 0x43 || op == 0x47 || op == 0x4b || op == 0x4f) {
		if (!rm_ok)
			return FP_ILLEGAL;
		return d ? fma_d(s, insn, rm) : fma_s(s, insn, rm);
	}
	if (op != 0x53)
		return FP_ILLEGAL;
	u32 rs2 = RS2(insn);
	switch (f7 >> 2) {
	case 0x00: /* fadd */
	case 0x01: /* fsub */
		if (!rm_ok)
			return FP_ILLEGAL;
		return d ? add_d(s, insn, rm) : add_s(s, insn, rm);
	case 0x02: /* fmul */
		if (!rm_ok)
			return FP_ILLEGAL;
		return d ? mul_d(s, insn, rm) : mul_s(s, insn, rm);
	case 0x03: /* fdiv */
		if (!rm_ok)
			return FP_ILLEGAL;
		return d ? div_d(s, insn, rm) : div_s(s, insn, rm);
	case 0x0b: /* fsqrt */
		if (rs2 != 0 || !rm_ok)
			return FP_ILLEGAL;
		return d ? sqrt_d(s, insn, rm) : sqrt_s(s, insn, rm);
	case 0x08: /* fcvt.s.d (d = 0, rs2 = 1), fcvt.d.s (d = 1, rs2 = 0) */
		if (rs2 != (u32)!d || !rm_ok)
			return FP_ILLEGAL;
		return d ? cvt_d_s(s, insn, rm) : cvt_s_d(s, insn, rm);
	case 0x18: /* fcvt.{w,wu,l,lu}.{s,d} */
		if (rs2 > 3 || !rm_ok)
			return FP_ILLEGAL;
		return d ? to_int_d(s, x, insn, rm) : to_int_s(s, x, insn, rm);
	case 0x1a: /* fcvt.{s,d}.{w,wu,l,lu} */
		if (rs2 > 3 || !rm_ok)
			return FP_ILLEGAL;
		return d ? from_int_d(s, x, insn, rm) : from_int_s(s, x, insn, rm);
	default:
		return d ? simple_d(s, x, insn) : simple_s(s, x, insn);
	}
}
