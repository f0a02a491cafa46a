package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/log"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/zkexex/zkexex/prover/pool"
	"github.com/zkexex/zkexex/prover/prove"
	"github.com/zkexex/zkexex/prover/prove/provetest"
	"github.com/zkexex/zkexex/prover/recursion"
	"github.com/zkexex/zkexex/prover/vm"
)

// Worker processes are this test binary re-executed with these variables set.
const (
	envURL    = "ZKEXEX_CLUSTER_WORKER_URL"
	envName   = "ZKEXEX_CLUSTER_WORKER_NAME"
	envToken  = "ZKEXEX_CLUSTER_WORKER_TOKEN"
	envFaulty = "ZKEXEX_CLUSTER_WORKER_FAULTY" // "seal": flip a byte of every proof; "claim": change a claim value
	envBlock  = "ZKEXEX_CLUSTER_WORKER_BLOCK"  // take a task and hang on it
	envAck    = "ZKEXEX_CLUSTER_WORKER_ACKWAIT"
)

func TestMain(m *testing.M) {
	if url := os.Getenv(envURL); url != "" {
		os.Exit(workerMain(url))
	}
	os.Exit(m.Run())
}

// workerMain is a worker process: what 'zkexex worker' runs, with the test's fault hooks.
func workerMain(url string) int {
	log.SetDefault(log.NewLogger(log.NewTerminalHandlerWithLevel(os.Stderr, log.LevelInfo, false)))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	nc, err := Connect(url, ConnConfig{Name: os.Getenv(envName), Auth: Auth{Token: os.Getenv(envToken)}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer nc.Close()
	ack, _ := time.ParseDuration(os.Getenv(envAck))
	cfg := WorkerConfig{Name: os.Getenv(envName), Queue: QueueConfig{AckWait: ack}}
	switch os.Getenv(envFaulty) {
	case "seal":
		cfg.mangle = func(_ TaskKind, _ int, b []byte) []byte {
			b = bytes.Clone(b)
			b[len(b)-9] ^= 1
			return b
		}
	case "claim":
		cfg.mangle = func(_ TaskKind, _ int, b []byte) []byte {
			b = bytes.Clone(b)
			b[len(proofMagic)+4+4*(recursion.ClaimSegment+1)] ^= 1 // the image ID's second word
			return b
		}
	}
	if os.Getenv(envBlock) != "" {
		cfg.before = func(ctx context.Context, _ *Task) error {
			fmt.Fprintln(os.Stderr, "BLOCKED")
			<-ctx.Done()
			return ctx.Err()
		}
	}
	w, err := NewWorker(ctx, nc, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := w.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// proc is a worker process; its log is in a file shown when the test fails.
type proc struct {
	cmd  *exec.Cmd
	logf string
	once sync.Once
}

func spawnWorker(t testing.TB, url, token, name string, env ...string) *proc {
	t.Helper()
	logf := filepath.Join(t.TempDir(), name+".log")
	f, err := os.Create(logf)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envURL+"="+url, envName+"="+name, envToken+"="+token)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, logf: logf}
	t.Cleanup(func() {
		p.kill(syscall.SIGTERM)
		f.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logf)
			t.Logf("worker %s:\n%s", name, b)
		}
	})
	return p
}

// kill signals the process and waits for it, once: a later call finds it gone.
func (p *proc) kill(sig syscall.Signal) {
	p.once.Do(func() {
		p.cmd.Process.Signal(sig) //nolint:errcheck
		p.cmd.Wait()              //nolint:errcheck
	})
}

// waitLog waits until the process has logged s.
func (p *proc) waitLog(t testing.TB, s string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if b, _ := os.ReadFile(p.logf); bytes.Contains(b, []byte(s)) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("worker did not log %q in %v", s, timeout)
}

func startServer(t testing.TB, dir string, port int, auth Auth) *Server {
	t.Helper()
	s, err := StartServer(ServerConfig{Dir: dir, Port: port, Auth: auth})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func connect(t testing.TB, url string, auth Auth) *nats.Conn {
	t.Helper()
	nc, err := Connect(url, ConnConfig{Name: t.Name(), Auth: auth})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// guest is the loop guest: spin iterations (3 segments at po2 16 for 70,000).
func guest(t testing.TB, spin int) (*vm.Image, *vm.Program) {
	t.Helper()
	return provetest.EchoImage(t, spin, 0)
}

// TestAuth: the embedded server admits a client with the right user and password or token,
// and refuses one without or with wrong ones.
func TestAuth(t *testing.T) {
	for _, auth := range []Auth{{User: "zk", Password: "s3cret"}, {Token: "t0ken"}} {
		s := startServer(t, t.TempDir(), 0, auth)
		nc := connect(t, s.URL(), auth)
		if _, err := openStore(context.Background(), nc, QueueConfig{}, true); err != nil {
			t.Fatal(err)
		}
		for _, bad := range []Auth{{}, {User: "zk", Password: "wrong"}, {Token: "wrong"}} {
			if nc, err := Connect(s.URL(), ConnConfig{Auth: bad}); err == nil {
				nc.Close()
				t.Errorf("server with %+v admitted %+v", auth, bad)
			}
		}
		s.Close()
	}
	if _, err := StartServer(ServerConfig{}); !errors.Is(err, ErrServer) {
		t.Fatalf("no data directory: %v", err)
	}
}

func productionProver(t *testing.T, nc *nats.Conn, q QueueConfig) *Prover {
	t.Helper()
	set, err := recursion.ProductionSet()
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewProver(context.Background(), nc, set, Config{Queue: q})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestFailedTaskReported: a task that fails on every delivery ends the run with a TaskError
// naming it, the worker and the worker's error.
func TestFailedTaskReported(t *testing.T) {
	s := startServer(t, t.TempDir(), 0, Auth{})
	defer s.Close()
	q := QueueConfig{AckWait: 2 * time.Second, MaxDeliver: 2}
	p := productionProver(t, connect(t, s.URL(), Auth{}), q)
	cfg := WorkerConfig{Name: "failing", Queue: q}
	cfg.before = func(context.Context, *Task) error { return errors.New("injected failure") }
	w, err := NewWorker(context.Background(), connect(t, s.URL(), Auth{}), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	go w.Run(ctx) //nolint:errcheck
	img, prog := guest(t, 100)
	_, _, err = p.Succinct(ctx, img, prog, nil, prove.Options{Po2: vm.MinPo2})
	var te *TaskError
	if !errors.As(err, &te) || !errors.Is(err, ErrTaskFailed) || te.Worker != "failing" || !strings.Contains(te.Reason, "injected failure") || !strings.Contains(te.Task, "segment task 0/0") {
		t.Fatalf("got %v", err)
	}
	if st := p.Stats(); st.Failures["failing"] != 2 || st.Redelivered != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// TestLostTaskDeadLettered: a worker process killed (SIGKILL) on the last delivery of a task
// leaves it to the dead-letter path: the run ends with a TaskError naming the task.
func TestLostTaskDeadLettered(t *testing.T) {
	s := startServer(t, t.TempDir(), 0, Auth{})
	defer s.Close()
	q := QueueConfig{AckWait: time.Second, MaxDeliver: 1}
	p := productionProver(t, connect(t, s.URL(), Auth{}), q)
	w := spawnWorker(t, s.URL(), "", "doomed", envBlock+"=1", envAck+"=1s")
	img, prog := guest(t, 100)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	go func() {
		w.waitLog(t, "BLOCKED", 30*time.Second)
		w.kill(syscall.SIGKILL)
	}()
	_, _, err := p.Succinct(ctx, img, prog, nil, prove.Options{Po2: vm.MinPo2})
	var te *TaskError
	if !errors.As(err, &te) || te.Worker != "" || !strings.Contains(te.Reason, "no worker finished it") {
		t.Fatalf("got %v", err)
	}
}

// TestCancelDropsTasks: cancelling a run (a reorg dropping its span) purges its queued tasks
// and makes workers abandon the ones in flight.
func TestCancelDropsTasks(t *testing.T) {
	s := startServer(t, t.TempDir(), 0, Auth{})
	defer s.Close()
	nc := connect(t, s.URL(), Auth{})
	p := productionProver(t, nc, QueueConfig{})
	started, abandoned := make(chan struct{}, 8), make(chan struct{}, 8)
	cfg := WorkerConfig{Name: "busy"}
	cfg.before = func(ctx context.Context, _ *Task) error {
		started <- struct{}{}
		<-ctx.Done()
		abandoned <- struct{}{}
		return ctx.Err()
	}
	w, err := NewWorker(context.Background(), connect(t, s.URL(), Auth{}), cfg)
	if err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithCancel(context.Background())
	defer wcancel()
	go w.Run(wctx) //nolint:errcheck
	img, prog := guest(t, 70000)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, err := p.Succinct(ctx, img, prog, nil, prove.Options{Po2: vm.MinPo2})
		done <- err
	}()
	<-started
	// Let the executor queue every segment before the reorg.
	js, _ := jetstream.New(nc)
	stream, err := js.Stream(context.Background(), taskStream)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		info, err := stream.Info(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if info.State.Msgs >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d tasks queued", info.State.Msgs)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v", err)
	}
	select {
	case <-abandoned:
	case <-time.After(10 * time.Second):
		t.Fatal("the task in flight was not abandoned")
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		info, err := stream.Info(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if info.State.Msgs == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d tasks left in the queue after the cancel", info.State.Msgs)
		}
	}
	select {
	case <-started:
		t.Fatal("a task of the cancelled run started after the cancel")
	case <-time.After(500 * time.Millisecond):
	}
	// The run's objects are gone with it; the key set, which every run names, stays.
	if left := storedObjects(t, nc); len(left) != 1 || !strings.HasPrefix(left[0], "keyset-") {
		t.Fatalf("objects left after the cancel: %v", left)
	}
}

// storedObjects lists the blob store.
func storedObjects(t *testing.T, nc *nats.Conn) []string {
	t.Helper()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	bucket, err := js.ObjectStore(context.Background(), blobBucket)
	if err != nil {
		t.Fatal(err)
	}
	infos, err := bucket.List(context.Background())
	if errors.Is(err, jetstream.ErrNoObjectsFound) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, i := range infos {
		names = append(names, i.Name)
	}
	return names
}

// The slow tests share a key set for the loop guest's po2-16 menu at test parameters, and the
// local prover's receipt of a 3-segment run.
var (
	fixtureOnce sync.Once
	fixture     *slowFixture
)

type slowFixture struct {
	set   *recursion.VKSet
	img   *vm.Image
	prog  *vm.Program
	local []byte // prove.Succinct's receipt, encoded
	root  *prove.Aggregated
	input []byte
}

func getFixture(t *testing.T) *slowFixture {
	t.Helper()
	if testing.Short() {
		t.Skip("minutes: a key set, a local and a distributed proof of a 3-segment run")
	}
	fixtureOnce.Do(func() {
		f := &slowFixture{input: []byte("cluster")}
		f.img, f.prog = guest(t, 70000)
		set, agg, err := testKeySet()
		if err != nil {
			t.Fatal(err)
		}
		f.set = set
		// prove.Succinct, in its two steps: the root is what Prover.Aggregate must give.
		a, _, err := prove.Aggregate(context.Background(), f.img, f.prog, f.input, prove.Options{Po2: vm.MinPo2, Workers: 1}, agg)
		if err != nil {
			t.Fatal(err)
		}
		f.root = a
		r, err := a.Receipt(context.Background(), agg)
		if err != nil {
			t.Fatal(err)
		}
		if f.local, err = r.MarshalBinary(); err != nil {
			t.Fatal(err)
		}
		fixture = f
	})
	if fixture == nil {
		t.Fatal("the fixture failed to build")
	}
	return fixture
}

// clusterRun proves the fixture's run through the cluster at url and checks the receipt is
// the local prover's, byte for byte.
func clusterRun(t *testing.T, f *slowFixture, nc *nats.Conn, q QueueConfig) *Prover {
	t.Helper()
	// The objects stay for tamperChecks.
	p, err := NewProver(context.Background(), nc, f.set, Config{Queue: q, ProgressEvery: 2 * time.Second, KeepObjects: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var last pool.Progress
	r, res, err := p.Succinct(ctx, f.img, f.prog, f.input, prove.Options{Po2: vm.MinPo2, Progress: func(p pool.Progress) { last = p }})
	if err != nil {
		t.Fatal(err)
	}
	if !last.Done || last.Emitted != 3 || last.Proven != 3 || last.ProvenCycles != res.Cycles {
		t.Fatalf("last progress %+v, run of %d cycles", last, res.Cycles)
	}
	enc, err := r.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc, f.local) {
		t.Fatalf("cluster receipt (%d bytes) differs from the local prover's (%d bytes)", len(enc), len(f.local))
	}
	if res.Segments != 3 || p.Stats().Tasks < 6 {
		t.Fatalf("%d segments, stats %+v", res.Segments, p.Stats())
	}
	t.Logf("stats %+v", p.Stats())
	return p
}

// TestThreeWorkerProcesses: an embedded server (token auth) and three worker processes prove
// the run; the receipt is the local prover's. Then each check the coordinator makes on a
// worker's result is shown to refuse outputs tampered in its way.
func TestThreeWorkerProcesses(t *testing.T) {
	f := getFixture(t)
	auth := Auth{Token: "cluster-token"}
	s := startServer(t, t.TempDir(), 0, auth)
	defer s.Close()
	for i := range 3 {
		spawnWorker(t, s.URL(), auth.Token, fmt.Sprintf("w%d", i))
	}
	p := clusterRun(t, f, connect(t, s.URL(), auth), QueueConfig{})
	if st := p.Stats(); len(st.Rejected) != 0 || st.Retries != 0 {
		t.Fatalf("honest workers rejected: %+v", st)
	}
	tamperChecks(t, p, f)
	clusterAggregate(t, f, p)
}

// clusterAggregate proves the fixture's run into its root (Prover.Aggregate): the proof
// prove.Aggregate makes, with the same claims and journal, and no shrink task.
func clusterAggregate(t *testing.T, f *slowFixture, p *Prover) {
	t.Helper()
	a, res, err := p.Aggregate(context.Background(), f.img, f.prog, f.input, prove.Options{Po2: vm.MinPo2})
	if err != nil {
		t.Fatal(err)
	}
	got, err := encodeProof(a.Proof)
	if err != nil {
		t.Fatal(err)
	}
	want, err := encodeProof(f.root.Proof)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) || a.First != f.root.First || a.Last != f.root.Last || !bytes.Equal(a.Journal, f.root.Journal) || !bytes.Equal(a.Journal, res.Journal) {
		t.Fatalf("cluster root (%d bytes, journal %q) differs from prove.Aggregate's (%d bytes, journal %q)", len(got), a.Journal, len(want), f.root.Journal)
	}
	// The previous run's objects are still stored (KeepObjects), so the workers find them
	// cached; the coordinator verifies them all the same. No shrink task.
	if st := p.Stats(); st.Tasks != 2*res.Segments-1 {
		t.Fatalf("stats %+v: want %d tasks (lifts and joins)", st, 2*res.Segments-1)
	}
}

// TestFaultyWorker: a worker that returns a proof with a flipped byte, or a valid proof of
// another claim, is rejected and named; the task is re-run on an honest worker.
func TestFaultyWorker(t *testing.T) {
	f := getFixture(t)
	for _, mode := range []string{"seal", "claim"} {
		t.Run(mode, func(t *testing.T) {
			s := startServer(t, t.TempDir(), 0, Auth{})
			defer s.Close()
			// The faulty worker starts alone, so that it takes the first tasks.
			spawnWorker(t, s.URL(), "", "faulty", envFaulty+"="+mode)
			before := mRejected.Snapshot().Count()
			go func() {
				for mRejected.Snapshot().Count() == before {
					time.Sleep(50 * time.Millisecond)
				}
				spawnWorker(t, s.URL(), "", "honest")
			}()
			p := clusterRun(t, f, connect(t, s.URL(), Auth{}), QueueConfig{})
			if st := p.Stats(); st.Rejected["faulty"] == 0 || st.Retries == 0 || st.ByWorker["faulty"] != 0 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

// TestWorkerKilled: a worker process killed mid-proof (SIGKILL) loses its task to another
// after AckWait; the run finishes with the same receipt.
func TestWorkerKilled(t *testing.T) {
	f := getFixture(t)
	s := startServer(t, t.TempDir(), 0, Auth{})
	defer s.Close()
	q := QueueConfig{AckWait: 3 * time.Second}
	victim := spawnWorker(t, s.URL(), "", "victim", envAck+"=3s")
	go func() {
		// Mid-proof: after the victim has compiled its programs and is proving.
		victim.waitLog(t, "Cluster worker started", time.Minute)
		time.Sleep(3 * time.Second)
		victim.kill(syscall.SIGKILL)
		spawnWorker(t, s.URL(), "", "survivor", envAck+"=3s")
	}()
	p := clusterRun(t, f, connect(t, s.URL(), Auth{}), q)
	if st := p.Stats(); st.ByWorker["survivor"] == 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestServerRestart: the server is shut down mid-run and started again on its file storage;
// coordinator and workers reconnect and the run finishes with the same receipt.
func TestServerRestart(t *testing.T) {
	f := getFixture(t)
	dir := t.TempDir()
	s := startServer(t, dir, 0, Auth{})
	port := s.Port()
	spawnWorker(t, s.URL(), "", "w0")
	spawnWorker(t, s.URL(), "", "w1")
	before := mTasks.Snapshot().Count()
	restarted := make(chan *Server, 1)
	go func() {
		for mTasks.Snapshot().Count() == before {
			time.Sleep(50 * time.Millisecond)
		}
		s.Close()
		time.Sleep(time.Second)
		s2, err := StartServer(ServerConfig{Dir: dir, Port: port})
		if err != nil {
			t.Error(err)
		}
		restarted <- s2
	}()
	clusterRun(t, f, connect(t, s.URL(), Auth{}), QueueConfig{})
	// The run cannot finish while the server is down: it was restarted mid-run.
	select {
	case s2 := <-restarted:
		if s2 != nil {
			s2.Close()
		}
	case <-time.After(time.Minute):
		t.Fatal("the server was not restarted")
	}
}
