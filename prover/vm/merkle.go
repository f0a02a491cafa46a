package vm

import (
	"encoding/binary"
	"runtime"
	"slices"
	"sync"

	"github.com/zkexex/zkexex/prover/hash"
)

// pageTree is the sparse Poseidon2 Merkle tree over all 2^36 pages of the address space.
// Leaves are hash.HashU32s of the page's 1024 little-endian words; absent nodes are the
// roots of all-zero subtrees. Only non-empty nodes are stored.
type pageTree struct {
	nodes map[uint64]hash.Digest // key: level<<40 | index
	empty []hash.Digest
}

var zeroPageRoots = sync.OnceValue(func() []hash.Digest {
	return hash.EmptyRoots(hash.HashU32s(make([]uint32, PageSize/4)), PageBits)
})

func newPageTree() *pageTree {
	return &pageTree{nodes: make(map[uint64]hash.Digest), empty: zeroPageRoots()}
}

func nodeKey(level int, idx uint64) uint64 { return uint64(level)<<40 | idx }

func (t *pageTree) node(level int, idx uint64) hash.Digest {
	if d, ok := t.nodes[nodeKey(level, idx)]; ok {
		return d
	}
	return t.empty[level]
}

func (t *pageTree) root() hash.Digest { return t.node(PageBits, 0) }

// proof returns the siblings of page pn's leaf, leaf level first.
func (t *pageTree) proof(pn uint64) []hash.Digest {
	p := make([]hash.Digest, PageBits)
	for l := 0; l < PageBits; l++ {
		p[l] = t.node(l, (pn>>l)^1)
	}
	return p
}

// update sets the given leaves and recomputes their ancestors once each.
func (t *pageTree) update(leaves map[uint64]hash.Digest) {
	idx := make([]uint64, 0, len(leaves))
	for pn, d := range leaves {
		t.nodes[nodeKey(0, pn)] = d
		idx = append(idx, pn)
	}
	slices.Sort(idx)
	for l := 1; l <= PageBits; l++ {
		next := idx[:0]
		for _, i := range idx {
			p := i >> 1
			if len(next) > 0 && next[len(next)-1] == p {
				continue
			}
			next = append(next, p)
		}
		for _, p := range next {
			t.nodes[nodeKey(l, p)] = hash.Compress(t.node(l-1, 2*p), t.node(l-1, 2*p+1))
		}
		idx = next
	}
}

// addProof records a leaf and its authentication path (for the partial trees of replay) and
// returns the root the path folds to, so the caller checks the proof without folding it twice.
func (t *pageTree) addProof(pn uint64, leaf hash.Digest, proof []hash.Digest) hash.Digest {
	node := leaf
	t.nodes[nodeKey(0, pn)] = leaf
	for l, sib := range proof {
		idx := pn >> l
		t.nodes[nodeKey(l, idx^1)] = sib
		if idx&1 == 0 {
			node = hash.Compress(node, sib)
		} else {
			node = hash.Compress(sib, node)
		}
		t.nodes[nodeKey(l+1, idx>>1)] = node
	}
	return node
}

func pageLeaf(data *[PageSize]byte) hash.Digest {
	var w [PageSize / 4]uint32
	for i := range w {
		w[i] = binary.LittleEndian.Uint32(data[i*4:])
	}
	return hash.HashU32s(w[:])
}

// hashPageGroup is how many pages hashPages hashes per batched call: the width of the hash kernels.
const hashPageGroup = 16

// hashPages hashes pages in parallel and batched (page hashing dominates segment finalisation).
func hashPages(pns []uint64, data func(pn uint64) *[PageSize]byte) map[uint64]hash.Digest {
	out := make([]hash.Digest, len(pns))
	groups := (len(pns) + hashPageGroup - 1) / hashPageGroup
	workers := min(runtime.GOMAXPROCS(0), groups)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var words [hashPageGroup][PageSize / 4]uint32
			in := make([][]uint32, 0, hashPageGroup)
			for g := w; g < groups; g += workers {
				lo := g * hashPageGroup
				hi := min(lo+hashPageGroup, len(pns))
				in = in[:0]
				for i := lo; i < hi; i++ {
					page := data(pns[i])
					ws := &words[i-lo]
					for j := range ws {
						ws[j] = binary.LittleEndian.Uint32(page[j*4:])
					}
					in = append(in, ws[:])
				}
				hash.HashU32sBatch(out[lo:hi], in)
			}
		}(w)
	}
	wg.Wait()
	res := make(map[uint64]hash.Digest, len(pns))
	for i, pn := range pns {
		res[pn] = out[i]
	}
	return res
}

// ImageID binds the initial memory root and the entry pc: HashElements(root ‖ pc as four
// 16-bit limbs, low first).
func ImageID(root hash.Digest, pc uint64) hash.Digest {
	in := make([]hash.Element, 0, hash.DigestElements+4)
	in = append(in, root[:]...)
	for i := 0; i < 4; i++ {
		var e hash.Element
		e.SetUint64(pc >> (16 * i) & 0xffff)
		in = append(in, e)
	}
	return hash.HashElements(in)
}
