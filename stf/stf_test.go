package stf

import (
	"context"
	"encoding/json"
	"math/big"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethdb/memorydb"
	"github.com/ethereum/go-ethereum/trie"
)

// TestGeneratedChain: every block of a chain across Shanghai, Cancun, Prague,
// Osaka and BPO1 with varied traffic executes statelessly to the claim geth's
// import produced, both from the chain and from block + witness alone.
func TestGeneratedChain(t *testing.T) {
	c := newTestChain(t, testBlocks)
	var (
		txTypes  = map[uint8]int{}
		reverted int
		logs     int
		created  int
		mpRoots  = map[string]bool{}
	)
	for i, b := range c.blocks {
		in := c.input(t, i)
		enc, err := in.Encode()
		if err != nil {
			t.Fatal(err)
		}
		dec, err := DecodeInput(enc)
		if err != nil {
			t.Fatalf("block %d: decode: %v", b.NumberU64(), err)
		}
		got, err := Execute(context.Background(), dec)
		if err != nil {
			t.Fatalf("block %d (time %d): %v", b.NumberU64(), b.Time(), err)
		}
		want := c.expectedClaim(t, i)
		if got != want {
			t.Fatalf("block %d: claim\n got %+v\nwant %+v", b.NumberU64(), got, want)
		}
		// The file path (no node state) must give the same input.
		fromFiles, err := NewInput(context.Background(), c.cfg, b, in.Witness)
		if err != nil {
			t.Fatalf("block %d: NewInput: %v", b.NumberU64(), err)
		}
		enc2, err := fromFiles.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if string(enc2) != string(enc) {
			t.Errorf("block %d: NewInput and InputFromChain differ (%d vs %d bytes, %d vs %d extra nodes)",
				b.NumberU64(), len(enc2), len(enc), len(fromFiles.ExtraNodes), len(in.ExtraNodes))
		}
		st, err := c.bc.StateAt(b.Root(), b.Number(), b.Time())
		if err != nil {
			t.Fatal(err)
		}
		mpRoots[st.GetStorageRoot(*c.cfg.MessagePasser).Hex()] = true
		// The zero-value call to a fresh address leaves it absent: the
		// witness must carry its exclusion proof (what the Hoodi witness lacks).
		if fresh := common.BigToAddress(big.NewInt(int64(0xf00000 + i))); st.Exist(fresh) {
			t.Fatalf("block %d: %v exists", b.NumberU64(), fresh)
		}
		for _, tx := range b.Transactions() {
			txTypes[tx.Type()]++
		}
		for _, r := range c.receipts[i] {
			if r.Status == types.ReceiptStatusFailed {
				reverted++
			}
			logs += len(r.Logs)
			if r.ContractAddress != ([20]byte{}) {
				created++
			}
		}
	}
	// The traffic must really be there, or the test proves little.
	for _, typ := range []uint8{types.LegacyTxType, types.DynamicFeeTxType, types.BlobTxType, types.SetCodeTxType} {
		if txTypes[typ] == 0 {
			t.Errorf("no transactions of type %d in the chain", typ)
		}
	}
	if reverted == 0 || logs == 0 || created == 0 {
		t.Errorf("traffic missing: reverted %d, logs %d, creations %d", reverted, logs, created)
	}
	if len(mpRoots) != len(c.blocks) {
		t.Errorf("message passer storage root took %d values over %d blocks", len(mpRoots), len(c.blocks))
	}
	forks := map[string]bool{}
	for _, b := range c.blocks {
		forks[c.cfg.Chain.LatestFork(b.Time()).String()] = true
	}
	t.Logf("forks covered: %v; tx types %v; reverted %d, logs %d, creations %d", forks, txTypes, reverted, logs, created)
}

// TestInputWithProof: an eth_getProof account proof of the message passer
// (as a node would serve it) completes a block + witness into an input.
func TestInputWithProof(t *testing.T) {
	c := newTestChain(t, 4)
	for i, b := range c.blocks {
		// eth_getProof at the parent and at the block, as a node serves them.
		var proofs [2][]hexutil.Bytes
		for j, root := range []common.Hash{c.bc.GetHeaderByHash(b.ParentHash()).Root, b.Root()} {
			tr, err := trie.NewStateTrie(trie.StateTrieID(root), c.bc.TrieDB())
			if err != nil {
				t.Fatal(err)
			}
			proofDB := memorydb.New()
			if err := tr.Prove(crypto.Keccak256(c.cfg.MessagePasser.Bytes()), proofDB); err != nil {
				t.Fatal(err)
			}
			it := proofDB.NewIterator(nil, nil)
			for it.Next() {
				proofs[j] = append(proofs[j], slices.Clone(it.Value()))
			}
			it.Release()
		}
		witness := c.input(t, i).Witness
		var both [][]byte
		for _, nodes := range proofs {
			for _, shape := range []any{
				map[string]any{"accountProof": nodes},
				map[string]any{"jsonrpc": "2.0", "id": 1, "result": map[string]any{"accountProof": nodes}},
			} {
				data, err := json.Marshal(shape)
				if err != nil {
					t.Fatal(err)
				}
				proof, err := ReadAccountProof(data)
				if err != nil {
					t.Fatal(err)
				}
				if len(proof) != len(nodes) {
					t.Fatalf("block %d: read %d of %d proof nodes", b.NumberU64(), len(proof), len(nodes))
				}
			}
			for _, n := range nodes {
				both = append(both, n)
			}
		}
		got, err := Execute(context.Background(), InputWithProof(c.cfg, b, witness, both))
		if err != nil {
			t.Fatalf("block %d: %v", b.NumberU64(), err)
		}
		if want := c.expectedClaim(t, i); got != want {
			t.Fatalf("block %d: claim %+v, want %+v", b.NumberU64(), got, want)
		}
	}
	if _, err := ReadAccountProof([]byte(`{"balance":"0x0"}`)); err == nil {
		t.Fatal("proof without nodes accepted")
	}
}
