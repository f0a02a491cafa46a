package derivation

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/event"
	"github.com/ethereum/go-ethereum/log"
	"github.com/ethereum/go-ethereum/metrics"
	"github.com/zkexex/zkexex/exex"
	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/stf"
)

var (
	// ErrBrokenChain: per-block claims or notifications that do not form one chain.
	ErrBrokenChain = errors.New("derivation: blocks do not chain")
	// ErrBelowAnchor: a reorg or revert reaching the anchor block, which the oracle fixed.
	ErrBelowAnchor = errors.New("derivation: chain change at or below the anchor")
	// ErrNoInput: a block whose STF input cannot be built from its notification (no witness,
	// no account proof of the message passer) or was pruned.
	ErrNoInput = errors.New("derivation: no STF input")
	// ErrProposalRejected marks a proposer error that retrying cannot fix (the oracle holds
	// another root, the key is not the proposer, ...): the pipeline stops proposing, keeps
	// proving, and ProposeErr returns it.
	ErrProposalRejected = errors.New("derivation: proposal rejected permanently")
	// ErrProposedOutputReorged: the oracle holds an output whose L2 block a reorg dropped
	// (deeper than ProposeDepth) and it cannot be deleted: the proposer is no Oracle, has no
	// challenger key, or the output is finalized. The oracle will not take the next output on
	// top of it, so proposing stops (ProposeErr, which wraps the reason); proving goes on. With
	// an Oracle that can delete it, the pipeline deletes the output and proposes the span again.
	ErrProposedOutputReorged = errors.New("derivation: a proposed output was reorged out of L2")
	// ErrNotCanonical: a proposal whose L2 block left the canonical chain before it was sent.
	ErrNotCanonical = errors.New("derivation: proposal no longer canonical")

	// errOracleAhead: the oracle's latest output is above the proven head, so it cannot be
	// checked yet (after a reorg, or with a store behind L1); not a failure, read it again later.
	errOracleAhead = errors.New("derivation: oracle ahead of the proven index")
)

// Proposal is one output root for the L1 oracle.
type Proposal struct {
	L2BlockNumber  uint64
	L2BlockHash    common.Hash
	OutputRoot     common.Hash
	PrevOutputRoot common.Hash // the span's start output root: what the oracle's latest must be
	Proof          []byte      // bytes for proposeL2Output's _proof
	Receipt        *receipt.Receipt
}

// Proposed says where a proposal landed.
type Proposed struct {
	OutputIndex   uint64
	L1BlockNumber uint64
	L1TxHash      common.Hash
}

// Proposer posts proposals to L1, one at a time, in increasing L2 block order. It must be
// idempotent: a proposal the oracle already holds (same block and root) succeeds without a
// second transaction, so a pipeline restarted after sending but before recording is safe.
// An error wrapping ErrProposalRejected stops proposing; any other is retried after
// Config.RetryBackoff.
type Proposer interface {
	Propose(ctx context.Context, p *Proposal) (*Proposed, error)
}

// Oracle is what a Proposer implements when it can read the L1 oracle and act as its
// challenger. With one, the pipeline derives what to propose from the oracle alone: before
// every proposal, on start, after any error and every Config.OracleRecheck, it reads the
// oracle's latest output, compares it with the proven index, deletes the outputs the L2 chain
// no longer has and proposes the output after the oracle's latest. Its own record of what was
// proposed is only a cache, so an L1 reorg that drops a proposal, a lost store or a restart at
// any point of a proposal's life leads to neither a duplicate nor a gap.
type Oracle interface {
	// Latest returns the L2 block number and root of the oracle's latest output (its
	// starting block and root when it holds none).
	Latest(ctx context.Context) (uint64, common.Hash, error)
	// OutputRoot returns the oracle's root for exactly L2 block n; false when it holds none.
	OutputRoot(ctx context.Context, n uint64) (common.Hash, bool, error)
	// DeleteFrom deletes the output for L2 block n and every later one through the oracle's
	// challenger role. An error wrapping ErrProposalRejected says it never can (the output is
	// finalized, no challenger key): what the error says is what the operator must do.
	DeleteFrom(ctx context.Context, n uint64) error
}

// Config configures a Pipeline.
type Config struct {
	// Name of the exex extension (default "derivation"); keep it stable across restarts.
	Name string
	// Dir is the pebble directory of the view and the index. Required.
	Dir string
	// STF is the chain and message-passer config of the inputs. Required.
	STF *stf.Config
	// Anchor is the oracle's starting block and output root; spans start after it. Required.
	Anchor Anchor
	// SubmissionInterval is the oracle's: spans end at Anchor.Number + k·SubmissionInterval.
	SubmissionInterval uint64
	// Prover proves spans. Required.
	Prover Prover
	// Proposer, when set, gets every proven span end in order.
	Proposer Proposer
	// ProposeDepth holds a proposal back until the pipeline's head is this many blocks past
	// the span end: the oracle keeps what it was given, so a span reorged out after its
	// proposal would need the challenger; pick it above the deepest reorg expected.
	ProposeDepth uint64
	// Canonical, when set, returns the node's canonical hash at a number; a proposal is sent
	// only if it still matches (the node may be ahead of the notifications).
	Canonical func(number uint64) common.Hash
	// RetainDepth: STF inputs of blocks this far below the proven head are dropped (default
	// 256); a reorg deeper than that cannot be re-proven and stops the pipeline.
	RetainDepth uint64
	// RetainProven: the proven index, span receipts and L1 landings of spans ending this many
	// blocks below the proven head are pruned, never above the oracle's latest output (default
	// DefaultRetainProven). An indexer needs them for the oracle's finalization window (an
	// output can be challenged until then): set it to finalizationPeriodSeconds / l2BlockTime.
	RetainProven uint64
	// RetryBackoff is the delay after a failed proof or proposal (default 1s).
	RetryBackoff time.Duration
	// OracleRecheck is how often the pipeline reads the oracle when it has nothing to propose,
	// to notice an L1 reorg that dropped an output (default 12s, one L1 slot). Used only when
	// Proposer is an Oracle.
	OracleRecheck time.Duration
	// Registry receives the metrics (default geth's metrics.DefaultRegistry).
	Registry metrics.Registry
}

// DefaultRetainProven is Config.RetainProven's default: the OP Stack's 7-day finalization period
// (604800 s) at 2-second L2 blocks.
const DefaultRetainProven = 604800 / 2

// EventKind says what happened to an index entry.
type EventKind uint8

const (
	// Proven: the block entered the proven index.
	Proven EventKind = 1
	// Retracted: the block left the index (reorged out, or its span was cut by a reorg).
	Retracted EventKind = 2
)

func (k EventKind) String() string {
	switch k {
	case Proven:
		return "proven"
	case Retracted:
		return "retracted"
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// MarshalText encodes the kind as "proven" or "retracted".
func (k EventKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText parses "proven" or "retracted".
func (k *EventKind) UnmarshalText(b []byte) error {
	switch string(b) {
	case "proven":
		*k = Proven
	case "retracted":
		*k = Retracted
	default:
		return fmt.Errorf("derivation: unknown event kind %q", b)
	}
	return nil
}

// Event is one change of the proven index.
type Event struct {
	Kind       EventKind   `json:"kind"`
	Number     uint64      `json:"number"`
	Hash       common.Hash `json:"hash"`
	OutputRoot common.Hash `json:"outputRoot"`
	SpanStart  uint64      `json:"spanStart"`
	SpanEnd    uint64      `json:"spanEnd"`
	// SpanClaim is the digest of the span claim whose receipt proves the block.
	SpanClaim common.Hash `json:"spanClaim"`
}

// Pipeline is the derivation extension. Run it through Extension.
type Pipeline struct {
	cfg  Config
	st   *store
	feed event.Feed

	mu         sync.Mutex
	provenHead uint64
	proposed   uint64 // highest span end the proposer accepted
	tail       uint64 // lowest block in the proven index (retention pruned those below)
	viewHead   uint64
	closed     bool
	propErr    error

	// Owned by Run's goroutine.
	view     []common.Hash // view[i] is the hash of block Anchor.Number+1+i
	gen      uint64        // bumped on every truncation; results of older jobs are dropped
	job      *job
	prop     *job
	retryAt  time.Time
	propWait time.Time
	oracle   Oracle    // Proposer as an Oracle, nil when it is not one
	syncAt   time.Time // when the oracle is to be read again even with nothing to propose (zero: now)
	running  sync.WaitGroup

	met struct {
		provenHead, viewHead, tail    *metrics.Gauge
		proven, retracted, proposals  *metrics.Counter
		pruned                        *metrics.Counter
		proveTime                     *metrics.Timer
		proveFailures, proposeFailure *metrics.Counter
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

// New opens (or creates) the pipeline's store. The anchor and interval must match what the
// store was created with.
func New(cfg Config) (*Pipeline, error) {
	if cfg.Dir == "" || cfg.STF == nil || cfg.Prover == nil || cfg.SubmissionInterval == 0 {
		return nil, errors.New("derivation: Config needs Dir, STF, Prover and SubmissionInterval")
	}
	if cfg.Name == "" {
		cfg.Name = "derivation"
	}
	if cfg.RetainDepth == 0 {
		cfg.RetainDepth = 256
	}
	if cfg.RetainProven == 0 {
		cfg.RetainProven = DefaultRetainProven
	}
	if cfg.RetryBackoff <= 0 {
		cfg.RetryBackoff = time.Second
	}
	if cfg.OracleRecheck <= 0 {
		cfg.OracleRecheck = 12 * time.Second
	}
	if cfg.Registry == nil {
		cfg.Registry = metrics.DefaultRegistry
	}
	st, err := openStore(cfg.Dir)
	if err != nil {
		return nil, err
	}
	p := &Pipeline{cfg: cfg, st: st}
	p.oracle, _ = cfg.Proposer.(Oracle)
	if err := p.load(); err != nil {
		st.close()
		return nil, err
	}
	prefix := "zkexex/derivation/"
	r := cfg.Registry
	p.met.provenHead = metrics.GetOrRegisterGauge(prefix+"proven/head", r)
	p.met.viewHead = metrics.GetOrRegisterGauge(prefix+"view/head", r)
	p.met.proven = metrics.GetOrRegisterCounter(prefix+"proven/blocks", r)
	p.met.retracted = metrics.GetOrRegisterCounter(prefix+"retracted/blocks", r)
	p.met.proposals = metrics.GetOrRegisterCounter(prefix+"proposals", r)
	p.met.proveTime = metrics.GetOrRegisterTimer(prefix+"prove/span", r)
	p.met.proveFailures = metrics.GetOrRegisterCounter(prefix+"prove/failures", r)
	p.met.proposeFailure = metrics.GetOrRegisterCounter(prefix+"propose/failures", r)
	p.met.tail = metrics.GetOrRegisterGauge(prefix+"proven/tail", r)
	p.met.pruned = metrics.GetOrRegisterCounter(prefix+"pruned/blocks", r)
	p.met.provenHead.Update(int64(p.provenHead))
	p.met.tail.Update(int64(p.tail))
	return p, nil
}

// anchorRLP is the stored anchor and interval.
type anchorRLP struct {
	Number     uint64
	Hash       common.Hash
	OutputRoot common.Hash
	Interval   uint64
}

func (p *Pipeline) load() error {
	want := anchorRLP{p.cfg.Anchor.Number, p.cfg.Anchor.Hash, p.cfg.Anchor.OutputRoot, p.cfg.SubmissionInterval}
	raw, err := p.st.get(keyAnchor)
	if err != nil {
		return err
	}
	if raw == nil {
		enc, err := encodeRecord(&want)
		if err != nil {
			return err
		}
		if err := p.st.db.Set(keyAnchor, enc, pebble.Sync); err != nil {
			return err
		}
	} else {
		var have anchorRLP
		if err := decodeRecord(raw, &have); err != nil {
			return err
		}
		if have != want {
			return fmt.Errorf("derivation: store in %s was made for anchor #%d [%x] interval %d, not #%d [%x] interval %d",
				p.cfg.Dir, have.Number, have.Hash, have.Interval, want.Number, want.Hash, want.Interval)
		}
	}
	parent := p.cfg.Anchor.Hash
	next := p.cfg.Anchor.Number + 1
	err = p.st.scan('b', func(n uint64, v []byte) error {
		r, err := decodeView(v)
		if err != nil {
			return err
		}
		if n != next || r.Parent != parent {
			return fmt.Errorf("%w: view block %d does not extend %d", ErrCorruptRecord, n, next-1)
		}
		p.view = append(p.view, r.Hash)
		parent, next = r.Hash, next+1
		return nil
	})
	if err != nil {
		return err
	}
	p.tail = p.cfg.Anchor.Number + 1
	if raw, err := p.st.get(keyTail); err != nil {
		return err
	} else if raw != nil {
		if len(raw) != 8 || beUint64(raw) <= p.cfg.Anchor.Number {
			return fmt.Errorf("%w: proven tail marker", ErrCorruptRecord)
		}
		p.tail = beUint64(raw)
	}
	p.provenHead = p.tail - 1
	err = p.st.scan('p', func(n uint64, v []byte) error {
		pb, err := DecodeProven(n, v)
		if err != nil {
			return err
		}
		if n != p.provenHead+1 || pb.Hash != p.viewHash(n) {
			return fmt.Errorf("%w: proven block %d is not the view's next block", ErrCorruptRecord, n)
		}
		p.provenHead = n
		return nil
	})
	if err != nil {
		return err
	}
	p.proposed = p.cfg.Anchor.Number
	if raw, err := p.st.get(keyProposed); err != nil {
		return err
	} else if raw != nil {
		if len(raw) != 8 {
			return fmt.Errorf("%w: proposed marker", ErrCorruptRecord)
		}
		p.proposed = beUint64(raw)
	}
	p.viewHead = p.cfg.Anchor.Number + uint64(len(p.view))
	return nil
}

func beUint64(b []byte) uint64 {
	var n uint64
	for _, c := range b {
		n = n<<8 | uint64(c)
	}
	return n
}

func be64(n uint64) []byte { return numKey(0, n)[1:] }

// viewHash is the hash of canonical block n in the view (the anchor's at the anchor), zero
// when n is outside the view.
func (p *Pipeline) viewHash(n uint64) common.Hash {
	a := p.cfg.Anchor.Number
	switch {
	case n == a:
		return p.cfg.Anchor.Hash
	case n < a || n-a > uint64(len(p.view)):
		return common.Hash{}
	}
	return p.view[n-a-1]
}

func (p *Pipeline) head() uint64 { return p.cfg.Anchor.Number + uint64(len(p.view)) }

// Extension returns the exex extension running the pipeline; it starts after the anchor.
func (p *Pipeline) Extension() exex.Extension {
	start := exex.BlockID{Number: p.cfg.Anchor.Number, Hash: p.cfg.Anchor.Hash}
	return exex.Extension{Name: p.cfg.Name, Run: p.Run, StartAfter: &start}
}

// Close closes the store; call it after Run has returned (the node or manager stopped).
func (p *Pipeline) Close() error {
	p.running.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	return p.st.close()
}

// Subscribe delivers index events to ch. Events are sent in order; a subscriber that stops
// reading stalls the pipeline, so read promptly or unsubscribe.
func (p *Pipeline) Subscribe(ch chan<- Event) event.Subscription { return p.feed.Subscribe(ch) }

// ProvenHead returns the highest proven block, nil when nothing after the anchor is proven.
func (p *Pipeline) ProvenHead() (*ProvenBlock, error) {
	p.mu.Lock()
	n := p.provenHead
	p.mu.Unlock()
	if n == p.cfg.Anchor.Number {
		return nil, nil
	}
	return p.ProvenBlock(n)
}

// ProvenBlock returns the index entry of block n, nil when it is not proven.
func (p *Pipeline) ProvenBlock(n uint64) (*ProvenBlock, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errors.New("derivation: pipeline closed")
	}
	raw, err := p.st.get(numKey('p', n))
	if err != nil || raw == nil {
		return nil, err
	}
	pb, err := DecodeProven(n, raw)
	if err != nil {
		return nil, err
	}
	raw, err = p.st.get(numKey('l', n))
	if err != nil || raw == nil {
		return pb, err
	}
	l, err := decodeLanding(raw)
	if err != nil {
		return nil, err
	}
	if l.L2Hash == pb.Hash { // a landing recorded for a block since reorged out is not this block's
		pb.L1 = &l.OnL1
	}
	return pb, nil
}

// Proposed returns the highest L2 block whose output the proposer accepted (the anchor's
// number when none).
func (p *Pipeline) Proposed() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.proposed
}

// ProposeErr is the error that stopped proposing, nil while proposals go on.
func (p *Pipeline) ProposeErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.propErr
}

// Run consumes notifications: each is made durable in the store before FinishedHeight is
// reported; proving and proposing run in the background, one span at a time.
func (p *Pipeline) Run(ctx context.Context, ec *exex.Context) error {
	p.running.Add(1)
	defer p.running.Done()
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
		p.job, p.prop = nil, nil
	}()
	proved := make(chan proveResult, 1)
	posted := make(chan proposeResult, 1)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if err := p.schedule(ctx, &wg, proved, posted); err != nil {
			return err
		}
		var wake time.Duration = time.Hour
		now := time.Now()
		if !p.retryAt.IsZero() {
			wake = min(wake, p.retryAt.Sub(now))
		}
		if !p.propWait.IsZero() {
			wake = min(wake, p.propWait.Sub(now))
		}
		if p.oracle != nil && !p.syncAt.IsZero() {
			wake = min(wake, p.syncAt.Sub(now))
		}
		timer.Reset(max(wake, time.Millisecond))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case n, ok := <-ec.Notifications():
			if !ok {
				return errors.New("derivation: notification channel closed")
			}
			if err := p.apply(n); err != nil {
				return err
			}
			tip := n.Tip()
			ec.FinishedHeight(tip.Number, tip.Hash)
		case r := <-proved:
			if err := p.onProved(r); err != nil {
				return err
			}
		case r := <-posted:
			if err := p.onPosted(r); err != nil {
				return err
			}
		case <-timer.C:
			now := time.Now()
			if !p.retryAt.IsZero() && !now.Before(p.retryAt) {
				p.retryAt = time.Time{}
			}
			if !p.propWait.IsZero() && !now.Before(p.propWait) {
				p.propWait = time.Time{}
			}
		}
	}
}

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
			if id.Number <= p.head() {
				if p.viewHash(id.Number) == id.Hash {
					continue // redelivered after a restart
				}
				evs, err := p.truncate(batch, id.Number)
				if err != nil {
					return err
				}
				events = append(events, evs...)
			}
			if id.Number != p.head()+1 || b.Block.ParentHash() != p.viewHash(p.head()) {
				return fmt.Errorf("%w: block %s does not extend the view's head #%d", ErrBrokenChain, id, p.head())
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
			p.view = append(p.view, id.Hash)
		}
	}
	if err := batch.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("derivation: write store: %w", err)
	}
	p.mu.Lock()
	p.viewHead = p.head()
	p.mu.Unlock()
	p.met.viewHead.Update(int64(p.head()))
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
	if from > p.head() {
		return nil, nil
	}
	p.gen++
	if p.job != nil && p.job.end >= from {
		p.job.cancel()
		p.job = nil
	}
	if p.prop != nil && p.prop.end >= from {
		p.prop.cancel()
		p.prop = nil
	}
	p.retryAt = time.Time{}
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
		p.syncAt = time.Time{}
	} else if p.proposed >= from {
		err := fmt.Errorf("%w: the oracle holds L2 block %d's output, blocks from %d were replaced; the challenger must delete it", ErrProposedOutputReorged, p.proposed, from)
		log.Error("Proposing stopped", "err", err)
		p.mu.Lock()
		if p.propErr == nil {
			p.propErr = err
		}
		p.mu.Unlock()
	}
	if err := batch.DeleteRange(numKey('b', from), numKey('b', p.head()+1), nil); err != nil {
		return nil, err
	}
	p.view = p.view[:from-p.cfg.Anchor.Number-1]
	return events, nil
}

func (p *Pipeline) setProvenHead(n uint64) {
	p.mu.Lock()
	p.provenHead = n
	p.mu.Unlock()
	p.met.provenHead.Update(int64(n))
}

// schedule starts the next span proof and the next proposal when they are due.
func (p *Pipeline) schedule(ctx context.Context, wg *sync.WaitGroup, proved chan<- proveResult, posted chan<- proposeResult) error {
	if p.job == nil && p.retryAt.IsZero() {
		start, end := p.provenHead+1, p.provenHead+p.cfg.SubmissionInterval
		if end <= p.head() {
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
			jctx, cancel := context.WithCancel(ctx)
			j := &job{gen: p.gen, start: start, end: end, cancel: cancel}
			p.job = j
			wg.Add(1)
			go func() {
				defer wg.Done()
				t0 := time.Now()
				proof, err := p.cfg.Prover.ProveSpan(jctx, span)
				select {
				case proved <- proveResult{job: j, proof: proof, err: err, took: time.Since(t0)}:
				case <-ctx.Done():
				}
			}()
		}
	}
	if p.oracle != nil && p.prop == nil && p.propWait.IsZero() && p.ProposeErr() == nil {
		next := p.proposed + p.cfg.SubmissionInterval
		due := next <= p.provenHead && next+p.cfg.ProposeDepth <= p.head()
		if due || !time.Now().Before(p.syncAt) {
			jctx, cancel := context.WithCancel(ctx)
			j := &job{gen: p.gen, start: next, end: next, cancel: cancel}
			p.prop = j
			provenHead, head := p.provenHead, p.head()
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := p.syncPropose(jctx, j, provenHead, head)
				select {
				case posted <- r:
				case <-ctx.Done():
				}
			}()
		}
	} else if p.cfg.Proposer != nil && p.prop == nil && p.propWait.IsZero() && p.ProposeErr() == nil {
		next := p.proposed + p.cfg.SubmissionInterval
		if next <= p.provenHead && next+p.cfg.ProposeDepth <= p.head() {
			prop, err := p.proposal(next)
			if err != nil {
				return err
			}
			jctx, cancel := context.WithCancel(ctx)
			j := &job{gen: p.gen, start: next, end: next, cancel: cancel}
			p.prop = j
			canonical := p.cfg.Canonical
			wg.Add(1)
			go func() {
				defer wg.Done()
				// The node may have moved past the notifications: check its chain last thing.
				r := proposeResult{job: j, prop: prop, err: ErrNotCanonical}
				if canonical == nil || canonical(prop.L2BlockNumber) == prop.L2BlockHash {
					r.res, r.err = p.cfg.Proposer.Propose(jctx, prop)
				}
				select {
				case posted <- r:
				case <-ctx.Done():
				}
			}()
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
	if p.job == r.job {
		p.job = nil
	}
	if r.job.gen != p.gen {
		return nil // a reorg dropped some of its blocks; already cancelled and rescheduled
	}
	if r.err != nil {
		p.met.proveFailures.Inc(1)
		log.Error("Proving span failed; retrying", "start", r.job.start, "end", r.job.end, "err", r.err, "backoff", p.cfg.RetryBackoff)
		p.retryAt = time.Now().Add(p.cfg.RetryBackoff)
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
		if c.BlockNumber != n || c.BlockHash != p.viewHash(n) || c.ParentHash != p.viewHash(n-1) {
			return fmt.Errorf("%w: prover's claim for block %d is for %d [%x]", ErrBrokenChain, n, c.BlockNumber, c.BlockHash)
		}
	}
	if sc.StartBlock != start || sc.EndBlock != end || sc.EndBlockHash != p.viewHash(end) || sc.EndOutputRoot != claims[len(claims)-1].OutputRoot {
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
	tail, err := p.pruneProven(batch, end)
	if err != nil {
		return err
	}
	if err := batch.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("derivation: write store: %w", err)
	}
	p.setProvenHead(end)
	if tail != p.tail {
		p.met.pruned.Inc(int64(tail - p.tail))
		p.met.tail.Update(int64(tail))
		p.mu.Lock()
		p.tail = tail
		p.mu.Unlock()
	}
	p.met.proven.Inc(int64(len(claims)))
	p.met.proveTime.Update(r.took)
	log.Info("Proved span", "start", start, "end", end, "outputRoot", sc.EndOutputRoot, "receipt", r.proof.Receipt.Kind, "elapsed", r.took.Round(time.Millisecond))
	for _, ev := range events {
		p.feed.Send(ev)
	}
	return nil
}

// pruneInputs empties the stored inputs of the span that fell RetainDepth below end.
func (p *Pipeline) pruneInputs(batch *pebble.Batch, end uint64) error {
	if end < p.cfg.Anchor.Number+p.cfg.RetainDepth+p.cfg.SubmissionInterval {
		return nil
	}
	hi := end - p.cfg.RetainDepth
	lo := max(p.cfg.Anchor.Number+1, hi-p.cfg.SubmissionInterval+1)
	for n := lo; n <= hi; n++ {
		rec, err := encodeRecord(&viewRecord{Hash: p.viewHash(n), Parent: p.viewHash(n - 1)})
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
func (p *Pipeline) pruneProven(batch *pebble.Batch, end uint64) (uint64, error) {
	if end < p.cfg.Anchor.Number+p.cfg.RetainProven+p.cfg.SubmissionInterval {
		return p.tail, nil
	}
	cut := end - p.cfg.RetainProven // prune spans ending at or below cut
	if p.cfg.Proposer != nil && p.proposed < cut+p.cfg.SubmissionInterval {
		if p.proposed < p.cfg.Anchor.Number+p.cfg.SubmissionInterval {
			return p.tail, nil
		}
		cut = p.proposed - p.cfg.SubmissionInterval
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

// ProvenTail returns the lowest block the proven index still holds (retention prunes below it).
func (p *Pipeline) ProvenTail() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tail
}

func (p *Pipeline) onPosted(r proposeResult) error {
	if p.prop == r.job {
		p.prop = nil
	}
	if p.oracle != nil {
		return p.onSynced(r)
	}
	if r.err != nil {
		if r.job.gen != p.gen && (errors.Is(r.err, context.Canceled) || errors.Is(r.err, ErrNotCanonical)) {
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
		p.propWait = time.Now().Add(p.cfg.RetryBackoff)
		return nil
	}
	batch := p.st.db.NewBatch()
	defer batch.Close()
	if err := batch.Set(keyProposed, be64(r.prop.L2BlockNumber), nil); err != nil {
		return err
	}
	if r.res != nil {
		rec, err := encodeRecord(&onL1RLP{L2Hash: r.prop.L2BlockHash, OnL1: OnL1{OutputIndex: r.res.OutputIndex, L1BlockNumber: r.res.L1BlockNumber, L1TxHash: r.res.L1TxHash}})
		if err != nil {
			return err
		}
		if err := batch.Set(numKey('l', r.prop.L2BlockNumber), rec, nil); err != nil {
			return err
		}
	}
	if err := batch.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("derivation: record proposal: %w", err)
	}
	p.mu.Lock()
	p.proposed = r.prop.L2BlockNumber
	p.mu.Unlock()
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
		if r.job.gen != p.gen && (errors.Is(r.err, context.Canceled) || errors.Is(r.err, ErrNotCanonical)) {
			p.syncAt = time.Time{}
			return nil
		}
		if errors.Is(r.err, errOracleAhead) {
			log.Debug("Waiting to prove up to the oracle's latest output", "err", r.err)
			p.propWait = now.Add(p.cfg.RetryBackoff)
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
		p.propWait = now.Add(p.cfg.RetryBackoff)
		p.syncAt = time.Time{}
		return nil
	}
	if r.deleted != 0 {
		p.syncAt = time.Time{} // propose the span again at once
	} else {
		p.syncAt = now.Add(p.cfg.OracleRecheck)
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
		rec, err := encodeRecord(&onL1RLP{L2Hash: r.prop.L2BlockHash, OnL1: OnL1{OutputIndex: r.res.OutputIndex, L1BlockNumber: r.res.L1BlockNumber, L1TxHash: r.res.L1TxHash}})
		if err != nil {
			return err
		}
		if err := batch.Set(numKey('l', r.prop.L2BlockNumber), rec, nil); err != nil {
			return err
		}
	}
	if err := batch.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("derivation: record proposal: %w", err)
	}
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
