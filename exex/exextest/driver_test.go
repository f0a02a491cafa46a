package exextest

import (
	"slices"
	"testing"
	"time"

	"github.com/zkexex/zkexex/exex"
)

// TestDriverCollector drives the Collector through the harness: commit, reorg, revert, with
// FinishedHeight asserted after each, and a notification that does not fit the model makes
// the extension fail.
func TestDriverCollector(t *testing.T) {
	chain := NewChain(t, Options{Seed: 2})
	col := NewCollector(ID(chain.Head()))
	col.Validate = chain.Config
	d := Drive(t, col.Extension("c"), chain.Config)

	added := chain.Extend(3)
	d.Send(t, &exex.Notification{Kind: exex.Committed, New: chain.Blocks(true, added...)}, time.Minute)
	d.ExpectFinished(t, ID(added[2]), time.Minute)

	dropped, added := chain.Reorg(2, 1)
	d.Send(t, &exex.Notification{Kind: exex.Reorged, Old: chain.Blocks(false, dropped...), New: chain.Blocks(true, added...)}, time.Minute)
	d.ExpectFinished(t, ID(added[0]), time.Minute) // the height went down: 3 → 2

	removed := chain.SetHead(1)
	d.Send(t, &exex.Notification{Kind: exex.Reverted, Old: chain.Blocks(false, removed...)}, time.Minute)
	d.ExpectFinished(t, ID(chain.Head()), time.Minute)
	if !slices.Equal(col.Model(0), chain.Canonical(0)) {
		t.Fatal("model differs from the canonical chain")
	}

	// A Committed whose parent is not the model's head is rejected.
	bad := NewCollector(ID(chain.Head()))
	if err := bad.Apply(&exex.Notification{Kind: exex.Committed, New: chain.Blocks(false, dropped[1])}); err == nil {
		t.Fatal("collector accepted a block that does not extend its head")
	}
}
