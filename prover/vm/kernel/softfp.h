/* Soft-float emulation of RISC-V F and D for the zkexex kernel (ABI v1).
 *
 * The proven machine executes RV64IMA only; every F/D instruction and every CSR access to
 * fflags/frm/fcsr traps into the kernel, which hands the instruction word to fp_exec. The
 * emulation is integer-only and deterministic so that it can run inside the proven machine:
 * it builds with -march=rv64ima -mabi=lp64 -ffreestanding -nostdlib and calls nothing but
 * user_access_ok.
 *
 * softfptest/ checks it bit for bit against qemu-riscv64 (results, fflags, memory, legality of
 * encodings) and measures its cycles per instruction on the executor.
 */
#ifndef ZKEXEX_SOFTFP_H
#define ZKEXEX_SOFTFP_H

#include <stdint.h>

/* The user's floating-point state, kept in kernel data. Single-precision values are NaN-boxed
 * in f[] (upper 32 bits all ones), as the RISC-V spec requires. fcsr = frm << 5 | fflags. */
struct fpu {
	uint64_t f[32];
	uint32_t fcsr;
};

/* fp_exec results. */
#define FP_OK 0
#define FP_ILLEGAL 1 /* not a valid F/D/fcsr instruction, or a reserved rounding mode */
#define FP_ACCESS 2  /* user_access_ok refused a load or store address */

/* fflags bits. */
#define FP_NX 0x01u /* inexact */
#define FP_UF 0x02u /* underflow */
#define FP_OF 0x04u /* overflow */
#define FP_DZ 0x08u /* divide by zero */
#define FP_NV 0x10u /* invalid operation */

/* Executes one F or D instruction (opcodes 0x07, 0x27, 0x43, 0x47, 0x4b, 0x4f, 0x53) or a CSR
 * instruction on fflags/frm/fcsr (CSR numbers 1, 2, 3; all six CSR forms). x is the user's 32
 * integer registers (x[0] reads as 0 and is never written). Returns FP_OK, or FP_ILLEGAL /
 * FP_ACCESS leaving *s, x and memory unchanged. */
int fp_exec(struct fpu *s, uint64_t *x, uint32_t insn);

/* Provided by the kernel: nonzero iff the user may access [addr, addr+size). */
extern int user_access_ok(uint64_t addr, uint64_t size);

#endif
