package derivation

// Retention: STF inputs are emptied RetainDepth blocks below the proven head (only a reorg that
// deep would need them), the proven index, span receipts and landings RetainProven below it
// (an indexer answers for blocks inside the oracle's finalization window), never at or above
// the oracle's latest output, which the next proof starts from and the oracle is checked
// against.

import (
	"github.com/cockroachdb/pebble/v2"
	"github.com/ethereum/go-ethereum/log"
)

// pruneInputs empties the stored inputs of the span that fell RetainDepth below end.
func (p *Pipeline) pruneInputs(batch *pebble.Batch, end uint64) error {
	if end < p.cfg.Anchor.Number+p.cfg.RetainDepth+p.cfg.SubmissionInterval {
		return nil
	}
	hi := end - p.cfg.RetainDepth
	lo := max(p.cfg.Anchor.Number+1, hi-p.cfg.SubmissionInterval+1)
	for n := lo; n <= hi; n++ {
		rec, err := encodeRecord(&viewRecord{Hash: p.view.hash(n), Parent: p.view.hash(n - 1)})
		if err != nil {
			return err
		}
		if err := batch.Set(numKey('b', n), rec, nil); err != nil {
			return err
		}
	}
	return nil
}

// pruneProven deletes the index entries, receipts and landings of the spans that ended
// RetainProven below end, keeping the oracle's latest output's span (the next proof starts
// from it, and the oracle is checked against it) and everything not yet proposed. Returns the
// new tail.
func (p *Pipeline) pruneProven(batch *pebble.Batch, end, proposed uint64) (uint64, error) {
	if end < p.cfg.Anchor.Number+p.cfg.RetainProven+p.cfg.SubmissionInterval {
		return p.tail, nil
	}
	cut := end - p.cfg.RetainProven // prune spans ending at or below cut
	if p.cfg.Proposer != nil && proposed < cut+p.cfg.SubmissionInterval {
		if proposed < p.cfg.Anchor.Number+p.cfg.SubmissionInterval {
			return p.tail, nil
		}
		cut = proposed - p.cfg.SubmissionInterval
	}
	a, iv := p.cfg.Anchor.Number, p.cfg.SubmissionInterval
	cut = a + (cut-a)/iv*iv
	if cut < p.tail {
		return p.tail, nil
	}
	for _, prefix := range []byte{'p', 's', 'l'} {
		if err := batch.DeleteRange(numKey(prefix, p.tail), numKey(prefix, cut+1), nil); err != nil {
			return 0, err
		}
	}
	if err := batch.Set(keyTail, be64(cut+1), nil); err != nil {
		return 0, err
	}
	log.Debug("Pruned the proven index", "from", p.tail, "to", cut)
	return cut + 1, nil
}

// setTail records the tail a committed pruning left.
func (p *Pipeline) setTail(tail uint64) {
	if tail == p.tail {
		return
	}
	p.met.pruned.Inc(int64(tail - p.tail))
	p.met.tail.Update(int64(tail))
	p.mu.Lock()
	p.tail = tail
	p.mu.Unlock()
}

// ProvenTail returns the lowest block the proven index still holds (retention prunes below it).
func (p *Pipeline) ProvenTail() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tail
}
