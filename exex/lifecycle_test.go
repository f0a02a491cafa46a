package exex_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand"
	randv2 "math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/ethereum/go-ethereum/metrics"
	"github.com/zkexex/zkexex/exex"
	"github.com/zkexex/zkexex/exex/exextest"
)

func gauge(r metrics.Registry, name string) int64 {
	g, ok := r.Get(name).(*metrics.Gauge)
	if !ok {
		return -1
	}
	return g.Snapshot().Value()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestSlowExtensionDoesNotBlockImport blocks an extension completely and imports blocks one
// by one: the import finishes, the manager keeps writing the WAL up to the head, the lag is
// exported; once unblocked the extension catches up to the canonical chain.
func TestSlowExtensionDoesNotBlockImport(t *testing.T) {
	const n = 40
	baseline := exextest.NewChain(t, exextest.Options{Seed: 3})
	blocks := baseline.Generate(baseline.Head(), n)
	start := time.Now()
	for _, b := range blocks {
		baseline.Insert(blocks[b.NumberU64()-1 : b.NumberU64()])
	}
	baseTime := time.Since(start)

	chain := exextest.NewChain(t, exextest.Options{Seed: 3})
	blocks = chain.Generate(chain.Head(), n)
	reg := metrics.NewRegistry()
	gate := make(chan struct{})
	col := exextest.NewCollector(exextest.ID(chain.Head()))
	col.Gate = gate
	m, err := exex.New(chain.BC, exex.Config{Dir: t.TempDir(), Registry: reg, BufferSize: 2, MaxBlocksPerNotification: 1, PollInterval: 20 * time.Millisecond}, col.Extension("blocked"))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	defer m.Stop()

	start = time.Now()
	for _, b := range blocks {
		chain.Insert(blocks[b.NumberU64()-1 : b.NumberU64()])
	}
	blockedTime := time.Since(start)
	t.Logf("importing %d blocks: %v without the manager, %v with a blocked extension (%.2fx)", n, baseTime, blockedTime, float64(blockedTime)/float64(baseTime))

	head := exextest.ID(chain.Head())
	waitFor(t, "manager to reach the head", func() bool { return m.Head() == head })
	if got := len(col.Notifications()); got != 0 {
		t.Fatalf("blocked extension handled %d notifications", got)
	}
	if lag := gauge(reg, "zkexex/exex/ext/blocked/lag"); lag < 2 {
		t.Fatalf("lag gauge %d, want the backlog", lag)
	}
	close(gate)
	col.WaitTip(t, head, waitTimeout)
	if !slices.Equal(col.Model(0), chain.Canonical(0)) {
		t.Fatal("model differs from the canonical chain")
	}
}

// TestRestartReplay stops the manager, changes the chain (extension and a reorg below the
// extension's head) and restarts it: the extension gets the stale blocks reverted, then the
// new ones, and ends on the canonical head.
func TestRestartReplay(t *testing.T) {
	chain := exextest.NewChain(t, exextest.Options{Seed: 4})
	dir := t.TempDir()
	col := exextest.NewCollector(exextest.ID(chain.Head()))
	col.Validate = chain.Config
	run := func() *exex.Manager {
		m, err := exex.New(chain.BC, exex.Config{Dir: dir, Registry: metrics.NewRegistry(), PollInterval: 20 * time.Millisecond}, col.Extension("c"))
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Start(); err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := run()
	chain.Extend(6)
	col.WaitTip(t, exextest.ID(chain.Head()), waitTimeout)
	if err := m.Stop(); err != nil {
		t.Fatal(err)
	}
	stale := exextest.ID(chain.Head())
	from := len(col.Notifications())
	dropped, added := chain.Reorg(3, 5)
	m = run()
	col.WaitTip(t, exextest.ID(chain.Head()), waitTimeout)
	expectOp(t, col, from, exex.Reorged, dropped, added)
	if dropped[len(dropped)-1].Hash() != stale.Hash {
		t.Fatal("test setup: the reorg did not drop the extension's head")
	}
	if err := m.Stop(); err != nil {
		t.Fatal(err)
	}
	// A rewind while stopped (as geth does after an unclean shutdown): the node deletes the
	// blocks, so the revert is described from the WAL's view.
	from = len(col.Notifications())
	removed := chain.SetHead(chain.Head().NumberU64() - 3)
	m = run()
	defer m.Stop()
	col.WaitTip(t, exextest.ID(chain.Head()), waitTimeout)
	expectOp(t, col, from, exex.Reverted, removed, nil)
	if !slices.Equal(col.Model(0), chain.Canonical(0)) {
		t.Fatal("model differs from the canonical chain")
	}
}

var errBoom = errors.New("boom")

// TestExtensionErrorStopsManager: an extension's error stops the manager with that error and
// reaches OnFatal (Install closes the node there).
func TestExtensionErrorStopsManager(t *testing.T) {
	chain := exextest.NewChain(t, exextest.Options{Seed: 5})
	fatal := make(chan error, 1)
	failing := exex.Extension{Name: "failing", Run: func(ctx context.Context, ec *exex.Context) error {
		select {
		case <-ec.Notifications():
			return errBoom
		case <-ctx.Done():
			return nil
		}
	}}
	m, err := exex.New(chain.BC, exex.Config{Dir: t.TempDir(), Registry: metrics.NewRegistry(), PollInterval: 20 * time.Millisecond, OnFatal: func(err error) { fatal <- err }}, failing)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	chain.Extend(1)
	select {
	case err := <-fatal:
		if !errors.Is(err, errBoom) || !strings.Contains(err.Error(), `"failing"`) {
			t.Fatalf("fatal error %v does not name the extension and wrap its error", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("manager did not stop")
	}
	<-m.Done()
	if err := m.Stop(); !errors.Is(err, errBoom) {
		t.Fatalf("Stop returned %v", err)
	}
}

// TestExtensionRestart: with Restart set, a failing extension is restarted with backoff and
// receives again what it had not finished.
func TestExtensionRestart(t *testing.T) {
	chain := exextest.NewChain(t, exextest.Options{Seed: 6})
	col := exextest.NewCollector(exextest.ID(chain.Head()))
	col.AllowReplay = true
	runs := 0
	ext := exex.Extension{Name: "flaky", Restart: true, Run: func(ctx context.Context, ec *exex.Context) error {
		runs++
		if runs == 1 {
			select {
			case n := <-ec.Notifications():
				if err := col.Apply(n); err != nil {
					return err
				}
				return errBoom // fails before reporting FinishedHeight
			case <-ctx.Done():
				return nil
			}
		}
		return col.Run(ctx, ec)
	}}
	m, err := exex.New(chain.BC, exex.Config{Dir: t.TempDir(), Registry: metrics.NewRegistry(), PollInterval: 20 * time.Millisecond, RestartBackoff: 10 * time.Millisecond}, ext)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	first := chain.Extend(2)
	col.WaitTip(t, exextest.ID(chain.Head()), waitTimeout)
	chain.Extend(2)
	col.WaitTip(t, exextest.ID(chain.Head()), waitTimeout)
	if runs < 2 {
		t.Fatalf("extension ran %d times", runs)
	}
	seen := 0
	for _, n := range col.Notifications() {
		if n.New != nil && n.New.First().Block.Hash() == first[0].Hash() {
			seen++
		}
	}
	if seen < 2 {
		t.Fatalf("unfinished notification delivered %d times, want a redelivery", seen)
	}
	if !slices.Equal(col.Model(0), chain.Canonical(0)) {
		t.Fatal("model differs from the canonical chain")
	}
}

// TestPruning: entries every extension finished are pruned past PruneDepth; an extension that
// never finishes keeps them all.
func TestPruning(t *testing.T) {
	for _, finish := range []bool{true, false} {
		t.Run(fmt.Sprintf("finish=%v", finish), func(t *testing.T) {
			chain := exextest.NewChain(t, exextest.Options{Seed: 8, TxsPerBlock: 1})
			reg := metrics.NewRegistry()
			col := exextest.NewCollector(exextest.ID(chain.Head()))
			col.NoFinish = !finish
			m, err := exex.New(chain.BC, exex.Config{Dir: t.TempDir(), Registry: reg, PruneDepth: 4, PollInterval: 20 * time.Millisecond}, col.Extension("c"))
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Start(); err != nil {
				t.Fatal(err)
			}
			defer m.Stop()
			for i := 0; i < 20; i++ {
				chain.Extend(1)
				col.WaitTip(t, exextest.ID(chain.Head()), waitTimeout)
			}
			chain.Extend(1) // the last FinishedHeight is followed by one more prune pass
			col.WaitTip(t, exextest.ID(chain.Head()), waitTimeout)
			entries, notes := gauge(reg, "zkexex/exex/wal/entries"), int64(len(col.Notifications()))
			lowest := gauge(reg, "zkexex/exex/wal/lowest")
			if finish && (entries > 6 || lowest < 21-6) {
				t.Fatalf("%d entries (lowest block %d) kept of %d, want about PruneDepth", entries, lowest, notes)
			}
			if !finish && entries != notes {
				t.Fatalf("%d entries kept of %d with nothing finished", entries, notes)
			}
			if b := gauge(reg, "zkexex/exex/wal/bytes"); b <= 0 {
				t.Fatalf("wal bytes gauge %d", b)
			}
		})
	}
}

// TestCorruptWAL: a corrupt entry found at startup is a typed error naming it, or with
// SkipCorruptEntries a warning and a skip; never a panic.
func TestCorruptWAL(t *testing.T) {
	chain := exextest.NewChain(t, exextest.Options{Seed: 9})
	dir := t.TempDir()
	col := exextest.NewCollector(exextest.ID(chain.Head()))
	col.NoFinish = true
	m, err := exex.New(chain.BC, exex.Config{Dir: dir, Registry: metrics.NewRegistry(), PollInterval: 20 * time.Millisecond}, col.Extension("c"))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		chain.Extend(1)
		col.WaitTip(t, exextest.ID(chain.Head()), waitTimeout)
	}
	if err := m.Stop(); err != nil {
		t.Fatal(err)
	}
	// Truncate entry 2 behind the manager's back.
	db, err := pebble.Open(dir, &pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 9)
	key[0] = 'e'
	binary.BigEndian.PutUint64(key[1:], 2)
	val, closer, err := db.Get(key)
	if err != nil {
		t.Fatal(err)
	}
	cut := append([]byte(nil), val[:len(val)/2]...)
	closer.Close()
	if err := db.Set(key, cut, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	db.Close()

	_, err = exex.New(chain.BC, exex.Config{Dir: dir, Registry: metrics.NewRegistry()}, col.Extension("c"))
	if !errors.Is(err, exex.ErrCorruptEntry) || !strings.Contains(err.Error(), "entry 2") {
		t.Fatalf("opening a corrupt WAL: %v", err)
	}
	// Skipping leaves a gap in what the extension is replayed, which is why it is opt-in.
	got := make(chan *exex.Notification, 16)
	rec := exex.Extension{Name: "c", Run: func(ctx context.Context, ec *exex.Context) error {
		for {
			select {
			case n := <-ec.Notifications():
				got <- n
			case <-ctx.Done():
				return nil
			}
		}
	}}
	m, err = exex.New(chain.BC, exex.Config{Dir: dir, Registry: metrics.NewRegistry(), SkipCorruptEntries: true, PollInterval: 20 * time.Millisecond}, rec)
	if err != nil {
		t.Fatalf("skipping corrupt entries: %v", err)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	for _, want := range []uint64{1, 3} {
		select {
		case n := <-got:
			if n.New.First().Block.NumberU64() != want {
				t.Fatalf("replayed %v, want block %d next", n, want)
			}
		case <-time.After(waitTimeout):
			t.Fatal("no replay")
		}
	}
}

// TestCrashSafety stops the manager at random points (between the WAL write and delivery, at
// random entries) and simulates a crash of its storage (pebble's crashable FS keeps only what
// was synced, plus a random part of the rest), while the chain extends, reorgs and rewinds.
// Reopened on the crashed files, the extension sees every canonical block at least once and
// ends on the canonical head.
func TestCrashSafety(t *testing.T) {
	rounds := 40
	if testing.Short() {
		rounds = 10
	}
	rng := rand.New(rand.NewSource(11))
	chain := exextest.NewChain(t, exextest.Options{Seed: 11, TxsPerBlock: 2})
	fs := vfs.NewCrashableMem()
	col := exextest.NewCollector(exextest.ID(chain.Head()))
	col.AllowReplay = true
	col.Validate = chain.Config
	first := chain.Head().NumberU64()

	for round := 0; round < rounds; round++ {
		crashAt := rng.Intn(4) + 1
		writes := 0
		cfg := exex.Config{Dir: "wal", FS: fs, Registry: metrics.NewRegistry(), PollInterval: 10 * time.Millisecond, MaxBlocksPerNotification: 3}
		crashed := make(chan struct{})
		cfg.SetAfterWALWrite(func(seq uint64) error {
			writes++
			if writes == crashAt {
				close(crashed)
				return fmt.Errorf("simulated crash after writing entry %d", seq)
			}
			return nil
		})
		m, err := exex.New(chain.BC, cfg, col.Extension("c"))
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		if err := m.Start(); err != nil {
			t.Fatal(err)
		}
		for done := false; !done; {
			op := rng.Intn(6)
			if chain.Head().NumberU64() < 3 {
				op = 0
			}
			switch {
			case op < 3:
				chain.Extend(1 + rng.Intn(3))
			case op < 5:
				depth := 1 + rng.Intn(int(min(4, chain.Head().NumberU64()-1)))
				chain.Reorg(depth, 1+rng.Intn(depth+1))
			default:
				chain.SetHead(chain.Head().NumberU64() - uint64(1+rng.Intn(2)))
			}
			select {
			case <-crashed:
				done = true
			case <-time.After(100 * time.Millisecond):
			}
		}
		<-m.Done()
		fs = fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: rng.Intn(100), RNG: randv2.New(randv2.NewPCG(uint64(round), 11))})
		m.Stop() // closes the pre-crash database; the clone is what a restart finds
	}
	m, err := exex.New(chain.BC, exex.Config{Dir: "wal", FS: fs, Registry: metrics.NewRegistry(), PollInterval: 10 * time.Millisecond}, col.Extension("c"))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	chain.Extend(1)
	col.WaitTip(t, exextest.ID(chain.Head()), waitTimeout)
	if !slices.Equal(col.Model(0), chain.Canonical(0)) {
		t.Fatal("model differs from the canonical chain")
	}
	for i, h := range chain.Canonical(first + 1) {
		if !col.Seen(h) {
			t.Fatalf("canonical block %d never delivered", first+1+uint64(i))
		}
	}
}

// TestBackfill: an extension registered behind the node gets Committed batches from its
// block to the head, witnessed (archive node), then live notifications; a crash in the
// middle of the backfill resumes from what it finished.
func TestBackfill(t *testing.T) {
	chain := exextest.NewChain(t, exextest.Options{Seed: 12, TxsPerBlock: 2})
	chain.Extend(20)
	start := exextest.ID(chain.BC.GetBlockByNumber(5))
	col := exextest.NewCollector(start)
	col.Validate = chain.Config
	col.AllowReplay = true
	fs := vfs.NewCrashableMem()
	ext := col.Extension("late")
	ext.StartAfter = &start

	cfg := exex.Config{Dir: "wal", FS: fs, Registry: metrics.NewRegistry(), PollInterval: 10 * time.Millisecond, MaxBlocksPerNotification: 4}
	sends := 0
	cfg.SetBeforeBackfillSend(func(string, *exex.Notification) error {
		if sends++; sends == 3 {
			// Let the extension finish the first two batches, then crash.
			waitFor(t, "two backfill batches", func() bool { return col.Tip().Number == 13 })
			return errors.New("simulated crash mid-backfill")
		}
		return nil
	})
	m, err := exex.New(chain.BC, cfg, ext)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	<-m.Done()
	fs = fs.CrashClone(vfs.CrashCloneCfg{})
	m.Stop()

	m, err = exex.New(chain.BC, exex.Config{Dir: "wal", FS: fs, Registry: metrics.NewRegistry(), PollInterval: 10 * time.Millisecond, MaxBlocksPerNotification: 4}, ext)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	col.WaitTip(t, exextest.ID(chain.Head()), waitTimeout)
	chain.Extend(2)
	col.WaitTip(t, exextest.ID(chain.Head()), waitTimeout)
	if !slices.Equal(col.Model(5), chain.Canonical(5)) {
		t.Fatal("model differs from the canonical chain")
	}
	for i, n := range col.Notifications() {
		if n.Kind != exex.Committed || len(n.New.Blocks) > 4 {
			t.Fatalf("backfill delivered %v", n)
		}
		// The restart resumes after the finished block 13.
		if i == 2 && n.New.First().Block.NumberU64() != 14 {
			t.Fatalf("resumed backfill with %v, want from block 14", n)
		}
	}
}

// TestBackfillWithoutState: on a node that no longer has old state, backfill stops the
// manager with ErrMissingState naming the first block it cannot witness.
func TestBackfillWithoutState(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 140 blocks")
	}
	chain := exextest.NewChain(t, exextest.Options{Seed: 13, TxsPerBlock: 1, NonArchive: true})
	chain.Extend(140)
	start := exextest.ID(chain.BC.GetBlockByNumber(5))
	col := exextest.NewCollector(start)
	ext := col.Extension("late")
	ext.StartAfter = &start
	m, err := exex.New(chain.BC, exex.Config{Dir: t.TempDir(), Registry: metrics.NewRegistry()}, ext)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	<-m.Done()
	err = m.Stop()
	if !errors.Is(err, exex.ErrMissingState) || !strings.Contains(err.Error(), "block 6 ") {
		t.Fatalf("got %v, want ErrMissingState naming block 6", err)
	}
}
