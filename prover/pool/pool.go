// Package pool proves a run's segments on local worker goroutines while the executor is still
// emitting them. It owns the scheduling only: what proving a segment means is the caller's
// function. Memory stays bounded whatever the number of segments: the executor blocks once
// 2·Workers segments are between emission and their in-order hand-off through OnResult.
package pool

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/zkexex/zkexex/prover/vm"
)

// Progress is a snapshot of a run being proven.
type Progress struct {
	Emitted      int    // segments the executor has emitted
	Proven       int    // segments proven
	ProvenCycles uint64 // cycles of the proven segments
	Done         bool   // the executor has finished: Emitted is the total
	Elapsed      time.Duration
}

// KHz is the proving speed so far in cycles per millisecond.
func (p Progress) KHz() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.ProvenCycles) / p.Elapsed.Seconds() / 1e3
}

// ETA estimates the time left from the speed so far; it is only known once the executor is done.
func (p Progress) ETA() (time.Duration, bool) {
	if !p.Done || p.Proven == 0 {
		return 0, false
	}
	per := p.Elapsed / time.Duration(p.Proven)
	return per * time.Duration(p.Emitted-p.Proven), true
}

// Config says how to prove one segment and where results go.
type Config[R any] struct {
	// Workers is the number of segments proven at once (0: GOMAXPROCS). A proof is already
	// parallel inside; more workers trade memory for throughput on many cores.
	Workers int
	// Prove proves one segment. It must return promptly with ctx's error once ctx is cancelled.
	Prove func(ctx context.Context, seg *vm.Segment) (R, error)
	// OnResult receives each result in segment order (index 0, 1, ...), from one goroutine.
	OnResult func(index int, r R) error
	// Progress, if set, is called after every emitted and every proven segment.
	Progress func(Progress)
}

// ErrSegment wraps the failure of one segment's proof with its index.
type ErrSegment struct {
	Index int
	Err   error
}

func (e *ErrSegment) Error() string { return fmt.Sprintf("pool: segment %d: %v", e.Index, e.Err) }
func (e *ErrSegment) Unwrap() error { return e.Err }

// ErrNoSegments: the run emitted no segment (the executor needs OnSegment for that).
var ErrNoSegments = errors.New("pool: the run emitted no segments")

// Run calls execute with a segment sink and proves every segment it emits; it returns once the
// run and all proofs are done, or at the first error (the executor's, a proof's or OnResult's),
// cancelling the rest. execute must pass its onSegment to the executor (vm.Config.OnSegment).
func Run[R any](ctx context.Context, cfg Config[R], execute func(ctx context.Context, onSegment func(*vm.Segment) error) error) error {
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	type job struct {
		index int
		seg   *vm.Segment
	}
	type done struct {
		index  int
		cycles uint64
		r      R
	}
	jobs := make(chan job, workers)
	results := make(chan done, workers)
	// window holds a token for every segment emitted and not yet handed on in order: a slow
	// segment stops the executor after 2·workers more instead of letting finished proofs pile up.
	window := make(chan struct{}, 2*workers)
	start := time.Now()

	var mu sync.Mutex
	prog := Progress{}
	report := func(f func(*Progress)) {
		mu.Lock()
		f(&prog)
		prog.Elapsed = time.Since(start)
		p := prog
		mu.Unlock()
		if cfg.Progress != nil {
			cfg.Progress(p)
		}
	}

	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				r, err := cfg.Prove(ctx, j.seg)
				if err != nil {
					cancel(&ErrSegment{Index: j.index, Err: err})
					continue
				}
				select {
				case results <- done{j.index, j.seg.Cycles(), r}:
				case <-ctx.Done():
				}
			}
		}()
	}

	// The collector hands results on in order, releasing each one's window token.
	collected := make(chan struct{})
	emitted := 0
	go func() {
		defer close(collected)
		pending := make(map[int]done)
		next := 0
		for d := range results {
			pending[d.index] = d
			for {
				d, ok := pending[next]
				if !ok {
					break
				}
				delete(pending, next)
				next++
				report(func(p *Progress) { p.Proven++; p.ProvenCycles += d.cycles })
				if cfg.OnResult != nil {
					if err := cfg.OnResult(d.index, d.r); err != nil {
						cancel(err)
					}
				}
				<-window
			}
		}
	}()

	execErr := execute(ctx, func(seg *vm.Segment) error {
		select {
		case window <- struct{}{}:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		select {
		case jobs <- job{emitted, seg}:
			emitted++
			report(func(p *Progress) { p.Emitted++ })
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	})
	close(jobs)
	if execErr == nil {
		report(func(p *Progress) { p.Done = true })
	}
	wg.Wait()
	close(results)
	<-collected

	if err := context.Cause(ctx); err != nil {
		return err
	}
	if execErr != nil {
		cancel(execErr)
		return execErr
	}
	if emitted == 0 {
		return ErrNoSegments
	}
	return nil
}
