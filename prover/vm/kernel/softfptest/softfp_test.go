// Package softfptest tests the kernel's soft-float emulation (../softfp.c) against
// qemu-riscv64 and measures its cycles on the executor. It lives in its own directory because
// the kernel directory holds C sources, which the go tool refuses beside Go files.
package softfptest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/zkexex/zkexex/prover/vm"
)

// The kernel's compiler flags (ABI v1). softfp.c must build with exactly these.
var kernelCFlags = []string{"-march=rv64ima", "-mabi=lp64", "-mcmodel=medany", "-ffreestanding", "-nostdlib", "-O2"}

const softfpC = "../softfp.c"

const (
	crossCC = "riscv64-linux-gnu-gcc"
	crossNM = "riscv64-linux-gnu-nm"
	qemu    = "qemu-riscv64"
)

func needTools(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (CI installs gcc-riscv64-linux-gnu and qemu-user): %v", tool, err)
		}
	}
}

func run(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// TestSoftfpBuildsForKernel compiles softfp.c as the kernel does and checks that it needs
// nothing from outside but user_access_ok: no libgcc helper may sneak in (128-bit shifts and
// divisions, count-leading-zeros), since the kernel links without libgcc.
func TestSoftfpBuildsForKernel(t *testing.T) {
	needTools(t, crossCC, crossNM)
	obj := filepath.Join(t.TempDir(), "softfp.o")
	args := append(append([]string{}, kernelCFlags...), "-Wall", "-Wextra", "-Werror", "-c", softfpC, "-o", obj)
	run(t, crossCC, args...)
	undef := strings.Fields(string(run(t, crossNM, "-u", obj)))
	var names []string
	for _, f := range undef {
		if f != "U" {
			names = append(names, f)
		}
	}
	if len(names) != 1 || names[0] != "user_access_ok" {
		t.Fatalf("softfp.o needs %v; want only user_access_ok", names)
	}
}

// driverDir holds the driver once built; TestMain removes it.
var driverDir string

var driverOnce = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "zkexex-softfp-")
	if err != nil {
		return "", err
	}
	driverDir = dir
	exe := filepath.Join(dir, "driver")
	cmd := exec.Command(crossCC, "-march=rv64imafd", "-mabi=lp64", "-ffreestanding", "-nostdlib", "-static", "-O2",
		"-Wall", "-Wextra", "-Werror", "-o", exe,
		"testdata/softfp/start.S", "testdata/softfp/driver.c", softfpC)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the driver: %w\n%s", err, out)
	}
	return exe, nil
})

func TestMain(m *testing.M) {
	code := m.Run()
	if driverDir != "" {
		os.RemoveAll(driverDir)
	}
	os.Exit(code)
}

// TestSoftfpAgainstQemu runs every F/D instruction form on edge-case and random operands in
// every rounding mode (static and dynamic), natively under qemu-riscv64 and through fp_exec,
// and requires bit-identical registers, fcsr and memory; random encodings in the F/D opcodes
// must be legal for both or for neither. The driver also checks reserved rounding modes and
// refused accesses against fp_exec alone.
func TestSoftfpAgainstQemu(t *testing.T) {
	needTools(t, crossCC, qemu)
	exe, err := driverOnce()
	if err != nil {
		t.Fatal(err)
	}
	cases, seeds := 8000, []int{1}
	if !testing.Short() {
		cases, seeds = 1000000, []int{2, 3}
	}
	var wg sync.WaitGroup
	outs := make([][]byte, len(seeds))
	errs := make([]error, len(seeds))
	for i, seed := range seeds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = exec.Command(qemu, exe, fmt.Sprint(seed), fmt.Sprint(cases)).CombinedOutput()
		}()
	}
	wg.Wait()
	for i, seed := range seeds {
		out := outs[i]
		if errs[i] != nil || !bytes.HasPrefix(lastLine(out), []byte("ok ")) {
			t.Errorf("seed %d: %v\n%s", seed, errs[i], out)
			continue
		}
		t.Logf("seed %d: %s", seed, lastLine(out))
	}
}

func lastLine(b []byte) []byte {
	b = bytes.TrimRight(b, "\n")
	return b[bytes.LastIndexByte(b, '\n')+1:]
}

// benchOps names the operations of testdata/softfp/bench.c, in its order.
var benchOps = []string{"fadd.d", "fmul.d", "fdiv.d", "fsqrt.d", "fmadd.d", "fadd.s", "fmul.s", "fdiv.s",
	"fcvt.w.d", "fcvt.d.l", "fcvt.d.s", "flt.d", "fsgnj.d", "fmv.x.d", "fld", "fsd", "frcsr"}

// BenchmarkSoftfpCycles reports the machine cycles one fp_exec call costs (cycles/op), the
// figure that matters for proving: the executor counts every instruction the kernel runs.
// It runs an rv64ima build of fp_exec on the executor and subtracts an empty loop.
func BenchmarkSoftfpCycles(b *testing.B) {
	needTools(b, crossCC)
	exe := filepath.Join(b.TempDir(), "bench")
	args := append(append([]string{}, kernelCFlags...), "-static", "-Wall", "-Werror", "-o", exe,
		"testdata/softfp/bench.c", softfpC)
	run(b, crossCC, args...)
	data, err := os.ReadFile(exe)
	if err != nil {
		b.Fatal(err)
	}
	prog, err := vm.LoadELF(data)
	if err != nil {
		b.Fatal(err)
	}
	const n = 2000
	count := func(op int) uint64 {
		res, err := vm.Execute(context.Background(), prog, vm.Config{Args: []string{"bench", fmt.Sprint(op), fmt.Sprint(n)}})
		if err != nil {
			b.Fatal(err)
		}
		if res.ExitCode != 0 {
			b.Fatalf("bench %d exited %d", op, res.ExitCode)
		}
		return res.Instructions
	}
	base := count(-1)
	for i, name := range benchOps {
		b.Run(name, func(b *testing.B) {
			var c uint64
			for range b.N {
				c = count(i)
			}
			b.ReportMetric(float64(c-base)/n, "cycles/op")
		})
	}
}

// FuzzSoftfpAgainstQemu compares one fuzzed instruction word and register state, run natively
// under qemu and through fp_exec (the driver's "one" mode confines the word to F/D and fcsr
// encodings the stub can contain). Each input costs a qemu start, so fuzzing is slow but
// unbounded; the seed corpus runs in the ordinary test.
func FuzzSoftfpAgainstQemu(f *testing.F) {
	needTools(f, crossCC, qemu)
	exe, err := driverOnce()
	if err != nil {
		f.Fatal(err)
	}
	const one, half = 0x3ff0000000000000, 0x3fe0000000000000
	f.Add(uint32(0x02628253), uint8(0xe0), uint64(0), uint64(one), uint64(half), uint64(0), uint64(0), uint64(1), uint64(2), uint64(3), uint64(4))
	f.Add(uint32(0x7a63f2cb), uint8(0x40), uint64(0), uint64(0xffffffff3f800001), uint64(0xffffffff00000001), uint64(0xffffffff7f7fffff), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0))
	f.Add(uint32(0xc0031e53), uint8(0x20), uint64(0), uint64(0x43e0000000000000), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0))
	f.Add(uint32(0x00302e73), uint8(0xff), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0x1f), uint64(0), uint64(0), uint64(0))
	f.Add(uint32(0xffffffff), uint8(0xa5), uint64(0x7ff0000000000001), uint64(0x12345678), uint64(0x7fc00000), uint64(1), uint64(0x8000000000000000), uint64(1<<63), uint64(1<<31), uint64(0), uint64(7))
	f.Fuzz(func(t *testing.T, insn uint32, fcsr uint8, f0, f5, f6, f7, f28, x5, x6, x7, x28 uint64) {
		args := []string{exe, "one", fmt.Sprintf("%x", insn), fmt.Sprintf("%x", fcsr)}
		for _, v := range []uint64{f0, f5, f6, f7, f28, x5, x6, x7, x28} {
			args = append(args, fmt.Sprintf("%x", v))
		}
		out, err := exec.Command(qemu, args...).CombinedOutput()
		if err != nil || !bytes.HasPrefix(lastLine(out), []byte("ok")) {
			t.Fatalf("%v\n%s", err, out)
		}
	})
}
