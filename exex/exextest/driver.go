package exextest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/params"
	"github.com/zkexex/zkexex/exex"
)

// Driver runs one extension without a manager: the test feeds it notifications and asserts
// the FinishedHeight reports it makes.
type Driver struct {
	ch       chan *exex.Notification
	finished chan exex.BlockID
	done     chan error
}

// Drive starts ext.Run; it is cancelled at the end of the test, which fails if Run returned
// an error.
func Drive(t testing.TB, ext exex.Extension, config *params.ChainConfig) *Driver {
	t.Helper()
	d := &Driver{ch: make(chan *exex.Notification), finished: make(chan exex.BlockID, 1024), done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	ec := exex.NewContext(d.ch, config, func(id exex.BlockID) {
		select {
		case d.finished <- id:
		default:
			// A test that never reads reports must not block the extension.
		}
	})
	go func() { d.done <- ext.Run(ctx, ec) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-d.done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("extension %q: %v", ext.Name, err)
			}
		case <-time.After(time.Minute):
			t.Errorf("extension %q did not stop", ext.Name)
		}
	})
	return d
}

// Send delivers n, failing t if the extension does not take it within timeout or has exited.
func (d *Driver) Send(t testing.TB, n *exex.Notification, timeout time.Duration) {
	t.Helper()
	select {
	case d.ch <- n:
	case err := <-d.done:
		d.done <- err
		t.Fatalf("extension exited: %v", err)
	case <-time.After(timeout):
		t.Fatalf("extension did not take %v within %v", n, timeout)
	}
}

// ExpectFinished waits for a FinishedHeight report of exactly want (number and hash),
// skipping earlier reports; it fails t after timeout.
func (d *Driver) ExpectFinished(t testing.TB, want exex.BlockID, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case got := <-d.finished:
			if got == want {
				return
			}
		case <-deadline:
			t.Fatalf("no FinishedHeight(%s) within %v", want, timeout)
		}
	}
}

// Blocks builds exex blocks from canonical or side blocks of the chain, with their receipts
// and, when witness is set, their witnesses (the parent state must be available).
func (c *Chain) Blocks(witness bool, blocks ...*types.Block) *exex.Chain {
	c.t.Helper()
	out := &exex.Chain{}
	for _, b := range blocks {
		eb := &exex.Block{Block: b, Receipts: c.BC.GetReceiptsByHash(b.Hash())}
		if witness {
			w, err := exex.WitnessBlock(context.Background(), c.BC, b)
			if err != nil {
				c.t.Fatalf("witness block %d: %v", b.NumberU64(), err)
			}
			eb.Witness = w
		}
		out.Blocks = append(out.Blocks, eb)
	}
	return out
}
