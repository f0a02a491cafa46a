/* Cycle benchmark for fp_exec, built for -march=rv64ima like the kernel and run on the zkexex
 * executor, which counts every instruction: "bench OP N" executes operation OP (an index into
 * ops[], or -1 for the empty loop) N times on varied operands and exits. The Go benchmark
 * subtracts the empty loop's count and divides by N.
 */
#include <stdint.h>
#include "../../../softfp.h"

typedef uint64_t u64;
typedef uint32_t u32;

__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	".option push\n.option norelax\n"
	"la gp, __global_pointer$\n"
	".option pop\n"
	"ld a0, 0(sp)\n"
	"addi a1, sp, 8\n"
	"andi sp, sp, -16\n"
	"call main\n"
	"li a7, 94\n"
	"ecall\n");

static u64 mem[4];

int user_access_ok(uint64_t addr, uint64_t size)
{
	(void)size;
	return addr >= (u64)mem && addr < (u64)(mem + 4);
}

/* the same signature as fp_exec, for the empty loop */
__attribute__((noinline)) static int noop_exec(struct fpu *s, uint64_t *x, uint32_t insn)
{
	__asm__ volatile("" : : "r"(s), "r"(x), "r"(insn) : "memory");
	return 0;
}

#define OPFP(f7, rs2, f3) (0x53u | (u32)(f3) << 12 | (u32)(rs2) << 20 | (u32)(f7) << 25)
#define R3 (3u << 7 | 1u << 15 | 2u << 20) /* rd = 3, rs1 = 1, rs2 = 2 */
#define RX (10u << 7 | 1u << 15 | 2u << 20) /* rd = x10, rs1 = f1, rs2 = f2 */

/* operations and whether their operands are singles; the order is the Go benchmark's */
static const u32 ops[] = {
	OPFP(0x01, 0, 7) | R3,	     /* fadd.d (dynamic rounding) */
	OPFP(0x09, 0, 7) | R3,	     /* fmul.d */
	OPFP(0x0d, 0, 7) | R3,	     /* fdiv.d */
	OPFP(0x2d, 0, 7) | (R3 & ~(31u << 20)), /* fsqrt.d */
	0x43u | 1u << 25 | 7u << 12 | 4u << 27 | R3, /* fmadd.d f3 = f1*f2+f4 */
	OPFP(0x00, 0, 7) | R3,	     /* fadd.s */
	OPFP(0x08, 0, 7) | R3,	     /* fmul.s */
	OPFP(0x0c, 0, 7) | R3,	     /* fdiv.s */
	OPFP(0x61, 0, 1) | (RX & ~(31u << 20)), /* fcvt.w.d rtz */
	OPFP(0x69, 2, 7) | 3u << 7 | 10u << 15, /* fcvt.d.l */
	OPFP(0x21, 0, 7) | (R3 & ~(31u << 20)), /* fcvt.d.s */
	OPFP(0x51, 0, 1) | RX,	     /* flt.d */
	OPFP(0x11, 0, 0) | R3,	     /* fsgnj.d (fmv.d) */
	OPFP(0x71, 0, 0) | (RX & ~(31u << 20)), /* fmv.x.d */
	0x07u | 3u << 12 | 3u << 7 | 11u << 15,	/* fld f3, 0(x11) */
	0x27u | 3u << 12 | 11u << 15 | 1u << 20, /* fsd f1, 0(x11) */
	0x73u | 2u << 12 | 10u << 7 | 3u << 20,	/* frcsr x10 */
};
static const unsigned char single[] = {0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};

static u64 atoi_(const char *s)
{
	int neg = *s == '-';
	u64 v = 0;
	s += neg;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (u64)(*s++ - '0');
	return neg ? -v : v;
}

int main(int argc, char **argv)
{
	static struct fpu s;
	static u64 x[32];
	static u64 vals[64];
	if (argc < 3)
		return 2;
	long op = (long)atoi_(argv[1]);
	u64 n = atoi_(argv[2]), r = 12345;
	/* normal operands of moderate magnitude, positive for fsqrt */
	for (int i = 0; i < 64; i++) {
		r = r * 6364136223846793005ull + 1442695040888963407ull;
		u64 man = r >> 12, ex = 1023 - 20 + (r >> 3) % 40;
		vals[i] = ex << 52 | man;
		if (op >= 0 && single[op])
			vals[i] = 0xffffffff00000000ull | (u32)((ex - 1023 + 127) << 23 | man >> 29);
	}
	x[11] = (u64)mem;
	for (u64 i = 0; i < n; i++) {
		s.f[1] = vals[i & 63];
		s.f[2] = vals[(i + 17) & 63];
		s.f[4] = vals[(i + 31) & 63];
		x[10] = vals[(i + 5) & 63] >> 20;
		if (op < 0)
			noop_exec(&s, x, ops[0]);
		else if (fp_exec(&s, x, ops[op]) != FP_OK)
			return 1;
	}
	return 0;
}
