package vm

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// nativeCompute builds testdata/compute for the host, the native baseline of BenchmarkCompute.
func nativeCompute(b *testing.B) string {
	b.Helper()
	out := filepath.Join(b.TempDir(), "compute-native")
	cmd := exec.Command("go", "build", "-o", out, "./testdata/compute")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if o, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("native build: %v\n%s", err, o)
	}
	return out
}

// timeNative runs the native program and returns its wall time, its CPU time and stdout.
func timeNative(b *testing.B, path string, stdin []byte) (time.Duration, time.Duration, []byte) {
	b.Helper()
	cmd := exec.Command(path)
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Env = append(os.Environ(), DefaultEnv...)
	t0 := time.Now()
	out, err := cmd.Output()
	if err != nil {
		b.Fatal(err)
	}
	return time.Since(t0), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), out
}

// cpuTime is this process's CPU time: on a shared machine it measures the executor's work
// better than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCompute reports the executor's speed (MHz) on a compute-heavy Go guest and the
// slowdown against the same program run natively (process start included) in the same run.
func BenchmarkCompute(b *testing.B) {
	p := loadFile(b, corpusELF(b, "compute"))
	native := nativeCompute(b)
	stdin := []byte("1000\n")
	var emu, emuCPU, nat, natCPU time.Duration
	var cycles, instrs uint64
	for i := 0; i < b.N; i++ {
		c0 := cpuTime()
		res := execute(b, p, Config{Stdin: stdin})
		emuCPU += cpuTime() - c0
		emu += res.Duration
		cycles, instrs = res.Cycles, res.Instructions
		d, dc, out := timeNative(b, native, stdin)
		nat += d
		natCPU += dc
		if !bytes.Equal(out, res.Stdout) {
			b.Fatalf("native output %q, guest %q", out, res.Stdout)
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(cycles), "cycles")
	b.ReportMetric(float64(instrs), "instructions")
	b.ReportMetric(float64(cycles)*n/emu.Seconds()/1e6, "MHz")
	b.ReportMetric(float64(cycles)*n/emuCPU.Seconds()/1e6, "cpu-MHz")
	b.ReportMetric(float64(nat.Microseconds())/n/1e3, "native-ms")
	b.ReportMetric(float64(natCPU.Microseconds())/n/1e3, "native-cpu-ms")
	b.ReportMetric(emu.Seconds()/nat.Seconds(), "slowdown")
	b.ReportMetric(emuCPU.Seconds()/natCPU.Seconds(), "cpu-slowdown")
}

// BenchmarkLongRunRSS runs a long guest with segment records streamed to disk and reports the
// process's peak RSS: it must track guest memory, not the number of segments.
func BenchmarkLongRunRSS(b *testing.B) {
	p := loadFile(b, corpusELF(b, "compute"))
	dir := b.TempDir()
	for i := 0; i < b.N; i++ {
		var segs int
		write := WriteSegmentsTo(dir)
		res := execute(b, p, Config{Stdin: []byte("400\n"), OnSegment: func(s *Segment) error {
			segs++
			// keep the disk small: overwrite one file
			s.Index = 0
			return write(s)
		}})
		b.ReportMetric(float64(res.Cycles), "cycles")
		b.ReportMetric(float64(segs), "segments")
		b.ReportMetric(float64(res.Cycles)/res.Duration.Seconds()/1e6, "MHz")
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MiB")
	}
}

// BenchmarkPageHash measures the Merkle cost of one page (Poseidon2 sponge over 2048 limbs),
// which dominates segment finalisation.
func BenchmarkPageHash(b *testing.B) {
	var pg [PageSize]byte
	for i := range pg {
		pg[i] = byte(i)
	}
	b.SetBytes(PageSize)
	for i := 0; i < b.N; i++ {
		pageLeaf(&pg)
	}
}

// BenchmarkReplaySegment measures re-executing one mid-run segment from its record.
func BenchmarkReplaySegment(b *testing.B) {
	p := loadFile(b, corpusELF(b, "sorting"))
	var seg *Segment
	execute(b, p, Config{Po2: 18, OnSegment: func(s *Segment) error {
		if s.Index == 5 {
			seg = s
		}
		return nil
	}})
	if seg == nil {
		b.Fatal("no segment 5")
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := ReplaySegment(context.Background(), seg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(seg.Cycles()), "cycles/segment")
	b.ReportMetric(float64(len(seg.Pages)), "pages/segment")
}
