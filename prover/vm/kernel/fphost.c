/* Interim fp_exec: asks the executor to run the instruction (host call 5, FPEXEC). It is NOT
   provable and exists only until the integer soft-float emulation (softfp.c) is merged; the
   build uses softfp.c whenever it is present. */
#include "kernel.h"
#include "fphost.h"

#define HOST_FPEXEC 5

int fp_exec(struct fpu *s, uint64_t *x, uint32_t insn)
{
	return (int)host_call(HOST_FPEXEC, (uint64_t)s, (uint64_t)x, insn);
}
