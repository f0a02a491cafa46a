package derivation_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/zkexex/zkexex/derivation"
	"github.com/zkexex/zkexex/stf"
)

func TestChainClaims(t *testing.T) {
	base := []stf.Claim{
		{ConfigHash: common.Hash{1}, ParentHash: common.Hash{0xa0}, BlockHash: common.Hash{0xa1}, BlockNumber: 1, PreStateRoot: common.Hash{0xb0}, PostStateRoot: common.Hash{0xb1}, OutputRoot: common.Hash{0xc1}, ParentOutputRoot: common.Hash{0xc0}},
		{ConfigHash: common.Hash{1}, ParentHash: common.Hash{0xa1}, BlockHash: common.Hash{0xa2}, BlockNumber: 2, PreStateRoot: common.Hash{0xb1}, PostStateRoot: common.Hash{0xb2}, OutputRoot: common.Hash{0xc2}, ParentOutputRoot: common.Hash{0xc1}},
	}
	sc, err := derivation.ChainClaims(common.Hash{9}, common.Hash{0xc0}, base)
	if err != nil {
		t.Fatal(err)
	}
	if sc.StartBlock != 1 || sc.EndBlock != 2 || sc.StartParentHash != (common.Hash{0xa0}) || sc.EndBlockHash != (common.Hash{0xa2}) ||
		sc.StartOutputRoot != (common.Hash{0xc0}) || sc.EndOutputRoot != (common.Hash{0xc2}) || sc.ImageID != (common.Hash{9}) || sc.ConfigHash != (common.Hash{1}) {
		t.Fatalf("span claim %+v", sc)
	}
	tests := []struct {
		name string
		mut  func(c []stf.Claim)
	}{
		{"config", func(c []stf.Claim) { c[1].ConfigHash = common.Hash{2} }},
		{"parent", func(c []stf.Claim) { c[1].ParentHash = common.Hash{0xff} }},
		{"number", func(c []stf.Claim) { c[1].BlockNumber = 3 }},
		{"state", func(c []stf.Claim) { c[1].PreStateRoot = common.Hash{0xff} }},
		{"output root", func(c []stf.Claim) { c[1].ParentOutputRoot = common.Hash{0xff} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := append([]stf.Claim(nil), base...)
			tt.mut(c)
			if _, err := derivation.ChainClaims(common.Hash{}, common.Hash{0xc0}, c); !errors.Is(err, derivation.ErrBrokenChain) {
				t.Fatalf("got %v", err)
			}
		})
	}
	// A span whose start output root is not the state its first block was executed on: the
	// oracle's real latest output with blocks grafted on from another state.
	for _, start := range []common.Hash{{}, {0xc1}, {0xc0, 1}} {
		if _, err := derivation.ChainClaims(common.Hash{9}, start, base); !errors.Is(err, derivation.ErrStartOutputRoot) {
			t.Fatalf("start output root %x: got %v, want ErrStartOutputRoot", start, err)
		}
	}
	// The same with the first block's claim changed instead of the span's start.
	c := append([]stf.Claim(nil), base...)
	c[0].ParentOutputRoot = common.Hash{0xff}
	if _, err := derivation.ChainClaims(common.Hash{9}, common.Hash{0xc0}, c); !errors.Is(err, derivation.ErrStartOutputRoot) {
		t.Fatalf("first block on another state: got %v, want ErrStartOutputRoot", err)
	}
	if _, err := derivation.ChainClaims(common.Hash{}, common.Hash{}, nil); !errors.Is(err, derivation.ErrBrokenChain) {
		t.Fatalf("empty span: %v", err)
	}
}

// gatedProver runs the real dev prover, but for spans ending at block hold it first waits for
// release or for its context: a reorg must cancel it.
type gatedProver struct {
	inner     derivation.DevProver
	hold      uint64
	started   chan struct{}
	release   chan struct{}
	cancelled atomic.Int32
}

func (g *gatedProver) ProveSpan(ctx context.Context, span *derivation.Span) (*derivation.SpanProof, error) {
	if span.Inputs[len(span.Inputs)-1].Block.NumberU64() == g.hold {
		select {
		case g.started <- struct{}{}:
		default:
		}
		select {
		case <-ctx.Done():
			g.cancelled.Add(1)
			return nil, ctx.Err()
		case <-g.release:
		}
	}
	return g.inner.ProveSpan(ctx, span)
}

// TestPipelineCancelsInFlightSpan: a reorg dropping a block of the span being proven cancels
// the proof through its context; the span is then proven on the new chain.
func TestPipelineCancelsInFlightSpan(t *testing.T) {
	h := newHarness(t, 21, 4, 0)
	h.stop()
	gate := &gatedProver{hold: 8, started: make(chan struct{}, 1), release: make(chan struct{})}
	h.prover = gate
	h.start()
	h.chain.Extend(8)
	select {
	case <-gate.started:
	case <-time.After(time.Minute):
		t.Fatal("span 5..8 never started")
	}
	h.chain.Reorg(2, 3) // drops 7..8 under the running proof
	deadline := time.Now().Add(time.Minute)
	for gate.cancelled.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("in-flight proof not cancelled by the reorg")
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(gate.release)
	h.settle()
	h.checkIndex()
	h.checkOutputs()
}

// flakyProposer fails its first calls transiently, then rejects one block permanently.
type flakyProposer struct {
	*recorder
	transient int
	reject    uint64
	calls     atomic.Int32
}

func (f *flakyProposer) Propose(ctx context.Context, p *derivation.Proposal) (*derivation.Proposed, error) {
	if int(f.calls.Add(1)) <= f.transient {
		return nil, errors.New("L1 unavailable")
	}
	if p.L2BlockNumber == f.reject {
		return nil, fmt.Errorf("%w: oracle holds another root", derivation.ErrProposalRejected)
	}
	return f.recorder.Propose(ctx, p)
}

// TestPipelineProposerFailures: transient proposer errors are retried; a permanent rejection
// stops proposing (ProposeErr) while proving goes on.
func TestPipelineProposerFailures(t *testing.T) {
	h := newHarness(t, 22, 3, 0)
	h.stop()
	flaky := &flakyProposer{recorder: h.rec, transient: 2, reject: 6}
	h.proposer = flaky
	h.start()
	h.chain.Extend(10)
	deadline := time.Now().Add(time.Minute)
	for h.p.ProposeErr() == nil {
		if time.Now().After(deadline) {
			t.Fatal("permanent rejection not surfaced")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !errors.Is(h.p.ProposeErr(), derivation.ErrProposalRejected) {
		t.Fatalf("ProposeErr = %v", h.p.ProposeErr())
	}
	if h.rec.count() != 1 || flaky.calls.Load() != 4 {
		t.Fatalf("%d outputs after %d calls; want block 3 after 2 transient failures, then the rejection", h.rec.count(), flaky.calls.Load())
	}
	h.depth = 1 << 30 // settle: proposals are over
	h.settle()
	h.checkIndex()
	if h.p.Proposed() != 3 {
		t.Fatalf("proposed through %d, want 3", h.p.Proposed())
	}
}

// TestPipelineProposedOutputReorged: a reorg below an output the oracle holds stops proposing
// with ErrProposedOutputReorged (the oracle would reject the next output on top of it), while
// the index follows the new chain.
func TestPipelineProposedOutputReorged(t *testing.T) {
	h := newHarness(t, 23, 3, 0)
	h.chain.Extend(7)
	h.settle()
	if h.p.Proposed() != 6 {
		t.Fatalf("proposed through %d, want 6", h.p.Proposed())
	}
	h.chain.Reorg(3, 5) // replaces 5..7: block 6's output is on L1
	h.depth = 1 << 30
	h.settle()
	h.checkIndex()
	if err := h.p.ProposeErr(); !errors.Is(err, derivation.ErrProposedOutputReorged) {
		t.Fatalf("ProposeErr = %v", err)
	}
	if h.rec.count() != 2 {
		t.Fatalf("%d outputs, want 2 (blocks 3 and 6, nothing after the reorg)", h.rec.count())
	}
}
