// Package provetest holds small guest programs for tests that prove whole runs: cheap to
// prove, with a journal the test chooses.
package provetest

import (
	"context"
	"strconv"
	"testing"

	"github.com/zkexex/zkexex/prover/recursion"
	"github.com/zkexex/zkexex/prover/rv64"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
	"github.com/zkexex/zkexex/prover/vm/vmtest"
)

// EchoSource is a static RV64IMA program that copies its whole input to the journal (fd 3),
// spins for spin loop iterations (two instructions each) and exits with exit.
func EchoSource(spin, exit int) string {
	return `
.option norvc
.text
.globl _start
_start:
1:	li a0, 0
	lla a1, buf
	li a2, 256
	li a7, 63
	ecall              # n = read(0, buf, 256)
	beqz a0, 2f
	mv a2, a0
	li a0, 3
	lla a1, buf
	li a7, 64
	ecall              # write(3, buf, n): the journal
	j 1b
2:	li t0, ` + strconv.Itoa(spin+1) + `
3:	addi t0, t0, -1
	bnez t0, 3b
	li a0, ` + strconv.Itoa(exit) + `
	li a7, 93
	ecall
.data
.balign 8
buf: .zero 256
`
}

// EchoELF assembles EchoSource(spin, exit) into a static ELF (binutils required; the test is
// skipped without them).
func EchoELF(t testing.TB, spin, exit int) []byte {
	t.Helper()
	return vmtest.Build(t, "rv64ima", EchoSource(spin, exit))
}

// EchoImage loads EchoELF(spin, exit) and builds its image (its entry state: the program makes
// no READY call).
func EchoImage(t testing.TB, spin, exit int) (*vm.Image, *vm.Program) {
	t.Helper()
	prog, err := vm.LoadELF(EchoELF(t, spin, exit))
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := vm.BuildImage(context.Background(), prog, vm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return img, prog
}

// KeySet is the recursion key set tests aggregate these guests' runs under: the po2-16 menu
// (vm.MinPo2) at stark.TestParams, shrinking at shrink, checked with no security floor
// (stark.VerifierConfig{}); with its aggregator.
func KeySet(shrink stark.Params) (*recursion.VKSet, *recursion.Aggregator, error) {
	params := stark.TestParams()
	segPK, err := rv64.ProvingKey(params)
	if err != nil {
		return nil, nil, err
	}
	return recursion.BuildVKSet(context.Background(), segPK.VerifyingKey(), &recursion.VKSet{
		Params: params, SegmentParams: params, ShrinkParams: shrink, Segments: recursion.MenuShapes(vm.MinPo2), Config: &stark.VerifierConfig{}})
}
