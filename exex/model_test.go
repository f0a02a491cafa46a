package exex_test

import (
	"math/rand"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/zkexex/zkexex/exex"
	"github.com/zkexex/zkexex/exex/exextest"
)

// TestModelRandomOps runs 1,000 random chain operations (extend, reorg at a random depth with
// a longer, equal or shorter side chain, SetHead rewind) against a reference model of the
// canonical chain kept by the test itself. After random operations (sometimes several at
// once, so the manager coalesces head changes) applying the extension's notifications in
// order must give exactly the reference chain; every witness is validated. -short runs 300.
func TestModelRandomOps(t *testing.T) {
	ops := 1000
	if testing.Short() {
		ops = 300
	}
	rng := rand.New(rand.NewSource(21))
	chain := exextest.NewChain(t, exextest.Options{Seed: 21, TxsPerBlock: 2})
	_, fast := startManager(t, chain, exex.Config{MaxBlocksPerNotification: 4})
	ref := []common.Hash{chain.Head().Hash()} // reference canonical chain from genesis

	check := func(op int) {
		t.Helper()
		head := exextest.ID(chain.Head())
		if head.Hash != ref[len(ref)-1] || head.Number != uint64(len(ref)-1) {
			t.Fatalf("op %d: node head %s, reference %d [%x]", op, head, len(ref)-1, ref[len(ref)-1])
		}
		fast.WaitTip(t, head, waitTimeout)
		if !slices.Equal(fast.Model(0), ref) {
			t.Fatalf("op %d: notifications applied in order differ from the reference chain", op)
		}
	}
	counts := map[string]int{}
	for op := 0; op < ops; op++ {
		head := uint64(len(ref) - 1)
		switch r := rng.Intn(10); {
		case r < 5 || head < 3:
			for _, b := range chain.Extend(1 + rng.Intn(3)) {
				ref = append(ref, b.Hash())
			}
			counts["extend"]++
		case r < 8:
			depth := 1 + rng.Intn(int(min(10, head-1)))
			_, added := chain.Reorg(depth, 1+rng.Intn(depth+2))
			ref = ref[:head-uint64(depth)+1]
			for _, b := range added {
				ref = append(ref, b.Hash())
			}
			counts["reorg"]++
		default:
			to := head - uint64(1+rng.Intn(3))
			chain.SetHead(to)
			ref = ref[:to+1]
			counts["rewind"]++
		}
		if rng.Intn(3) == 0 || op == ops-1 {
			check(op)
		}
	}
	t.Logf("%d ops (%v), final head %d, %d notifications", ops, counts, len(ref)-1, len(fast.Notifications()))
	kinds := map[exex.Kind]int{}
	for _, n := range fast.Notifications() {
		kinds[n.Kind]++
	}
	if kinds[exex.Committed] == 0 || kinds[exex.Reorged] == 0 || kinds[exex.Reverted] == 0 {
		t.Fatalf("notification kinds %v: the random walk missed a kind", kinds)
	}
}
