package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/log"
	"github.com/urfave/cli/v2"
	"github.com/zkexex/zkexex/derivation"
	"github.com/zkexex/zkexex/prover/cluster"
	"github.com/zkexex/zkexex/prover/pool"
	"github.com/zkexex/zkexex/prover/prove"
	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/prover/recursion"
	"github.com/zkexex/zkexex/prover/vm"
	"github.com/zkexex/zkexex/prover/wrap"
)

// proveConfig sizes the STARK prover of devnet and node; the zero value is the default.
type proveConfig struct {
	// Po2 is the segment size (vm.MinPo2..vm.MaxPo2; 0: vm.DefaultPo2).
	Po2 int
	// Workers is the number of segments proven at once (0: GOMAXPROCS). Each holds one
	// segment's traces, so memory is about workers × the per-segment peak (about 10 GB at po2 20).
	Workers int
	// Receipt is the span receipts' kind: receiptSuccinct ("" too: the default) aggregates each
	// span into one succinct receipt (receipt.KindSuccinct), receiptComposite keeps every
	// segment proof (receipt.KindComposite: no aggregation, about 1.7x faster, 200x larger).
	Receipt string
	// Cluster, when set (--prove.cluster, --nats or --nats-listen), aggregates each block's run
	// through a proving cluster (prover/cluster): the segments and joins are proven by 'zkexex
	// worker' processes, and by Workers tasks at once in this process when Workers is set.
	Cluster *clusterOptions
	// KeyCache is where --prover groth16 finds (or makes) the wrap circuit's Groth16 keys
	// (--groth16.cache; "": $ZKEXEX_GROTH16_CACHE or the user cache directory).
	KeyCache string
}

// defaultNATSListen is where the embedded nats-server of --prove.cluster listens unless
// --nats-listen says otherwise: NATS's own default port, on loopback.
const defaultNATSListen = "127.0.0.1:4222"

// The span receipt kinds --prove.receipt names.
const (
	receiptSuccinct  = "succinct"
	receiptComposite = "composite"
)

// proveFlags are the --prove.* flags, listed under category (empty: none).
func proveFlags(category string) []cli.Flag {
	return append([]cli.Flag{
		&cli.IntFlag{Name: "prove.po2", Usage: fmt.Sprintf("with --prover stark: segment size as a power of two (%d..%d); a worker's memory doubles with each step", vm.MinPo2, vm.MaxPo2), Value: vm.DefaultPo2, Category: category},
		&cli.IntFlag{Name: "prove.workers", Usage: "with --prover stark: segments proven at once (0: one per CPU); each holds a segment's traces in memory", Category: category},
		&cli.StringFlag{Name: "prove.receipt", Usage: "with --prover stark: span receipts, succinct (aggregated into one proof under the production key set, hundreds of kB) or composite (every segment proof, tens of MB per block, no aggregation)", Value: receiptSuccinct, Category: category},
		&cli.BoolFlag{Name: "prove.cluster", Usage: "with --prover stark: prove through a proving cluster, an embedded nats-server on --nats-listen (default " + defaultNATSListen + ") unless --nats names one; 'zkexex worker --nats URL' processes join it, and --prove.workers N proves N tasks at once in this process too", Category: category},
		&cli.StringFlag{Name: "groth16.cache", Usage: "with --prover groth16: the Groth16 key cache (default $ZKEXEX_GROTH16_CACHE or the user cache directory); ceremony keys there are used, else INSECURE dev keys, set up on first use (minutes)", Category: category},
	}, clusterFlags...)
}

// parseProveConfig reads the --prove.* flags; an unset flag keeps its zero (the default), so
// that validate can tell a knob given to a prover it does not size.
func parseProveConfig(c *cli.Context) proveConfig {
	var pc proveConfig
	if c.IsSet("prove.po2") {
		pc.Po2 = c.Int("prove.po2")
	}
	if c.IsSet("prove.workers") {
		pc.Workers = c.Int("prove.workers")
	}
	if c.IsSet("prove.receipt") {
		pc.Receipt = c.String("prove.receipt")
	}
	pc.KeyCache = c.String("groth16.cache")
	if c.Bool("prove.cluster") || clusterWanted(c) {
		o := parseClusterOptions(c)
		if o.URL == "" && o.Listen == "" {
			o.Listen = defaultNATSListen
		}
		pc.Cluster = &o
	}
	return pc
}

// validate checks pc for a prover of kind, one error per problem: the knobs size only the
// STARK prover, so giving them to another is a mistake rather than something to ignore.
func (pc proveConfig) validate(kind string) []error {
	var errs []error
	// The STARK knobs; the key cache is checked on its own below.
	knobs := pc
	knobs.KeyCache = ""
	if knobs != (proveConfig{}) && kind != "stark" && kind != "groth16" {
		errs = append(errs, fmt.Errorf("--prove.po2, --prove.workers, --prove.receipt and --prove.cluster (--nats, --nats-listen) configure the STARK prover: they need --prover stark or groth16, not %q", kind))
	}
	if pc.KeyCache != "" && kind != "groth16" {
		errs = append(errs, fmt.Errorf("--groth16.cache holds the wrap's keys: it needs --prover groth16, not %q", kind))
	}
	if kind == "groth16" && pc.Receipt == receiptComposite {
		errs = append(errs, errors.New("--prover groth16 wraps succinct span receipts: it cannot make --prove.receipt composite"))
	}
	if r := pc.Receipt; r != "" && r != receiptSuccinct && r != receiptComposite {
		errs = append(errs, fmt.Errorf("--prove.receipt %q: want %s or %s", r, receiptSuccinct, receiptComposite))
	}
	if pc.Po2 != 0 && (pc.Po2 < vm.MinPo2 || pc.Po2 > vm.MaxPo2) {
		errs = append(errs, fmt.Errorf("--prove.po2 %d: want %d..%d", pc.Po2, vm.MinPo2, vm.MaxPo2))
	}
	if pc.Workers < 0 {
		errs = append(errs, fmt.Errorf("--prove.workers %d: want 1 or more (0: one per CPU)", pc.Workers))
	}
	if pc.Cluster != nil {
		if pc.Receipt == receiptComposite {
			errs = append(errs, errors.New("--prove.cluster (--nats, --nats-listen) aggregates runs into succinct receipts: it cannot make --prove.receipt composite"))
		}
		if _, err := pc.Cluster.endpoint(); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// options are the proven runs' options: pc's segment size and workers, the default STARK
// parameters (the only ones the verifier accepts), progress reported to progress.
func (pc proveConfig) options(progress func(pool.Progress)) prove.Options {
	return prove.Options{Po2: pc.Po2, Workers: pc.Workers, Progress: progress}
}

// spanProver is what newProver builds for a devnet or a node.
type spanProver struct {
	derivation.Prover
	// ImageID is the image ID the receipts name.
	ImageID common.Hash
	// Verifier checks the receipts before they are proposed (nil: the service's default).
	Verifier receipt.SpanSealVerifier
	// Wrapper wraps spans for L1 (--prover groth16 only): its keys are the on-chain verifier's.
	Wrapper *wrap.Wrapper
	// Close releases what the prover holds (a cluster's connection, embedded server and worker)
	// once nothing proves any more.
	Close func()
}

// newProver returns the span prover of kind: a dev prover (native, executor), the STARK prover
// (stark) sized by pc, or the STARK prover whose spans of blocks blocks are wrapped in Groth16
// proofs (groth16).
func newProver(ctx context.Context, kind string, pc proveConfig, tr *spanTracker, blocks uint64) (*spanProver, error) {
	switch kind {
	case "stark", "groth16":
		p, closeFn, err := starkProver(ctx, pc, tr, kind)
		if err != nil {
			return nil, err
		}
		sp := &spanProver{Prover: p, ImageID: p.ImageID(), Close: closeFn}
		if kind == "groth16" {
			if sp.Wrapper, sp.Verifier, err = groth16Wrapper(pc, blocks); err != nil {
				closeFn()
				return nil, err
			}
			p.Wrapper = sp.Wrapper
		}
		return sp, nil
	}
	dp, err := devProver(ctx, kind, tr)
	if err != nil {
		return nil, err
	}
	return &spanProver{Prover: dp, ImageID: dp.ImageID, Close: func() {}}, nil
}

// groth16Wrapper is the production wrap for spans of blocks blocks under the keys in pc's cache
// (dev keys made on a miss), and the verifier of its receipts.
func groth16Wrapper(pc proveConfig, blocks uint64) (*wrap.Wrapper, receipt.SpanSealVerifier, error) {
	if blocks == 0 {
		return nil, nil, errors.New("--prover groth16: the wrap circuit is specialised to the submission interval, which is not known")
	}
	cache, err := keyCache(pc.KeyCache)
	if err != nil {
		return nil, nil, err
	}
	st, err := derivation.ProductionSpan(int(blocks))
	if err != nil {
		return nil, nil, err
	}
	log.Info("Building the Groth16 wrap: the final STARK layer and its circuit (minutes)", "blocks", blocks)
	w, err := wrap.OpenWrapper(st, cache, true)
	if err != nil {
		return nil, nil, fmt.Errorf("--prover groth16: %w", err)
	}
	v, err := w.Verifier()
	if err != nil {
		return nil, nil, err
	}
	log.Info("Groth16 wrap ready", "blocks", blocks, "setup", w.Keys().Kind, "cache", cache.Path(w.Keys().Circuit, w.Keys().Kind))
	return w, &derivation.SpanVerifier{Groth16: v}, nil
}

// Compile-time check: the cluster aggregates a block's run as prove.Aggregate does.
var _ derivation.RunAggregator = (*cluster.Prover)(nil)

// clusterRuns connects the STARK prover to the cluster o names (starting the embedded server
// when it names none) and, for workers > 0, proves that many tasks at once in this process.
func clusterRuns(ctx context.Context, o *clusterOptions, set *recursion.VKSet, workers int) (*cluster.Prover, func(), error) {
	e, err := o.endpoint()
	if err != nil {
		return nil, nil, err
	}
	nc, srv, closeConn, err := cluster.Open(e)
	if err != nil {
		return nil, nil, err
	}
	url := o.URL
	if srv != nil {
		url = srv.URL()
	}
	cp, err := cluster.NewProver(ctx, nc, set, cluster.Config{})
	if err != nil {
		closeConn()
		return nil, nil, err
	}
	wctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	if workers > 0 {
		w, err := cluster.NewWorker(ctx, nc, cluster.WorkerConfig{Workers: workers})
		if err != nil {
			stop()
			closeConn()
			return nil, nil, err
		}
		go func() {
			defer close(done)
			if err := w.Run(wctx); err != nil && !errors.Is(err, context.Canceled) {
				log.Error("Cluster worker of this process stopped", "err", err)
			}
		}()
	} else {
		close(done)
	}
	log.Info("Proving through a cluster: join it with 'zkexex worker --nats URL' (and the same credentials)", "url", url, "embedded", srv != nil, "localTasks", workers)
	return cp, func() {
		stop()
		<-done
		closeConn()
	}, nil
}

// starkProver proves every block with the STF guest built from this binary's source, every
// segment at full security; each block's proving reports to the tracker.
func starkProver(ctx context.Context, pc proveConfig, tr *spanTracker, kind string) (*derivation.StarkProver, func(), error) {
	if err := errors.Join(pc.validate(kind)...); err != nil {
		return nil, nil, err
	}
	elf, err := loadGuest(ctx, "", log.Root())
	if err != nil {
		return nil, nil, err
	}
	g, err := loadGuestImage(ctx, elf)
	if err != nil {
		return nil, nil, fmt.Errorf("STARK prover: %w", err)
	}
	p := derivation.NewStarkProver(g.img, g.prog, pc.options(func(pp pool.Progress) { tr.executorProgress(pp.ProvenCycles) }))
	closeFn := func() {}
	if pc.Receipt != receiptComposite {
		var err error
		if p.Aggregator, err = recursion.ProductionAggregator(); err != nil {
			return nil, nil, err
		}
	}
	if pc.Cluster != nil {
		cp, closeCluster, err := clusterRuns(ctx, pc.Cluster, p.Aggregator.Set(), pc.Workers)
		if err != nil {
			return nil, nil, fmt.Errorf("STARK prover: cluster: %w", err)
		}
		p.Runs, closeFn = cp, closeCluster
	}
	p.OnBlock = func(n uint64, res *vm.Result, took time.Duration) {
		tr.blockDone(res.Cycles)
		log.Info("Proved block", "chain", "L2", "block", n, "cycles", res.Cycles, "segments", res.Segments,
			"kHz", fmt.Sprintf("%.1f", float64(res.Cycles)/took.Seconds()/1e3), "elapsed", took.Round(time.Millisecond))
	}
	msg := "STARK prover: every segment of every block is proven (minutes per block on a small machine). " +
		"The L1 oracle keeps its dev verifier: receipts are verified by the proposer before it proposes, not on chain (--prover groth16 proves them on chain)"
	if kind == "groth16" {
		msg = "STARK prover with the Groth16 wrap: every segment of every block is proven (minutes per block on a small machine), every span wrapped for L1 (minutes)"
	}
	log.Warn(msg,
		"imageID", p.ImageID(), "po2", cmp.Or(pc.Po2, vm.DefaultPo2), "workers", cmp.Or(pc.Workers, runtime.GOMAXPROCS(0)), "receipt", cmp.Or(pc.Receipt, receiptSuccinct), "cluster", pc.Cluster != nil)
	return p, closeFn, nil
}
