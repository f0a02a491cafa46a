package derivation

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/log"
	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/stf"
)

// scheduler owns the pipeline's background work: at most one span proof and one proposal job
// (with an Oracle: read the oracle, delete what the chain no longer has, propose) at a time,
// the generation that tells results of work on since-dropped blocks apart, and the retry
// times. Every goroutine it starts runs through start and is stopped by stop (cancel, then wait),
// which Run defers: none outlives Run. Results come back on channels only Run's goroutine
// reads, and only that goroutine touches the scheduler's fields.
type scheduler struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	proved chan proveResult
	posted chan proposeResult

	gen      uint64    // bumped on every truncation; results of older jobs are dropped
	job      *job      // the span proof in flight
	prop     *job      // the proposal (or oracle) job in flight
	retryAt  time.Time // no new proof before (after a failure)
	propWait time.Time // no new proposal job before (after a failure)
	syncAt   time.Time // with an Oracle: read it again by then even with nothing to propose (zero: now)
}

func newScheduler(parent context.Context) *scheduler {
	ctx, cancel := context.WithCancel(parent)
	return &scheduler{ctx: ctx, cancel: cancel, proved: make(chan proveResult, 1), posted: make(chan proposeResult, 1)}
}

// start runs fn on a goroutine that stop waits for.
func (s *scheduler) start(fn func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		fn()
	}()
}

// stop cancels every job and waits for their goroutines.
func (s *scheduler) stop() {
	s.cancel()
	s.wg.Wait()
	s.job, s.prop = nil, nil
}

// cut cancels the jobs on blocks from `from` up and invalidates the results of all older jobs.
func (s *scheduler) cut(from uint64) {
	s.gen++
	if s.job != nil && s.job.end >= from {
		s.job.cancel()
		s.job = nil
	}
	if s.prop != nil && s.prop.end >= from {
		s.prop.cancel()
		s.prop = nil
	}
	s.retryAt = time.Time{}
}

// wake is how long Run may sleep before a retry or oracle read falls due.
func (s *scheduler) wake(now time.Time, oracle bool) time.Duration {
	d := time.Hour
	for _, t := range []time.Time{s.retryAt, s.propWait} {
		if !t.IsZero() {
			d = min(d, t.Sub(now))
		}
	}
	if oracle && !s.syncAt.IsZero() {
		d = min(d, s.syncAt.Sub(now))
	}
	return max(d, time.Millisecond)
}

// expire clears the retry times that have passed.
func (s *scheduler) expire(now time.Time) {
	if !s.retryAt.IsZero() && !now.Before(s.retryAt) {
		s.retryAt = time.Time{}
	}
	if !s.propWait.IsZero() && !now.Before(s.propWait) {
		s.propWait = time.Time{}
	}
}

type job struct {
	gen        uint64
	start, end uint64
	cancel     context.CancelFunc
}

type proveResult struct {
	job   *job
	proof *SpanProof
	err   error
	took  time.Duration
}

type proposeResult struct {
	job  *job
	prop *Proposal // nil when the job sent no proposal
	res  *Proposed
	err  error
	// With an Oracle: the oracle's latest output block as read (or as left by the proposal or
	// deletion the job made), valid when synced is set.
	latest  uint64
	synced  bool
	deleted uint64 // the job deleted the oracle's outputs from this block up (0: none)
}

// schedule starts the next span proof and the next proposal when they are due.
func (p *Pipeline) schedule() error {
	s := p.sch
	if s.job == nil && s.retryAt.IsZero() {
		start, end := p.provenHead+1, p.provenHead+p.cfg.SubmissionInterval
		if end <= p.view.head() {
			span := &Span{StartOutputRoot: p.cfg.Anchor.OutputRoot}
			if start-1 != p.cfg.Anchor.Number {
				prev, err := p.ProvenBlock(start - 1)
				if err != nil {
					return fmt.Errorf("derivation: proven block %d: %w", start-1, err)
				}
				if prev == nil {
					return fmt.Errorf("derivation: proven block %d missing", start-1)
				}
				span.StartOutputRoot = prev.Claim.OutputRoot
			}
			for n := start; n <= end; n++ {
				raw, err := p.st.get(numKey('b', n))
				if err != nil {
					return err
				}
				rec, err := decodeView(raw)
				if err != nil {
					return err
				}
				if len(rec.Input) == 0 {
					return fmt.Errorf("%w: input of block %d was pruned (reorg deeper than RetainDepth?)", ErrNoInput, n)
				}
				in, err := stf.DecodeInput(rec.Input)
				if err != nil {
					return fmt.Errorf("derivation: stored input of block %d: %w", n, err)
				}
				span.Inputs = append(span.Inputs, in)
			}
			jctx, cancel := context.WithCancel(s.ctx)
			j := &job{gen: s.gen, start: start, end: end, cancel: cancel}
			s.job = j
			s.start(func() {
				defer cancel()
				t0 := time.Now()
				proof, err := p.cfg.Prover.ProveSpan(jctx, span)
				select {
				case s.proved <- proveResult{job: j, proof: proof, err: err, took: time.Since(t0)}:
				case <-s.ctx.Done():
				}
			})
		}
	}
	if p.oracle != nil && s.prop == nil && s.propWait.IsZero() && p.ProposeErr() == nil {
		next := p.proposed + p.cfg.SubmissionInterval
		due := next <= p.provenHead && next+p.cfg.ProposeDepth <= p.view.head()
		if due || !time.Now().Before(s.syncAt) {
			jctx, cancel := context.WithCancel(s.ctx)
			j := &job{gen: s.gen, start: next, end: next, cancel: cancel}
			s.prop = j
			provenHead, head := p.provenHead, p.view.head()
			s.start(func() {
				defer cancel()
				r := p.syncPropose(jctx, j, provenHead, head)
				select {
				case s.posted <- r:
				case <-s.ctx.Done():
				}
			})
		}
	} else if p.cfg.Proposer != nil && s.prop == nil && s.propWait.IsZero() && p.ProposeErr() == nil {
		next := p.proposed + p.cfg.SubmissionInterval
		if next <= p.provenHead && next+p.cfg.ProposeDepth <= p.view.head() {
			prop, err := p.proposal(next)
			if err != nil {
				return err
			}
			jctx, cancel := context.WithCancel(s.ctx)
			j := &job{gen: s.gen, start: next, end: next, cancel: cancel}
			s.prop = j
			canonical := p.cfg.Canonical
			s.start(func() {
				defer cancel()
				// The node may have moved past the notifications: check its chain last thing.
				r := proposeResult{job: j, prop: prop, err: ErrNotCanonical}
				if canonical == nil || canonical(prop.L2BlockNumber) == prop.L2BlockHash {
					r.res, r.err = p.cfg.Proposer.Propose(jctx, prop)
				}
				select {
				case s.posted <- r:
				case <-s.ctx.Done():
				}
			})
		}
	}
	return nil
}

func (p *Pipeline) proposal(n uint64) (*Proposal, error) {
	pb, err := p.ProvenBlock(n)
	if err != nil {
		return nil, fmt.Errorf("derivation: proven block %d: %w", n, err)
	}
	if pb == nil {
		return nil, fmt.Errorf("derivation: proven block %d missing", n)
	}
	raw, err := p.st.get(numKey('s', n))
	if err != nil {
		return nil, err
	}
	r, err := receipt.Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("derivation: receipt of span ending %d: %w", n, err)
	}
	proof, err := r.Proof()
	if err != nil {
		return nil, err
	}
	return &Proposal{L2BlockNumber: n, L2BlockHash: pb.Hash, OutputRoot: pb.Claim.OutputRoot, PrevOutputRoot: r.Claim.StartOutputRoot, Proof: proof, Receipt: r}, nil
}

func (p *Pipeline) onProved(r proveResult) error {
	if p.sch.job == r.job {
		p.sch.job = nil
	}
	if r.job.gen != p.sch.gen {
		return nil // a reorg dropped some of its blocks; already cancelled and rescheduled
	}
	if r.err != nil {
		p.met.proveFailures.Inc(1)
		log.Error("Proving span failed; retrying", "start", r.job.start, "end", r.job.end, "err", r.err, "backoff", p.cfg.RetryBackoff)
		p.sch.retryAt = time.Now().Add(p.cfg.RetryBackoff)
		return nil
	}
	start, end := r.job.start, r.job.end
	claims := r.proof.Claims
	if uint64(len(claims)) != end-start+1 {
		return fmt.Errorf("%w: prover returned %d claims for span %d..%d", ErrBrokenChain, len(claims), start, end)
	}
	sc := r.proof.Receipt.Claim
	for i, c := range claims {
		n := start + uint64(i)
		if c.BlockNumber != n || c.BlockHash != p.view.hash(n) || c.ParentHash != p.view.hash(n-1) {
			return fmt.Errorf("%w: prover's claim for block %d is for %d [%x]", ErrBrokenChain, n, c.BlockNumber, c.BlockHash)
		}
	}
	if sc.StartBlock != start || sc.EndBlock != end || sc.EndBlockHash != p.view.hash(end) || sc.EndOutputRoot != claims[len(claims)-1].OutputRoot {
		return fmt.Errorf("%w: span receipt %d..%d does not match the span %d..%d", ErrBrokenChain, sc.StartBlock, sc.EndBlock, start, end)
	}
	batch := p.st.db.NewBatch()
	defer batch.Close()
	events := make([]Event, 0, len(claims))
	digest := sc.Digest()
	for i, c := range claims {
		n := start + uint64(i)
		enc, err := EncodeProven(&ProvenBlock{Number: n, Hash: c.BlockHash, Claim: c, SpanStart: start, SpanEnd: end})
		if err != nil {
			return err
		}
		if err := batch.Set(numKey('p', n), enc, nil); err != nil {
			return err
		}
		events = append(events, Event{Kind: Proven, Number: n, Hash: c.BlockHash, OutputRoot: c.OutputRoot, SpanStart: start, SpanEnd: end, SpanClaim: digest})
	}
	if err := batch.Set(numKey('s', end), r.proof.Receipt.Encode(), nil); err != nil {
		return err
	}
	if err := p.pruneInputs(batch, end); err != nil {
		return err
	}
	tail, err := p.pruneProven(batch, end, p.proposed)
	if err != nil {
		return err
	}
	if err := batch.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("derivation: write store: %w", err)
	}
	p.setProvenHead(end)
	p.setTail(tail)
	p.met.proven.Inc(int64(len(claims)))
	p.met.proveTime.Update(r.took)
	log.Info("Proved span", "start", start, "end", end, "outputRoot", sc.EndOutputRoot, "receipt", r.proof.Receipt.Kind, "elapsed", r.took.Round(time.Millisecond))
	for _, ev := range events {
		p.feed.Send(ev)
	}
	return nil
}

func (p *Pipeline) onPosted(r proposeResult) error {
	if p.sch.prop == r.job {
		p.sch.prop = nil
	}
	if p.oracle != nil {
		return p.onSynced(r)
	}
	if r.err != nil {
		if r.job.gen != p.sch.gen && (errors.Is(r.err, context.Canceled) || errors.Is(r.err, ErrNotCanonical)) {
			return nil
		}
		p.met.proposeFailure.Inc(1)
		if errors.Is(r.err, ErrProposalRejected) {
			log.Error("Proposal rejected permanently; no more proposals (proving goes on)", "l2Block", r.prop.L2BlockNumber, "err", r.err)
			p.mu.Lock()
			p.propErr = r.err
			p.mu.Unlock()
			return nil
		}
		log.Warn("Proposal failed; retrying", "l2Block", r.prop.L2BlockNumber, "err", r.err, "backoff", p.cfg.RetryBackoff)
		p.sch.propWait = time.Now().Add(p.cfg.RetryBackoff)
		return nil
	}
	batch := p.st.db.NewBatch()
	defer batch.Close()
	if err := batch.Set(keyProposed, be64(r.prop.L2BlockNumber), nil); err != nil {
		return err
	}
	if r.res != nil {
		if err := putLanding(batch, r.prop, r.res); err != nil {
			return err
		}
	}
	tail, err := p.pruneProven(batch, p.provenHead, r.prop.L2BlockNumber)
	if err != nil {
		return err
	}
	if err := batch.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("derivation: record proposal: %w", err)
	}
	p.mu.Lock()
	p.proposed = r.prop.L2BlockNumber
	p.mu.Unlock()
	p.setTail(tail)
	p.met.proposals.Inc(1)
	if r.res != nil {
		// The proposer logs the landing at Info ("output N for L2 block B, ..."); this adds the L2 hash.
		log.Debug("Proposal recorded", "output", r.res.OutputIndex, "l2Block", r.prop.L2BlockNumber, "l2Hash", r.prop.L2BlockHash, "tx", r.res.L1TxHash)
	}
	return nil
}

// syncPropose is one oracle job, run off the Run goroutine on a snapshot of the proven head and
// the view's head: read the oracle's latest output; if the proven index disagrees with it,
// delete the outputs from the lowest that differs; otherwise propose the output after it when
// that is proven and deep enough. Store reads here are safe against Run's writes: a result
// from before a truncation is told apart by its generation.
func (p *Pipeline) syncPropose(ctx context.Context, j *job, provenHead, head uint64) proposeResult {
	r := proposeResult{job: j}
	a, iv := p.cfg.Anchor.Number, p.cfg.SubmissionInterval
	latest, root, err := p.oracle.Latest(ctx)
	if err != nil {
		r.err = fmt.Errorf("derivation: read oracle: %w", err)
		return r
	}
	if latest < a || (latest-a)%iv != 0 {
		r.err = fmt.Errorf("%w: oracle's latest output is for L2 block %d, not a span end after anchor %d interval %d", ErrProposalRejected, latest, a, iv)
		return r
	}
	if latest > a {
		if latest > provenHead {
			// Not proven that far (a reorg, or a store lost or behind L1): nothing to compare with yet.
			r.err = fmt.Errorf("%w: oracle's latest output is for L2 block %d, proven head is %d", errOracleAhead, latest, provenHead)
			return r
		}
		if tail := p.ProvenTail(); latest < tail {
			r.err = fmt.Errorf("%w: the oracle's latest output is for L2 block %d, below the proven index's tail %d: "+
				"L1 lost outputs deeper than retention keeps; restart with a larger RetainProven and an empty store", ErrProposalRejected, latest, tail)
			return r
		}
		ours, err := p.provenRoot(latest)
		if err != nil {
			r.err = err
			return r
		}
		if ours != root {
			from, err := p.firstDivergent(ctx, latest)
			if err != nil {
				r.err = err
				return r
			}
			log.Warn("Oracle holds outputs the L2 chain no longer has; deleting", "from", from, "latest", latest, "oracleRoot", root, "ours", ours)
			if err := p.oracle.DeleteFrom(ctx, from); err != nil {
				if errors.Is(err, ErrProposalRejected) {
					err = fmt.Errorf("%w: from L2 block %d: %w", ErrProposedOutputReorged, from, err)
				}
				r.err = err
				return r
			}
			r.deleted, r.latest, r.synced = from, from-iv, true
			return r
		}
	}
	r.latest, r.synced = latest, true
	next := latest + iv
	if next > provenHead || next+p.cfg.ProposeDepth > head {
		return r
	}
	prop, err := p.proposal(next)
	if err != nil {
		r.err = err
		return r
	}
	r.prop = prop
	// The node may have moved past the notifications: check its chain last thing.
	if c := p.cfg.Canonical; c != nil && c(prop.L2BlockNumber) != prop.L2BlockHash {
		r.err = ErrNotCanonical
		return r
	}
	r.res, r.err = p.cfg.Proposer.Propose(ctx, prop)
	if r.err == nil {
		r.latest = next
	}
	return r
}

// provenRoot is the output root of proven block n.
func (p *Pipeline) provenRoot(n uint64) (common.Hash, error) {
	pb, err := p.ProvenBlock(n)
	if err != nil {
		return common.Hash{}, fmt.Errorf("derivation: proven block %d: %w", n, err)
	}
	if pb == nil {
		return common.Hash{}, fmt.Errorf("derivation: proven block %d missing", n)
	}
	return pb.Claim.OutputRoot, nil
}

// firstDivergent walks down from the oracle's latest output (which differs from the index) to
// the lowest output that differs too.
func (p *Pipeline) firstDivergent(ctx context.Context, latest uint64) (uint64, error) {
	a, iv := p.cfg.Anchor.Number, p.cfg.SubmissionInterval
	from := latest
	for from-iv > a && from-iv >= p.ProvenTail() {
		theirs, ok, err := p.oracle.OutputRoot(ctx, from-iv)
		if err != nil {
			return 0, fmt.Errorf("derivation: read oracle: %w", err)
		}
		ours, err := p.provenRoot(from - iv)
		if err != nil {
			return 0, err
		}
		if !ok || theirs == ours {
			break
		}
		from -= iv
	}
	return from, nil
}

// onSynced takes an oracle job's result: what the oracle holds replaces the pipeline's cache of
// it, and a landing is recorded in the index.
func (p *Pipeline) onSynced(r proposeResult) error {
	now := time.Now()
	if r.err != nil {
		if r.job.gen != p.sch.gen && (errors.Is(r.err, context.Canceled) || errors.Is(r.err, ErrNotCanonical)) {
			p.sch.syncAt = time.Time{}
			return nil
		}
		if errors.Is(r.err, errOracleAhead) {
			log.Debug("Waiting to prove up to the oracle's latest output", "err", r.err)
			p.sch.propWait = now.Add(p.cfg.RetryBackoff)
			return nil
		}
		p.met.proposeFailure.Inc(1)
		if errors.Is(r.err, ErrProposalRejected) || errors.Is(r.err, ErrProposedOutputReorged) {
			log.Error("Proposing stopped (proving goes on)", "err", r.err)
			p.mu.Lock()
			p.propErr = r.err
			p.mu.Unlock()
			return nil
		}
		log.Warn("Oracle sync or proposal failed; reading the oracle again", "err", r.err, "backoff", p.cfg.RetryBackoff)
		p.sch.propWait = now.Add(p.cfg.RetryBackoff)
		p.sch.syncAt = time.Time{}
		return nil
	}
	if r.deleted != 0 {
		p.sch.syncAt = time.Time{} // propose the span again at once
	} else {
		p.sch.syncAt = now.Add(p.cfg.OracleRecheck)
	}
	batch := p.st.db.NewBatch()
	defer batch.Close()
	if err := batch.Set(keyProposed, be64(r.latest), nil); err != nil {
		return err
	}
	// Landings above the oracle's latest are gone from L1 (an L1 reorg, or deleted).
	if r.latest < p.provenHead {
		if err := batch.DeleteRange(numKey('l', r.latest+1), numKey('l', p.provenHead+1), nil); err != nil {
			return err
		}
	}
	if r.res != nil {
		if err := putLanding(batch, r.prop, r.res); err != nil {
			return err
		}
	}
	tail, err := p.pruneProven(batch, p.provenHead, r.latest)
	if err != nil {
		return err
	}
	if err := batch.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("derivation: record proposal: %w", err)
	}
	p.setTail(tail)
	p.mu.Lock()
	if p.proposed != r.latest && r.res == nil {
		log.Info("Oracle's latest output", "l2Block", r.latest, "was", p.proposed)
	}
	p.proposed = r.latest
	p.mu.Unlock()
	if r.res != nil {
		p.met.proposals.Inc(1)
		log.Debug("Proposal recorded", "output", r.res.OutputIndex, "l2Block", r.prop.L2BlockNumber, "l2Hash", r.prop.L2BlockHash, "tx", r.res.L1TxHash)
	}
	return nil
}

// putLanding records in batch where the proposal of prop's L2 block landed on L1.
func putLanding(batch *pebble.Batch, prop *Proposal, res *Proposed) error {
	rec, err := encodeRecord(&onL1RLP{L2Hash: prop.L2BlockHash, OnL1: OnL1{OutputIndex: res.OutputIndex, L1BlockNumber: res.L1BlockNumber, L1TxHash: res.L1TxHash}})
	if err != nil {
		return err
	}
	return batch.Set(numKey('l', prop.L2BlockNumber), rec, nil)
}
