package exex_test

import (
	"cmp"
	"slices"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/metrics"
	"github.com/zkexex/zkexex/exex"
	"github.com/zkexex/zkexex/exex/exextest"
)

const waitTimeout = 60 * time.Second

// startManager runs a manager with one collecting extension over chain.
func startManager(t *testing.T, chain *exextest.Chain, cfg exex.Config) (*exex.Manager, *exextest.Collector) {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	if cfg.Registry == nil {
		cfg.Registry = metrics.NewRegistry()
	}
	cfg.PollInterval = 20 * time.Millisecond
	col := exextest.NewCollector(exextest.ID(chain.Head()))
	col.Validate = chain.Config
	m, err := exex.New(chain.BC, cfg, col.Extension("collector"))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Stop(); err != nil {
			t.Errorf("manager stopped with: %v", err)
		}
	})
	return m, col
}

func ids(blocks []*types.Block) []exex.BlockID {
	out := make([]exex.BlockID, len(blocks))
	for i, b := range blocks {
		out[i] = exextest.ID(b)
	}
	return out
}

func chainIDs(c *exex.Chain) []exex.BlockID {
	if c == nil {
		return nil
	}
	out := make([]exex.BlockID, len(c.Blocks))
	for i, b := range c.Blocks {
		out[i] = b.ID()
	}
	return out
}

// expectOp checks the notifications from index from against one chain operation: geth may
// move its head block by block while inserting, so an operation can yield several
// notifications, but the first has the operation's kind, the rest are Committed, their Old
// chains together are exactly dropped and their New chains together exactly added.
func expectOp(t *testing.T, col *exextest.Collector, from int, kind exex.Kind, dropped, added []*types.Block) {
	t.Helper()
	got := col.Notifications()[from:]
	var old, new []exex.BlockID
	for i, n := range got {
		want := exex.Committed
		if i == 0 || kind == exex.Reverted {
			// SetHead rewinds block by block, so a rewind may come as several Reverted.
			want = kind
		}
		if n.Kind != want {
			t.Fatalf("notification %d of the operation is %v, want %v", i, n, want)
		}
		old = append(old, chainIDs(n.Old)...)
		new = append(new, chainIDs(n.New)...)
		if n.New != nil {
			for _, b := range n.New.Blocks {
				if len(b.Receipts) != len(b.Block.Transactions()) {
					t.Fatalf("block %d: %d receipts for %d txs", b.Block.NumberU64(), len(b.Receipts), len(b.Block.Transactions()))
				}
				for j, r := range b.Receipts {
					if r.TxHash != b.Block.Transactions()[j].Hash() || r.BlockHash != b.Block.Hash() {
						t.Fatalf("block %d receipt %d not derived for its tx", b.Block.NumberU64(), j)
					}
				}
			}
		}
	}
	slices.SortFunc(old, func(a, b exex.BlockID) int { return cmp.Compare(a.Number, b.Number) })
	if !slices.Equal(old, ids(dropped)) || !slices.Equal(new, ids(added)) {
		t.Fatalf("%v: dropped %v added %v, want dropped %v added %v", kind, old, new, ids(dropped), ids(added))
	}
}

// TestGroundTruth drives a real chain through extensions, side-chain reorgs of every depth
// from 1 to 10 (longer, equal and shorter replacements) and SetHead rewinds, and checks each
// notification against what the test did; the collector validates every witness statelessly.
func TestGroundTruth(t *testing.T) {
	chain := exextest.NewChain(t, exextest.Options{Seed: 1})
	m, col := startManager(t, chain, exex.Config{})

	op := func(kind exex.Kind, do func() (dropped, added []*types.Block)) {
		t.Helper()
		from := len(col.Notifications())
		dropped, added := do()
		col.WaitTip(t, exextest.ID(chain.Head()), waitTimeout)
		expectOp(t, col, from, kind, dropped, added)
	}
	extend := func(n int) func() ([]*types.Block, []*types.Block) {
		return func() ([]*types.Block, []*types.Block) { return nil, chain.Extend(n) }
	}
	op(exex.Committed, extend(12))
	for depth := 1; depth <= 10; depth++ {
		for _, length := range []int{depth + 1, depth, max(1, depth-1)} {
			op(exex.Reorged, func() ([]*types.Block, []*types.Block) { return chain.Reorg(depth, length) })
		}
		op(exex.Committed, extend(2))
	}
	for _, back := range []uint64{1, 3, 7} {
		op(exex.Reverted, func() ([]*types.Block, []*types.Block) {
			return chain.SetHead(chain.Head().NumberU64() - back), nil
		})
		op(exex.Committed, extend(int(back)+1))
	}
	if got, want := col.Model(0), chain.Canonical(0); !slices.Equal(got, want) {
		t.Fatalf("model has %d blocks, canonical chain %d, or they differ", len(got), len(want))
	}
	head := exextest.ID(chain.Head())
	waitFor(t, "FinishedHeight of the head", func() bool { f, _ := m.Finished("collector"); return f == head })
}
