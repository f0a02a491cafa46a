// Package service is the whole zkexex system as one node.Lifecycle: the execution-extension
// manager, the derivation pipeline with its prover, the L1 proposer and the zkexex RPC
// namespace, installed into any geth node.Node + eth.Ethereum with Install and one Config.
package service

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/eth"
	"github.com/ethereum/go-ethereum/log"
	"github.com/ethereum/go-ethereum/metrics"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/params"
	"github.com/zkexex/zkexex/contracts"
	"github.com/zkexex/zkexex/contracts/bindings"
	"github.com/zkexex/zkexex/derivation"
	"github.com/zkexex/zkexex/derivation/proposer"
	"github.com/zkexex/zkexex/exex"
	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/stf"
)

// ErrConfig is wrapped by every error Install returns for a configuration that cannot work
// (as opposed to an I/O or L1 failure that a retry may cure).
var ErrConfig = errors.New("zkexex service: bad configuration")

// ErrOracleMismatch is wrapped when the oracle on L1 was deployed for another chain, guest or
// anchor than the one this node follows.
var ErrOracleMismatch = errors.New("zkexex service: oracle does not match this chain")

// DefaultProposeDepth holds proposals back until the head is this far past the span end.
const DefaultProposeDepth = 4

// Config is everything the service needs. With L1 and Oracle set, the submission interval and
// the anchor come from the oracle; without them the node proves but does not propose, and
// SubmissionInterval is required.
type Config struct {
	// Dir holds the derivation and proposer stores (default: "zkexex" in the node's datadir).
	// The exex WAL goes to Exex.Dir (default: "zkexex-wal" in the node's datadir).
	Dir string
	// STF is the chain's STF config (default: the node's chain config; with the OP message
	// passer, stf.NewConfig, except on mainnet, Sepolia and Hoodi, which have none).
	STF *stf.Config
	// Prover proves spans. Required.
	Prover derivation.Prover
	// ImageID, when non-zero, must be the oracle's image ID (the guest the prover runs).
	ImageID common.Hash
	// SpanVerifier checks the seals of non-dev receipts before they are proposed (default:
	// derivation.SpanVerifier at full security). Tests proving with insecure parameters set it.
	SpanVerifier receipt.SpanSealVerifier

	// L1 reaches the settlement chain (an *ethclient.Client). Nil: no oracle, no proposals.
	L1 proposer.Client
	// Oracle is the L2OutputOracle on L1.
	Oracle common.Address
	// ProposerKey is the oracle's proposer account; nil: read the oracle, propose nothing.
	ProposerKey *ecdsa.PrivateKey
	// Proposer tunes the L1 proposer (fees, retries, polling); its Oracle and Key are set
	// from the fields above.
	Proposer proposer.Config

	// SubmissionInterval is the oracle's (read from it when L1 is set; a non-zero value must
	// then agree with it).
	SubmissionInterval uint64
	// Anchor overrides the starting block (default: the oracle's starting block, or genesis
	// without an oracle), computed from the node's chain, which must hold its state.
	Anchor *derivation.Anchor
	// ProposeDepth: see derivation.Config (default DefaultProposeDepth).
	ProposeDepth uint64
	// RetainDepth: see derivation.Config.
	RetainDepth uint64
	// RetainProven: see derivation.Config (default: the oracle's finalization period in L2
	// blocks, so an indexer keeps what the oracle can still delete; without an oracle,
	// derivation.DefaultRetainProven).
	RetainProven uint64
	// RetryBackoff: see derivation.Config.
	RetryBackoff time.Duration

	// Exex configures the manager. Its OnFatal defaults to closing the node (exex.Install).
	Exex exex.Config
	// Extensions are installed next to the pipeline (loggers, indexers).
	Extensions []exex.Extension
	// OnProposed, when set, is called after each proposal landed on L1 (or was found there).
	OnProposed func(derivation.Proposal, derivation.Proposed)
	// Registry receives the metrics (default geth's metrics.DefaultRegistry).
	Registry metrics.Registry
}

// Service is the installed system. Its Stop closes the stores after the manager stopped.
type Service struct {
	Manager  *exex.Manager
	Pipeline *derivation.Pipeline
	// Proposer is nil when the node does not propose.
	Proposer *proposer.Proposer
	// Oracle is the binding of Config.Oracle, nil without L1.
	Oracle   *bindings.L2OutputOracle
	STF      *stf.Config
	Anchor   derivation.Anchor
	Interval uint64

	closeOnce sync.Once
	closeErr  error
	pdb       *pebble.DB
}

// oracleParams is what the service reads from the oracle before anything starts.
type oracleParams struct {
	interval, startBlock uint64
	startRoot, cfgHash   common.Hash
	imageID              common.Hash
	// finalization and blockTime size the proven index's retention: an indexer needs what
	// the oracle can still delete.
	finalization, blockTime uint64
}

func readOracle(ctx context.Context, c proposer.Client, addr common.Address) (*bindings.L2OutputOracle, *oracleParams, error) {
	code, err := c.CodeAt(ctx, addr, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("zkexex service: L1: code at oracle %s: %w", addr, err)
	}
	if len(code) == 0 {
		return nil, nil, fmt.Errorf("%w: no contract at oracle address %s on L1", ErrConfig, addr)
	}
	o, err := bindings.NewL2OutputOracle(addr, c)
	if err != nil {
		return nil, nil, err
	}
	opts := &bind.CallOpts{Context: ctx}
	var p oracleParams
	read := func(what string, f func() error) error {
		if err := f(); err != nil {
			return fmt.Errorf("zkexex service: oracle %s: %s: %w", addr, what, contracts.AsRevert(err))
		}
		return nil
	}
	errs := []error{
		read("submissionInterval", func() error { v, err := o.SubmissionInterval(opts); p.interval = v.Uint64(); return err }),
		read("startingBlockNumber", func() error { v, err := o.StartingBlockNumber(opts); p.startBlock = v.Uint64(); return err }),
		read("startingOutputRoot", func() error { v, err := o.StartingOutputRoot(opts); p.startRoot = v; return err }),
		read("configHash", func() error { v, err := o.ConfigHash(opts); p.cfgHash = v; return err }),
		read("imageId", func() error { v, err := o.ImageId(opts); p.imageID = v; return err }),
		read("finalizationPeriodSeconds", func() error {
			v, err := o.FinalizationPeriodSeconds(opts)
			p.finalization = v.Uint64()
			return err
		}),
		read("l2BlockTime", func() error { v, err := o.L2BlockTime(opts); p.blockTime = v.Uint64(); return err }),
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	return o, &p, nil
}

// Install builds the system for stack and backend and registers it, before stack.Start. ctx
// bounds the L1 reads made here and the proposer's lifetime; cancel it after the node stopped.
// On error nothing is registered and every store opened here is closed again.
func Install(ctx context.Context, stack *node.Node, backend *eth.Ethereum, cfg Config) (*Service, error) {
	if cfg.Prover == nil {
		return nil, fmt.Errorf("%w: no prover", ErrConfig)
	}
	if cfg.ProposerKey != nil && (cfg.L1 == nil || cfg.Oracle == (common.Address{})) {
		return nil, fmt.Errorf("%w: a proposer key needs an L1 client and an oracle address", ErrConfig)
	}
	if cfg.Dir == "" {
		cfg.Dir = stack.ResolvePath("zkexex")
	}
	if cfg.ProposeDepth == 0 {
		cfg.ProposeDepth = DefaultProposeDepth
	}
	bc := backend.BlockChain()
	s := &Service{STF: cfg.STF}
	if s.STF == nil {
		s.STF = defaultSTF(bc.Genesis().Hash(), bc.Config())
	}
	cfgHash, err := s.STF.Hash()
	if err != nil {
		return nil, fmt.Errorf("%w: STF config: %w", ErrConfig, err)
	}
	anchorNumber := uint64(0)
	var op *oracleParams
	if cfg.L1 != nil && cfg.Oracle != (common.Address{}) {
		if s.Oracle, op, err = readOracle(ctx, cfg.L1, cfg.Oracle); err != nil {
			return nil, err
		}
		if cfg.SubmissionInterval != 0 && cfg.SubmissionInterval != op.interval {
			return nil, fmt.Errorf("%w: submission interval %d, the oracle's is %d", ErrOracleMismatch, cfg.SubmissionInterval, op.interval)
		}
		cfg.SubmissionInterval = op.interval
		if op.cfgHash != cfgHash {
			return nil, fmt.Errorf("%w: oracle's config hash %s, this chain's %s", ErrOracleMismatch, op.cfgHash, cfgHash)
		}
		if cfg.ImageID != (common.Hash{}) && op.imageID != cfg.ImageID {
			return nil, fmt.Errorf("%w: oracle's image ID %s, the prover's %s", ErrOracleMismatch, op.imageID, cfg.ImageID)
		}
		anchorNumber = op.startBlock
	}
	if cfg.SubmissionInterval == 0 {
		return nil, fmt.Errorf("%w: no submission interval (set it, or name an oracle on L1)", ErrConfig)
	}
	if cfg.Anchor != nil {
		s.Anchor = *cfg.Anchor
	} else if s.Anchor, err = derivation.AnchorFromChain(bc, s.STF, anchorNumber); err != nil {
		return nil, fmt.Errorf("zkexex service: anchor: %w", err)
	}
	if op != nil && (s.Anchor.Number != op.startBlock || s.Anchor.OutputRoot != op.startRoot) {
		return nil, fmt.Errorf("%w: anchor block %d has output root %s, the oracle starts at block %d with %s",
			ErrOracleMismatch, s.Anchor.Number, s.Anchor.OutputRoot, op.startBlock, op.startRoot)
	}
	s.Interval = cfg.SubmissionInterval

	var prop derivation.Proposer
	if cfg.ProposerKey != nil {
		if s.pdb, err = pebble.Open(filepath.Join(cfg.Dir, "proposer"), &pebble.Options{Logger: exex.PebbleLogger{Store: "proposer store"}}); err != nil {
			return nil, fmt.Errorf("zkexex service: proposer store: %w", err)
		}
		pstore, err := proposer.NewPebbleStore(s.pdb, []byte("proposer/"))
		if err != nil {
			s.pdb.Close()
			return nil, err
		}
		pcfg := cfg.Proposer
		pcfg.Oracle, pcfg.Key = cfg.Oracle, cfg.ProposerKey
		if pcfg.Registry == nil {
			pcfg.Registry = cfg.Registry
		}
		if s.Proposer, err = proposer.New(ctx, pcfg, cfg.L1, pstore); err != nil {
			s.pdb.Close()
			return nil, err
		}
		check := receiptCheck{imageID: cfg.ImageID, configHash: cfgHash, seal: cfg.SpanVerifier}
		if op != nil {
			check.imageID = op.imageID
		}
		prop = &adapter{p: s.Proposer, onProposed: cfg.OnProposed, check: check}
	}
	s.Pipeline, err = derivation.New(derivation.Config{
		Dir: filepath.Join(cfg.Dir, "derivation"), STF: s.STF, Anchor: s.Anchor, SubmissionInterval: s.Interval,
		Prover: cfg.Prover, Proposer: prop, ProposeDepth: cfg.ProposeDepth, Canonical: bc.GetCanonicalHash,
		RetainDepth: cfg.RetainDepth, RetainProven: retainProven(cfg.RetainProven, op), RetryBackoff: cfg.RetryBackoff,
		Registry: cfg.Registry,
	})
	if err != nil {
		s.closeStores()
		return nil, err
	}
	// The output root needs the message passer's storage root after every block.
	ecfg := cfg.Exex
	if mp := s.STF.MessagePasser; mp != nil && !containsAddr(ecfg.ProveAccounts, *mp) {
		ecfg.ProveAccounts = append(append([]common.Address(nil), ecfg.ProveAccounts...), *mp)
	}
	if ecfg.Registry == nil {
		ecfg.Registry = cfg.Registry
	}
	exts := append(append([]exex.Extension(nil), cfg.Extensions...), s.Pipeline.Extension())
	// Registered before the manager: the node stops lifecycles in reverse order, so the
	// manager (and with it the pipeline's Run) stops before Stop closes the stores.
	stack.RegisterLifecycle(s)
	if s.Manager, err = exex.Install(stack, backend, ecfg, exts...); err != nil {
		s.closeStores()
		return nil, err
	}
	stack.RegisterAPIs(s.Pipeline.APIs())
	log.Info("zkexex installed", "anchor", s.Anchor.Number, "interval", s.Interval, "oracle", cfg.Oracle,
		"proposing", s.Proposer != nil, "dir", cfg.Dir)
	return s, nil
}

// retainProven sizes the proven index's retention: set explicitly, or the oracle's
// finalization window in L2 blocks (plus one, so its oldest deletable output stays), or
// derivation's default (0) without an oracle.
func retainProven(set uint64, op *oracleParams) uint64 {
	if set != 0 || op == nil || op.blockTime == 0 {
		return set
	}
	return op.finalization/op.blockTime + 1
}

// defaultSTF: the L1 presets have no message passer (DESIGN.md, output root); any other
// chain is taken for an OP-style L2 with the passer at its predeploy address.
func defaultSTF(genesis common.Hash, chain *params.ChainConfig) *stf.Config {
	switch genesis {
	case params.MainnetGenesisHash, params.SepoliaGenesisHash, params.HoodiGenesisHash:
		return stf.NewL1Config(chain)
	}
	return stf.NewConfig(chain)
}

func containsAddr(list []common.Address, a common.Address) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

// Start implements node.Lifecycle; the manager, registered separately, does the work.
func (s *Service) Start() error { return nil }

// Stop implements node.Lifecycle: it closes the pipeline's and the proposer's stores.
func (s *Service) Stop() error { return s.closeStores() }

// Close closes the stores of a service whose node never started (node.Close does not stop
// lifecycles that were not started). Once the node started, close the node first: Close
// waits for the pipeline, which runs until the manager stops. Safe to call more than once.
func (s *Service) Close() error { return s.closeStores() }

func (s *Service) closeStores() error {
	s.closeOnce.Do(func() {
		if s.Pipeline != nil {
			s.closeErr = s.Pipeline.Close()
		}
		if s.pdb != nil {
			s.closeErr = errors.Join(s.closeErr, s.pdb.Close())
		}
	})
	return s.closeErr
}
