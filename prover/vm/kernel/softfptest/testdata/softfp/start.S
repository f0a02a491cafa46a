/* Entry point, system calls and the native-execution stub of the softfp differential driver.
 * Runs under qemu-riscv64 (Linux user mode); no libc, lp64 ABI. */
	.option norvc
	.text
	.globl _start
_start:
	.option push
	.option norelax
	la	gp, __global_pointer$
	.option pop
	ld	a0, 0(sp)		/* argc */
	addi	a1, sp, 8		/* argv */
	andi	sp, sp, -16
	call	main
	li	a7, 94			/* exit_group */
	ecall

	.globl sys3
sys3:	/* sys3(nr, a, b, c) */
	mv	a7, a0
	mv	a0, a1
	mv	a1, a2
	mv	a2, a3
	ecall
	ret

	.globl sys6
sys6:	/* sys6(nr, a, b, c, d, e, f) */
	mv	a7, a0
	mv	a0, a1
	mv	a1, a2
	mv	a2, a3
	mv	a3, a4
	mv	a4, a5
	mv	a5, a6
	ecall
	ret

	.globl sync_icache
sync_icache:
	.word	0x0000100f		/* fence.i */
	ret

/* The stub: a0 points at struct nstate { u64 f[32]; u64 x[32]; u64 fcsr; }. It loads every F
 * register, the integer registers x5, x6, x7, x28 and fcsr, executes the instruction patched
 * into stub_slot, and stores everything back. The driver copies it into an executable page
 * once per distinct instruction word. */
	.globl stub_begin, stub_slot, stub_end
	.balign 4
stub_begin:
	ld	t4, 512(a0)
	csrw	fcsr, t4
	.irp r, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	fld	f\r, \r*8(a0)
	.endr
	ld	t0, 256+5*8(a0)
	ld	t1, 256+6*8(a0)
	ld	t2, 256+7*8(a0)
	ld	t3, 256+28*8(a0)
stub_slot:
	nop
	.irp r, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	fsd	f\r, \r*8(a0)
	.endr
	sd	t0, 256+5*8(a0)
	sd	t1, 256+6*8(a0)
	sd	t2, 256+7*8(a0)
	sd	t3, 256+28*8(a0)
	csrr	t4, fcsr
	sd	t4, 512(a0)
	ret
stub_end:
