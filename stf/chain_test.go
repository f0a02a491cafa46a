package stf

import (
	"context"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/consensus/beacon"
	"github.com/ethereum/go-ethereum/consensus/ethash"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/core/state"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/core/vm"
	"github.com/ethereum/go-ethereum/core/vm/program"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/params"
	"github.com/holiman/uint256"
)

// Fork schedule of the generated chain: blocks are 10 s apart from genesis
// time 0, so each fork gets four blocks before the next one activates.
const (
	testCancunTime = 40
	testPragueTime = 80
	testOsakaTime  = 120
	testBPO1Time   = 160
	testBlocks     = 20
)

var (
	testKey1, _ = crypto.HexToECDSA("b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291")
	testKey2, _ = crypto.HexToECDSA("8a1f9a8f95be41cd7ccb6168179afb4504aefe388d1e14474d32c45c72ce7b7a")
	testAddr1   = crypto.PubkeyToAddress(testKey1.PublicKey)
	testAddr2   = crypto.PubkeyToAddress(testKey2.PublicKey)

	storeAddr     = common.HexToAddress("0xc0de000000000000000000000000000000000001")
	blockhashAddr = common.HexToAddress("0xc0de000000000000000000000000000000000002")
	factoryAddr   = common.HexToAddress("0xc0de000000000000000000000000000000000003") // CREATE2 + call: same-tx selfdestruct
	deployerAddr  = common.HexToAddress("0xc0de000000000000000000000000000000000004") // CREATE2 and CREATE, no call
	revertAddr    = common.HexToAddress("0xc0de000000000000000000000000000000000005")
	coinbaseAddr  = common.HexToAddress("0xc014ba5e00000000000000000000000000000000")
	withdrawAddr  = common.HexToAddress("0x3333000000000000000000000000000000000003")
)

// testChainConfig is a post-merge chain that crosses Shanghai, Cancun,
// Prague, Osaka and BPO1.
func testChainConfig() *params.ChainConfig {
	u := func(v uint64) *uint64 { return &v }
	return &params.ChainConfig{
		ChainID:                 big.NewInt(905),
		HomesteadBlock:          big.NewInt(0),
		EIP150Block:             big.NewInt(0),
		EIP155Block:             big.NewInt(0),
		EIP158Block:             big.NewInt(0),
		ByzantiumBlock:          big.NewInt(0),
		ConstantinopleBlock:     big.NewInt(0),
		PetersburgBlock:         big.NewInt(0),
		IstanbulBlock:           big.NewInt(0),
		MuirGlacierBlock:        big.NewInt(0),
		BerlinBlock:             big.NewInt(0),
		LondonBlock:             big.NewInt(0),
		ArrowGlacierBlock:       big.NewInt(0),
		GrayGlacierBlock:        big.NewInt(0),
		MergeNetsplitBlock:      big.NewInt(0),
		TerminalTotalDifficulty: big.NewInt(0),
		ShanghaiTime:            u(0),
		CancunTime:              u(testCancunTime),
		PragueTime:              u(testPragueTime),
		OsakaTime:               u(testOsakaTime),
		BPO1Time:                u(testBPO1Time),
		DepositContractAddress:  common.HexToAddress("0x00000000219ab540356cBB839Cbe05303d7705Fa"),
		Ethash:                  new(params.EthashConfig),
		BlobScheduleConfig: &params.BlobScheduleConfig{
			Cancun: params.DefaultCancunBlobConfig,
			Prague: params.DefaultPragueBlobConfig,
			BPO1:   params.DefaultBPO1BlobConfig,
		},
	}
}

// Contract code of the generated chain.
var (
	// messagePasserCode: storage[NUMBER] = CALLVALUE, so the output root's
	// storage root changes in every block that calls it.
	messagePasserCode = program.New().Op(vm.CALLVALUE, vm.NUMBER, vm.SSTORE).Bytes()

	// storeCode: storage[calldata[0]] = calldata[32]; LOG1(topic calldata[32]).
	// Writing 0 clears a slot.
	storeCode = program.New().
			Push(32).Op(vm.CALLDATALOAD).Push(0).Op(vm.CALLDATALOAD).Op(vm.SSTORE).
			Push(32).Op(vm.CALLDATALOAD).Push(0).Push(0).Op(vm.LOG1).Bytes()

	// blockhashCode: storage[k] = BLOCKHASH(NUMBER - k), k = calldata[0].
	blockhashCode = program.New().
			Push(0).Op(vm.CALLDATALOAD).Op(vm.NUMBER, vm.SUB, vm.BLOCKHASH).
			Push(0).Op(vm.CALLDATALOAD).Op(vm.SSTORE).Bytes()

	// childRuntime: SELFDESTRUCT to the caller. childInit deploys it.
	childRuntime = program.New().Op(vm.CALLER, vm.SELFDESTRUCT).Bytes()
	childInit    = program.New().ReturnViaCodeCopy(childRuntime).Bytes()

	// factoryCode: CREATE2(childInit, salt calldata[0]) then CALL the child,
	// which selfdestructs in its creation transaction (EIP-6780 deletes it).
	factoryCode = func() []byte {
		p := program.New().Mstore(childInit, 0)
		p.Push(0).Op(vm.CALLDATALOAD).Push(len(childInit)).Push(0).Push(0).Op(vm.CREATE2)
		p.Push(0).Push(0).Push(0).Push(0).Push(0).Op(vm.DUP6, vm.GAS, vm.CALL, vm.POP, vm.POP)
		return p.Bytes()
	}()

	// deployerCode: CREATE2(childInit, salt calldata[0]) and CREATE(childInit);
	// the children stay until a later transaction calls them.
	deployerCode = func() []byte {
		p := program.New().Mstore(childInit, 0)
		p.Push(0).Op(vm.CALLDATALOAD).Push(len(childInit)).Push(0).Push(0).Op(vm.CREATE2, vm.POP)
		p.Push(len(childInit)).Push(0).Push(0).Op(vm.CREATE, vm.POP)
		return p.Bytes()
	}()

	// revertCode: writes a slot, then reverts.
	revertCode = program.New().Sstore(1, 1).Push(0).Push(0).Op(vm.REVERT).Bytes()
)

func testGenesis(cfg *Config) *core.Genesis {
	rich := new(big.Int).Mul(big.NewInt(1_000_000), big.NewInt(params.Ether))
	return &core.Genesis{
		Config:   cfg.Chain,
		GasLimit: 30_000_000,
		BaseFee:  big.NewInt(params.InitialBaseFee),
		Alloc: types.GenesisAlloc{
			testAddr1:                        {Balance: rich},
			testAddr2:                        {Balance: big.NewInt(params.Ether)},
			*cfg.MessagePasser:               {Code: messagePasserCode, Balance: big.NewInt(1)},
			storeAddr:                        {Code: storeCode, Storage: map[common.Hash]common.Hash{{31: 7}: {31: 7}}},
			blockhashAddr:                    {Code: blockhashCode},
			factoryAddr:                      {Code: factoryCode},
			deployerAddr:                     {Code: deployerCode},
			revertAddr:                       {Code: revertCode},
			params.BeaconRootsAddress:        {Code: params.BeaconRootsCode, Nonce: 1},
			params.HistoryStorageAddress:     {Code: params.HistoryStorageCode, Nonce: 1},
			params.WithdrawalQueueAddress:    {Code: params.WithdrawalQueueCode, Nonce: 1},
			params.ConsolidationQueueAddress: {Code: params.ConsolidationQueueCode, Nonce: 1},
		},
	}
}

func word(v uint64) []byte { return common.BigToHash(new(big.Int).SetUint64(v)).Bytes() }

// testTraffic fills block i (0-based) with the transaction mix the issue asks for.
func testTraffic(t testing.TB, cfg *Config, bc *core.BlockChain, i int, g *core.BlockGen) {
	signer := types.LatestSigner(cfg.Chain)
	chainID := uint256.MustFromBig(cfg.Chain.ChainID)
	num := g.Number().Uint64()
	tip := big.NewInt(params.GWei)
	feeCap := new(big.Int).Add(new(big.Int).Mul(g.BaseFee(), big.NewInt(2)), tip)
	nonce := g.TxNonce(testAddr1)
	dyn := func(to *common.Address, value *big.Int, gas uint64, data []byte) *types.Transaction {
		tx := types.MustSignNewTx(testKey1, signer, &types.DynamicFeeTx{
			ChainID: cfg.Chain.ChainID, Nonce: nonce, GasTipCap: tip, GasFeeCap: feeCap,
			Gas: gas, To: to, Value: value, Data: data,
		})
		nonce++
		return tx
	}
	add := func(tx *types.Transaction) { g.AddTxWithChain(bc, tx) }

	g.SetCoinbase(coinbaseAddr)
	// Output-root traffic: the message passer's storage changes every block.
	mp := *cfg.MessagePasser
	add(dyn(&mp, big.NewInt(int64(1000+i)), 100_000, nil))
	// Plain transfer (legacy tx) and a zero-value call to a fresh address,
	// whose absence the witness must prove.
	fresh := common.BigToAddress(big.NewInt(int64(0xf00000 + i)))
	add(types.MustSignNewTx(testKey1, signer, &types.LegacyTx{Nonce: nonce, GasPrice: feeCap, Gas: 100_000, To: &testAddr2, Value: big.NewInt(1)}))
	nonce++
	add(dyn(&fresh, new(big.Int), 21_000, nil))
	// Storage set (slot = block number) with a log, and clear of the previous block's slot.
	add(dyn(&storeAddr, new(big.Int), 100_000, append(word(num), word(num*3+1)...)))
	if num > 1 {
		add(dyn(&storeAddr, new(big.Int), 100_000, append(word(num-1), word(0)...)))
	}
	// BLOCKHASH of an older ancestor (the oldest reachable, up to 200 back).
	if num > 1 {
		k := min(num-1, 200)
		if i%2 == 0 {
			k = min(num-1, 3)
		}
		add(dyn(&blockhashAddr, new(big.Int), 100_000, word(k)))
	}
	// A reverted call.
	add(dyn(&revertAddr, new(big.Int), 100_000, nil))
	switch i % 4 {
	case 0: // CREATE2 + CALL + same-transaction SELFDESTRUCT.
		add(dyn(&factoryAddr, new(big.Int), 300_000, word(uint64(i))))
	case 1: // CREATE2 + CREATE; plus a contract-creation transaction.
		add(dyn(&deployerAddr, new(big.Int), 300_000, word(uint64(i))))
		add(dyn(nil, new(big.Int), 200_000, childInit))
	case 2: // SELFDESTRUCT of a child created in an earlier block (balance moves; pre-Cancun also deletes it).
		child := crypto.CreateAddress2(deployerAddr, common.BytesToHash(word(uint64(i-1))), crypto.Keccak256(childInit))
		add(dyn(&child, big.NewInt(5), 100_000, nil))
	case 3: // Withdrawals.
		g.AddWithdrawal(&types.Withdrawal{Validator: uint64(i), Address: withdrawAddr, Amount: 1_000_000})
		g.AddWithdrawal(&types.Withdrawal{Validator: uint64(i + 1), Address: testAddr2, Amount: 7})
	}
	// Blob-carrying transaction (type 3) from Cancun on.
	if cfg.Chain.IsCancun(g.Number(), g.Timestamp()) {
		blobFee := uint256.NewInt(100 * params.GWei)
		hashes := []common.Hash{{0: 0x01, 1: byte(i)}, {0: 0x01, 1: byte(i), 2: 1}}
		add(types.MustSignNewTx(testKey1, signer, &types.BlobTx{
			ChainID: chainID, Nonce: nonce, GasTipCap: uint256.MustFromBig(tip), GasFeeCap: uint256.MustFromBig(feeCap),
			Gas: 50_000, To: storeAddr, Data: append(word(1_000_000+num), word(9)...), BlobFeeCap: blobFee, BlobHashes: hashes,
		}))
		nonce++
	}
	// Set-code transaction (EIP-7702) from Prague on: testAddr2 delegates to
	// the store contract (or clears its delegation), then runs it.
	if cfg.Chain.IsPrague(g.Number(), g.Timestamp()) {
		target := storeAddr
		if i%3 == 2 {
			target = common.Address{} // reset the delegation
		}
		auth, err := types.SignSetCode(testKey2, types.SetCodeAuthorization{ChainID: *chainID, Address: target, Nonce: g.TxNonce(testAddr2)})
		if err != nil {
			t.Fatal(err)
		}
		add(types.MustSignNewTx(testKey1, signer, &types.SetCodeTx{
			ChainID: chainID, Nonce: nonce, GasTipCap: uint256.MustFromBig(tip), GasFeeCap: uint256.MustFromBig(feeCap),
			Gas: 200_000, To: testAddr2, Data: append(word(num), word(num+5)...), AuthList: []types.SetCodeAuthorization{auth},
		}))
		nonce++
	}
}

// testChain is a generated chain imported into a real BlockChain.
type testChain struct {
	cfg      *Config
	bc       *core.BlockChain
	blocks   []*types.Block
	receipts []types.Receipts
}

func newTestChain(t testing.TB, n int) *testChain {
	t.Helper()
	cfg := NewConfig(testChainConfig())
	genesis := testGenesis(cfg)
	engine := beacon.New(ethash.NewFaker())
	bc, err := core.NewBlockChain(rawdb.NewMemoryDatabase(), genesis, engine, core.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bc.Stop)
	// Generate one block at a time and import it before generating the next,
	// so BLOCKHASH during generation resolves through the real chain.
	genDB, _, _ := core.GenerateChainWithGenesis(genesis, engine, 0, nil)
	parent := bc.Genesis()
	var (
		blocks   []*types.Block
		receipts []types.Receipts
	)
	for i := 0; i < n; i++ {
		bs, rs := core.GenerateChain(cfg.Chain, parent, engine, genDB, 1, func(_ int, g *core.BlockGen) {
			testTraffic(t, cfg, bc, i, g)
		})
		if idx, err := bc.InsertChain(bs); err != nil {
			t.Fatalf("import block %d: %v", bs[idx].NumberU64(), err)
		}
		blocks, receipts = append(blocks, bs...), append(receipts, rs...)
		parent = bs[0]
	}
	return &testChain{cfg: cfg, bc: bc, blocks: blocks, receipts: receipts}
}

// input builds the STF input of block i from the chain.
func (c *testChain) input(t testing.TB, i int) *Input {
	t.Helper()
	in, err := InputFromChain(context.Background(), c.bc, c.cfg, c.blocks[i])
	if err != nil {
		t.Fatalf("input for block %d: %v", c.blocks[i].NumberU64(), err)
	}
	return in
}

// expectedClaim is the claim geth's import implies for block i, computed
// from the imported chain's state, independently of the STF.
func (c *testChain) expectedClaim(t testing.TB, i int) Claim {
	t.Helper()
	b := c.blocks[i]
	parent := c.bc.GetHeaderByHash(b.ParentHash())
	st, err := c.bc.StateAt(b.Root(), b.Number(), b.Time())
	if err != nil {
		t.Fatal(err)
	}
	configHash, err := c.cfg.Hash()
	if err != nil {
		t.Fatal(err)
	}
	parentState, err := c.bc.StateAt(parent.Root, parent.Number, parent.Time)
	if err != nil {
		t.Fatal(err)
	}
	imported := c.bc.GetHeaderByNumber(b.NumberU64())
	return Claim{
		ConfigHash:       configHash,
		ParentHash:       parent.Hash(),
		BlockHash:        imported.Hash(),
		BlockNumber:      imported.Number.Uint64(),
		PreStateRoot:     parent.Root,
		PostStateRoot:    imported.Root,
		ReceiptsRoot:     imported.ReceiptHash,
		OutputRoot:       OutputRoot(imported.Root, st.GetStorageRoot(*c.cfg.MessagePasser), imported.Hash()),
		ParentOutputRoot: OutputRoot(parent.Root, storageRootOrEmpty(parentState, *c.cfg.MessagePasser), parent.Hash()),
	}
}

// storageRootOrEmpty is the account's storage root, the empty-trie root when
// the account does not exist (as an output root takes it).
func storageRootOrEmpty(st *state.StateDB, addr common.Address) common.Hash {
	if !st.Exist(addr) {
		return types.EmptyRootHash
	}
	return st.GetStorageRoot(addr)
}
