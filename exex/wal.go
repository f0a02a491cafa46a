package exex

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/ethereum/go-ethereum/log"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rlp"
)

// Key layout of the WAL's pebble database:
//
//	"e" ‖ seq (8 bytes, big endian)  → entry (see encoding.go); seq starts at 1, no gaps
//	"h"                              → RLP(BlockID): the head the last entry brought the chain to
//	"x" ‖ extension name             → RLP(extRecord): what that extension has finished
var (
	keyEntryPrefix = []byte("e")
	keyHead        = []byte("h")
	keyExtPrefix   = []byte("x")
)

func entryKey(seq uint64) []byte {
	k := make([]byte, 9)
	k[0] = keyEntryPrefix[0]
	binary.BigEndian.PutUint64(k[1:], seq)
	return k
}

// extRecord is an extension's durable progress. AckSeq is the last WAL entry it finished in
// full; it restarts from AckSeq+1. Backfill, when set, is the head a backfill started at
// registration has to reach before WAL delivery (from AckSeq+1) begins.
type extRecord struct {
	Finished BlockID
	AckSeq   uint64
	Backfill *BlockID `rlp:"nil"`
}

// entryMeta is what the manager keeps in memory for each WAL entry.
type entryMeta struct {
	tip     BlockID
	minNum  uint64 // lowest block number the entry carries
	maxNum  uint64 // highest
	size    int64
	corrupt bool
}

// wal is the pebble-backed write-ahead log of notifications. It is not safe for concurrent
// use; the manager serialises access with its lock.
type wal struct {
	db          *pebble.DB
	config      *params.ChainConfig
	first, next uint64 // entries live in [first, next)
	meta        map[uint64]entryMeta
	bytes       int64
}

// openWAL opens (or creates) the WAL in dir and scans its entries. replay is called with every
// decodable entry in order; a corrupt entry is an error unless skipCorrupt, in which case it is
// logged and skipped.
func openWAL(dir string, fs vfs.FS, config *params.ChainConfig, skipCorrupt bool, replay func(seq uint64, n *Notification)) (*wal, error) {
	opts := &pebble.Options{Logger: PebbleLogger{Store: "exex WAL"}}
	if fs != nil {
		opts.FS = fs
	}
	db, err := pebble.Open(dir, opts)
	if err != nil {
		return nil, fmt.Errorf("exex: open WAL %s: %w", dir, err)
	}
	w := &wal{db: db, config: config, meta: make(map[uint64]entryMeta), first: 1, next: 1}
	if err := w.scan(skipCorrupt, replay); err != nil {
		db.Close()
		return nil, err
	}
	return w, nil
}

func (w *wal) scan(skipCorrupt bool, replay func(uint64, *Notification)) error {
	it, err := w.db.NewIter(&pebble.IterOptions{LowerBound: entryKey(0), UpperBound: entryKey(^uint64(0))})
	if err != nil {
		return fmt.Errorf("exex: scan WAL: %w", err)
	}
	defer it.Close()
	firstSeen := true
	for it.First(); it.Valid(); it.Next() {
		key := it.Key()
		if len(key) != 9 {
			return fmt.Errorf("%w: bad key %x", ErrCorruptEntry, key)
		}
		seq := binary.BigEndian.Uint64(key[1:])
		if firstSeen {
			w.first, w.next, firstSeen = seq, seq, false
		}
		if seq != w.next {
			return fmt.Errorf("%w: entries %d..%d missing", ErrCorruptEntry, w.next, seq-1)
		}
		val := it.Value()
		n, err := DecodeEntry(val, w.config)
		if err != nil {
			if !skipCorrupt {
				return fmt.Errorf("exex: WAL entry %d: %w", seq, err)
			}
			log.Warn("Skipping corrupt exex WAL entry", "seq", seq, "err", err)
			w.meta[seq] = entryMeta{corrupt: true, size: int64(len(val))}
		} else {
			w.meta[seq] = metaOf(n, len(val))
			replay(seq, n)
		}
		w.bytes += int64(len(val))
		w.next = seq + 1
	}
	return it.Error()
}

func metaOf(n *Notification, size int) entryMeta {
	m := entryMeta{tip: n.Tip(), size: int64(size), minNum: ^uint64(0)}
	for _, c := range []*Chain{n.Old, n.New} {
		if c != nil {
			m.minNum = min(m.minNum, c.First().Block.NumberU64())
			m.maxNum = max(m.maxNum, c.Tip().Block.NumberU64())
		}
	}
	return m
}

// append durably writes the entry and the head it leads to, returning the entry's sequence.
func (w *wal) append(enc []byte, n *Notification) (uint64, error) {
	seq := w.next
	head, err := rlp.EncodeToBytes(n.Tip())
	if err != nil {
		return 0, err
	}
	b := w.db.NewBatch()
	defer b.Close()
	if err := b.Set(entryKey(seq), enc, nil); err != nil {
		return 0, err
	}
	if err := b.Set(keyHead, head, nil); err != nil {
		return 0, err
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return 0, fmt.Errorf("exex: WAL append: %w", err)
	}
	w.meta[seq] = metaOf(n, len(enc))
	w.bytes += int64(len(enc))
	w.next++
	return seq, nil
}

// read returns entry seq decoded.
func (w *wal) read(seq uint64) (*Notification, error) {
	val, closer, err := w.db.Get(entryKey(seq))
	if err != nil {
		return nil, fmt.Errorf("exex: WAL entry %d: %w", seq, err)
	}
	defer closer.Close()
	n, err := DecodeEntry(val, w.config)
	if err != nil {
		return nil, fmt.Errorf("exex: WAL entry %d: %w", seq, err)
	}
	return n, nil
}

// head returns the head recorded with the last entry, if any.
func (w *wal) head() (BlockID, bool, error) {
	var id BlockID
	ok, err := w.getRLP(keyHead, &id)
	return id, ok, err
}

func (w *wal) setHead(id BlockID) error {
	enc, err := rlp.EncodeToBytes(id)
	if err != nil {
		return err
	}
	return w.db.Set(keyHead, enc, pebble.Sync)
}

func (w *wal) extRecord(name string) (extRecord, bool, error) {
	var rec extRecord
	ok, err := w.getRLP(append(keyExtPrefix[:1:1], name...), &rec)
	return rec, ok, err
}

// setExtRecord durably records an extension's progress (losing it would only mean
// redelivery, but a resumed backfill should not redo hours of re-execution).
func (w *wal) setExtRecord(name string, rec extRecord) error {
	enc, err := rlp.EncodeToBytes(&rec)
	if err != nil {
		return err
	}
	return w.db.Set(append(keyExtPrefix[:1:1], name...), enc, pebble.Sync)
}

func (w *wal) getRLP(key []byte, v any) (bool, error) {
	val, closer, err := w.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer closer.Close()
	if err := rlp.DecodeBytes(val, v); err != nil {
		return false, fmt.Errorf("%w: key %q: %v", ErrCorruptEntry, key, err)
	}
	return true, nil
}

// pruneThrough deletes entries up to and including seq.
func (w *wal) pruneThrough(seq uint64) error {
	if seq < w.first {
		return nil
	}
	if err := w.db.DeleteRange(entryKey(w.first), entryKey(seq+1), pebble.NoSync); err != nil {
		return fmt.Errorf("exex: WAL prune: %w", err)
	}
	for s := w.first; s <= seq; s++ {
		w.bytes -= w.meta[s].size
		delete(w.meta, s)
	}
	w.first = seq + 1
	return nil
}

func (w *wal) close() error { return w.db.Close() }
