package proposer

import (
	"errors"
	"math/big"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/ethereum/go-ethereum/common"
)

func TestPebbleStore(t *testing.T) {
	db, err := pebble.Open(t.TempDir(), &pebble.Options{Logger: quietPebble{}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Another user's keys in the same DB, on both sides of the prefix range.
	for _, k := range []string{"zkexex/derivation/x", "zkexex/proposer0", "zkexex/proposer/", "zkexex/proposer/s"} {
		if err := db.Set([]byte(k), []byte("other"), pebble.Sync); err != nil {
			t.Fatal(err)
		}
	}
	s, err := NewPebbleStore(db, []byte("zkexex/proposer/"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewPebbleStore(db, nil); err == nil {
		t.Fatal("empty prefix accepted")
	}

	if p, err := s.Pending(); err != nil || p != nil {
		t.Fatalf("empty pending: %+v, %v", p, err)
	}
	if _, err := s.LastRelayed(); !errors.Is(err, ErrNotRecorded) {
		t.Fatalf("empty last: %v", err)
	}
	if _, err := s.Relayed(10); !errors.Is(err, ErrNotRecorded) {
		t.Fatalf("empty relayed: %v", err)
	}

	pend := &Pending{L2BlockNumber: 10, OutputRoot: common.HexToHash("0x01"), Nonce: 7,
		TxHashes: []common.Hash{common.HexToHash("0xaa"), common.HexToHash("0xbb")}, GasTipCap: big.NewInt(3), GasFeeCap: big.NewInt(9), GasLimit: 300_000, RawTx: []byte{1, 2}}
	if err := s.PutPending(pend); err != nil {
		t.Fatal(err)
	}
	got, err := s.Pending()
	if err != nil || got.Nonce != 7 || len(got.TxHashes) != 2 || got.TxHashes[1] != pend.TxHashes[1] || got.GasFeeCap.Int64() != 9 || got.OutputRoot != pend.OutputRoot {
		t.Fatalf("pending roundtrip %+v, %v", got, err)
	}
	if err := s.DeletePending(); err != nil {
		t.Fatal(err)
	}
	if p, err := s.Pending(); err != nil || p != nil {
		t.Fatalf("deleted pending: %+v, %v", p, err)
	}

	// Records sort by L2 block numerically (big-endian keys), not by their decimal spelling.
	for _, n := range []uint64{10, 2, 300, 1 << 40} {
		if err := s.PutRelayed(&Relayed{L2BlockNumber: n, OutputRoot: common.BigToHash(new(big.Int).SetUint64(n)), OutputIndex: n / 10}); err != nil {
			t.Fatal(err)
		}
	}
	last, err := s.LastRelayed()
	if err != nil || last.L2BlockNumber != 1<<40 {
		t.Fatalf("last %+v, %v", last, err)
	}
	r, err := s.Relayed(300)
	if err != nil || r.OutputIndex != 30 || r.OutputRoot != common.BigToHash(big.NewInt(300)) {
		t.Fatalf("relayed(300) %+v, %v", r, err)
	}
	// The other user's keys are untouched.
	for _, k := range []string{"zkexex/derivation/x", "zkexex/proposer0", "zkexex/proposer/s"} {
		v, closer, err := db.Get([]byte(k))
		if err != nil || string(v) != "other" {
			t.Fatalf("%s: %q, %v", k, v, err)
		}
		closer.Close()
	}

	// A corrupt record is a typed error, not a panic.
	if err := db.Set([]byte("zkexex/proposer/p"), []byte{recordVersion, 0xff}, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pending(); !errors.Is(err, ErrCorruptRecord) {
		t.Fatalf("corrupt pending: %v", err)
	}
}

func FuzzDecodeRecords(f *testing.F) {
	for _, v := range []any{
		&Pending{L2BlockNumber: 1, Nonce: 2, TxHashes: []common.Hash{{1}}, GasTipCap: big.NewInt(1), GasFeeCap: big.NewInt(2), RawTx: []byte{3}},
		&Relayed{L2BlockNumber: 10, OutputIndex: 1, L1BlockNumber: 5},
	} {
		enc, err := encodeRecord(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
	}
	f.Add([]byte{})
	f.Add([]byte{recordVersion})
	f.Fuzz(func(t *testing.T, b []byte) {
		if p, err := DecodePending(b); err == nil {
			enc, err := encodeRecord(p)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := DecodePending(enc); err != nil {
				t.Fatalf("re-encoded pending does not decode: %v", err)
			}
		} else if !errors.Is(err, ErrCorruptRecord) {
			t.Fatalf("untyped error %v", err)
		}
		if _, err := DecodeRelayed(b); err != nil && !errors.Is(err, ErrCorruptRecord) {
			t.Fatalf("untyped error %v", err)
		}
	})
}
