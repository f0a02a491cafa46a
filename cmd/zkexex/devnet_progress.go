package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/log"
	"github.com/zkexex/zkexex/derivation"
	"github.com/zkexex/zkexex/prover/vm"
)

// spanTracker wraps the devnet's prover: it logs when a span starts proving, a progress line
// every interval while it proves (block, cycles, segments, ETA) and the span's totals, and it
// counts every step of work so that the devnet's waits can tell a slow prover from a stuck one.
type spanTracker struct {
	inner    derivation.Prover
	kind     string
	interval time.Duration

	moves atomic.Uint64 // bumped on every block done and every executor progress report

	mu         sync.Mutex
	cycles     uint64 // executor cycles of the span so far (blocks done plus the one running)
	doneCyc    uint64 // executor cycles of the blocks done
	blocksDone int
	perBlock   time.Duration // mean wall time per block over the spans proven so far
	spans      int
}

func newSpanTracker(inner derivation.Prover, kind string, interval time.Duration) *spanTracker {
	return &spanTracker{inner: inner, kind: kind, interval: interval}
}

// Moves is a counter that grows while proving makes progress.
func (t *spanTracker) Moves() uint64 { return t.moves.Load() }

// executorProgress is the vm.Config.Progress hook of one block's run.
func (t *spanTracker) executorProgress(cycles uint64) {
	t.mu.Lock()
	t.cycles = t.doneCyc + cycles
	t.mu.Unlock()
	t.moves.Add(1)
}

// blockDone records a finished block and its executor cycles (0 natively).
func (t *spanTracker) blockDone(cycles uint64) {
	t.mu.Lock()
	t.doneCyc += cycles
	t.cycles = t.doneCyc
	t.blocksDone++
	t.mu.Unlock()
	t.moves.Add(1)
}

// ProveSpan implements derivation.Prover.
func (t *spanTracker) ProveSpan(ctx context.Context, span *derivation.Span) (*derivation.SpanProof, error) {
	n := len(span.Inputs)
	if n == 0 {
		return t.inner.ProveSpan(ctx, span)
	}
	first, last := span.Inputs[0].Block.NumberU64(), span.Inputs[n-1].Block.NumberU64()
	t.mu.Lock()
	t.cycles, t.doneCyc, t.blocksDone = 0, 0, 0
	perBlock := t.perBlock
	t.mu.Unlock()
	start := time.Now()
	args := []any{"chain", "L2", "start", first, "end", last, "prover", t.kind}
	if perBlock > 0 {
		args = append(args, "expected", (perBlock * time.Duration(n)).Round(time.Second))
	}
	log.Info("Proving span", args...)

	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(t.interval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				t.logProgress(first, n, start, perBlock)
			}
		}
	}()
	proof, err := t.inner.ProveSpan(ctx, span)
	close(done)
	if err != nil {
		return nil, err
	}
	el := time.Since(start)
	t.mu.Lock()
	t.perBlock = (t.perBlock*time.Duration(t.spans) + el/time.Duration(n)) / time.Duration(t.spans+1)
	t.spans++
	cycles := t.cycles
	t.mu.Unlock()
	if cycles > 0 { // the pipeline logs the proof; this adds the executor's totals
		log.Info("Span executed in the zkVM", "chain", "L2", "start", first, "end", last, "cycles", cycles, "segments", segmentsOf(cycles),
			"elapsed", el.Round(time.Millisecond))
	}
	return proof, nil
}

func (t *spanTracker) logProgress(first uint64, n int, start time.Time, perBlock time.Duration) {
	t.mu.Lock()
	done, cycles := t.blocksDone, t.cycles
	t.mu.Unlock()
	el := time.Since(start)
	args := []any{"chain", "L2", "block", first + uint64(done), "done", done, "of", n, "elapsed", el.Round(time.Second)}
	if cycles > 0 {
		args = append(args, "cycles", cycles, "segments", segmentsOf(cycles))
	}
	// ETA from this span's blocks when one is done, else from earlier spans' mean.
	switch {
	case done > 0:
		args = append(args, "eta", (el / time.Duration(done) * time.Duration(n-done)).Round(time.Second))
	case perBlock > 0 && perBlock*time.Duration(n) > el:
		args = append(args, "eta", (perBlock*time.Duration(n) - el).Round(time.Second))
	default:
		args = append(args, "eta", "unknown (first span)")
	}
	log.Info("Proving span", args...)
}

// segmentsOf is how many segments of the default size a run of this many cycles fills.
func segmentsOf(cycles uint64) uint64 { return (cycles + 1<<vm.DefaultPo2 - 1) >> vm.DefaultPo2 }

// errStalled: a wait saw no progress for its whole stall timeout.
var errStalled = errors.New("no progress")

// waitProgress polls done until it reports true, failing with errStalled only when
// progress() returns the same value for stall (a slow but moving system is waited for), and
// with ctx's error or the node's end (stop closed) otherwise.
func waitProgress(ctx context.Context, stop <-chan struct{}, stall time.Duration, progress func() any, done func() (bool, error)) error {
	last, moved := progress(), time.Now()
	for {
		ok, err := done()
		if err != nil || ok {
			return err
		}
		if p := progress(); p != last {
			last, moved = p, time.Now()
		} else if time.Since(moved) > stall {
			return fmt.Errorf("%w for %v", errStalled, stall)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-stop:
			return errors.New("devnet: the extension manager stopped")
		case <-time.After(20 * time.Millisecond):
		}
	}
}
