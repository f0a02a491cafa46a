package derivation_test

import (
	"testing"

	"github.com/ethereum/go-ethereum/metrics"
)

// TestRetention: the proven index, receipts and landings of spans RetainProven below the proven
// head are pruned, with the tail surviving a restart and reorgs above it handled as before.
func TestRetention(t *testing.T) {
	h := newHarness(t, 41, 3, 0)
	h.stop()
	h.retainProven = 6
	h.start()
	h.chain.Extend(15)
	h.settle()
	h.checkIndex()
	check := func(tail uint64) {
		t.Helper()
		if got := h.p.ProvenTail(); got != tail {
			t.Fatalf("tail %d, want %d", got, tail)
		}
		for n := uint64(1); n < tail; n++ {
			if pb, err := h.p.ProvenBlock(n); err != nil || pb != nil {
				t.Fatalf("block %d below the tail still indexed: %v %v", n, pb, err)
			}
		}
		if pb, err := h.p.ProvenBlock(tail); err != nil || pb == nil || pb.L1 != nil && pb.Number == pb.SpanEnd && pb.L1.OutputIndex != pb.Number/3-1 {
			t.Fatalf("tail block %d: %+v %v", tail, pb, err)
		}
	}
	check(10) // head 15: spans ending at 3, 6 and 9 pruned
	if got := metrics.GetOrRegisterGauge("zkexex/derivation/proven/tail", h.reg).Snapshot().Value(); got != 10 {
		t.Fatalf("tail gauge %d", got)
	}
	if got := metrics.GetOrRegisterCounter("zkexex/derivation/pruned/blocks", h.reg).Snapshot().Count(); got != 9 {
		t.Fatalf("pruned counter %d, want 9", got)
	}
	h.stop()
	h.start()
	check(10)
	h.chain.Extend(2)
	h.chain.Reorg(1, 4) // head 20 after replacing 17 (above the proposed 15)
	h.settle()
	h.checkIndex()
	check(13)
	h.checkOutputs()
}

// TestRetentionKeepsUnproposed: nothing the proposer has yet to send is pruned.
func TestRetentionKeepsUnproposed(t *testing.T) {
	h := newHarness(t, 42, 3, 1<<30)
	h.stop()
	h.retainProven = 3
	h.start()
	h.chain.Extend(12)
	h.settle()
	if got := h.p.ProvenTail(); got != 1 {
		t.Fatalf("tail %d with nothing proposed", got)
	}
}
