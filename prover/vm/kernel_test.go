package vm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const pinnedCC = "riscv64-linux-gnu-gcc (Debian 12.2.0-13) 12.2.0"

// TestKernelReproducible rebuilds the kernel with the pinned compiler and requires the
// committed binary byte for byte.
func TestKernelReproducible(t *testing.T) {
	v, err := exec.Command("riscv64-linux-gnu-gcc", "--version").Output()
	if err != nil {
		t.Skip("riscv64-linux-gnu-gcc not installed (Debian package gcc-riscv64-linux-gnu)")
	}
	if first, _, _ := strings.Cut(string(v), "\n"); first != pinnedCC {
		t.Skipf("the kernel is pinned to %q, this machine has %q (.ci/run checks it)", pinnedCC, first)
	}
	out := filepath.Join(t.TempDir(), "kernel.elf")
	cmd := exec.Command("bash", "kernel/build.sh", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kernel/build.sh: %v\n%s", err, b)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, kernelELF) {
		t.Fatalf("rebuilt kernel (%d bytes) differs from the committed kernel/kernel.elf (%d bytes): run kernel/build.sh and commit", len(got), len(kernelELF))
	}
	h := sha256.Sum256(got)
	if hex.EncodeToString(h[:]) != strings.TrimSpace(kernelSum) {
		t.Fatal("kernel/kernel.sha256 does not match kernel/kernel.elf")
	}
	if len(kernelELF) > 64<<10 {
		t.Errorf("kernel is %d bytes", len(kernelELF))
	}
}

// TestCorruptKernel: any changed byte of the kernel is refused, as are a kernel outside the
// kernel range and a kernel whose entry is not KernelBase.
func TestCorruptKernel(t *testing.T) {
	sum := strings.TrimSpace(kernelSum)
	if _, err := parseKernel(kernelELF, sum); err != nil {
		t.Fatalf("the committed kernel: %v", err)
	}
	for _, off := range []int{0, 100, len(kernelELF) / 2, len(kernelELF) - 1} {
		bad := bytes.Clone(kernelELF)
		bad[off] ^= 0x40
		if _, err := parseKernel(bad, sum); !errors.Is(err, ErrBadKernel) {
			t.Errorf("byte %d flipped: %v", off, err)
		}
	}
	if _, err := parseKernel(kernelELF[:len(kernelELF)/2], sum); !errors.Is(err, ErrBadKernel) {
		t.Errorf("truncated: %v", err)
	}
	// a well-formed ELF in user memory, with its own digest, is still not a kernel
	user := buildRawELF([]uint32{insnExit, insnEcall}, 0)
	h := sha256.Sum256(user)
	if _, err := parseKernel(user, hex.EncodeToString(h[:])); !errors.Is(err, ErrBadKernel) {
		t.Errorf("user ELF as kernel: %v", err)
	}
}

// TestKernelRange: user code may not read, write or execute the kernel range, nor run code
// in it other than through a trap; ELF segments may not lie there.
func TestKernelRange(t *testing.T) {
	const entry = 0x10000 + 64 + 56
	slli := func(rd, rs, sh uint32) uint32 { return sh<<20 | rs<<15 | 1<<12 | rd<<7 | 0x13 }
	srli := func(rd, rs, sh uint32) uint32 { return sh<<20 | rs<<15 | 5<<12 | rd<<7 | 0x13 }
	kbase := func(more ...uint32) []uint32 { // t0 = KernelBase: lui t0, 0xffff; slli t0, t0, 20
		return append([]uint32{0xffff<<12 | 5<<7 | 0x37, slli(5, 5, 20)}, more...)
	}
	mbase := func(more ...uint32) []uint32 { // t0 = MachineBase: li t0, -1; srli t0, t0, 28; slli t0, t0, 12
		return append([]uint32{0xfff00293, srli(5, 5, 28), slli(5, 5, 12)}, more...)
	}
	cases := []struct {
		name string
		code []uint32
		pc   uint64
	}{
		{"load", kbase(0x0002b303), entry + 8},          // ld t1, 0(t0)
		{"store", kbase(0x0062b023), entry + 8},         // sd t1, 0(t0)
		{"amo", kbase(0x0062b32f), entry + 8},           // amoadd.d t1, t1, (t0)
		{"lr", kbase(0x1002b32f), entry + 8},            // lr.d t1, (t0)
		{"jump", kbase(0x00028067), KernelBase},         // jr t0
		{"machine page", mbase(0x2062b023), entry + 12}, // sd t1, 0x200(t0): the mode word
		{"straddle", kbase(0xffc2b303), entry + 8},      // ld t1, -4(t0): crosses into the kernel range
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := LoadELF(buildRawELF(tc.code, 0))
			if err != nil {
				t.Fatal(err)
			}
			_, err = Execute(context.Background(), p, Config{})
			var f *Fault
			if !errors.Is(err, ErrKernelAccess) || !errors.As(err, &f) || f.PC != tc.pc {
				t.Fatalf("got %v, want %v at %#x", err, ErrKernelAccess, tc.pc)
			}
		})
	}
}

// TestKernelFaults: a guest whose threads all wait forever stops with ErrDeadlock (the
// kernel's FAULT), and an instruction outside RV64IMA executed in kernel mode is a kernel bug.
func TestKernelFaults(t *testing.T) {
	const entry = 0x10000 + 64 + 56
	// futex(sp-64, FUTEX_WAIT, 0, NULL): the word is 0, nobody wakes it, no timeout
	futexWait := []uint32{0xfc010513, 0x00000593, 0x00000613, 0x00000693, 0x06200893, insnEcall}
	_, err := Execute(context.Background(), rawProgram(t, futexWait), Config{})
	var f *Fault
	if !errors.Is(err, ErrDeadlock) || !errors.As(err, &f) || f.PC != entry+20 {
		t.Errorf("futex wait with one thread: %v", err)
	}

	m, err := newMachine(rawProgram(t, []uint32{0xffffffff}), &Config{})
	if err != nil {
		t.Fatal(err)
	}
	m.setWord(kMode, 1)
	m.loadBank()
	m.segLimit, m.stop = 1<<20, 1<<10
	if err := m.run(); !errors.Is(err, ErrKernelBug) {
		t.Errorf("illegal instruction in kernel mode: %v", err)
	}
}
