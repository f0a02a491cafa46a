package derivation_test

import (
	"context"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/metrics"
	"github.com/zkexex/zkexex/derivation"
	"github.com/zkexex/zkexex/exex"
	"github.com/zkexex/zkexex/exex/exextest"
	"github.com/zkexex/zkexex/stf"
)

// BenchmarkPipelineIngest measures the pipeline's per-block cost from a Committed notification
// to a durable view entry (STF input built from the witness and account proofs, encoded,
// synced to pebble) and, as the baseline in the same run, the native STF on the same blocks:
// ingest must stay well below proving.
func BenchmarkPipelineIngest(b *testing.B) {
	const blocks = 16
	chain := exextest.NewChain(b, exextest.Options{Seed: 4, TxsPerBlock: 8})
	cfg := stf.NewConfig(chain.Config)
	gen := chain.Extend(blocks)
	n := &exex.Notification{Kind: exex.Committed, New: chain.Blocks(true, gen...)}
	for _, blk := range n.New.Blocks {
		proof, err := exex.ProveBlockAccounts(chain.BC, blk.Block, []common.Address{*cfg.MessagePasser})
		if err != nil {
			b.Fatal(err)
		}
		blk.AccountProofs = proof
	}
	anchor, err := derivation.AnchorFromChain(chain.BC, cfg, 0)
	if err != nil {
		b.Fatal(err)
	}
	tip := n.Tip()

	var ingest time.Duration
	for i := 0; i < b.N; i++ {
		p, err := derivation.New(derivation.Config{Dir: b.TempDir(), STF: cfg, Anchor: anchor, SubmissionInterval: 1 << 20,
			Prover: &derivation.DevProver{}, Registry: metrics.NewRegistry()})
		if err != nil {
			b.Fatal(err)
		}
		// Registered before Drive's cleanup, so it runs after Run has been cancelled.
		b.Cleanup(func() { p.Close() })
		d := exextest.Drive(b, p.Extension(), chain.Config)
		start := time.Now()
		d.Send(b, n, time.Minute)
		d.ExpectFinished(b, tip, time.Minute)
		ingest += time.Since(start)
	}
	b.StopTimer()

	var native time.Duration
	for _, blk := range n.New.Blocks {
		in := stf.InputWithProof(cfg, blk.Block, blk.Witness.ToExtWitness(), blk.AccountProofs)
		start := time.Now()
		if _, err := stf.Execute(context.Background(), in); err != nil {
			b.Fatal(err)
		}
		native += time.Since(start)
	}
	b.ReportMetric(float64(ingest.Nanoseconds())/float64(b.N*blocks), "ns/block-ingest")
	b.ReportMetric(float64(native.Nanoseconds())/blocks, "ns/block-stf-native")
}
