/*
 * The zkexex kernel: guest code in the kernel range [KERNEL_BASE, 2^48) that serves every trap
 * of the proven machine (ABI v1, documented in prover/vm/doc.go). A user ecall is a Linux
 * riscv64 system call; an illegal instruction is an F/D or CSR instruction to emulate
 * (softfp.c), a counter read, or a real fault reported to the host. The kernel talks to the outside world only through the five
 * host calls (kernel.h).
 *
 * Kernel data (all of it in this image's .data/.bss, so under the memory root):
 *   threads[], nthreads, cur   the thread table; the running thread's registers are the user bank
 *                              on the machine page and `fpu`, its table entry is stale
 *   fpu                        F registers and fcsr of the running thread
 *   clock_ns                   the deterministic clock (below)
 *   mmap_next, mmap_failed     the anonymous-mapping bump pointer; whether an mmap ever failed
 *
 * Threads are cooperative and deterministic: the running thread keeps the hart until it blocks
 * (futex wait, nanosleep, epoll_pwait, exit) or yields; then the next runnable thread in creation
 * order runs. With none runnable the clock jumps to the earliest timed wait; with no timed wait
 * either, the run stops (deadlock). The Go runtime needs this even with GOMAXPROCS=1.
 *
 * The clock: the kernel cannot see the executor's instruction count, so time advances by
 * CLOCK_QUANTUM_NS on every trap (system call, emulated instruction, counter read) plus whatever
 * threads sleep. clock_gettime, the time/cycle/instret CSRs and timeouts all read this clock.
 */
#include "kernel.h"
#include "softfp.h"

#define CLOCK_QUANTUM_NS 1000ull
#define REALTIME_EPOCH 1767225600ull /* 2026-01-01T00:00:00Z */

#define MMAP_BASE 0x0000400000000000ull
#define MMAP_LIMIT 0x0000700000000000ull
#define STACK_TOP 0x00007fffffff0000ull
#define STACK_SIZE (8ull << 20)
#define USER_LIMIT KERNEL_BASE

#define MAX_THREADS 1024

/* Linux errno values. */
#define ENOENT 2
#define EBADF 9
#define EAGAIN 11
#define ENOMEM 12
#define EFAULT 14
#define EINVAL 22
#define ENOTTY 25
#define ENOSYS 38
#define ETIMEDOUT 110

/* Descriptors of the emulated netpoller (an epoll instance and an eventfd). */
#define FD_EPOLL 4
#define FD_EVENTFD 5
#define EPOLL_WAIT_KEY (~0ull) /* futex key of threads blocked in epoll_pwait */

/* The snapshot point: Linux and qemu answer -ENOSYS, so the same ELF runs there. */
#define SYS_READY 0x5a4b0001

enum { T_RUNNABLE, T_FUTEX, T_SLEEP, T_EXITED };

struct thread {
	uint64_t pc;
	uint64_t x[32];
	uint64_t f[32];
	uint64_t fcsr;
	uint64_t state;
	uint64_t futex;    /* address waited on */
	uint64_t deadline; /* clock value at which a timed wait ends, 0: none */
};

static struct thread threads[MAX_THREADS];
static uint64_t nthreads = 1; /* thread i has tid i+1; threads never leave the table */
static uint64_t cur;
static struct fpu fpu;
static uint64_t clock_ns;
static uint64_t mmap_next = MMAP_BASE;
static uint64_t mmap_failed;

void *memcpy(void *dst, const void *src, unsigned long n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, unsigned long n)
{
	unsigned char *d = dst;
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int user_access_ok(uint64_t addr, uint64_t size)
{
	return addr >= NULL_GUARD && addr + size >= addr && addr + size <= USER_LIMIT;
}

void host_fault(uint64_t cause, uint64_t epc, uint64_t insn)
{
	host_call(HOST_FAULT, cause, epc, insn);
	for (;;)
		;
}

static __attribute__((noreturn)) void halt(uint64_t code)
{
	host_call(HOST_HALT, code & 0xff, mmap_failed ? HALT_MMAP_FAILED : 0, 0);
	for (;;)
		;
}

static uint64_t neg(uint64_t e) { return -e; }

static uint64_t page_chunk(uint64_t a, uint64_t n)
{
	uint64_t r = PAGE_SIZE - (a & (PAGE_SIZE - 1));
	return n > r ? r : n;
}

/* Reads a struct timespec as nanoseconds (seconds clamped at 2^32 so the sum cannot wrap). */
static int read_timespec(uint64_t a, uint64_t *ns)
{
	if (!user_access_ok(a, 16))
		return 0;
	uint64_t sec = ((uint64_t *)a)[0], nsec = ((uint64_t *)a)[1];
	if (sec > (1ull << 32))
		sec = 1ull << 32;
	*ns = sec * 1000000000ull + nsec % 1000000000ull;
	return 1;
}

static uint64_t live_threads(void)
{
	uint64_t n = 0;
	for (uint64_t i = 0; i < nthreads; i++)
		n += threads[i].state != T_EXITED;
	return n;
}

static void save_thread(struct thread *t)
{
	t->pc = MP->epc;
	memcpy(t->x, UREG, sizeof t->x);
	memcpy(t->f, fpu.f, sizeof t->f);
	t->fcsr = fpu.fcsr;
}

static void load_thread(const struct thread *t)
{
	memcpy(UREG + 1, t->x + 1, 31 * sizeof(uint64_t));
	memcpy(fpu.f, t->f, sizeof fpu.f);
	fpu.fcsr = (uint32_t)t->fcsr;
	MP->epc = t->pc;
}

/* Saves the running thread (its resume pc is already at the epc word) and resumes the next
   runnable one, waking expired timed waits first. */
static void schedule(uint64_t ecall_pc)
{
	save_thread(&threads[cur]);
	MP->resv = 0;
	for (;;) {
		uint64_t now = clock_ns;
		for (uint64_t i = 0; i < nthreads; i++) {
			struct thread *t = &threads[i];
			if ((t->state == T_FUTEX || t->state == T_SLEEP) && t->deadline && t->deadline <= now) {
				t->x[10] = (t->state == T_FUTEX && t->futex != EPOLL_WAIT_KEY) ? neg(ETIMEDOUT) : 0;
				t->state = T_RUNNABLE;
				t->deadline = 0;
			}
		}
		for (uint64_t k = 1; k <= nthreads; k++) {
			uint64_t i = (cur + k) % nthreads;
			if (threads[i].state == T_RUNNABLE) {
				cur = i;
				load_thread(&threads[i]);
				return;
			}
		}
		uint64_t best = 0;
		for (uint64_t i = 0; i < nthreads; i++) {
			struct thread *t = &threads[i];
			if ((t->state == T_FUTEX || t->state == T_SLEEP) && t->deadline && (!best || t->deadline < best))
				best = t->deadline;
		}
		if (!best)
			host_fault(FAULT_DEADLOCK, ecall_pc, nthreads);
		clock_ns = best;
	}
}

static uint64_t futex_wake(uint64_t addr, uint64_t n)
{
	uint64_t woken = 0;
	for (uint64_t i = 0; i < nthreads && woken < n; i++) {
		struct thread *t = &threads[i];
		if (t->state == T_FUTEX && t->futex == addr && i != cur) {
			t->state = T_RUNNABLE;
			t->deadline = 0;
			t->x[10] = 0;
			woken++;
		}
	}
	return woken;
}

/* Blocks the running thread; the caller returns `blocked` so that a0 stays untouched. */
static void block(uint64_t state, uint64_t key, uint64_t deadline)
{
	struct thread *t = &threads[cur];
	t->state = state;
	t->futex = key;
	t->deadline = deadline;
}

static uint64_t deadline_after(uint64_t ns)
{
	uint64_t d = clock_ns + ns;
	return d ? d : 1;
}

static uint64_t sys_clone(uint64_t flags, uint64_t stack, uint64_t tls)
{
	const uint64_t CLONE_SETTLS = 0x80000;
	if (nthreads >= MAX_THREADS)
		return neg(EAGAIN);
	struct thread *c = &threads[nthreads];
	save_thread(c);
	c->state = T_RUNNABLE;
	c->futex = 0;
	c->deadline = 0;
	c->x[10] = 0;
	if (stack)
		c->x[2] = stack;
	if (flags & CLONE_SETTLS)
		c->x[4] = tls;
	return ++nthreads;
}

static uint64_t sys_mmap(uint64_t addr, uint64_t len, uint64_t flags)
{
	const uint64_t MAP_FIXED = 0x10, MAP_ANON = 0x20;
	if (!(flags & MAP_ANON) || len == 0)
		return neg(EINVAL);
	len = (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (len == 0 || len > USER_LIMIT)
		return neg(ENOMEM);
	int in_range = (addr & (PAGE_SIZE - 1)) == 0 && addr >= NULL_GUARD && addr + len > addr && addr + len <= USER_LIMIT;
	if (flags & MAP_FIXED)
		return in_range ? addr : neg(EINVAL);
	/* Honour a hint that avoids the bump region and the stack (the Go runtime asks for its
	   heap arenas at hinted addresses and retries elsewhere otherwise). */
	if (addr && in_range && (addr + len <= MMAP_BASE || addr >= mmap_next) && addr + len <= STACK_TOP - STACK_SIZE) {
		if (addr >= MMAP_BASE && addr < MMAP_LIMIT)
			mmap_next = addr + len; /* inside the bump window, above its top */
		return addr;
	}
	uint64_t a = mmap_next;
	if (a + len > MMAP_LIMIT || a + len < a) {
		mmap_failed = 1;
		return neg(ENOMEM);
	}
	mmap_next = a + len;
	return a;
}

/* Linux riscv64 (asm-generic) system call numbers served below. */
enum {
	SYS_getcwd = 17, SYS_eventfd2 = 19, SYS_epoll_create1 = 20, SYS_epoll_ctl = 21,
	SYS_epoll_pwait = 22, SYS_fcntl = 25, SYS_ioctl = 29, SYS_openat = 56, SYS_close = 57,
	SYS_read = 63, SYS_write = 64, SYS_pread64 = 67, SYS_readlinkat = 78, SYS_newfstatat = 79,
	SYS_fstat = 80, SYS_exit = 93, SYS_exit_group = 94, SYS_futex = 98, SYS_nanosleep = 101,
	SYS_clock_gettime = 113, SYS_sched_getaffinity = 123, SYS_sched_yield = 124, SYS_kill = 129,
	SYS_tkill = 130, SYS_tgkill = 131, SYS_sigaltstack = 132, SYS_rt_sigaction = 134,
	SYS_rt_sigprocmask = 135, SYS_uname = 160, SYS_prctl = 167, SYS_getpid = 172,
	SYS_getppid = 173, SYS_getuid = 174, SYS_geteuid = 175, SYS_getgid = 176, SYS_getegid = 177,
	SYS_gettid = 178, SYS_brk = 214, SYS_munmap = 215, SYS_clone = 220, SYS_mmap = 222,
	SYS_mprotect = 226, SYS_madvise = 233, SYS_riscv_hwprobe = 258, SYS_prlimit64 = 261,
	SYS_getrandom = 278,
};

#define BLOCKED (~0ull - 4096) /* not an errno: the thread blocked, a0 is set when it wakes */
#define YIELD (~0ull - 4097)   /* returns 0, then the next runnable thread runs */

static uint64_t zero_out(uint64_t a, uint64_t n)
{
	if (!user_access_ok(a, n))
		return neg(EFAULT);
	memset((void *)a, 0, n);
	return 0;
}

static uint64_t do_syscall(uint64_t num, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	switch (num) {
	case SYS_read:
		if (a0 != 0)
			return neg(EBADF);
		if (a2 == 0)
			return 0;
		if (!user_access_ok(a1, 1))
			return neg(EFAULT);
		a2 = page_chunk(a1, a2);
		return host_call(HOST_READ, a1, a2, 0);
	case SYS_write:
		if (a0 == FD_EVENTFD) { /* netpollBreak: wake a thread blocked in epoll_pwait */
			futex_wake(EPOLL_WAIT_KEY, ~0ull);
			return 8;
		}
		if (a0 < 1 || a0 > 3)
			return neg(EBADF);
		if (a2 == 0)
			return 0;
		if (!user_access_ok(a1, 1))
			return neg(EFAULT);
		return host_call(HOST_WRITE, a0, a1, page_chunk(a1, a2));
	case SYS_openat:
	case SYS_readlinkat:
	case SYS_newfstatat:
	case SYS_getcwd:
		return neg(ENOENT);
	case SYS_epoll_create1:
		return FD_EPOLL;
	case SYS_eventfd2:
		return FD_EVENTFD;
	case SYS_epoll_ctl:
		return 0;
	case SYS_epoll_pwait: {
		/* No descriptor ever becomes ready: a timed wait, or one a write to the eventfd ends. */
		int64_t timeout = (int32_t)a3;
		if (timeout == 0)
			return 0;
		block(T_FUTEX, EPOLL_WAIT_KEY, timeout > 0 ? deadline_after((uint64_t)timeout * 1000000ull) : 0);
		return BLOCKED;
	}
	case SYS_close:
	case SYS_fcntl:
		return a0 <= FD_EVENTFD ? 0 : neg(EBADF);
	case SYS_fstat:
	case SYS_pread64:
		return neg(EBADF);
	case SYS_ioctl:
		return neg(ENOTTY);
	case SYS_exit_group:
		halt(a0);
	case SYS_exit:
		threads[cur].state = T_EXITED;
		if (live_threads() == 0)
			halt(a0);
		return BLOCKED;
	case SYS_futex:
		switch (a1 & 0x7f) {
		case 0: /* FUTEX_WAIT */
		case 9: /* FUTEX_WAIT_BITSET */ {
			if (!user_access_ok(a0, 4) || (a0 & 3))
				return neg(EFAULT);
			if (*(volatile uint32_t *)a0 != (uint32_t)a2)
				return neg(EAGAIN);
			uint64_t deadline = 0, ns;
			if (a3) {
				if (!read_timespec(a3, &ns))
					return neg(EFAULT);
				deadline = deadline_after(ns);
			}
			block(T_FUTEX, a0, deadline);
			return BLOCKED;
		}
		case 1:  /* FUTEX_WAKE */
		case 10: /* FUTEX_WAKE_BITSET */
			return futex_wake(a0, a2);
		}
		return neg(ENOSYS);
	case SYS_nanosleep: {
		uint64_t ns;
		if (!read_timespec(a0, &ns))
			return neg(EFAULT);
		block(T_SLEEP, 0, deadline_after(ns));
		return BLOCKED;
	}
	case SYS_clock_gettime: {
		if (!user_access_ok(a1, 16))
			return neg(EFAULT);
		uint64_t sec = clock_ns / 1000000000ull, nsec = clock_ns % 1000000000ull;
		if (a0 == 0 || a0 == 5 || a0 == 8 || a0 == 11) /* the wall clocks */
			sec += REALTIME_EPOCH;
		((uint64_t *)a1)[0] = sec;
		((uint64_t *)a1)[1] = nsec;
		return 0;
	}
	case SYS_sched_getaffinity:
		if (a1 < 8)
			return neg(EINVAL);
		if (!user_access_ok(a2, 8))
			return neg(EFAULT);
		*(uint64_t *)a2 = 1;
		return 8;
	case SYS_sched_yield:
		return YIELD;
	case SYS_kill:
	case SYS_tkill:
	case SYS_tgkill:
	case SYS_munmap:
	case SYS_mprotect:
	case SYS_madvise:
		return 0;
	case SYS_sigaltstack:
		if (a1) {
			if (zero_out(a1, 24))
				return neg(EFAULT);
			((uint32_t *)a1)[2] = 2; /* SS_DISABLE */
		}
		return 0;
	case SYS_rt_sigaction:
		return a2 ? zero_out(a2, 24) : 0;
	case SYS_rt_sigprocmask:
		return a2 ? zero_out(a2, 8) : 0;
	case SYS_prctl:
	case SYS_prlimit64:
		return neg(EINVAL);
	case SYS_getpid:
	case SYS_gettid:
		return 1;
	case SYS_getppid:
	case SYS_getuid:
	case SYS_geteuid:
	case SYS_getgid:
	case SYS_getegid:
	case SYS_brk: /* no program break: the Go runtime and musl fall back to mmap */
		return 0;
	case SYS_clone:
		return sys_clone(a0, a1, a3);
	case SYS_mmap:
		(void)a4;
		return sys_mmap(a0, a1, a3);
	case SYS_getrandom: {
		/* Deterministic, not random: a guest that needs entropy gets a fixed stream. */
		uint64_t n = page_chunk(a0, a1);
		if (n && !user_access_ok(a0, n))
			return neg(EFAULT);
		for (uint64_t i = 0; i < n; i++)
			((volatile uint8_t *)a0)[i] = (uint8_t)(i * 131 + 7);
		return n;
	}
	case SYS_READY:
		host_call(HOST_READY, 0, 0, 0);
		return 0;
	}
	return neg(ENOSYS);
}

/* Counter CSRs (cycle, time, instret) read the deterministic clock; writes are illegal. */
static int counter_read(uint32_t insn)
{
	uint32_t csr = insn >> 20, f3 = insn >> 12 & 7, rs1 = insn >> 15 & 31, rd = insn >> 7 & 31;
	if (csr < 0xc00 || csr > 0xc02)
		return 0;
	if ((f3 & 3) != 2 && (f3 & 3) != 3)
		return 0;
	if (rs1 != 0)
		return 0;
	if (rd)
		UREG[rd] = clock_ns;
	return 1;
}

void trap(void)
{
	uint64_t cause = MP->cause, epc = MP->epc;
	clock_ns += CLOCK_QUANTUM_NS;
	if (cause == CAUSE_ECALL_U) {
		uint64_t *x = UREG;
		uint64_t num = x[17];
		MP->epc = epc + 4;
		uint64_t r = do_syscall(num, x[10], x[11], x[12], x[13], x[14]);
		if (r == BLOCKED) {
			schedule(epc);
		} else if (r == YIELD) {
			x[10] = 0;
			schedule(epc);
		} else {
			x[10] = r;
		}
		return;
	}
	/* cause 2: an instruction outside RV64IMA */
	if (!user_access_ok(epc, 4))
		host_fault(cause, epc, 0);
	uint32_t insn = *(volatile uint32_t *)epc;
	if ((insn & 0x7f) == 0x73 && counter_read(insn)) {
		MP->epc = epc + 4;
		return;
	}
	int r = fp_exec(&fpu, UREG, insn);
	if (r == FP_ACCESS)
		host_fault(CAUSE_ACCESS, epc, insn);
	if (r != FP_OK)
		host_fault(cause, epc, insn);
	MP->epc = epc + 4;
}
