/* The zkexex machine ABI v1 as the kernel sees it (prover/vm/doc.go has the full description). */
#ifndef ZKEXEX_KERNEL_H
#define ZKEXEX_KERNEL_H

#include <stdint.h>

#define KERNEL_BASE 0xFFFF00000000ull  /* [KERNEL_BASE, 2^48): the kernel range */
#define MACHINE_BASE 0xFFFFFFFFF000ull /* the machine page, the last page of the address space */
#define NULL_GUARD 0x10000ull          /* user pages below this are never valid */
#define PAGE_SIZE 4096ull

/* The machine page. The executor keeps the active register bank cached and writes it back at
   every trap and mret, so while the kernel runs, the user bank here is authoritative. */
struct machine_page {
	uint64_t ureg[32]; /* +0x000 user x0..x31 (x0 always 0) */
	uint64_t kreg[32]; /* +0x100 kernel x0..x31: never touched through memory by the kernel */
	uint64_t mode;     /* +0x200 0 user, 1 kernel */
	uint64_t cause;    /* +0x208 mcause of the last trap */
	uint64_t epc;      /* +0x210 trapping pc; mret resumes user code here */
	uint64_t resv;     /* +0x218 LR reservation address, 0 when none */
};
#define MP ((volatile struct machine_page *)MACHINE_BASE)
#define UREG ((uint64_t *)MACHINE_BASE)

#define CAUSE_ILLEGAL 2
#define CAUSE_ECALL_U 8
#define CAUSE_ACCESS 5 /* reported by HOST_FAULT for an F/D load or store the kernel refused */

/* Host calls: ecall in kernel mode, number in a7. */
#define HOST_HALT 0
#define HOST_READ 1
#define HOST_WRITE 2
#define HOST_READY 3
#define HOST_FAULT 4

/* HOST_FAULT causes besides the RISC-V ones. */
#define FAULT_DEADLOCK 0x100

/* HOST_HALT flags (a1). */
#define HALT_MMAP_FAILED 1

static inline uint64_t host_call(uint64_t n, uint64_t a0, uint64_t a1, uint64_t a2)
{
	register uint64_t r0 __asm__("a0") = a0;
	register uint64_t r1 __asm__("a1") = a1;
	register uint64_t r2 __asm__("a2") = a2;
	register uint64_t r7 __asm__("a7") = n;
	__asm__ volatile("ecall" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r7) : "memory");
	return r0;
}

__attribute__((noreturn)) void host_fault(uint64_t cause, uint64_t epc, uint64_t insn);
int user_access_ok(uint64_t addr, uint64_t size);

void *memcpy(void *dst, const void *src, unsigned long n);
void *memset(void *dst, int c, unsigned long n);

#endif
