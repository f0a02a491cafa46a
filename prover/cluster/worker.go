package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/log"
	"github.com/ethereum/go-ethereum/metrics"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/zkexex/zkexex/prover/prove"
	"github.com/zkexex/zkexex/prover/recursion"
	"github.com/zkexex/zkexex/prover/rv64"
	"github.com/zkexex/zkexex/prover/vm"
)

// WorkerConfig configures a worker.
type WorkerConfig struct {
	// Name identifies the worker in results, logs and metrics (default: host-pid).
	Name string
	// Workers is the number of tasks proven at once (default 1): each holds a segment's or a
	// recursion program's traces.
	Workers int
	Queue   QueueConfig
	Logger  log.Logger

	// mangle, set by tests only, rewrites an output before it is stored: a faulty worker.
	mangle func(k TaskKind, out int, b []byte) []byte
	// before, set by tests only, runs before a task is proven; an error fails the task.
	before func(ctx context.Context, t *Task) error
}

// Worker pulls tasks from the queue and proves them. Any number of them, on any machine, share
// the queue; a task is delivered to one at a time.
type Worker struct {
	cfg  WorkerConfig
	st   *store
	log  log.Logger
	name string

	mu        sync.Mutex
	aggs      map[string]*recursion.Aggregator // by key set name
	running   map[string]map[*int]context.CancelFunc
	cancelled map[string]time.Time // runs cancelled recently
}

var (
	workerTasks  = metrics.GetOrRegisterMeter("zkexex/cluster/worker/tasks", nil)
	workerFailed = metrics.GetOrRegisterCounter("zkexex/cluster/worker/failed", nil)
	workerCached = metrics.GetOrRegisterCounter("zkexex/cluster/worker/cached", nil)
	workerBusy   = metrics.GetOrRegisterGauge("zkexex/cluster/worker/inflight", nil)
)

// NewWorker connects a worker to the queue on nc (creating the streams if it comes first).
func NewWorker(ctx context.Context, nc *nats.Conn, cfg WorkerConfig) (*Worker, error) {
	if cfg.Name == "" {
		host, _ := os.Hostname()
		cfg.Name = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if !validWorkerName(cfg.Name) {
		return nil, fmt.Errorf("cluster: worker name %q: letters, digits, '-', '_' and '.' only", cfg.Name)
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 1
	}
	if cfg.Logger == nil {
		cfg.Logger = log.Root()
	}
	st, err := openStore(ctx, nc, cfg.Queue, false)
	if err != nil {
		return nil, err
	}
	return &Worker{
		cfg: cfg, st: st, name: cfg.Name, log: cfg.Logger.New("worker", cfg.Name),
		aggs: map[string]*recursion.Aggregator{}, running: map[string]map[*int]context.CancelFunc{}, cancelled: map[string]time.Time{},
	}, nil
}

// Name is the worker's name.
func (w *Worker) Name() string { return w.name }

// Run proves tasks until ctx ends. A task in flight when it ends goes back to the queue.
func (w *Worker) Run(ctx context.Context) error {
	sub, err := w.st.nc.Subscribe(cancelSubject+"*", func(m *nats.Msg) {
		w.cancelRun(m.Subject[len(cancelSubject):])
	})
	if err != nil {
		return fmt.Errorf("cluster: subscribing to cancellations: %w", err)
	}
	defer sub.Unsubscribe() //nolint:errcheck // the connection's owner closes it anyway
	cons, err := w.st.tasks.Consumer(ctx, workerConsumer)
	if err != nil {
		return fmt.Errorf("cluster: task consumer: %w", err)
	}
	// The coordinator may have changed the policy since NewWorker.
	w.st.queue.AckWait, w.st.queue.MaxDeliver = cons.CachedInfo().Config.AckWait, cons.CachedInfo().Config.MaxDeliver
	maxDeliver := w.st.queue.MaxDeliver
	w.log.Info("Cluster worker started", "tasks", w.cfg.Workers, "ackWait", w.st.queue.AckWait, "maxDeliver", maxDeliver)
	var wg sync.WaitGroup
	for range w.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				msg, err := cons.Next(jetstream.FetchMaxWait(2 * time.Second))
				if err != nil {
					if !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
						w.log.Debug("Waiting for tasks", "err", err)
						select {
						case <-ctx.Done():
						case <-time.After(250 * time.Millisecond):
						}
					}
					continue
				}
				w.handle(ctx, msg, maxDeliver)
			}
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// cancelRun aborts the run's tasks in flight and refuses its queued ones for a while.
func (w *Worker) cancelRun(run string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := time.Now()
	for r, t := range w.cancelled {
		if now.Sub(t) > resultTTL {
			delete(w.cancelled, r)
		}
	}
	w.cancelled[run] = now
	for _, cancel := range w.running[run] {
		cancel()
	}
}

// track registers a task of run in flight; it returns false for a cancelled run.
func (w *Worker) track(run string, cancel context.CancelFunc) (untrack func(), ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, gone := w.cancelled[run]; gone {
		return nil, false
	}
	key := new(int)
	if w.running[run] == nil {
		w.running[run] = map[*int]context.CancelFunc{}
	}
	w.running[run][key] = cancel
	return func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		delete(w.running[run], key)
		if len(w.running[run]) == 0 {
			delete(w.running, run)
		}
	}, true
}

func (w *Worker) handle(ctx context.Context, msg jetstream.Msg, maxDeliver int) {
	meta, err := msg.Metadata()
	if err != nil {
		w.log.Warn("Task without metadata", "err", err)
		msg.Term() //nolint:errcheck // best effort: it is redelivered otherwise
		return
	}
	t, err := DecodeTask(msg.Data())
	if err != nil {
		// No worker can do anything with it: terminate it rather than redeliver it.
		w.log.Error("Dropping malformed task", "seq", meta.Sequence.Stream, "err", err)
		msg.Term() //nolint:errcheck
		return
	}
	if slices.Contains(t.Avoid, w.name) {
		// The coordinator rejected this worker's result for this task: leave it to the others.
		// A Nak would spend one of the task's deliveries each time this worker pulls it (and
		// kill it after MaxDeliver pulls); a copy at the back of the queue spends none.
		select {
		case <-ctx.Done():
			msg.Nak() //nolint:errcheck
			return
		case <-time.After(time.Second):
		}
		if err := w.st.publish(ctx, msg.Subject(), msg.Data()); err != nil {
			msg.NakWithDelay(time.Second) //nolint:errcheck
			return
		}
		msg.Ack() //nolint:errcheck // a lost ack leaves a duplicate, whose result is ignored
		return
	}
	tctx, cancel := context.WithCancel(ctx)
	defer cancel()
	untrack, ok := w.track(t.Run, cancel)
	if !ok {
		msg.Term() //nolint:errcheck
		return
	}
	defer untrack()
	workerBusy.Inc(1)
	defer workerBusy.Dec(1)

	// Heartbeats keep the task ours while a long proof runs; a dead worker stops sending them
	// and the task is redelivered after AckWait.
	beat := make(chan struct{})
	go func() {
		tick := time.NewTicker(max(w.st.queue.AckWait/3, 10*time.Millisecond))
		defer tick.Stop()
		for {
			select {
			case <-beat:
				return
			case <-tick.C:
				msg.InProgress() //nolint:errcheck // a missed beat only risks a redelivery
			}
		}
	}()
	start := time.Now()
	res := Result{Run: t.Run, Task: t.ID(), Attempt: t.Attempt, Worker: w.name, Delivered: int(meta.NumDelivered), QueuedMs: max(start.Sub(meta.Timestamp).Milliseconds(), 0)}
	st, err := w.prove(tctx, t)
	close(beat)
	res.Millis, res.ProveMs, res.Bytes, res.Cached = time.Since(start).Milliseconds(), st.prove.Milliseconds(), st.bytes, st.cached
	switch {
	case ctx.Err() != nil:
		// Shutting down: the task goes back to the queue at once.
		msg.Nak() //nolint:errcheck
		return
	case tctx.Err() != nil:
		w.log.Info("Abandoned task of a cancelled run", "task", t)
		msg.Term() //nolint:errcheck
		return
	case err != nil:
		workerFailed.Inc(1)
		res.Err, res.Final = err.Error(), maxDeliver > 0 && int(meta.NumDelivered) >= maxDeliver
		w.log.Warn("Task failed", "task", t, "delivery", meta.NumDelivered, "final", res.Final, "err", err)
	default:
		workerTasks.Mark(1)
		if st.cached {
			workerCached.Inc(1)
		}
		w.log.Info("Task proven", "task", t, "cached", st.cached, "elapsed", time.Since(start).Round(time.Millisecond))
	}
	enc, err := encodeMsg(&res)
	if err == nil {
		err = w.st.publish(ctx, resultSubject+t.Run, enc)
	}
	if err != nil {
		w.log.Warn("Could not report a result; the task will be redelivered", "task", t, "err", err)
		msg.Nak() //nolint:errcheck
		return
	}
	switch {
	case res.Err == "":
		// The result is on disk before the task leaves the queue: a crash in between re-runs
		// the task, which finds its outputs stored and reports them again.
		if err := msg.DoubleAck(ctx); err != nil {
			w.log.Debug("Ack lost; the task will be redelivered", "task", t, "err", err)
		}
	case res.Final:
		msg.Term() //nolint:errcheck
	default:
		msg.NakWithDelay(time.Duration(meta.NumDelivered) * time.Second) //nolint:errcheck
	}
}

type taskStats struct {
	cached bool
	prove  time.Duration
	bytes  int64
}

// prove runs a task: fetches its inputs, proves, stores its outputs. A task whose outputs all
// exist (an earlier delivery stored them) is not proven again.
func (w *Worker) prove(ctx context.Context, t *Task) (taskStats, error) {
	var st taskStats
	if w.cfg.before != nil {
		if err := w.cfg.before(ctx, t); err != nil {
			return st, err
		}
	}
	agg, err := w.aggregator(ctx, t.KeySet)
	if err != nil {
		return st, err
	}
	have := 0
	for _, o := range t.Outputs {
		ok, err := w.st.hasBlob(ctx, o)
		if err != nil {
			return st, err
		}
		if ok {
			have++
		}
	}
	if have == len(t.Outputs) {
		st.cached = true
		return st, nil
	}
	inputs := make([][]byte, len(t.Inputs))
	for i, name := range t.Inputs {
		if inputs[i], err = w.st.getBlob(ctx, name); err != nil {
			return st, fmt.Errorf("input %s: %w", name, err)
		}
		st.bytes += int64(len(inputs[i]))
	}
	start := time.Now()
	outs, err := proveTask(ctx, agg, t.Kind, inputs)
	st.prove = time.Since(start)
	if err != nil {
		return st, err
	}
	for i, b := range outs {
		if w.cfg.mangle != nil {
			b = w.cfg.mangle(t.Kind, i, b)
		}
		if _, err := w.st.putBlob(ctx, t.Outputs[i], b); err != nil {
			return st, fmt.Errorf("output %s: %w", t.Outputs[i], err)
		}
		st.bytes += int64(len(b))
	}
	return st, nil
}

// proveTask is the proving a task stands for, on its inputs' bytes: exactly what the local
// prover (prove.Aggregate) does for the same node of the run.
func proveTask(ctx context.Context, agg *recursion.Aggregator, k TaskKind, in [][]byte) ([][]byte, error) {
	switch k {
	case TaskSegment:
		seg, err := vm.DecodeSegment(in[0])
		if err != nil {
			return nil, err
		}
		_, lift, err := prove.Lift(ctx, seg, agg.Set().SegmentParams, agg)
		if err != nil {
			return nil, err
		}
		lb, err := encodeProof(lift)
		return [][]byte{lb}, err
	case TaskJoin, TaskShrink:
		ps := make([]*recursion.Proof, len(in))
		for i, b := range in {
			var err error
			if ps[i], err = decodeProof(b); err != nil {
				return nil, err
			}
		}
		var p *recursion.Proof
		var err error
		if k == TaskJoin {
			p, err = agg.Join(ctx, ps[0], ps[1])
		} else {
			p, err = agg.Shrink(ctx, ps[0])
		}
		if err != nil {
			return nil, err
		}
		b, err := encodeProof(p)
		return [][]byte{b}, err
	}
	return nil, fmt.Errorf("%w: task kind %d", ErrMessage, k)
}

// aggregator returns the aggregator of the key set stored under name, loading it on first use.
// The programs compile on their first proof (seconds), once per worker.
func (w *Worker) aggregator(ctx context.Context, name string) (*recursion.Aggregator, error) {
	w.mu.Lock()
	agg := w.aggs[name]
	w.mu.Unlock()
	if agg != nil {
		return agg, nil
	}
	b, err := w.st.getBlob(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("key set %s: %w", name, err)
	}
	if keySetName(b) != name {
		return nil, fmt.Errorf("%w: key set object %s does not match its name", ErrMessage, name)
	}
	set, err := decodeKeySet(b)
	if err != nil {
		return nil, err
	}
	segPK, err := rv64.ProvingKey(set.SegmentParams)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if agg = w.aggs[name]; agg == nil {
		agg = recursion.NewAggregator(set, segPK.VerifyingKey())
		w.aggs[name] = agg
	}
	return agg, nil
}
