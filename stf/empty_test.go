package stf

import (
	"context"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/consensus/beacon"
	"github.com/ethereum/go-ethereum/consensus/ethash"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/params"
)

// A chain whose state trie is empty (a genesis without accounts, a Shanghai
// block without transactions) has no node that could prove the message
// passer's absence: the output root takes the empty-trie root without a
// proof, with a message passer configured or not.
func TestEmptyState(t *testing.T) {
	for _, cfg := range []*Config{NewConfig(testChainConfig()), NewL1Config(testChainConfig())} {
		genesis := &core.Genesis{Config: cfg.Chain, GasLimit: 30_000_000, BaseFee: big.NewInt(params.InitialBaseFee), Alloc: types.GenesisAlloc{}}
		engine := beacon.New(ethash.NewFaker())
		bc, err := core.NewBlockChain(rawdb.NewMemoryDatabase(), genesis, engine, core.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		defer bc.Stop()
		_, blocks, _ := core.GenerateChainWithGenesis(genesis, engine, 1, func(int, *core.BlockGen) {})
		if _, err := bc.InsertChain(blocks); err != nil {
			t.Fatal(err)
		}
		block := blocks[0]
		if block.Root() != types.EmptyRootHash || bc.Genesis().Root() != types.EmptyRootHash {
			t.Fatalf("state roots %v, %v: not the empty trie", bc.Genesis().Root(), block.Root())
		}
		fromChain, err := InputFromChain(context.Background(), bc, cfg, block)
		if err != nil {
			t.Fatal(err)
		}
		fromWitness, err := NewInput(context.Background(), cfg, block, fromChain.Witness)
		if err != nil {
			t.Fatal(err)
		}
		want := OutputRoot(types.EmptyRootHash, types.EmptyRootHash, block.Hash())
		for _, in := range []*Input{fromChain, fromWitness} {
			if len(in.ExtraNodes) != 0 {
				t.Fatalf("%d extra nodes for an empty state", len(in.ExtraNodes))
			}
			claim, err := Execute(context.Background(), roundTrip(t, in))
			if err != nil {
				t.Fatalf("message passer %v: %v", cfg.MessagePasser, err)
			}
			if parent := OutputRoot(types.EmptyRootHash, types.EmptyRootHash, bc.Genesis().Hash()); claim.ParentOutputRoot != parent {
				t.Fatalf("parent output root %v, want %v", claim.ParentOutputRoot, parent)
			}
			if claim.OutputRoot != want || claim.PostStateRoot != types.EmptyRootHash || claim.ConfigHash != mustHash(t, cfg) {
				t.Fatalf("claim %+v, want output root %v", claim, want)
			}
		}
	}
}

// roundTrip encodes and decodes in, as the guest receives it.
func roundTrip(t testing.TB, in *Input) *Input {
	t.Helper()
	enc, err := in.Encode()
	if err != nil {
		t.Fatal(err)
	}
	out, err := DecodeInput(enc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
