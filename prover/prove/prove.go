// Package prove proves whole zkVM runs: the executor emits segments, a pool of workers proves
// them with the RISC-V AIR as they come, and the segment receipts and journal chunks are put
// together into one composite receipt.
package prove

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/zkexex/zkexex/prover/pool"
	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/prover/rv64"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
)

// Options configure a proven run.
type Options struct {
	// Po2 is the segment size (vm.MinPo2..vm.MaxPo2; 0: vm.DefaultPo2).
	Po2 int
	// Workers is the number of segments proven at once (0: GOMAXPROCS). Each holds one
	// segment's traces, so memory grows with it.
	Workers int
	// Params is the STARK parameter set; the zero value means stark.DefaultParams(), the only
	// one rv64.NewVerifier accepts.
	Params stark.Params
	// MaxCycles stops the run with vm.ErrCycleLimit past this many cycles (0: no limit).
	MaxCycles uint64
	// Progress, if set, is called after every emitted and every proven segment.
	Progress func(pool.Progress)
}

// ErrJournal: the segment records' journal chunks do not add up to the run's journal (an
// executor bug; never a property of the input).
var ErrJournal = errors.New("prove: segment journals do not add up to the run's journal")

// Run executes the image (prog, when not nil, is the program it was built from and only adds
// symbols to errors) on input and proves every segment. It returns the composite receipt and
// the executor's result; the run's exit code is part of the receipt, so a guest that exits
// with an error is proven too.
func Run(ctx context.Context, img *vm.Image, prog *vm.Program, input []byte, opts Options) (*receipt.CompositeReceipt, *vm.Result, error) {
	params := opts.Params
	if params == (stark.Params{}) {
		params = stark.DefaultParams()
	}
	if err := params.Validate(); err != nil {
		return nil, nil, err
	}
	// Set up the key once before the workers race for it.
	if _, err := rv64.ProvingKey(params); err != nil {
		return nil, nil, err
	}
	var (
		segs   []receipt.SegmentReceipt
		chunks [][]byte
		res    *vm.Result
	)
	cfg := pool.Config[*receipt.SegmentReceipt]{
		Workers: opts.Workers,
		Prove: func(ctx context.Context, seg *vm.Segment) (*receipt.SegmentReceipt, error) {
			return rv64.Prove(ctx, seg, params)
		},
		OnResult: func(_ int, r *receipt.SegmentReceipt) error {
			segs = append(segs, *r)
			return nil
		},
		Progress: opts.Progress,
	}
	err := pool.Run(ctx, cfg, func(ctx context.Context, onSegment func(*vm.Segment) error) error {
		var err error
		res, err = vm.ExecuteImage(ctx, img, prog, vm.Config{
			Po2:       opts.Po2,
			MaxCycles: opts.MaxCycles,
			Stdin:     input,
			OnSegment: func(seg *vm.Segment) error {
				// The executor emits segments in order, so the chunks line up with the receipts.
				chunks = append(chunks, receipt.JournalOf(seg))
				return onSegment(seg)
			},
		})
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	comp, err := receipt.NewComposite(segs, chunks)
	if err != nil {
		return nil, nil, err
	}
	if !bytes.Equal(comp.Journal, res.Journal) {
		return nil, nil, fmt.Errorf("%w: %d bytes in segments, %d in the run", ErrJournal, len(comp.Journal), len(res.Journal))
	}
	return comp, res, nil
}

// ELF builds the image of a static RV64 ELF (its state at READY, or its entry state; see
// vm.BuildImage) and proves a run of it on input.
func ELF(ctx context.Context, elf, input []byte, opts Options) (*receipt.CompositeReceipt, *vm.Result, error) {
	prog, err := vm.LoadELF(elf)
	if err != nil {
		return nil, nil, err
	}
	img, boot, err := vm.BuildImage(ctx, prog, vm.Config{MaxCycles: opts.MaxCycles})
	if err != nil {
		return nil, nil, err
	}
	comp, res, err := Run(ctx, img, prog, input, opts)
	if err != nil {
		return nil, nil, err
	}
	boot.Annotate(res)
	return comp, res, nil
}
