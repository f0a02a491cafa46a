package exex

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/big"
	"slices"

	"github.com/ethereum/go-ethereum/consensus/misc/eip4844"
	"github.com/ethereum/go-ethereum/core/stateless"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rlp"
)

// WAL entry format, version 2 (version 1 entries still decode):
//
//	byte 0      version (2; 1 for entries written before account proofs existed)
//	bytes 1..4  CRC-32C (Castagnoli) of the payload, big endian
//	bytes 5..   payload: RLP(entryV1)
//
// entryV1 = [kind, old blocks, new blocks]; a block = [block RLP (header, txs, uncles,
// withdrawals), receipts in geth's storage encoding, witness as RLP(stateless.ExtWitness) or
// empty, and in version 2 optionally the account-proof nodes (Block.AccountProofs) as a list
// of byte strings, omitted when there are none]. Receipts' derived fields (tx hash, gas used, log positions, ...) are recomputed from
// the block on decode, as geth does for its own database. Witness encoding is geth's ExtWitness,
// which sorts codes and nodes, so the same notification always encodes to the same bytes.
const (
	entryVersion1  = 1
	entryVersion2  = 2
	entryHeaderLen = 5
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

type entryV1 struct {
	Kind uint8
	Old  []blockV1
	New  []blockV1
}

// blockV1 is a block of both versions: version 1 never has AccountProofs.
type blockV1 struct {
	Block         *types.Block
	Receipts      []*types.ReceiptForStorage
	Witness       []byte
	AccountProofs [][]byte `rlp:"optional"`
}

// EncodeEntry serialises a notification as a versioned, checksummed WAL entry.
func EncodeEntry(n *Notification) ([]byte, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	e := entryV1{Kind: uint8(n.Kind)}
	var err error
	if n.Old != nil {
		if e.Old, err = encodeBlocks(n.Old); err != nil {
			return nil, err
		}
	}
	if n.New != nil {
		if e.New, err = encodeBlocks(n.New); err != nil {
			return nil, err
		}
	}
	payload, err := rlp.EncodeToBytes(&e)
	if err != nil {
		return nil, fmt.Errorf("exex: encode WAL entry: %w", err)
	}
	out := make([]byte, entryHeaderLen+len(payload))
	out[0] = entryVersion2
	binary.BigEndian.PutUint32(out[1:5], crc32.Checksum(payload, crcTable))
	copy(out[entryHeaderLen:], payload)
	return out, nil
}

func encodeBlocks(c *Chain) ([]blockV1, error) {
	out := make([]blockV1, len(c.Blocks))
	for i, b := range c.Blocks {
		out[i].Block = b.Block
		out[i].Receipts = make([]*types.ReceiptForStorage, len(b.Receipts))
		for j, r := range b.Receipts {
			out[i].Receipts[j] = (*types.ReceiptForStorage)(r)
		}
		if b.Witness != nil {
			w, err := rlp.EncodeToBytes(b.Witness.ToExtWitness())
			if err != nil {
				return nil, fmt.Errorf("exex: encode witness of block %d: %w", b.Block.NumberU64(), err)
			}
			out[i].Witness = w
		}
		out[i].AccountProofs = b.AccountProofs
	}
	return out, nil
}

// DecodeEntry parses a WAL entry. Truncated, corrupted or malformed input gives an error
// wrapping ErrCorruptEntry (or ErrUnknownVersion), never a panic. When config is non-nil the
// receipts' derived fields are filled in.
func DecodeEntry(data []byte, config *params.ChainConfig) (*Notification, error) {
	if len(data) < entryHeaderLen {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the header", ErrCorruptEntry, len(data))
	}
	version := data[0]
	if version != entryVersion1 && version != entryVersion2 {
		return nil, fmt.Errorf("%w: %d", ErrUnknownVersion, data[0])
	}
	payload := data[entryHeaderLen:]
	if want, got := binary.BigEndian.Uint32(data[1:5]), crc32.Checksum(payload, crcTable); want != got {
		return nil, fmt.Errorf("%w: checksum %08x, want %08x", ErrCorruptEntry, got, want)
	}
	var e entryV1
	if err := rlp.DecodeBytes(payload, &e); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorruptEntry, err)
	}
	n := &Notification{Kind: Kind(e.Kind)}
	var err error
	for _, b := range append(slices.Clone(e.Old), e.New...) {
		if version == entryVersion1 && len(b.AccountProofs) > 0 {
			return nil, fmt.Errorf("%w: version 1 entry with account proofs", ErrCorruptEntry)
		}
	}
	if len(e.Old) > 0 {
		if n.Old, err = decodeBlocks(e.Old, config); err != nil {
			return nil, err
		}
	}
	if len(e.New) > 0 {
		if n.New, err = decodeBlocks(e.New, config); err != nil {
			return nil, err
		}
	}
	if err := n.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorruptEntry, err)
	}
	return n, nil
}

func decodeBlocks(in []blockV1, config *params.ChainConfig) (*Chain, error) {
	c := &Chain{Blocks: make([]*Block, len(in))}
	for i, eb := range in {
		if eb.Block == nil {
			return nil, fmt.Errorf("%w: missing block", ErrCorruptEntry)
		}
		txs := eb.Block.Transactions()
		if len(eb.Receipts) != len(txs) {
			return nil, fmt.Errorf("%w: block %d has %d receipts for %d txs", ErrCorruptEntry, eb.Block.NumberU64(), len(eb.Receipts), len(txs))
		}
		b := &Block{Block: eb.Block, Receipts: make(types.Receipts, len(eb.Receipts)), AccountProofs: eb.AccountProofs}
		for j, r := range eb.Receipts {
			if r == nil {
				return nil, fmt.Errorf("%w: nil receipt", ErrCorruptEntry)
			}
			b.Receipts[j] = (*types.Receipt)(r)
		}
		if config != nil {
			if err := deriveReceiptFields(config, b); err != nil {
				return nil, err
			}
		}
		if len(eb.Witness) > 0 {
			var ext stateless.ExtWitness
			if err := rlp.DecodeBytes(eb.Witness, &ext); err != nil {
				return nil, fmt.Errorf("%w: witness of block %d: %v", ErrCorruptEntry, eb.Block.NumberU64(), err)
			}
			w := new(stateless.Witness)
			if err := w.FromExtWitness(&ext); err != nil {
				return nil, fmt.Errorf("%w: witness of block %d: %v", ErrCorruptEntry, eb.Block.NumberU64(), err)
			}
			b.Witness = w
		}
		c.Blocks[i] = b
	}
	return c, nil
}

// deriveReceiptFields recomputes what the storage encoding leaves out, as geth's rawdb does.
func deriveReceiptFields(config *params.ChainConfig, b *Block) (err error) {
	h := b.Block.Header()
	// The counts are checked by the caller, but a malformed header (say, an absurd excess blob
	// gas) could still trip geth's derivation, so a panic there becomes a corrupt-entry error.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: derive receipts of block %d: %v", ErrCorruptEntry, h.Number.Uint64(), r)
		}
	}()
	var blobGasPrice *big.Int
	if h.ExcessBlobGas != nil {
		blobGasPrice = eip4844.CalcBlobFee(config, h)
	}
	if err := b.Receipts.DeriveFields(config, b.Block.Hash(), h.Number.Uint64(), h.Time, h.BaseFee, blobGasPrice, b.Block.Transactions()); err != nil {
		return fmt.Errorf("%w: derive receipts of block %d: %v", ErrCorruptEntry, h.Number.Uint64(), err)
	}
	return nil
}
