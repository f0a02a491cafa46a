package derivation

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/prove"
	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/prover/recursion"
	"github.com/zkexex/zkexex/prover/rv64"
	"github.com/zkexex/zkexex/prover/vm"
	"github.com/zkexex/zkexex/stf"
	"github.com/zkexex/zkexex/stf/guestio"
)

// ErrGuestFailed: the STF guest exited with an error on a block, so the block cannot be proven
// (an invalid block or witness, or a guest bug); the error names the guest's exit class.
var ErrGuestFailed = errors.New("derivation: the STF guest failed")

// RunAggregator proves one run of an image and aggregates it into one proof, with
// prove.Aggregate's contract: the verified root of the run's join tree (before any shrink), the
// first and last segment claims, the journal, and the run's result. prove.Aggregate on this
// machine is one (LocalRuns); a proving cluster (prover/cluster's Prover) is another.
type RunAggregator interface {
	Aggregate(ctx context.Context, img *vm.Image, prog *vm.Program, input []byte, opts prove.Options) (*prove.Aggregated, *vm.Result, error)
}

// SpanWrapper turns a succinct span seal (the shrunk aggregation proof and its journals, one
// per block) into a receipt of claim that an L1 contract verifies: prover/wrap's Wrapper, whose
// receipts are receipt.KindGroth16.
type SpanWrapper interface {
	Wrap(ctx context.Context, claim receipt.SpanClaim, seal []byte, journals [][]byte) (*receipt.Receipt, error)
}

// LocalRuns aggregates runs on this machine with prove.Aggregate.
type LocalRuns struct{ Aggregator *recursion.Aggregator }

// Aggregate implements RunAggregator.
func (l LocalRuns) Aggregate(ctx context.Context, img *vm.Image, prog *vm.Program, input []byte, opts prove.Options) (*prove.Aggregated, *vm.Result, error) {
	return prove.Aggregate(ctx, img, prog, input, opts, l.Aggregator)
}

// StarkProver proves spans with STARK proofs: each block's STF guest run, every segment
// proven (prove.Run), and the span receipt is the span claim plus each block's composite
// receipt (receipt.KindComposite), or, with an Aggregator, one aggregation proof of every block
// (receipt.KindSuccinct). It proves blocks one after another; the segments of a block are
// proven in parallel, here or, with Runs, wherever Runs proves them.
type StarkProver struct {
	image   *vm.Image
	program *vm.Program
	imageID common.Hash
	// Options configure each block's proven run (segment size, workers, STARK parameters).
	Options prove.Options
	// OnBlock, when set, is called after each block is proven.
	OnBlock func(block uint64, res *vm.Result, took time.Duration)
	// Aggregator, when set, makes span receipts succinct (receipt.KindSuccinct): each block's run
	// aggregated and sealed, the blocks chained into one proof.
	Aggregator *recursion.Aggregator
	// Runs, when set with Aggregator, aggregates each block's run (default: LocalRuns with
	// Aggregator): a proving cluster. It must use Aggregator's key set. Sealing each block,
	// chaining the span and shrinking the chain stay with Aggregator, on this machine: two
	// recursion proofs per block and one per span, against thousands of segment and join
	// proofs per block on the cluster.
	Runs RunAggregator
	// Wrapper, when set with Aggregator, wraps each succinct span receipt for L1 (a Groth16 proof
	// of the span: receipt.KindGroth16).
	Wrapper SpanWrapper
}

// NewStarkProver proves with the STF guest's image; prog, when not nil, is the ELF it was built
// from (its symbols name functions in errors).
func NewStarkProver(img *vm.Image, prog *vm.Program, opts prove.Options) *StarkProver {
	return &StarkProver{image: img, program: prog, imageID: common.Hash(img.ID().Bytes()), Options: opts}
}

// ImageID is the image ID the receipts name.
func (p *StarkProver) ImageID() common.Hash { return p.imageID }

// ProveSpan implements Prover.
func (p *StarkProver) ProveSpan(ctx context.Context, span *Span) (*SpanProof, error) {
	if p.Aggregator != nil {
		return p.proveSuccinct(ctx, span)
	}
	blocks := make([]*receipt.CompositeReceipt, 0, len(span.Inputs))
	claims, err := p.proveBlocks(span, func(enc []byte) (*receipt.SegmentClaim, []byte, *vm.Result, error) {
		comp, res, err := prove.Run(ctx, p.image, p.program, enc, p.Options)
		if err != nil {
			return nil, nil, nil, err
		}
		last, err := comp.Claim()
		if err != nil {
			return nil, nil, nil, err
		}
		blocks = append(blocks, comp)
		return last, comp.Journal, res, nil
	}, nil)
	if err != nil {
		return nil, err
	}
	sc, err := ChainClaims(p.imageID, span.StartOutputRoot, claims)
	if err != nil {
		return nil, err
	}
	r, err := receipt.NewCompositeSpan(sc, blocks)
	if err != nil {
		return nil, err
	}
	return &SpanProof{Receipt: r, Claims: claims}, nil
}

// proveBlocks proves the blocks of span one after another and returns their STF claims: run
// proves a block's encoded input and returns the run's last segment claim, journal and result;
// the claim is read from the journal (guestClaim), then finish, when set, completes the block.
// OnBlock hears of each block with the time of all three.
func (p *StarkProver) proveBlocks(span *Span, run func(enc []byte) (*receipt.SegmentClaim, []byte, *vm.Result, error), finish func() error) ([]stf.Claim, error) {
	claims := make([]stf.Claim, 0, len(span.Inputs))
	for _, in := range span.Inputs {
		n := in.Block.NumberU64()
		enc, err := in.Encode()
		if err != nil {
			return nil, fmt.Errorf("derivation: input of block %d: %w", n, err)
		}
		start := time.Now()
		last, journal, res, err := run(enc)
		if err != nil {
			return nil, fmt.Errorf("derivation: proving block %d: %w", n, err)
		}
		c, err := guestClaim(last, journal)
		if err != nil {
			return nil, fmt.Errorf("derivation: block %d: %w", n, err)
		}
		if finish != nil {
			if err := finish(); err != nil {
				return nil, fmt.Errorf("derivation: block %d: %w", n, err)
			}
		}
		if p.OnBlock != nil {
			p.OnBlock(n, res, time.Since(start))
		}
		claims = append(claims, c)
	}
	return claims, nil
}

// proveSuccinct proves a span into one aggregation proof: every block's run aggregated and
// sealed (a run of the image that exits cleanly with its journal), the blocks chained, the
// chain shrunk into the seal.
func (p *StarkProver) proveSuccinct(ctx context.Context, span *Span) (*SpanProof, error) {
	journals := make([][]byte, 0, len(span.Inputs))
	sealed := make([]*recursion.Proof, len(span.Inputs))
	var whole *recursion.Proof
	var runs RunAggregator = LocalRuns{p.Aggregator}
	if p.Runs != nil {
		runs = p.Runs
	}
	// With Runs (a cluster) each block is sealed here while the cluster proves the next one, so
	// that the seal (one recursion proof, seconds) stays off the span's critical path. Locally
	// the seal and the next block's run would share the same cores: it runs in turn.
	overlap := p.Runs != nil
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var sealing sync.WaitGroup
	n := 0
	claims, err := p.proveBlocks(span, func(enc []byte) (*receipt.SegmentClaim, []byte, *vm.Result, error) {
		a, res, err := runs.Aggregate(ctx, p.image, p.program, enc, p.Options)
		if err != nil {
			return nil, nil, nil, err
		}
		whole = a.Proof
		journals = append(journals, a.Journal)
		return &a.Last, a.Journal, res, nil
	}, func() error {
		i, proof := n, whole
		n++
		seal := func() (err error) {
			if sealed[i], err = p.Aggregator.Seal(ctx, proof); err != nil {
				return fmt.Errorf("sealing: %w", err)
			}
			return nil
		}
		if !overlap {
			return seal()
		}
		sealing.Add(1)
		go func() {
			defer sealing.Done()
			if err := seal(); err != nil {
				cancel(fmt.Errorf("derivation: block %d: %w", span.Inputs[i].Block.NumberU64(), err))
			}
		}()
		return nil
	})
	sealing.Wait()
	if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil && !errors.Is(cause, context.Canceled) {
		return nil, cause // a seal failed: the error the cancelled run returned is its echo
	}
	if err != nil {
		return nil, err
	}
	sc, err := ChainClaims(p.imageID, span.StartOutputRoot, claims)
	if err != nil {
		return nil, err
	}
	proof, err := p.Aggregator.SpanSeal(ctx, sealed, p.Options.Workers)
	if err != nil {
		return nil, err
	}
	if p.Wrapper != nil {
		r, err := p.Wrapper.Wrap(ctx, sc, proof, journals)
		if err != nil {
			return nil, fmt.Errorf("derivation: wrapping span %d..%d: %w", sc.StartBlock, sc.EndBlock, err)
		}
		return &SpanProof{Receipt: r, Claims: claims}, nil
	}
	r, err := receipt.NewSuccinctSpan(sc, &receipt.SuccinctSpanSeal{Journals: journals, Proof: proof})
	if err != nil {
		return nil, err
	}
	return &SpanProof{Receipt: r, Claims: claims}, nil
}

// guestClaim is the STF claim a run of the guest proves: its journal, when its last segment
// exited with guestio.ExitOK.
func guestClaim(last *receipt.SegmentClaim, journal []byte) (stf.Claim, error) {
	if !last.Halted || last.ExitCode != guestio.ExitOK {
		return stf.Claim{}, fmt.Errorf("%w: exit %d (%s)", ErrGuestFailed, last.ExitCode, guestio.ExitName(int(last.ExitCode)))
	}
	c, err := stf.DecodeClaim(journal)
	if err != nil {
		return stf.Claim{}, fmt.Errorf("%w: journal: %w", ErrGuestFailed, err)
	}
	return c, nil
}

// SpanVerifier verifies span receipts (receipt.SpanSealVerifier). For composite and succinct
// ones, every block's run is proven under the claim's image ID and exited with guestio.ExitOK,
// and the STF claims in their journals chain (ChainClaims) into exactly the span claim, which
// includes that the first block's proven parent output root is the claim's start output root
// (ErrStartOutputRoot): the oracle checks that root against its latest output, so the span
// provably extends the state the oracle holds. Groth16 receipts prove the on-chain part of the
// claim (image, config, start and end output roots, end block), which their wrap checked the
// same way before proving.
type SpanVerifier struct {
	// Segments checks segment seals (nil: rv64.NewVerifier(), 100 conjectured bits).
	Segments receipt.SealVerifier
	// Succinct checks aggregation proofs (nil: the production key set at 100 bits).
	Succinct *recursion.SuccinctVerifier
	// Groth16 checks receipt.KindGroth16 seals against the on-chain statement (prover/wrap's
	// SealVerifier for the wrapper's keys); nil refuses them (receipt.ErrUnsupported).
	Groth16 receipt.SpanSealVerifier
}

// VerifySpanSeal implements receipt.SpanSealVerifier.
func (v *SpanVerifier) VerifySpanSeal(claim receipt.SpanClaim, kind receipt.Kind, seal []byte) error {
	image, err := hash.DigestFromBytes(claim.ImageID[:])
	if err != nil {
		return fmt.Errorf("%w: image ID %s is no digest: %w", receipt.ErrSpanSeal, claim.ImageID, err)
	}
	switch kind {
	case receipt.KindComposite:
		return v.verifyComposite(claim, image, seal)
	case receipt.KindSuccinct:
		return v.verifySuccinct(claim, image, seal)
	case receipt.KindGroth16:
		if v.Groth16 != nil {
			return v.Groth16.VerifySpanSeal(claim, kind, seal)
		}
	}
	return fmt.Errorf("%w: %v", receipt.ErrUnsupported, kind)
}

// chainsTo checks that the journals' STF claims chain into exactly claim.
func chainsTo(claim receipt.SpanClaim, claims []stf.Claim) error {
	got, err := ChainClaims(claim.ImageID, claim.StartOutputRoot, claims)
	if err != nil {
		return fmt.Errorf("%w: %w", receipt.ErrSpanSeal, err)
	}
	if got != claim {
		return fmt.Errorf("%w: the blocks prove span %d..%d ending in output root %s, the claim is %d..%d ending in %s",
			receipt.ErrSpanSeal, got.StartBlock, got.EndBlock, got.EndOutputRoot, claim.StartBlock, claim.EndBlock, claim.EndOutputRoot)
	}
	return nil
}

func (v *SpanVerifier) verifyComposite(claim receipt.SpanClaim, image hash.Digest, seal []byte) error {
	s, err := receipt.DecodeSpanSeal(seal)
	if err != nil {
		return err
	}
	// The cheap checks first: what the journals claim, then the proofs.
	claims := make([]stf.Claim, len(s.Blocks))
	for i, comp := range s.Blocks {
		last, err := comp.Claim()
		if err == nil {
			claims[i], err = guestClaim(last, comp.Journal)
		}
		if err != nil {
			return fmt.Errorf("%w: block %d of the span: %w", receipt.ErrSpanSeal, i, err)
		}
	}
	if err := chainsTo(claim, claims); err != nil {
		return err
	}
	segs := v.Segments
	if segs == nil {
		segs = rv64.NewVerifier()
	}
	for i, comp := range s.Blocks {
		if err := comp.Verify(image, segs); err != nil {
			return fmt.Errorf("%w: block %d: %w", receipt.ErrSpanSeal, claims[i].BlockNumber, err)
		}
	}
	return nil
}

// verifySuccinct checks a succinct span seal: the aggregation proof proves that clean runs of the
// image wrote these journals (exit code 0 is guestio.ExitOK, which the seal program requires),
// and the journals' claims chain into the span claim.
func (v *SpanVerifier) verifySuccinct(claim receipt.SpanClaim, image hash.Digest, seal []byte) error {
	s, err := receipt.DecodeSuccinctSpanSeal(seal)
	if err != nil {
		return err
	}
	claims := make([]stf.Claim, len(s.Journals))
	for i, j := range s.Journals {
		if claims[i], err = stf.DecodeClaim(j); err != nil {
			return fmt.Errorf("%w: block %d of the span: journal: %w", receipt.ErrSpanSeal, i, err)
		}
	}
	if err := chainsTo(claim, claims); err != nil {
		return err
	}
	sv := v.Succinct
	if sv == nil {
		if sv, err = recursion.ProductionVerifier(); err != nil {
			return err
		}
	}
	if err := sv.VerifyRuns(image, s.Journals, s.Proof); err != nil {
		return fmt.Errorf("%w: %w", receipt.ErrSpanSeal, err)
	}
	return nil
}
