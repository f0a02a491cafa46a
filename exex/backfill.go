package exex

import (
	"context"
	"fmt"
	"slices"
)

// backfill brings an extension registered behind the node (Extension.StartAfter) from its
// finished block to the head the manager had when it was registered, in Committed batches
// with witnesses made by re-executing each block. That needs each parent's state, so on a
// non-archive node it fails with ErrMissingState naming the first block it cannot witness.
// If the extension's block is no longer canonical, it first gets the Reverted of its blocks.
func (m *Manager) backfill(ctx context.Context, st *extState, ch chan<- *Notification) error {
	st.mu.Lock()
	rec := st.rec
	st.mu.Unlock()
	if rec.Backfill == nil {
		return nil
	}
	from, target := rec.Finished, *rec.Backfill
	oldIDs, newIDs, err := m.walkBackDB(from, target)
	if err != nil {
		return fmt.Errorf("backfill %s..%s: %w", from, target, err)
	}
	if len(oldIDs) > 0 {
		old := &Chain{}
		for _, id := range oldIDs {
			b := m.loadBlock(id)
			if b == nil {
				return fmt.Errorf("%w: block %s the extension finished", ErrMissingBlock, id)
			}
			old.Blocks = append(old.Blocks, b)
		}
		if err := m.sendBackfill(ctx, st, ch, &Notification{Kind: Reverted, Old: old}); err != nil {
			return err
		}
	}
	for start := 0; start < len(newIDs); start += m.cfg.MaxBlocksPerNotification {
		end := min(start+m.cfg.MaxBlocksPerNotification, len(newIDs))
		c := &Chain{}
		for _, id := range newIDs[start:end] {
			b := m.loadBlock(id)
			if b == nil {
				return fmt.Errorf("%w: backfill block %s", ErrMissingBlock, id)
			}
			w, err := WitnessBlock(ctx, m.bc, b.Block)
			if err != nil {
				return fmt.Errorf("backfill: %w", err)
			}
			b.Witness = w
			if b.AccountProofs, err = ProveBlockAccounts(m.bc, b.Block, m.cfg.ProveAccounts); err != nil {
				return fmt.Errorf("backfill: %w", err)
			}
			c.Blocks = append(c.Blocks, b)
		}
		m.met.backfilled.Inc(int64(len(c.Blocks)))
		if err := m.sendBackfill(ctx, st, ch, &Notification{Kind: Committed, New: c}); err != nil {
			return err
		}
	}
	return nil
}

func (m *Manager) sendBackfill(ctx context.Context, st *extState, ch chan<- *Notification, n *Notification) error {
	if h := m.cfg.hooks; h != nil && h.beforeBackfillSend != nil {
		if err := h.beforeBackfillSend(st.ext.Name, n); err != nil {
			return err
		}
	}
	return m.send(ctx, st, ch, n, 0)
}

// walkBackDB is walkBack over the node's database only (backfill starts below the view).
func (m *Manager) walkBackDB(old, target BlockID) (oldIDs, newIDs []BlockID, err error) {
	parent := func(id BlockID) (BlockID, error) {
		h := m.bc.GetHeader(id.Hash, id.Number)
		if h == nil {
			return BlockID{}, fmt.Errorf("%w: header %s", ErrMissingBlock, id)
		}
		return BlockID{id.Number - 1, h.ParentHash}, nil
	}
	o, n := old, target
	for n.Number > o.Number {
		newIDs = append(newIDs, n)
		if n, err = parent(n); err != nil {
			return nil, nil, err
		}
	}
	for o.Number > n.Number {
		oldIDs = append(oldIDs, o)
		if o, err = parent(o); err != nil {
			return nil, nil, err
		}
	}
	for o.Hash != n.Hash {
		if o.Number == 0 {
			return nil, nil, fmt.Errorf("exex: %s and %s share no ancestor", old, target)
		}
		oldIDs = append(oldIDs, o)
		newIDs = append(newIDs, n)
		if o, err = parent(o); err != nil {
			return nil, nil, err
		}
		if n, err = parent(n); err != nil {
			return nil, nil, err
		}
	}
	slices.Reverse(oldIDs)
	slices.Reverse(newIDs)
	return oldIDs, newIDs, nil
}
