package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/log"
	"github.com/zkexex/zkexex/derivation"
	"github.com/zkexex/zkexex/derivation/proposer"
	"github.com/zkexex/zkexex/prover/receipt"
)

// adapter is the one place where derivation's proposals meet the L1 proposer: derivation
// speaks derivation.Proposal / derivation.Proposed and stops on
// derivation.ErrProposalRejected; the proposer's permanent failures become exactly that. It is
// also the pipeline's derivation.Oracle, so what to propose is derived from the oracle's state
// and outputs a reorg dropped are deleted through the challenger role. Before it proposes a
// span whose receipt is not a dev receipt, it verifies the receipt and refuses
// (derivation.ErrProposalRejected) one that does not prove the proposal: until the wrap exists
// no oracle can check such a receipt, so this is where it is checked.
type adapter struct {
	p          *proposer.Proposer
	onProposed func(derivation.Proposal, derivation.Proposed)
	check      receiptCheck
}

var _ derivation.Oracle = (*adapter)(nil)

// NewAdapter returns the derivation.Proposer (and derivation.Oracle) that proposes through p.
// It verifies non-dev receipts with derivation.SpanVerifier at full security, under the image
// each receipt names.
func NewAdapter(p *proposer.Proposer) derivation.Proposer { return &adapter{p: p} }

// ErrBadReceipt: a proposal's receipt does not prove it; wrapped in
// derivation.ErrProposalRejected.
var ErrBadReceipt = errors.New("zkexex service: the receipt does not prove the proposal")

// receiptCheck verifies the receipts of proposals.
type receiptCheck struct {
	// imageID and configHash, when non-zero, are what every receipt must name.
	imageID, configHash common.Hash
	// seal checks non-dev seals (nil: derivation.SpanVerifier with the production verifier).
	seal receipt.SpanSealVerifier
}

// verify checks that p's receipt proves p: its claim ends at p's block with p's output root,
// starts at p's previous output root, names the expected image and config, and its seal
// verifies. Dev receipts are left to the oracle's verifier.
func (c *receiptCheck) verify(p *derivation.Proposal) error {
	r := p.Receipt
	if r == nil || r.IsDev() {
		return nil
	}
	cl := r.Claim
	switch {
	case cl.EndBlock != p.L2BlockNumber || cl.EndBlockHash != p.L2BlockHash:
		return fmt.Errorf("%w: it ends at block %d [%s], the proposal at %d [%s]", ErrBadReceipt, cl.EndBlock, cl.EndBlockHash, p.L2BlockNumber, p.L2BlockHash)
	case cl.EndOutputRoot != p.OutputRoot || cl.StartOutputRoot != p.PrevOutputRoot:
		return fmt.Errorf("%w: output roots %s -> %s, the proposal's %s -> %s", ErrBadReceipt, cl.StartOutputRoot, cl.EndOutputRoot, p.PrevOutputRoot, p.OutputRoot)
	case c.imageID != (common.Hash{}) && cl.ImageID != c.imageID:
		return fmt.Errorf("%w: image %s, the oracle's is %s", ErrBadReceipt, cl.ImageID, c.imageID)
	case c.configHash != (common.Hash{}) && cl.ConfigHash != c.configHash:
		return fmt.Errorf("%w: config %s, this chain's is %s", ErrBadReceipt, cl.ConfigHash, c.configHash)
	}
	seal := c.seal
	if seal == nil {
		seal = &derivation.SpanVerifier{}
	}
	start := time.Now()
	if err := receipt.Verify(r, cl, receipt.VerifierOptions{ImageID: cl.ImageID, Seal: seal}); err != nil {
		return fmt.Errorf("%w: %w", ErrBadReceipt, err)
	}
	log.Info("Verified the span receipt", "start", cl.StartBlock, "end", cl.EndBlock, "kind", r.Kind, "bytes", len(r.Seal), "elapsed", time.Since(start).Round(time.Millisecond))
	return nil
}

// rejected maps the proposer's permanent failures to derivation.ErrProposalRejected.
func rejected(err error) error {
	if errors.Is(err, proposer.ErrPermanent) {
		return fmt.Errorf("%w: %w", derivation.ErrProposalRejected, err)
	}
	return err
}

func (a *adapter) Latest(ctx context.Context) (uint64, common.Hash, error) { return a.p.Latest(ctx) }

func (a *adapter) OutputRoot(ctx context.Context, n uint64) (common.Hash, bool, error) {
	o, err := a.p.OutputAt(ctx, n)
	if err != nil || o == nil {
		return common.Hash{}, false, err
	}
	return o.OutputRoot, true, nil
}

func (a *adapter) DeleteFrom(ctx context.Context, n uint64) error {
	_, err := a.p.DeleteFrom(ctx, n)
	return rejected(err)
}

func (a *adapter) Propose(ctx context.Context, p *derivation.Proposal) (*derivation.Proposed, error) {
	if err := a.check.verify(p); err != nil {
		log.Error("Refusing to propose an output whose receipt does not verify", "block", p.L2BlockNumber, "kind", p.Receipt.Kind, "err", err)
		return nil, fmt.Errorf("%w: %w", derivation.ErrProposalRejected, err)
	}
	res, err := a.p.Propose(ctx, proposer.Output{
		L2BlockNumber: p.L2BlockNumber, OutputRoot: p.OutputRoot, PrevOutputRoot: p.PrevOutputRoot, Proof: p.Proof,
	})
	if err != nil {
		return nil, rejected(err)
	}
	out := &derivation.Proposed{OutputIndex: res.OutputIndex, L1BlockNumber: res.L1BlockNumber, L1TxHash: res.TxHash}
	if a.onProposed != nil {
		a.onProposed(*p, *out)
	}
	return out, nil
}
