package devnet_test

import (
	"context"
	"errors"
	"math/rand"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/node"
	"github.com/zkexex/zkexex/exex"
	"github.com/zkexex/zkexex/exex/devnet"
	"github.com/zkexex/zkexex/exex/exextest"
)

// TestDevnetReorgs runs the embedded node with the manager installed, varied traffic and
// injected reorgs; a collecting extension validates every witness and must end on the
// node's canonical chain, having seen both Committed and Reorged notifications.
func TestDevnetReorgs(t *testing.T) {
	genesisCol := func(d *devnet.Devnet) exex.BlockID {
		g := d.Eth.BlockChain().Genesis()
		return exex.BlockID{Number: 0, Hash: g.Hash()}
	}
	// The collector's model starts at genesis, known once the node is up.
	var col *exextest.Collector
	ready := make(chan struct{})
	ext := exex.Extension{Name: "collector", Run: func(ctx context.Context, ec *exex.Context) error {
		select {
		case <-ready:
			return col.Run(ctx, ec)
		case <-ctx.Done():
			return nil
		}
	}}
	d, err := devnet.Start(devnet.Config{DataDir: t.TempDir(), Extensions: []exex.Extension{ext}, Exex: exex.Config{PollInterval: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	col = exextest.NewCollector(genesisCol(d))
	col.Validate = d.Config
	close(ready)

	rng := rand.New(rand.NewSource(1))
	ctx := context.Background()
	for d.Head().Number.Uint64() < 12 {
		if err := d.SendTraffic(rng, 10); err != nil {
			t.Fatal(err)
		}
		head := d.Commit()
		if n := head.Number.Uint64(); n%4 == 0 {
			dropped, added, err := d.Reorg(ctx, rng, 1+rng.Intn(3))
			if err != nil {
				t.Fatal(err)
			}
			if len(dropped) != len(added) || dropped[0].Hash() == added[0].Hash() || dropped[0].ParentHash != added[0].ParentHash {
				t.Fatal("reorg did not replace the blocks with different ones on the same parent")
			}
		}
	}
	head := d.Head()
	col.WaitTip(t, exex.BlockID{Number: head.Number.Uint64(), Hash: head.Hash()}, time.Minute)
	bc := d.Eth.BlockChain()
	model := col.Model(0)
	for i, h := range model {
		if bc.GetCanonicalHash(uint64(i)) != h {
			t.Fatalf("model block %d differs from the canonical chain", i)
		}
	}
	kinds := map[exex.Kind]int{}
	txs := 0
	for _, n := range col.Notifications() {
		kinds[n.Kind]++
		if n.New != nil {
			for _, b := range n.New.Blocks {
				txs += len(b.Block.Transactions())
			}
		}
	}
	if kinds[exex.Committed] == 0 || kinds[exex.Reorged] == 0 || txs == 0 {
		t.Fatalf("notifications %v with %d txs: want Committed and Reorged with traffic", kinds, txs)
	}
}

// TestDevnetExtensionFailureClosesNode: with Install's default, an extension's error closes
// the node and the manager reports it.
func TestDevnetExtensionFailureClosesNode(t *testing.T) {
	boom := errors.New("boom")
	ext := exex.Extension{Name: "failing", Run: func(ctx context.Context, ec *exex.Context) error {
		select {
		case <-ec.Notifications():
			return boom
		case <-ctx.Done():
			return nil
		}
	}}
	d, err := devnet.Start(devnet.Config{DataDir: t.TempDir(), Extensions: []exex.Extension{ext}, Exex: exex.Config{PollInterval: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	d.Commit()
	select {
	case <-d.Manager.Done():
	case <-time.After(time.Minute):
		t.Fatal("manager did not stop")
	}
	if !errors.Is(d.Manager.Err(), boom) {
		t.Fatalf("manager error %v", d.Manager.Err())
	}
	stopped := make(chan struct{})
	go func() { d.Stack.Wait(); close(stopped) }()
	select {
	case <-stopped: // closed by Install's OnFatal, not by the test
	case <-time.After(time.Minute):
		t.Fatal("node still running")
	}
	if err := d.Stack.Close(); !errors.Is(err, node.ErrNodeStopped) {
		t.Fatalf("second Close: %v", err)
	}
	d.Beacon.Stop()
}
