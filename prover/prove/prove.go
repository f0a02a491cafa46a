// Package prove proves whole zkVM runs: the executor emits segments, a pool of workers proves
// them with the RISC-V AIR as they come, and the segment receipts and journal chunks are put
// together into one composite receipt, or lifted and joined into one succinct receipt.
package prove

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zkexex/zkexex/prover/pool"
	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/prover/recursion"
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
	params, err := opts.params()
	if err != nil {
		return nil, nil, err
	}
	segs, chunks, res, err := run(ctx, img, prog, input, opts, func(ctx context.Context, seg *vm.Segment) (*receipt.SegmentReceipt, error) {
		return rv64.Prove(ctx, seg, params)
	})
	if err != nil {
		return nil, nil, err
	}
	return composite(segs, chunks, res)
}

func (o Options) params() (stark.Params, error) {
	params := o.Params
	if params == (stark.Params{}) {
		params = stark.DefaultParams()
	}
	if err := params.Validate(); err != nil {
		return params, err
	}
	// Set up the key once before the workers race for it.
	_, err := rv64.ProvingKey(params)
	return params, err
}

// run executes the image on input and proves each segment with prove on the pool's workers; it
// returns the results and journal chunks in segment order.
func run[T any](ctx context.Context, img *vm.Image, prog *vm.Program, input []byte, opts Options, prove func(context.Context, *vm.Segment) (T, error)) ([]T, [][]byte, *vm.Result, error) {
	var (
		out    []T
		chunks [][]byte
		res    *vm.Result
	)
	cfg := pool.Config[T]{
		Workers: opts.Workers,
		Prove:   prove,
		OnResult: func(_ int, r T) error {
			out = append(out, r)
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
				// The executor emits segments in order, so the chunks line up with the results.
				chunks = append(chunks, receipt.JournalOf(seg))
				return onSegment(seg)
			},
		})
		return err
	})
	if err != nil {
		return nil, nil, nil, err
	}
	return out, chunks, res, nil
}

func composite(segs []*receipt.SegmentReceipt, chunks [][]byte, res *vm.Result) (*receipt.CompositeReceipt, *vm.Result, error) {
	rs := make([]receipt.SegmentReceipt, len(segs))
	for i, r := range segs {
		rs[i] = *r
	}
	comp, err := receipt.NewComposite(rs, chunks)
	if err != nil {
		return nil, nil, err
	}
	if !bytes.Equal(comp.Journal, res.Journal) {
		return nil, nil, fmt.Errorf("%w: %d bytes in segments, %d in the run", ErrJournal, len(comp.Journal), len(res.Journal))
	}
	return comp, res, nil
}

// lifted is a segment proven at a shape of the key set, and its lift.
type lifted struct {
	receipt *receipt.SegmentReceipt
	lift    *recursion.Proof
}

// Aggregated is a proven run aggregated into one proof of all its segments (a claim of
// segments 0..n-1: recursion.KindSegments), with what a succinct receipt adds to it.
type Aggregated struct {
	Proof       *recursion.Proof
	First, Last receipt.SegmentClaim
	Journal     []byte
}

// Receipt is the run's succinct receipt: the proof shrunk (agg.Shrink) into its seal.
func (a *Aggregated) Receipt(ctx context.Context, agg *recursion.Aggregator) (*receipt.SuccinctReceipt, error) {
	shrunk, err := agg.Shrink(ctx, a.Proof)
	if err != nil {
		return nil, err
	}
	return recursion.Succinct(shrunk, &a.First, &a.Last, a.Journal)
}

// Aggregate proves the run as Run does and aggregates it into one proof: each segment is proven
// at the cheapest shape of the menu that holds it (rv64.ShapeFor) and lifted on its worker as
// soon as it is proven, and the lifts are joined pairwise, level by level. The segment proofs
// use agg's key set's segment parameters (opts.Params is ignored).
func Aggregate(ctx context.Context, img *vm.Image, prog *vm.Program, input []byte, opts Options, agg *recursion.Aggregator) (*Aggregated, *vm.Result, error) {
	opts.Params = agg.Set().SegmentParams
	params, err := opts.params()
	if err != nil {
		return nil, nil, err
	}
	segs, chunks, res, err := run(ctx, img, prog, input, opts, func(ctx context.Context, seg *vm.Segment) (lifted, error) {
		r, l, err := Lift(ctx, seg, params, agg)
		return lifted{receipt: r, lift: l}, err
	})
	if err != nil {
		return nil, nil, err
	}
	rs := make([]*receipt.SegmentReceipt, len(segs))
	lifts := make([]*recursion.Proof, len(segs))
	for i, s := range segs {
		rs[i], lifts[i] = s.receipt, s.lift
	}
	// The composite checks (continuity, journal chunks) catch an executor bug before joining.
	comp, res, err := composite(rs, chunks, res)
	if err != nil {
		return nil, nil, err
	}
	final, err := agg.Aggregate(ctx, lifts, opts.Workers)
	if err != nil {
		return nil, nil, err
	}
	return &Aggregated{Proof: final, First: comp.Segments[0].Claim, Last: comp.Segments[len(comp.Segments)-1].Claim, Journal: comp.Journal}, res, nil
}

// CostSegment is the kind of cost (recursion.Costs) of segment proofs made for aggregation.
const CostSegment = "segment"

// Lift proves one segment at the cheapest shape of the menu that holds it (rv64.ProveMenu) with
// params (agg's key set's segment parameters) and lifts the proof: the unit of work a run's
// aggregation is made of, whoever runs it.
// Under recursion.WithCosts, the segment proof's time counts as CostSegment, the lift's as
// recursion.ProgramLift.
func Lift(ctx context.Context, seg *vm.Segment, params stark.Params, agg *recursion.Aggregator) (*receipt.SegmentReceipt, *recursion.Proof, error) {
	start := time.Now()
	r, _, err := rv64.ProveMenu(ctx, seg, params)
	if err != nil {
		return nil, nil, err
	}
	if c := recursion.CostsFrom(ctx); c != nil {
		c.Add(CostSegment, time.Since(start))
	}
	proof, err := stark.DecodeProof(r.Seal)
	if err != nil {
		return nil, nil, err
	}
	l, err := agg.Lift(ctx, proof, rv64.PublicValues(&r.Claim))
	if err != nil {
		return nil, nil, fmt.Errorf("lifting segment %d: %w", seg.Index, err)
	}
	return r, l, nil
}

// Succinct proves and aggregates the run (Aggregate) into its succinct receipt.
func Succinct(ctx context.Context, img *vm.Image, prog *vm.Program, input []byte, opts Options, agg *recursion.Aggregator) (*receipt.SuccinctReceipt, *vm.Result, error) {
	a, res, err := Aggregate(ctx, img, prog, input, opts, agg)
	if err != nil {
		return nil, nil, err
	}
	r, err := a.Receipt(ctx, agg)
	if err != nil {
		return nil, nil, err
	}
	return r, res, nil
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
