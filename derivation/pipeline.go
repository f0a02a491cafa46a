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

	oracle Oracle // Proposer as an Oracle, nil when it is not one

	// Owned by Run's goroutine: the view (filled by New), the scheduler (one per Run).
	view    canonicalView
	sch     *scheduler
	running sync.WaitGroup // Run calls, which Close waits for

	met struct {
		provenHead, viewHead, tail    *metrics.Gauge
		proven, retracted, proposals  *metrics.Counter
		pruned                        *metrics.Counter
		proveTime                     *metrics.Timer
		proveFailures, proposeFailure *metrics.Counter
	}
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
	p := &Pipeline{cfg: cfg, st: st, view: canonicalView{anchor: cfg.Anchor}}
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
		p.view.push(r.Hash)
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
		if n != p.provenHead+1 || pb.Hash != p.view.hash(n) {
			return fmt.Errorf("%w: proven block %d is not the view's next block", ErrCorruptRecord, n)
		}
		p.provenHead = n
		return nil
	})
	if err != nil {
		return err
	}
	if p.tail > p.cfg.Anchor.Number+1 && p.provenHead < p.tail {
		// Retention never prunes the proven head's span, so a tail needs entries above it.
		return fmt.Errorf("%w: proven tail %d with no proven block at or above it", ErrCorruptRecord, p.tail)
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
	p.viewHead = p.view.head()
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
// number when none); with an Oracle, the oracle's latest output as last read.
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
	p.sch = newScheduler(ctx)
	defer p.sch.stop()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if err := p.schedule(); err != nil {
			return err
		}
		timer.Reset(p.sch.wake(time.Now(), p.oracle != nil))
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
		case r := <-p.sch.proved:
			if err := p.onProved(r); err != nil {
				return err
			}
		case r := <-p.sch.posted:
			if err := p.onPosted(r); err != nil {
				return err
			}
		case <-timer.C:
			p.sch.expire(time.Now())
		}
	}
}

func (p *Pipeline) setProvenHead(n uint64) {
	p.mu.Lock()
	p.provenHead = n
	p.mu.Unlock()
	p.met.provenHead.Update(int64(n))
}
