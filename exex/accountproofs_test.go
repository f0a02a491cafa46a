package exex_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethdb/memorydb"
	"github.com/ethereum/go-ethereum/trie"
	"github.com/zkexex/zkexex/exex"
	"github.com/zkexex/zkexex/exex/devnet"
)

// TestAccountProofs checks that ProveAccounts proves present and absent accounts against the
// block's state root, that the proofs survive a WAL round trip (version 2), and that a
// version 1 entry (no proofs) still decodes.
func TestAccountProofs(t *testing.T) {
	chain, ns := sampleNotifications(t, 4, 3)
	absent := common.HexToAddress("0x4200000000000000000000000000000000000016")
	addrs := []common.Address{devnet.StoreLogAddress, absent}
	n := ns[0]
	for _, b := range n.New.Blocks {
		proof, err := exex.ProveAccounts(chain.BC, b.Block.Root(), addrs)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.IsSortedFunc(proof, func(a, b []byte) int { return bytes.Compare(crypto.Keccak256(a), crypto.Keccak256(b)) }) {
			t.Fatal("proof nodes not sorted by hash")
		}
		db := memorydb.New()
		for _, node := range proof {
			db.Put(crypto.Keccak256(node), node)
		}
		for _, a := range addrs {
			val, err := trie.VerifyProof(b.Block.Root(), crypto.Keccak256(a.Bytes()), db)
			if err != nil {
				t.Fatalf("block %d: proof of %v: %v", b.Block.NumberU64(), a, err)
			}
			if (val != nil) != (a == devnet.StoreLogAddress) {
				t.Fatalf("block %d: account %v present=%v", b.Block.NumberU64(), a, val != nil)
			}
		}
		b.AccountProofs = proof
	}
	enc, err := exex.EncodeEntry(n)
	if err != nil {
		t.Fatal(err)
	}
	if enc[0] != 2 {
		t.Fatalf("entry version %d, want 2", enc[0])
	}
	dec, err := exex.DecodeEntry(enc, chain.Config)
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range dec.New.Blocks {
		if !slices.EqualFunc(b.AccountProofs, n.New.Blocks[i].AccountProofs, bytes.Equal) {
			t.Fatalf("block %d: account proofs changed in the round trip", i)
		}
	}
	// Version 1 shares the payload layout minus the proofs; the checksum covers the payload only.
	v1 := &exex.Notification{Kind: n.Kind, New: &exex.Chain{}}
	for _, b := range n.New.Blocks {
		v1.New.Blocks = append(v1.New.Blocks, &exex.Block{Block: b.Block, Receipts: b.Receipts, Witness: b.Witness})
	}
	old, err := exex.EncodeEntry(v1)
	if err != nil {
		t.Fatal(err)
	}
	old[0] = 1
	if dec, err := exex.DecodeEntry(old, chain.Config); err != nil || len(dec.New.Blocks) != len(n.New.Blocks) || dec.New.Blocks[0].AccountProofs != nil {
		t.Fatalf("version 1 entry: %v, %v", dec, err)
	}
	// A version 1 entry claiming proofs is corrupt.
	bad := bytes.Clone(enc)
	bad[0] = 1
	if _, err := exex.DecodeEntry(bad, chain.Config); !errors.Is(err, exex.ErrCorruptEntry) {
		t.Fatalf("version 1 entry with proofs: %v", err)
	}
}

// TestProveBlockAccounts: a block's account proofs prove each account in the parent state as
// well as in the post-state (the STF needs both for the parent's output root and the block's),
// and the post-state proof alone does not always cover the parent state.
func TestProveBlockAccounts(t *testing.T) {
	chain, ns := sampleNotifications(t, 4, 3)
	absent := common.HexToAddress("0x4200000000000000000000000000000000000016")
	addrs := []common.Address{devnet.StoreLogAddress, absent}
	var postOnlyMissesParent bool
	for _, b := range ns[0].New.Blocks {
		parent := chain.BC.GetHeaderByHash(b.Block.ParentHash())
		proof, err := exex.ProveBlockAccounts(chain.BC, b.Block, addrs)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.IsSortedFunc(proof, func(a, b []byte) int { return bytes.Compare(crypto.Keccak256(a), crypto.Keccak256(b)) }) {
			t.Fatal("proof nodes not sorted by hash")
		}
		post, err := exex.ProveAccounts(chain.BC, b.Block.Root(), addrs)
		if err != nil {
			t.Fatal(err)
		}
		both, postOnly := memorydb.New(), memorydb.New()
		for _, node := range proof {
			both.Put(crypto.Keccak256(node), node)
		}
		for _, node := range post {
			postOnly.Put(crypto.Keccak256(node), node)
		}
		for _, root := range []common.Hash{parent.Root, b.Block.Root()} {
			for _, a := range addrs {
				if _, err := trie.VerifyProof(root, crypto.Keccak256(a.Bytes()), both); err != nil {
					t.Fatalf("block %d: proof of %v in state %x: %v", b.Block.NumberU64(), a, root, err)
				}
			}
		}
		if parent.Root != b.Block.Root() {
			if _, err := trie.VerifyProof(parent.Root, crypto.Keccak256(addrs[0].Bytes()), postOnly); err != nil {
				postOnlyMissesParent = true
			}
		}
	}
	if !postOnlyMissesParent {
		t.Fatal("the post-state proofs alone proved every parent state: the test shows nothing")
	}
	if proof, err := exex.ProveBlockAccounts(chain.BC, ns[0].New.Blocks[0].Block, nil); err != nil || proof != nil {
		t.Fatalf("no accounts: %d nodes, %v", len(proof), err)
	}
}
