// Package guestio is the I/O ABI between the zkexex STF guest (stf/guest) and
// whatever runs it: the zkVM executor or qemu-riscv64. It owns the file
// descriptors, the exit codes and the tiny read/write helpers the guest uses.
//
// The ABI, version 1:
//
//   - fd 0 (stdin): the stf.Input encoding; the guest reads it to EOF.
//
//   - fd 3: the journal; on success the guest writes exactly the claim's ABI
//     encoding (stf.ClaimSize = 288 bytes, see stf.Claim) and nothing else.
//
//   - fd 2 (stderr): one human-readable line on failure; never part of a proof.
//
//   - the exit status says how the run ended; a journal exists only for 0:
//
//     code  name                  meaning
//     0     ok                    the claim was written to fd 3
//     2     (Go runtime)          unrecovered panic or fatal runtime error
//     10    malformed-input       input does not decode (stf.ErrMalformedInput)
//     11    unsupported-config    chain config or fork not supported (stf.ErrUnsupportedConfig)
//     12    invalid-witness       witness header chain is wrong (stf.ErrInvalidWitness)
//     13    missing-trie-node     witness lacks a node or code (stf.ErrMissingTrieNode)
//     14    root-mismatch         state/receipts/requests root differs (stf.ErrRootMismatch)
//     15    invalid-block         block breaks a consensus rule (stf.ErrInvalidBlock)
//     16    internal              geth panicked inside the STF (stf.ErrInternal)
//     17    unclassified          an error outside the classes above
//     20    io                    reading fd 0 or writing fd 3 failed
//
// The guest needs only the read, write and exit_group system calls for its own
// I/O (plus what the Go runtime itself issues at start-up), and the zkVM's READY
// request (Ready) once its initialisation is done and before any I/O, and it turns the
// garbage collector off (debug.SetGCPercent(-1)): a run is short-lived and
// memory is cheaper than collection cycles in the zkVM.
package guestio

import (
	"errors"
	"fmt"
	"syscall"
)

// File descriptors of the ABI.
const (
	InputFD   = 0
	StderrFD  = 2
	JournalFD = 3
)

// Exit codes of the ABI (see the package comment).
const (
	ExitOK                = 0
	ExitGoRuntime         = 2
	ExitMalformedInput    = 10
	ExitUnsupportedConfig = 11
	ExitInvalidWitness    = 12
	ExitMissingTrieNode   = 13
	ExitRootMismatch      = 14
	ExitInvalidBlock      = 15
	ExitInternal          = 16
	ExitUnclassified      = 17
	ExitIO                = 20
)

var exitNames = map[int]string{
	ExitOK:                "ok",
	ExitGoRuntime:         "go-runtime-panic",
	ExitMalformedInput:    "malformed-input",
	ExitUnsupportedConfig: "unsupported-config",
	ExitInvalidWitness:    "invalid-witness",
	ExitMissingTrieNode:   "missing-trie-node",
	ExitRootMismatch:      "root-mismatch",
	ExitInvalidBlock:      "invalid-block",
	ExitInternal:          "internal",
	ExitUnclassified:      "unclassified",
	ExitIO:                "io",
}

// ExitName names an exit code for logs and error messages.
func ExitName(code int) string {
	if n, ok := exitNames[code]; ok {
		return n
	}
	return fmt.Sprintf("unknown-exit-%d", code)
}

// ReadySyscall is the system call number of the zkVM's READY request (prover/vm, ABI v1):
// the executor takes the program's image (the state every proof starts from) there. Linux
// and qemu answer ENOSYS, so the same ELF runs everywhere.
const ReadySyscall = 0x5a4b0001

// Ready marks the end of the guest's initialisation: everything computed before it is in
// the image, computed once rather than in every block's proof. It must come before the
// first read of fd 0 or write to any descriptor (the executor stops the run otherwise).
// Outside the zkVM the call fails with ENOSYS, which is ignored.
func Ready() {
	syscall.RawSyscall(ReadySyscall, 0, 0, 0)
}

// ReadAll reads fd to EOF with plain read(2) calls. It does not go through
// package os, so no fstat/fcntl/epoll is issued for the descriptor.
func ReadAll(fd int) ([]byte, error) {
	buf := make([]byte, 0, 1<<16)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := syscall.Read(fd, buf[len(buf):cap(buf)])
		if n > 0 {
			buf = buf[:len(buf)+n]
		}
		switch {
		case errors.Is(err, syscall.EINTR):
			continue
		case err != nil:
			return nil, fmt.Errorf("read fd %d: %w", fd, err)
		case n == 0:
			return buf, nil
		}
	}
}

// WriteAll writes b to fd with plain write(2) calls.
func WriteAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := syscall.Write(fd, b)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("write fd %d: %w", fd, err)
		}
		if n <= 0 {
			return fmt.Errorf("write fd %d: short write", fd)
		}
		b = b[n:]
	}
	return nil
}
