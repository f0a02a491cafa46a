// Package devnet runs an embedded geth dev chain for zkexex: a node driven by the simulated
// beacon with prefunded accounts, the execution-extension manager installed, a generator of
// varied transactions and on-demand reorgs. `zkexex devnet` and integration tests build on it.
package devnet

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"math/rand"
	"time"

	"github.com/ethereum/go-ethereum/beacon/engine"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth"
	"github.com/ethereum/go-ethereum/eth/catalyst"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/log"
	"github.com/ethereum/go-ethereum/miner"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/p2p"
	"github.com/ethereum/go-ethereum/params"
	"github.com/zkexex/zkexex/exex"
)

// Config describes a devnet L2 node.
type Config struct {
	// DataDir holds the chain and the exex WAL. Required.
	DataDir string
	// Accounts is the number of prefunded dev accounts (default 8).
	Accounts int
	// HTTPPort, when non-zero, serves JSON-RPC over HTTP and WebSocket (eth, net, web3 and
	// zkexex when registered) on 127.0.0.1 only.
	HTTPPort int
	// Exex configures the extension manager; its Dir defaults to DataDir/zkexex-wal.
	Exex exex.Config
	// Extensions are installed into the node.
	Extensions []exex.Extension
	// ChainID overrides the dev chain's ID (default 1337); an L1 next to an L2 needs another.
	ChainID uint64
	// NoExex starts a plain dev node without the extension manager (an L1 for the devnet).
	NoExex bool
	// Prepare, when set, runs once the chain exists and before the node starts (the genesis
	// is readable, RPC APIs can be registered); the extensions it returns are installed too.
	Prepare func(d *Devnet) ([]exex.Extension, error)
	// Genesis, when set, may change the genesis (its chain config's forks) before the chain
	// is created; a test that replays the blocks elsewhere writes it out from here.
	Genesis func(g *core.Genesis)
}

// MessagePasserAddress is the OP L2ToL1MessagePasser predeploy address, the account whose
// storage root goes into output roots. The devnet places StoreLogRuntime there with some
// storage, and traffic writes to it now and then, so that root is not the empty trie's.
var MessagePasserAddress = common.HexToAddress("0x4200000000000000000000000000000000000016")

// Devnet is a running dev chain. Blocks are produced only by Commit, so the caller decides
// the pace, the traffic and when to reorg.
type Devnet struct {
	Stack   *node.Node
	Eth     *eth.Ethereum
	Beacon  *catalyst.SimulatedBeacon
	Manager *exex.Manager
	Keys    []*ecdsa.PrivateKey
	Config  *params.ChainConfig
}

// AccountKey derives dev account i's key (public test keys: never use them for value).
func AccountKey(i int) *ecdsa.PrivateKey {
	key, err := crypto.ToECDSA(crypto.Keccak256([]byte(fmt.Sprintf("zkexex devnet account %d", i))))
	if err != nil {
		panic(err) // a keccak digest is a valid key with overwhelming probability
	}
	return key
}

// Start builds the genesis, starts the node with the extensions installed and attaches the
// simulated beacon.
func Start(cfg Config) (*Devnet, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("devnet: DataDir is required")
	}
	if cfg.Accounts <= 0 {
		cfg.Accounts = 8
	}
	genesis := core.DeveloperGenesisBlock(60_000_000, nil)
	d := &Devnet{Config: genesis.Config}
	for i := 0; i < cfg.Accounts; i++ {
		key := AccountKey(i)
		d.Keys = append(d.Keys, key)
		genesis.Alloc[crypto.PubkeyToAddress(key.PublicKey)] = types.Account{Balance: new(big.Int).Mul(big.NewInt(1e9), big.NewInt(params.Ether))}
	}
	if cfg.ChainID != 0 {
		genesis.Config.ChainID = new(big.Int).SetUint64(cfg.ChainID)
	}
	genesis.Alloc[StoreLogAddress] = types.Account{Code: StoreLogRuntime}
	genesis.Alloc[MessagePasserAddress] = types.Account{Code: StoreLogRuntime, Storage: map[common.Hash]common.Hash{{31: 1}: {31: 0x42}, {31: 2}: {31: 7}}}
	if cfg.Genesis != nil {
		cfg.Genesis(genesis)
		d.Config = genesis.Config
	}

	nodeCfg := node.Config{
		Name:    "zkexex-devnet",
		DataDir: cfg.DataDir,
		P2P:     p2p.Config{NoDiscovery: true, MaxPeers: 0, ListenAddr: ""},
	}
	if cfg.HTTPPort != 0 {
		// WebSocket on the same port carries subscriptions (zkexex_subscribe).
		nodeCfg.HTTPHost, nodeCfg.WSHost = "127.0.0.1", "127.0.0.1"
		nodeCfg.HTTPPort, nodeCfg.WSPort = cfg.HTTPPort, cfg.HTTPPort
		nodeCfg.HTTPModules = []string{"eth", "net", "web3", "zkexex"}
		nodeCfg.WSModules = nodeCfg.HTTPModules
	}
	stack, err := node.New(&nodeCfg)
	if err != nil {
		return nil, fmt.Errorf("devnet: node: %w", err)
	}
	ethCfg := ethconfig.Defaults
	ethCfg.Genesis = genesis
	ethCfg.NetworkId = genesis.Config.ChainID.Uint64()
	ethCfg.SyncMode = ethconfig.FullSync
	// Commit the state of every block to disk (hash scheme, archive mode), as `geth --dev
	// --gcmode archive --state.scheme hash` does. The path scheme keeps the last 128 blocks'
	// state in memory and journals it only on a clean shutdown, so a killed devnet came back
	// at genesis: the L2 chain and the exex WAL disagreed about every block, and the L1 lost
	// the oracle. With this and the sync in Commit, a kill loses at most the block being
	// sealed. A datadir written with the path scheme must be removed (geth refuses to switch).
	ethCfg.StateScheme = rawdb.HashScheme
	ethCfg.NoPruning = true
	ethCfg.TxPool.NoLocals = true
	ethCfg.Miner.GasCeil = genesis.GasLimit
	backend, err := eth.New(stack, &ethCfg)
	if err != nil {
		stack.Close()
		return nil, fmt.Errorf("devnet: eth: %w", err)
	}
	d.Stack, d.Eth = stack, backend
	exts := cfg.Extensions
	if cfg.Prepare != nil {
		more, err := cfg.Prepare(d)
		if err != nil {
			stack.Close()
			return nil, err
		}
		exts = append(append([]exex.Extension{}, exts...), more...)
	}
	if !cfg.NoExex {
		d.Manager, err = exex.Install(stack, backend, cfg.Exex, exts...)
		if err != nil {
			stack.Close()
			return nil, err
		}
	}
	if err := stack.Start(); err != nil {
		stack.Close()
		return nil, fmt.Errorf("devnet: start node: %w", err)
	}
	// Period 0: the beacon seals only when Commit is called.
	d.Beacon, err = catalyst.NewSimulatedBeacon(0, common.Address{}, backend)
	if err != nil {
		stack.Close()
		return nil, fmt.Errorf("devnet: simulated beacon: %w", err)
	}
	if err := d.Beacon.Start(); err != nil {
		stack.Close()
		return nil, err
	}
	return d, nil
}

// Close stops the beacon and the node (and with it the extension manager).
func (d *Devnet) Close() error {
	err := d.Beacon.Stop()
	return errors.Join(err, d.Stack.Close())
}

// Head returns the canonical head.
func (d *Devnet) Head() *types.Header { return d.Eth.BlockChain().CurrentBlock() }

// Commit seals one block with what the pool holds and returns the new head, synced to disk.
func (d *Devnet) Commit() *types.Header {
	d.Beacon.Commit()
	// geth writes its key-value store without syncing (it accepts losing the last blocks on a
	// crash); a devnet killed between blocks should come back where it stopped, and an L1
	// that forgets included proposals would contradict what the proposer recorded. One fsync
	// per block is cheap at devnet rates.
	if err := d.Eth.ChainDb().SyncKeyValue(); err != nil {
		log.Error("Devnet: syncing the chain database failed", "err", err)
	}
	return d.Head()
}

// SendTraffic submits n varied transactions (transfers, contract deployments, storage writes
// and clears with logs, reverting calls; EIP-1559 fees) from random dev accounts.
func (d *Devnet) SendTraffic(rng *rand.Rand, n int) error {
	if n < 0 {
		return fmt.Errorf("devnet: %d transactions requested", n)
	}
	head := d.Head()
	signer := types.LatestSigner(d.Config)
	pool := d.Eth.TxPool()
	txs := make([]*types.Transaction, 0, n)
	next := make(map[common.Address]uint64)
	for i := 0; i < n; i++ {
		key := d.Keys[rng.Intn(len(d.Keys))]
		addr := crypto.PubkeyToAddress(key.PublicKey)
		nonce, ok := next[addr]
		if !ok {
			nonce = pool.PoolNonce(addr)
		}
		next[addr] = nonce + 1
		target := StoreLogAddress
		if rng.Intn(6) == 0 {
			target = MessagePasserAddress
		}
		txs = append(txs, RandomTx(rng, target).Sign(signer, key, nonce, head.BaseFee))
	}
	for i, err := range pool.Add(txs, true) {
		if err != nil {
			return fmt.Errorf("devnet: add tx %d: %w", i, err)
		}
	}
	return nil
}

// Reorg replaces the top depth canonical blocks with depth different blocks: built by the
// miner on the common ancestor (fresh randomness and fee recipient, and without the dropped
// blocks' transactions, whose nonces the pool holds for the old chain), inserted without
// moving the head, then made canonical at once, so the node switches in a single reorg. The
// side blocks reuse the dropped blocks' timestamps: the simulated beacon stamps the next block
// after the old head's time, which must stay above the new head's.
func (d *Devnet) Reorg(ctx context.Context, rng *rand.Rand, depth int) (dropped, added []*types.Header, err error) {
	bc := d.Eth.BlockChain()
	head := bc.CurrentBlock()
	if uint64(depth) >= head.Number.Uint64() {
		return nil, nil, fmt.Errorf("devnet: reorg depth %d at head %d", depth, head.Number)
	}
	for i := head.Number.Uint64() - uint64(depth) + 1; i <= head.Number.Uint64(); i++ {
		dropped = append(dropped, bc.GetHeaderByNumber(i))
	}
	parent := bc.GetHeaderByNumber(head.Number.Uint64() - uint64(depth))
	var tip *types.Block
	for i := 0; i < depth; i++ {
		var random common.Hash
		rng.Read(random[:])
		args := &miner.BuildPayloadArgs{
			Parent:       parent.Hash(),
			Timestamp:    dropped[i].Time,
			FeeRecipient: common.Address{0xfe},
			Random:       random,
			Withdrawals:  types.Withdrawals{},
			BeaconRoot:   &common.Hash{},
			Version:      engine.PayloadV3,
		}
		payload, err := d.Eth.Miner().BuildPayload(ctx, args, false)
		if err != nil {
			return nil, nil, fmt.Errorf("devnet: build side block on %d: %w", parent.Number, err)
		}
		payload.ResolveFull()
		payload.Resolve() // stops the background rebuilding of this payload
		block, _, _, _ := payload.FullBlockAndReceipts()
		if block == nil {
			return nil, nil, fmt.Errorf("devnet: no side block built on %d", parent.Number)
		}
		if _, err := bc.InsertBlockWithoutSetHead(ctx, block, false); err != nil {
			return nil, nil, fmt.Errorf("devnet: insert side block %d: %w", block.NumberU64(), err)
		}
		added = append(added, block.Header())
		parent, tip = block.Header(), block
	}
	if _, err := bc.SetCanonical(tip); err != nil {
		return nil, nil, fmt.Errorf("devnet: switch to the side chain: %w", err)
	}
	log.Info("Devnet reorg injected", "depth", depth, "from", dropped[0].Number, "oldHead", head.Hash(), "newHead", tip.Hash(), "newNumber", tip.NumberU64())
	return dropped, added, nil
}

// AutoSeal commits a block whenever the pool receives transactions, until ctx ends: an L1
// that includes proposals without a block clock. Run it in its own goroutine.
func (d *Devnet) AutoSeal(ctx context.Context) {
	ch := make(chan core.NewTxsEvent, 16)
	sub := d.Eth.TxPool().SubscribeTransactions(ch, false)
	defer sub.Unsubscribe()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sub.Err():
			return
		case <-ch:
			// Let a burst of transactions land in one block.
			time.Sleep(5 * time.Millisecond)
			d.Commit()
		}
	}
}

// WaitManager waits until the extension manager has written notifications up to the head.
func (d *Devnet) WaitManager(ctx context.Context) error {
	for {
		h := d.Head()
		if d.Manager.Head() == (exex.BlockID{Number: h.Number.Uint64(), Hash: h.Hash()}) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-d.Manager.Done():
			return d.Manager.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
