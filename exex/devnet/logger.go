package devnet

import (
	"context"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/log"
	"github.com/zkexex/zkexex/exex"
)

// Logger is an extension that logs every notification with geth's logger and reports each
// tip as finished.
type Logger struct {
	mu     sync.Mutex
	tip    exex.BlockID
	counts map[exex.Kind]int
}

// NewLogger returns a logging extension.
func NewLogger() *Logger { return &Logger{counts: make(map[exex.Kind]int)} }

// Extension returns the extension to install.
func (l *Logger) Extension() exex.Extension {
	return exex.Extension{Name: "logger", Run: func(ctx context.Context, ec *exex.Context) error {
		for {
			select {
			case <-ctx.Done():
				return nil
			case n := <-ec.Notifications():
				logNotification(n)
				tip := n.Tip()
				l.mu.Lock()
				l.tip = tip
				l.counts[n.Kind]++
				l.mu.Unlock()
				ec.FinishedHeight(tip.Number, tip.Hash)
			}
		}
	}}
}

// Counts returns how many notifications of each kind were logged.
func (l *Logger) Counts() map[exex.Kind]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[exex.Kind]int, len(l.counts))
	for k, v := range l.counts {
		out[k] = v
	}
	return out
}

// WaitTip waits until the logger has handled the notification that made id the head.
func (l *Logger) WaitTip(ctx context.Context, id exex.BlockID) error {
	for {
		l.mu.Lock()
		tip := l.tip
		l.mu.Unlock()
		if tip == id {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func logNotification(n *exex.Notification) {
	ctx := []any{"chain", "L2", "old", n.Old.Range(), "new", n.New.Range(), "tip", n.Tip().Number, "hash", n.Tip().Hash}
	if n.New != nil {
		var txs, witnessNodes, codes int
		for _, b := range n.New.Blocks {
			txs += len(b.Block.Transactions())
			if b.Witness != nil {
				witnessNodes += len(b.Witness.State)
				codes += len(b.Witness.Codes)
			}
		}
		ctx = append(ctx, "txs", txs, "witnessNodes", witnessNodes, "witnessCodes", codes)
	}
	if n.Old != nil {
		ctx = append(ctx, "oldTip", n.Old.Tip().Block.Hash())
	}
	log.Info("Exex "+n.Kind.String(), ctx...)
}

// Tip is the tip of the last notification the logger handled.
func (l *Logger) Tip() exex.BlockID {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tip
}
