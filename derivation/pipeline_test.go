package derivation_test

import (
	"context"
	"fmt"
	"math/rand"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/metrics"
	"github.com/ethereum/go-ethereum/rpc"
	"github.com/zkexex/zkexex/derivation"
	"github.com/zkexex/zkexex/exex"
	"github.com/zkexex/zkexex/exex/exextest"
	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/stf"
)

// recorder is the test's L1 side: it applies the oracle's rules (next block number, the
// previous output root as the verifier's prevOutputRoot, the DevVerifier's check of the dev
// proof bytes) and records what it accepted. It also checks that every proposal names a block
// canonical on the node when it is sent.
type recorder struct {
	t        testing.TB
	chain    *exextest.Chain
	cfgHash  common.Hash
	interval uint64

	mu      sync.Mutex
	next    uint64
	latest  common.Hash
	outputs []derivation.Proposal
}

func (r *recorder) Propose(_ context.Context, p *derivation.Proposal) (*derivation.Proposed, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.outputs); n > 0 && r.outputs[n-1].L2BlockNumber == p.L2BlockNumber && r.outputs[n-1].OutputRoot == p.OutputRoot {
		return landed(uint64(n - 1)), nil // idempotent, as the real proposer
	}
	if p.L2BlockNumber != r.next {
		return nil, fmt.Errorf("oracle: block number %d, want %d", p.L2BlockNumber, r.next)
	}
	if got := r.chain.BC.GetCanonicalHash(p.L2BlockNumber); got != p.L2BlockHash {
		r.t.Errorf("proposal for block %d [%x] not canonical (node has %x)", p.L2BlockNumber, p.L2BlockHash, got)
	}
	f, err := receipt.DecodeDevProof(p.Proof)
	if err != nil {
		return nil, err
	}
	if f.PrevOutputRoot != r.latest || f.NewOutputRoot != p.OutputRoot || f.L2BlockNumber != p.L2BlockNumber || f.ConfigHash != r.cfgHash {
		return nil, fmt.Errorf("oracle: proof rejected: %+v", f)
	}
	r.outputs = append(r.outputs, *p)
	r.next += r.interval
	r.latest = p.OutputRoot
	return landed(uint64(len(r.outputs) - 1)), nil
}

// landed is where the recorder's oracle puts output i: L1 block 100+i, a transaction named by i.
func landed(i uint64) *derivation.Proposed {
	return &derivation.Proposed{OutputIndex: i, L1BlockNumber: 100 + i, L1TxHash: common.Hash{31: byte(i + 1)}}
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.outputs)
}

type harness struct {
	t        *testing.T
	chain    *exextest.Chain
	stfCfg   *stf.Config
	anchor   derivation.Anchor
	rec      *recorder
	dir      string
	walDir   string
	interval uint64
	depth    uint64

	// prover and proposer override the dev prover and the recorder when set.
	prover       derivation.Prover
	proposer     derivation.Proposer
	retainProven uint64
	reg          metrics.Registry
	// newProposer, when set, makes the proposer at every start (as a restarted process would).
	newProposer func() derivation.Proposer

	m      *exex.Manager
	p      *derivation.Pipeline
	events chan derivation.Event
	sub    interface{ Unsubscribe() }
}

func newHarness(t *testing.T, seed int64, interval, depth uint64) *harness {
	chain := exextest.NewChain(t, exextest.Options{Seed: seed, TxsPerBlock: 3})
	cfg := stf.NewConfig(chain.Config)
	cfgHash, err := cfg.Hash()
	if err != nil {
		t.Fatal(err)
	}
	anchor, err := derivation.AnchorFromChain(chain.BC, cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, chain: chain, stfCfg: cfg, anchor: anchor, dir: t.TempDir(), walDir: t.TempDir(), interval: interval, depth: depth,
		rec: &recorder{t: t, chain: chain, cfgHash: cfgHash, interval: interval, next: interval, latest: anchor.OutputRoot}}
	h.start()
	t.Cleanup(h.stop)
	return h
}

func (h *harness) start() {
	h.reg = metrics.NewRegistry()
	var prover derivation.Prover = &derivation.DevProver{}
	if h.prover != nil {
		prover = h.prover
	}
	var proposer derivation.Proposer = h.rec
	if h.proposer != nil {
		proposer = h.proposer
	}
	if h.newProposer != nil {
		proposer = h.newProposer()
	}
	p, err := derivation.New(derivation.Config{
		Dir: h.dir, STF: h.stfCfg, Anchor: h.anchor, SubmissionInterval: h.interval,
		Prover: prover, Proposer: proposer, ProposeDepth: h.depth,
		Canonical:    h.chain.BC.GetCanonicalHash,
		RetryBackoff: 50 * time.Millisecond, OracleRecheck: 100 * time.Millisecond, RetainProven: h.retainProven, Registry: h.reg,
	})
	if err != nil {
		h.t.Fatal(err)
	}
	h.events = make(chan derivation.Event, 4096)
	h.sub = p.Subscribe(h.events)
	m, err := exex.New(h.chain.BC, exex.Config{Dir: h.walDir, Registry: metrics.NewRegistry(), PollInterval: 20 * time.Millisecond,
		ProveAccounts: []common.Address{*h.stfCfg.MessagePasser}}, p.Extension())
	if err != nil {
		h.t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		h.t.Fatal(err)
	}
	h.m, h.p = m, p
}

func (h *harness) stop() {
	if h.m == nil {
		return
	}
	if err := h.m.Stop(); err != nil {
		h.t.Errorf("manager: %v", err)
	}
	h.sub.Unsubscribe()
	if err := h.p.Close(); err != nil {
		h.t.Errorf("pipeline close: %v", err)
	}
	h.m, h.p = nil, nil
}

// settle waits until the pipeline has finished the node's head and proven every full span
// below it (and proposed what is deep enough).
func (h *harness) settle() {
	h.t.Helper()
	head := h.chain.Head()
	wantProven := head.NumberU64() / h.interval * h.interval
	wantProposed := uint64(0)
	if head.NumberU64() >= h.depth && h.depth < 1<<30 {
		wantProposed = (head.NumberU64() - h.depth) / h.interval * h.interval
	}
	wantProposed = min(wantProposed, wantProven)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		fin, _ := h.m.Finished("derivation")
		ph, err := h.p.ProvenHead()
		if err != nil {
			h.t.Fatal(err)
		}
		var got uint64
		if ph != nil {
			got = ph.Number
		}
		if fin.Hash == head.Hash() && got == wantProven && h.p.Proposed() >= wantProposed {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("pipeline did not settle at head %d: finished %v, proven %d (want %d), proposed %d (want %d)", head.NumberU64(), fin, got, wantProven, h.p.Proposed(), wantProposed)
		}
		select {
		case <-h.m.Done():
			h.t.Fatalf("manager stopped: %v", h.m.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// checkIndex asserts the index is exactly the canonical chain's proven prefix.
func (h *harness) checkIndex() {
	h.t.Helper()
	ph, err := h.p.ProvenHead()
	if err != nil {
		h.t.Fatal(err)
	}
	var top uint64
	if ph != nil {
		top = ph.Number
	}
	if top%h.interval != 0 {
		h.t.Fatalf("proven head %d is not a span end", top)
	}
	for n := uint64(1); n <= h.chain.Head().NumberU64()+3; n++ {
		pb, err := h.p.ProvenBlock(n)
		if err != nil {
			h.t.Fatal(err)
		}
		if n > top || n < h.p.ProvenTail() {
			if pb != nil {
				h.t.Fatalf("block %d indexed above the proven head %d", n, top)
			}
			continue
		}
		if pb == nil || pb.Hash != h.chain.BC.GetCanonicalHash(n) {
			h.t.Fatalf("index entry of block %d is %v, canonical is %x", n, pb, h.chain.BC.GetCanonicalHash(n))
		}
	}
}

// checkOutputs recomputes each accepted output root from the node with the STF.
func (h *harness) checkOutputs() {
	h.t.Helper()
	for _, o := range h.rec.outputs {
		blk := h.chain.BC.GetBlockByNumber(o.L2BlockNumber)
		in, err := stf.InputFromChain(context.Background(), h.chain.BC, h.stfCfg, blk)
		if err != nil {
			h.t.Fatal(err)
		}
		claim, err := stf.Execute(context.Background(), in)
		if err != nil {
			h.t.Fatal(err)
		}
		if claim.OutputRoot != o.OutputRoot || blk.Hash() != o.L2BlockHash {
			h.t.Fatalf("output for block %d: root %x, STF says %x", o.L2BlockNumber, o.OutputRoot, claim.OutputRoot)
		}
	}
}

func TestPipelineProposesSpans(t *testing.T) {
	h := newHarness(t, 1, 4, 2)
	h.chain.Extend(14)
	h.settle()
	h.checkIndex()
	if got := h.rec.count(); got != 3 {
		t.Fatalf("%d outputs proposed, want 3 (blocks 4, 8, 12)", got)
	}
	h.checkOutputs()

	// The JSON-RPC namespace, served in process.
	srv := rpc.NewServer()
	defer srv.Stop()
	for _, api := range h.p.APIs() {
		if err := srv.RegisterName(api.Namespace, api.Service); err != nil {
			t.Fatal(err)
		}
	}
	client := rpc.DialInProc(srv)
	defer client.Close()
	var head derivation.ProvenBlock
	if err := client.Call(&head, "zkexex_provenHead"); err != nil {
		t.Fatal(err)
	}
	if head.Number != 12 || head.Hash != h.chain.BC.GetCanonicalHash(12) {
		t.Fatalf("zkexex_provenHead = #%d [%x]", head.Number, head.Hash)
	}
	// Span ends say where their output landed on L1; blocks inside a span do not.
	if head.L1 == nil || *head.L1 != *onL1Of(landed(2)) {
		t.Fatalf("zkexex_provenHead's L1 landing = %+v, want %+v", head.L1, landed(2))
	}
	var blk *derivation.ProvenBlock
	if err := client.Call(&blk, "zkexex_getProvenBlock", hexutil.Uint64(5)); err != nil || blk == nil || blk.SpanStart != 5 || blk.SpanEnd != 8 || blk.L1 != nil {
		t.Fatalf("zkexex_getProvenBlock(5) = %+v, %v", blk, err)
	}
	if err := client.Call(&blk, "zkexex_getProvenBlock", "0x8"); err != nil || blk == nil || blk.L1 == nil || *blk.L1 != *onL1Of(landed(1)) {
		t.Fatalf("zkexex_getProvenBlock(0x8) = %+v, %v; want landed as output 1", blk, err)
	}
	if err := client.Call(&blk, "zkexex_getProvenBlock", hexutil.Uint64(13)); err != nil || blk != nil {
		t.Fatalf("zkexex_getProvenBlock(13) = %+v, %v; want null", blk, err)
	}
	stream := make(chan derivation.Event, 64)
	sub, err := client.Subscribe(context.Background(), "zkexex", stream, "provenBlocks")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	h.chain.Extend(3) // head 17: span 13..16
	h.settle()
	for n := uint64(13); n <= 16; n++ {
		select {
		case ev := <-stream:
			if ev.Kind != derivation.Proven || ev.Number != n || ev.Hash != h.chain.BC.GetCanonicalHash(n) {
				t.Fatalf("subscription event %+v, want proven %d", ev, n)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no subscription event for block %d", n)
		}
	}
	// A reorg of block 16..17 retracts the whole span 13..16 over the subscription.
	h.chain.Reorg(2, 2)
	for n := uint64(16); n >= 13; n-- {
		select {
		case ev := <-stream:
			if ev.Kind != derivation.Retracted || ev.Number != n {
				t.Fatalf("subscription event %+v, want retracted %d", ev, n)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no retraction of block %d", n)
		}
	}
	h.settle()
	h.checkIndex()
}

// TestPipelineReorgProperty drives random schedules of growth, reorgs and rewinds; after each
// step the index must equal the canonical chain's proven prefix, every block proven then
// dropped must have been retracted, and the oracle only ever sees canonical roots.
func TestPipelineReorgProperty(t *testing.T) {
	seeds, steps := 16, 15
	if testing.Short() {
		seeds, steps = 4, 8
	}
	for seed := int64(0); seed < int64(seeds); seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewSource(seed))
			h := newHarness(t, seed+10, uint64(2+rng.Intn(3)), 4)
			proven := map[uint64]common.Hash{}
			retractedSeen := map[uint64]int{}
			drain := func() {
				for {
					select {
					case ev := <-h.events:
						switch ev.Kind {
						case derivation.Proven:
							proven[ev.Number] = ev.Hash
						case derivation.Retracted:
							if proven[ev.Number] != ev.Hash {
								t.Fatalf("retraction of %d [%x] that is not proven", ev.Number, ev.Hash)
							}
							delete(proven, ev.Number)
							retractedSeen[ev.Number]++
						}
					default:
						return
					}
				}
			}
			h.chain.Extend(5)
			for i := 0; i < steps; i++ {
				head := h.chain.Head().NumberU64()
				switch op := rng.Intn(4); {
				case op <= 1:
					h.chain.Extend(1 + rng.Intn(5))
				case op == 2 && head > 3:
					// Only blocks above the last proposed output are reorged: the oracle keeps
					// what it was given (TestPipelineProposedOutputReorged covers the rest).
					d := min(1+rng.Intn(3), int(head-h.p.Proposed()))
					if d == 0 {
						h.chain.Extend(1)
						break
					}
					h.chain.Reorg(d, max(1, d+rng.Intn(3)-1))
				case head > 3:
					d := min(uint64(1+rng.Intn(3)), head-h.p.Proposed())
					h.chain.SetHead(head - d)
				}
				h.settle()
				h.checkIndex()
				drain()
				// The event stream, replayed, gives the index too.
				for n, hash := range proven {
					if pb, _ := h.p.ProvenBlock(n); pb == nil || pb.Hash != hash {
						t.Fatalf("events say %d [%x] is proven, index has %v", n, hash, pb)
					}
				}
			}
			h.checkOutputs()
			t.Logf("interval %d, head %d, %d outputs, %d retractions", h.interval, h.chain.Head().NumberU64(), h.rec.count(), len(retractedSeen))
		})
	}
}

// TestPipelineRestartMidSpan closes everything in the middle of a span and reopens the same
// directories: no block is lost and no output is proposed twice.
func TestPipelineRestartMidSpan(t *testing.T) {
	h := newHarness(t, 3, 5, 0)
	h.chain.Extend(7) // span 1..5 proven and proposed, 6..7 pending
	h.settle()
	h.stop()
	h.chain.Extend(2) // imported while the pipeline is down
	h.start()
	h.chain.Extend(3) // head 12: span 6..10 completes
	h.settle()
	h.checkIndex()
	if got := h.rec.count(); got != 2 {
		t.Fatalf("%d outputs after the restart, want 2", got)
	}
	seen := map[uint64]bool{}
	for _, o := range h.rec.outputs {
		if seen[o.L2BlockNumber] {
			t.Fatalf("block %d proposed twice", o.L2BlockNumber)
		}
		seen[o.L2BlockNumber] = true
	}
	h.checkOutputs()
}

func onL1Of(p *derivation.Proposed) *derivation.OnL1 {
	return &derivation.OnL1{OutputIndex: p.OutputIndex, L1BlockNumber: p.L1BlockNumber, L1TxHash: p.L1TxHash}
}
