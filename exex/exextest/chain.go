package exextest

import (
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"math/rand"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/consensus"
	"github.com/ethereum/go-ethereum/consensus/beacon"
	"github.com/ethereum/go-ethereum/consensus/ethash"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethdb"
	"github.com/ethereum/go-ethereum/params"
	"github.com/zkexex/zkexex/exex/devnet"
)

// Options shape a test chain.
type Options struct {
	Seed        int64 // drives traffic and side-chain contents
	TxsPerBlock int   // transactions per generated block (default 4; see EmptyBlocks)
	Senders     int   // funded accounts sending them (default 4)
	NonArchive  bool  // keep only recent state (the default is an archive node)
	EmptyBlocks bool  // generate blocks without transactions (TxsPerBlock must then be 0)
}

// Chain is a real geth BlockChain plus a generator for canonical extensions and side chains.
type Chain struct {
	t       testing.TB
	opts    Options
	rng     *rand.Rand
	Config  *params.ChainConfig
	Genesis *core.Genesis
	Engine  consensus.Engine
	BC      *core.BlockChain
	Keys    []*ecdsa.PrivateKey
	genDB   ethdb.Database // holds the state of every generated block, for building on any of them
	blocks  map[common.Hash]*types.Block
}

// NewChain builds a post-merge chain (Prague/Osaka rules) with funded senders and the
// StoreLog contract at devnet.StoreLogAddress, and starts a BlockChain on its genesis.
func NewChain(t testing.TB, opts Options) *Chain {
	t.Helper()
	switch {
	case opts.TxsPerBlock < 0:
		t.Fatalf("exextest: TxsPerBlock %d is negative (EmptyBlocks asks for blocks without transactions)", opts.TxsPerBlock)
	case opts.EmptyBlocks && opts.TxsPerBlock != 0:
		t.Fatalf("exextest: EmptyBlocks with TxsPerBlock %d", opts.TxsPerBlock)
	case opts.TxsPerBlock == 0 && !opts.EmptyBlocks:
		opts.TxsPerBlock = 4
	}
	if opts.Senders == 0 {
		opts.Senders = 4
	}
	c := &Chain{t: t, opts: opts, rng: rand.New(rand.NewSource(opts.Seed)), blocks: make(map[common.Hash]*types.Block)}
	c.Config = params.MergedTestChainConfig
	alloc := core.SystemContractAllocs()
	for i := 0; i < opts.Senders; i++ {
		key, _ := crypto.ToECDSA(crypto.Keccak256([]byte(fmt.Sprintf("exextest sender %d", i))))
		c.Keys = append(c.Keys, key)
		alloc[crypto.PubkeyToAddress(key.PublicKey)] = types.Account{Balance: new(big.Int).Mul(big.NewInt(1e9), big.NewInt(params.Ether))}
	}
	alloc[devnet.StoreLogAddress] = types.Account{Code: devnet.StoreLogRuntime, Storage: map[common.Hash]common.Hash{{31: 1}: {31: 7}}}
	c.Genesis = &core.Genesis{Config: c.Config, Alloc: alloc, GasLimit: 60_000_000, BaseFee: big.NewInt(params.InitialBaseFee), Difficulty: common.Big0}
	c.Engine = beacon.New(ethash.NewFaker())

	c.genDB, _, _ = core.GenerateChainWithGenesis(c.Genesis, c.Engine, 0, nil)
	cfg := core.DefaultConfig().WithArchive(!opts.NonArchive)
	bc, err := core.NewBlockChain(rawdb.NewMemoryDatabase(), c.Genesis, c.Engine, cfg)
	if err != nil {
		t.Fatalf("new blockchain: %v", err)
	}
	t.Cleanup(bc.Stop)
	c.BC = bc
	c.blocks[bc.Genesis().Hash()] = bc.Genesis()
	return c
}

// Generate makes n blocks on parent with fresh random traffic, without inserting them.
func (c *Chain) Generate(parent *types.Block, n int) []*types.Block {
	c.t.Helper()
	if _, ok := c.blocks[parent.Hash()]; !ok {
		c.t.Fatalf("exextest: parent %d [%x] was not generated here", parent.NumberU64(), parent.Hash())
	}
	var extra [8]byte
	blocks, _ := core.GenerateChain(c.Config, parent, c.Engine, c.genDB, n, func(i int, g *core.BlockGen) {
		c.rng.Read(extra[:])
		g.SetExtra(extra[:]) // side chains never coincide with the chain they replace
		var coinbase common.Address
		c.rng.Read(coinbase[:])
		g.SetCoinbase(coinbase)
		for j := 0; j < c.opts.TxsPerBlock; j++ {
			key := c.Keys[c.rng.Intn(len(c.Keys))]
			req := devnet.RandomTx(c.rng, devnet.StoreLogAddress)
			if req.Gas > g.Gas() {
				break
			}
			g.AddTx(req.Sign(g.Signer(), key, g.TxNonce(crypto.PubkeyToAddress(key.PublicKey)), g.BaseFee()))
		}
	})
	for _, b := range blocks {
		c.blocks[b.Hash()] = b
	}
	return blocks
}

// Insert imports blocks; the last becomes the head (a reorg when it is on a side chain).
func (c *Chain) Insert(blocks []*types.Block) {
	c.t.Helper()
	if n, err := c.BC.InsertChain(blocks); err != nil {
		c.t.Fatalf("insert block %d: %v", blocks[n].NumberU64(), err)
	}
}

// Head returns the current head block.
func (c *Chain) Head() *types.Block {
	h := c.BC.CurrentBlock()
	return c.BC.GetBlock(h.Hash(), h.Number.Uint64())
}

// Extend adds n canonical blocks on the head.
func (c *Chain) Extend(n int) []*types.Block {
	blocks := c.Generate(c.Head(), n)
	c.Insert(blocks)
	return blocks
}

// Reorg replaces the top depth blocks with a side chain of length blocks built on the block
// depth below the head (length may be shorter than depth: the head then moves down).
func (c *Chain) Reorg(depth, length int) (dropped, added []*types.Block) {
	c.t.Helper()
	head := c.Head()
	if uint64(depth) > head.NumberU64() {
		c.t.Fatalf("exextest: reorg depth %d above head %d", depth, head.NumberU64())
	}
	anc := c.BC.GetBlockByNumber(head.NumberU64() - uint64(depth))
	for i := anc.NumberU64() + 1; i <= head.NumberU64(); i++ {
		dropped = append(dropped, c.BC.GetBlockByNumber(i))
	}
	added = c.Generate(anc, length)
	c.Insert(added)
	return dropped, added
}

// SetHead rewinds the chain to number; the removed blocks are returned, lowest first.
func (c *Chain) SetHead(number uint64) []*types.Block {
	c.t.Helper()
	var removed []*types.Block
	for i := number + 1; i <= c.Head().NumberU64(); i++ {
		removed = append(removed, c.BC.GetBlockByNumber(i))
	}
	if err := c.BC.SetHead(number); err != nil {
		c.t.Fatalf("sethead %d: %v", number, err)
	}
	if got := c.Head().NumberU64(); got != number {
		c.t.Fatalf("sethead %d left head at %d", number, got)
	}
	return removed
}

// Canonical returns the node's canonical hashes from number from to the head.
func (c *Chain) Canonical(from uint64) []common.Hash {
	var out []common.Hash
	for i := from; i <= c.BC.CurrentBlock().Number.Uint64(); i++ {
		out = append(out, c.BC.GetCanonicalHash(i))
	}
	return out
}
