package main

import (
	"context"
	"errors"
	"os"
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

// BenchmarkExecuteSTF reports the executor's MHz on the STF guest and the slowdown against
// the native STF on the same input, measured in the same run.
func BenchmarkExecuteSTF(b *testing.B) {
	elf, err := guestELF()
	if err != nil {
		b.Fatal(err)
	}
	for name, input := range stfInputs(b) {
		b.Run(name, func(b *testing.B) {
			in, err := stf.DecodeInput(input)
			if err != nil {
				b.Fatal(err)
			}
			var native, nativeCPU, emu, emuCPU time.Duration
			var cycles uint64
			for i := 0; i < b.N; i++ {
				t0, c0 := time.Now(), cpuTime()
				stf.Execute(context.Background(), in)
				native += time.Since(t0)
				nativeCPU += cpuTime() - c0
				c0 = cpuTime()
				run, err := runGuest(context.Background(), elf, input, vm.Config{})
				if run == nil {
					b.Fatal(err)
				}
				emuCPU += cpuTime() - c0
				emu += run.Result.Duration
				cycles = run.Result.Cycles
			}
			n := float64(b.N)
			b.ReportMetric(float64(cycles), "cycles")
			b.ReportMetric(float64(cycles)*n/emu.Seconds()/1e6, "MHz")
			b.ReportMetric(float64(cycles)*n/emuCPU.Seconds()/1e6, "cpu-MHz")
			b.ReportMetric(float64(native.Microseconds())/n/1e3, "native-ms")
			b.ReportMetric(emu.Seconds()/native.Seconds(), "slowdown")
			b.ReportMetric(emuCPU.Seconds()/nativeCPU.Seconds(), "cpu-slowdown")
		})
	}
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
				r.Final.PC != ref.Final.PC || r.Final.X != ref.Final.X || r.Segments <= ref.Segments {
				t.Fatalf("%s po2 %d differs from po2 20: exit %d/%d, %d/%d instructions, %d/%d segments", name, po2,
					r.ExitCode, ref.ExitCode, r.Instructions, ref.Instructions, r.Segments, ref.Segments)
			}
		}
	}
}
