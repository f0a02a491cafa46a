/* Interim F/D interface used until softfp.{h,c} land: the same contract as softfp.h, served by
   the non-provable host call HOST_FPEXEC (see fphost.c). */
#ifndef ZKEXEX_FPHOST_H
#define ZKEXEX_FPHOST_H

#include <stdint.h>

struct fpu {
	uint64_t f[32];
	uint32_t fcsr;
};

#define FP_OK 0
#define FP_ILLEGAL 1
#define FP_ACCESS 2

int fp_exec(struct fpu *s, uint64_t *x, uint32_t insn);

#endif
