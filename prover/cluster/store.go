package cluster

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// JetStream layout. Tasks are a work-queue stream (a message leaves it when a worker acks it),
// consumed by one durable consumer that every worker pulls from; results are a limits stream
// the coordinator reads through a durable consumer of its run; blobs are an object store.
const (
	taskStream     = "ZKEXEX_TASKS"
	taskSubject    = "zkexex.task."   // + run ID
	resultStream   = "ZKEXEX_RESULTS" // results of every run
	resultSubject  = "zkexex.result." // + run ID
	cancelSubject  = "zkexex.cancel." // + run ID (core NATS: workers abandon the run's tasks)
	workerConsumer = "zkexex-workers"
	blobBucket     = "zkexex-blobs"

	// blobTTL bounds how long blobs outlive a run that did not delete them (a coordinator
	// that died, Config.KeepObjects).
	blobTTL = 24 * time.Hour
	// resultTTL bounds how long results wait for a coordinator that went away.
	resultTTL = time.Hour
)

// QueueConfig is the task queue's delivery policy.
type QueueConfig struct {
	// AckWait is how long a task may go without a heartbeat before it is redelivered: workers
	// send one every AckWait/3 while they prove, so a worker that dies loses its task after
	// AckWait at most.
	AckWait time.Duration
	// MaxDeliver is how many times a task is delivered before it is dead.
	MaxDeliver int
}

func (q QueueConfig) withDefaults() QueueConfig {
	if q.AckWait <= 0 {
		q.AckWait = 30 * time.Second
	}
	if q.MaxDeliver <= 0 {
		q.MaxDeliver = 5
	}
	return q
}

// store is a connection's view of the layout.
type store struct {
	nc    *nats.Conn
	js    jetstream.JetStream
	tasks jetstream.Stream
	blobs jetstream.ObjectStore
	queue QueueConfig
}

// openStore creates (or updates to this build's configuration) the streams, the workers'
// consumer and the blob bucket. Both sides call it, so either may start first; the
// coordinator (owner) sets the queue's delivery policy, a worker only creates the consumer
// when there is none yet.
func openStore(ctx context.Context, nc *nats.Conn, q QueueConfig, owner bool) (*store, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	s := &store{nc: nc, js: js, queue: q.withDefaults()}
	err = retry(ctx, func(ctx context.Context) error {
		var err error
		s.tasks, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
			Name: taskStream, Subjects: []string{taskSubject + "*"},
			Retention: jetstream.WorkQueuePolicy, Storage: jetstream.FileStorage,
		})
		if err != nil {
			return fmt.Errorf("task stream: %w", err)
		}
		if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
			Name: resultStream, Subjects: []string{resultSubject + "*"},
			Retention: jetstream.LimitsPolicy, Storage: jetstream.FileStorage, MaxAge: resultTTL,
		}); err != nil {
			return fmt.Errorf("result stream: %w", err)
		}
		cc := jetstream.ConsumerConfig{
			Durable: workerConsumer, AckPolicy: jetstream.AckExplicitPolicy,
			AckWait: s.queue.AckWait, MaxDeliver: s.queue.MaxDeliver, MaxAckPending: -1,
		}
		var cons jetstream.Consumer
		if owner {
			cons, err = s.tasks.CreateOrUpdateConsumer(ctx, cc)
		} else if cons, err = s.tasks.Consumer(ctx, workerConsumer); errors.Is(err, jetstream.ErrConsumerNotFound) {
			cons, err = s.tasks.CreateConsumer(ctx, cc)
			if errors.Is(err, jetstream.ErrConsumerExists) {
				cons, err = s.tasks.Consumer(ctx, workerConsumer)
			}
		}
		if err != nil {
			return fmt.Errorf("worker consumer: %w", err)
		}
		// The policy in force is the consumer's, whoever set it.
		s.queue.AckWait, s.queue.MaxDeliver = cons.CachedInfo().Config.AckWait, cons.CachedInfo().Config.MaxDeliver
		s.blobs, err = js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
			Bucket: blobBucket, Storage: jetstream.FileStorage, TTL: blobTTL,
		})
		if err != nil {
			return fmt.Errorf("blob store: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cluster: setting up JetStream: %w", err)
	}
	return s, nil
}

// putBlob stores b under name unless an object of that name exists: names are derived from
// content, so the existing one is the same work. It reports whether it wrote.
func (s *store) putBlob(ctx context.Context, name string, b []byte) (bool, error) {
	wrote := false
	err := retry(ctx, func(ctx context.Context) error {
		if _, err := s.blobs.GetInfo(ctx, name); err == nil {
			return nil
		} else if !errors.Is(err, jetstream.ErrObjectNotFound) {
			return err
		}
		_, err := s.blobs.PutBytes(ctx, name, b)
		wrote = err == nil
		return err
	})
	return wrote, err
}

func (s *store) getBlob(ctx context.Context, name string) ([]byte, error) {
	var b []byte
	err := retry(ctx, func(ctx context.Context) error {
		var err error
		b, err = s.blobs.GetBytes(ctx, name)
		return err
	})
	return b, err
}

func (s *store) hasBlob(ctx context.Context, name string) (bool, error) {
	found := false
	err := retry(ctx, func(ctx context.Context) error {
		_, err := s.blobs.GetInfo(ctx, name)
		if errors.Is(err, jetstream.ErrObjectNotFound) {
			return nil
		}
		found = err == nil
		return err
	})
	return found, err
}

func (s *store) deleteBlob(ctx context.Context, name string) error {
	return retry(ctx, func(ctx context.Context) error {
		err := s.blobs.Delete(ctx, name)
		if errors.Is(err, jetstream.ErrObjectNotFound) {
			return nil
		}
		return err
	})
}

// publish sends a message to a stream and waits for its acknowledgement: once it returns,
// the message is on disk.
func (s *store) publish(ctx context.Context, subject string, b []byte) error {
	return retry(ctx, func(ctx context.Context) error {
		_, err := s.js.Publish(ctx, subject, b)
		return err
	})
}

// opTimeout bounds one JetStream request; retry tries again until its context ends.
const opTimeout = 5 * time.Second

// retryFor bounds how long an operation is retried across a disconnection (a restarting
// server, a lost route): past it the error is the caller's.
const retryFor = 2 * time.Minute

// retry runs op until it succeeds, fails with an error that retrying cannot fix, ctx ends, or
// retryFor passes.
func retry(ctx context.Context, op func(context.Context) error) error {
	deadline := time.Now().Add(retryFor)
	wait := 50 * time.Millisecond
	for {
		octx, cancel := context.WithTimeout(ctx, opTimeout)
		err := op(octx)
		cancel()
		if err == nil || !transient(err) || ctx.Err() != nil || time.Now().After(deadline) {
			if err != nil && ctx.Err() != nil {
				return fmt.Errorf("%w (%w)", ctx.Err(), err)
			}
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}

// transient: errors of a connection that is down or a server that is (re)starting.
func transient(err error) bool {
	for _, e := range []error{
		context.DeadlineExceeded, nats.ErrTimeout, nats.ErrNoResponders, nats.ErrDisconnected,
		nats.ErrConnectionReconnecting, jetstream.ErrNoStreamResponse, jetstream.ErrNoHeartbeat,
		jetstream.ErrJetStreamNotEnabled, jetstream.ErrJetStreamNotEnabledForAccount,
	} {
		if errors.Is(err, e) {
			return true
		}
	}
	var apiErr *jetstream.APIError
	// 503: JetStream is not ready yet (a restarted server recovering its streams).
	return errors.As(err, &apiErr) && apiErr.Code == 503
}
