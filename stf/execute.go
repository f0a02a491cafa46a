package stf

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/consensus"
	"github.com/ethereum/go-ethereum/consensus/beacon"
	"github.com/ethereum/go-ethereum/consensus/ethash"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/core/state"
	"github.com/ethereum/go-ethereum/core/stateless"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/core/vm"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethdb"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/ethereum/go-ethereum/trie"
	"github.com/ethereum/go-ethereum/triedb"
)

// MaxWitnessHeaders bounds the witness's header chain: BLOCKHASH reaches at
// most 256 ancestors, so a longer chain only costs the prover cycles.
const MaxWitnessHeaders = 256

// Execute runs the stateless state transition of in.Block on the witness and
// returns the claim. Beyond what core.ExecuteStateless checks (gas used, logs
// bloom) it verifies that the witness's headers are a contiguous chain ending
// at the block's parent, the header against its parent (consensus rules of the
// fork), the body against the header (transactions, withdrawals, uncles,
// blobs, size), and the computed state, receipts and requests roots against
// the header's. It never panics: a panic inside geth becomes ErrInternal.
func Execute(ctx context.Context, in *Input) (claim Claim, err error) {
	defer func() {
		if r := recover(); r != nil {
			claim, err = Claim{}, fmt.Errorf("%w: panic: %v", ErrInternal, r)
		}
	}()
	ex, err := run(ctx, in)
	if err != nil {
		return Claim{}, err
	}
	addNodes(ex.memdb, in.ExtraNodes)
	parentMP, err := messagePasserStorageRoot(ex.memdb, ex.parent.Root, in.Config.MessagePasser, "pre-state")
	if err != nil {
		return Claim{}, err
	}
	mpRoot, err := messagePasserStorageRoot(ex.memdb, ex.postRoot, in.Config.MessagePasser, "post-state")
	if err != nil {
		return Claim{}, err
	}
	header := in.Block.Header()
	return Claim{
		ConfigHash:    ex.configHash,
		ParentHash:    header.ParentHash,
		BlockHash:     in.Block.Hash(),
		BlockNumber:   header.Number.Uint64(),
		PreStateRoot:  ex.parent.Root,
		PostStateRoot: ex.postRoot,
		ReceiptsRoot:  ex.receiptsRoot,
		OutputRoot:    OutputRoot(ex.postRoot, mpRoot, in.Block.Hash()),
		// The parent's header hashes its state root, so the parent
		// output root is fully determined by what the block builds on.
		ParentOutputRoot: OutputRoot(ex.parent.Root, parentMP, header.ParentHash),
	}, nil
}

// execution is the state of a successful stateless run.
type execution struct {
	configHash   common.Hash
	parent       *types.Header
	rules        params.Rules
	memdb        ethdb.Database
	triedb       *triedb.Database
	statedb      *state.StateDB
	postRoot     common.Hash
	receiptsRoot common.Hash
}

func run(ctx context.Context, in *Input) (*execution, error) {
	if in == nil || in.Config == nil || in.Config.Chain == nil || in.Block == nil || in.Witness == nil {
		return nil, fmt.Errorf("%w: input needs a config, a block and a witness", ErrMalformedInput)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	configHash, err := in.Config.Hash()
	if err != nil {
		return nil, err
	}
	cc := in.Config.Chain
	block := in.Block
	header := block.Header()
	if err := checkSupported(cc, header); err != nil {
		return nil, err
	}
	chain, err := newWitnessChain(cc, block, in.Witness)
	if err != nil {
		return nil, err
	}
	if err := chain.engine.VerifyHeader(chain, header); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrInvalidBlock, err)
	}
	if err := validateBody(cc, block); err != nil {
		return nil, err
	}

	w := new(stateless.Witness)
	if err := w.FromExtWitness(in.Witness); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidWitness, err)
	}
	memdb := w.MakeHashDB()
	tdb := triedb.NewDatabase(memdb, triedb.HashDefaults)
	statedb, err := state.New(chain.parent.Root, state.NewDatabase(tdb, state.NewCodeDB(memdb)))
	if err != nil {
		return nil, classifyStateErr(err)
	}
	processor := core.NewStateProcessor(chain)
	res, err := processor.Process(ctx, block, statedb, nil, nil, vm.Config{DisableParallelExecution: true}, nil)
	if err != nil {
		if dberr := statedb.Error(); dberr != nil {
			return nil, classifyStateErr(dberr)
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, fmt.Errorf("%w: %v", ErrInvalidBlock, err)
	}
	if dberr := statedb.Error(); dberr != nil {
		return nil, classifyStateErr(dberr)
	}
	if chain.missing != nil {
		// geth's BLOCKHASH turns an unknown ancestor into a zero hash; here it
		// is a witness that lacks a header execution needed.
		return nil, fmt.Errorf("%w: execution needed ancestor header #%d, which the witness lacks", ErrInvalidWitness, *chain.missing)
	}
	if err := core.NewBlockValidator(cc, nil).ValidateState(block, statedb, res, true); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidBlock, err)
	}
	receiptsRoot := types.DeriveSha(res.Receipts, trie.NewStackTrie(nil))
	if receiptsRoot != header.ReceiptHash {
		return nil, fmt.Errorf("%w: receipts root %v, header says %v", ErrRootMismatch, receiptsRoot, header.ReceiptHash)
	}
	if header.RequestsHash != nil {
		if h := types.CalcRequestsHash(res.Requests); h != *header.RequestsHash {
			return nil, fmt.Errorf("%w: requests hash %v, header says %v", ErrRootMismatch, h, *header.RequestsHash)
		}
	} else if res.Requests != nil {
		return nil, fmt.Errorf("%w: requests before Prague", ErrInvalidBlock)
	}
	rules := cc.Rules(header.Number, true, header.Time)
	postRoot := statedb.IntermediateRoot(rules)
	if dberr := statedb.Error(); dberr != nil {
		return nil, classifyStateErr(dberr)
	}
	if postRoot != header.Root {
		return nil, fmt.Errorf("%w: state root %v, header says %v", ErrRootMismatch, postRoot, header.Root)
	}
	return &execution{
		configHash:   configHash,
		parent:       chain.parent,
		rules:        rules,
		memdb:        memdb,
		triedb:       tdb,
		statedb:      statedb,
		postRoot:     postRoot,
		receiptsRoot: receiptsRoot,
	}, nil
}

// checkSupported rejects configs and forks the STF does not execute: the
// block must be post-merge and at least Shanghai, and must not need block
// access lists (Amsterdam) or the binary trie.
func checkSupported(cc *params.ChainConfig, header *types.Header) error {
	if err := cc.CheckConfigForkOrder(); err != nil {
		return fmt.Errorf("%w: %v", ErrUnsupportedConfig, err)
	}
	if cc.Clique != nil {
		return fmt.Errorf("%w: clique", ErrUnsupportedConfig)
	}
	if cc.EnableUBTAtGenesis || cc.UBTTime != nil && cc.IsUBT(header.Number, header.Time) {
		return fmt.Errorf("%w: binary trie (UBT)", ErrUnsupportedConfig)
	}
	if header.Number == nil || !header.Number.IsUint64() {
		return fmt.Errorf("%w: block number out of range", ErrInvalidBlock)
	}
	if header.Difficulty == nil || header.Difficulty.Sign() != 0 {
		return fmt.Errorf("%w: pre-merge block (difficulty %v)", ErrUnsupportedConfig, header.Difficulty)
	}
	if !cc.IsShanghai(header.Number, header.Time) {
		return fmt.Errorf("%w: block %v is before Shanghai", ErrUnsupportedConfig, header.Number)
	}
	if cc.IsAmsterdam(header.Number, header.Time) {
		return fmt.Errorf("%w: Amsterdam (block access lists) is not supported yet", ErrUnsupportedConfig)
	}
	return nil
}

// validateBody checks what binds the body to the header, the part of geth's
// BlockValidator.ValidateBody that does not need a chain database.
func validateBody(cc *params.ChainConfig, block *types.Block) error {
	header := block.Header()
	if cc.IsOsaka(block.Number(), block.Time()) && block.Size() > params.MaxBlockSize {
		return fmt.Errorf("%w: block of %d bytes exceeds the EIP-7934 cap", ErrInvalidBlock, block.Size())
	}
	if len(block.Uncles()) != 0 {
		return fmt.Errorf("%w: post-merge block with uncles", ErrInvalidBlock)
	}
	if h := types.DeriveSha(block.Transactions(), trie.NewStackTrie(nil)); h != header.TxHash {
		return fmt.Errorf("%w: transactions root %v, header says %v", ErrInvalidBlock, h, header.TxHash)
	}
	if header.WithdrawalsHash == nil || block.Withdrawals() == nil {
		return fmt.Errorf("%w: withdrawals missing from a Shanghai block", ErrInvalidBlock)
	}
	if h := types.DeriveSha(block.Withdrawals(), trie.NewStackTrie(nil)); h != *header.WithdrawalsHash {
		return fmt.Errorf("%w: withdrawals root %v, header says %v", ErrInvalidBlock, h, *header.WithdrawalsHash)
	}
	var blobs uint64
	for i, tx := range block.Transactions() {
		blobs += uint64(len(tx.BlobHashes()))
		if tx.BlobTxSidecar() != nil {
			return fmt.Errorf("%w: transaction %d carries a blob sidecar", ErrInvalidBlock, i)
		}
	}
	switch {
	case header.BlobGasUsed != nil:
		if blobs*params.BlobTxBlobGasPerBlob != *header.BlobGasUsed {
			return fmt.Errorf("%w: %d blobs but blobGasUsed %d", ErrInvalidBlock, blobs, *header.BlobGasUsed)
		}
	case blobs > 0:
		return fmt.Errorf("%w: blobs before Cancun", ErrInvalidBlock)
	}
	if header.BlockAccessListHash != nil || block.AccessList() != nil {
		return fmt.Errorf("%w: block access list before Amsterdam", ErrInvalidBlock)
	}
	return nil
}

// classifyStateErr maps a state-access failure to its class: a node or code
// the witness does not hold is ErrMissingTrieNode.
func classifyStateErr(err error) error {
	var missing *trie.MissingNodeError
	if errors.As(err, &missing) {
		// geth's own message ends in "%v" of an inner error that is nil for
		// a node absent from a database ("... (path 0309) <nil>").
		msg := fmt.Sprintf("missing trie node %x (path %x)", missing.NodeHash, missing.Path)
		if missing.Owner != (common.Hash{}) {
			msg = fmt.Sprintf("missing trie node %x (owner %x) (path %x)", missing.NodeHash, missing.Owner, missing.Path)
		}
		if inner := errors.Unwrap(missing); inner != nil {
			msg += ": " + inner.Error()
		}
		// Keep what the callers wrapped around it (the account being read).
		return fmt.Errorf("%w: %s", ErrMissingTrieNode, strings.Replace(err.Error(), missing.Error(), msg, 1))
	}
	return fmt.Errorf("%w: state access: %v", ErrMissingTrieNode, err)
}

// addNodes adds the input's extra trie nodes to the witness database, keyed
// by their hashes. They are consulted only after the block has executed on the
// witness alone: a node can only be found under its own hash, so extra nodes
// never change what a proof against a given root yields.
func addNodes(memdb ethdb.Database, extra [][]byte) {
	for _, n := range extra {
		rawdb.WriteLegacyTrieNode(memdb, crypto.Keccak256Hash(n), n)
	}
}

// messagePasserStorageRoot proves the message passer's account in the state
// with the given root (the parent's pre-state or the block's post-state) from
// the witness nodes plus the input's extra nodes (addNodes) and returns its
// storage root (the empty-trie root when the account does not exist). A chain
// without a message passer (addr nil) uses the empty-trie root with no proof,
// and so does an empty state: no account exists in it, and the empty trie has
// no node to prove that with.
func messagePasserStorageRoot(memdb ethdb.Database, root common.Hash, addr *common.Address, which string) (common.Hash, error) {
	if addr == nil || root == types.EmptyRootHash {
		return types.EmptyRootHash, nil
	}
	val, err := trie.VerifyProof(root, crypto.Keccak256(addr.Bytes()), memdb)
	if err != nil {
		return common.Hash{}, fmt.Errorf("%w: message passer %v in %s: %v", ErrMissingTrieNode, addr, which, err)
	}
	if val == nil {
		return types.EmptyRootHash, nil
	}
	var acc types.StateAccount
	if err := rlp.DecodeBytes(val, &acc); err != nil {
		return common.Hash{}, fmt.Errorf("%w: message passer account in %s: %v", ErrInvalidWitness, which, err)
	}
	return acc.Root, nil
}

// witnessChain serves the witness's verified header chain to geth's state
// processor (BLOCKHASH, EIP-2935, header verification); it knows no other headers.
type witnessChain struct {
	config  *params.ChainConfig
	engine  consensus.Engine
	parent  *types.Header
	byHash  map[common.Hash]*types.Header
	byNum   map[uint64]*types.Header
	missing *uint64 // first header asked for that the witness lacks
}

// newWitnessChain checks that the witness headers, oldest first as
// ExtWitness orders them, form a contiguous chain whose last header is the
// block's parent.
func newWitnessChain(cc *params.ChainConfig, block *types.Block, ext *stateless.ExtWitness) (*witnessChain, error) {
	hs := ext.Headers
	if len(hs) == 0 {
		return nil, fmt.Errorf("%w: no headers", ErrInvalidWitness)
	}
	if len(hs) > MaxWitnessHeaders {
		return nil, fmt.Errorf("%w: %d headers, at most %d", ErrInvalidWitness, len(hs), MaxWitnessHeaders)
	}
	c := &witnessChain{
		config: cc,
		engine: beacon.New(ethash.NewFaker()),
		byHash: make(map[common.Hash]*types.Header, len(hs)),
		byNum:  make(map[uint64]*types.Header, len(hs)),
	}
	for i, h := range hs {
		if h == nil || h.Number == nil || h.Difficulty == nil {
			return nil, fmt.Errorf("%w: header %d incomplete", ErrInvalidWitness, i)
		}
		if !h.Number.IsUint64() {
			return nil, fmt.Errorf("%w: header %d number out of range", ErrInvalidWitness, i)
		}
		if i > 0 {
			prev := hs[i-1]
			if h.ParentHash != prev.Hash() || h.Number.Uint64() != prev.Number.Uint64()+1 {
				return nil, fmt.Errorf("%w: header %d (#%v) does not extend header %d (#%v)", ErrInvalidWitness, i, h.Number, i-1, prev.Number)
			}
		}
		c.byHash[h.Hash()] = h
		c.byNum[h.Number.Uint64()] = h
	}
	c.parent = hs[len(hs)-1]
	if c.parent.Hash() != block.ParentHash() {
		return nil, fmt.Errorf("%w: last witness header %v is not the block's parent %v", ErrInvalidWitness, c.parent.Hash(), block.ParentHash())
	}
	if new(big.Int).Add(c.parent.Number, common.Big1).Cmp(block.Number()) != 0 {
		return nil, fmt.Errorf("%w: parent number %v, block number %v", ErrInvalidWitness, c.parent.Number, block.Number())
	}
	return c, nil
}

func (c *witnessChain) Config() *params.ChainConfig                 { return c.config }
func (c *witnessChain) Engine() consensus.Engine                    { return c.engine }
func (c *witnessChain) CurrentHeader() *types.Header                { return c.parent }
func (c *witnessChain) GetHeaderByHash(h common.Hash) *types.Header { return c.byHash[h] }
func (c *witnessChain) GetHeaderByNumber(n uint64) *types.Header    { return c.byNum[n] }

func (c *witnessChain) GetHeader(hash common.Hash, number uint64) *types.Header {
	if h := c.byHash[hash]; h != nil && h.Number.Uint64() == number {
		return h
	}
	if c.missing == nil {
		c.missing = &number
	}
	return nil
}
