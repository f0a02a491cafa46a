package main

import (
	"context"
	"testing"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/zkexex/zkexex/prover/pool"
	"github.com/zkexex/zkexex/prover/recursion"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
)

// TestProveFlags checks that --prove.po2, --prove.workers and --prove.receipt reach the
// StarkProver's configuration and that leaving them out keeps the defaults (vm.DefaultPo2, one
// worker per CPU, succinct receipts).
func TestProveFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want proveConfig
	}{
		{nil, proveConfig{}},
		{[]string{"--prove.po2", "18"}, proveConfig{Po2: 18}},
		{[]string{"--prove.workers", "2"}, proveConfig{Workers: 2}},
		{[]string{"--prove.po2", "16", "--prove.workers", "1"}, proveConfig{Po2: 16, Workers: 1}},
		{[]string{"--prove.receipt", "composite"}, proveConfig{Receipt: receiptComposite}},
		{[]string{"--prove.receipt", "succinct"}, proveConfig{Receipt: receiptSuccinct}},
	} {
		var got proveConfig
		app := &cli.App{Flags: proveFlags(""), Action: func(c *cli.Context) error {
			got = parseProveConfig(c)
			return nil
		}}
		if err := app.Run(append([]string{"zkexex"}, tc.args...)); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Fatalf("%v: parsed %+v, want %+v", tc.args, got, tc.want)
		}
		if errs := got.validate("stark"); len(errs) != 0 {
			t.Fatalf("%v: %v", tc.args, errs)
		}
		calls := 0
		opts := got.options(func(pool.Progress) { calls++ })
		if opts.Po2 != tc.want.Po2 || opts.Workers != tc.want.Workers || opts.Params != (stark.Params{}) || opts.MaxCycles != 0 {
			t.Fatalf("%v: options %+v", tc.args, opts)
		}
		if opts.Progress(pool.Progress{}); calls != 1 {
			t.Fatalf("%v: progress not wired", tc.args)
		}
	}
	// the zero configuration means the defaults prove.Run applies: the flags' help says so
	if f := proveFlags("")[0].(*cli.IntFlag); f.Value != vm.DefaultPo2 {
		t.Fatalf("--prove.po2 shows default %d, prove.Run uses %d", f.Value, vm.DefaultPo2)
	}
}

// TestProveClusterFlags: --prove.cluster alone proves through an embedded server on
// defaultNATSListen, --nats names an external one, --nats-listen moves the embedded one; each
// is refused with a prover it does not configure, with composite receipts, or with a bad
// address.
func TestProveClusterFlags(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		want    *clusterOptions
		kind    string
		invalid bool
	}{
		{[]string{"--prove.cluster"}, &clusterOptions{Listen: defaultNATSListen}, "stark", false},
		{[]string{"--nats", "nats://10.0.0.1:4222", "--nats-token", "t"}, &clusterOptions{URL: "nats://10.0.0.1:4222", Token: "t"}, "stark", false},
		{[]string{"--prove.cluster", "--nats-listen", "0.0.0.0:14222", "--nats-dir", "/d"}, &clusterOptions{Listen: "0.0.0.0:14222", Dir: "/d"}, "stark", false},
		{[]string{"--prove.cluster"}, &clusterOptions{Listen: defaultNATSListen}, "native", true},
		{[]string{"--prove.cluster", "--prove.receipt", "composite"}, &clusterOptions{Listen: defaultNATSListen}, "stark", true},
		{[]string{"--nats-listen", "no-port"}, &clusterOptions{Listen: "no-port"}, "stark", true},
	} {
		var got proveConfig
		app := &cli.App{Flags: proveFlags(""), Action: func(c *cli.Context) error {
			got = parseProveConfig(c)
			return nil
		}}
		if err := app.Run(append([]string{"zkexex"}, tc.args...)); err != nil {
			t.Fatal(err)
		}
		if got.Cluster == nil || *got.Cluster != *tc.want {
			t.Fatalf("%v: cluster options %+v, want %+v", tc.args, got.Cluster, tc.want)
		}
		if errs := got.validate(tc.kind); (len(errs) != 0) != tc.invalid {
			t.Fatalf("%v with --prover %s: %v", tc.args, tc.kind, errs)
		}
	}
}

// TestClusterRuns: --prove.cluster with --prove.workers starts the embedded server and a worker
// of this process on its queue, and closing the prover stops both.
func TestClusterRuns(t *testing.T) {
	set, err := recursion.ProductionSet()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cp, closeFn, err := clusterRuns(ctx, &clusterOptions{Listen: "127.0.0.1:0", Dir: t.TempDir()}, set, 1)
	if err != nil {
		t.Fatal(err)
	}
	if q, err := cp.Queue(ctx); err != nil || len(q.Tasks) != 0 || q.InFlight != 0 {
		t.Fatalf("a fresh queue: %+v, %v", q, err)
	}
	done := make(chan struct{})
	go func() {
		closeFn()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("closing the cluster prover hangs")
	}
	if _, err := cp.Queue(ctx); err == nil {
		t.Fatal("the queue answers after the close")
	}
}
