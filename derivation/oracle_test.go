package derivation_test

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"math/big"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/metrics"
	"github.com/ethereum/go-ethereum/params"
	"github.com/zkexex/zkexex/contracts"
	"github.com/zkexex/zkexex/derivation"
	"github.com/zkexex/zkexex/derivation/proposer"
	"github.com/zkexex/zkexex/derivation/service"
	"github.com/zkexex/zkexex/stf"
)

// l1Oracle is the adapter a deployment uses between the pipeline and the proposer (the
// service's): the real proposer, oracle reads and challenger on a simulated L1 (a real EVM
// running the oracle).
type l1Oracle interface {
	derivation.Proposer
	derivation.Oracle
}

func newL1Oracle(p *proposer.Proposer) l1Oracle { return service.NewAdapter(p).(l1Oracle) }

// forgetful loses the result of a proposal that landed, as a process killed between the
// landing and recording it would.
type forgetful struct {
	l1Oracle
	forget atomic.Bool
}

func (f *forgetful) Propose(ctx context.Context, p *derivation.Proposal) (*derivation.Proposed, error) {
	res, err := f.l1Oracle.Propose(ctx, p)
	if err == nil && f.forget.CompareAndSwap(true, false) {
		return nil, errors.New("killed before recording the landing")
	}
	return res, err
}

// l1 is a simulated L1 with the oracle anchored at the harness's anchor, mined every 10ms.
type l1 struct {
	t      *testing.T
	sim    *simulated.Backend
	key    *ecdsa.PrivateKey // proposer and challenger, as on the devnet
	cfg    contracts.OracleConfig
	dep    *contracts.DevDeployment
	db     *pebble.DB
	reg    metrics.Registry
	base   uint64 // the key's nonce after deploying: transactions before it are not proposals
	stopCh chan struct{}
	doneCh chan struct{}
}

func newL1(t *testing.T, h *harness, finalization uint64) *l1 {
	t.Helper()
	key, _ := crypto.GenerateKey()
	from := crypto.PubkeyToAddress(key.PublicKey)
	eth := new(big.Int).Mul(big.NewInt(1000), big.NewInt(params.Ether))
	e := &l1{t: t, key: key, reg: metrics.NewRegistry(), sim: simulated.NewBackend(types.GenesisAlloc{from: {Balance: eth}})}
	t.Cleanup(func() { e.sim.Close() })
	e.mine()
	t.Cleanup(e.stop)
	head, err := e.sim.Client().HeaderByNumber(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	cfgHash, err := h.stfCfg.Hash()
	if err != nil {
		t.Fatal(err)
	}
	e.cfg = contracts.OracleConfig{SubmissionInterval: h.interval, L2BlockTime: 1, StartingBlockNumber: h.anchor.Number,
		StartingTimestamp: head.Time - min(head.Time, 10_000), StartingOutputRoot: h.anchor.OutputRoot, Proposer: from, Challenger: from,
		FinalizationPeriodSeconds: finalization, ConfigHash: cfgHash, AllowDevVerifier: true}
	auth, _ := bind.NewKeyedTransactorWithChainID(key, big.NewInt(1337))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if e.dep, err = contracts.DeployDevOracle(ctx, auth, e.sim.Client(), e.cfg); err != nil {
		t.Fatal(contracts.AsRevert(err))
	}
	e.base = e.nonce()
	if e.db, err = pebble.Open(t.TempDir(), &pebble.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.db.Close() })
	h.stop()
	h.newProposer = e.proposer
	h.start()
	return e
}

// proposer makes a proposer on the same store, as a restarted process would.
func (e *l1) proposer() derivation.Proposer {
	st, err := proposer.NewPebbleStore(e.db, []byte("proposer/"))
	if err != nil {
		e.t.Fatal(err)
	}
	p, err := proposer.New(context.Background(), proposer.Config{Oracle: e.dep.Oracle, Key: e.key, ChallengerKey: e.key,
		PollInterval: 10 * time.Millisecond, BackoffMin: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond, Registry: e.reg}, e.sim.Client(), st)
	if err != nil {
		e.t.Fatal(err)
	}
	return newL1Oracle(p)
}

func (e *l1) mine() {
	e.stopCh, e.doneCh = make(chan struct{}), make(chan struct{})
	go func(stop, done chan struct{}) {
		defer close(done)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				e.sim.Commit()
			}
		}
	}(e.stopCh, e.doneCh)
}

func (e *l1) stop() {
	if e.stopCh != nil {
		close(e.stopCh)
		<-e.doneCh
		e.stopCh = nil
	}
}

// nonce is the number of transactions the proposer and challenger got mined.
func (e *l1) nonce() uint64 {
	n, err := e.sim.Client().NonceAt(context.Background(), e.cfg.Proposer, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return n - e.base
}

func (e *l1) counter(name string) int64 {
	return metrics.GetOrRegisterCounter("zkexex/proposer/"+name, e.reg).Snapshot().Count()
}

// check asserts that the oracle's outputs are consecutive span ends, one per interval up to
// want, each the STF's output root of the node's canonical block.
func (e *l1) check(h *harness, want uint64) {
	e.t.Helper()
	next, err := e.dep.Binding.NextOutputIndex(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if got := next.Uint64(); got != want/h.interval {
		e.t.Fatalf("oracle holds %d outputs, want %d (through block %d)", got, want/h.interval, want)
	}
	for i := uint64(0); i < next.Uint64(); i++ {
		o, err := e.dep.Binding.GetL2Output(nil, new(big.Int).SetUint64(i))
		if err != nil {
			e.t.Fatal(err)
		}
		n := h.anchor.Number + (i+1)*h.interval
		blk := h.chain.BC.GetBlockByNumber(n)
		in, err := stf.InputFromChain(context.Background(), h.chain.BC, h.stfCfg, blk)
		if err != nil {
			e.t.Fatal(err)
		}
		claim, err := stf.Execute(context.Background(), in)
		if err != nil {
			e.t.Fatal(err)
		}
		if o.L2BlockNumber.Uint64() != n || common.Hash(o.OutputRoot) != claim.OutputRoot {
			e.t.Fatalf("output %d: block %d root %x, want block %d root %x", i, o.L2BlockNumber, o.OutputRoot, n, claim.OutputRoot)
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestOracleL1DropsProposal: an L1 reorg drops the block holding an output; the pipeline sees
// it on the oracle and proposes it again, once.
func TestOracleL1DropsProposal(t *testing.T) {
	h := newHarness(t, 31, 3, 0)
	e := newL1(t, h, 3600)
	h.chain.Extend(4)
	h.settle()
	e.check(h, 3)
	pb, err := h.p.ProvenBlock(3)
	if err != nil || pb.L1 == nil {
		t.Fatalf("no landing recorded for block 3: %v %v", pb, err)
	}
	e.stop()
	parent, err := e.sim.Client().HeaderByNumber(context.Background(), new(big.Int).SetUint64(pb.L1.L1BlockNumber-1))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.sim.Fork(parent.Hash()); err != nil {
		t.Fatal(err)
	}
	// geth's pool takes the dropped proposal back: take its nonce with another transaction so
	// that it can never land again, as when it is evicted or outbid.
	filler, err := types.SignNewTx(e.key, types.LatestSignerForChainID(big.NewInt(1337)), &types.DynamicFeeTx{
		ChainID: big.NewInt(1337), Nonce: e.base, GasTipCap: big.NewInt(100 * params.GWei), GasFeeCap: big.NewInt(200 * params.GWei),
		Gas: 21000, To: &e.cfg.Proposer})
	if err != nil {
		t.Fatal(err)
	}
	// The pool resets to the fork's head asynchronously: until it has, the nonce looks used.
	waitFor(t, "the pool to take the filler", func() bool { return e.sim.Client().SendTransaction(context.Background(), filler) == nil })
	e.mine()
	waitFor(t, "the oracle to lose output 1", func() bool {
		n, err := e.dep.Binding.NextOutputIndex(nil)
		return err == nil && n.Uint64() == 0
	})
	h.chain.Extend(3)
	h.settle()
	e.check(h, 6)
	// The filler, block 3's output again, block 6's: nothing else.
	if n, p := e.nonce(), e.counter("proposals"); n != 3 || p != 3 {
		t.Fatalf("%d transactions, %d proposals landed; want 3 and 3", n, p)
	}
}

// TestOracleL2ReorgInsideWindow: an L2 reorg below a proposed output: the output is deleted
// through the challenger role and the span proposed again on the new chain.
func TestOracleL2ReorgInsideWindow(t *testing.T) {
	h := newHarness(t, 32, 3, 0)
	e := newL1(t, h, 3600)
	h.chain.Extend(7)
	h.settle()
	e.check(h, 6)
	h.chain.Reorg(3, 5) // replaces 5..7 with 5..9: block 6's output on L1 is off the chain
	h.settle()
	e.check(h, 9)
	if err := h.p.ProposeErr(); err != nil {
		t.Fatal(err)
	}
	if got := e.counter("deletions"); got != 1 {
		t.Fatalf("%d deletions, want 1", got)
	}
	if n := e.nonce(); n != 5 { // outputs 3, 6, the deletion, 6', 9'
		t.Fatalf("%d transactions, want 5", n)
	}
}

// TestOracleL2ReorgOutsideWindow: the same reorg once the output is finalized stops proposing
// with an error that says so, while proving follows the new chain.
func TestOracleL2ReorgOutsideWindow(t *testing.T) {
	h := newHarness(t, 33, 3, 0)
	e := newL1(t, h, 3600)
	h.chain.Extend(7)
	h.settle()
	e.stop()
	if err := e.sim.AdjustTime(3600 * time.Second); err != nil {
		t.Fatal(err)
	}
	e.mine()
	h.chain.Reorg(3, 5)
	waitFor(t, "ProposeErr", func() bool { return h.p.ProposeErr() != nil })
	err := h.p.ProposeErr()
	var fe *proposer.FinalizedError
	if !errors.Is(err, derivation.ErrProposedOutputReorged) || !errors.As(err, &fe) || fe.L2BlockNumber != 6 {
		t.Fatalf("ProposeErr = %v", err)
	}
	t.Log(err)
	h.depth = 1 << 30
	h.settle()
	h.checkIndex()
	if got := e.counter("deletions"); got != 0 {
		t.Fatalf("%d deletions", got)
	}
}

// TestOracleRestarts restarts the pipeline and the proposer at each point of a proposal's life:
// proven but not proposed, sent but not mined, landed, and with the pipeline's store lost. The
// oracle ends with one output per span, none twice, none missing, and no transaction wasted.
func TestOracleRestarts(t *testing.T) {
	h := newHarness(t, 34, 3, 2)
	e := newL1(t, h, 3600)

	// Proven, not yet deep enough to propose.
	h.chain.Extend(4)
	waitFor(t, "span 1..3 proven", func() bool { ph, _ := h.p.ProvenHead(); return ph != nil && ph.Number == 3 })
	h.stop()
	h.start()

	// Sent, not mined: L1 stops mining while the proposal for block 3 is in the pool.
	e.stop()
	h.chain.Extend(1)
	waitFor(t, "proposal sent", func() bool {
		n, _ := e.sim.Client().PendingNonceAt(context.Background(), e.cfg.Proposer)
		return n == e.base+1
	})
	h.stop()
	e.mine()
	h.start()
	h.settle()
	e.check(h, 3)

	// Landed, not recorded.
	h.stop()
	f := &forgetful{l1Oracle: e.proposer().(l1Oracle)}
	f.forget.Store(true)
	h.newProposer = func() derivation.Proposer { return f }
	h.start()
	h.chain.Extend(3)
	h.settle()
	e.check(h, 6)
	if f.forget.Load() {
		t.Fatal("no landing was lost")
	}

	// Landed and recorded.
	h.stop()
	h.newProposer = e.proposer
	h.start()

	// The pipeline's store and WAL lost: it proves from the anchor again, waits until it has
	// proven the oracle's latest, checks it and goes on from there.
	h.stop()
	h.dir, h.walDir = t.TempDir(), t.TempDir()
	h.start()
	h.chain.Extend(3)
	h.settle()
	e.check(h, 9)
	if n := e.nonce(); n != 3 {
		t.Fatalf("%d transactions for 3 outputs", n)
	}
	if err := h.p.ProposeErr(); err != nil {
		t.Fatal(err)
	}
}
