package stf

import (
	"encoding/binary"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// ClaimSize is the length of a claim's ABI encoding: nine static 32-byte words.
const ClaimSize = claimWords * 32

// The word index of each field in a claim's ABI encoding (ABI, DecodeClaim; the final layer's
// span program reads the journal by these).
const (
	WordConfigHash = iota
	WordParentHash
	WordBlockHash
	WordBlockNumber
	WordPreStateRoot
	WordPostStateRoot
	WordReceiptsRoot
	WordOutputRoot
	WordParentOutputRoot
	claimWords
)

// Claim is what one STF run attests to; its ABI encoding is the guest's journal.
//
// The ABI encoding is abi.encode(bytes32 configHash, bytes32 parentHash,
// bytes32 blockHash, uint64 blockNumber, bytes32 preStateRoot,
// bytes32 postStateRoot, bytes32 receiptsRoot, bytes32 outputRoot,
// bytes32 parentOutputRoot): the fields in this order, one word each,
// blockNumber big-endian and left-padded.
//
// ParentOutputRoot is the output root of the parent block, computed from the
// proven pre-state (preStateRoot, the message passer's storage root proven in
// it, parentHash). It is what ties a span's start output root, which the
// output oracle checks against its latest output, to the state the first
// block was executed on: without it a span could start from any state.
type Claim struct {
	ConfigHash    common.Hash `json:"configHash"`
	ParentHash    common.Hash `json:"parentHash"`
	BlockHash     common.Hash `json:"blockHash"`
	BlockNumber   uint64      `json:"blockNumber"`
	PreStateRoot  common.Hash `json:"preStateRoot"`
	PostStateRoot common.Hash `json:"postStateRoot"`
	ReceiptsRoot  common.Hash `json:"receiptsRoot"`
	OutputRoot    common.Hash `json:"outputRoot"`
	// Added last so that the words before it keep their positions.
	ParentOutputRoot common.Hash `json:"parentOutputRoot"`
}

// ABI returns the claim's ABI encoding (ClaimSize bytes), the journal bytes.
func (c Claim) ABI() []byte {
	out := make([]byte, 0, ClaimSize)
	out = append(out, c.ConfigHash[:]...)
	out = append(out, c.ParentHash[:]...)
	out = append(out, c.BlockHash[:]...)
	var num [32]byte
	binary.BigEndian.PutUint64(num[24:], c.BlockNumber)
	out = append(out, num[:]...)
	out = append(out, c.PreStateRoot[:]...)
	out = append(out, c.PostStateRoot[:]...)
	out = append(out, c.ReceiptsRoot[:]...)
	out = append(out, c.OutputRoot[:]...)
	out = append(out, c.ParentOutputRoot[:]...)
	return out
}

// Digest is keccak256 of the ABI encoding, what a contract recomputes.
func (c Claim) Digest() common.Hash {
	return crypto.Keccak256Hash(c.ABI())
}

// DecodeClaim parses a journal written by the guest (a claim's ABI encoding).
func DecodeClaim(journal []byte) (Claim, error) {
	if len(journal) != ClaimSize {
		return Claim{}, fmt.Errorf("%w: journal is %d bytes, want %d", ErrMalformedInput, len(journal), ClaimSize)
	}
	word := func(i int) []byte { return journal[i*32 : (i+1)*32] }
	for _, b := range word(WordBlockNumber)[:24] {
		if b != 0 {
			return Claim{}, fmt.Errorf("%w: blockNumber word exceeds uint64", ErrMalformedInput)
		}
	}
	return Claim{
		ConfigHash:       common.BytesToHash(word(WordConfigHash)),
		ParentHash:       common.BytesToHash(word(WordParentHash)),
		BlockHash:        common.BytesToHash(word(WordBlockHash)),
		BlockNumber:      binary.BigEndian.Uint64(word(WordBlockNumber)[24:]),
		PreStateRoot:     common.BytesToHash(word(WordPreStateRoot)),
		PostStateRoot:    common.BytesToHash(word(WordPostStateRoot)),
		ReceiptsRoot:     common.BytesToHash(word(WordReceiptsRoot)),
		OutputRoot:       common.BytesToHash(word(WordOutputRoot)),
		ParentOutputRoot: common.BytesToHash(word(WordParentOutputRoot)),
	}, nil
}

// OutputRoot computes the OP-compatible version-0 output root:
// keccak256(bytes32(0) ‖ stateRoot ‖ messagePasserStorageRoot ‖ blockHash).
func OutputRoot(stateRoot, messagePasserStorageRoot, blockHash common.Hash) common.Hash {
	var version common.Hash
	return crypto.Keccak256Hash(version[:], stateRoot[:], messagePasserStorageRoot[:], blockHash[:])
}
