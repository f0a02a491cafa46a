package exex_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/trie"
	"github.com/zkexex/zkexex/exex"
	"github.com/zkexex/zkexex/exex/exextest"
)

// sampleNotifications builds one notification of each kind from a real chain, with receipts
// and witnesses taken from the node.
func sampleNotifications(t testing.TB, txs, n int) (*exextest.Chain, []*exex.Notification) {
	t.Helper()
	chain := exextest.NewChain(t, exextest.Options{Seed: 7, TxsPerBlock: txs})
	blocks := chain.Extend(n)
	full := func(bs []*types.Block) *exex.Chain {
		c := &exex.Chain{}
		for _, b := range bs {
			w, err := exex.WitnessBlock(context.Background(), chain.BC, b)
			if err != nil {
				t.Fatal(err)
			}
			c.Blocks = append(c.Blocks, &exex.Block{Block: b, Receipts: chain.BC.GetReceiptsByHash(b.Hash()), Witness: w})
		}
		return c
	}
	dropped, added := chain.Reorg(min(2, n), 3)
	return chain, []*exex.Notification{
		{Kind: exex.Committed, New: full(blocks)},
		{Kind: exex.Reorged, Old: full(dropped), New: full(added)},
		{Kind: exex.Reverted, Old: full(added)},
	}
}

func TestEntryRoundTrip(t *testing.T) {
	chain, ns := sampleNotifications(t, 6, 4)
	for _, n := range ns {
		t.Run(n.Kind.String(), func(t *testing.T) {
			enc, err := exex.EncodeEntry(n)
			if err != nil {
				t.Fatal(err)
			}
			dec, err := exex.DecodeEntry(enc, chain.Config)
			if err != nil {
				t.Fatal(err)
			}
			if dec.Kind != n.Kind || !slices.Equal(chainIDs(dec.Old), chainIDs(n.Old)) || !slices.Equal(chainIDs(dec.New), chainIDs(n.New)) {
				t.Fatalf("decoded %v, want %v", dec, n)
			}
			for _, c := range []*exex.Chain{dec.Old, dec.New} {
				if c == nil {
					continue
				}
				for _, b := range c.Blocks {
					if err := exextest.ValidateWitness(chain.Config, b); err != nil {
						t.Fatalf("witness after round trip: %v", err)
					}
					if got := types.DeriveSha(b.Receipts, trie.NewStackTrie(nil)); got != b.Block.ReceiptHash() {
						t.Fatalf("block %d: receipts root %x after round trip, want %x", b.Block.NumberU64(), got, b.Block.ReceiptHash())
					}
					for j, r := range b.Receipts {
						if r.TxHash != b.Block.Transactions()[j].Hash() || r.BlockNumber.Uint64() != b.Block.NumberU64() {
							t.Fatalf("block %d receipt %d: derived fields not restored", b.Block.NumberU64(), j)
						}
					}
				}
			}
			// Deterministic: re-encoding the decoded entry gives the same bytes.
			again, err := exex.EncodeEntry(dec)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(enc, again) {
				t.Fatal("re-encoding differs")
			}
		})
	}
}

func TestEntryCorruption(t *testing.T) {
	chain, ns := sampleNotifications(t, 6, 4)
	enc, err := exex.EncodeEntry(ns[1])
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		b := bytes.Clone(enc)
		b[i] ^= 0x40
		return b
	}
	version := bytes.Clone(enc)
	version[0] = 9
	// A payload with a valid checksum that is not an entry.
	bogus := []byte{1, 0, 0, 0, 0, 0xc0}
	bogus = reChecksum(t, bogus)
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, exex.ErrCorruptEntry},
		{"header only", enc[:5], exex.ErrCorruptEntry},
		{"truncated", enc[:len(enc)/2], exex.ErrCorruptEntry},
		{"last byte cut", enc[:len(enc)-1], exex.ErrCorruptEntry},
		{"flipped payload", flip(len(enc) / 3), exex.ErrCorruptEntry},
		{"flipped checksum", flip(2), exex.ErrCorruptEntry},
		{"unknown version", version, exex.ErrUnknownVersion},
		{"valid checksum, bad payload", bogus, exex.ErrCorruptEntry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := exex.DecodeEntry(tt.data, chain.Config)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, %v; want %v", n, err, tt.want)
			}
		})
	}
}

func FuzzDecodeEntry(f *testing.F) {
	// Small seeds: the mutator works far better on a few hundred bytes than on 100 KB.
	chain, ns := sampleNotifications(f, 1, 1)
	for _, n := range ns {
		enc, err := exex.EncodeEntry(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
		f.Add(enc[:len(enc)/2])
	}
	// A version 2 entry carrying account proofs.
	if n := ns[0]; n.New != nil {
		b := n.New.Blocks[0]
		proof, err := exex.ProveAccounts(chain.BC, b.Block.Root(), []common.Address{{0x42}})
		if err != nil {
			f.Fatal(err)
		}
		withProofs := &exex.Notification{Kind: n.Kind, New: &exex.Chain{Blocks: []*exex.Block{{Block: b.Block, Receipts: b.Receipts, Witness: b.Witness, AccountProofs: proof}}}}
		enc, err := exex.EncodeEntry(withProofs)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
	}
	f.Add([]byte{1, 0, 0, 0, 0})
	f.Add([]byte{2, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		// Checksums would hide most mutations from the decoder, so fuzz the payload both as
		// given and with a fixed-up checksum.
		for _, d := range [][]byte{data, reChecksum(t, data)} {
			n, err := exex.DecodeEntry(d, chain.Config)
			if err != nil {
				if !errors.Is(err, exex.ErrCorruptEntry) && !errors.Is(err, exex.ErrUnknownVersion) {
					t.Fatalf("untyped error: %v", err)
				}
				continue
			}
			if err := n.Validate(); err != nil {
				t.Fatalf("decoded an invalid notification: %v", err)
			}
			enc, err := exex.EncodeEntry(n)
			if err != nil {
				t.Fatalf("re-encode: %v", err)
			}
			if _, err := exex.DecodeEntry(enc, chain.Config); err != nil {
				t.Fatalf("re-decode: %v", err)
			}
		}
	})
}
