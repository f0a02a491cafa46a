// Package proposer posts L2 output roots with their proofs to the L1 L2OutputOracle: it checks the
// oracle before every send (so a restart never proposes twice), manages the nonce and EIP-1559 fees
// (bumping on replacement), retries transient failures with backoff and records what landed.
package proposer

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/log"
	"github.com/ethereum/go-ethereum/metrics"
	"github.com/zkexex/zkexex/contracts"
	"github.com/zkexex/zkexex/contracts/bindings"
)

// Client is the L1 access the proposer needs; *ethclient.Client provides it.
type Client interface {
	bind.ContractBackend
	bind.DeployBackend
	NonceAt(ctx context.Context, account common.Address, blockNumber *big.Int) (uint64, error)
	TransactionByHash(ctx context.Context, hash common.Hash) (tx *types.Transaction, isPending bool, err error)
	ChainID(ctx context.Context) (*big.Int, error)
}

// Config configures a Proposer. Zero durations and counts take the defaults in brackets.
type Config struct {
	Oracle common.Address    // the L2OutputOracle
	Key    *ecdsa.PrivateKey // the oracle's proposer account
	// ChallengerKey, when set, is the oracle's challenger account: DeleteFrom uses it to delete
	// outputs whose L2 blocks a reorg dropped. Without it such an output stops proposing.
	ChallengerKey *ecdsa.PrivateKey

	PollInterval     time.Duration // receipt polling [500ms]
	ResubmitAfter    time.Duration // replace an unmined transaction with higher fees after [30s]
	FeeBumpPercent   uint64        // fee increase per replacement, at least 10 as geth's pool requires [15]
	MaxFeeCap        *big.Int      // never bid more per gas than this (nil: no cap)
	GasMarginPercent uint64        // gas limit above the estimate [20]
	MaxAttempts      int           // tries per proposal before giving up on transient failures [8]
	Confirmations    uint64        // L1 blocks on top of the including one before a proposal counts [0]
	BackoffMin       time.Duration // first retry delay, doubling up to BackoffMax [500ms]
	BackoffMax       time.Duration // [30s]
	Registry         metrics.Registry
}

func (c *Config) defaults() error {
	if c.Key == nil {
		return errors.New("proposer: no key")
	}
	if c.Oracle == (common.Address{}) {
		return errors.New("proposer: no oracle address")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.PollInterval, 500*time.Millisecond)
	def(&c.ResubmitAfter, 30*time.Second)
	def(&c.BackoffMin, 500*time.Millisecond)
	def(&c.BackoffMax, 30*time.Second)
	if c.FeeBumpPercent == 0 {
		c.FeeBumpPercent = 15
	}
	if c.FeeBumpPercent < 10 {
		return fmt.Errorf("proposer: FeeBumpPercent %d below the 10%% a replacement needs", c.FeeBumpPercent)
	}
	if c.GasMarginPercent == 0 {
		c.GasMarginPercent = 20
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.Registry == nil {
		c.Registry = metrics.DefaultRegistry
	}
	return nil
}

// Output is one proposal: the output root of an L2 block and the proof of the transition from the
// oracle's latest output to it.
type Output struct {
	L2BlockNumber uint64
	OutputRoot    common.Hash
	// PrevOutputRoot, when non-zero, must be the oracle's latest output root (the proof's start);
	// the proposer checks it before spending gas.
	PrevOutputRoot common.Hash
	Proof          []byte
	// L1BlockHash, when non-zero, anchors the proposal to L1 block L1BlockNumber: it reverts if
	// L1 reorged away from that block.
	L1BlockHash   common.Hash
	L1BlockNumber uint64
}

// Result says where a proposal landed.
type Result struct {
	OutputIndex   uint64
	L2BlockNumber uint64
	OutputRoot    common.Hash
	L1BlockNumber uint64 // 0 when AlreadyProposed and the including transaction is unknown
	L1BlockHash   common.Hash
	TxHash        common.Hash
	GasUsed       uint64
	// AlreadyProposed: the oracle held this output before this call sent anything.
	AlreadyProposed bool
}

var (
	// ErrPermanent marks failures that retrying cannot fix; every such error wraps it.
	ErrPermanent = errors.New("permanent failure")
	// ErrRetriesExhausted: transient failures went on for Config.MaxAttempts tries.
	ErrRetriesExhausted = errors.New("proposer: retries exhausted")
	// ErrOutOfOrder: the oracle expects another L2 block next (permanent).
	ErrOutOfOrder = errors.New("proposer: proposal out of order")
	// ErrConflict: the oracle holds a different root for this L2 block (permanent: only the
	// challenger can delete it).
	ErrConflict = errors.New("proposer: oracle holds a different output root")
	// ErrPrevRootMismatch: the oracle's latest output root is not the proposal's start (permanent).
	ErrPrevRootMismatch = errors.New("proposer: oracle's latest output root is not the proposal's previous root")
	// ErrNotProposer: the key is not the oracle's proposer (permanent).
	ErrNotProposer = errors.New("proposer: key is not the oracle's proposer")
)

func permanent(err error) error { return fmt.Errorf("%w: %w", ErrPermanent, err) }

// RevertError is an L1 revert of a proposal with its decoded reason. errors.As reaches the
// *contracts.RevertError, and errors.Is(err, ErrPermanent) says whether retrying is pointless.
type RevertError struct {
	L2BlockNumber uint64
	TxHash        common.Hash // zero when the node refused the transaction at gas estimation
	Revert        *contracts.RevertError
	Permanent     bool
}

func (e *RevertError) Error() string {
	where := "at gas estimation"
	if e.TxHash != (common.Hash{}) {
		where = "in tx " + e.TxHash.Hex()
	}
	return fmt.Sprintf("proposer: proposal for L2 block %d reverted %s: %s", e.L2BlockNumber, where, e.Revert.Reason())
}

func (e *RevertError) Unwrap() []error {
	if e.Permanent {
		return []error{e.Revert, ErrPermanent}
	}
	return []error{e.Revert}
}

// Reverts the proposer retries: the L2 block's time not yet reached on L1, and a block number the
// oracle no longer expects (the next try reads the oracle and sees whether the output is there).
// Every other named revert (NotProposer, ProofRejected, ZeroOutputRoot, L1BlockHashMismatch, ...)
// stops. A revert with no recognisable reason (e.g. out of gas) is retried.
func transientRevert(r *contracts.RevertError) bool {
	switch r.Name {
	case "L2TimestampInFuture", "UnexpectedBlockNumber", "":
		return true
	}
	return false
}

func newRevertError(l2Block uint64, tx common.Hash, r *contracts.RevertError) *RevertError {
	return &RevertError{L2BlockNumber: l2Block, TxHash: tx, Revert: r, Permanent: !transientRevert(r)}
}

type proposerMetrics struct {
	proposals, already, retries, resubmits, failures, deletions *metrics.Counter
	gas, latest                                                 *metrics.Gauge
}

// Proposer posts outputs to the oracle, one at a time.
type Proposer struct {
	cfg     Config
	client  Client
	store   Store
	oracle  *bindings.L2OutputOracle
	abi     *abi.ABI
	from    common.Address
	signer  types.Signer
	m       proposerMetrics
	mu      sync.Mutex // one proposal at a time
	sleepFn func(ctx context.Context, d time.Duration) error
}

// New checks that the oracle exists and that the key is its proposer.
func New(ctx context.Context, cfg Config, client Client, store Store) (*Proposer, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	if store == nil {
		return nil, errors.New("proposer: no store")
	}
	chainID, err := client.ChainID(ctx)
	if err != nil {
		return nil, fmt.Errorf("proposer: chain id: %w", err)
	}
	code, err := client.CodeAt(ctx, cfg.Oracle, nil)
	if err != nil {
		return nil, fmt.Errorf("proposer: oracle code: %w", err)
	}
	if len(code) == 0 {
		return nil, permanent(fmt.Errorf("proposer: no contract at oracle address %s", cfg.Oracle))
	}
	oracle, err := bindings.NewL2OutputOracle(cfg.Oracle, client)
	if err != nil {
		return nil, err
	}
	parsed, err := bindings.L2OutputOracleMetaData.GetAbi()
	if err != nil {
		return nil, err
	}
	from := crypto.PubkeyToAddress(cfg.Key.PublicKey)
	role, err := oracle.Proposer(&bind.CallOpts{Context: ctx})
	if err != nil {
		return nil, fmt.Errorf("proposer: read oracle proposer: %w", contracts.AsRevert(err))
	}
	if role != from {
		return nil, permanent(fmt.Errorf("%w: oracle %s wants %s, key is %s", ErrNotProposer, cfg.Oracle, role, from))
	}
	r, p := cfg.Registry, "zkexex/proposer/"
	prop := &Proposer{
		cfg: cfg, client: client, store: store, oracle: oracle, abi: parsed, from: from,
		signer: types.LatestSignerForChainID(chainID),
		m: proposerMetrics{
			proposals: metrics.GetOrRegisterCounter(p+"proposals", r),
			already:   metrics.GetOrRegisterCounter(p+"already", r),
			retries:   metrics.GetOrRegisterCounter(p+"retries", r),
			resubmits: metrics.GetOrRegisterCounter(p+"resubmits", r),
			failures:  metrics.GetOrRegisterCounter(p+"failures", r),
			deletions: metrics.GetOrRegisterCounter(p+"deletions", r),
			gas:       metrics.GetOrRegisterGauge(p+"gas", r),
			latest:    metrics.GetOrRegisterGauge(p+"latest", r),
		},
		sleepFn: sleep,
	}
	if cfg.ChallengerKey != nil {
		if err := prop.checkChallenger(ctx, cfg.ChallengerKey); err != nil {
			return nil, err
		}
	}
	return prop, nil
}

// Address is the proposer account.
func (p *Proposer) Address() common.Address { return p.from }

// Oracle is the oracle binding.
func (p *Proposer) Oracle() *bindings.L2OutputOracle { return p.oracle }

// NextBlockNumber is the L2 block the oracle expects next.
func (p *Proposer) NextBlockNumber(ctx context.Context) (uint64, error) {
	n, err := p.oracle.NextBlockNumber(&bind.CallOpts{Context: ctx})
	if err != nil {
		return 0, fmt.Errorf("proposer: nextBlockNumber: %w", contracts.AsRevert(err))
	}
	return n.Uint64(), nil
}

// Propose gets out onto the oracle, or finds it already there. Transient failures are retried with
// backoff up to Config.MaxAttempts; permanent ones (errors.Is(err, ErrPermanent)) return at once.
func (p *Proposer) Propose(ctx context.Context, out Output) (*Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	backoff := p.cfg.BackoffMin
	for attempt := 1; ; attempt++ {
		res, err := p.try(ctx, out)
		if wait, ok := earlyBy(err); ok {
			// Not a failure: the L2 block's time is still ahead of L1's. Wait for L1 to get there
			// (bounded by BackoffMax, as L1 time need not track the wall clock) without using up
			// an attempt.
			attempt--
			delay := min(max(wait, p.cfg.BackoffMin), p.cfg.BackoffMax)
			p.m.retries.Inc(1)
			log.Info("L2 block is ahead of L1 time, waiting", "l2Block", out.L2BlockNumber, "ahead", wait, "in", delay)
			if err := p.sleepFn(ctx, delay); err != nil {
				return nil, fmt.Errorf("proposer: L2 block %d: %w", out.L2BlockNumber, err)
			}
			continue
		}
		if err == nil {
			return res, nil
		}
		if errors.Is(err, ErrPermanent) {
			p.m.failures.Inc(1)
			log.Error("Proposal failed permanently", "l2Block", out.L2BlockNumber, "root", out.OutputRoot, "err", err)
			return nil, err
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("proposer: L2 block %d: %w (last error: %w)", out.L2BlockNumber, ctx.Err(), err)
		}
		if attempt >= p.cfg.MaxAttempts {
			p.m.failures.Inc(1)
			return nil, fmt.Errorf("%w: L2 block %d after %d attempts: %w", ErrRetriesExhausted, out.L2BlockNumber, attempt, err)
		}
		p.m.retries.Inc(1)
		log.Warn("Proposal failed, retrying", "l2Block", out.L2BlockNumber, "attempt", attempt, "in", backoff, "err", err)
		if err := p.sleepFn(ctx, backoff); err != nil {
			return nil, fmt.Errorf("proposer: L2 block %d: %w", out.L2BlockNumber, err)
		}
		backoff = min(2*backoff, p.cfg.BackoffMax)
	}
}

// earlyBy reports how far the L2 block's timestamp is ahead of L1's when err is the oracle's
// L2TimestampInFuture(l2Timestamp, l1Timestamp) revert.
func earlyBy(err error) (time.Duration, bool) {
	var re *contracts.RevertError
	if err == nil || !errors.As(err, &re) || re.Name != "L2TimestampInFuture" || len(re.Args) != 2 {
		return 0, false
	}
	l2, ok1 := re.Args[0].(*big.Int)
	l1, ok2 := re.Args[1].(*big.Int)
	if !ok1 || !ok2 || l2.Cmp(l1) < 0 {
		return 0, false
	}
	d := new(big.Int).Sub(l2, l1)
	if !d.IsInt64() || d.Int64() > 86400 {
		return 24 * time.Hour, true
	}
	return time.Duration(d.Int64()+1) * time.Second, true
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// try is one attempt: read the oracle, settle a transaction in flight, send if still needed, wait.
func (p *Proposer) try(ctx context.Context, out Output) (*Result, error) {
	pend, err := p.store.Pending()
	if err != nil {
		return nil, err
	}
	if res, err := p.reconcile(ctx, out, pend); res != nil || err != nil {
		return res, err
	}
	var replace *Pending
	if pend != nil {
		mined, err := p.nonceMined(ctx, pend.Nonce)
		if err != nil {
			return nil, err
		}
		switch {
		case !mined && pend.L2BlockNumber == out.L2BlockNumber && pend.OutputRoot == out.OutputRoot:
			// Sent before (maybe by a previous run) and not mined yet: wait for it rather than send
			// a second one.
			log.Info("Waiting for a proposal sent earlier", "l2Block", out.L2BlockNumber, "nonce", pend.Nonce, "txs", len(pend.TxHashes))
			if err := p.rebroadcast(ctx, pend); err != nil {
				return nil, err
			}
			return p.wait(ctx, out, pend)
		case !mined:
			// Another proposal (e.g. a root that a reorg replaced) holds the nonce: replace it at the
			// same nonce so that it can never land.
			log.Warn("Replacing an unmined proposal for another output", "oldBlock", pend.L2BlockNumber, "oldRoot", pend.OutputRoot,
				"l2Block", out.L2BlockNumber, "root", out.OutputRoot, "nonce", pend.Nonce)
			replace = pend
		default:
			// The nonce is used, yet the oracle does not hold this output: if one of our transactions
			// was mined and failed, that is the answer.
			r, err := p.findReceipt(ctx, pend)
			if err != nil {
				return nil, err
			}
			same := pend.L2BlockNumber == out.L2BlockNumber && pend.OutputRoot == out.OutputRoot
			if r != nil && r.Status != types.ReceiptStatusSuccessful && same {
				if err := p.store.DeletePending(); err != nil {
					return nil, err
				}
				return nil, p.failed(ctx, out, r)
			}
			if r != nil && r.Status == types.ReceiptStatusSuccessful && !same {
				// An earlier proposal landed while we were down and was never recorded: record it.
				if err := p.recordLanded(r); err != nil {
					return nil, err
				}
			}
			if err := p.store.DeletePending(); err != nil {
				return nil, err
			}
		}
	}
	return p.send(ctx, out, replace)
}

// reconcile reads the oracle. It returns a result when the oracle already holds out, an error when
// out can never be proposed, and (nil, nil) when out is the next proposal.
func (p *Proposer) reconcile(ctx context.Context, out Output, pend *Pending) (*Result, error) {
	opts := &bind.CallOpts{Context: ctx}
	next, err := p.NextBlockNumber(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case out.L2BlockNumber == next:
		if out.PrevOutputRoot != (common.Hash{}) {
			latest, err := p.oracle.LatestOutputRoot(opts)
			if err != nil {
				return nil, fmt.Errorf("proposer: latestOutputRoot: %w", contracts.AsRevert(err))
			}
			if latest != out.PrevOutputRoot {
				return nil, permanent(fmt.Errorf("%w: L2 block %d proves from %s, oracle's latest is %s", ErrPrevRootMismatch, out.L2BlockNumber, out.PrevOutputRoot, latest))
			}
		}
		return nil, nil
	case out.L2BlockNumber > next:
		return nil, permanent(fmt.Errorf("%w: L2 block %d, oracle expects %d", ErrOutOfOrder, out.L2BlockNumber, next))
	}
	idx, err := p.oracle.GetL2OutputIndexAfter(opts, new(big.Int).SetUint64(out.L2BlockNumber))
	if err != nil {
		if r := (*contracts.RevertError)(nil); errors.As(contracts.AsRevert(err), &r) {
			return nil, permanent(fmt.Errorf("%w: L2 block %d is at or below the oracle's starting block (%s)", ErrOutOfOrder, out.L2BlockNumber, r.Reason()))
		}
		return nil, fmt.Errorf("proposer: getL2OutputIndexAfter: %w", err)
	}
	held, err := p.oracle.GetL2Output(opts, idx)
	if err != nil {
		return nil, fmt.Errorf("proposer: getL2Output: %w", contracts.AsRevert(err))
	}
	if held.L2BlockNumber.Uint64() != out.L2BlockNumber {
		return nil, permanent(fmt.Errorf("%w: L2 block %d is not an output block (the next after it is %d)", ErrOutOfOrder, out.L2BlockNumber, held.L2BlockNumber))
	}
	if held.OutputRoot != out.OutputRoot {
		return nil, permanent(fmt.Errorf("%w: L2 block %d: oracle has %s, proposal is %s", ErrConflict, out.L2BlockNumber, common.Hash(held.OutputRoot), out.OutputRoot))
	}

	// Already there: report where it landed as far as we know.
	res := &Result{OutputIndex: idx.Uint64(), L2BlockNumber: out.L2BlockNumber, OutputRoot: out.OutputRoot, AlreadyProposed: true}
	rec, err := p.store.Relayed(out.L2BlockNumber)
	switch {
	case err == nil && rec.OutputRoot == out.OutputRoot:
		res.L1BlockNumber, res.L1BlockHash, res.TxHash = rec.L1BlockNumber, rec.L1BlockHash, rec.TxHash
	case err != nil && !errors.Is(err, ErrNotRecorded):
		return nil, err
	default:
		// Not recorded (a crash between inclusion and recording): our pending transaction says where.
		if pend != nil && pend.L2BlockNumber == out.L2BlockNumber && pend.OutputRoot == out.OutputRoot {
			r, err := p.findReceipt(ctx, pend)
			if err != nil {
				return nil, err
			}
			if r != nil && r.Status == types.ReceiptStatusSuccessful {
				res.L1BlockNumber, res.L1BlockHash, res.TxHash, res.GasUsed = r.BlockNumber.Uint64(), r.BlockHash, r.TxHash, r.GasUsed
			}
		}
		if err := p.store.PutRelayed(&Relayed{L2BlockNumber: res.L2BlockNumber, OutputRoot: res.OutputRoot, OutputIndex: res.OutputIndex,
			L1BlockNumber: res.L1BlockNumber, L1BlockHash: res.L1BlockHash, TxHash: res.TxHash}); err != nil {
			return nil, err
		}
	}
	if pend != nil && pend.L2BlockNumber == out.L2BlockNumber && pend.OutputRoot == out.OutputRoot {
		if err := p.store.DeletePending(); err != nil {
			return nil, err
		}
	}
	p.m.already.Inc(1)
	log.Info("Output already on L1", "index", res.OutputIndex, "l2Block", res.L2BlockNumber, "root", res.OutputRoot, "l1Block", res.L1BlockNumber)
	return res, nil
}

// nonceMined reports whether the account's mined nonce has passed nonce.
func (p *Proposer) nonceMined(ctx context.Context, nonce uint64) (bool, error) {
	n, err := p.client.NonceAt(ctx, p.from, nil)
	if err != nil {
		return false, fmt.Errorf("proposer: nonce: %w", err)
	}
	return n > nonce, nil
}

// findReceipt returns the receipt of whichever of pend's transactions was mined, or nil.
func (p *Proposer) findReceipt(ctx context.Context, pend *Pending) (*types.Receipt, error) {
	for _, h := range pend.TxHashes {
		r, err := p.client.TransactionReceipt(ctx, h)
		if errors.Is(err, ethereum.NotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("proposer: receipt %s: %w", h, err)
		}
		return r, nil
	}
	return nil, nil
}

func (p *Proposer) calldata(out Output) ([]byte, error) {
	return p.abi.Pack("proposeL2Output", out.OutputRoot, new(big.Int).SetUint64(out.L2BlockNumber), out.L1BlockHash,
		new(big.Int).SetUint64(out.L1BlockNumber), out.Proof)
}

// send estimates gas (which surfaces most reverts before anything is spent), prices and signs the
// transaction, records it as pending, sends it and waits for it. replace, when set, is an unmined
// transaction whose nonce this one takes over with bumped fees.
func (p *Proposer) send(ctx context.Context, out Output, replace *Pending) (*Result, error) {
	data, err := p.calldata(out)
	if err != nil {
		return nil, permanent(fmt.Errorf("proposer: encode proposal: %w", err))
	}
	oracle := p.cfg.Oracle
	gas, err := p.client.EstimateGas(ctx, ethereum.CallMsg{From: p.from, To: &oracle, Data: data})
	if err != nil {
		if data, ok := contracts.RevertData(err); ok {
			r := contracts.DecodeRevert(data)
			r.Err = err
			return nil, newRevertError(out.L2BlockNumber, common.Hash{}, r)
		}
		return nil, fmt.Errorf("proposer: estimate gas: %w", err)
	}
	pend := &Pending{L2BlockNumber: out.L2BlockNumber, OutputRoot: out.OutputRoot, GasLimit: gas + gas*p.cfg.GasMarginPercent/100}
	if replace != nil {
		pend.Nonce = replace.Nonce
		pend.TxHashes = replace.TxHashes
	} else {
		if pend.Nonce, err = p.client.PendingNonceAt(ctx, p.from); err != nil {
			return nil, fmt.Errorf("proposer: nonce: %w", err)
		}
	}
	if pend.GasTipCap, pend.GasFeeCap, err = p.fees(ctx, replace); err != nil {
		return nil, err
	}
	if err := p.sign(ctx, pend, data); err != nil {
		return nil, err
	}
	return p.wait(ctx, out, pend)
}

// sign builds the transaction for pend, records it (before sending, so a crash right after the
// send still knows the nonce and hash) and sends it.
func (p *Proposer) sign(ctx context.Context, pend *Pending, data []byte) error {
	oracle := p.cfg.Oracle
	tx, err := types.SignNewTx(p.cfg.Key, p.signer, &types.DynamicFeeTx{
		ChainID: p.signer.ChainID(), Nonce: pend.Nonce, GasTipCap: pend.GasTipCap, GasFeeCap: pend.GasFeeCap,
		Gas: pend.GasLimit, To: &oracle, Data: data,
	})
	if err != nil {
		return permanent(fmt.Errorf("proposer: sign: %w", err))
	}
	pend.TxHashes = append(pend.TxHashes, tx.Hash())
	if pend.RawTx, err = tx.MarshalBinary(); err != nil {
		return permanent(fmt.Errorf("proposer: encode tx: %w", err))
	}
	if err := p.store.PutPending(pend); err != nil {
		return err
	}
	if err := p.client.SendTransaction(ctx, tx); err != nil {
		if strings.Contains(err.Error(), "already known") {
			return nil
		}
		return fmt.Errorf("proposer: send %s (nonce %d): %w", tx.Hash(), pend.Nonce, err)
	}
	log.Debug("Sent proposal", "l2Block", pend.L2BlockNumber, "tx", tx.Hash(), "nonce", pend.Nonce,
		"tip", pend.GasTipCap, "feeCap", pend.GasFeeCap, "gas", pend.GasLimit)
	return nil
}

// rebroadcast sends pend's latest transaction again when the node knows none of pend's
// transactions: the send failed, or the node dropped it (e.g. it restarted).
func (p *Proposer) rebroadcast(ctx context.Context, pend *Pending) error {
	for _, h := range pend.TxHashes {
		_, _, err := p.client.TransactionByHash(ctx, h)
		if err == nil {
			return nil
		}
		if !errors.Is(err, ethereum.NotFound) {
			return fmt.Errorf("proposer: look up %s: %w", h, err)
		}
	}
	tx := new(types.Transaction)
	if err := tx.UnmarshalBinary(pend.RawTx); err != nil {
		return fmt.Errorf("%w: pending transaction: %w", ErrCorruptRecord, err)
	}
	log.Info("Re-broadcasting a proposal the node does not know", "l2Block", pend.L2BlockNumber, "tx", tx.Hash(), "nonce", tx.Nonce())
	if err := p.client.SendTransaction(ctx, tx); err != nil && !strings.Contains(err.Error(), "already known") {
		return fmt.Errorf("proposer: re-broadcast %s (nonce %d): %w", tx.Hash(), tx.Nonce(), err)
	}
	return nil
}

// fees prices a transaction from the node's suggested tip and the head's base fee (fee cap = 2 x
// base fee + tip, room for the base fee to rise for a few blocks); a replacement bids at least
// FeeBumpPercent more than prev on both, as the pool demands.
func (p *Proposer) fees(ctx context.Context, prev *Pending) (tip, feeCap *big.Int, err error) {
	tip, err = p.client.SuggestGasTipCap(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("proposer: suggest tip: %w", err)
	}
	head, err := p.client.HeaderByNumber(ctx, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("proposer: head: %w", err)
	}
	if head.BaseFee == nil {
		return nil, nil, permanent(errors.New("proposer: L1 has no base fee (pre-London)"))
	}
	feeCap = new(big.Int).Add(new(big.Int).Mul(head.BaseFee, big.NewInt(2)), tip)
	if prev != nil {
		tip = bigMax(tip, bump(prev.GasTipCap, p.cfg.FeeBumpPercent))
		feeCap = bigMax(feeCap, bump(prev.GasFeeCap, p.cfg.FeeBumpPercent))
	}
	if feeCap.Cmp(tip) < 0 {
		feeCap = new(big.Int).Set(tip)
	}
	if c := p.cfg.MaxFeeCap; c != nil && feeCap.Cmp(c) > 0 {
		feeCap = new(big.Int).Set(c)
		if tip.Cmp(feeCap) > 0 {
			tip = new(big.Int).Set(feeCap)
		}
	}
	return tip, feeCap, nil
}

// bump returns v raised by pct percent, rounded up, and by at least 1.
func bump(v *big.Int, pct uint64) *big.Int {
	n := new(big.Int).Mul(v, new(big.Int).SetUint64(100+pct))
	n.Add(n, big.NewInt(99))
	n.Div(n, big.NewInt(100))
	if n.Cmp(v) <= 0 {
		n.Add(v, common.Big1)
	}
	return n
}

func bigMax(a, b *big.Int) *big.Int {
	if a.Cmp(b) >= 0 {
		return a
	}
	return b
}

// wait polls for a receipt of any of pend's transactions, replacing the transaction with higher
// fees every ResubmitAfter.
func (p *Proposer) wait(ctx context.Context, out Output, pend *Pending) (*Result, error) {
	lastSend := time.Now()
	tick := time.NewTicker(p.cfg.PollInterval)
	defer tick.Stop()
	for {
		r, err := p.findReceipt(ctx, pend)
		if err != nil {
			return nil, err
		}
		if r != nil {
			ok, err := p.confirmed(ctx, r)
			if err != nil {
				return nil, err
			}
			if ok {
				return p.included(ctx, out, pend, r)
			}
			// Not deep enough yet, or its block was reorged out (the transaction is back in the pool
			// or will be re-broadcast at the next resubmission): keep polling.
			lastSend = time.Now()
		} else if time.Since(lastSend) >= p.cfg.ResubmitAfter {
			mined, err := p.nonceMined(ctx, pend.Nonce)
			if err != nil {
				return nil, err
			}
			if mined {
				// The nonce went to a transaction we have no hash of; the next try reads the oracle.
				return nil, fmt.Errorf("proposer: nonce %d used without a receipt for our transactions", pend.Nonce)
			}
			if pend.GasTipCap, pend.GasFeeCap, err = p.fees(ctx, pend); err != nil {
				return nil, err
			}
			data, err := p.calldata(out)
			if err != nil {
				return nil, permanent(err)
			}
			p.m.resubmits.Inc(1)
			log.Warn("Proposal not mined, resubmitting with higher fees", "l2Block", out.L2BlockNumber, "nonce", pend.Nonce,
				"tip", pend.GasTipCap, "feeCap", pend.GasFeeCap, "after", p.cfg.ResubmitAfter)
			if err := p.sign(ctx, pend, data); err != nil {
				return nil, err
			}
			lastSend = time.Now()
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
}

// proposedEvents returns the oracle's OutputProposed events among r's logs.
func (p *Proposer) proposedEvents(r *types.Receipt) []*bindings.L2OutputOracleOutputProposed {
	var evs []*bindings.L2OutputOracleOutputProposed
	for _, l := range r.Logs {
		if l.Address != p.cfg.Oracle {
			continue
		}
		if ev, err := p.oracle.ParseOutputProposed(*l); err == nil {
			evs = append(evs, ev)
		}
	}
	return evs
}

// recordLanded records the outputs that a successful receipt of ours proposed.
func (p *Proposer) recordLanded(r *types.Receipt) error {
	for _, ev := range p.proposedEvents(r) {
		if err := p.store.PutRelayed(&Relayed{L2BlockNumber: ev.L2BlockNumber.Uint64(), OutputRoot: ev.OutputRoot, OutputIndex: ev.L2OutputIndex.Uint64(),
			L1BlockNumber: r.BlockNumber.Uint64(), L1BlockHash: r.BlockHash, TxHash: r.TxHash}); err != nil {
			return err
		}
		log.Info("Recorded an earlier proposal found on L1", "index", ev.L2OutputIndex, "l2Block", ev.L2BlockNumber, "l1Block", r.BlockNumber)
	}
	return nil
}

// confirmed reports whether r's block is still canonical with Config.Confirmations blocks on top.
func (p *Proposer) confirmed(ctx context.Context, r *types.Receipt) (bool, error) {
	if p.cfg.Confirmations == 0 {
		return true, nil
	}
	head, err := p.client.HeaderByNumber(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("proposer: head: %w", err)
	}
	if head.Number.Uint64() < r.BlockNumber.Uint64()+p.cfg.Confirmations {
		return false, nil
	}
	h, err := p.client.HeaderByNumber(ctx, r.BlockNumber)
	if err != nil {
		return false, fmt.Errorf("proposer: header %d: %w", r.BlockNumber, err)
	}
	if h.Hash() != r.BlockHash {
		log.Warn("Proposal's L1 block was reorged out", "tx", r.TxHash, "l1Block", r.BlockNumber, "was", r.BlockHash, "now", h.Hash())
		return false, nil
	}
	return true, nil
}

// included handles the receipt of one of our transactions.
func (p *Proposer) included(ctx context.Context, out Output, pend *Pending, r *types.Receipt) (*Result, error) {
	if r.Status != types.ReceiptStatusSuccessful {
		if err := p.store.DeletePending(); err != nil {
			return nil, err
		}
		return nil, p.failed(ctx, out, r)
	}
	res := &Result{L2BlockNumber: out.L2BlockNumber, OutputRoot: out.OutputRoot, L1BlockNumber: r.BlockNumber.Uint64(),
		L1BlockHash: r.BlockHash, TxHash: r.TxHash, GasUsed: r.GasUsed}
	found := false
	for _, ev := range p.proposedEvents(r) {
		if ev.L2BlockNumber.Uint64() != out.L2BlockNumber || ev.OutputRoot != out.OutputRoot {
			// An earlier transaction at this nonce, for a root since replaced, landed first.
			if err := p.store.DeletePending(); err != nil {
				return nil, err
			}
			return nil, permanent(fmt.Errorf("%w: tx %s landed block %d root %s before its replacement for root %s",
				ErrConflict, r.TxHash, ev.L2BlockNumber, common.Hash(ev.OutputRoot), out.OutputRoot))
		}
		res.OutputIndex, found = ev.L2OutputIndex.Uint64(), true
	}
	if !found {
		return nil, permanent(fmt.Errorf("proposer: tx %s succeeded without an OutputProposed event", r.TxHash))
	}
	if err := p.store.PutRelayed(&Relayed{L2BlockNumber: res.L2BlockNumber, OutputRoot: res.OutputRoot, OutputIndex: res.OutputIndex,
		L1BlockNumber: res.L1BlockNumber, L1BlockHash: res.L1BlockHash, TxHash: res.TxHash}); err != nil {
		return nil, err
	}
	if err := p.store.DeletePending(); err != nil {
		return nil, err
	}
	p.m.proposals.Inc(1)
	p.m.gas.Update(int64(res.GasUsed))
	p.m.latest.Update(int64(res.L2BlockNumber))
	log.Info(fmt.Sprintf("output %d for L2 block %d, root %s, in L1 block %d", res.OutputIndex, res.L2BlockNumber, res.OutputRoot.Hex(), res.L1BlockNumber),
		"tx", res.TxHash, "gas", res.GasUsed)
	return res, nil
}

// failed explains a mined, failed proposal by replaying it on the state after its block (where the
// condition that failed it, e.g. another proposal landing first, still holds).
func (p *Proposer) failed(ctx context.Context, out Output, r *types.Receipt) error {
	data, err := p.calldata(out)
	if err != nil {
		return permanent(err)
	}
	oracle := p.cfg.Oracle
	_, err = p.client.CallContract(ctx, ethereum.CallMsg{From: p.from, To: &oracle, Data: data, Gas: r.GasUsed * 2}, r.BlockNumber)
	reason := &contracts.RevertError{Data: []byte{}}
	if rd, ok := contracts.RevertData(err); ok {
		reason = contracts.DecodeRevert(rd)
		reason.Err = err
	}
	return newRevertError(out.L2BlockNumber, r.TxHash, reason)
}
