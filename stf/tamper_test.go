package stf

import (
	"context"
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/stateless"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethdb/memorydb"
	"github.com/ethereum/go-ethereum/trie"
)

// cloneInput deep-copies what the tamper cases mutate.
func cloneInput(in *Input) *Input {
	cc := *in.Config.Chain
	w := &stateless.ExtWitness{Keys: in.Witness.Keys}
	for _, h := range in.Witness.Headers {
		w.Headers = append(w.Headers, types.CopyHeader(h))
	}
	for _, n := range in.Witness.State {
		w.State = append(w.State, slices.Clone(n))
	}
	for _, c := range in.Witness.Codes {
		w.Codes = append(w.Codes, slices.Clone(c))
	}
	return &Input{
		Config:     &Config{Chain: &cc, MessagePasser: in.Config.MessagePasser},
		Block:      in.Block,
		Witness:    w,
		ExtraNodes: slices.Clone(in.ExtraNodes),
	}
}

// withHeader replaces the block's header, keeping its body.
func withHeader(in *Input, edit func(h *types.Header)) {
	h := in.Block.Header()
	edit(h)
	in.Block = types.NewBlockWithHeader(h).WithBody(*in.Block.Body())
}

func nodeIndex(w *stateless.ExtWitness, hash common.Hash) int {
	for i, n := range w.State {
		if crypto.Keccak256Hash(n) == hash {
			return i
		}
	}
	return -1
}

// TestTamper: each kind of tampering gives its typed error, never a panic
// and never a claim.
func TestTamper(t *testing.T) {
	c := newTestChain(t, 10)
	const idx = 9 // a Prague block: set-code and blob transactions, requests, a long BLOCKHASH reach
	honestIn := c.input(t, idx)
	honest, err := Execute(context.Background(), honestIn)
	if err != nil {
		t.Fatal(err)
	}
	if len(honestIn.Witness.Headers) < 3 {
		t.Fatalf("block %d witness has %d headers; the test needs an ancestor chain", idx, len(honestIn.Witness.Headers))
	}
	parentRoot := honestIn.Witness.Headers[len(honestIn.Witness.Headers)-1].Root
	cases := []struct {
		name   string
		mutate func(t *testing.T, in *Input)
		want   error
	}{
		{"flipped byte in the state root node", func(t *testing.T, in *Input) {
			i := nodeIndex(in.Witness, parentRoot)
			if i < 0 {
				t.Fatal("root node not in witness")
			}
			in.Witness.State[i][len(in.Witness.State[i])/2] ^= 0x01
		}, ErrMissingTrieNode},
		{"missing state root node", func(t *testing.T, in *Input) {
			i := nodeIndex(in.Witness, parentRoot)
			in.Witness.State = slices.Delete(in.Witness.State, i, i+1)
		}, ErrMissingTrieNode},
		{"missing contract codes", func(t *testing.T, in *Input) { in.Witness.Codes = nil }, ErrMissingTrieNode},
		{"missing message-passer proof nodes", func(t *testing.T, in *Input) { in.ExtraNodes = nil }, ErrMissingTrieNode},
		{"wrong parent header", func(t *testing.T, in *Input) {
			in.Witness.Headers[len(in.Witness.Headers)-1].GasLimit++
		}, ErrInvalidWitness},
		{"parent header with another state root", func(t *testing.T, in *Input) {
			in.Witness.Headers[len(in.Witness.Headers)-1].Root = common.Hash{1}
		}, ErrInvalidWitness},
		{"gap in the header chain", func(t *testing.T, in *Input) {
			in.Witness.Headers = slices.Delete(in.Witness.Headers, 1, 2)
		}, ErrInvalidWitness},
		{"headers out of order", func(t *testing.T, in *Input) { slices.Reverse(in.Witness.Headers) }, ErrInvalidWitness},
		{"tampered ancestor header", func(t *testing.T, in *Input) { in.Witness.Headers[0].Extra = []byte("x") }, ErrInvalidWitness},
		{"ancestor headers for BLOCKHASH dropped", func(t *testing.T, in *Input) {
			// Block 10 reads BLOCKHASH(1), which comes from header 2's parent
			// hash; geth's witness reaches back to header 1.
			if in.Witness.Headers[0].Number.Uint64() != 1 {
				t.Fatalf("oldest witness header is #%v", in.Witness.Headers[0].Number)
			}
			in.Witness.Headers = in.Witness.Headers[2:]
		}, ErrInvalidWitness},
		{"no headers", func(t *testing.T, in *Input) { in.Witness.Headers = nil }, ErrInvalidWitness},
		{"header state root", func(t *testing.T, in *Input) {
			withHeader(in, func(h *types.Header) { h.Root[0] ^= 1 })
		}, ErrRootMismatch},
		{"header receipts root", func(t *testing.T, in *Input) {
			withHeader(in, func(h *types.Header) { h.ReceiptHash[0] ^= 1 })
		}, ErrRootMismatch},
		{"header requests hash", func(t *testing.T, in *Input) {
			withHeader(in, func(h *types.Header) { h.RequestsHash = &common.Hash{1} })
		}, ErrRootMismatch},
		{"header gas used", func(t *testing.T, in *Input) { withHeader(in, func(h *types.Header) { h.GasUsed-- }) }, ErrInvalidBlock},
		{"header base fee", func(t *testing.T, in *Input) {
			withHeader(in, func(h *types.Header) { h.BaseFee = new(big.Int).Add(h.BaseFee, common.Big1) })
		}, ErrInvalidBlock},
		{"header timestamp not after parent", func(t *testing.T, in *Input) {
			withHeader(in, func(h *types.Header) { h.Time = in.Witness.Headers[len(in.Witness.Headers)-1].Time })
		}, ErrInvalidBlock},
		{"dropped transaction", func(t *testing.T, in *Input) {
			body := in.Block.Body()
			body.Transactions = body.Transactions[1:]
			in.Block = types.NewBlockWithHeader(in.Block.Header()).WithBody(*body)
		}, ErrInvalidBlock},
		{"dropped withdrawals", func(t *testing.T, in *Input) {
			body := in.Block.Body()
			body.Withdrawals = nil
			in.Block = types.NewBlockWithHeader(in.Block.Header()).WithBody(*body)
		}, ErrInvalidBlock},
		{"wrong chain ID", func(t *testing.T, in *Input) { in.Config.Chain.ChainID = big.NewInt(1) }, ErrInvalidBlock},
		{"Prague not yet active", func(t *testing.T, in *Input) {
			v := uint64(1 << 40)
			in.Config.Chain.PragueTime, in.Config.Chain.OsakaTime, in.Config.Chain.BPO1Time = &v, &v, &v
		}, ErrInvalidBlock},
		{"pre-Shanghai config", func(t *testing.T, in *Input) {
			v := uint64(1 << 40)
			cc := in.Config.Chain
			cc.ShanghaiTime, cc.CancunTime, cc.PragueTime, cc.OsakaTime, cc.BPO1Time = &v, &v, &v, &v, &v
		}, ErrUnsupportedConfig},
		{"Amsterdam", func(t *testing.T, in *Input) {
			v := in.Block.Time()
			in.Config.Chain.OsakaTime, in.Config.Chain.BPO1Time, in.Config.Chain.AmsterdamTime = &v, &v, &v
		}, ErrUnsupportedConfig},
		{"Cancun unscheduled", func(t *testing.T, in *Input) { in.Config.Chain.CancunTime = nil }, ErrInvalidBlock},
		{"forks out of order", func(t *testing.T, in *Input) {
			v := uint64(0)
			in.Config.Chain.OsakaTime = &v
		}, ErrUnsupportedConfig},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := cloneInput(honestIn)
			tc.mutate(t, in)
			// Through the encoding, as the guest sees it.
			enc, err := in.Encode()
			if err != nil {
				if errors.Is(err, tc.want) {
					return
				}
				t.Fatalf("encode: %v", err)
			}
			dec, err := DecodeInput(enc)
			if err != nil {
				if errors.Is(err, tc.want) {
					return
				}
				t.Fatalf("decode: %v", err)
			}
			claim, err := Execute(context.Background(), dec)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got claim %+v, error %v; want %v", claim, err, tc.want)
			}
			if claim != (Claim{}) {
				t.Fatalf("non-empty claim with error: %+v", claim)
			}
		})
	}
	// A changed message passer is not an error but must show in the claim.
	in := cloneInput(honestIn)
	in.Config.MessagePasser = &storeAddr
	if _, err := Execute(context.Background(), in); !errors.Is(err, ErrMissingTrieNode) {
		t.Errorf("other message passer with the old proof: %v, want ErrMissingTrieNode", err)
	}
	if honest.ConfigHash == mustHash(t, in.Config) {
		t.Error("message passer is not bound by the config hash")
	}
}

func mustHash(t testing.TB, c *Config) common.Hash {
	t.Helper()
	h, err := c.Hash()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestTamperEveryNode flips a byte in, and separately drops, every state
// node of a witness: the STF either fails with ErrMissingTrieNode or, when the
// node was not needed, returns exactly the honest claim.
func TestTamperEveryNode(t *testing.T) {
	c := newTestChain(t, 3)
	for idx := range c.blocks {
		honestIn := c.input(t, idx)
		honest, err := Execute(context.Background(), honestIn)
		if err != nil {
			t.Fatal(err)
		}
		var failed int
		check := func(what string, in *Input) {
			claim, err := Execute(context.Background(), in)
			switch {
			case err == nil && claim != honest:
				t.Fatalf("block %d, %s: different claim without error", idx+1, what)
			case err != nil && !errors.Is(err, ErrMissingTrieNode):
				t.Fatalf("block %d, %s: %v, want ErrMissingTrieNode", idx+1, what, err)
			case err != nil:
				failed++
			}
		}
		for i := range honestIn.Witness.State {
			in := cloneInput(honestIn)
			in.Witness.State[i][len(in.Witness.State[i])-1] ^= 0x80
			check("flipped node", in)
			in = cloneInput(honestIn)
			in.Witness.State = slices.Delete(in.Witness.State, i, i+1)
			check("dropped node", in)
		}
		for i := range honestIn.ExtraNodes {
			in := cloneInput(honestIn)
			in.ExtraNodes[i] = slices.Clone(in.ExtraNodes[i])
			in.ExtraNodes[i][0] ^= 0x01
			check("flipped extra node", in)
		}
		if failed == 0 {
			t.Fatalf("block %d: no tampering of %d nodes was detected", idx+1, len(honestIn.Witness.State))
		}
	}
}

// TestTruncatedInput: every prefix of an input fails to decode, with
// ErrMalformedInput.
func TestTruncatedInput(t *testing.T) {
	c := newTestChain(t, 2)
	enc, err := c.input(t, 1).Encode()
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(enc); n++ {
		if _, err := DecodeInput(enc[:n]); !errors.Is(err, ErrMalformedInput) {
			t.Fatalf("prefix of %d/%d bytes: %v, want ErrMalformedInput", n, len(enc), err)
		}
	}
	if _, err := DecodeInput(append(slices.Clone(enc), 0)); !errors.Is(err, ErrMalformedInput) {
		t.Fatalf("trailing byte: %v", err)
	}
}

// TestParentOutputRootProof: the parent output root in a claim comes from a
// proof of the message passer in the parent state. The test chain's message
// passer is touched by every block, so its parent-state path is always in the
// witness; the accounts below, read as the message passer under other configs,
// are not, and the input's extra nodes complete their paths. (A node on the
// parent-state path that the block did not rewrite is also on the post-state
// path, so the extra nodes mostly serve both proofs.) Dropping the extra
// nodes on the parent-state path fails with ErrMissingTrieNode in the
// pre-state, which Execute proves first, and each claim's parent output root
// is the previous block's output root.
func TestParentOutputRootProof(t *testing.T) {
	c := newTestChain(t, 6)
	var tampered int
	for _, mp := range []common.Address{revertAddr, factoryAddr, deployerAddr, blockhashAddr, {0x5e, 0xed}} {
		cfg := *c.cfg
		cfg.MessagePasser = &mp
		key := crypto.Keccak256(mp.Bytes())
		proofNodes := func(root common.Hash) map[string]bool {
			tr, err := trie.NewStateTrie(trie.StateTrieID(root), c.bc.TrieDB())
			if err != nil {
				t.Fatal(err)
			}
			db := memorydb.New()
			if err := tr.Prove(key, db); err != nil {
				t.Fatal(err)
			}
			out := map[string]bool{}
			it := db.NewIterator(nil, nil)
			defer it.Release()
			for it.Next() {
				out[string(it.Value())] = true
			}
			return out
		}
		var prev Claim
		for i, b := range c.blocks {
			in, err := InputFromChain(context.Background(), c.bc, &cfg, b)
			if err != nil {
				t.Fatal(err)
			}
			honest, err := Execute(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			if i > 0 && honest.ParentOutputRoot != prev.OutputRoot {
				t.Fatalf("%v, block %d: parent output root %v, block %d's output root %v", mp, b.NumberU64(), honest.ParentOutputRoot, b.NumberU64()-1, prev.OutputRoot)
			}
			prev = honest
			pre := proofNodes(c.bc.GetHeaderByHash(b.ParentHash()).Root)
			kept := slices.DeleteFunc(slices.Clone(in.ExtraNodes), func(n []byte) bool { return pre[string(n)] })
			if len(kept) == len(in.ExtraNodes) {
				continue // the witness holds the whole parent-state path
			}
			tampered++
			in.ExtraNodes = kept
			claim, err := Execute(context.Background(), in)
			if !errors.Is(err, ErrMissingTrieNode) || !strings.Contains(err.Error(), "pre-state") {
				t.Fatalf("%v, block %d without the parent-state proof: claim %+v, error %v; want ErrMissingTrieNode in the pre-state", mp, b.NumberU64(), claim, err)
			}
		}
	}
	if tampered == 0 {
		t.Fatal("no block needed extra nodes for a parent-state proof; the test proves nothing")
	}
	t.Logf("%d inputs refused without their parent-state proof nodes", tampered)
}
