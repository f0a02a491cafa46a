package stf

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/stateless"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethdb/memorydb"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/ethereum/go-ethereum/trie"
)

// InputVersion is the version of the Input encoding.
const InputVersion = 1

// Input is everything the STF reads: the chain config, the block, the
// execution witness of its parent state, and the extra trie nodes that prove
// the message passer's account in the parent state and in the post-state
// (nodes the block did not touch and so are not in the witness, plus those the
// block rewrote). The parent-state proof gives the parent's output root, which
// the claim carries so that a span's start output root is proven.
//
// Encoding (version 1): RLP [version, canonical chain-config encoding (bytes),
// block (RLP), ExtWitness, [extra node, ...]]. The ExtWitness is geth's
// (headers oldest first ending at the parent, codes, state nodes, keys); its
// keys (preimages) are carried but not used by the STF.
type Input struct {
	Config     *Config
	Block      *types.Block
	Witness    *stateless.ExtWitness
	ExtraNodes [][]byte
}

type inputV1 struct {
	Version    uint64
	Config     []byte
	Block      rlp.RawValue
	Witness    *stateless.ExtWitness
	ExtraNodes [][]byte
}

// Encode returns the Input's canonical encoding.
func (in *Input) Encode() ([]byte, error) {
	if in == nil || in.Block == nil || in.Witness == nil {
		return nil, fmt.Errorf("%w: input needs a block and a witness", ErrMalformedInput)
	}
	cfg, err := in.Config.Encode()
	if err != nil {
		return nil, err
	}
	block, err := rlp.EncodeToBytes(in.Block)
	if err != nil {
		return nil, fmt.Errorf("%w: block: %v", ErrMalformedInput, err)
	}
	extra := in.ExtraNodes
	if extra == nil {
		extra = [][]byte{}
	}
	return rlp.EncodeToBytes(&inputV1{Version: InputVersion, Config: cfg, Block: block, Witness: in.Witness, ExtraNodes: extra})
}

// DecodeInput parses an Input encoding. Every failure wraps ErrMalformedInput
// (or ErrUnsupportedConfig for a config of an unknown version).
func DecodeInput(b []byte) (*Input, error) {
	var enc inputV1
	if err := rlp.DecodeBytes(b, &enc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedInput, err)
	}
	if enc.Version != InputVersion {
		return nil, fmt.Errorf("%w: input version %d, want %d", ErrMalformedInput, enc.Version, InputVersion)
	}
	cfg, err := DecodeConfig(enc.Config)
	if err != nil {
		return nil, err
	}
	block := new(types.Block)
	if err := rlp.DecodeBytes(enc.Block, block); err != nil {
		return nil, fmt.Errorf("%w: block: %v", ErrMalformedInput, err)
	}
	if enc.Witness == nil {
		return nil, fmt.Errorf("%w: no witness", ErrMalformedInput)
	}
	for i, h := range enc.Witness.Headers {
		if h == nil {
			return nil, fmt.Errorf("%w: witness header %d is empty", ErrMalformedInput, i)
		}
	}
	return &Input{Config: cfg, Block: block, Witness: enc.Witness, ExtraNodes: enc.ExtraNodes}, nil
}

// NewInput builds the input for a block from its witness alone (for example
// block.rlp and witness.rlp fetched from a node). It executes the block
// statelessly to find the post-state proof of the message passer; that only
// works when the witness holds every node on the account's pre-state path, so
// for arbitrary blocks prefer InputFromChain, which proves from the node's state.
func NewInput(ctx context.Context, cfg *Config, block *types.Block, witness *stateless.ExtWitness) (*Input, error) {
	in := &Input{Config: cfg, Block: block, Witness: witness}
	ex, err := run(ctx, in)
	if err != nil {
		return nil, err
	}
	if cfg.MessagePasser == nil {
		return in, nil // no proof to carry (see messagePasserStorageRoot)
	}
	key := crypto.Keccak256(cfg.MessagePasser.Bytes())
	proof := memorydb.New()
	if parentRoot := ex.parent.Root; parentRoot != types.EmptyRootHash {
		// The parent-state path is read before the commit below, from the
		// witness nodes alone.
		tr, err := trie.NewStateTrie(trie.StateTrieID(parentRoot), ex.triedb)
		if err != nil {
			return nil, classifyStateErr(err)
		}
		if err := tr.Prove(key, proof); err != nil {
			return nil, fmt.Errorf("%w: message passer %v in pre-state %v (the witness lacks nodes on its path; build the input from a node's state): %w",
				ErrMissingTrieNode, *cfg.MessagePasser, parentRoot, err)
		}
	}
	if ex.postRoot == types.EmptyRootHash {
		in.ExtraNodes = proofNodesNotIn(proof, witness)
		return in, nil
	}
	// Commit the post-state into the witness-backed database so the account
	// path can be read back from the new root, then keep the proof nodes the
	// witness does not already hold.
	root, err := ex.statedb.Commit(ex.rules, block.NumberU64())
	if err != nil {
		return nil, classifyStateErr(err)
	}
	if err := ex.triedb.Commit(root, false); err != nil {
		return nil, fmt.Errorf("%w: commit post-state: %v", ErrInternal, err)
	}
	tr, err := trie.NewStateTrie(trie.StateTrieID(root), ex.triedb)
	if err != nil {
		return nil, classifyStateErr(err)
	}
	if err := tr.Prove(key, proof); err != nil {
		return nil, fmt.Errorf("%w: message passer %v in post-state %v (the witness lacks pre-state nodes on its path; build the input from a node's state): %w",
			ErrMissingTrieNode, *cfg.MessagePasser, root, err)
	}
	in.ExtraNodes = proofNodesNotIn(proof, witness)
	return in, nil
}

// InputFromChain builds the input for an imported block of bc: the witness
// comes from re-executing the block on its parent state (bc.ProcessBlock with
// MakeWitness) and the message-passer proofs from the parent's and the
// block's states, so both must still be available.
func InputFromChain(ctx context.Context, bc *core.BlockChain, cfg *Config, block *types.Block) (*Input, error) {
	parent := bc.GetHeader(block.ParentHash(), block.NumberU64()-1)
	if parent == nil {
		return nil, fmt.Errorf("parent %v of block %d not found", block.ParentHash(), block.NumberU64())
	}
	res, err := bc.ProcessBlock(ctx, parent.Root, block, core.ExecuteConfig{MakeWitness: true})
	if err != nil {
		return nil, fmt.Errorf("re-execute block %d for its witness: %w", block.NumberU64(), err)
	}
	if res.Witness() == nil {
		return nil, errors.New("geth produced no witness")
	}
	witness := res.Witness().ToExtWitness()
	if cfg.MessagePasser == nil {
		return &Input{Config: cfg, Block: block, Witness: witness}, nil
	}
	proof := memorydb.New()
	for _, root := range []common.Hash{parent.Root, block.Root()} {
		if root == types.EmptyRootHash {
			continue
		}
		tr, err := trie.NewStateTrie(trie.StateTrieID(root), bc.TrieDB())
		if err != nil {
			return nil, fmt.Errorf("state %v for block %d: %w", root, block.NumberU64(), err)
		}
		if err := tr.Prove(crypto.Keccak256(cfg.MessagePasser.Bytes()), proof); err != nil {
			return nil, fmt.Errorf("prove message passer in state %v for block %d: %w", root, block.NumberU64(), err)
		}
	}
	return &Input{Config: cfg, Block: block, Witness: witness, ExtraNodes: proofNodesNotIn(proof, witness)}, nil
}

// proofNodesNotIn lists the proof's nodes that the witness lacks, sorted by
// hash (memorydb iterates in key order) so the input is deterministic.
func proofNodesNotIn(proof *memorydb.Database, witness *stateless.ExtWitness) [][]byte {
	have := make(map[string]struct{}, len(witness.State))
	for _, n := range witness.State {
		have[string(n)] = struct{}{}
	}
	var out [][]byte
	it := proof.NewIterator(nil, nil)
	defer it.Release()
	for it.Next() {
		if _, ok := have[string(it.Value())]; !ok {
			out = append(out, bytes.Clone(it.Value()))
		}
	}
	return out
}

// ReadBlockAndWitness decodes block.rlp (an RLP block) and witness.rlp (an
// RLP ExtWitness), the files the CLI's "stf input" takes.
func ReadBlockAndWitness(blockRLP, witnessRLP []byte) (*types.Block, *stateless.ExtWitness, error) {
	block := new(types.Block)
	if err := rlp.DecodeBytes(blockRLP, block); err != nil {
		return nil, nil, fmt.Errorf("%w: block: %v", ErrMalformedInput, err)
	}
	witness := new(stateless.ExtWitness)
	if err := rlp.DecodeBytes(witnessRLP, witness); err != nil {
		return nil, nil, fmt.Errorf("%w: witness: %v", ErrMalformedInput, err)
	}
	return block, witness, nil
}

// ReadAccountProof parses the account proof of an eth_getProof response (the
// JSON-RPC response or just its result object): the trie nodes from the state
// root to the account, which InputWithProof takes as the message-passer proof.
func ReadAccountProof(data []byte) ([][]byte, error) {
	type proof struct {
		AccountProof []hexutil.Bytes `json:"accountProof"`
	}
	var resp struct {
		Result *proof `json:"result"`
		proof
	}
	if err := json.Unmarshal(data, &resp); err != nil {
		return nil, fmt.Errorf("account proof: %w", err)
	}
	nodes := resp.AccountProof
	if resp.Result != nil {
		nodes = resp.Result.AccountProof
	}
	if len(nodes) == 0 {
		return nil, errors.New("account proof: no accountProof nodes")
	}
	out := make([][]byte, len(nodes))
	for i, n := range nodes {
		out[i] = n
	}
	return out, nil
}

// InputWithProof builds the input for a block from its witness and account
// proofs of the message passer obtained elsewhere: its nodes in the parent
// state and in the post-state (for example eth_getProof at the parent and at
// the block from the node that produced the witness), in any order, the two
// lists simply concatenated. Only the nodes the witness lacks are kept;
// Execute checks the proofs against the parent's and the computed post-state
// roots.
func InputWithProof(cfg *Config, block *types.Block, witness *stateless.ExtWitness, accountProof [][]byte) *Input {
	proof := memorydb.New()
	for _, n := range accountProof {
		proof.Put(crypto.Keccak256(n), n)
	}
	return &Input{Config: cfg, Block: block, Witness: witness, ExtraNodes: proofNodesNotIn(proof, witness)}
}
