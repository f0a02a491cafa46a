package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestDevnetExecutorUnderLoad runs the README's example, `zkexex devnet --prover executor
// --blocks 24 --reorg-every 6`, as a user would (the built binary) while this process keeps
// every CPU busy: slow spans must be waited for (the devnet fails only when nothing moves),
// and each span logs a start line and, with a short --progress-interval, progress lines.
func TestDevnetExecutorUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 24 blocks through the zkVM executor on a loaded machine (minutes); skipped in -short")
	}
	bin := filepath.Join(t.TempDir(), "zkexex")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := 0; i < runtime.NumCPU(); i++ {
		wg.Add(1)
		go func() { // the load: a CPU-bound loop per core
			defer wg.Done()
			x := uint64(i)
			for ctx.Err() == nil {
				for j := 0; j < 1<<20; j++ {
					x = x*6364136223846793005 + 1442695040888963407
				}
			}
			_ = x
		}()
	}
	defer wg.Wait()
	defer cancel()

	cmd := exec.Command(bin, "devnet", "--prover", "executor", "--blocks", "24", "--reorg-every", "6", "--progress-interval", "3s")
	cmd.Dir = t.TempDir()
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = os.Stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	t.Logf("devnet ran %v under load on %d CPUs", time.Since(start).Round(time.Second), runtime.NumCPU())
	out := stderr.String()
	if err != nil {
		t.Fatalf("devnet: %v\n%s", err, out)
	}
	starts := len(regexp.MustCompile(`Proving span\s+chain=L2 start=`).FindAllString(out, -1))
	progress := len(regexp.MustCompile(`Proving span\s+chain=L2 block=\d+ done=`).FindAllString(out, -1))
	if starts < 4 || progress == 0 || !strings.Contains(out, "Devnet done") || !strings.Contains(out, "Building the STF guest") {
		t.Fatalf("%d span start lines, %d progress lines:\n%s", starts, progress, out)
	}
	for _, noise := range []string{"Head block is not reachable", "Imported new potential chain segment", "panic"} {
		if strings.Contains(out, noise) {
			t.Errorf("output holds %q at the default verbosity", noise)
		}
	}
	t.Logf("%d span start lines, %d progress lines", starts, progress)
}
