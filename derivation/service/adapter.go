package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/zkexex/zkexex/derivation"
	"github.com/zkexex/zkexex/derivation/proposer"
)

// adapter is the one place where derivation's proposals meet the L1 proposer: derivation
// speaks derivation.Proposal / derivation.Proposed and stops on
// derivation.ErrProposalRejected; the proposer's permanent failures become exactly that. It is
// also the pipeline's derivation.Oracle, so what to propose is derived from the oracle's state
// and outputs a reorg dropped are deleted through the challenger role.
type adapter struct {
	p          *proposer.Proposer
	onProposed func(derivation.Proposal, derivation.Proposed)
}

var _ derivation.Oracle = (*adapter)(nil)

// NewAdapter returns the derivation.Proposer (and derivation.Oracle) that proposes through p.
func NewAdapter(p *proposer.Proposer) derivation.Proposer { return &adapter{p: p} }

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
