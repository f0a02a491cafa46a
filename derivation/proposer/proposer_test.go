package proposer

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/metrics"
	"github.com/ethereum/go-ethereum/params"
	"github.com/zkexex/zkexex/contracts"
	"github.com/zkexex/zkexex/contracts/bindings"
)

var (
	imageID    = common.HexToHash("0x1111111111111111111111111111111111111111111111111111111111111111")
	configHash = common.HexToHash("0x2222222222222222222222222222222222222222222222222222222222222222")
	startRoot  = common.HexToHash("0x3333333333333333333333333333333333333333333333333333333333333333")
	devTag     = crypto.Keccak256Hash([]byte("zkexex.dev-receipt.v1"))
)

// env is a simulated L1 (a real EVM) with a DevVerifier and an oracle deployed, and a pebble DB
// for the proposer's store.
type env struct {
	t          *testing.T
	sim        *simulated.Backend
	client     simulated.Client
	key        *ecdsa.PrivateKey
	dkey       *ecdsa.PrivateKey // the deployer's, also the oracle's challenger
	deployer   *bind.TransactOpts
	oracleAddr common.Address
	oracle     *bindings.L2OutputOracle
	cfg        contracts.OracleConfig
	dir        string
	db         *pebble.DB
}

func newEnv(t *testing.T, tweak func(*contracts.OracleConfig, *types.Header)) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir()}
	var err error
	if e.key, err = crypto.GenerateKey(); err != nil {
		t.Fatal(err)
	}
	e.dkey, _ = crypto.GenerateKey()
	e.deployer, _ = bind.NewKeyedTransactorWithChainID(e.dkey, big.NewInt(1337))
	eth := new(big.Int).Mul(big.NewInt(1000), big.NewInt(params.Ether))
	e.sim = simulated.NewBackend(types.GenesisAlloc{
		crypto.PubkeyToAddress(e.key.PublicKey): {Balance: eth},
		e.deployer.From:                         {Balance: eth},
	})
	t.Cleanup(func() { e.sim.Close() })
	e.client = e.sim.Client()

	verifier, _, _, err := bindings.DeployDevVerifier(e.deployer, e.client, true)
	if err != nil {
		t.Fatal(err)
	}
	e.sim.Commit()
	head, err := e.client.HeaderByNumber(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	e.cfg = contracts.OracleConfig{
		SubmissionInterval: 10, L2BlockTime: 1, StartingBlockNumber: 0, StartingTimestamp: head.Time - 10_000,
		StartingOutputRoot: startRoot, Proposer: crypto.PubkeyToAddress(e.key.PublicKey), Challenger: e.deployer.From,
		FinalizationPeriodSeconds: 3600, Verifier: verifier, ImageID: imageID, ConfigHash: configHash, AllowDevVerifier: true,
	}
	if tweak != nil {
		tweak(&e.cfg, head)
	}
	params := bindings.L2OutputOracleParams{
		SubmissionInterval: u(e.cfg.SubmissionInterval), L2BlockTime: u(e.cfg.L2BlockTime),
		StartingBlockNumber: u(e.cfg.StartingBlockNumber), StartingTimestamp: u(e.cfg.StartingTimestamp),
		StartingOutputRoot: e.cfg.StartingOutputRoot, Proposer: e.cfg.Proposer, Challenger: e.cfg.Challenger,
		FinalizationPeriodSeconds: u(e.cfg.FinalizationPeriodSeconds), Verifier: e.cfg.Verifier,
		ImageId: e.cfg.ImageID, ConfigHash: e.cfg.ConfigHash, AllowDevVerifier: true,
	}
	if e.oracleAddr, _, e.oracle, err = bindings.DeployL2OutputOracle(e.deployer, e.client, params); err != nil {
		t.Fatal(contracts.AsRevert(err))
	}
	e.sim.Commit()
	e.openDB()
	return e
}

func u(v uint64) *big.Int { return new(big.Int).SetUint64(v) }

func (e *env) openDB() {
	db, err := pebble.Open(e.dir, &pebble.Options{Logger: quietPebble{}})
	if err != nil {
		e.t.Fatal(err)
	}
	e.db = db
	e.t.Cleanup(func() {
		if e.db == db {
			db.Close()
		}
	})
}

// restart closes and reopens the pebble DB, as a process restart would.
func (e *env) restart() {
	if err := e.db.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.db = nil
	e.openDB()
}

func (e *env) store() *PebbleStore {
	s, err := NewPebbleStore(e.db, []byte("zkexex/proposer/"))
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func (e *env) proposer(client Client, reg metrics.Registry) *Proposer {
	e.t.Helper()
	if client == nil {
		client = e.client
	}
	p, err := New(context.Background(), Config{
		Oracle: e.oracleAddr, Key: e.key, PollInterval: 10 * time.Millisecond, BackoffMin: 20 * time.Millisecond,
		BackoffMax: 200 * time.Millisecond, Registry: reg,
	}, client, e.store())
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// autoCommit mines a block every period until the test ends or stop is called.
func (e *env) autoCommit(period time.Duration) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(period)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				e.sim.Commit()
			}
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { close(done); <-finished }) }
	e.t.Cleanup(stop)
	return stop
}

func (e *env) nonce() uint64 {
	n, err := e.client.NonceAt(context.Background(), crypto.PubkeyToAddress(e.key.PublicKey), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) pendingNonce() uint64 {
	n, err := e.client.PendingNonceAt(context.Background(), crypto.PubkeyToAddress(e.key.PublicKey))
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func devProof(t testing.TB, prev, next common.Hash, block uint64) []byte {
	b32, _ := abi.NewType("bytes32", "", nil)
	u256, _ := abi.NewType("uint256", "", nil)
	out, err := abi.Arguments{{Type: b32}, {Type: b32}, {Type: b32}, {Type: b32}, {Type: b32}, {Type: u256}}.
		Pack([32]byte(devTag), [32]byte(imageID), [32]byte(configHash), [32]byte(prev), [32]byte(next), u(block))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func root(i uint64) common.Hash { return crypto.Keccak256Hash(u(i).Bytes(), []byte("root")) }

// output i is the i-th proposal (1-based) of a chain of roots starting at startRoot.
func (e *env) output(i uint64) Output {
	prev := startRoot
	if i > 1 {
		prev = root(i - 1)
	}
	block := e.cfg.StartingBlockNumber + i*e.cfg.SubmissionInterval
	return Output{L2BlockNumber: block, OutputRoot: root(i), PrevOutputRoot: prev, Proof: devProof(e.t, prev, root(i), block)}
}

func (e *env) held(index uint64) bindings.L2OutputOracleOutputProposal {
	o, err := e.oracle.GetL2Output(nil, u(index))
	if err != nil {
		e.t.Fatal(contracts.AsRevert(err))
	}
	return o
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestProposeSequence(t *testing.T) {
	e := newEnv(t, nil)
	e.autoCommit(20 * time.Millisecond)
	p := e.proposer(nil, metrics.NewRegistry())
	ctx := ctxT(t)
	for i := uint64(1); i <= 3; i++ {
		out := e.output(i)
		res, err := p.Propose(ctx, out)
		if err != nil {
			t.Fatalf("output %d: %v", i, err)
		}
		t.Logf("output %d for L2 block %d in L1 block %d, gas %d", res.OutputIndex, res.L2BlockNumber, res.L1BlockNumber, res.GasUsed)
		if res.AlreadyProposed || res.OutputIndex != i-1 || res.L1BlockNumber == 0 || res.TxHash == (common.Hash{}) {
			t.Fatalf("result %+v", res)
		}
		held := e.held(i - 1)
		if held.OutputRoot != out.OutputRoot || held.L2BlockNumber.Uint64() != out.L2BlockNumber {
			t.Fatalf("oracle holds %+v", held)
		}
		rec, err := e.store().Relayed(out.L2BlockNumber)
		if err != nil || rec.TxHash != res.TxHash || rec.L1BlockNumber != res.L1BlockNumber || rec.OutputIndex != res.OutputIndex {
			t.Fatalf("record %+v, %v", rec, err)
		}
		if pend, err := e.store().Pending(); err != nil || pend != nil {
			t.Fatalf("pending left behind: %+v, %v", pend, err)
		}
	}
	if n := e.nonce(); n != 3 {
		t.Fatalf("%d transactions for 3 proposals", n)
	}
	last, err := e.store().LastRelayed()
	if err != nil || last.L2BlockNumber != e.output(3).L2BlockNumber {
		t.Fatalf("last relayed %+v, %v", last, err)
	}
}

// TestRestart: a proposer restarted at each point of a proposal's life never sends a second
// transaction for it and reports where it landed.
func TestRestart(t *testing.T) {
	e := newEnv(t, nil)
	ctx := ctxT(t)

	// 1. Landed and recorded, then restarted: nothing is sent.
	stop := e.autoCommit(20 * time.Millisecond)
	first, err := e.proposer(nil, metrics.NewRegistry()).Propose(ctx, e.output(1))
	if err != nil {
		t.Fatal(err)
	}
	stop()
	e.restart()
	reg := metrics.NewRegistry()
	res, err := e.proposer(nil, reg).Propose(ctx, e.output(1))
	if err != nil {
		t.Fatal(err)
	}
	if !res.AlreadyProposed || res.TxHash != first.TxHash || res.L1BlockNumber != first.L1BlockNumber || e.pendingNonce() != 1 {
		t.Fatalf("re-proposing a recorded output: %+v (first %+v), nonce %d", res, first, e.pendingNonce())
	}
	if c := reg.Get("zkexex/proposer/already").(*metrics.Counter).Snapshot().Count(); c != 1 {
		t.Fatalf("already counter %d", c)
	}

	// 2. Sent, then the process died before the transaction was mined (no blocks are being made,
	// and the context is cancelled once the transaction is in the pool).
	out2 := e.output(2)
	sent := make(chan struct{})
	cctx, cancel := context.WithCancel(ctx)
	go func() {
		for e.pendingNonce() < 2 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
		close(sent)
	}()
	if _, err := e.proposer(nil, metrics.NewRegistry()).Propose(cctx, out2); !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	<-sent
	e.restart()
	pend, err := e.store().Pending()
	if err != nil || pend == nil || pend.L2BlockNumber != out2.L2BlockNumber || len(pend.TxHashes) != 1 {
		t.Fatalf("pending after crash: %+v, %v", pend, err)
	}
	e.autoCommit(20 * time.Millisecond)
	res, err = e.proposer(nil, metrics.NewRegistry()).Propose(ctx, out2)
	if err != nil {
		t.Fatal(err)
	}
	if res.AlreadyProposed || res.TxHash != pend.TxHashes[0] {
		t.Fatalf("restart while in flight: %+v, want the first tx %s", res, pend.TxHashes[0])
	}
	if n := e.nonce(); n != 2 {
		t.Fatalf("nonce %d: a second transaction was sent", n)
	}
}

// TestRestartAfterInclusion: the transaction was mined but the process died before recording it.
func TestRestartAfterInclusion(t *testing.T) {
	e := newEnv(t, nil)
	ctx := ctxT(t)
	out := e.output(1)
	cctx, cancel := context.WithCancel(ctx)
	go func() {
		for e.pendingNonce() < 1 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	if _, err := e.proposer(nil, metrics.NewRegistry()).Propose(cctx, out); !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	e.sim.Commit() // mined while "down"
	e.restart()
	pend, err := e.store().Pending()
	if err != nil || pend == nil {
		t.Fatalf("pending: %+v, %v", pend, err)
	}
	res, err := e.proposer(nil, metrics.NewRegistry()).Propose(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	if !res.AlreadyProposed || res.TxHash != pend.TxHashes[0] || res.L1BlockNumber == 0 || e.pendingNonce() != 1 {
		t.Fatalf("result %+v, nonce %d", res, e.pendingNonce())
	}
	if pend, err := e.store().Pending(); err != nil || pend != nil {
		t.Fatalf("pending left: %+v, %v", pend, err)
	}
	if rec, err := e.store().Relayed(out.L2BlockNumber); err != nil || rec.TxHash != res.TxHash {
		t.Fatalf("record %+v, %v", rec, err)
	}

	// The same crash, but after the restart the pipeline has moved on to the next output: the
	// earlier one is recorded from its receipt, and the next is sent once.
	cctx, cancel = context.WithCancel(ctx)
	go func() {
		for e.pendingNonce() < 2 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	if _, err := e.proposer(nil, metrics.NewRegistry()).Propose(cctx, e.output(2)); !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	e.sim.Commit()
	e.restart()
	e.autoCommit(20 * time.Millisecond)
	if _, err := e.proposer(nil, metrics.NewRegistry()).Propose(ctx, e.output(3)); err != nil {
		t.Fatal(err)
	}
	rec, err := e.store().Relayed(e.output(2).L2BlockNumber)
	if err != nil || rec.OutputIndex != 1 || rec.L1BlockNumber == 0 || rec.OutputRoot != e.output(2).OutputRoot {
		t.Fatalf("earlier output's record %+v, %v", rec, err)
	}
	if n := e.nonce(); n != 3 {
		t.Fatalf("nonce %d, want 3", n)
	}
}

// TestReplaceStaleProposal: an unmined proposal whose root a reorg replaced is overwritten at the
// same nonce, so the stale root can never land.
func TestReplaceStaleProposal(t *testing.T) {
	e := newEnv(t, nil)
	ctx := ctxT(t)
	stale := e.output(1)
	stale.OutputRoot = common.HexToHash("0x5ca1e")
	stale.Proof = devProof(t, startRoot, stale.OutputRoot, stale.L2BlockNumber)
	cctx, cancel := context.WithCancel(ctx)
	go func() {
		for e.pendingNonce() < 1 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	if _, err := e.proposer(nil, metrics.NewRegistry()).Propose(cctx, stale); !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	e.restart()
	// Blocks resume only once the replacement is in the pool, so the stale transaction cannot win.
	p := e.proposer(nil, metrics.NewRegistry())
	type result struct {
		res *Result
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := p.Propose(ctx, e.output(1))
		done <- result{res, err}
	}()
	for {
		pend, err := e.store().Pending()
		if err != nil {
			t.Fatal(err)
		}
		if pend != nil && len(pend.TxHashes) == 2 {
			if _, _, err := e.client.TransactionByHash(ctx, pend.TxHashes[1]); err == nil {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.autoCommit(20 * time.Millisecond)
	r := <-done
	res, err := r.res, r.err
	if err != nil {
		t.Fatal(err)
	}
	if got := e.held(0).OutputRoot; got != e.output(1).OutputRoot {
		t.Fatalf("oracle holds %x", got)
	}
	if n := e.nonce(); n != 1 {
		t.Fatalf("nonce %d: the stale proposal was not replaced", n)
	}
	if res.AlreadyProposed {
		t.Fatal("reported as already proposed")
	}
}

func TestPermanentFailures(t *testing.T) {
	e := newEnv(t, nil)
	e.autoCommit(20 * time.Millisecond)
	ctx := ctxT(t)
	reg := metrics.NewRegistry()
	p := e.proposer(nil, reg)

	bad := e.output(1)
	bad.Proof = devProof(t, startRoot, bad.OutputRoot, bad.L2BlockNumber+1)
	_, err := p.Propose(ctx, bad)
	var re *RevertError
	if !errors.As(err, &re) || !errors.Is(err, ErrPermanent) {
		t.Fatalf("want a permanent *RevertError, got %v", err)
	}
	if re.Revert.Name != "ProofRejected" || re.Revert.Inner == nil || re.Revert.Inner.Name != "InvalidDevReceipt" {
		t.Fatalf("reason %s", re.Revert.Reason())
	}
	if !errors.Is(err, contracts.Revert("ProofRejected")) {
		t.Fatal("errors.Is(err, contracts.Revert(ProofRejected)) false")
	}
	t.Log(err)

	zero := e.output(1)
	zero.OutputRoot = common.Hash{}
	zero.PrevOutputRoot = common.Hash{}
	_, err = p.Propose(ctx, zero)
	if !errors.Is(err, contracts.Revert("ZeroOutputRoot")) || !errors.Is(err, ErrPermanent) {
		t.Fatalf("zero root: %v", err)
	}

	_, err = p.Propose(ctx, e.output(2))
	if !errors.Is(err, ErrOutOfOrder) || !errors.Is(err, ErrPermanent) {
		t.Fatalf("out of order: %v", err)
	}
	wrongPrev := e.output(1)
	wrongPrev.PrevOutputRoot = common.HexToHash("0x01")
	if _, err = p.Propose(ctx, wrongPrev); !errors.Is(err, ErrPrevRootMismatch) {
		t.Fatalf("prev root: %v", err)
	}
	if n := e.pendingNonce(); n != 0 {
		t.Fatalf("%d transactions sent for failing proposals", n)
	}
	if _, err := p.Propose(ctx, e.output(1)); err != nil {
		t.Fatal(err)
	}
	other := e.output(1)
	other.OutputRoot = common.HexToHash("0x0abc")
	if _, err = p.Propose(ctx, other); !errors.Is(err, ErrConflict) || !errors.Is(err, ErrPermanent) {
		t.Fatalf("conflict: %v", err)
	}
	if _, err = p.Propose(ctx, Output{L2BlockNumber: 5, OutputRoot: root(9)}); !errors.Is(err, ErrOutOfOrder) {
		t.Fatalf("off-grid block: %v", err)
	}
	if c := reg.Get("zkexex/proposer/retries").(*metrics.Counter).Snapshot().Count(); c != 0 {
		t.Fatalf("permanent failures were retried %d times", c)
	}

	// A key that is not the oracle's proposer is refused up front.
	other2, _ := crypto.GenerateKey()
	_, err = New(ctx, Config{Oracle: e.oracleAddr, Key: other2}, e.client, e.store())
	if !errors.Is(err, ErrNotProposer) || !errors.Is(err, ErrPermanent) {
		t.Fatalf("wrong key: %v", err)
	}
}

// TestMinedRevert: a proposal mined and failed is explained by replaying it.
func TestMinedRevert(t *testing.T) {
	e := newEnv(t, nil)
	ctx := ctxT(t)
	p := e.proposer(nil, metrics.NewRegistry())
	bad := e.output(1)
	bad.Proof = bad.Proof[:100]
	auth, _ := bind.NewKeyedTransactorWithChainID(e.key, big.NewInt(1337))
	auth.GasLimit = 500_000 // skip estimation so that the failing transaction is mined
	tx, err := e.oracle.ProposeL2Output(auth, bad.OutputRoot, u(bad.L2BlockNumber), common.Hash{}, common.Big0, bad.Proof)
	if err != nil {
		t.Fatal(err)
	}
	e.sim.Commit()
	r, err := e.client.TransactionReceipt(ctx, tx.Hash())
	if err != nil || r.Status != types.ReceiptStatusFailed {
		t.Fatalf("receipt %+v, %v", r, err)
	}
	err = p.failed(ctx, bad, r)
	var re *RevertError
	if !errors.As(err, &re) || re.TxHash != tx.Hash() || re.Revert.Name != "ProofRejected" || !errors.Is(err, ErrPermanent) {
		t.Fatalf("mined revert: %v", err)
	}
	t.Log(err)
}

// TestRetryFutureTimestamp: the L2 block's time is ahead of L1, a transient revert; the proposer
// backs off and succeeds once L1 time passes it.
func TestRetryFutureTimestamp(t *testing.T) {
	e := newEnv(t, func(c *contracts.OracleConfig, head *types.Header) { c.StartingTimestamp = head.Time })
	ctx := ctxT(t)
	reg := metrics.NewRegistry()
	p := e.proposer(nil, reg)
	// Each simulated block is at least 1 s after its parent, so L1 time passes the first output's
	// L2 time (start + 10 s) after about 10 blocks.
	e.autoCommit(30 * time.Millisecond)
	res, err := p.Propose(ctx, e.output(1))
	if err != nil {
		t.Fatal(err)
	}
	retries := reg.Get("zkexex/proposer/retries").(*metrics.Counter).Snapshot().Count()
	if retries == 0 {
		t.Fatal("no retry: the first try should have been in the future")
	}
	t.Logf("proposed after %d retries in L1 block %d", retries, res.L1BlockNumber)

	// Waiting for L1 time does not use up attempts: with MaxAttempts 1 the second output (10 s of
	// L2 time later) still goes through.
	q, err := New(ctx, Config{Oracle: e.oracleAddr, Key: e.key, PollInterval: 10 * time.Millisecond, MaxAttempts: 1,
		BackoffMin: 20 * time.Millisecond, BackoffMax: 100 * time.Millisecond, Registry: metrics.NewRegistry()}, e.client, e.store())
	if err != nil {
		t.Fatal(err)
	}
	l2ts, err := e.oracle.ComputeL2Timestamp(nil, u(e.output(2).L2BlockNumber))
	if err != nil {
		t.Fatal(err)
	}
	if head, _ := e.client.HeaderByNumber(ctx, nil); head.Time >= l2ts.Uint64() {
		t.Fatalf("L1 already at %d, past the second output's L2 time %d: the test proves nothing", head.Time, l2ts)
	}
	if _, err := q.Propose(ctx, e.output(2)); err != nil {
		t.Fatal(err)
	}
}

// flaky fails the first n calls of SendTransaction and EstimateGas with a connection error.
type flaky struct {
	simulated.Client
	n atomic.Int32
}

var errConnRefused = errors.New("dial tcp 127.0.0.1:8545: connect: connection refused")

func (f *flaky) SendTransaction(ctx context.Context, tx *types.Transaction) error {
	if f.n.Add(-1) >= 0 {
		return errConnRefused
	}
	return f.Client.SendTransaction(ctx, tx)
}

func TestRetryTransientRPC(t *testing.T) {
	e := newEnv(t, nil)
	e.autoCommit(20 * time.Millisecond)
	ctx := ctxT(t)
	reg := metrics.NewRegistry()
	client := &flaky{Client: e.client}
	client.n.Store(3)
	p := e.proposer(client, reg)
	res, err := p.Propose(ctx, e.output(1))
	if err != nil {
		t.Fatal(err)
	}
	if c := reg.Get("zkexex/proposer/retries").(*metrics.Counter).Snapshot().Count(); c != 3 {
		t.Fatalf("retries %d, want 3", c)
	}
	// The failed sends reused one nonce, so exactly one transaction exists.
	if n := e.nonce(); n != 1 || res.OutputIndex != 0 {
		t.Fatalf("nonce %d, result %+v", n, res)
	}

	// A failure that outlasts MaxAttempts gives up with the last error.
	client.n.Store(100)
	q, err := New(ctx, Config{Oracle: e.oracleAddr, Key: e.key, MaxAttempts: 3, BackoffMin: time.Millisecond, Registry: metrics.NewRegistry()}, client, e.store())
	if err != nil {
		t.Fatal(err)
	}
	_, err = q.Propose(ctx, e.output(2))
	if !errors.Is(err, ErrRetriesExhausted) || !errors.Is(err, errConnRefused) || errors.Is(err, ErrPermanent) {
		t.Fatalf("want retries exhausted wrapping the RPC error, got %v", err)
	}
}

// TestResubmit: a transaction that is not mined is replaced with higher fees at the same nonce.
func TestResubmit(t *testing.T) {
	e := newEnv(t, nil)
	ctx := ctxT(t)
	reg := metrics.NewRegistry()
	p, err := New(ctx, Config{Oracle: e.oracleAddr, Key: e.key, PollInterval: 10 * time.Millisecond, ResubmitAfter: 50 * time.Millisecond, Registry: reg}, e.client, e.store())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	var res *Result
	go func() {
		var err error
		res, err = p.Propose(ctx, e.output(1))
		done <- err
	}()
	// No blocks until the proposer has replaced its transaction twice.
	var pend *Pending
	for pend == nil || len(pend.TxHashes) < 3 {
		time.Sleep(10 * time.Millisecond)
		var err error
		if pend, err = e.store().Pending(); err != nil {
			t.Fatal(err)
		}
	}
	if c := reg.Get("zkexex/proposer/resubmits").(*metrics.Counter).Snapshot().Count(); c < 2 {
		t.Fatalf("resubmits %d", c)
	}
	e.autoCommit(20 * time.Millisecond)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	tx, _, err := e.client.TransactionByHash(ctx, res.TxHash)
	if err != nil {
		t.Fatal(err)
	}
	if e.nonce() != 1 || tx.Nonce() != 0 {
		t.Fatalf("nonce %d, tx nonce %d", e.nonce(), tx.Nonce())
	}
	first := pend.TxHashes[0]
	if res.TxHash == first {
		t.Fatal("the first (lowest-fee) transaction was mined, not a replacement")
	}
}

func TestBump(t *testing.T) {
	for _, tc := range []struct{ in, pct, want int64 }{{100, 15, 115}, {1, 15, 2}, {0, 15, 1}, {7, 10, 8}, {1000, 10, 1100}} {
		if got := bump(big.NewInt(tc.in), uint64(tc.pct)); got.Int64() != tc.want {
			t.Errorf("bump(%d, %d) = %v, want %d", tc.in, tc.pct, got, tc.want)
		}
	}
}

type quietPebble struct{}

func (quietPebble) Infof(string, ...any)           {}
func (quietPebble) Errorf(string, ...any)          {}
func (quietPebble) Fatalf(format string, a ...any) { panic(fmt.Sprintf(format, a...)) }

// TestL1Reorg: with confirmations, a proposal whose L1 block is reorged out before it is deep
// enough is followed to its new block.
func TestL1Reorg(t *testing.T) {
	e := newEnv(t, nil)
	ctx := ctxT(t)
	p, err := New(ctx, Config{Oracle: e.oracleAddr, Key: e.key, PollInterval: 10 * time.Millisecond, ResubmitAfter: 200 * time.Millisecond,
		Confirmations: 2, Registry: metrics.NewRegistry()}, e.client, e.store())
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		res *Result
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := p.Propose(ctx, e.output(1))
		done <- result{res, err}
	}()
	for e.pendingNonce() < 1 {
		time.Sleep(5 * time.Millisecond)
	}
	parent, err := e.client.HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.sim.Commit() // the proposal lands in block parent+1 ...
	first, err := e.client.HeaderByNumber(ctx, nil)
	if err != nil || len(mustBlock(t, e, first.Hash()).Transactions()) != 1 {
		t.Fatalf("first inclusion: %v", err)
	}
	time.Sleep(50 * time.Millisecond)                 // let the proposer see the receipt
	if err := e.sim.Fork(parent.Hash()); err != nil { // ... which is reorged out
		t.Fatal(err)
	}
	e.autoCommit(20 * time.Millisecond)
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.res.L1BlockHash == first.Hash() {
		t.Fatalf("reported the reorged-out block %s", first.Hash())
	}
	canon, err := e.client.HeaderByNumber(ctx, u(r.res.L1BlockNumber))
	if err != nil || canon.Hash() != r.res.L1BlockHash {
		t.Fatalf("reported block %d %s is not canonical (%v)", r.res.L1BlockNumber, r.res.L1BlockHash, err)
	}
	head, _ := e.client.HeaderByNumber(ctx, nil)
	if head.Number.Uint64() < r.res.L1BlockNumber+2 {
		t.Fatalf("returned at head %d for a proposal in block %d with 2 confirmations", head.Number, r.res.L1BlockNumber)
	}
	if got := e.held(0).OutputRoot; got != e.output(1).OutputRoot || e.nonce() != 1 {
		t.Fatalf("oracle holds %x, nonce %d", got, e.nonce())
	}
	t.Logf("first in block %d %s, finally in block %d %s", first.Number, first.Hash(), r.res.L1BlockNumber, r.res.L1BlockHash)
}

func mustBlock(t *testing.T, e *env, h common.Hash) *types.Block {
	b, err := e.client.BlockByHash(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
