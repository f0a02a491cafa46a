/* Trap entry: the machine jumps here (KERNEL_BASE) in kernel mode after storing the cause and
   the trapping pc on the machine page. The kernel has its own register bank, so nothing of the
   user's needs saving: take the kernel stack, handle the trap, and return with mret to the pc
   the handler left at the machine page's epc word. */
	.section .text.entry, "ax"
	.globl _start
_start:
	la sp, kstack_top
	call trap
	mret
