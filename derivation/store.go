package derivation

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/zkexex/zkexex/exex"
	"github.com/zkexex/zkexex/stf"
)

// ErrCorruptRecord is returned for a store record that does not decode.
var ErrCorruptRecord = errors.New("derivation: corrupt store record")

// Store layout (pebble), every value versioned by its first byte (1):
//
//	"v"          store format version
//	"a"          anchor: RLP [number, hash, outputRoot]
//	"b" ‖ be64 n canonical view block n: RLP [hash, parentHash, stf.Input encoding or empty]
//	"p" ‖ be64 n proven block n: RLP [hash, stf.Claim ABI, spanStart, spanEnd]
//	"s" ‖ be64 e the receipt of the span ending at e (prover/receipt encoding)
//	"o"          the highest span end handed to the proposer successfully, or with an Oracle the
//	             oracle's latest output as last read (be64)
//	"t"          the lowest block still in the proven index, once retention pruned below it (be64)
//	"l" ‖ be64 n where block n's output landed on L1: RLP [l2Hash, outputIndex, l1Block, l1Tx]
//
// Version 2: stf.Claim gained its ninth word (parentOutputRoot), so version-1 "p" records no
// longer decode; a version-1 store is refused at open rather than failing record by record.
const (
	storeVersion  = 2
	recordVersion = 1
)

var (
	keyVersion  = []byte("v")
	keyAnchor   = []byte("a")
	keyProposed = []byte("o")
	keyTail     = []byte("t")
)

func numKey(prefix byte, n uint64) []byte {
	k := make([]byte, 9)
	k[0] = prefix
	binary.BigEndian.PutUint64(k[1:], n)
	return k
}

// Anchor is the block the pipeline starts after (the oracle's starting block) and its output
// root (the oracle's startingOutputRoot).
type Anchor struct {
	Number     uint64
	Hash       common.Hash
	OutputRoot common.Hash
}

// viewRecord is one block of the canonical view.
type viewRecord struct {
	Hash   common.Hash
	Parent common.Hash
	Input  []byte // stf.Input encoding; emptied once the block is deep below the proven head
}

// ProvenBlock is the proven-block index entry of one block.
type ProvenBlock struct {
	Number    uint64      `json:"number"`
	Hash      common.Hash `json:"hash"`
	Claim     stf.Claim   `json:"claim"`
	SpanStart uint64      `json:"spanStart"`
	SpanEnd   uint64      `json:"spanEnd"`
	// L1 says where the block's output root landed on L1, once the proposer recorded it;
	// nil before that and for blocks inside a span (only span ends are proposed: see the
	// entry of SpanEnd).
	L1 *OnL1 `json:"l1,omitempty"`
}

// OnL1 is where an output root landed in the L1 oracle.
type OnL1 struct {
	OutputIndex   uint64      `json:"outputIndex"`
	L1BlockNumber uint64      `json:"l1BlockNumber"`
	L1TxHash      common.Hash `json:"l1TxHash"`
}

type onL1RLP struct {
	L2Hash common.Hash
	OnL1
}

// decodeLanding decodes an "l" record; malformed input is ErrCorruptRecord.
func decodeLanding(b []byte) (*onL1RLP, error) {
	var r onL1RLP
	if err := decodeRecord(b, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

type provenRLP struct {
	Hash      common.Hash
	Claim     []byte
	SpanStart uint64
	SpanEnd   uint64
}

func encodeRecord(v any) ([]byte, error) {
	b, err := rlp.EncodeToBytes(v)
	if err != nil {
		return nil, err
	}
	return append([]byte{recordVersion}, b...), nil
}

func decodeRecord(b []byte, v any) error {
	if len(b) == 0 || b[0] != recordVersion {
		return fmt.Errorf("%w: version", ErrCorruptRecord)
	}
	if err := rlp.DecodeBytes(b[1:], v); err != nil {
		return fmt.Errorf("%w: %v", ErrCorruptRecord, err)
	}
	return nil
}

// EncodeProven encodes an index entry (the record stored under "p").
func EncodeProven(p *ProvenBlock) ([]byte, error) {
	return encodeRecord(&provenRLP{Hash: p.Hash, Claim: p.Claim.ABI(), SpanStart: p.SpanStart, SpanEnd: p.SpanEnd})
}

// DecodeProven decodes an index entry of block number n; malformed input is ErrCorruptRecord.
func DecodeProven(n uint64, b []byte) (*ProvenBlock, error) {
	var r provenRLP
	if err := decodeRecord(b, &r); err != nil {
		return nil, err
	}
	claim, err := stf.DecodeClaim(r.Claim)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorruptRecord, err)
	}
	if claim.BlockNumber != n || claim.BlockHash != r.Hash || r.SpanStart > n || r.SpanEnd < n {
		return nil, fmt.Errorf("%w: entry of block %d is inconsistent", ErrCorruptRecord, n)
	}
	return &ProvenBlock{Number: n, Hash: r.Hash, Claim: claim, SpanStart: r.SpanStart, SpanEnd: r.SpanEnd}, nil
}

func decodeView(b []byte) (*viewRecord, error) {
	var r viewRecord
	if err := decodeRecord(b, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// store owns the pipeline's pebble DB: the layout above, the record codecs and durable reads
// and writes. It holds no state of its own; the view, the index's heads and the scheduler keep
// theirs in memory and write through it in batches that Run's goroutine commits.
type store struct{ db *pebble.DB }

func openStore(dir string) (*store, error) {
	db, err := pebble.Open(dir, &pebble.Options{Logger: exex.PebbleLogger{Store: "derivation store"}})
	if err != nil {
		return nil, fmt.Errorf("derivation: open store %s: %w", dir, err)
	}
	s := &store{db: db}
	v, err := s.get(keyVersion)
	if err != nil {
		db.Close()
		return nil, err
	}
	switch {
	case v == nil:
		if err := db.Set(keyVersion, []byte{storeVersion}, pebble.Sync); err != nil {
			db.Close()
			return nil, err
		}
	case len(v) != 1 || v[0] != storeVersion:
		db.Close()
		return nil, fmt.Errorf("%w: store version %x", ErrCorruptRecord, v)
	}
	return s, nil
}

func (s *store) close() error { return s.db.Close() }

// get returns a copy of the value, nil when absent.
func (s *store) get(key []byte) ([]byte, error) {
	v, closer, err := s.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	return append([]byte{}, v...), nil
}

// scan calls f for every key with the one-byte prefix, in order.
func (s *store) scan(prefix byte, f func(n uint64, v []byte) error) error {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefix}, UpperBound: []byte{prefix + 1}})
	if err != nil {
		return err
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		k := it.Key()
		if len(k) != 9 {
			return fmt.Errorf("%w: key %x", ErrCorruptRecord, k)
		}
		if err := f(binary.BigEndian.Uint64(k[1:]), it.Value()); err != nil {
			return err
		}
	}
	return it.Error()
}
