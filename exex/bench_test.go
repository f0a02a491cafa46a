package exex_test

import (
	"context"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/metrics"
	"github.com/zkexex/zkexex/exex"
	"github.com/zkexex/zkexex/exex/exextest"
)

// BenchmarkOverhead measures what the extension adds per block — re-executing the block for
// its witness plus encoding and durably writing the WAL entry — against the block's own
// import (geth's InsertChain on a path-scheme node, the native baseline), on blocks of 100
// varied transactions. overhead/import is the ratio of the two.
func BenchmarkOverhead(b *testing.B) {
	const nblocks = 8
	gen := exextest.NewChain(b, exextest.Options{Seed: 31, TxsPerBlock: 100, Senders: 16})
	blocks := gen.Generate(gen.Head(), nblocks)
	var importT, witnessT, walT time.Duration
	var walBytes, txs int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		bc, err := core.NewBlockChain(rawdb.NewMemoryDatabase(), gen.Genesis, gen.Engine, core.DefaultConfig().WithStateScheme(rawdb.PathScheme))
		if err != nil {
			b.Fatal(err)
		}
		w, err := exex.OpenTestWAL(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for _, blk := range blocks {
			t0 := time.Now()
			if _, err := bc.InsertChain(types.Blocks{blk}); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			wit, err := exex.WitnessBlock(context.Background(), bc, blk)
			if err != nil {
				b.Fatal(err)
			}
			t2 := time.Now()
			n, err := w.Append(&exex.Notification{Kind: exex.Committed, New: &exex.Chain{Blocks: []*exex.Block{{Block: blk, Receipts: bc.GetReceiptsByHash(blk.Hash()), Witness: wit}}}})
			if err != nil {
				b.Fatal(err)
			}
			t3 := time.Now()
			importT += t1.Sub(t0)
			witnessT += t2.Sub(t1)
			walT += t3.Sub(t2)
			walBytes += n
			txs += len(blk.Transactions())
		}
		b.StopTimer()
		w.Close()
		bc.Stop()
		b.StartTimer()
	}
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N*nblocks) }
	b.ReportMetric(float64(txs)/float64(b.N*nblocks), "txs/block")
	b.ReportMetric(per(importT), "import-ms/block")
	b.ReportMetric(per(witnessT), "witness-ms/block")
	b.ReportMetric(per(walT), "wal-ms/block")
	b.ReportMetric(float64(walBytes)/float64(b.N*nblocks)/1024, "wal-KiB/block")
	b.ReportMetric(float64(witnessT+walT)/float64(importT), "overhead/import")
}

// BenchmarkImportBlockedExtension imports the same 100-transaction blocks one by one into a
// node without the manager (the baseline), into one whose extension keeps up, and into one
// whose only extension never reads its channel. Backpressure stays inside the extension's
// own goroutine, so blocked/consuming stays near 1: what the manager costs the importer is
// the CPU its witnessing takes (consuming/baseline), not waiting on a slow extension.
func BenchmarkImportBlockedExtension(b *testing.B) {
	const nblocks = 8
	gen := exextest.NewChain(b, exextest.Options{Seed: 32, TxsPerBlock: 100, Senders: 16})
	blocks := gen.Generate(gen.Head(), nblocks)
	importAll := func(withManager, blockExt bool) time.Duration {
		bc, err := core.NewBlockChain(rawdb.NewMemoryDatabase(), gen.Genesis, gen.Engine, core.DefaultConfig().WithStateScheme(rawdb.PathScheme))
		if err != nil {
			b.Fatal(err)
		}
		defer bc.Stop()
		if withManager {
			col := exextest.NewCollector(exextest.ID(bc.Genesis()))
			if blockExt {
				col.Gate = make(chan struct{}) // never opened
			}
			m, err := exex.New(bc, exex.Config{Dir: b.TempDir(), Registry: metrics.NewRegistry(), BufferSize: 1, MaxBlocksPerNotification: 1}, col.Extension("blocked"))
			if err != nil {
				b.Fatal(err)
			}
			if err := m.Start(); err != nil {
				b.Fatal(err)
			}
			defer m.Stop()
		}
		start := time.Now()
		for i := range blocks {
			if _, err := bc.InsertChain(blocks[i : i+1]); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(start)
	}
	var base, consuming, blocked time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		base += importAll(false, false)
		consuming += importAll(true, false)
		blocked += importAll(true, true)
	}
	perBlock := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N*nblocks) }
	b.ReportMetric(perBlock(base), "baseline-ms/block")
	b.ReportMetric(perBlock(consuming), "consuming-ms/block")
	b.ReportMetric(perBlock(blocked), "blocked-ms/block")
	b.ReportMetric(float64(consuming)/float64(base), "consuming/baseline")
	b.ReportMetric(float64(blocked)/float64(consuming), "blocked/consuming")
}
