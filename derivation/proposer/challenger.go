package proposer

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/log"
	"github.com/zkexex/zkexex/contracts"
)

var (
	// ErrNoChallenger: an output must be deleted but no challenger key is configured (permanent).
	ErrNoChallenger = errors.New("proposer: no challenger key configured")
	// ErrNotChallenger: the challenger key is not the oracle's challenger (permanent).
	ErrNotChallenger = errors.New("proposer: key is not the oracle's challenger")
	// ErrOutputFinalized: the output to delete is past its finalization window (permanent).
	ErrOutputFinalized = errors.New("proposer: output is finalized")
)

// FinalizedError says that an output the L2 chain no longer agrees with can no longer be
// deleted: its finalization window is over. Nothing the proposer can send fixes that, so the
// message says what an operator must do. It wraps ErrOutputFinalized and ErrPermanent.
type FinalizedError struct {
	OutputIndex   uint64
	L2BlockNumber uint64
	OutputRoot    common.Hash
	FinalizedAt   uint64 // L1 timestamp at which the window closed
}

func (e *FinalizedError) Error() string {
	return fmt.Sprintf("proposer: output %d (L2 block %d, root %s) finalized at L1 time %d and cannot be deleted, "+
		"but the L2 chain no longer has that root: check that the node follows the right L2 chain; if it does, "+
		"the oracle finalized a wrong output and must be redeployed (or upgraded) from a good output before proposing resumes",
		e.OutputIndex, e.L2BlockNumber, e.OutputRoot, e.FinalizedAt)
}

func (e *FinalizedError) Unwrap() []error { return []error{ErrOutputFinalized, ErrPermanent} }

// OracleOutput is one output the oracle holds.
type OracleOutput struct {
	Index         uint64
	L2BlockNumber uint64
	OutputRoot    common.Hash
	Timestamp     uint64 // L1 time of its proposal
}

// Latest returns the L2 block of the oracle's latest output and its root (the oracle's starting
// block and root when it holds none), both read at one L1 block so they agree.
func (p *Proposer) Latest(ctx context.Context) (uint64, common.Hash, error) {
	head, err := p.client.HeaderByNumber(ctx, nil)
	if err != nil {
		return 0, common.Hash{}, fmt.Errorf("proposer: head: %w", err)
	}
	opts := &bind.CallOpts{Context: ctx, BlockNumber: head.Number}
	n, err := p.oracle.LatestBlockNumber(opts)
	if err != nil {
		return 0, common.Hash{}, fmt.Errorf("proposer: latestBlockNumber: %w", contracts.AsRevert(err))
	}
	root, err := p.oracle.LatestOutputRoot(opts)
	if err != nil {
		return 0, common.Hash{}, fmt.Errorf("proposer: latestOutputRoot: %w", contracts.AsRevert(err))
	}
	return n.Uint64(), root, nil
}

// OutputAt returns the oracle's output for exactly L2 block l2Block, nil when it holds none.
func (p *Proposer) OutputAt(ctx context.Context, l2Block uint64) (*OracleOutput, error) {
	opts := &bind.CallOpts{Context: ctx}
	idx, err := p.oracle.GetL2OutputIndexAfter(opts, new(big.Int).SetUint64(l2Block))
	if err != nil {
		if r := (*contracts.RevertError)(nil); errors.As(contracts.AsRevert(err), &r) {
			return nil, nil // NoOutputs or NoOutputAfter
		}
		return nil, fmt.Errorf("proposer: getL2OutputIndexAfter: %w", err)
	}
	held, err := p.oracle.GetL2Output(opts, idx)
	if err != nil {
		return nil, fmt.Errorf("proposer: getL2Output: %w", contracts.AsRevert(err))
	}
	if held.L2BlockNumber.Uint64() != l2Block {
		return nil, nil
	}
	return &OracleOutput{Index: idx.Uint64(), L2BlockNumber: l2Block, OutputRoot: held.OutputRoot, Timestamp: held.Timestamp.Uint64()}, nil
}

// checkChallenger verifies that key is the oracle's challenger.
func (p *Proposer) checkChallenger(ctx context.Context, key *ecdsa.PrivateKey) error {
	role, err := p.oracle.Challenger(&bind.CallOpts{Context: ctx})
	if err != nil {
		return fmt.Errorf("proposer: read oracle challenger: %w", contracts.AsRevert(err))
	}
	if from := crypto.PubkeyToAddress(key.PublicKey); role != from {
		return permanent(fmt.Errorf("%w: oracle %s wants %s, key is %s", ErrNotChallenger, p.cfg.Oracle, role, from))
	}
	return nil
}

// DeleteFrom deletes, as the oracle's challenger, the output for L2 block l2Block and every later
// one, so that the span can be proposed again on the chain the node now follows. It returns the
// number of outputs deleted (0 when the oracle holds no output for l2Block, e.g. a previous call
// already deleted it). Past the finalization window it returns a *FinalizedError.
func (p *Proposer) DeleteFrom(ctx context.Context, l2Block uint64) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out, err := p.OutputAt(ctx, l2Block)
	if err != nil || out == nil {
		return 0, err
	}
	if p.cfg.ChallengerKey == nil {
		return 0, permanent(fmt.Errorf("%w: output %d (L2 block %d) must be deleted by the oracle's challenger", ErrNoChallenger, out.Index, l2Block))
	}
	opts := &bind.CallOpts{Context: ctx}
	period, err := p.oracle.FinalizationPeriodSeconds(opts)
	if err != nil {
		return 0, fmt.Errorf("proposer: finalizationPeriodSeconds: %w", contracts.AsRevert(err))
	}
	length, err := p.oracle.NextOutputIndex(opts)
	if err != nil {
		return 0, fmt.Errorf("proposer: nextOutputIndex: %w", contracts.AsRevert(err))
	}
	head, err := p.client.HeaderByNumber(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("proposer: head: %w", err)
	}
	finalizedAt := out.Timestamp + period.Uint64()
	// The deletion lands in a later block, at least a second after head: check against that.
	if head.Time+1 >= finalizedAt {
		p.m.failures.Inc(1)
		return 0, &FinalizedError{OutputIndex: out.Index, L2BlockNumber: l2Block, OutputRoot: out.OutputRoot, FinalizedAt: finalizedAt}
	}
	auth, err := bind.NewKeyedTransactorWithChainID(p.cfg.ChallengerKey, p.signer.ChainID())
	if err != nil {
		return 0, permanent(err)
	}
	auth.Context = ctx
	log.Warn("Deleting outputs the L2 chain no longer has", "fromIndex", out.Index, "l2Block", l2Block, "root", out.OutputRoot,
		"outputs", length.Uint64()-out.Index, "finalizedAt", finalizedAt)
	tx, err := p.oracle.DeleteL2Outputs(auth, new(big.Int).SetUint64(out.Index))
	if err != nil {
		var r *contracts.RevertError
		if errors.As(contracts.AsRevert(err), &r) && r.Name != "" {
			return 0, p.deleteReverted(r, out, finalizedAt)
		}
		return 0, fmt.Errorf("proposer: deleteL2Outputs: %w", err)
	}
	r, err := p.waitReceipt(ctx, tx.Hash())
	if err != nil {
		return 0, err
	}
	if r.Status != types.ReceiptStatusSuccessful {
		// Replay on the state after its block to learn why (another deletion first, or the window closed).
		_, cerr := p.client.CallContract(ctx, ethereum.CallMsg{From: auth.From, To: &p.cfg.Oracle, Data: tx.Data(), Gas: tx.Gas()}, r.BlockNumber)
		if rd, ok := contracts.RevertData(cerr); ok {
			return 0, p.deleteReverted(contracts.DecodeRevert(rd), out, finalizedAt)
		}
		return 0, fmt.Errorf("proposer: deleteL2Outputs tx %s failed", tx.Hash())
	}
	p.m.deletions.Inc(1)
	n := int(length.Uint64() - out.Index)
	log.Warn("Deleted outputs", "fromIndex", out.Index, "l2Block", l2Block, "outputs", n, "tx", tx.Hash(), "l1Block", r.BlockNumber)
	return n, nil
}

func (p *Proposer) deleteReverted(r *contracts.RevertError, out *OracleOutput, finalizedAt uint64) error {
	switch r.Name {
	case "OutputFinalized":
		return &FinalizedError{OutputIndex: out.Index, L2BlockNumber: out.L2BlockNumber, OutputRoot: out.OutputRoot, FinalizedAt: finalizedAt}
	case "OutputIndexOutOfRange":
		return fmt.Errorf("proposer: output %d already gone: %w", out.Index, r) // the next read sees the oracle as it is
	case "NotChallenger":
		return permanent(fmt.Errorf("%w: %w", ErrNotChallenger, r))
	}
	return fmt.Errorf("proposer: deleteL2Outputs reverted: %w", r)
}

// waitReceipt polls for a transaction's receipt.
func (p *Proposer) waitReceipt(ctx context.Context, h common.Hash) (*types.Receipt, error) {
	tick := time.NewTicker(p.cfg.PollInterval)
	defer tick.Stop()
	for {
		r, err := p.client.TransactionReceipt(ctx, h)
		if err == nil {
			return r, nil
		}
		if !errors.Is(err, ethereum.NotFound) {
			return nil, fmt.Errorf("proposer: receipt %s: %w", h, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
}
