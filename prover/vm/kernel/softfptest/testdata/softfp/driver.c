/* Differential driver for the kernel's soft-float (prover/vm/kernel/softfp.c).
 *
 * Built with -march=rv64imafd -mabi=lp64 and run under qemu-riscv64, the reference: for every
 * case it executes the real instruction (patched into a stub, see start.S) and fp_exec on the
 * same encoding and register state, and compares every F register, the integer registers the
 * stub uses, fcsr, the memory buffer and, for random encodings, legality (SIGILL under qemu
 * against FP_ILLEGAL). It also checks what only fp_exec can show: reserved rounding modes and
 * refused accesses leave the state unchanged.
 *
 * usage: driver SEED CASES [PREFIX] -> prints "ok ..." and exits 0, or prints mismatches and
 * exits 1. With PREFIX only the forms whose name starts with it run (and no random encodings).
 *        driver one INSN FCSR F0 F5 F6 F7 F28 X5 X6 X7 X28 (hex) -> one case, for the fuzz
 * target; the instruction is first confined to what the stub can run (see confine).
 */
#include <stdint.h>
#include "../../../softfp.h"

typedef uint64_t u64;
typedef int64_t i64;
typedef uint32_t u32;

long sys3(long nr, long a, long b, long c);
long sys6(long nr, long a, long b, long c, long d, long e, long f);
void sync_icache(void);
extern const u32 stub_begin[], stub_slot[], stub_end[];

void *memcpy(void *d, const void *s, unsigned long n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;
	while (n--)
		*dp++ = *sp++;
	return d;
}

void *memset(void *d, int c, unsigned long n)
{
	unsigned char *dp = d;
	while (n--)
		*dp++ = (unsigned char)c;
	return d;
}

int memcmp(const void *a, const void *b, unsigned long n)
{
	const unsigned char *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

/* ---- output ---- */

static char obuf[4096];
static int olen;

static void flush(void)
{
	sys3(64, 1, (long)obuf, olen);
	olen = 0;
}

static void puts_(const char *s)
{
	while (*s) {
		if (olen == sizeof obuf)
			flush();
		obuf[olen++] = *s++;
	}
}

static void putu(u64 v)
{
	char b[24];
	int i = 23;
	b[i] = 0;
	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	puts_(b + i);
}

static void puthex(u64 v)
{
	char b[19];
	b[0] = '0';
	b[1] = 'x';
	for (int i = 0; i < 16; i++)
		b[2 + i] = "0123456789abcdef"[v >> (60 - 4 * i) & 15];
	b[18] = 0;
	puts_(b);
}

static u64 atou(const char *s)
{
	u64 v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (u64)(*s++ - '0');
	return v;
}

/* ---- randomness (splitmix64) ---- */

static u64 rng;

static u64 rnd(void)
{
	u64 z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static u64 rn(u64 n) { return rnd() % n; }

/* ---- memory the loads and stores use; user_access_ok admits exactly this buffer ---- */

static unsigned char membuf[8192] __attribute__((aligned(16)));
static int refuse;

int user_access_ok(uint64_t addr, uint64_t size)
{
	u64 lo = (u64)membuf;
	return !refuse && addr >= lo && addr + size <= lo + sizeof membuf && addr + size >= addr;
}

/* ---- native execution ---- */

struct nstate {
	u64 f[32];
	u64 x[32];
	u64 fcsr;
};

static volatile int sigill_hit;

static void on_sigill(int sig, void *info, void *uc)
{
	(void)sig;
	(void)info;
	/* struct ucontext on riscv64 Linux: uc_mcontext (whose first word is pc) at offset 176 */
	((u64 *)uc)[176 / 8] += 4;
	sigill_hit = 1;
}

#define NSTUB 8192
#define STUBWORDS 128
static u32 *stubs;
static u32 stubkey[NSTUB];
static int stubused[NSTUB];
static int nstubs;

typedef void (*stubfn)(struct nstate *);

/* native runs insn on st under qemu; returns 0, or 1 if it raised SIGILL. */
static int native(struct nstate *st, u32 insn)
{
	u32 h = (insn * 2654435761u) >> 19;
	while (stubused[h] && stubkey[h] != insn)
		h = (h + 1) & (NSTUB - 1);
	u32 *code = stubs + (u64)h * STUBWORDS;
	if (!stubused[h]) {
		if (nstubs >= NSTUB * 3 / 4) { /* full: start over */
			memset(stubused, 0, sizeof stubused);
			nstubs = 0;
			h = (insn * 2654435761u) >> 19;
			code = stubs + (u64)h * STUBWORDS;
		}
		u64 n = (u64)(stub_end - stub_begin);
		memcpy(code, stub_begin, n * 4);
		code[stub_slot - stub_begin] = insn;
		sync_icache();
		stubused[h] = 1;
		stubkey[h] = insn;
		nstubs++;
	}
	sigill_hit = 0;
	((stubfn)(void *)code)(st);
	return sigill_hit;
}

/* ---- operand generators ---- */

#define PREC(d) ((d) ? 53 : 24)
#define BIAS(d) ((d) ? 1023 : 127)
#define EXPMAX(d) ((d) ? 2047ull : 255ull)

static u64 mk(int d, u64 sign, u64 ex, u64 man)
{
	int mb = PREC(d) - 1;
	return sign << (d ? 63 : 31) | (ex & EXPMAX(d)) << mb | (man & ((1ull << mb) - 1));
}

/* a mantissa with a random pattern at its low end: ties and near-ties for the roundings */
static u64 gen_man(int d)
{
	int mb = PREC(d) - 1;
	u64 m = rnd();
	switch (rn(6)) {
	case 0:
		return m & ~((1ull << rn((u64)mb)) - 1); /* trailing zeros */
	case 1:
		return m | ((1ull << rn((u64)mb)) - 1); /* trailing ones */
	case 2:
		return rn(8); /* few bits */
	case 3:
		return ~rn(8); /* nearly all ones */
	default:
		return m;
	}
}

/* raw bits of a value of format d */
static u64 gen_fp(int d)
{
	int mb = PREC(d) - 1;
	u64 sign = rn(2), bias = (u64)BIAS(d), em = EXPMAX(d);
	switch (rn(12)) {
	case 0:
		switch (rn(11)) {
		case 0: return mk(d, sign, 0, 0);
		case 1: return mk(d, sign, 0, 1);
		case 2: return mk(d, sign, 0, ~0ull);
		case 3: return mk(d, sign, 1, 0);
		case 4: return mk(d, sign, em - 1, ~0ull);
		case 5: return mk(d, sign, em, 0);
		case 6: return mk(d, sign, em, 1ull << (mb - 1)); /* canonical-like quiet NaN */
		case 7: return mk(d, sign, em, 1ull << (mb - 1) | rnd()); /* quiet NaN, payload */
		case 8: return mk(d, sign, em, (rnd() & ((1ull << (mb - 1)) - 1)) | 1); /* signalling */
		case 9: return mk(d, sign, bias, 0);
		default: return mk(d, sign, em - 1, 0);
		}
	case 1:
		return rnd();
	case 2: /* subnormals and the smallest normals */
		return mk(d, sign, rn(3), gen_man(d));
	case 3: /* near overflow */
		return mk(d, sign, em - 1 - rn(3), gen_man(d));
	case 4: /* around 1 */
		return mk(d, sign, bias - 8 + rn(17), gen_man(d));
	case 5: { /* around the integer-conversion limits 2^31, 2^32, 2^63, 2^64 */
		static const int lim[4] = {31, 32, 63, 64};
		u64 ex = bias + (u64)lim[rn(4)];
		switch (rn(4)) {
		case 0: return mk(d, sign, ex, 0);
		case 1: return mk(d, sign, ex, rn(3));
		case 2: return mk(d, sign, ex - 1, ~rn(3));
		default: return mk(d, sign, ex - rn(2), gen_man(d));
		}
	}
	case 6: /* small integers and halves */
		return mk(d, sign, bias + rn(6) - 1, rnd() << (mb - 3));
	case 7: /* results that will be subnormal after an operation */
		return mk(d, sign, bias - (u64)(mb / 2) - rn((u64)bias / 2 + 8), gen_man(d));
	case 8: /* large, so products and quotients overflow */
		return mk(d, sign, bias + bias / 2 + rn(bias / 2), gen_man(d));
	default:
		return mk(d, sign, rn(em), gen_man(d));
	}
}

/* a value close to v (same format): nearby exponent or a few ulps away, either sign */
static u64 gen_near(int d, u64 v)
{
	int mb = PREC(d) - 1;
	u64 sbit = 1ull << (d ? 63 : 31);
	switch (rn(4)) {
	case 0:
		return v ^ sbit ^ (rn(2) ? rn(5) : 0); /* cancellation */
	case 1:
		return (v + rn(5) - 2) & (d ? ~0ull : 0xffffffffull);
	case 2: { /* exponent differs by up to p+2: rounding ties in the sum */
		u64 ex = (v >> mb) & EXPMAX(d), k = rn((u64)mb + 4);
		ex = ex > k ? ex - k : 0;
		return ((v & sbit) ^ (rn(2) ? sbit : 0)) | ex << mb | (gen_man(d) & ((1ull << mb) - 1));
	}
	default:
		return v ^ (rnd() & ((1ull << mb) - 1) & ((1ull << rn((u64)mb)) - 1));
	}
}

/* Operands whose product (op 2) or quotient (op 3) lands near the smallest normal, where
 * tininess after rounding decides the underflow flag: a's mantissa is nearly all ones and b's
 * nearly 1, so that the rounded result often sits exactly on the boundary. */
static void gen_tiny_pair(int d, int op, u64 *a, u64 *b)
{
	int mb = PREC(d) - 1;
	i64 bias = BIAS(d), ea, eb, delta = (i64)rn(3) - 1;
	if (op == 3) {
		ea = 1 + (i64)rn((u64)bias - 2);
		eb = ea + bias + delta;
	} else {
		ea = 1 + (i64)rn((u64)bias - 1);
		eb = bias - ea + delta;
	}
	if (eb < 1)
		eb = 1;
	u64 ma = gen_man(d), mbits = gen_man(d);
	if (op == 2 && rn(2)) { /* (2 - 2j ulp) * (1 + j ulp) = 2 - 2 j^2 ulp^2: just below 2 */
		u64 j = 1 + rn(4);
		ma = (1ull << mb) - 2 * j;
		mbits = j;
	}
	*a = mk(d, rn(2), (u64)ea, ma);
	*b = mk(d, rn(2), (u64)eb, mbits);
}

/* a double near the single-precision boundaries: FLT_MIN, the subnormals, FLT_MAX */
static u64 gen_single_edge_double(void)
{
	static const int ex[] = {-126, -127, -128, -149, -150, -140, 127, 128};
	return mk(1, rn(2), (u64)(1023 + ex[rn(8)]), rn(2) ? ~rn(1ull << 30) : gen_man(1));
}

static u64 box_single(u64 v)
{
	if (rn(24) == 0) /* an improperly boxed single */
		return (rnd() & 0xffffffff00000000ull & ~(rn(2) ? 0 : 0x0000000100000000ull)) | (u32)v;
	return 0xffffffff00000000ull | (u32)v;
}

static u64 gen_freg(int d)
{
	u64 v = gen_fp(d);
	return d ? v : box_single(v);
}

static u64 gen_int(void)
{
	static const u64 lims[] = {1ull << 31, 1ull << 32, 1ull << 63, 0, 1ull << 24, 1ull << 53};
	switch (rn(6)) {
	case 0:
		return rnd();
	case 1:
		return rn(2) ? rn(70) : -rn(70);
	case 2: {
		u64 v = lims[rn(6)] + rn(7) - 3;
		return rn(2) ? v : -v;
	}
	case 3: { /* p+1 significant bits somewhere: rounding ties */
		int sh = (int)rn(40);
		u64 v = (rnd() >> 10 | 1ull << 54) >> rn(31) << sh;
		return rn(2) ? v : -v;
	}
	case 4: /* 32-bit values with garbage above, for the W forms */
		return rnd() << 32 | (rn(2) ? rn(70) : (u32)-rn(70));
	default:
		return rnd() >> rn(64);
	}
}

/* ---- instruction forms ---- */

enum {
	K_FFF,   /* fd = op(fs1, fs2), rm */
	K_FF,    /* fd = op(fs1), rm (fsqrt) */
	K_FMA,   /* fd = fs1*fs2 +- fs3, rm */
	K_FFF3,  /* fd = op(fs1, fs2), funct3 fixed (sgnj, min/max) */
	K_XFF,   /* xd = cmp(fs1, fs2) */
	K_XF_RM, /* xd = fcvt.int(fs1), rm */
	K_FX_RM, /* fd = fcvt.f(xs1), rm */
	K_XF,    /* xd = fmv.x / fclass (fs1) */
	K_FX,    /* fd = fmv.f.x (xs1) */
	K_CVT,   /* fcvt.s.d / fcvt.d.s, rm; source in the other format */
	K_LD,
	K_ST,
	K_CSR,
};

struct form {
	const char *name;
	u32 match;
	int kind;
};

#define OPFP(f7, rs2, f3) (0x53u | (u32)(f3) << 12 | (u32)(rs2) << 20 | (u32)(f7) << 25)
#define FMA(op, fmt) ((u32)(op) | (u32)(fmt) << 25)

static const struct form forms[] = {
	{"fadd.s", OPFP(0x00, 0, 0), K_FFF},	 {"fadd.d", OPFP(0x01, 0, 0), K_FFF},
	{"fsub.s", OPFP(0x04, 0, 0), K_FFF},	 {"fsub.d", OPFP(0x05, 0, 0), K_FFF},
	{"fmul.s", OPFP(0x08, 0, 0), K_FFF},	 {"fmul.d", OPFP(0x09, 0, 0), K_FFF},
	{"fdiv.s", OPFP(0x0c, 0, 0), K_FFF},	 {"fdiv.d", OPFP(0x0d, 0, 0), K_FFF},
	{"fsqrt.s", OPFP(0x2c, 0, 0), K_FF},	 {"fsqrt.d", OPFP(0x2d, 0, 0), K_FF},
	{"fmadd.s", FMA(0x43, 0), K_FMA},	 {"fmadd.d", FMA(0x43, 1), K_FMA},
	{"fmsub.s", FMA(0x47, 0), K_FMA},	 {"fmsub.d", FMA(0x47, 1), K_FMA},
	{"fnmsub.s", FMA(0x4b, 0), K_FMA},	 {"fnmsub.d", FMA(0x4b, 1), K_FMA},
	{"fnmadd.s", FMA(0x4f, 0), K_FMA},	 {"fnmadd.d", FMA(0x4f, 1), K_FMA},
	{"fsgnj.s", OPFP(0x10, 0, 0), K_FFF3},	 {"fsgnj.d", OPFP(0x11, 0, 0), K_FFF3},
	{"fsgnjn.s", OPFP(0x10, 0, 1), K_FFF3},	 {"fsgnjn.d", OPFP(0x11, 0, 1), K_FFF3},
	{"fsgnjx.s", OPFP(0x10, 0, 2), K_FFF3},	 {"fsgnjx.d", OPFP(0x11, 0, 2), K_FFF3},
	{"fmin.s", OPFP(0x14, 0, 0), K_FFF3},	 {"fmin.d", OPFP(0x15, 0, 0), K_FFF3},
	{"fmax.s", OPFP(0x14, 0, 1), K_FFF3},	 {"fmax.d", OPFP(0x15, 0, 1), K_FFF3},
	{"fle.s", OPFP(0x50, 0, 0), K_XFF},	 {"fle.d", OPFP(0x51, 0, 0), K_XFF},
	{"flt.s", OPFP(0x50, 0, 1), K_XFF},	 {"flt.d", OPFP(0x51, 0, 1), K_XFF},
	{"feq.s", OPFP(0x50, 0, 2), K_XFF},	 {"feq.d", OPFP(0x51, 0, 2), K_XFF},
	{"fcvt.w.s", OPFP(0x60, 0, 0), K_XF_RM}, {"fcvt.w.d", OPFP(0x61, 0, 0), K_XF_RM},
	{"fcvt.wu.s", OPFP(0x60, 1, 0), K_XF_RM}, {"fcvt.wu.d", OPFP(0x61, 1, 0), K_XF_RM},
	{"fcvt.l.s", OPFP(0x60, 2, 0), K_XF_RM}, {"fcvt.l.d", OPFP(0x61, 2, 0), K_XF_RM},
	{"fcvt.lu.s", OPFP(0x60, 3, 0), K_XF_RM}, {"fcvt.lu.d", OPFP(0x61, 3, 0), K_XF_RM},
	{"fcvt.s.w", OPFP(0x68, 0, 0), K_FX_RM}, {"fcvt.d.w", OPFP(0x69, 0, 0), K_FX_RM},
	{"fcvt.s.wu", OPFP(0x68, 1, 0), K_FX_RM}, {"fcvt.d.wu", OPFP(0x69, 1, 0), K_FX_RM},
	{"fcvt.s.l", OPFP(0x68, 2, 0), K_FX_RM}, {"fcvt.d.l", OPFP(0x69, 2, 0), K_FX_RM},
	{"fcvt.s.lu", OPFP(0x68, 3, 0), K_FX_RM}, {"fcvt.d.lu", OPFP(0x69, 3, 0), K_FX_RM},
	{"fmv.x.w", OPFP(0x70, 0, 0), K_XF},	 {"fmv.x.d", OPFP(0x71, 0, 0), K_XF},
	{"fclass.s", OPFP(0x70, 0, 1), K_XF},	 {"fclass.d", OPFP(0x71, 0, 1), K_XF},
	{"fmv.w.x", OPFP(0x78, 0, 0), K_FX},	 {"fmv.d.x", OPFP(0x79, 0, 0), K_FX},
	{"fcvt.s.d", OPFP(0x20, 1, 0), K_CVT},	 {"fcvt.d.s", OPFP(0x21, 0, 0), K_CVT},
	{"flw", 0x07u | 2u << 12, K_LD},	 {"fld", 0x07u | 3u << 12, K_LD},
	{"fsw", 0x27u | 2u << 12, K_ST},	 {"fsd", 0x27u | 3u << 12, K_ST},
	{"csrrw", 0x73u | 1u << 12, K_CSR},	 {"csrrs", 0x73u | 2u << 12, K_CSR},
	{"csrrc", 0x73u | 3u << 12, K_CSR},	 {"csrrwi", 0x73u | 5u << 12, K_CSR},
	{"csrrsi", 0x73u | 6u << 12, K_CSR},	 {"csrrci", 0x73u | 7u << 12, K_CSR},
};
#define NFORMS (sizeof forms / sizeof forms[0])

/* the registers the stub loads and stores (x0 always reads 0) */
static const u32 regs[5] = {0, 5, 6, 7, 28};

static int has_rm(int kind)
{
	return kind == K_FFF || kind == K_FF || kind == K_FMA || kind == K_XF_RM || kind == K_FX_RM ||
	       kind == K_CVT;
}

/* ---- comparison ---- */

static u64 ncases, nfail, nillegal;

static void state_to_fpu(const struct nstate *st, struct fpu *s, u64 *x)
{
	for (int i = 0; i < 32; i++) {
		s->f[i] = st->f[i];
		x[i] = st->x[i];
	}
	s->fcsr = (u32)st->fcsr;
}

static void report(const char *what, const char *name, u32 insn, const struct nstate *in, u64 want, u64 got)
{
	nfail++;
	if (nfail > 20)
		return;
	puts_("MISMATCH ");
	puts_(what);
	puts_(" ");
	puts_(name);
	puts_(" insn=");
	puthex(insn);
	puts_("\n");
	if (!in)
		return;
	puts_("  fcsr=");
	puthex(in->fcsr);
	puts_(" x5..7,28=");
	puthex(in->x[5]);
	puts_(" ");
	puthex(in->x[6]);
	puts_(" ");
	puthex(in->x[7]);
	puts_(" ");
	puthex(in->x[28]);
	puts_("\n  f0,5,6,7,28=");
	puthex(in->f[0]);
	puts_(" ");
	puthex(in->f[5]);
	puts_(" ");
	puthex(in->f[6]);
	puts_(" ");
	puthex(in->f[7]);
	puts_(" ");
	puthex(in->f[28]);
	puts_("\n  want=");
	puthex(want);
	puts_(" got=");
	puthex(got);
	puts_("\n");
}

static unsigned char membuf0[sizeof membuf], membuf_native[sizeof membuf];

/* runs one case both ways and compares everything */
static void check(const char *name, u32 insn, const struct nstate *in)
{
	struct nstate nat = *in;
	struct fpu s;
	u64 x[32];
	ncases++;
	memcpy(membuf0, membuf, sizeof membuf);
	int ill = native(&nat, insn);
	memcpy(membuf_native, membuf, sizeof membuf);
	memcpy(membuf, membuf0, sizeof membuf);
	state_to_fpu(in, &s, x);
	int rc = fp_exec(&s, x, insn);
	if (ill || rc == FP_ILLEGAL) {
		nillegal++;
		if (!ill || rc != FP_ILLEGAL) {
			report("legality(qemu sigill, fp_exec rc)", name, insn, in, (u64)ill, (u64)rc);
			return;
		}
		/* both refuse: fp_exec must leave everything as it was */
		for (int i = 0; i < 32; i++)
			if (s.f[i] != in->f[i] || x[i] != in->x[i])
				report("illegal changed a register", name, insn, in, in->f[i], s.f[i]);
		if (s.fcsr != in->fcsr || memcmp(membuf, membuf0, sizeof membuf))
			report("illegal changed fcsr or memory", name, insn, in, in->fcsr, s.fcsr);
		return;
	}
	if (rc != FP_OK) {
		report("rc", name, insn, in, 0, (u64)rc);
		return;
	}
	for (int i = 0; i < 32; i++)
		if (s.f[i] != nat.f[i]) {
			report("f register", name, insn, in, nat.f[i], s.f[i]);
			return;
		}
	for (int i = 0; i < 32; i++) /* x0 included: fp_exec never writes it */
		if (x[i] != nat.x[i]) {
			report("x register", name, insn, in, nat.x[i], x[i]);
			return;
		}
	if (s.fcsr != nat.fcsr) {
		report("fcsr", name, insn, in, nat.fcsr, s.fcsr);
		return;
	}
	if (memcmp(membuf, membuf_native, sizeof membuf))
		report("memory", name, insn, in, 0, 0);
}

/* fmul under RNE through fp_exec, to build addends that cancel a product */
static u64 soft_mul(int d, u64 a, u64 b)
{
	struct fpu s;
	u64 x[32];
	memset(&s, 0, sizeof s);
	memset(x, 0, sizeof x);
	s.f[1] = a;
	s.f[2] = b;
	fp_exec(&s, x, OPFP(0x08 | (u32)d, 2, 0) | 1u << 15 | 3u << 7);
	return s.f[3];
}

static void one_case(const struct form *fm)
{
	struct nstate st;
	u32 insn = fm->match;
	int kind = fm->kind, d = (int)(insn >> 25 & 1);
	u32 rd = regs[rn(5)], perm[4] = {5, 6, 7, 28};
	for (int i = 3; i > 0; i--) {
		u32 j = (u32)rn((u64)i + 1), t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	u32 rs1 = perm[0], rs2 = perm[1], rs3 = perm[2];
	if (rn(16) == 0) /* aliasing and x0/f0 operands */
		rs1 = regs[rn(5)], rs2 = regs[rn(5)];
	for (int i = 0; i < 32; i++) {
		st.f[i] = gen_freg(rn(2));
		st.x[i] = gen_int();
	}
	st.x[0] = 0;
	st.fcsr = rn(32) | rn(8) << 5;
	if (has_rm(kind)) {
		u32 rm = (u32)rn(6);
		if (rm == 5) {
			rm = 7;
			st.fcsr = (st.fcsr & 0x1f) | rn(5) << 5; /* a valid dynamic mode */
		}
		insn |= rm << 12;
	}
	switch (kind) {
	case K_FFF:
	case K_FFF3:
	case K_XFF:
		st.f[rs1] = gen_freg(d);
		st.f[rs2] = rn(4) ? gen_freg(d) : (d ? gen_near(d, st.f[rs1]) : box_single(gen_near(d, (u32)st.f[rs1])));
		if (rn(8) == 0)
			st.f[rs2] = st.f[rs1];
		if (rn(16) == 0) { /* two zeros: the signs of sums, min/max and compares of zeros */
			st.f[rs1] = gen_freg(d) & ~((1ull << (d ? 63 : 31)) - 1);
			st.f[rs2] = gen_freg(d) & ~((1ull << (d ? 63 : 31)) - 1);
			if (!d)
				st.f[rs1] |= 0xffffffff00000000ull, st.f[rs2] |= 0xffffffff00000000ull;
		}
		if (kind == K_FFF && (insn >> 27) >= 2 && rn(4) == 0) {
			u64 a, b;
			gen_tiny_pair(d, (int)(insn >> 27), &a, &b);
			st.f[rs1] = d ? a : box_single(a);
			st.f[rs2] = d ? b : box_single(b);
		}
		break;
	case K_FMA:
		st.f[rs1] = gen_freg(d);
		st.f[rs2] = gen_freg(d);
		st.f[rs3] = gen_freg(d);
		if (rn(6) == 0) { /* a product near the smallest normal */
			u64 a, b;
			gen_tiny_pair(d, 2, &a, &b);
			st.f[rs1] = d ? a : box_single(a);
			st.f[rs2] = d ? b : box_single(b);
		}
		if (rn(6) == 0) { /* an addend up to 130 binades below the product: sticky bits */
			int mb = PREC(d) - 1;
			i64 e = (i64)((st.f[rs1] >> mb) & EXPMAX(d)) + (i64)((st.f[rs2] >> mb) & EXPMAX(d)) -
				BIAS(d) - (i64)rn(130);
			st.f[rs1] &= ~((1ull << mb) - 1) | rn(8);
			st.f[rs2] &= ~((1ull << mb) - 1) | rn(8) << (mb - 3);
			if (e > 0 && e < (i64)EXPMAX(d)) {
				u64 c = mk(d, rn(2), (u64)e, gen_man(d));
				st.f[rs3] = d ? c : box_single(c);
			}
		} else if (rn(3) == 0) { /* an addend near the product: cancellation */
			u64 p = soft_mul(d, st.f[rs1], st.f[rs2]);
			st.f[rs3] = d ? gen_near(d, p) : box_single(gen_near(d, (u32)p));
		}
		insn |= rs3 << 27;
		break;
	case K_FF:
	case K_XF_RM:
	case K_XF:
		st.f[rs1] = gen_freg(d);
		break;
	case K_CVT:
		st.f[rs1] = gen_freg(!d);
		if (!d && rn(3) == 0)
			st.f[rs1] = gen_single_edge_double();
		break;
	case K_LD:
	case K_ST: {
		i64 imm = (i64)rn(4096) - 2048;
		u64 off = 2048 + rn(4096 - 16);
		if (rn(4))
			off &= ~7ull; /* mostly aligned */
		if (rs1 == 0)
			rs1 = 5;
		st.x[rs1] = (u64)membuf + off - (u64)imm;
		if (kind == K_LD)
			insn |= (u32)(imm & 0xfff) << 20;
		else
			insn |= (u32)(imm >> 5 & 0x7f) << 25 | (u32)(imm & 31) << 7;
		break;
	}
	case K_CSR:
		insn |= (u32)(1 + rn(3)) << 20;
		if (insn >> 12 & 4)
			rs1 = (u32)rn(32) & (rn(4) ? 31 : 0); /* the immediate */
		break;
	default:
		break;
	}
	insn |= rs1 << 15;
	if (kind == K_FFF || kind == K_FFF3 || kind == K_XFF || kind == K_FMA || kind == K_ST)
		insn |= rs2 << 20;
	if (kind != K_ST)
		insn |= rd << 7;
	check(fm->name, insn, &st);
}

/* a random encoding in an F/D opcode (or a CSR on fflags/frm/fcsr), registers kept inside the
 * stub's set so that qemu only ever touches state the stub saves */
static void random_encoding(void)
{
	static const u32 ops[] = {0x07, 0x27, 0x43, 0x47, 0x4b, 0x4f, 0x53, 0x53, 0x53, 0x53, 0x73};
	struct nstate st;
	u32 op = ops[rn(sizeof ops / sizeof ops[0])];
	u32 insn = (u32)rnd() & ~0x000f8f80u & ~0x7fu;
	insn |= op | regs[rn(5)] << 7 | regs[1 + rn(4)] << 15;
	if (op == 0x73) /* fflags, frm, fcsr, and the user CSRs around them that do not exist */
		insn = (insn & 0x000fffffu) | (u32)rn(6) << 20;
	/* LOAD-FP/STORE-FP widths 0, 5, 6, 7 are vector loads and stores, which qemu's default
	 * CPU implements; unit_checks covers them */
	if (op == 0x07 || op == 0x27)
		insn = (insn & ~(7u << 12)) | (u32)(1 + rn(4)) << 12;
	if (op == 0x53 && rn(2)) /* small rs2 field: the unary forms' extension values */
		insn = (insn & ~(31u << 20)) | (u32)rn(4) << 20;
	for (int i = 0; i < 32; i++) {
		st.f[i] = gen_freg(rn(2));
		st.x[i] = (u64)membuf + 4096;
	}
	st.x[0] = 0;
	st.fcsr = rn(32) | rn(8) << 5;
	check("random", insn, &st);
}

/* fp_exec alone: reserved rounding modes and refused accesses change nothing */
static void unit_checks(void)
{
	for (u64 i = 0; i < NFORMS; i++) {
		const struct form *fm = &forms[i];
		struct fpu s, s0;
		u64 x[32], x0[32];
		for (int k = 0; k < 32; k++) {
			s.f[k] = gen_freg(rn(2));
			x[k] = (u64)membuf + 4096;
		}
		x[0] = 0;
		if (has_rm(fm->kind)) {
			for (u32 rm = 5; rm <= 9; rm++) {
				u32 insn = fm->match | 5u << 15 | 6u << 20 | 7u << 7 | (rm <= 6 ? rm : 7u) << 12;
				s.fcsr = (u32)rn(32) | (rm <= 6 ? (u32)rn(5) : rm - 2) << 5; /* frm 5, 6, 7 */
				s0 = s;
				memcpy(x0, x, sizeof x);
				ncases++;
				if (fp_exec(&s, x, insn) != FP_ILLEGAL || memcmp(&s, &s0, sizeof s) ||
				    memcmp(x, x0, sizeof x))
					report("reserved rounding mode accepted", fm->name, insn, (void *)0, 0, 0);
			}
		}
		if (fm->kind == K_LD || fm->kind == K_ST) {
			u32 insn = fm->match | 5u << 15 | 6u << 20 | 7u << 7;
			s.fcsr = (u32)rn(256);
			s0 = s;
			memcpy(x0, x, sizeof x);
			memcpy(membuf0, membuf, sizeof membuf);
			refuse = 1;
			int rc = fp_exec(&s, x, insn);
			refuse = 0;
			ncases++;
			if (rc != FP_ACCESS || memcmp(&s, &s0, sizeof s) || memcmp(x, x0, sizeof x) ||
			    memcmp(membuf, membuf0, sizeof membuf))
				report("refused access", fm->name, insn, (void *)0, FP_ACCESS, (u64)rc);
		}
	}
	/* x[0] reads as 0 whatever its slot holds: fcvt.d.l f7, x0 and fmv.d.x f7, x0 give +0 */
	for (u32 i = 0; i < 2; i++) {
		static const u32 insn[2] = {OPFP(0x69, 2, 0) | 7u << 7, OPFP(0x79, 0, 0) | 7u << 7};
		struct fpu s;
		u64 x[32];
		memset(&s, 0, sizeof s);
		memset(x, 0, sizeof x);
		x[0] = 0x4010000000000000ull;
		s.f[7] = 1;
		ncases++;
		if (fp_exec(&s, x, insn[i]) != FP_OK || s.f[7] != 0 || x[0] != 0x4010000000000000ull)
			report("x0 operand", "x0", insn[i], (void *)0, 0, s.f[7]);
	}
	/* CSRs other than fflags/frm/fcsr, and non-FP opcodes, are not fp_exec's */
	static const u32 other[] = {0xc0102573 /* rdtime a0 */, 0xc0002573 /* rdcycle */,
				    0x30002573 /* csrr a0, mstatus */, 0x00000073 /* ecall */,
				    0x00a50533 /* add */, 0x00004007 /* flq */, 0x00001007 /* flh */,
				    0x00000007 /* vle8.v */, 0x00007027 /* vse64.v */, 0x04000053 /* fadd.h */};
	for (u64 i = 0; i < sizeof other / sizeof other[0]; i++) {
		struct fpu s;
		u64 x[32];
		memset(&s, 0, sizeof s);
		memset(x, 0, sizeof x);
		ncases++;
		if (fp_exec(&s, x, other[i]) != FP_ILLEGAL)
			report("foreign instruction accepted", "other", other[i], (void *)0, FP_ILLEGAL, 0);
	}
}

static u64 atox(const char *s)
{
	u64 v = 0;
	for (;; s++) {
		if (*s >= '0' && *s <= '9')
			v = v << 4 | (u64)(*s - '0');
		else if (*s >= 'a' && *s <= 'f')
			v = v << 4 | (u64)(*s - 'a' + 10);
		else
			return v;
	}
}

/* confine maps any word to an F/D or fcsr encoding whose integer registers are the stub's and
 * whose effects qemu and the stub can contain: the opcode is one of F/D's (or SYSTEM with CSR
 * 0-5), rd and rs1 are stub registers, LOAD-FP/STORE-FP widths are not vector ones. */
static u32 confine(u32 insn)
{
	static const u32 ops[] = {0x07, 0x27, 0x43, 0x47, 0x4b, 0x4f, 0x53, 0x73};
	u32 op = ops[insn & 7];
	insn = (insn & ~0x000f8f80u & ~0x7fu) | op | regs[(insn >> 7 & 31) % 5] << 7 | regs[1 + (insn >> 15 & 31) % 4] << 15;
	if (op == 0x73)
		insn = (insn & 0x000fffffu) | ((insn >> 20) % 6) << 20;
	if (op == 0x07 || op == 0x27)
		insn = (insn & ~(7u << 12)) | (1 + (insn >> 12 & 7) % 4) << 12;
	return insn;
}

static int one(char **argv)
{
	struct nstate st;
	u32 insn = confine((u32)atox(argv[2]));
	for (int i = 0; i < 32; i++) {
		st.f[i] = 0xffffffff00000000ull | (u64)i;
		st.x[i] = (u64)membuf + 4096;
	}
	st.fcsr = atox(argv[3]) & 0xff;
	st.f[0] = atox(argv[4]);
	st.f[5] = atox(argv[5]);
	st.f[6] = atox(argv[6]);
	st.f[7] = atox(argv[7]);
	st.f[28] = atox(argv[8]);
	u32 op = insn & 0x7f;
	if (op != 0x07 && op != 0x27) { /* loads and stores keep their base in the buffer */
		st.x[5] = atox(argv[9]);
		st.x[6] = atox(argv[10]);
		st.x[7] = atox(argv[11]);
		st.x[28] = atox(argv[12]);
	}
	st.x[0] = 0;
	check("fuzz", insn, &st);
	puts_(nfail ? "FAIL\n" : "ok\n");
	flush();
	return nfail != 0;
}

int main(int argc, char **argv)
{
	static const struct {
		u64 handler, flags, mask;
	} act = {(u64)on_sigill, 4 /* SA_SIGINFO */ | 0x40000000 /* SA_NODEFER */, 0};
	if (argc < 3) {
		puts_("usage: driver SEED CASES\n");
		flush();
		return 2;
	}
	if (argc == 13 && !memcmp(argv[1], "one", 4)) {
		if (sys6(134, 4 /* SIGILL */, (long)&act, 0, 8, 0, 0) != 0)
			return 2;
		stubs = (u32 *)sys6(222, 0, NSTUB * STUBWORDS * 4, 7, 0x22, -1, 0);
		return one(argv);
	}
	rng = atou(argv[1]);
	u64 n = atou(argv[2]);
	stubs = (u32 *)sys6(222, 0, NSTUB * STUBWORDS * 4, 7, 0x22, -1, 0);
	if ((i64)stubs < 0 || sys6(134, 4 /* SIGILL */, (long)&act, 0, 8, 0, 0) != 0) {
		puts_("setup failed\n");
		flush();
		return 2;
	}
	for (u64 i = 0; i < sizeof membuf; i++)
		membuf[i] = (unsigned char)rnd();
	const char *prefix = argc > 3 ? argv[3] : 0;
	int sel[NFORMS], nsel = 0;
	for (u64 i = 0; i < NFORMS; i++) {
		const char *a = forms[i].name, *b = prefix;
		while (b && *b && *a == *b)
			a++, b++;
		if (!b || !*b)
			sel[nsel++] = (int)i;
	}
	if (!prefix)
		unit_checks();
	for (u64 i = 0; i < n && nsel; i++) {
		one_case(&forms[sel[rn((u64)nsel)]]);
		if (!prefix && i % 4 == 0)
			random_encoding();
	}
	puts_(nfail ? "FAIL" : "ok");
	puts_(" cases=");
	putu(ncases);
	puts_(" illegal=");
	putu(nillegal);
	puts_(" mismatches=");
	putu(nfail);
	puts_("\n");
	flush();
	return nfail != 0;
}
