package pool

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkexex/zkexex/prover/vm"
	"github.com/zkexex/zkexex/prover/vm/vmtest"
)

// loopProgram assembles a counting loop that runs about 2·n instructions and exits with 7.
func loopProgram(t *testing.T, n int) *vm.Program {
	t.Helper()
	src := ".globl _start\n_start:\n li t0, " + strconv.Itoa(n) + "\n1: addi t0, t0, -1\n bnez t0, 1b\n li a0, 7\n li a7, 93\n ecall\n"
	p, err := vm.LoadELF(vmtest.Build(t, "rv64ima", src))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func executor(p *vm.Program) func(ctx context.Context, on func(*vm.Segment) error) error {
	return func(ctx context.Context, on func(*vm.Segment) error) error {
		_, err := vm.Execute(ctx, p, vm.Config{Po2: vm.MinPo2, OnSegment: on})
		return err
	}
}

// TestRunInOrder: every segment of a real run is replayed (the real check a prover starts with)
// by several workers, results arrive in segment order, and the executor is never more than a
// bounded number of segments ahead of the results.
func TestRunInOrder(t *testing.T) {
	p := loopProgram(t, 200000) // ~400k cycles: 7 segments at po2 16
	const workers = 3
	var inFlight, maxInFlight atomic.Int64
	var got []uint32
	var last Progress
	var mu sync.Mutex
	err := Run(context.Background(), Config[uint32]{
		Workers: workers,
		Prove: func(ctx context.Context, seg *vm.Segment) (uint32, error) {
			if err := vm.ReplaySegment(ctx, seg); err != nil {
				return 0, err
			}
			return seg.Index, nil
		},
		OnResult: func(i int, idx uint32) error {
			inFlight.Add(-1)
			got = append(got, idx)
			return nil
		},
		Progress: func(p Progress) {
			mu.Lock()
			last = p
			mu.Unlock()
		},
	}, func(ctx context.Context, on func(*vm.Segment) error) error {
		return executor(p)(ctx, func(s *vm.Segment) error {
			if n := inFlight.Add(1); n > maxInFlight.Load() {
				maxInFlight.Store(n)
			}
			return on(s)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < 5 {
		t.Fatalf("%d segments, want several", len(got))
	}
	for i, idx := range got {
		if idx != uint32(i) {
			t.Fatalf("result %d is segment %d", i, idx)
		}
	}
	if m := maxInFlight.Load(); m > 2*workers+1 {
		t.Fatalf("%d segments held at once with %d workers", m, workers)
	}
	if !last.Done || last.Emitted != len(got) || last.Proven != len(got) || last.ProvenCycles == 0 {
		t.Fatalf("final progress %+v", last)
	}
	if eta, ok := last.ETA(); !ok || eta != 0 {
		t.Fatalf("ETA at the end: %v %v", eta, ok)
	}
}

// TestRunSegmentError: one failing proof stops the run with an error naming the segment, and
// the executor is stopped rather than run to the end.
func TestRunSegmentError(t *testing.T) {
	p := loopProgram(t, 2000000) // ~4M cycles: ~60 segments if nothing stopped it
	boom := errors.New("boom")
	var emitted atomic.Int64
	err := Run(context.Background(), Config[int]{
		Workers: 2,
		Prove: func(ctx context.Context, seg *vm.Segment) (int, error) {
			if seg.Index == 2 {
				return 0, boom
			}
			return 0, nil
		},
	}, func(ctx context.Context, on func(*vm.Segment) error) error {
		return executor(p)(ctx, func(s *vm.Segment) error { emitted.Add(1); return on(s) })
	})
	var se *ErrSegment
	if !errors.As(err, &se) || se.Index != 2 || !errors.Is(err, boom) {
		t.Fatalf("got %v, want segment 2's error", err)
	}
	if n := emitted.Load(); n > 20 {
		t.Fatalf("executor emitted %d segments after the failure", n)
	}
}

// TestRunCancel: cancelling the context stops a run in progress promptly.
func TestRunCancel(t *testing.T) {
	p := loopProgram(t, 2000000)
	ctx, cancel := context.WithCancel(context.Background())
	start := time.Now()
	err := Run(ctx, Config[int]{
		Workers: 2,
		Prove: func(ctx context.Context, seg *vm.Segment) (int, error) {
			if seg.Index == 1 {
				cancel()
			}
			<-ctx.Done()
			return 0, ctx.Err()
		},
	}, executor(p))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("cancelled run took %v", d)
	}
}

// TestRunResultError: an error from OnResult ends the run with that error.
func TestRunResultError(t *testing.T) {
	p := loopProgram(t, 200000)
	stop := errors.New("disk full")
	err := Run(context.Background(), Config[int]{
		Prove:    func(ctx context.Context, seg *vm.Segment) (int, error) { return 0, nil },
		OnResult: func(i int, _ int) error { return stop },
	}, executor(p))
	if !errors.Is(err, stop) {
		t.Fatalf("got %v, want %v", err, stop)
	}
}

// TestRunSlowSegment: while one early segment is slow, finished proofs of later ones do not pile
// up: the executor waits once 2·Workers segments are ahead of the in-order hand-off.
func TestRunSlowSegment(t *testing.T) {
	p := loopProgram(t, 400000) // ~800k cycles: 13 segments at po2 16
	const workers = 2
	var inFlight, maxInFlight atomic.Int64
	n := 0
	err := Run(context.Background(), Config[int]{
		Workers: workers,
		Prove: func(ctx context.Context, seg *vm.Segment) (int, error) {
			if seg.Index == 0 {
				time.Sleep(300 * time.Millisecond)
			}
			return int(seg.Index), nil
		},
		OnResult: func(i, _ int) error { inFlight.Add(-1); n++; return nil },
	}, func(ctx context.Context, on func(*vm.Segment) error) error {
		return executor(p)(ctx, func(s *vm.Segment) error {
			if v := inFlight.Add(1); v > maxInFlight.Load() {
				maxInFlight.Store(v)
			}
			return on(s)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("%d segments", n)
	}
	if m := maxInFlight.Load(); m > 2*workers+1 {
		t.Fatalf("%d segments held at once behind a slow one, with %d workers", m, workers)
	}
}
