package vm

import (
	_ "embed"
)

// The Go side of ABI v1 (doc.go).

// KernelBase is the first address of the kernel range and the kernel's entry point (every
// trap jumps here).
const KernelBase = 0xFFFF_0000_0000

// MachineBase is the address of the machine page.
const MachineBase = 0xFFFF_FFFF_F000

// Offsets on the machine page.
const (
	kUserRegs   = 0x000
	kKernelRegs = 0x100
	kMode       = 0x200
	kCause      = 0x208
	kEPC        = 0x210
	kReserve    = 0x218
)

// Trap causes (mcause codes) and kernel fault causes.
const (
	causeIllegal  = 2
	causeAccess   = 5
	causeEcallU   = 8
	faultDeadlock = 0x100
)

// Host call numbers.
const (
	hostHalt  = 0
	hostRead  = 1
	hostWrite = 2
	hostReady = 3
	hostFault = 4
)

// ReadySyscall is the Linux-style system call number of the READY request.
const ReadySyscall = 0x5a4b0001

//go:embed kernel/kernel.elf
var kernelELF []byte

//go:embed kernel/kernel.sha256
var kernelSum string
