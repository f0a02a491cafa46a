package derivation

import (
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/log"
	"github.com/zkexex/zkexex/exex"
	"github.com/zkexex/zkexex/stf"
)

// canonicalView owns the pipeline's picture of the canonical L2 chain after the anchor, as the
// exex notifications told it: the hash of every block by number, mirroring the store's "b"
// records (which also hold the blocks' STF inputs until retention empties them). Only Run's
// goroutine reads or changes it; a reorg cuts it back and the new blocks are pushed on top.
type canonicalView struct {
	anchor Anchor
	hashes []common.Hash // hashes[i] is the hash of block anchor.Number+1+i
}

// hash is the hash of block n in the view (the anchor's at the anchor), zero when n is outside it.
func (v *canonicalView) hash(n uint64) common.Hash {
	a := v.anchor.Number
	switch {
	case n == a:
		return v.anchor.Hash
	case n < a || n-a > uint64(len(v.hashes)):
		return common.Hash{}
	}
	return v.hashes[n-a-1]
}

// head is the number of the view's highest block (the anchor's when empty).
func (v *canonicalView) head() uint64 { return v.anchor.Number + uint64(len(v.hashes)) }

// push appends the next block.
func (v *canonicalView) push(h common.Hash) { v.hashes = append(v.hashes, h) }

// cut drops blocks from `from` (> anchor) up.
func (v *canonicalView) cut(from uint64) { v.hashes = v.hashes[:from-v.anchor.Number-1] }

// apply makes one notification durable: truncates the view and the index for dropped blocks
// (cancelling their work and emitting retractions), then appends the new blocks' inputs.
func (p *Pipeline) apply(n *exex.Notification) error {
	if err := n.Validate(); err != nil {
		return err
	}
	batch := p.st.db.NewBatch()
	defer batch.Close()
	var events []Event
	if n.Old != nil {
		evs, err := p.truncate(batch, n.Old.Parent().Number+1)
		if err != nil {
			return err
		}
		events = append(events, evs...)
	}
	if n.New != nil {
		for _, b := range n.New.Blocks {
			id := b.ID()
			if id.Number <= p.cfg.Anchor.Number {
				if id.Number == p.cfg.Anchor.Number && id.Hash != p.cfg.Anchor.Hash {
					return fmt.Errorf("%w: block %s replaces the anchor", ErrBelowAnchor, id)
				}
				continue
			}
			if id.Number <= p.view.head() {
				if p.view.hash(id.Number) == id.Hash {
					continue // redelivered after a restart
				}
				evs, err := p.truncate(batch, id.Number)
				if err != nil {
					return err
				}
				events = append(events, evs...)
			}
			if id.Number != p.view.head()+1 || b.Block.ParentHash() != p.view.hash(p.view.head()) {
				return fmt.Errorf("%w: block %s does not extend the view's head #%d", ErrBrokenChain, id, p.view.head())
			}
			enc, err := p.input(b)
			if err != nil {
				return err
			}
			rec, err := encodeRecord(&viewRecord{Hash: id.Hash, Parent: b.Block.ParentHash(), Input: enc})
			if err != nil {
				return err
			}
			if err := batch.Set(numKey('b', id.Number), rec, nil); err != nil {
				return err
			}
			p.view.push(id.Hash)
		}
	}
	if err := batch.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("derivation: write store: %w", err)
	}
	p.mu.Lock()
	p.viewHead = p.view.head()
	p.mu.Unlock()
	p.met.viewHead.Update(int64(p.view.head()))
	for _, ev := range events {
		p.feed.Send(ev)
	}
	return nil
}

// input builds the block's STF input from its notification alone.
func (p *Pipeline) input(b *exex.Block) ([]byte, error) {
	if b.Witness == nil {
		return nil, fmt.Errorf("%w: block %s has no witness", ErrNoInput, b.ID())
	}
	mp := p.cfg.STF.MessagePasser
	if mp == nil {
		return (&stf.Input{Config: p.cfg.STF, Block: b.Block, Witness: b.Witness.ToExtWitness()}).Encode()
	}
	if len(b.AccountProofs) == 0 {
		return nil, fmt.Errorf("%w: block %s has no account proofs (install the manager with ProveAccounts including the message passer %v)", ErrNoInput, b.ID(), *mp)
	}
	in := stf.InputWithProof(p.cfg.STF, b.Block, b.Witness.ToExtWitness(), b.AccountProofs)
	return in.Encode()
}

// spanStart is the first block of the span containing n (> anchor).
func (p *Pipeline) spanStart(n uint64) uint64 {
	a, i := p.cfg.Anchor.Number, p.cfg.SubmissionInterval
	return a + (n-a-1)/i*i + 1
}

// truncate drops blocks from `from` up out of the view and, with the whole span holding
// `from`, out of the index; in-flight work on them is cancelled. Returns the retractions,
// highest block first, to send once the batch is durable.
func (p *Pipeline) truncate(batch *pebble.Batch, from uint64) ([]Event, error) {
	if from <= p.cfg.Anchor.Number {
		return nil, fmt.Errorf("%w: blocks from %d dropped, anchor is %d", ErrBelowAnchor, from, p.cfg.Anchor.Number)
	}
	if from > p.view.head() {
		return nil, nil
	}
	p.sch.cut(from)
	var events []Event
	if p.provenHead >= from {
		s := max(p.spanStart(from), p.tail)
		for n := p.provenHead; n >= s; n-- {
			raw, err := p.st.get(numKey('p', n))
			if err != nil {
				return nil, err
			}
			pb, err := DecodeProven(n, raw)
			if err != nil {
				return nil, err
			}
			events = append(events, Event{Kind: Retracted, Number: n, Hash: pb.Hash, OutputRoot: pb.Claim.OutputRoot, SpanStart: pb.SpanStart, SpanEnd: pb.SpanEnd})
		}
		if err := batch.DeleteRange(numKey('p', s), numKey('p', p.provenHead+1), nil); err != nil {
			return nil, err
		}
		if err := batch.DeleteRange(numKey('s', s), numKey('s', p.provenHead+1), nil); err != nil {
			return nil, err
		}
		if err := batch.DeleteRange(numKey('l', s), numKey('l', p.provenHead+1), nil); err != nil {
			return nil, err
		}
		p.met.retracted.Inc(int64(p.provenHead - s + 1))
		log.Info("Retracted proven blocks", "from", s, "to", p.provenHead, "reorgFrom", from)
		p.setProvenHead(s - 1)
	}
	if p.proposed >= from && p.oracle != nil {
		// The oracle may hold an output the chain no longer has: the next oracle read compares
		// them once the new blocks are proven, and deletes what differs.
		log.Warn("Reorg below a proposed output; checking the oracle once re-proven", "proposed", p.proposed, "reorgFrom", from)
		p.sch.syncAt = time.Time{}
	} else if p.proposed >= from {
		err := fmt.Errorf("%w: the oracle holds L2 block %d's output, blocks from %d were replaced; the challenger must delete it", ErrProposedOutputReorged, p.proposed, from)
		log.Error("Proposing stopped", "err", err)
		p.mu.Lock()
		if p.propErr == nil {
			p.propErr = err
		}
		p.mu.Unlock()
	}
	if err := batch.DeleteRange(numKey('b', from), numKey('b', p.view.head()+1), nil); err != nil {
		return nil, err
	}
	p.view.cut(from)
	return events, nil
}
