package hash

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
)

// ErrLeafCount means a Merkle tree was asked for over a number of leaves that is not a power of two.
var ErrLeafCount = errors.New("hash: Merkle leaf count must be a non-zero power of two")

// parallelThreshold is the level width below which hashing a level on one goroutine is faster than
// fanning out (a batched compression is well under 0.1 µs, a goroutine start ~1 µs).
const parallelThreshold = 1 << 11

// MerkleTree is a binary Merkle tree over digests, nodes joined with Compress. It keeps every level
// so that proofs are cheap; the leaf slice given to NewMerkleTree is retained and must not change.
type MerkleTree struct {
	levels [][]Digest // levels[0] = leaves, last = [root]
}

// NewMerkleTree builds the tree over leaves, whose count must be a power of two.
func NewMerkleTree(leaves []Digest) (*MerkleTree, error) {
	n := len(leaves)
	if n == 0 || n&(n-1) != 0 {
		return nil, fmt.Errorf("%w: %d", ErrLeafCount, n)
	}
	t := &MerkleTree{levels: [][]Digest{leaves}}
	for cur := leaves; len(cur) > 1; {
		next := make([]Digest, len(cur)/2)
		compressLevel(cur, next)
		t.levels = append(t.levels, next)
		cur = next
	}
	return t, nil
}

// compressLevel sets next[i] = Compress(cur[2i], cur[2i+1]), batched, in parallel for wide levels.
func compressLevel(cur, next []Digest) {
	workers := runtime.GOMAXPROCS(0)
	if len(next) < parallelThreshold || workers == 1 {
		CompressPairs(next, cur)
		return
	}
	// Chunks are a multiple of the kernel width so that only the last one can be partial.
	chunk := (len(next) + workers - 1) / workers
	chunk = (chunk + lanes - 1) / lanes * lanes
	var wg sync.WaitGroup
	for lo := 0; lo < len(next); lo += chunk {
		hi := min(lo+chunk, len(next))
		wg.Add(1)
		go func() {
			defer wg.Done()
			CompressPairs(next[lo:hi], cur[2*lo:2*hi])
		}()
	}
	wg.Wait()
}

// Root returns the root digest.
func (t *MerkleTree) Root() Digest { return t.levels[len(t.levels)-1][0] }

// Depth returns the number of levels above the leaves (the length of every proof).
func (t *MerkleTree) Depth() int { return len(t.levels) - 1 }

// Leaf returns leaf i.
func (t *MerkleTree) Leaf(i int) Digest { return t.levels[0][i] }

// Proof returns the authentication path of leaf index: its siblings, leaf level first.
// It panics if index is out of range, like a slice index would.
func (t *MerkleTree) Proof(index int) []Digest {
	proof := make([]Digest, t.Depth())
	for lvl := range proof {
		proof[lvl] = t.levels[lvl][index^1]
		index >>= 1
	}
	return proof
}

// RootFromProof folds a leaf up its authentication path. Bits of index above len(proof) are
// ignored; VerifyProof rejects them.
func RootFromProof(leaf Digest, index uint64, proof []Digest) Digest {
	node := leaf
	for _, sib := range proof {
		if index&1 == 0 {
			node = Compress(node, sib)
		} else {
			node = Compress(sib, node)
		}
		index >>= 1
	}
	return node
}

// VerifyProof reports whether proof authenticates leaf at index under root.
func VerifyProof(root, leaf Digest, index uint64, proof []Digest) bool {
	if len(proof) < 64 && index>>len(proof) != 0 {
		return false
	}
	return RootFromProof(leaf, index, proof) == root
}

// EmptyRoots returns the roots of all-empty subtrees: [0] = emptyLeaf, [i] = Compress([i-1], [i-1]),
// for i up to depth. Sparse trees (the executor's page tree) use them for untouched ranges.
func EmptyRoots(emptyLeaf Digest, depth int) []Digest {
	roots := make([]Digest, depth+1)
	roots[0] = emptyLeaf
	for i := 1; i <= depth; i++ {
		roots[i] = Compress(roots[i-1], roots[i-1])
	}
	return roots
}
