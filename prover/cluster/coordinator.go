package cluster

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/log"
	"github.com/ethereum/go-ethereum/metrics"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/pool"
	"github.com/zkexex/zkexex/prover/prove"
	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/prover/recursion"
	"github.com/zkexex/zkexex/prover/rv64"
	"github.com/zkexex/zkexex/prover/vm"
)

// Errors of a coordinated run.
var (
	// ErrTaskFailed: a task failed on every delivery, or every re-run of it was rejected.
	ErrTaskFailed = errors.New("cluster: task failed")
	// ErrRejected: a worker's result did not verify (wrapped in the rejection's log and, after
	// the last attempt, in ErrTaskFailed).
	ErrRejected = errors.New("cluster: worker result rejected")
)

// TaskError says which task of a run failed and why.
type TaskError struct {
	Task   string // Task.String
	Worker string // the last worker that failed it ("" when none reported: lost mid-task)
	Reason string
}

func (e *TaskError) Error() string {
	w := e.Worker
	if w == "" {
		w = "no worker reported"
	}
	return fmt.Sprintf("%v: %s (%s): %s", ErrTaskFailed, e.Task, w, e.Reason)
}

func (e *TaskError) Unwrap() error { return ErrTaskFailed }

// Config configures a coordinator.
type Config struct {
	Queue QueueConfig
	// MaxAttempts bounds the re-runs of a task whose results are rejected (default 4).
	MaxAttempts int
	// KeepObjects keeps a finished run's blobs for blobTTL (to inspect them, or for a later run
	// of the same segments to find them stored); by default they are deleted when the run ends.
	// A cancelled run's are deleted regardless.
	KeepObjects bool
	// ProgressEvery is the period of the progress log line (default 10s).
	ProgressEvery time.Duration
	Logger        log.Logger
}

// Prover proves runs through the cluster: it executes the run itself, hands the segment, join
// and shrink tasks to the workers, verifies every proof they return, and assembles the
// succinct receipt prove.Succinct would make.
type Prover struct {
	st     *store
	set    *recursion.VKSet
	cfg    Config
	log    log.Logger
	ksName string
	ksEnc  []byte
	root   hash.Digest

	mu    sync.Mutex
	stats Stats
}

// Stats describe a run: what was proven, by whom, and what went wrong.
type Stats struct {
	Segments, Joins int
	Tasks           int            // verified results, the shrink included
	Cached          int            // results of tasks whose outputs already existed
	Retries         int            // tasks re-run after a rejected result
	Redelivered     int            // results of a task's second or later delivery
	ByWorker        map[string]int // verified results per worker
	Rejected        map[string]int // rejected results per worker
	Failures        map[string]int // failures workers reported
	Elapsed         time.Duration
	// Overhead is the time tasks spent neither queued for a worker nor proving: messaging, blob
	// transfers, the coordinator's verification. Verify is the verification's share.
	Overhead, Verify time.Duration
	BytesMoved       int64 // blob bytes in and out of the store, workers' and the coordinator's
}

var (
	mQueue       = metrics.GetOrRegisterGauge("zkexex/cluster/queue", nil)
	mInflight    = metrics.GetOrRegisterGauge("zkexex/cluster/inflight", nil)
	mTasks       = metrics.GetOrRegisterMeter("zkexex/cluster/tasks", nil)
	mRetries     = metrics.GetOrRegisterCounter("zkexex/cluster/retries", nil)
	mRejected    = metrics.GetOrRegisterCounter("zkexex/cluster/rejected", nil)
	mRedelivered = metrics.GetOrRegisterCounter("zkexex/cluster/redelivered", nil)
	mDead        = metrics.GetOrRegisterCounter("zkexex/cluster/dead", nil)
	mOverhead    = metrics.GetOrRegisterTimer("zkexex/cluster/overhead", nil)
)

// NewProver coordinates proofs for the key set on nc. Workers need no configuration: each run
// stores the set in the blob store and names it in every task.
func NewProver(ctx context.Context, nc *nats.Conn, set *recursion.VKSet, cfg Config) (*Prover, error) {
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 4
	}
	if cfg.ProgressEvery <= 0 {
		cfg.ProgressEvery = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = log.Root()
	}
	root, err := set.Root()
	if err != nil {
		return nil, err
	}
	enc, err := encodeKeySet(set)
	if err != nil {
		return nil, err
	}
	st, err := openStore(ctx, nc, cfg.Queue, true)
	if err != nil {
		return nil, err
	}
	return &Prover{st: st, set: set, cfg: cfg, log: cfg.Logger, ksName: keySetName(enc), ksEnc: enc, root: root}, nil
}

// Stats are the statistics of the last run that finished.
func (p *Prover) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.stats
	s.ByWorker, s.Rejected, s.Failures = maps.Clone(s.ByWorker), maps.Clone(s.Rejected), maps.Clone(s.Failures)
	return s
}

// Succinct proves the run (prove.Options' Po2, MaxCycles and Progress, called as segments are
// emitted and verified; Workers and Params are the cluster's) into its succinct receipt, the
// one prove.Succinct makes with the same key set. Cancelling ctx drops the run: its queued
// tasks and its objects are purged and workers abandon its tasks in flight.
func (p *Prover) Succinct(ctx context.Context, img *vm.Image, prog *vm.Program, input []byte, opts prove.Options) (*receipt.SuccinctReceipt, *vm.Result, error) {
	r, err := p.newRun()
	if err != nil {
		return nil, nil, err
	}
	n, res, err := r.finish(r.prove(ctx, img, prog, input, opts))
	if err != nil {
		return nil, nil, err
	}
	first, last := r.claims[0], r.claims[r.n-1]
	rc, err := recursion.Succinct(n.proof, &first, &last, res.Journal)
	if err != nil {
		return nil, nil, err
	}
	return rc, res, nil
}

// Aggregate proves the run as Succinct does but stops at the root of its join tree: the
// aggregation proof prove.Aggregate makes with the same key set, before any shrink (a span
// seals and chains its blocks' roots). The root is verified, as every proof of the run.
func (p *Prover) Aggregate(ctx context.Context, img *vm.Image, prog *vm.Program, input []byte, opts prove.Options) (*prove.Aggregated, *vm.Result, error) {
	r, err := p.newRun()
	if err != nil {
		return nil, nil, err
	}
	r.rootOnly = true
	n, res, err := r.finish(r.prove(ctx, img, prog, input, opts))
	if err != nil {
		return nil, nil, err
	}
	return &prove.Aggregated{Proof: n.proof, First: r.claims[0], Last: r.claims[r.n-1], Journal: res.Journal}, res, nil
}

func (p *Prover) newRun() (*run, error) {
	var id [runIDLen / 2]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, err
	}
	r := &run{p: p, id: hex.EncodeToString(id[:]), n: -1, tasks: map[string]*pending{}, start: time.Now(),
		stats: Stats{ByWorker: map[string]int{}, Rejected: map[string]int{}, Failures: map[string]int{}}}
	r.log = p.log.New("run", r.id[:8])
	return r, nil
}

// finish records the run's statistics once it has ended.
func (r *run) finish(n *node, err error) (*node, *vm.Result, error) {
	r.stats.Elapsed = time.Since(r.start)
	r.p.mu.Lock()
	r.p.stats = r.stats
	r.p.mu.Unlock()
	if err != nil {
		return nil, nil, err
	}
	return n, r.res, nil
}

// pending is a task handed out and the proof the coordinator expects back.
type pending struct {
	task     Task
	cycles   uint64        // a segment task's cycles
	claim    []recursion.F // the lift's, join's or shrink's claim
	sent     time.Time
	lastErr  string
	lastFrom string
	checking bool // a result is being verified
}

// checked is a result verified off the run's loop.
type checked struct {
	pt    *pending
	res   *Result
	node  *node
	bytes int64
	took  time.Duration
	err   error
}

type run struct {
	p     *Prover
	id    string
	log   log.Logger
	start time.Time

	tasks map[string]*pending // by Task.ID, until verified
	// Verification runs on up to GOMAXPROCS goroutines (a lift or join check is tens of ms):
	// the loop only hands results out and takes the verdicts back.
	checks   chan checked
	checkers chan struct{}
	tree     tree
	claims   []receipt.SegmentClaim
	chunks   [][]byte
	n        int  // segments, once executed (-1 before)
	shrunk   bool // the shrink task is out
	// rootOnly ends the run at the root of the join tree (Aggregate), without the shrink.
	rootOnly bool
	// objects are the blobs the run stored or asked for, deleted when it ends (cleanup).
	objects []string
	// proven and provenCycles count the verified segments, for opts.Progress.
	proven       int
	provenCycles uint64
	onProgress   func(pool.Progress)
	res          *vm.Result
	stats        Stats
}

type segEvent struct {
	claim  receipt.SegmentClaim
	chunk  []byte
	name   string
	cycles uint64
}

type execEvent struct {
	res *vm.Result
	err error
}

// prove runs the coordination loop until the last proof of the run is verified: the shrink's
// (its node holds the proof), or, for rootOnly, the root's.
func (r *run) prove(ctx context.Context, img *vm.Image, prog *vm.Program, input []byte, opts prove.Options) (*node, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer func() { r.cleanup(ctx.Err() != nil) }()

	// Every run makes sure the key set is stored: blobs expire (blobTTL), a Prover lives on.
	if _, err := r.p.st.putBlob(ctx, r.p.ksName, r.p.ksEnc); err != nil {
		return nil, fmt.Errorf("cluster: publishing the key set: %w", err)
	}
	results, stopResults, err := r.results(ctx)
	if err != nil {
		return nil, err
	}
	defer stopResults()
	dead := make(chan *Task, 16)
	sub, err := r.p.st.nc.Subscribe(fmt.Sprintf("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.%s.%s", taskStream, workerConsumer), func(m *nats.Msg) {
		r.deadLetter(ctx, m.Data, dead)
	})
	if err != nil {
		return nil, fmt.Errorf("cluster: dead-letter advisories: %w", err)
	}
	defer sub.Unsubscribe() //nolint:errcheck

	segs := make(chan segEvent, 64)
	execDone := make(chan execEvent, 1)
	go func() {
		res, err := vm.ExecuteImage(ctx, img, prog, vm.Config{Po2: opts.Po2, MaxCycles: opts.MaxCycles, Stdin: input, OnSegment: func(seg *vm.Segment) error {
			rec, err := seg.MarshalBinary()
			if err != nil {
				return err
			}
			name := objectName("seg", rec)
			if _, err := r.p.st.putBlob(ctx, name, rec); err != nil {
				return fmt.Errorf("storing segment %d: %w", seg.Index, err)
			}
			select {
			case segs <- segEvent{claim: receipt.ClaimOf(seg), chunk: receipt.JournalOf(seg), name: name, cycles: seg.Cycles()}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}})
		execDone <- execEvent{res, err}
	}()

	r.checks, r.checkers = make(chan checked), make(chan struct{}, runtime.GOMAXPROCS(0))
	r.onProgress = opts.Progress
	progress := time.NewTicker(r.p.cfg.ProgressEvery)
	defer progress.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case ev := <-segs:
			if err := r.addSegment(ctx, ev); err != nil {
				return nil, err
			}
		case ev := <-execDone:
			if ev.err != nil {
				return nil, ev.err
			}
			// Segments sent before the executor returned are all in segs already.
			for len(segs) > 0 {
				if err := r.addSegment(ctx, <-segs); err != nil {
					return nil, err
				}
			}
			if err := r.executed(ev.res); err != nil {
				return nil, err
			}
			execDone = nil
			if n, err := r.advance(ctx); n != nil || err != nil {
				return n, err
			}
		case res := <-results:
			if err := r.result(ctx, res); err != nil {
				return nil, err
			}
		case c := <-r.checks:
			if n, err := r.checked(ctx, c); n != nil || err != nil {
				return n, err
			}
		case t := <-dead:
			pt := r.tasks[t.ID()]
			if pt == nil || pt.task.Attempt != t.Attempt {
				continue
			}
			mDead.Inc(1)
			reason := pt.lastErr
			if reason == "" {
				reason = fmt.Sprintf("delivered %d times, no worker finished it", r.p.st.queue.MaxDeliver)
			}
			return nil, &TaskError{Task: t.String(), Worker: pt.lastFrom, Reason: reason}
		case <-progress.C:
			r.progress(ctx)
		}
	}
}

// results follows the run's result subject through a durable consumer: results published
// while the coordinator is disconnected wait for it.
func (r *run) results(ctx context.Context) (<-chan *Result, func(), error) {
	var cons jetstream.Consumer
	err := retry(ctx, func(ctx context.Context) error {
		var err error
		cons, err = r.p.st.js.CreateOrUpdateConsumer(ctx, resultStream, jetstream.ConsumerConfig{
			Durable: "run-" + r.id, FilterSubject: resultSubject + r.id, AckPolicy: jetstream.AckExplicitPolicy,
			InactiveThreshold: 10 * time.Minute,
		})
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("cluster: result consumer: %w", err)
	}
	it, err := cons.Messages()
	if err != nil {
		return nil, nil, fmt.Errorf("cluster: result consumer: %w", err)
	}
	out := make(chan *Result, 64)
	go func() {
		for {
			m, err := it.Next()
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return
			}
			if err != nil {
				r.log.Debug("Waiting for results", "err", err)
				continue
			}
			m.Ack() //nolint:errcheck // a redelivered result is ignored as stale
			res, err := DecodeResult(m.Data())
			if err != nil || res.Run != r.id {
				r.log.Warn("Ignoring a malformed result", "err", err)
				continue
			}
			select {
			case out <- res:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, it.Stop, nil
}

// deadLetter reads the task of a max-deliveries advisory and removes it from the stream: a
// task every delivery of which was lost (its workers died) blocks nothing after that.
func (r *run) deadLetter(ctx context.Context, data []byte, out chan<- *Task) {
	var adv struct {
		StreamSeq uint64 `json:"stream_seq"`
	}
	if err := json.Unmarshal(data, &adv); err != nil {
		return
	}
	msg, err := r.p.st.tasks.GetMsg(ctx, adv.StreamSeq)
	if err != nil {
		return
	}
	t, err := DecodeTask(msg.Data)
	if err != nil || t.Run != r.id {
		return
	}
	r.p.st.tasks.DeleteMsg(ctx, adv.StreamSeq) //nolint:errcheck // gone already is fine
	select {
	case out <- t:
	case <-ctx.Done():
	}
}

func (r *run) addSegment(ctx context.Context, ev segEvent) error {
	if int(ev.claim.Index) != len(r.claims) {
		return fmt.Errorf("%w: segment %d emitted after %d", receipt.ErrSegmentIndex, ev.claim.Index, len(r.claims))
	}
	r.claims = append(r.claims, ev.claim)
	r.chunks = append(r.chunks, ev.chunk)
	r.objects = append(r.objects, ev.name)
	in := []string{ev.name}
	t := Task{Run: r.id, Kind: TaskSegment, KeySet: r.p.ksName, Index: int(ev.claim.Index), Inputs: in, Outputs: outputNames(TaskSegment, r.p.ksName, in...)}
	c := ev.claim
	if err := r.send(ctx, &pending{task: t, cycles: ev.cycles, claim: r.liftClaim(&c)}); err != nil {
		return err
	}
	r.report()
	return nil
}

// liftClaim is the claim of a segment's lift.
func (r *run) liftClaim(c *receipt.SegmentClaim) []recursion.F {
	return recursion.LiftClaim(r.p.root, rv64.PublicValues(c))
}

func (r *run) send(ctx context.Context, pt *pending) error {
	enc, err := encodeMsg(&pt.task)
	if err != nil {
		return err
	}
	if err := r.p.st.publish(ctx, taskSubject+r.id, enc); err != nil {
		return fmt.Errorf("cluster: queueing %s: %w", &pt.task, err)
	}
	pt.sent = time.Now()
	if pt.task.Attempt == 0 {
		r.objects = append(r.objects, pt.task.Outputs...)
	}
	r.tasks[pt.task.ID()] = pt
	mInflight.Update(int64(len(r.tasks)))
	return nil
}

// executed records the end of the execution: the segment count, and the checks prove.Aggregate
// makes before joining (continuity of the claims, the journal).
func (r *run) executed(res *vm.Result) error {
	if len(r.claims) == 0 || len(r.claims) != res.Segments {
		return fmt.Errorf("%w: %d segments emitted, %d run", receipt.ErrSegmentIndex, len(r.claims), res.Segments)
	}
	segs := make([]receipt.SegmentReceipt, len(r.claims))
	for i := range segs {
		segs[i].Claim = r.claims[i]
	}
	comp, err := receipt.NewComposite(segs, r.chunks)
	if err != nil {
		return err
	}
	// The claims' chain (continuity, image, the journal's chunks); the segments' proofs are
	// the lifts', verified as they come back.
	if err := comp.Verify(res.ImageID, sealsVerified{}); err != nil {
		return err
	}
	if !bytes.Equal(comp.Journal, res.Journal) {
		return fmt.Errorf("%w: %d bytes in segments, %d in the run", prove.ErrJournal, len(comp.Journal), len(res.Journal))
	}
	r.n, r.res = len(r.claims), res
	r.stats.Segments = r.n
	r.report()
	r.log.Info("Run executed", "segments", r.n, "cycles", res.Cycles, "exit", res.ExitCode)
	return nil
}

// sealsVerified stands for the lifts' checks: each proves its segment's proof verifies.
type sealsVerified struct{}

func (sealsVerified) VerifySeal(*receipt.SegmentClaim, []byte) error { return nil }

// result handles a worker's result: a failure is recorded (JetStream redelivers the task), a
// success goes to be verified.
func (r *run) result(ctx context.Context, res *Result) error {
	pt := r.tasks[res.Task]
	if pt == nil || pt.task.Attempt != res.Attempt || pt.checking {
		return nil // a duplicate, or a result of an attempt already rejected
	}
	if res.Delivered > 1 {
		r.stats.Redelivered++
		mRedelivered.Inc(1)
	}
	if res.Err != "" {
		r.stats.Failures[res.Worker]++
		pt.lastErr, pt.lastFrom = res.Err, res.Worker
		r.log.Warn("Worker failed a task", "task", &pt.task, "worker", res.Worker, "delivery", res.Delivered, "err", res.Err)
		if res.Final {
			mDead.Inc(1)
			return &TaskError{Task: pt.task.String(), Worker: res.Worker, Reason: res.Err}
		}
		return nil
	}
	pt.checking = true
	go func() {
		// The slot is taken and given back here, never by the loop, which must stay free to
		// take verdicts.
		select {
		case r.checkers <- struct{}{}:
		case <-ctx.Done():
			return
		}
		start := time.Now()
		n, bytes, err := r.verify(ctx, pt)
		<-r.checkers
		select {
		case r.checks <- checked{pt: pt, res: res, node: n, bytes: bytes, took: time.Since(start), err: err}:
		case <-ctx.Done():
		}
	}()
	return nil
}

// checked takes a verdict: a rejected result re-runs the task, a verified proof goes into the
// tree.
func (r *run) checked(ctx context.Context, c checked) (*node, error) {
	pt, res, n := c.pt, c.res, c.node
	pt.checking = false
	r.stats.BytesMoved += c.bytes
	if r.tasks[res.Task] != pt {
		return nil, nil
	}
	if c.err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, r.reject(ctx, pt, res, c.err)
	}
	verify := c.took
	delete(r.tasks, res.Task)
	mInflight.Update(int64(len(r.tasks)))
	mTasks.Mark(1)
	metrics.GetOrRegisterMeter("zkexex/cluster/worker/"+res.Worker+"/tasks", nil).Mark(1)
	r.stats.Tasks++
	r.stats.ByWorker[res.Worker]++
	r.stats.BytesMoved += res.Bytes
	if res.Cached {
		r.stats.Cached++
	}
	overhead := max(time.Since(pt.sent)-time.Duration(res.QueuedMs+res.ProveMs)*time.Millisecond, 0)
	r.stats.Overhead += overhead
	r.stats.Verify += verify
	mOverhead.Update(overhead)

	t := &pt.task
	switch t.Kind {
	case TaskSegment:
		r.tree.put(0, t.Index, n)
		r.proven++
		r.provenCycles += pt.cycles
		r.report()
	case TaskJoin:
		r.stats.Joins++
		r.tree.put(t.Level, t.Index, n)
	case TaskShrink:
		r.proved()
		return n, nil
	}
	return r.advance(ctx)
}

func (r *run) proved() {
	r.log.Info("Run proven", "segments", r.n, "tasks", r.stats.Tasks, "retries", r.stats.Retries, "rootOnly", r.rootOnly, "elapsed", time.Since(r.start).Round(time.Millisecond))
}

// advance releases the joins whose children are verified and, once the root is, the shrink
// (rootOnly: it returns the root, its proof read back).
func (r *run) advance(ctx context.Context) (*node, error) {
	joins, root := r.tree.advance(r.n)
	for _, up := range joins {
		l, rt := r.tree.get(up[0]-1, 2*up[1]), r.tree.get(up[0]-1, 2*up[1]+1)
		claim, err := recursion.JoinClaim(l.claim, rt.claim)
		if err != nil {
			return nil, err
		}
		in := []string{l.name, rt.name}
		t := Task{Run: r.id, Kind: TaskJoin, KeySet: r.p.ksName, Level: up[0], Index: up[1], Inputs: in, Outputs: outputNames(TaskJoin, r.p.ksName, in...)}
		if err := r.send(ctx, &pending{task: t, claim: claim}); err != nil {
			return nil, err
		}
	}
	if root != nil && r.rootOnly {
		n, err := r.rootProof(ctx, root)
		if err == nil {
			r.proved()
		}
		return n, err
	}
	if root != nil && !r.shrunk {
		r.shrunk = true
		in := []string{root.name}
		t := Task{Run: r.id, Kind: TaskShrink, KeySet: r.p.ksName, Level: len(r.tree.levels), Inputs: in, Outputs: outputNames(TaskShrink, r.p.ksName, in...)}
		if err := r.send(ctx, &pending{task: t, claim: root.claim}); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// rootProof reads the verified root back from the store. The object could have been replaced
// since it was verified (the store is shared with the workers), so it is checked again: the
// claim the tree holds, under a key of the set. One proof per run: the coordinator keeps no
// proofs in memory until then.
func (r *run) rootProof(ctx context.Context, root *node) (*node, error) {
	b, err := r.p.st.getBlob(ctx, root.name)
	if err != nil {
		return nil, fmt.Errorf("cluster: reading the root %s: %w", root.name, err)
	}
	p, err := decodeProof(b)
	if err != nil {
		return nil, err
	}
	for i := range root.claim {
		if !p.Claim[i].Equal(&root.claim[i]) {
			return nil, fmt.Errorf("%w: the stored root's claim value %d changed after it was verified", ErrRejected, i)
		}
	}
	if err := r.p.set.Verify(p, verifierConfig(r.p.set)); err != nil {
		return nil, fmt.Errorf("%w: the stored root: %w", ErrRejected, err)
	}
	return &node{claim: root.claim, name: root.name, proof: p}, nil
}

// verify checks a task's outputs against what the coordinator expects: an aggregation proof of
// exactly the expected claim under a key of the set (the shrink: under the shrink key). A
// stored claim that differs is a wrong proof even if the proof verifies for it.
func (r *run) verify(ctx context.Context, pt *pending) (*node, int64, error) {
	var bytes int64
	t := &pt.task
	blobs := make([][]byte, len(t.Outputs))
	for i, name := range t.Outputs {
		b, err := r.p.st.getBlob(ctx, name)
		if err != nil {
			return nil, bytes, fmt.Errorf("output %s: %w", name, err)
		}
		bytes += int64(len(b))
		blobs[i] = b
	}
	n, err := r.check(pt, blobs)
	return n, bytes, err
}

// check verifies a task's outputs (verify).
func (r *run) check(pt *pending, blobs [][]byte) (*node, error) {
	t := &pt.task
	// A segment task's lift is all the coordinator checks of it: the lift program verifies a
	// segment proof whose public values are its claim's, and the expected lift claim holds the
	// public values of the segment the coordinator executed (rv64.PublicValues: every field of
	// the segment claim), so a lift that verifies with that claim proves a segment proof of
	// exactly that segment verifies. Checking the segment receipt as well doubled the
	// coordinator's verification and its share of the bandwidth for nothing (tamper_test.go:
	// a lift of another segment, a changed stored claim, a flipped or truncated seal are each
	// rejected).
	name := t.Outputs[len(t.Outputs)-1]
	p, err := decodeProof(blobs[len(blobs)-1])
	if err != nil {
		return nil, err
	}
	for i := range pt.claim {
		if !p.Claim[i].Equal(&pt.claim[i]) {
			return nil, fmt.Errorf("proof claim value %d is not the expected one", i)
		}
	}
	cfg := verifierConfig(r.p.set)
	if t.Kind == TaskShrink {
		err = r.p.set.VerifyShrunk(p, cfg)
	} else {
		err = r.p.set.Verify(p, cfg)
	}
	if err != nil {
		return nil, err
	}
	n := &node{claim: p.Claim, name: name}
	if t.Kind == TaskShrink {
		n.proof = p
	}
	return n, nil
}

// reject drops a result that did not verify: its objects are deleted (their names would serve
// them again) and the task re-runs, on another worker if there is one. A cached result's
// outputs were stored by someone else (a faulty worker of an earlier, abandoned run): they are
// dropped without blaming the worker that found them.
func (r *run) reject(ctx context.Context, pt *pending, res *Result, why error) error {
	mRejected.Inc(1)
	if res.Cached {
		r.log.Error("Rejected stored outputs", "task", &pt.task, "err", why)
	} else {
		r.stats.Rejected[res.Worker]++
		metrics.GetOrRegisterCounter("zkexex/cluster/worker/"+res.Worker+"/rejected", nil).Inc(1)
		r.log.Error("Rejected a worker's result", "task", &pt.task, "worker", res.Worker, "err", why)
	}
	pt.lastErr, pt.lastFrom = fmt.Sprintf("%v: %v", ErrRejected, why), res.Worker
	for _, o := range pt.task.Outputs {
		if err := r.p.st.deleteBlob(ctx, o); err != nil {
			return fmt.Errorf("cluster: deleting rejected output %s: %w", o, err)
		}
	}
	if pt.task.Attempt+1 >= r.p.cfg.MaxAttempts {
		return &TaskError{Task: pt.task.String(), Worker: res.Worker, Reason: pt.lastErr}
	}
	next := *pt
	next.task.Attempt++
	if !res.Cached && len(next.task.Avoid) < maxAvoid {
		next.task.Avoid = append(append([]string(nil), pt.task.Avoid...), res.Worker)
	}
	r.stats.Retries++
	mRetries.Inc(1)
	return r.send(ctx, &next)
}

// report gives opts.Progress the segments emitted and proven (verified), as prove.Run does.
func (r *run) report() {
	if r.onProgress != nil {
		r.onProgress(pool.Progress{Emitted: len(r.claims), Proven: r.proven, ProvenCycles: r.provenCycles, Done: r.n >= 0, Elapsed: time.Since(r.start)})
	}
}

// QueueState is the task queue as the coordinator sees it.
type QueueState struct {
	// Tasks counts the tasks in the queue by run ID: waiting, or delivered and not yet
	// acknowledged (a task leaves the work queue when its worker acknowledges it, or when its
	// run is purged).
	Tasks map[string]uint64
	// InFlight is the number of tasks delivered to a worker and not yet acknowledged.
	InFlight int
}

// Queue reads the task queue's state: what every run has queued, and what the workers hold.
func (p *Prover) Queue(ctx context.Context) (QueueState, error) {
	info, err := p.st.tasks.Info(ctx, jetstream.WithSubjectFilter(taskSubject+"*"))
	if err != nil {
		return QueueState{}, fmt.Errorf("cluster: task stream: %w", err)
	}
	q := QueueState{Tasks: make(map[string]uint64, len(info.State.Subjects))}
	for subj, n := range info.State.Subjects {
		q.Tasks[subj[len(taskSubject):]] = n
	}
	cons, err := p.st.tasks.Consumer(ctx, workerConsumer)
	if err != nil {
		return q, fmt.Errorf("cluster: task consumer: %w", err)
	}
	ci, err := cons.Info(ctx)
	if err != nil {
		return q, fmt.Errorf("cluster: task consumer: %w", err)
	}
	q.InFlight = ci.NumAckPending
	return q, nil
}

// progress logs and exports the queue's state: the run's tasks queued and held by workers, the
// results verified per worker (their throughput over the run), retries and redeliveries.
func (r *run) progress(ctx context.Context) {
	var queued uint64
	inflight := -1
	if q, err := r.p.Queue(ctx); err == nil {
		queued, inflight = q.Tasks[r.id], q.InFlight
		mQueue.Update(int64(queued))
	}
	total := 0
	if r.n >= 0 {
		total = 2*r.n - 1 // lifts and joins
		if !r.rootOnly {
			total++ // the shrink
		}
	}
	elapsed := time.Since(r.start)
	rejected := 0
	for _, n := range r.stats.Rejected {
		rejected += n
	}
	rates := make(map[string]string, len(r.stats.ByWorker))
	for w, n := range r.stats.ByWorker {
		rates[w] = fmt.Sprintf("%d (%.2f/s)", n, float64(n)/elapsed.Seconds())
	}
	r.log.Info("Cluster progress", "emitted", len(r.claims), "proven", r.stats.Tasks, "total", total, "pending", len(r.tasks),
		"queued", queued, "workersHold", inflight, "retries", r.stats.Retries, "rejected", rejected, "redelivered", r.stats.Redelivered,
		"byWorker", fmt.Sprint(rates), "elapsed", elapsed.Round(time.Second))
}

// cleanup drops what is left of the run: its queued tasks, its results and their consumer,
// through the cancel subject its tasks in flight on workers, and its blobs. The blobs are
// content addressed, so a run proving the same segments at the same time would share some, but
// the pipeline never proves a block twice at once, and a node proving one block after another
// cannot keep each block's gigabytes (at po2 20) for blobTTL. A coordinator that dies leaves
// them for blobTTL, and its re-run finds them stored. The key set stays: every run shares it.
func (r *run) cleanup(cancelled bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second+time.Duration(len(r.objects))*10*time.Millisecond)
	defer cancel()
	st := r.p.st
	if err := st.tasks.Purge(ctx, jetstream.WithPurgeSubject(taskSubject+r.id)); err != nil {
		r.log.Warn("Could not purge the run's tasks", "err", err)
	}
	if err := st.nc.Publish(cancelSubject+r.id, nil); err != nil {
		r.log.Warn("Could not cancel the run's tasks in flight", "err", err)
	}
	st.nc.Flush() //nolint:errcheck
	for _, o := range r.objects {
		if r.p.cfg.KeepObjects && !cancelled {
			break
		}
		if err := st.deleteBlob(ctx, o); err != nil {
			r.log.Warn("Could not delete the run's objects", "left", len(r.objects), "err", err)
			break
		}
	}
	if err := st.js.DeleteConsumer(ctx, resultStream, "run-"+r.id); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		r.log.Debug("Could not delete the result consumer", "err", err)
	}
	if s, err := st.js.Stream(ctx, resultStream); err == nil {
		s.Purge(ctx, jetstream.WithPurgeSubject(resultSubject+r.id)) //nolint:errcheck // they expire anyway
	}
	mInflight.Update(0)
}
