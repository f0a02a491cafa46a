package exex

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/log"
	"github.com/ethereum/go-ethereum/metrics"
	"github.com/ethereum/go-ethereum/params"
)

// Extension is a long-running consumer of chain notifications.
//
// Delivery is at-least-once: after a restart (of the process or of the extension) every
// notification after the last one the extension finished is delivered again, so Run must be
// idempotent. Applying the notifications in order always yields the node's canonical chain.
type Extension struct {
	// Name identifies the extension's progress in the WAL; keep it stable across restarts.
	Name string
	// Run consumes ctx.Notifications() until ctx is done. A returned error (or a nil return
	// while the manager runs) stops the manager, and with Install the node, unless Restart.
	Run func(ctx context.Context, ec *Context) error
	// StartAfter, on the extension's first run, names the last block it has already
	// processed: it is backfilled with Committed notifications from there to the manager's
	// head. Nil starts it at the manager's head. Ignored once the WAL has its progress.
	StartAfter *BlockID
	// Restart restarts Run with exponential backoff after an error instead of stopping.
	Restart bool
}

// Context is an extension's handle on the manager.
type Context struct {
	notifications <-chan *Notification
	config        *params.ChainConfig
	finished      func(BlockID)
}

// NewContext builds a Context for driving an extension without a Manager (test harnesses,
// replay tools): finished receives its FinishedHeight reports.
func NewContext(notifications <-chan *Notification, config *params.ChainConfig, finished func(BlockID)) *Context {
	return &Context{notifications: notifications, config: config, finished: finished}
}

// Notifications is the extension's bounded channel of notifications, in order.
func (c *Context) Notifications() <-chan *Notification { return c.notifications }

// ChainConfig is the node's chain configuration.
func (c *Context) ChainConfig() *params.ChainConfig { return c.config }

// FinishedHeight reports that the extension has durably processed every notification up to
// and including the one that made (number, hash) the head. It may go down after a reorg; the
// hash, not the number, identifies the block. Notifications before it are not redelivered
// after a restart, and WAL entries every extension has finished can be pruned.
func (c *Context) FinishedHeight(number uint64, hash common.Hash) {
	c.finished(BlockID{number, hash})
}

type delivered struct {
	seq      uint64 // 0 for a backfill notification
	tip      BlockID
	newChain []BlockID
}

// extState is the manager's bookkeeping for one extension.
type extState struct {
	ext Extension

	mu        sync.Mutex
	rec       extRecord
	cursor    uint64 // next WAL entry to hand over
	delivered []delivered
	lagWarned time.Time

	lag      *metrics.Gauge
	finished *metrics.Gauge
	restarts *metrics.Counter
}

func (m *Manager) newExtState(e Extension) (*extState, error) {
	rec, ok, err := m.wal.extRecord(e.Name)
	if err != nil {
		return nil, fmt.Errorf("exex: extension %q: %w", e.Name, err)
	}
	if !ok {
		rec = extRecord{Finished: m.head, AckSeq: m.wal.next - 1}
		if e.StartAfter != nil && *e.StartAfter != m.head {
			if e.StartAfter.Number > m.head.Number {
				return nil, fmt.Errorf("exex: extension %q starts after %s, ahead of the node's head %s", e.Name, e.StartAfter, m.head)
			}
			target := m.head
			rec.Finished, rec.Backfill = *e.StartAfter, &target
		}
		if err := m.wal.setExtRecord(e.Name, rec); err != nil {
			return nil, err
		}
	}
	if rec.AckSeq+1 < m.wal.first {
		return nil, fmt.Errorf("%w: extension %q needs entry %d but the WAL starts at %d", ErrCorruptEntry, e.Name, rec.AckSeq+1, m.wal.first)
	}
	st := &extState{ext: e, rec: rec, cursor: rec.AckSeq + 1}
	prefix := "zkexex/exex/ext/" + e.Name + "/"
	st.lag = metrics.GetOrRegisterGauge(prefix+"lag", m.cfg.Registry)
	st.finished = metrics.GetOrRegisterGauge(prefix+"finished", m.cfg.Registry)
	st.restarts = metrics.GetOrRegisterCounter(prefix+"restarts", m.cfg.Registry)
	st.finished.Update(int64(rec.Finished.Number))
	return st, nil
}

func (m *Manager) runExtension(st *extState) {
	defer m.wg.Done()
	backoff := m.cfg.RestartBackoff
	for {
		err := m.runOnce(st)
		if m.ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("returned while the node is running")
		}
		err = fmt.Errorf("exex: extension %q: %w", st.ext.Name, err)
		if !st.ext.Restart {
			m.fail(err)
			return
		}
		st.restarts.Inc(1)
		log.Warn("Restarting execution extension", "name", st.ext.Name, "err", err, "backoff", backoff)
		select {
		case <-m.ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Minute)
	}
}

// runOnce runs the extension with a fresh channel fed from its last finished point.
func (m *Manager) runOnce(st *extState) error {
	ctx, cancel := context.WithCancel(m.ctx)
	defer cancel()
	ch := make(chan *Notification, m.cfg.BufferSize)
	st.mu.Lock()
	st.cursor = st.rec.AckSeq + 1
	st.delivered = nil
	st.mu.Unlock()

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := m.deliver(ctx, st, ch); err != nil && ctx.Err() == nil {
			m.fail(fmt.Errorf("exex: delivery to %q: %w", st.ext.Name, err))
		}
	}()
	err := st.ext.Run(ctx, NewContext(ch, m.bc.Config(), func(id BlockID) { m.finished(st, id) }))
	cancel()
	wg.Wait()
	return err
}

// deliver feeds ch: first the backfill the extension still needs, then WAL entries from its
// cursor on. Only this goroutine ever waits on the extension, so a slow one lags on its own.
func (m *Manager) deliver(ctx context.Context, st *extState, ch chan<- *Notification) error {
	if err := m.backfill(ctx, st, ch); err != nil {
		return err
	}
	for {
		m.mu.Lock()
		if m.wal == nil {
			m.mu.Unlock()
			return ErrStopped
		}
		next, wait := m.wal.next, m.notify
		m.mu.Unlock()
		st.mu.Lock()
		cursor := st.cursor
		st.mu.Unlock()
		if cursor >= next {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-wait:
				continue
			}
		}
		n, ok, err := m.load(cursor)
		if err != nil {
			return err
		}
		if ok {
			if err := m.send(ctx, st, ch, n, cursor); err != nil {
				return err
			}
		}
		st.mu.Lock()
		st.cursor = cursor + 1
		st.mu.Unlock()
	}
}

func (m *Manager) send(ctx context.Context, st *extState, ch chan<- *Notification, n *Notification, seq uint64) error {
	d := delivered{seq: seq, tip: n.Tip()}
	if n.New != nil {
		for _, b := range n.New.Blocks {
			d.newChain = append(d.newChain, b.ID())
		}
	}
	// Record before sending: the extension may report FinishedHeight before send returns.
	st.mu.Lock()
	st.delivered = append(st.delivered, d)
	st.mu.Unlock()
	select {
	case ch <- n:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// reportLag exports how many WAL entries the extension has not been handed yet and warns
// (at most every 10s) past Config.LagWarn. Caller holds st.mu.
func (m *Manager) reportLag(st *extState, next uint64) {
	lag := next - min(next, st.cursor)
	st.lag.Update(int64(lag))
	if lag < m.cfg.LagWarn || time.Since(st.lagWarned) < 10*time.Second {
		return
	}
	st.lagWarned = time.Now()
	log.Warn("Execution extension is lagging; the node is not slowed, the WAL grows", "name", st.ext.Name, "entries", lag)
}

// finished records an extension's FinishedHeight and prunes what it allows.
func (m *Manager) finished(st *extState, id BlockID) {
	st.mu.Lock()
	prevAck := st.rec.AckSeq
	ack := prevAck
	for i := len(st.delivered) - 1; i >= 0; i-- {
		d := st.delivered[i]
		if d.tip == id {
			if d.seq > 0 {
				ack = d.seq
			}
			st.delivered = st.delivered[i+1:]
			break
		}
		if d.seq > 0 && containsID(d.newChain, id) {
			// Part of an entry: everything before it is done, the entry itself is not.
			ack = max(ack, d.seq-1)
			st.delivered = st.delivered[i:]
			break
		}
	}
	st.rec.Finished, st.rec.AckSeq = id, ack
	// Backfill is over once its target is finished or any WAL entry after it is.
	if st.rec.Backfill != nil && (*st.rec.Backfill == id || ack > prevAck) {
		st.rec.Backfill = nil
	}
	rec := st.rec
	st.mu.Unlock()
	st.finished.Update(int64(id.Number))

	m.mu.Lock()
	var err error
	if m.wal != nil {
		err = m.wal.setExtRecord(st.ext.Name, rec)
	}
	m.mu.Unlock()
	if err != nil {
		log.Warn("Recording extension progress failed", "name", st.ext.Name, "err", err)
	}
	m.prune()
}

func containsID(ids []BlockID, id BlockID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
