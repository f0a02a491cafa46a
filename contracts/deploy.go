package contracts

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/zkexex/zkexex/contracts/bindings"
)

// Backend is what deploying needs: sending transactions and waiting for their receipts.
type Backend interface {
	bind.ContractBackend
	bind.DeployBackend
}

// OracleConfig holds the L2OutputOracle constructor parameters.
type OracleConfig struct {
	SubmissionInterval        uint64         // L2 blocks between outputs (> 0)
	L2BlockTime               uint64         // seconds per L2 block (> 0)
	StartingBlockNumber       uint64         // the L2 block the first output builds on
	StartingTimestamp         uint64         // timestamp of StartingBlockNumber; not after the deploying L1 block
	StartingOutputRoot        common.Hash    // output root of StartingBlockNumber
	Proposer                  common.Address // the only proposer
	Challenger                common.Address // the only address allowed to delete outputs
	FinalizationPeriodSeconds uint64         // deletion window after a proposal
	Verifier                  common.Address // an IOutputVerifier
	ImageID                   common.Hash    // image ID of the STF guest (hash.Digest.Bytes())
	ConfigHash                common.Hash    // stf Config.Hash() of the L2 chain
	// AllowDevVerifier must be true for the oracle to accept a verifier whose isDev() is true
	// (the DevVerifier); production deployments leave it false.
	AllowDevVerifier bool
}

func (c OracleConfig) params() bindings.L2OutputOracleParams {
	u := func(v uint64) *big.Int { return new(big.Int).SetUint64(v) }
	return bindings.L2OutputOracleParams{
		SubmissionInterval:        u(c.SubmissionInterval),
		L2BlockTime:               u(c.L2BlockTime),
		StartingBlockNumber:       u(c.StartingBlockNumber),
		StartingTimestamp:         u(c.StartingTimestamp),
		StartingOutputRoot:        c.StartingOutputRoot,
		Proposer:                  c.Proposer,
		Challenger:                c.Challenger,
		FinalizationPeriodSeconds: u(c.FinalizationPeriodSeconds),
		Verifier:                  c.Verifier,
		ImageId:                   c.ImageID,
		ConfigHash:                c.ConfigHash,
		AllowDevVerifier:          c.AllowDevVerifier,
	}
}

// ErrDeployReverted says a deployment transaction was mined but reverted; the wrapping error carries
// the decoded reason where the node could replay it.
var ErrDeployReverted = errors.New("contract deployment reverted")

// DeployOracle deploys an L2OutputOracle and waits until it is mined. The caller's chain must produce
// blocks on its own (a dev node does; with a simulated backend, call Commit from another goroutine).
// A constructor revert (e.g. DevVerifierNotAllowed) is returned as a *RevertError when the node
// rejects the transaction at gas estimation, which is where it normally surfaces.
func DeployOracle(ctx context.Context, auth *bind.TransactOpts, backend Backend, cfg OracleConfig) (common.Address, *bindings.L2OutputOracle, error) {
	addr, tx, oracle, err := bindings.DeployL2OutputOracle(withContext(ctx, auth), backend, cfg.params())
	if err != nil {
		return common.Address{}, nil, fmt.Errorf("deploy L2OutputOracle: %w", AsRevert(err))
	}
	if err := waitDeployed(ctx, backend, tx, addr); err != nil {
		return common.Address{}, nil, fmt.Errorf("deploy L2OutputOracle: %w", err)
	}
	return addr, oracle, nil
}

// DeployDevVerifier deploys the INSECURE DevVerifier (acknowledging that it is insecure) and waits
// until it is mined. Only an oracle deployed with AllowDevVerifier accepts it.
func DeployDevVerifier(ctx context.Context, auth *bind.TransactOpts, backend Backend) (common.Address, error) {
	addr, tx, _, err := bindings.DeployDevVerifier(withContext(ctx, auth), backend, true)
	if err != nil {
		return common.Address{}, fmt.Errorf("deploy DevVerifier: %w", AsRevert(err))
	}
	if err := waitDeployed(ctx, backend, tx, addr); err != nil {
		return common.Address{}, fmt.Errorf("deploy DevVerifier: %w", err)
	}
	return addr, nil
}

// DevDeployment is what DeployDevOracle deployed.
type DevDeployment struct {
	Oracle   common.Address
	Verifier common.Address
	Binding  *bindings.L2OutputOracle
}

// DeployDevOracle deploys a DevVerifier and an L2OutputOracle wired to it (AllowDevVerifier set,
// cfg.Verifier ignored): the insecure setup for devnets and tests.
func DeployDevOracle(ctx context.Context, auth *bind.TransactOpts, backend Backend, cfg OracleConfig) (*DevDeployment, error) {
	v, err := DeployDevVerifier(ctx, auth, backend)
	if err != nil {
		return nil, err
	}
	cfg.Verifier = v
	cfg.AllowDevVerifier = true
	o, binding, err := DeployOracle(ctx, auth, backend, cfg)
	if err != nil {
		return nil, err
	}
	return &DevDeployment{Oracle: o, Verifier: v, Binding: binding}, nil
}

func withContext(ctx context.Context, auth *bind.TransactOpts) *bind.TransactOpts {
	cp := *auth
	cp.Context = ctx
	return &cp
}

func waitDeployed(ctx context.Context, backend Backend, tx *types.Transaction, addr common.Address) error {
	receipt, err := bind.WaitMined(ctx, backend, tx)
	if err != nil {
		return err
	}
	if receipt.Status != types.ReceiptStatusSuccessful {
		return fmt.Errorf("%w (tx %s)", ErrDeployReverted, tx.Hash())
	}
	// The latest state rather than the receipt's block: a node may have pruned that block's state
	// by now, and code, once deployed, stays (SELFDESTRUCT no longer deletes it since Cancun).
	code, err := backend.CodeAt(ctx, addr, nil)
	if err != nil {
		return err
	}
	if len(code) == 0 {
		return fmt.Errorf("%w: no code at %s (tx %s)", ErrDeployReverted, addr, tx.Hash())
	}
	return nil
}
