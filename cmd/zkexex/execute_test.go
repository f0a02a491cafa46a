package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zkexex/zkexex/prover/vm"
	"github.com/zkexex/zkexex/stf"
)

// guestELF builds the STF guest once per test binary.
var guestELF = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "zkexex-execute-test-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "guest.elf")
	if err := stf.BuildGuest(context.Background(), path); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
})

// stfInputs returns the encoded inputs the end-to-end tests run: the committed generated
// Prague block and the incomplete real Hoodi block (packaged as 'zkexex stf input' does).
func stfInputs(t testing.TB) map[string][]byte {
	t.Helper()
	inputs := map[string][]byte{}
	gen, err := os.ReadFile(filepath.Join("..", "..", "stf", "testdata", "generated-10", "input.bin"))
	if err != nil {
		t.Fatal(err)
	}
	inputs["generated-10"] = gen
	if enc, ok := hoodiInput(t, "hoodi-1192c3"); ok {
		inputs["hoodi-1192c3"] = enc
	} else {
		t.Logf("Hoodi data not found; running the generated block only")
	}
	return inputs
}

// TestExecuteMatchesNative runs the STF guest on the executor and requires the claim (or,
// for a block the STF rejects, the failure class) that the native STF gives.
func TestExecuteMatchesNative(t *testing.T) {
	elf, err := guestELF()
	if err != nil {
		t.Fatal(err)
	}
	for name, input := range stfInputs(t) {
		t.Run(name, func(t *testing.T) {
			in, err := stf.DecodeInput(input)
			if err != nil {
				t.Fatal(err)
			}
			want, nativeErr := stf.Execute(context.Background(), in)
			run, err := runGuest(context.Background(), elf, input, vm.Config{ProfileFP: true})
			if run == nil {
				t.Fatalf("executor: %v", err)
			}
			r := run.Result
			t.Logf("exit %d, cycles %d (%d instructions, %d paging, %d before main.main), %d segments (po2 %d), FP ops %d, %.1f MHz",
				r.ExitCode, r.Cycles, r.Instructions, r.PagingCycles, r.CyclesBeforeMain, r.Segments, vm.DefaultPo2, r.FPOps, r.MHz())
			if nativeErr != nil {
				if code := stf.GuestExitCode(nativeErr); r.ExitCode != code {
					t.Fatalf("guest exit %d, native STF error %v (exit %d)", r.ExitCode, nativeErr, code)
				}
				classes := []error{stf.ErrMalformedInput, stf.ErrUnsupportedConfig, stf.ErrInvalidWitness,
					stf.ErrMissingTrieNode, stf.ErrRootMismatch, stf.ErrInvalidBlock, stf.ErrInternal}
				for _, c := range classes {
					if errors.Is(nativeErr, c) != errors.Is(err, c) {
						t.Fatalf("runGuest error %v and native error %v differ in class %v", err, nativeErr, c)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if run.Claim != want {
				t.Fatalf("claim differs\nguest:  %+v\nnative: %+v", run.Claim, want)
			}
		})
	}
}

// cpuTime is this process's CPU time (the machine may be shared, so wall time is noisy).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkExecuteSTF reports, on the STF guest and in the same run: the executor's speed
// against the native STF and against qemu-riscv64 (which runs the whole ELF, boot included,
// so it is compared with image building plus the run from the image); the cycles the image
// saves every block (boot instructions); and the kernel's share (system calls and emulated
// F/D and CSR instructions, with the kernel instructions spent on each).
func BenchmarkExecuteSTF(b *testing.B) {
	elfBytes, err := guestELF()
	if err != nil {
		b.Fatal(err)
	}
	elfPath := filepath.Join(b.TempDir(), "guest.elf")
	if err := os.WriteFile(elfPath, elfBytes, 0o755); err != nil {
		b.Fatal(err)
	}
	prog, err := vm.LoadELF(elfBytes)
	if err != nil {
		b.Fatal(err)
	}
	_, qemuErr := exec.LookPath("qemu-riscv64")
	for name, input := range stfInputs(b) {
		b.Run(name, func(b *testing.B) {
			in, err := stf.DecodeInput(input)
			if err != nil {
				b.Fatal(err)
			}
			var native, nativeCPU, emu, emuCPU, boot, qemu time.Duration
			var r *vm.Result
			for i := 0; i < b.N; i++ {
				t0, c0 := time.Now(), cpuTime()
				stf.Execute(context.Background(), in)
				native += time.Since(t0)
				nativeCPU += cpuTime() - c0
				t0 = time.Now()
				img, bt, err := vm.BuildImage(context.Background(), prog, vm.Config{})
				if err != nil {
					b.Fatal(err)
				}
				boot += time.Since(t0)
				c0 = cpuTime()
				run, err := runGuestImage(context.Background(), img, prog, bt, input, vm.Config{})
				if run == nil {
					b.Fatal(err)
				}
				emuCPU += cpuTime() - c0
				emu += run.Result.Duration
				r = run.Result
				if qemuErr == nil {
					qemu += runQEMU(b, elfPath, input)
				}
			}
			n := float64(b.N)
			b.ReportMetric(float64(r.Cycles), "cycles")
			b.ReportMetric(float64(r.BootInstructions), "boot-instr")
			b.ReportMetric(float64(r.CyclesBeforeMain), "before-main")
			b.ReportMetric(float64(r.Syscalls), "syscalls")
			b.ReportMetric(float64(r.SyscallCycles), "syscall-cycles")
			b.ReportMetric(float64(r.FPOps), "fp-ops")
			b.ReportMetric(float64(r.FPCycles), "fp-cycles")
			b.ReportMetric(float64(r.Cycles)*n/emu.Seconds()/1e6, "MHz")
			b.ReportMetric(float64(r.Cycles)*n/emuCPU.Seconds()/1e6, "cpu-MHz")
			b.ReportMetric(float64(native.Microseconds())/n/1e3, "native-ms")
			b.ReportMetric(emu.Seconds()/native.Seconds(), "slowdown")
			b.ReportMetric(emuCPU.Seconds()/nativeCPU.Seconds(), "cpu-slowdown")
			b.ReportMetric(float64(boot.Microseconds())/n/1e3, "image-ms")
			if qemuErr == nil {
				b.ReportMetric(float64(qemu.Microseconds())/n/1e3, "qemu-ms")
				b.ReportMetric((boot+emu).Seconds()/qemu.Seconds(), "vs-qemu")
			}
		})
	}
}

// runQEMU runs the guest ELF under qemu-riscv64 (journal on fd 3) and returns its wall time.
func runQEMU(b *testing.B, elfPath string, input []byte) time.Duration {
	journal, err := os.CreateTemp(b.TempDir(), "journal")
	if err != nil {
		b.Fatal(err)
	}
	defer journal.Close()
	cmd := exec.Command("qemu-riscv64", elfPath)
	cmd.Stdin = bytes.NewReader(input)
	cmd.ExtraFiles = []*os.File{journal}
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("qemu: %v", err)
	}
	return time.Since(t0)
}

// TestExecuteCLI drives 'zkexex execute' and 'zkexex vm run' as a user would: the segment
// records it writes decode, chain from the image to the halt, and replay alone.
func TestExecuteCLI(t *testing.T) {
	elf, err := guestELF()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	elfPath := filepath.Join(dir, "guest.elf")
	if err := os.WriteFile(elfPath, elf, 0o644); err != nil {
		t.Fatal(err)
	}
	input := filepath.Join("..", "..", "stf", "testdata", "generated-10", "input.bin")
	if err := newApp().Run([]string{"zkexex", "vm", "run", "--elf", elfPath, "--stdin", input, "--fp-profile"}); err != nil {
		t.Fatalf("vm run: %v", err)
	}
	if err := newApp().Run([]string{"zkexex", "vm", "run", "--elf", elfPath, "--stdin", input, "--max-cycles", "1000000"}); !errors.Is(err, vm.ErrCycleLimit) {
		t.Fatalf("vm run with a cycle limit: %v", err)
	}
	if testing.Short() {
		t.Skip("segment records of the STF guest take ~20 s to hash; skipped in -short")
	}
	segDir := filepath.Join(dir, "segments")
	if err := newApp().Run([]string{"zkexex", "execute", "--elf", elfPath, "--input", input, "--po2", "22", "--segments", segDir}); err != nil {
		t.Fatalf("execute: %v", err)
	}
	files, err := filepath.Glob(filepath.Join(segDir, "*.zkseg"))
	if err != nil || len(files) < 2 {
		t.Fatalf("%d segment files: %v", len(files), err)
	}
	var prev *vm.Segment
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s, err := vm.DecodeSegment(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if s.Index != uint32(i) || s.Halted != (i == len(files)-1) {
			t.Fatalf("%s: index %d halted %v", f, s.Index, s.Halted)
		}
		if i == 0 && vm.ImageID(s.Start.Root, s.Start.PC) != s.ImageID {
			t.Fatal("first segment does not start at the image")
		}
		if prev != nil && (prev.End.Root != s.Start.Root || prev.End.PC != s.Start.PC) {
			t.Fatalf("segment %d does not continue segment %d", i, i-1)
		}
		if i == 0 || i == len(files)-1 {
			if err := vm.ReplaySegment(context.Background(), s); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		}
		prev = s
	}
}

// TestExecutePo2 checks on the STF guest that the segment size changes the segment count
// and nothing the guest computes.
func TestExecutePo2(t *testing.T) {
	elf, err := guestELF()
	if err != nil {
		t.Fatal(err)
	}
	for name, input := range stfInputs(t) {
		var ref *vm.Result
		for _, po2 := range []int{20, 18, 16} {
			run, err := runGuest(context.Background(), elf, input, vm.Config{Po2: po2})
			if run == nil {
				t.Fatalf("%s po2 %d: %v", name, po2, err)
			}
			r := run.Result
			t.Logf("%s po2 %d: %d segments, %d cycles (%d paging)", name, po2, r.Segments, r.Cycles, r.PagingCycles)
			if ref == nil {
				ref = r
				continue
			}
			if r.ExitCode != ref.ExitCode || string(r.Journal) != string(ref.Journal) || r.Instructions != ref.Instructions ||
				r.Final.PC != ref.Final.PC || r.Segments <= ref.Segments {
				t.Fatalf("%s po2 %d differs from po2 20: exit %d/%d, %d/%d instructions, %d/%d segments", name, po2,
					r.ExitCode, ref.ExitCode, r.Instructions, ref.Instructions, r.Segments, ref.Segments)
			}
		}
	}
}

// TestGuestImage: the STF guest takes its image at READY, two independent image builds give
// the same ID, and the image file 'zkexex image' writes runs the block to the native claim.
func TestGuestImage(t *testing.T) {
	elfBytes, err := guestELF()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for range 2 {
		prog, err := vm.LoadELF(bytes.Clone(elfBytes))
		if err != nil {
			t.Fatal(err)
		}
		img, boot, err := vm.BuildImage(context.Background(), prog, vm.Config{})
		if err != nil {
			t.Fatal(err)
		}
		if !boot.Ready || boot.Instructions == 0 {
			t.Fatalf("the guest made no READY: %+v", boot)
		}
		ids = append(ids, img.ID().String())
	}
	if ids[0] != ids[1] {
		t.Fatalf("two image builds: %s and %s", ids[0], ids[1])
	}
	dir := t.TempDir()
	elfPath, imgPath := filepath.Join(dir, "guest.elf"), filepath.Join(dir, "guest.img")
	if err := os.WriteFile(elfPath, elfBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := newApp().Run([]string{"zkexex", "image", "--elf", elfPath, "--out", imgPath}); err != nil {
		t.Fatal(err)
	}
	img, err := readImage(imgPath)
	if err != nil {
		t.Fatal(err)
	}
	if img.ID().String() != ids[0] {
		t.Fatalf("image file ID %s, built %s", img.ID(), ids[0])
	}
	input := stfInputs(t)["generated-10"]
	in, err := stf.DecodeInput(input)
	if err != nil {
		t.Fatal(err)
	}
	want, err := stf.Execute(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	run, err := runGuestImage(context.Background(), img, nil, nil, input, vm.Config{Merkle: true})
	if err != nil {
		t.Fatal(err)
	}
	if run.Claim != want || run.Result.ImageID.String() != ids[0] {
		t.Fatalf("from the image file: claim %+v, image ID %s", run.Claim, run.Result.ImageID)
	}
}
