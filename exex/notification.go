package exex

import (
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/stateless"
	"github.com/ethereum/go-ethereum/core/types"
)

// Kind says what a notification does to the canonical chain.
type Kind uint8

const (
	// Committed appends New on top of the previous head.
	Committed Kind = 1
	// Reorged drops Old (the previous head's side) and appends New; both start after the same
	// common ancestor.
	Reorged Kind = 2
	// Reverted drops Old: the head moved back to Old's parent.
	Reverted Kind = 3
)

func (k Kind) String() string {
	switch k {
	case Committed:
		return "Committed"
	case Reorged:
		return "Reorged"
	case Reverted:
		return "Reverted"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// BlockID names a block by number and hash; heads are always compared by hash.
type BlockID struct {
	Number uint64
	Hash   common.Hash
}

func (id BlockID) String() string { return fmt.Sprintf("#%d [%x]", id.Number, id.Hash[:4]) }

// Block is one block as an extension sees it. Witness is set on every block of a New chain
// (the pre-state needed to re-execute it statelessly); blocks of an Old chain may lack it.
//
// AccountProofs, set when the manager is configured with Config.ProveAccounts, holds the
// trie nodes proving those accounts in the block's parent state and in its post-state (from
// each state root down to each account, or to where its absence shows), read from the node's
// state when the block was witnessed; sorted and deduplicated. Consumers that must prove an
// account in either state (the STF's message passer, for the parent's output root and the
// block's) then need nothing from the node later.
type Block struct {
	Block         *types.Block
	Receipts      types.Receipts
	Witness       *stateless.Witness
	AccountProofs [][]byte
}

// ID returns the block's number and hash.
func (b *Block) ID() BlockID { return BlockID{b.Block.NumberU64(), b.Block.Hash()} }

// Chain is a contiguous run of blocks, lowest first, each the parent of the next.
type Chain struct {
	Blocks []*Block
}

// First returns the lowest block.
func (c *Chain) First() *Block { return c.Blocks[0] }

// Tip returns the highest block.
func (c *Chain) Tip() *Block { return c.Blocks[len(c.Blocks)-1] }

// Parent names the block the chain is built on.
func (c *Chain) Parent() BlockID {
	f := c.First().Block
	return BlockID{f.NumberU64() - 1, f.ParentHash()}
}

// Range formats the chain's block numbers for logs.
func (c *Chain) Range() string {
	if c == nil || len(c.Blocks) == 0 {
		return "-"
	}
	return fmt.Sprintf("%d..%d", c.First().Block.NumberU64(), c.Tip().Block.NumberU64())
}

func (c *Chain) validate() error {
	if c == nil || len(c.Blocks) == 0 {
		return fmt.Errorf("%w: empty chain", ErrInvalidNotification)
	}
	for i := 1; i < len(c.Blocks); i++ {
		prev, b := c.Blocks[i-1].Block, c.Blocks[i].Block
		if b.NumberU64() != prev.NumberU64()+1 || b.ParentHash() != prev.Hash() {
			return fmt.Errorf("%w: block %d does not extend %d", ErrInvalidNotification, b.NumberU64(), prev.NumberU64())
		}
	}
	return nil
}

// Notification is one change of the canonical chain. Committed has only New, Reverted only
// Old, Reorged both (Old and New share their parent).
type Notification struct {
	Kind Kind
	Old  *Chain
	New  *Chain
}

// Tip is the head of the canonical chain once the notification is applied.
func (n *Notification) Tip() BlockID {
	if n.New != nil {
		return n.New.Tip().ID()
	}
	return n.Old.Parent()
}

func (n *Notification) String() string {
	return fmt.Sprintf("%s old=%s new=%s", n.Kind, n.Old.Range(), n.New.Range())
}

// Validate checks the notification's shape: the right chains for its kind, each contiguous,
// Old and New forking from the same parent.
func (n *Notification) Validate() error {
	switch n.Kind {
	case Committed:
		if n.Old != nil {
			return fmt.Errorf("%w: committed with an old chain", ErrInvalidNotification)
		}
		return n.New.validate()
	case Reverted:
		if n.New != nil {
			return fmt.Errorf("%w: reverted with a new chain", ErrInvalidNotification)
		}
		return n.Old.validate()
	case Reorged:
		if err := n.Old.validate(); err != nil {
			return err
		}
		if err := n.New.validate(); err != nil {
			return err
		}
		if n.Old.Parent() != n.New.Parent() {
			return fmt.Errorf("%w: old and new chains fork from different parents", ErrInvalidNotification)
		}
		return nil
	}
	return fmt.Errorf("%w: unknown kind %d", ErrInvalidNotification, n.Kind)
}
