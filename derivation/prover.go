package derivation

import (
	"context"
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/stf"
)

// Span is a run of consecutive canonical blocks to prove together: the blocks after one
// oracle output up to and including the next.
type Span struct {
	// StartOutputRoot is the output root of the block before Inputs[0] (the previous span's
	// end, or the anchor's).
	StartOutputRoot common.Hash
	Inputs          []*stf.Input
}

// SpanProof is what a Prover returns: the receipt over the span claim and the per-block STF
// claims it chained (one per input, in order), which the proven-block index records.
type SpanProof struct {
	Receipt *receipt.Receipt
	Claims  []stf.Claim
}

// Prover proves whole spans. It is called for one span at a time, in chain order, and must
// return promptly with ctx's error once ctx is cancelled (a reorg dropped a span block).
type Prover interface {
	ProveSpan(ctx context.Context, span *Span) (*SpanProof, error)
}

// BlockExecutor runs the STF on one block's input and returns its claim: stf.Execute
// natively, or the STF guest in the zkVM executor.
type BlockExecutor func(ctx context.Context, in *stf.Input) (stf.Claim, error)

// DevProver runs the STF on each block of a span (Execute, stf.Execute by default), checks
// that the claims chain from the span's start output root (ChainClaims), and returns a
// dev receipt over the real span claim. Nothing is proven: only a verifier in dev mode accepts
// its receipts.
type DevProver struct {
	// ImageID is the image ID the receipts name: the STF guest's when it was built, else zero.
	ImageID common.Hash
	Execute BlockExecutor
}

// ProveSpan implements Prover.
func (p *DevProver) ProveSpan(ctx context.Context, span *Span) (*SpanProof, error) {
	exec := p.Execute
	if exec == nil {
		exec = stf.Execute
	}
	claims := make([]stf.Claim, 0, len(span.Inputs))
	for _, in := range span.Inputs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c, err := exec(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("derivation: STF of block %d: %w", in.Block.NumberU64(), err)
		}
		claims = append(claims, c)
	}
	sc, err := ChainClaims(p.ImageID, span.StartOutputRoot, claims)
	if err != nil {
		return nil, err
	}
	return &SpanProof{Receipt: receipt.NewDev(sc), Claims: claims}, nil
}

// ErrStartOutputRoot: a span's start output root is not the output root of the state its first
// block was executed on (the parent output root its STF claim proves). The oracle checks the start
// output root against its latest output; without this check a span could graft blocks executed on
// any state onto the oracle's real output.
var ErrStartOutputRoot = errors.New("derivation: span start output root is not the first block's parent output root")

// ChainClaims joins consecutive per-block claims into the span claim, checking that the span
// starts at startOutputRoot (the first claim's proven parent output root, ErrStartOutputRoot)
// and that each block builds on the previous one (number, parent hash, state root, output root)
// under one config (ErrBrokenChain).
func ChainClaims(imageID, startOutputRoot common.Hash, claims []stf.Claim) (receipt.SpanClaim, error) {
	if len(claims) == 0 {
		return receipt.SpanClaim{}, fmt.Errorf("%w: empty span", ErrBrokenChain)
	}
	if first := claims[0]; first.ParentOutputRoot != startOutputRoot {
		return receipt.SpanClaim{}, fmt.Errorf("%w: span starts at %x, block %d was executed on a state with output root %x",
			ErrStartOutputRoot, startOutputRoot, first.BlockNumber, first.ParentOutputRoot)
	}
	for i := 1; i < len(claims); i++ {
		prev, c := claims[i-1], claims[i]
		switch {
		case c.ConfigHash != prev.ConfigHash:
			return receipt.SpanClaim{}, fmt.Errorf("%w: block %d has another config", ErrBrokenChain, c.BlockNumber)
		case c.BlockNumber != prev.BlockNumber+1 || c.ParentHash != prev.BlockHash:
			return receipt.SpanClaim{}, fmt.Errorf("%w: block %d does not extend %d", ErrBrokenChain, c.BlockNumber, prev.BlockNumber)
		case c.PreStateRoot != prev.PostStateRoot:
			return receipt.SpanClaim{}, fmt.Errorf("%w: block %d starts on state %x, block %d ended on %x", ErrBrokenChain, c.BlockNumber, c.PreStateRoot, prev.BlockNumber, prev.PostStateRoot)
		case c.ParentOutputRoot != prev.OutputRoot:
			// Implied by the parent hash and state root for an honest STF; checked so that the
			// span's output roots chain by what the claims say, not by that argument.
			return receipt.SpanClaim{}, fmt.Errorf("%w: block %d starts on output root %x, block %d ended on %x", ErrBrokenChain, c.BlockNumber, c.ParentOutputRoot, prev.BlockNumber, prev.OutputRoot)
		}
	}
	first, last := claims[0], claims[len(claims)-1]
	return receipt.SpanClaim{
		ConfigHash:      first.ConfigHash,
		StartParentHash: first.ParentHash,
		EndBlockHash:    last.BlockHash,
		StartBlock:      first.BlockNumber,
		EndBlock:        last.BlockNumber,
		StartOutputRoot: startOutputRoot,
		EndOutputRoot:   last.OutputRoot,
		ImageID:         imageID,
	}, nil
}

// AnchorFromChain computes the anchor for block number of bc (whose state the node must
// hold): its hash and its output root under cfg's message passer.
func AnchorFromChain(bc *core.BlockChain, cfg *stf.Config, number uint64) (Anchor, error) {
	h := bc.GetHeaderByNumber(number)
	if h == nil {
		return Anchor{}, fmt.Errorf("derivation: anchor block %d unknown", number)
	}
	sdb, err := bc.StateAt(h.Root, h.Number, h.Time)
	if err != nil {
		return Anchor{}, fmt.Errorf("derivation: state of anchor block %d: %w", number, err)
	}
	mpRoot := types.EmptyRootHash
	if mp := cfg.MessagePasser; mp != nil && sdb.Exist(*mp) {
		mpRoot = sdb.GetStorageRoot(*mp)
	}
	return Anchor{Number: number, Hash: h.Hash(), OutputRoot: stf.OutputRoot(h.Root, mpRoot, h.Hash())}, nil
}
