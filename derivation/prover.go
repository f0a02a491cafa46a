package derivation

import (
	"context"
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
// that the claims chain (parent/block hashes, pre/post state roots, one config), and returns a
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

// ChainClaims joins consecutive per-block claims into the span claim, checking that each
// block builds on the previous one (number, parent hash, state root) under one config.
func ChainClaims(imageID, startOutputRoot common.Hash, claims []stf.Claim) (receipt.SpanClaim, error) {
	if len(claims) == 0 {
		return receipt.SpanClaim{}, fmt.Errorf("%w: empty span", ErrBrokenChain)
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
