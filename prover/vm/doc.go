// Package vm is the zkVM executor. It loads a static RV64 Linux ELF together with the zkexex
// kernel, runs the proven machine (RV64IMA plus a trap mechanism) from the program's image,
// pages memory under a Poseidon2 Merkle tree and cuts the run into segments whose records a
// prover can replay alone. Its Go code implements the machine; everything a Linux process
// needs beyond RV64IMA (system calls, threads, F/D arithmetic) is guest code: the kernel.
//
// # The kernel
//
// The kernel (directory kernel/) is RV64IMA code loaded with every program in the kernel
// range; it serves every trap (system calls, cooperative threads, F/D and CSR emulation).
// Its C source, linker script and build script live there; kernel/kernel.elf is the committed
// build and kernel/kernel.sha256 its digest. Both are embedded; the executor refuses a kernel
// whose bytes do not match the digest, and a test rebuilds the kernel with the pinned compiler
// and compares byte for byte. (The Go side of the ABI lives in this package because Go refuses
// C files in a non-cgo package directory.)
//
// # The machine (ABI v1)
//
// The proven machine is RV64IMA plus a trap mechanism. Its whole state is (pc, memory root):
// everything else lives in memory.
//
// Address space: 48 bits, 4 KiB pages under the Poseidon2 page tree. The kernel range is
// [KernelBase, 2^48) with KernelBase = 0xFFFF_0000_0000; user loads, stores, AMOs and
// instruction fetches there stop the run with an error naming pc, instruction and symbol.
// Kernel mode may access everything.
//
// The machine page, MachineBase = 0xFFFF_FFFF_F000 (the last page), holds what the machine
// itself reads and writes:
//
//	+0x000  user registers x0..x31, 8 bytes each (the x0 slot is always 0)
//	+0x100  kernel registers x0..x31 (the kernel's own bank)
//	+0x200  mode: 0 user, 1 kernel
//	+0x208  trap cause (mcause: 2 illegal instruction, 8 ecall from U-mode)
//	+0x210  trap pc (mepc); mret jumps to the value stored here
//	+0x218  LR reservation: the reserved address, 0 when none
//
// An instruction's register operands are the words of the bank its mode selects. The executor
// caches the active bank and writes it back at every trap, mret and segment end, so the root
// of a segment boundary covers it.
//
// Traps (user mode only): ecall (cause 8) and every instruction outside RV64IMA (cause 2): all
// F/D opcodes, every CSR instruction, mret, ebreak and unknown encodings. The machine stores
// cause and trapping pc, sets mode 1 and jumps to KernelEntry = KernelBase; the trap costs the
// trapping instruction's one cycle. mret in kernel mode sets mode 0 and pc to the trap-pc word
// (one cycle); the kernel writes epc+4 there before returning from an ecall or an emulated
// instruction. In kernel mode an instruction outside RV64IMA + mret + ecall stops the run
// (a kernel bug). FENCE and FENCE.I are no-ops. LR stores its address in the reservation word;
// SC succeeds iff the word equals its address and clears it either way; the kernel clears it on
// every thread switch.
//
// # Host calls
//
// An ecall in kernel mode is a host call: number in the kernel bank's a7, arguments a0..a2,
// result in a0. They are the only operations that are not RISC-V.
//
//	0 HALT(exit code, flags)      stop; the exit code (low 8 bits) is public. flags bit 0: an
//	                              mmap failed during the run (the executor reports an exit with
//	                              a nonzero status as out of memory)
//	1 READ(addr, len) -> n        copy up to len input bytes to addr, never across a page
//	                              boundary; 0 at EOF. Input is nondeterministic advice: a proof
//	                              binds only what the program does with it
//	2 WRITE(fd, addr, len) -> n   fd 1 stdout, 2 stderr, 3 journal, at most to the end of the
//	                              page. The journal is bound to the receipt; stdout and stderr
//	                              are not
//	3 READY                       the image snapshot point
//	4 FAULT(cause, epc, insn)     the kernel gives up: an instruction it cannot emulate
//	                              (cause 2), an F/D access it refused (cause 5), deadlock
//	                              (cause 0x100). The run stops with an error naming epc, the
//	                              instruction and its symbol. Not provable
//
// User programs ask for READY with the Linux-style system call 0x5a4b0001 (no arguments);
// Linux and qemu answer -ENOSYS, so the same ELF runs there.
//
// # The image
//
// The image of an ELF is the machine state (pc, root) at its first READY host call, or the
// entry state if it makes none; its ID is the Poseidon2 digest of (root, pc). A READY after a
// READ or a WRITE, or a second READY, stops the run with an error. The entry state: pc = the
// user ELF's entry, mode user, the user stack with argv, envp and auxv, the kernel's segments
// loaded in the kernel range. The kernel initialises its own data from its data section, so no
// boot-information block is needed: the program break is always 0 (brk answers 0, as a kernel
// without one would; the Go runtime and musl then use mmap).
//
// # Segments and tracing
//
// A run is cut into segments of at most 2^po2 cycles: instructions plus paging (PageInCycles
// for every page a segment touches, PageOutCycles for every page it writes). A segment never
// both writes a page and fetches instructions from it, because the AIR decodes instructions
// from the page-in contents: the executor ends the segment just before such a store or fetch
// and the next segment pages the new code in (an instruction that stores into its own page
// stops the run with ErrCodeStore). ReplaySegment re-executes a segment from its record alone;
// TraceSegment does the same one instruction at a time and describes every cycle (Step: the
// register operands and the aligned word accesses the AIR's memory argument checks).
//
// # Kernel data and the clock
//
// kernel.c's header comment lists the kernel's data (thread table, F registers, clock, mmap
// pointer) and the scheduling rules. The clock advances by a fixed 1 µs quantum on every trap
// plus whatever time threads sleep; clock_gettime and the cycle, time and instret CSRs all
// read it, so what a guest observes depends neither on the executor nor on po2.
package vm
