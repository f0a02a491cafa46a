package exextest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/core/vm"
	"github.com/ethereum/go-ethereum/params"
	"github.com/zkexex/zkexex/exex"
)

// Collector is an extension that records its notifications and applies them to a model of
// the canonical chain, failing (and so stopping the manager) on any notification that does
// not fit the model. Replays after a restart fit, since delivery is at-least-once.
type Collector struct {
	// Validate, if set, re-executes every committed block statelessly with its witness.
	Validate *params.ChainConfig
	// NoFinish suppresses FinishedHeight reports.
	NoFinish bool
	// Gate, if set, is received from before each notification is handled (a slow consumer).
	Gate chan struct{}
	// AllowReplay accepts notifications replayed after a crash, whose Old blocks the model
	// may already have replaced; without it every Old block must be on the model.
	AllowReplay bool

	mu      sync.Mutex
	all     []*exex.Notification
	base    uint64        // number of model[0]
	model   []common.Hash // canonical hashes the notifications imply, from base
	changed chan struct{}
	seen    map[common.Hash]bool
}

// NewCollector starts a model whose known chain is the block start.
func NewCollector(start exex.BlockID) *Collector {
	return &Collector{base: start.Number, model: []common.Hash{start.Hash}, changed: make(chan struct{}), seen: make(map[common.Hash]bool)}
}

// Extension wraps the collector as an extension named name.
func (c *Collector) Extension(name string) exex.Extension {
	return exex.Extension{Name: name, Run: c.Run}
}

// Run consumes notifications until ctx ends.
func (c *Collector) Run(ctx context.Context, ec *exex.Context) error {
	for {
		if c.Gate != nil {
			select {
			case <-ctx.Done():
				return nil
			case <-c.Gate:
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case n := <-ec.Notifications():
			if err := c.Apply(n); err != nil {
				return err
			}
			if !c.NoFinish {
				tip := n.Tip()
				ec.FinishedHeight(tip.Number, tip.Hash)
			}
		}
	}
}

// Apply checks n against the model and applies it.
func (c *Collector) Apply(n *exex.Notification) error {
	if err := n.Validate(); err != nil {
		return err
	}
	if c.Validate != nil && n.New != nil {
		for _, b := range n.New.Blocks {
			if err := ValidateWitness(c.Validate, b); err != nil {
				return err
			}
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if n.Old != nil {
		// Old blocks must be on the model (or already reverted by an earlier delivery).
		for _, b := range n.Old.Blocks {
			if h, ok := c.at(b.Block.NumberU64()); ok && h != b.Block.Hash() && !c.AllowReplay {
				return fmt.Errorf("collector: %s reverts block %d [%x], model has [%x]", n.Kind, b.Block.NumberU64(), b.Block.Hash(), h)
			}
		}
		if err := c.truncate(n.Old.Parent()); err != nil {
			return fmt.Errorf("collector: %s: %w", n.Kind, err)
		}
	}
	if n.New != nil {
		if err := c.truncate(n.New.Parent()); err != nil {
			return fmt.Errorf("collector: %s: %w", n.Kind, err)
		}
		for _, b := range n.New.Blocks {
			c.model = append(c.model, b.Block.Hash())
		}
	}
	if n.New != nil {
		for _, b := range n.New.Blocks {
			c.seen[b.Block.Hash()] = true
		}
	}
	c.all = append(c.all, n)
	close(c.changed)
	c.changed = make(chan struct{})
	return nil
}

func (c *Collector) at(num uint64) (common.Hash, bool) {
	if num < c.base || num-c.base >= uint64(len(c.model)) {
		return common.Hash{}, false
	}
	return c.model[num-c.base], true
}

// truncate cuts the model back to parent, which must be on it (or below its base).
func (c *Collector) truncate(parent exex.BlockID) error {
	if parent.Number < c.base {
		return fmt.Errorf("parent %s below the model's first block %d", parent, c.base)
	}
	h, ok := c.at(parent.Number)
	if !ok {
		return fmt.Errorf("parent %s above the model's tip %d", parent, c.base+uint64(len(c.model))-1)
	}
	if h != parent.Hash {
		return fmt.Errorf("parent %s is not on the model (has [%x])", parent, h)
	}
	c.model = c.model[:parent.Number-c.base+1]
	return nil
}

// Tip is the head of the model.
func (c *Collector) Tip() exex.BlockID {
	c.mu.Lock()
	defer c.mu.Unlock()
	return exex.BlockID{Number: c.base + uint64(len(c.model)) - 1, Hash: c.model[len(c.model)-1]}
}

// Model returns the model's hashes from number from to its tip.
func (c *Collector) Model(from uint64) []common.Hash {
	c.mu.Lock()
	defer c.mu.Unlock()
	if from < c.base || from-c.base > uint64(len(c.model)) {
		return nil
	}
	return append([]common.Hash(nil), c.model[from-c.base:]...)
}

// Seen reports whether a Committed or Reorged notification delivered the block.
func (c *Collector) Seen(hash common.Hash) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen[hash]
}

// Notifications returns everything applied so far.
func (c *Collector) Notifications() []*exex.Notification {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*exex.Notification(nil), c.all...)
}

// WaitTip waits until the model's head is want, failing t after timeout.
func (c *Collector) WaitTip(t testing.TB, want exex.BlockID, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		c.mu.Lock()
		tip := exex.BlockID{Number: c.base + uint64(len(c.model)) - 1, Hash: c.model[len(c.model)-1]}
		ch := c.changed
		c.mu.Unlock()
		if tip == want {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("collector tip %s, want %s after %v", tip, want, timeout)
		}
	}
}

// ValidateWitness re-executes b statelessly from its witness alone and checks that it
// reproduces the block's state root and receipts root.
func ValidateWitness(config *params.ChainConfig, b *exex.Block) error {
	if b.Witness == nil {
		return fmt.Errorf("block %d has no witness", b.Block.NumberU64())
	}
	header := b.Block.Header()
	header.Root, header.ReceiptHash = common.Hash{}, common.Hash{}
	task := types.NewBlockWithHeader(header).WithBody(*b.Block.Body())
	root, receipts, err := core.ExecuteStateless(context.Background(), config, vm.Config{}, task, b.Witness)
	if err != nil {
		return fmt.Errorf("stateless execution of block %d: %w", b.Block.NumberU64(), err)
	}
	if root != b.Block.Root() || receipts != b.Block.ReceiptHash() {
		return fmt.Errorf("stateless execution of block %d: roots %x/%x, want %x/%x", b.Block.NumberU64(), root, receipts, b.Block.Root(), b.Block.ReceiptHash())
	}
	return nil
}

// ID returns a block's BlockID.
func ID(b *types.Block) exex.BlockID { return exex.BlockID{Number: b.NumberU64(), Hash: b.Hash()} }
