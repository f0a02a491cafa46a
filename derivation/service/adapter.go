package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/zkexex/zkexex/derivation"
	"github.com/zkexex/zkexex/derivation/proposer"
)

// adapter is the one place where derivation's proposals meet the L1 proposer: derivation
// speaks derivation.Proposal / derivation.Proposed and stops on
// derivation.ErrProposalRejected; the proposer's permanent failures become exactly that.
type adapter struct {
	p          *proposer.Proposer
	onProposed func(derivation.Proposal, derivation.Proposed)
}

func (a *adapter) Propose(ctx context.Context, p *derivation.Proposal) (*derivation.Proposed, error) {
	res, err := a.p.Propose(ctx, proposer.Output{
		L2BlockNumber: p.L2BlockNumber, OutputRoot: p.OutputRoot, PrevOutputRoot: p.PrevOutputRoot, Proof: p.Proof,
	})
	if errors.Is(err, proposer.ErrPermanent) {
		return nil, fmt.Errorf("%w: %w", derivation.ErrProposalRejected, err)
	}
	if err != nil {
		return nil, err
	}
	out := &derivation.Proposed{OutputIndex: res.OutputIndex, L1BlockNumber: res.L1BlockNumber, L1TxHash: res.TxHash}
	if a.onProposed != nil {
		a.onProposed(*p, *out)
	}
	return out, nil
}
