package exex

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/stateless"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethdb/memorydb"
	"github.com/ethereum/go-ethereum/log"
	"github.com/ethereum/go-ethereum/metrics"
	"github.com/ethereum/go-ethereum/trie"
)

// Config tunes a Manager. Zero values take the defaults noted on each field.
type Config struct {
	// Dir is the WAL's pebble directory. Required.
	Dir string
	// FS overrides the WAL's filesystem (tests use pebble's crashable in-memory FS).
	FS vfs.FS
	// BufferSize is the capacity of each extension's notification channel (default 16).
	BufferSize int
	// MaxBlocksPerNotification caps the new blocks one notification carries, so a long
	// catch-up is delivered in batches (default 64).
	MaxBlocksPerNotification int
	// PruneDepth: an entry every extension has finished is pruned once it is final or this
	// many blocks below the head (default 64).
	PruneDepth uint64
	// ViewDepth is how many recent canonical blocks the manager keeps in memory to describe
	// reverted blocks that the node may already have deleted (default 256).
	ViewDepth int
	// PollInterval is how often the head is compared with the manager's own without an
	// event (default 1s): a rewind that emits nothing is still noticed.
	PollInterval time.Duration
	// LagWarn is the WAL backlog, in entries, at which an extension's lag is logged as a
	// warning (default 4×BufferSize).
	LagWarn uint64
	// SkipCorruptEntries turns a corrupt WAL entry found at startup into a warning; by
	// default it is an error. Skipped entries are not delivered.
	SkipCorruptEntries bool
	// RestartBackoff is the first delay before restarting an extension that has Restart set
	// (default 1s, doubling up to 1 minute).
	RestartBackoff time.Duration
	// Registry receives the metrics (default geth's metrics.DefaultRegistry).
	Registry metrics.Registry
	// ProveAccounts lists accounts whose proof nodes in the parent state and the post-state
	// are attached to every witnessed block (Block.AccountProofs, ProveBlockAccounts) and
	// stored in the WAL with it.
	ProveAccounts []common.Address
	// OnFatal is called once with the error that stopped the manager (an extension failed,
	// a block could not be witnessed, the WAL could not be written).
	OnFatal func(error)

	hooks *testHooks
}

// testHooks lets tests stop the manager at chosen points; nil in production.
type testHooks struct {
	// afterWALWrite runs after entry seq is durable and before it is visible to extensions.
	afterWALWrite func(seq uint64) error
	// beforeBackfillSend runs before each backfill notification is delivered.
	beforeBackfillSend func(ext string, n *Notification) error
}

func (c *Config) withDefaults() Config {
	cfg := *c
	if cfg.BufferSize <= 0 {
		cfg.BufferSize = 16
	}
	if cfg.MaxBlocksPerNotification <= 0 {
		cfg.MaxBlocksPerNotification = 64
	}
	if cfg.PruneDepth == 0 {
		cfg.PruneDepth = 64
	}
	if cfg.ViewDepth <= 0 {
		cfg.ViewDepth = 256
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.LagWarn == 0 {
		cfg.LagWarn = 4 * uint64(cfg.BufferSize)
	}
	if cfg.RestartBackoff <= 0 {
		cfg.RestartBackoff = time.Second
	}
	if cfg.Registry == nil {
		cfg.Registry = metrics.DefaultRegistry
	}
	return cfg
}

// Manager follows a BlockChain, writes every head change to the WAL as notifications and
// delivers them to the installed extensions. geth announces only the new head (ChainEvent,
// ChainHeadEvent, or nothing for some rewinds), so the manager keeps its own last head and
// recent canonical blocks and walks parent hashes back to the common ancestor: a rewind becomes
// Reverted, a switch Reorged, growth Committed, each with whole block ranges.
type Manager struct {
	bc  *core.BlockChain
	cfg Config
	wal *wal
	met *managerMetrics

	mu     sync.Mutex
	head   BlockID
	view   []*Block // canonical blocks ending at head, lowest first, without witnesses
	cache  map[uint64]*Notification
	notify chan struct{} // closed and replaced when an entry is appended
	exts   []*extState

	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	wake    chan struct{}
	errOnce sync.Once
	err     error
	done    chan struct{}
	started bool
}

// New opens the WAL in cfg.Dir, rebuilds the manager's view from it and registers the
// extensions. Nothing runs until Start.
func New(bc *core.BlockChain, cfg Config, exts ...Extension) (*Manager, error) {
	if cfg.Dir == "" {
		return nil, errors.New("exex: Config.Dir is required")
	}
	cfg = cfg.withDefaults()
	names := make(map[string]bool)
	for _, e := range exts {
		if e.Name == "" || e.Run == nil {
			return nil, errors.New("exex: an extension needs a Name and a Run function")
		}
		if names[e.Name] {
			return nil, fmt.Errorf("exex: extension %q installed twice", e.Name)
		}
		names[e.Name] = true
	}
	m := &Manager{
		bc:     bc,
		cfg:    cfg,
		cache:  make(map[uint64]*Notification),
		notify: make(chan struct{}),
		wake:   make(chan struct{}, 1),
		done:   make(chan struct{}),
		met:    newManagerMetrics(cfg.Registry),
	}
	w, err := openWAL(cfg.Dir, cfg.FS, bc.Config(), cfg.SkipCorruptEntries, func(_ uint64, n *Notification) {
		m.applyToView(n)
	})
	if err != nil {
		return nil, err
	}
	m.wal = w
	head, ok, err := w.head()
	if err != nil {
		w.close()
		return nil, err
	}
	if !ok {
		// First start: follow from the node's current head; older blocks reach an extension
		// only through backfill.
		cur := bc.CurrentBlock()
		head = BlockID{cur.Number.Uint64(), cur.Hash()}
		if err := w.setHead(head); err != nil {
			w.close()
			return nil, err
		}
		if blk := m.loadBlock(head); blk != nil {
			m.view = []*Block{blk}
		}
	}
	m.head = head
	if len(m.view) > 0 && m.view[len(m.view)-1].ID() != head {
		m.view = nil
	}
	for _, e := range exts {
		st, err := m.newExtState(e)
		if err != nil {
			w.close()
			return nil, err
		}
		m.exts = append(m.exts, st)
	}
	m.updateWALMetrics()
	return m, nil
}

// Head is the chain head the manager has written notifications up to.
func (m *Manager) Head() BlockID {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.head
}

// Finished returns the last FinishedHeight the named extension reported (or the block it was
// registered at), as recorded in the WAL.
func (m *Manager) Finished(name string) (BlockID, bool) {
	for _, st := range m.exts {
		if st.ext.Name == name {
			st.mu.Lock()
			defer st.mu.Unlock()
			return st.rec.Finished, true
		}
	}
	return BlockID{}, false
}

// Start begins following the chain and running the extensions.
func (m *Manager) Start() error {
	m.mu.Lock()
	if m.started {
		m.mu.Unlock()
		return errors.New("exex: manager already started")
	}
	m.started = true
	m.ctx, m.cancel = context.WithCancel(context.Background())
	m.mu.Unlock()

	chainCh := make(chan core.ChainEvent, 16)
	headCh := make(chan core.ChainHeadEvent, 16)
	chainSub := m.bc.SubscribeChainEvent(chainCh)
	headSub := m.bc.SubscribeChainHeadEvent(headCh)

	m.wg.Add(2)
	go m.eventLoop(chainSub.Err(), headSub.Err(), chainCh, headCh, func() { chainSub.Unsubscribe(); headSub.Unsubscribe() })
	go m.followLoop()
	for _, st := range m.exts {
		m.wg.Add(1)
		go m.runExtension(st)
	}
	m.signal()
	return nil
}

// Stop halts following and delivery and closes the WAL. Extensions see their context
// cancelled. It returns the error that stopped the manager early, if any.
func (m *Manager) Stop() error {
	m.mu.Lock()
	started := m.started
	m.mu.Unlock()
	if started {
		m.cancel()
		m.wg.Wait()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.wal != nil {
		if err := m.wal.close(); err != nil {
			log.Warn("Closing exex WAL failed", "err", err)
		}
		m.wal = nil
	}
	return m.err
}

// Done is closed when the manager stops because of an error; Err then returns it.
func (m *Manager) Done() <-chan struct{} { return m.done }

// Err returns the error that stopped the manager, if any.
func (m *Manager) Err() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}

// fail stops the manager with err; the first error wins.
func (m *Manager) fail(err error) {
	m.errOnce.Do(func() {
		log.Error("Execution extension manager stopped", "err", err)
		m.mu.Lock()
		m.err = err
		m.mu.Unlock()
		close(m.done)
		m.cancel()
		if m.cfg.OnFatal != nil {
			go m.cfg.OnFatal(err)
		}
	})
}

func (m *Manager) signal() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// eventLoop drains geth's feeds at once (a feed blocks the sender until every subscriber has
// taken the event, so this loop must never wait on anything) and wakes the follower.
func (m *Manager) eventLoop(chainErr, headErr <-chan error, chainCh chan core.ChainEvent, headCh chan core.ChainHeadEvent, unsub func()) {
	defer m.wg.Done()
	defer unsub()
	poll := time.NewTicker(m.cfg.PollInterval)
	defer poll.Stop()
	for {
		select {
		case <-m.ctx.Done():
			return
		case <-chainCh:
		case <-headCh:
		case <-poll.C:
		case <-chainErr:
			return
		case <-headErr:
			return
		}
		m.signal()
	}
}

func (m *Manager) followLoop() {
	defer m.wg.Done()
	for {
		select {
		case <-m.ctx.Done():
			return
		case <-m.wake:
		}
		if err := m.sync(m.ctx); err != nil {
			if m.ctx.Err() != nil {
				return
			}
			var transient *transientError
			if errors.As(err, &transient) {
				// The chain moved while we walked it (say, a SetHead deleted a block we were
				// about to read); the next wake-up sees the settled head.
				log.Debug("Exex head sync retried", "err", err)
				time.AfterFunc(50*time.Millisecond, m.signal)
				continue
			}
			m.fail(err)
			return
		}
	}
}

type transientError struct{ err error }

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

// sync turns the difference between the manager's head and the node's head into WAL entries.
func (m *Manager) sync(ctx context.Context) error {
	cur := m.bc.CurrentBlock()
	target := BlockID{cur.Number.Uint64(), cur.Hash()}
	m.mu.Lock()
	old := m.head
	m.mu.Unlock()
	if old == target {
		return nil
	}
	oldIDs, newIDs, err := m.walkBack(old, target)
	if err != nil {
		return err
	}
	var oldChain *Chain
	if len(oldIDs) > 0 {
		oldChain = &Chain{}
		for _, id := range oldIDs {
			b := m.oldBlock(id)
			if b == nil {
				return fmt.Errorf("%w: reverted block %s is in neither the view nor the database", ErrMissingBlock, id)
			}
			oldChain.Blocks = append(oldChain.Blocks, b)
		}
	}
	if len(newIDs) == 0 {
		return m.commit(&Notification{Kind: Reverted, Old: oldChain})
	}
	for start := 0; start < len(newIDs); start += m.cfg.MaxBlocksPerNotification {
		end := min(start+m.cfg.MaxBlocksPerNotification, len(newIDs))
		newChain := &Chain{}
		for _, id := range newIDs[start:end] {
			b, err := m.witnessBlock(ctx, id)
			if err != nil {
				if m.chainMoved(target, id) {
					return &transientError{err}
				}
				return err
			}
			newChain.Blocks = append(newChain.Blocks, b)
		}
		n := &Notification{Kind: Committed, New: newChain}
		if oldChain != nil {
			n.Kind, n.Old, oldChain = Reorged, oldChain, nil
		}
		if err := m.commit(n); err != nil {
			return err
		}
	}
	return nil
}

// chainMoved reports whether the node's chain changed under a sync aimed at target: id left the
// canonical chain, or the head is no longer target. Re-executing id can then fail because a reorg
// or SetHead deleted what it needed; that is expected, and the next sync starts from the new head.
// A failure on a block that is still canonical under an unchanged head is a real error.
func (m *Manager) chainMoved(target, id BlockID) bool {
	if m.bc.GetCanonicalHash(id.Number) != id.Hash {
		return true
	}
	return m.bc.CurrentBlock().Hash() != target.Hash
}

// walkBack finds the common ancestor of old (the manager's head) and target (the node's) and
// returns the blocks each side has above it, lowest first.
func (m *Manager) walkBack(old, target BlockID) (oldIDs, newIDs []BlockID, err error) {
	newParent := func(id BlockID) (BlockID, error) {
		h := m.bc.GetHeader(id.Hash, id.Number)
		if h == nil {
			return BlockID{}, &transientError{fmt.Errorf("%w: header %s", ErrMissingBlock, id)}
		}
		return BlockID{id.Number - 1, h.ParentHash}, nil
	}
	oldParent := func(id BlockID) (BlockID, error) {
		if b := m.viewBlock(id); b != nil {
			return BlockID{id.Number - 1, b.Block.ParentHash()}, nil
		}
		if h := m.bc.GetHeader(id.Hash, id.Number); h != nil {
			return BlockID{id.Number - 1, h.ParentHash}, nil
		}
		return BlockID{}, fmt.Errorf("%w: ancestor of reverted block %s", ErrMissingBlock, id)
	}
	o, n := old, target
	for n.Number > o.Number {
		newIDs = append(newIDs, n)
		if n, err = newParent(n); err != nil {
			return nil, nil, err
		}
	}
	for o.Number > n.Number {
		oldIDs = append(oldIDs, o)
		if o, err = oldParent(o); err != nil {
			return nil, nil, err
		}
	}
	for o.Hash != n.Hash {
		if o.Number == 0 {
			return nil, nil, fmt.Errorf("exex: chain %s shares no ancestor with %s (different genesis)", target, old)
		}
		oldIDs = append(oldIDs, o)
		newIDs = append(newIDs, n)
		if o, err = oldParent(o); err != nil {
			return nil, nil, err
		}
		if n, err = newParent(n); err != nil {
			return nil, nil, err
		}
	}
	slices.Reverse(oldIDs)
	slices.Reverse(newIDs)
	return oldIDs, newIDs, nil
}

func (m *Manager) viewBlock(id BlockID) *Block {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.view) == 0 {
		return nil
	}
	base := m.view[0].Block.NumberU64()
	if id.Number < base || id.Number-base >= uint64(len(m.view)) {
		return nil
	}
	if b := m.view[id.Number-base]; b.Block.Hash() == id.Hash {
		return b
	}
	return nil
}

// oldBlock returns a block being reverted: from the view (the node may have deleted it in a
// SetHead) or else from the database.
func (m *Manager) oldBlock(id BlockID) *Block {
	if b := m.viewBlock(id); b != nil {
		return b
	}
	return m.loadBlock(id)
}

func (m *Manager) loadBlock(id BlockID) *Block {
	blk := m.bc.GetBlock(id.Hash, id.Number)
	if blk == nil {
		return nil
	}
	receipts := m.bc.GetReceiptsByHash(id.Hash)
	if len(receipts) != len(blk.Transactions()) {
		return nil
	}
	return &Block{Block: blk, Receipts: receipts}
}

// witnessBlock loads a block of the new chain and re-executes it on its parent state to
// collect its witness.
func (m *Manager) witnessBlock(ctx context.Context, id BlockID) (*Block, error) {
	b := m.loadBlock(id)
	if b == nil {
		return nil, &transientError{fmt.Errorf("%w: new block %s", ErrMissingBlock, id)}
	}
	w, err := WitnessBlock(ctx, m.bc, b.Block)
	if err != nil {
		return nil, err
	}
	b.Witness = w
	if b.AccountProofs, err = ProveBlockAccounts(m.bc, b.Block, m.cfg.ProveAccounts); err != nil {
		return nil, err
	}
	m.met.witnessed.Inc(1)
	return b, nil
}

// ProveAccounts returns the trie nodes proving addrs (present or absent) in the state with
// the given root, which the node must still hold; sorted by hash, without duplicates. Nil
// when addrs is empty.
func ProveAccounts(bc *core.BlockChain, root common.Hash, addrs []common.Address) ([][]byte, error) {
	return proveAccounts(bc, []common.Hash{root}, addrs)
}

// ProveBlockAccounts returns the trie nodes proving addrs (present or absent) both in block's
// parent state and in its post-state (Block.AccountProofs): the STF proves the message passer
// in each, for the parent's output root and the block's. Sorted by hash, without duplicates;
// nil when addrs is empty.
func ProveBlockAccounts(bc *core.BlockChain, block *types.Block, addrs []common.Address) ([][]byte, error) {
	if len(addrs) == 0 {
		return nil, nil
	}
	parent := bc.GetHeader(block.ParentHash(), block.NumberU64()-1)
	if parent == nil {
		return nil, fmt.Errorf("%w: parent %x of block %d for account proofs", ErrMissingState, block.ParentHash(), block.NumberU64())
	}
	return proveAccounts(bc, []common.Hash{parent.Root, block.Root()}, addrs)
}

func proveAccounts(bc *core.BlockChain, roots []common.Hash, addrs []common.Address) ([][]byte, error) {
	if len(addrs) == 0 {
		return nil, nil
	}
	// A memorydb keyed by node hash deduplicates the nodes the proofs share and iterates in
	// hash order.
	proof := memorydb.New()
	for _, root := range roots {
		tr, err := trie.NewStateTrie(trie.StateTrieID(root), bc.TrieDB())
		if err != nil {
			return nil, fmt.Errorf("%w: state %x for account proofs: %v", ErrMissingState, root, err)
		}
		for _, a := range addrs {
			if err := tr.Prove(crypto.Keccak256(a.Bytes()), proof); err != nil {
				return nil, fmt.Errorf("%w: prove account %v in state %x: %v", ErrMissingState, a, root, err)
			}
		}
	}
	var out [][]byte
	it := proof.NewIterator(nil, nil)
	defer it.Release()
	for it.Next() {
		out = append(out, slices.Clone(it.Value()))
	}
	return out, nil
}

// commit makes n durable, then visible to the extensions.
func (m *Manager) commit(n *Notification) error {
	start := time.Now()
	enc, err := EncodeEntry(n)
	if err != nil {
		return err
	}
	m.mu.Lock()
	seq, err := m.wal.append(enc, n)
	m.mu.Unlock()
	if err != nil {
		return err
	}
	m.met.walWrite.UpdateSince(start)
	if h := m.cfg.hooks; h != nil && h.afterWALWrite != nil {
		if err := h.afterWALWrite(seq); err != nil {
			return err
		}
	}
	m.mu.Lock()
	m.applyToView(n)
	m.cache[seq] = n
	// The gauges follow the WAL before anyone is woken, so a reader that has seen entry seq
	// also sees it counted.
	m.updateWALMetricsLocked()
	close(m.notify)
	m.notify = make(chan struct{})
	m.mu.Unlock()
	m.met.notifications.Inc(1)
	log.Debug("Exex notification", "seq", seq, "kind", n.Kind, "old", n.Old.Range(), "new", n.New.Range())
	m.prune()
	return nil
}

// applyToView moves the in-memory canonical view and head by n. Caller holds mu (or is New).
func (m *Manager) applyToView(n *Notification) {
	if n.Old != nil {
		parent := n.Old.Parent()
		keep := 0
		for i, b := range m.view {
			if b.Block.NumberU64() <= parent.Number {
				keep = i + 1
			}
		}
		m.view = m.view[:keep]
		if keep > 0 && m.view[keep-1].ID() != parent {
			m.view = nil
		}
	}
	if n.New != nil {
		if len(m.view) > 0 && m.view[len(m.view)-1].ID() != n.New.Parent() {
			m.view = nil
		}
		for _, b := range n.New.Blocks {
			m.view = append(m.view, &Block{Block: b.Block, Receipts: b.Receipts})
		}
	}
	if over := len(m.view) - m.cfg.ViewDepth; over > 0 {
		m.view = slices.Clone(m.view[over:])
	}
	m.head = n.Tip()
}

// load returns entry seq, from the cache or the WAL. ok is false for a skipped corrupt entry.
func (m *Manager) load(seq uint64) (n *Notification, ok bool, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if n := m.cache[seq]; n != nil {
		return n, true, nil
	}
	if m.wal == nil {
		return nil, false, ErrStopped
	}
	if meta, found := m.wal.meta[seq]; found && meta.corrupt {
		return nil, false, nil
	}
	n, err = m.wal.read(seq)
	if err != nil {
		return nil, false, err
	}
	return n, true, nil
}

// prune drops WAL entries that every extension has finished and that are final or deep, and
// trims the decoded-entry cache.
func (m *Manager) prune() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.wal == nil {
		return
	}
	minAck, minCursor := m.wal.next-1, m.wal.next
	for _, st := range m.exts {
		st.mu.Lock()
		minAck = min(minAck, st.rec.AckSeq)
		minCursor = min(minCursor, st.cursor)
		m.reportLag(st, m.wal.next)
		st.mu.Unlock()
	}
	var final uint64
	if f := m.bc.CurrentFinalBlock(); f != nil {
		final = f.Number.Uint64()
	}
	last := uint64(0)
	for seq := m.wal.first; seq <= minAck; seq++ {
		meta := m.wal.meta[seq]
		if !(meta.maxNum <= final || meta.maxNum+m.cfg.PruneDepth <= m.head.Number) {
			break
		}
		last = seq
	}
	if last > 0 {
		if err := m.wal.pruneThrough(last); err != nil {
			log.Warn("Exex WAL pruning failed", "err", err)
		}
	}
	// Entries every extension has been handed are only needed again after a restart, which
	// reads the WAL; keep a bounded number of the newest ones decoded.
	for seq := range m.cache {
		if seq < minCursor || seq+uint64(4*m.cfg.BufferSize) < m.wal.next {
			delete(m.cache, seq)
		}
	}
	m.updateWALMetricsLocked()
}

func (m *Manager) updateWALMetrics() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.updateWALMetricsLocked()
}

func (m *Manager) updateWALMetricsLocked() {
	w := m.wal
	m.met.walBytes.Update(w.bytes)
	m.met.walEntries.Update(int64(w.next - w.first))
	lo, hi := uint64(0), uint64(0)
	if w.next > w.first {
		lo, hi = ^uint64(0), 0
		for _, meta := range w.meta {
			if meta.corrupt {
				continue
			}
			lo = min(lo, meta.minNum)
			hi = max(hi, meta.maxNum)
		}
		if lo > hi {
			lo = 0
		}
	}
	m.met.walLowest.Update(int64(lo))
	m.met.walHighest.Update(int64(hi))
	m.met.head.Update(int64(m.head.Number))
}

// WitnessBlock re-executes block on its parent's state (which the node must still have) and
// returns the execution witness. It writes nothing to the node's database.
func WitnessBlock(ctx context.Context, bc *core.BlockChain, block *types.Block) (*stateless.Witness, error) {
	parent := bc.GetHeader(block.ParentHash(), block.NumberU64()-1)
	if parent == nil {
		return nil, fmt.Errorf("%w: parent of block %d [%x] unknown", ErrMissingBlock, block.NumberU64(), block.Hash())
	}
	if !bc.HasState(parent.Root) {
		return nil, fmt.Errorf("%w: cannot witness block %d [%x]: state %x of its parent is gone (not an archive node, or beyond its state history)", ErrMissingState, block.NumberU64(), block.Hash(), parent.Root)
	}
	res, err := bc.ProcessBlock(ctx, parent.Root, block, core.ExecuteConfig{MakeWitness: true})
	if err != nil {
		return nil, fmt.Errorf("exex: re-execute block %d [%x] for its witness: %w", block.NumberU64(), block.Hash(), err)
	}
	if res.Witness() == nil {
		return nil, fmt.Errorf("exex: geth made no witness for block %d (pre-Byzantium?)", block.NumberU64())
	}
	return res.Witness(), nil
}
