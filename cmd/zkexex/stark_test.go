package main

import (
	"testing"

	"github.com/urfave/cli/v2"
	"github.com/zkexex/zkexex/prover/pool"
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
