package proposer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"

	"github.com/cockroachdb/pebble/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/rlp"
)

// Store records what the proposer sent and what landed, so that a restarted proposer never sends a
// second transaction for a proposal whose first one may still be mined. Implementations must make
// each write durable before returning.
type Store interface {
	// Pending returns the proposal transaction in flight, or nil when there is none.
	Pending() (*Pending, error)
	PutPending(p *Pending) error
	DeletePending() error
	// PutRelayed records a proposal the oracle holds.
	PutRelayed(r *Relayed) error
	// Relayed returns the record for an L2 block, or ErrNotRecorded.
	Relayed(l2Block uint64) (*Relayed, error)
	// LastRelayed returns the record with the highest L2 block, or ErrNotRecorded.
	LastRelayed() (*Relayed, error)
}

// ErrNotRecorded: the store holds no record for that key.
var ErrNotRecorded = errors.New("proposer: not recorded")

// ErrCorruptRecord: a stored record does not decode.
var ErrCorruptRecord = errors.New("proposer: corrupt store record")

// Pending is the proposal transaction in flight: one nonce, and every transaction hash sent for it
// (replacements with bumped fees share the nonce, so at most one of them is ever mined).
type Pending struct {
	L2BlockNumber uint64
	OutputRoot    common.Hash
	Nonce         uint64
	TxHashes      []common.Hash
	GasTipCap     *big.Int
	GasFeeCap     *big.Int
	GasLimit      uint64
	RawTx         []byte // the latest signed transaction, to re-broadcast if the node lost it
}

// Relayed is a proposal the oracle holds.
type Relayed struct {
	L2BlockNumber uint64
	OutputRoot    common.Hash
	OutputIndex   uint64
	L1BlockNumber uint64      // 0 when found already on chain with no record of its transaction
	L1BlockHash   common.Hash // zero likewise
	TxHash        common.Hash // zero likewise
}

// Record encodings are RLP of the structs above, versioned by a leading byte.
const recordVersion = 1

func encodeRecord(v any) ([]byte, error) {
	enc, err := rlp.EncodeToBytes(v)
	if err != nil {
		return nil, err
	}
	return append([]byte{recordVersion}, enc...), nil
}

func decodeRecord(b []byte, v any) error {
	if len(b) == 0 || b[0] != recordVersion {
		return fmt.Errorf("%w: unknown version", ErrCorruptRecord)
	}
	if err := rlp.DecodeBytes(b[1:], v); err != nil {
		return fmt.Errorf("%w: %w", ErrCorruptRecord, err)
	}
	return nil
}

// DecodePending decodes a stored Pending record.
func DecodePending(b []byte) (*Pending, error) {
	p := new(Pending)
	if err := decodeRecord(b, p); err != nil {
		return nil, err
	}
	if p.GasTipCap == nil || p.GasFeeCap == nil {
		return nil, fmt.Errorf("%w: pending record without fees", ErrCorruptRecord)
	}
	return p, nil
}

// DecodeRelayed decodes a stored Relayed record.
func DecodeRelayed(b []byte) (*Relayed, error) {
	r := new(Relayed)
	if err := decodeRecord(b, r); err != nil {
		return nil, err
	}
	return r, nil
}

// PebbleStore keeps the records in a pebble DB under a key prefix, so that the proposer can share
// one DB with the derivation pipeline. It does not own the DB: closing it is the caller's job.
type PebbleStore struct {
	db     *pebble.DB
	prefix []byte
}

// NewPebbleStore returns a store using keys that start with prefix (non-empty, and not a prefix of
// any other user's keys).
func NewPebbleStore(db *pebble.DB, prefix []byte) (*PebbleStore, error) {
	if db == nil || len(prefix) == 0 {
		return nil, errors.New("proposer: pebble store needs a DB and a non-empty key prefix")
	}
	return &PebbleStore{db: db, prefix: append([]byte{}, prefix...)}, nil
}

func (s *PebbleStore) key(parts ...[]byte) []byte {
	k := append([]byte{}, s.prefix...)
	for _, p := range parts {
		k = append(k, p...)
	}
	return k
}

var (
	pendingKey     = []byte("p")
	relayedKeyBase = []byte("r")
)

func (s *PebbleStore) relayedKey(l2Block uint64) []byte {
	return s.key(relayedKeyBase, binary.BigEndian.AppendUint64(nil, l2Block))
}

func (s *PebbleStore) get(key []byte) ([]byte, error) {
	v, closer, err := s.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, ErrNotRecorded
	}
	if err != nil {
		return nil, fmt.Errorf("proposer store: %w", err)
	}
	defer closer.Close()
	return append([]byte{}, v...), nil
}

func (s *PebbleStore) put(key []byte, v any) error {
	enc, err := encodeRecord(v)
	if err != nil {
		return err
	}
	if err := s.db.Set(key, enc, pebble.Sync); err != nil {
		return fmt.Errorf("proposer store: %w", err)
	}
	return nil
}

// Pending implements Store.
func (s *PebbleStore) Pending() (*Pending, error) {
	b, err := s.get(s.key(pendingKey))
	if errors.Is(err, ErrNotRecorded) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return DecodePending(b)
}

// PutPending implements Store.
func (s *PebbleStore) PutPending(p *Pending) error { return s.put(s.key(pendingKey), p) }

// DeletePending implements Store.
func (s *PebbleStore) DeletePending() error {
	if err := s.db.Delete(s.key(pendingKey), pebble.Sync); err != nil {
		return fmt.Errorf("proposer store: %w", err)
	}
	return nil
}

// PutRelayed implements Store.
func (s *PebbleStore) PutRelayed(r *Relayed) error { return s.put(s.relayedKey(r.L2BlockNumber), r) }

// Relayed implements Store.
func (s *PebbleStore) Relayed(l2Block uint64) (*Relayed, error) {
	b, err := s.get(s.relayedKey(l2Block))
	if err != nil {
		return nil, err
	}
	return DecodeRelayed(b)
}

// LastRelayed implements Store.
func (s *PebbleStore) LastRelayed() (*Relayed, error) {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: s.relayedKey(0), UpperBound: s.key(relayedKeyBase, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})})
	if err != nil {
		return nil, fmt.Errorf("proposer store: %w", err)
	}
	defer it.Close()
	if !it.Last() {
		if err := it.Error(); err != nil {
			return nil, fmt.Errorf("proposer store: %w", err)
		}
		return nil, ErrNotRecorded
	}
	return DecodeRelayed(append([]byte{}, it.Value()...))
}
