package derivation_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/log"

	"github.com/zkexex/zkexex/derivation"
	"github.com/zkexex/zkexex/prover/cluster"
	"github.com/zkexex/zkexex/prover/prove"
	"github.com/zkexex/zkexex/prover/prove/provetest"
	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/prover/recursion"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
	"github.com/zkexex/zkexex/stf"
)

// Worker processes of the cluster tests are this test binary re-executed with envWorkerURL set.
const (
	envWorkerURL  = "ZKEXEX_DERIVATION_WORKER_URL"
	envWorkerName = "ZKEXEX_DERIVATION_WORKER_NAME"
)

func TestMain(m *testing.M) {
	if url := os.Getenv(envWorkerURL); url != "" {
		os.Exit(workerProcess(url, os.Getenv(envWorkerName)))
	}
	os.Exit(m.Run())
}

// workerProcess is what 'zkexex worker --nats URL' runs.
func workerProcess(url, name string) int {
	log.SetDefault(log.NewLogger(log.NewTerminalHandlerWithLevel(os.Stderr, log.LevelInfo, false)))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	nc, err := cluster.Connect(url, cluster.ConnConfig{Name: name})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer nc.Close()
	w, err := cluster.NewWorker(ctx, nc, cluster.WorkerConfig{Name: name})
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

// spawnWorker starts a worker process; it returns the file its log goes to, shown when the
// test fails.
func spawnWorker(t *testing.T, url, name string) string {
	t.Helper()
	logf := filepath.Join(t.TempDir(), name+".log")
	f, err := os.Create(logf)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envWorkerURL+"="+url, envWorkerName+"="+name)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck
		cmd.Wait()                          //nolint:errcheck
		f.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logf)
			t.Logf("worker %s:\n%s", name, b)
		}
	})
	return logf
}

// testKeySet is a key set for the echo guest's po2-16 menu at test parameters.
func testKeySet(t *testing.T) (*recursion.VKSet, *recursion.Aggregator, *recursion.SuccinctVerifier) {
	t.Helper()
	set, agg, err := provetest.KeySet(stark.TestParams())
	if err != nil {
		t.Fatal(err)
	}
	return set, agg, &recursion.SuccinctVerifier{Set: set, Config: stark.VerifierConfig{}}
}

// claimRuns stands the echo guest in for the STF guest (minutes per block to prove): each
// block's input is executed natively and the echo guest's run, proven through runs, claims
// exactly the STF claim the STF guest's would. Everything after the guest is what the node
// does: the pipeline's spans, the cluster's tasks, the seal, chain and shrink, the receipt.
type claimRuns struct {
	runs derivation.RunAggregator
}

func (c claimRuns) Aggregate(ctx context.Context, img *vm.Image, prog *vm.Program, input []byte, opts prove.Options) (*prove.Aggregated, *vm.Result, error) {
	in, err := stf.DecodeInput(input)
	if err != nil {
		return nil, nil, err
	}
	claim, err := stf.Execute(ctx, in)
	if err != nil {
		return nil, nil, err
	}
	return c.runs.Aggregate(ctx, img, prog, claim.ABI(), opts)
}

// verifyingProposer is the recorder's oracle with the real check of a succinct span receipt in
// place of the dev proof's.
type verifyingProposer struct {
	rec      *recorder
	imageID  common.Hash
	verifier *derivation.SpanVerifier
	verified atomic.Int32
}

func (v *verifyingProposer) Propose(_ context.Context, p *derivation.Proposal) (*derivation.Proposed, error) {
	r := v.rec
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.outputs); n > 0 && r.outputs[n-1].L2BlockNumber == p.L2BlockNumber && r.outputs[n-1].OutputRoot == p.OutputRoot {
		return landed(uint64(n - 1)), nil
	}
	if p.L2BlockNumber != r.next || p.PrevOutputRoot != r.latest {
		return nil, fmt.Errorf("oracle: block %d after %x, want %d after %x", p.L2BlockNumber, p.PrevOutputRoot, r.next, r.latest)
	}
	rc := p.Receipt
	if rc.Kind != receipt.KindSuccinct || rc.Claim.EndBlock != p.L2BlockNumber || rc.Claim.EndOutputRoot != p.OutputRoot {
		return nil, fmt.Errorf("oracle: %v receipt of %d..%d for block %d", rc.Kind, rc.Claim.StartBlock, rc.Claim.EndBlock, p.L2BlockNumber)
	}
	if err := receipt.Verify(rc, rc.Claim, receipt.VerifierOptions{ImageID: v.imageID, Seal: v.verifier}); err != nil {
		return nil, fmt.Errorf("oracle: %w", err)
	}
	v.verified.Add(1)
	r.outputs = append(r.outputs, *p)
	r.next += r.interval
	r.latest = p.OutputRoot
	return landed(uint64(len(r.outputs) - 1)), nil
}

// TestStarkProverClusterReorg: a real derivation pipeline proves its spans through a proving
// cluster (an embedded nats-server, two worker processes). A reorg dropping a block of the
// span being proven cancels the span's cluster run: its tasks leave the queue, the worker
// holding one abandons it; the re-derived span is proven and its succinct receipt verifies.
// A minute of proving: full mode only.
func TestStarkProverClusterReorg(t *testing.T) {
	if testing.Short() {
		t.Skip("proves two spans through worker processes")
	}
	ctx := context.Background()
	set, agg, sv := testKeySet(t)
	srv, err := cluster.StartServer(cluster.ServerConfig{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	logs := []string{spawnWorker(t, srv.URL(), "w0"), spawnWorker(t, srv.URL(), "w1")}
	nc, err := cluster.Connect(srv.URL(), cluster.ConnConfig{Name: "coordinator"})
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	cp, err := cluster.NewProver(ctx, nc, set, cluster.Config{ProgressEvery: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	img, prog := echoImage(t, 20000, 0)
	sp := derivation.NewStarkProver(img, prog, testOpts)
	sp.Aggregator, sp.Runs = agg, claimRuns{cp}

	h := newHarness(t, 23, 2, 0)
	h.stop()
	prop := &verifyingProposer{rec: h.rec, imageID: sp.ImageID(), verifier: &derivation.SpanVerifier{Succinct: sv}}
	h.prover, h.proposer = sp, prop
	h.start()
	h.chain.Extend(2)

	// Span 1..2 proves block 1 through the cluster: wait for a worker to hold its task.
	var run string
	for deadline := time.Now().Add(2 * time.Minute); run == ""; time.Sleep(20 * time.Millisecond) {
		q, err := cp.Queue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for id, n := range q.Tasks {
			if n > 0 && q.InFlight > 0 {
				run = id
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no task of span 1..2 reached a worker")
		}
	}
	h.chain.Reorg(1, 1) // drops block 2 under the running proof
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		q, err := cp.Queue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if q.Tasks[run] == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d tasks of the cancelled run %s still queued", q.Tasks[run], run)
		}
	}
	// The worker that held the task abandons it rather than finishing it.
	for deadline := time.Now().Add(30 * time.Second); !logged(logs, "Abandoned task of a cancelled run"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no worker abandoned the cancelled run's task")
		}
	}
	h.settle()
	h.checkIndex()
	h.checkOutputs()
	if prop.verified.Load() == 0 || h.rec.count() != 1 {
		t.Fatalf("%d receipts verified, %d outputs accepted", prop.verified.Load(), h.rec.count())
	}
	if b := h.rec.outputs[0]; b.L2BlockHash != h.chain.BC.GetCanonicalHash(2) {
		t.Fatalf("output for block 2 names %x, canonical is %x", b.L2BlockHash, h.chain.BC.GetCanonicalHash(2))
	}
	t.Logf("cluster stats of the last run: %+v", cp.Stats())
}

// logged reports whether any of the log files contains s.
func logged(files []string, s string) bool {
	for _, f := range files {
		if b, _ := os.ReadFile(f); bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}
