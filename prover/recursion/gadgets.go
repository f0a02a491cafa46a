package recursion

import (
	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/stark"
)

// Digest is a prover/hash digest held in program variables.
type Digest [hash.DigestElements]Felt

// Compress is hash.Compress: the permutation of left‖right, truncated to its first half.
func (b *Builder) Compress(left, right Digest) Digest {
	var s [Width]Felt
	copy(s[:hash.DigestElements], left[:])
	copy(s[hash.DigestElements:], right[:])
	out := b.Poseidon2(s)
	var d Digest
	copy(d[:], out[:hash.DigestElements])
	return d
}

// MerkleRoot is hash.RootFromProof: leaf folded up its authentication path (leaf level first),
// the node on the right at level i when bits[i] = 1. bits must hold at least len(siblings)
// boolean variables (Bits of the index, say); the chip refuses any other value. Each level is one
// row of the Poseidon2 chip, which swaps node and sibling itself (Poseidon2Swap).
func (b *Builder) MerkleRoot(leaf Digest, bits []Felt, siblings []Digest) Digest {
	if len(bits) < len(siblings) {
		b.fail("%d index bits for a path of %d", len(bits), len(siblings))
		return leaf
	}
	node := leaf
	for i, sib := range siblings {
		var s [Width]Felt
		copy(s[:hash.DigestElements], node[:])
		copy(s[hash.DigestElements:], sib[:])
		out := b.Poseidon2Swap(bits[i], s)
		copy(node[:], out[:hash.DigestElements])
	}
	return node
}

// HashElements is hash.HashElements: prover/hash's width-24 sponge in overwrite mode, with the
// element count and the domain tag in the capacity (so the zero-padded last block is injective).
func (b *Builder) HashElements(in []Felt) Digest { return b.sponge(spongeDomainElements, in) }

// HashBytes is hash.HashBytes of a byte string of length n given as its 16-bit little-endian
// limbs ((n+1)/2 of them, a last odd byte zero-extended). The limbs are not range-checked: a
// caller comparing the digest with one the RV64 AIR computed from real bytes gets that check
// from the hash (other limbs would be a collision).
func (b *Builder) HashBytes(n uint64, limbs []Felt) Digest {
	if uint64(len(limbs)) != (n+1)/2 {
		b.fail("%d limbs for %d bytes", len(limbs), n)
	}
	in := make([]Felt, 0, 4+len(limbs))
	for i := range 4 {
		in = append(in, b.Const(feU((n>>(16*i))&0xffff)))
	}
	return b.sponge(spongeDomainBytes, append(in, limbs...))
}

func (b *Builder) sponge(domain uint64, in []Felt) Digest {
	var rate [hash.SpongeRate]Felt
	zero := b.Const(F{})
	for i := range rate {
		rate[i] = zero
	}
	n := uint64(len(in))
	var c0 [Width24 - hash.SpongeRate]F
	c0[0], c0[1], c0[2] = feU(n&0xffffff), feU(n>>24), feU(domain)
	c := b.ConstCapacity(c0)
	if n == 0 {
		rate, c = b.Poseidon2x24(rate, c)
	}
	for done := 0; done < len(in); done += hash.SpongeRate {
		k := copy(rate[:], in[done:])
		for i := k; i < hash.SpongeRate; i++ {
			rate[i] = zero
		}
		rate, c = b.Poseidon2x24(rate, c)
	}
	var d Digest
	copy(d[:], rate[:hash.DigestElements])
	return d
}

// prover/hash's capacity tags of HashElements and HashBytes (TestHashElements and TestHashBytes
// pin them).
const (
	spongeDomainElements = 1
	spongeDomainBytes    = 2
)

func feU(v uint64) F {
	var f F
	f.SetUint64(v)
	return f
}

// MatrixShape is a committed matrix as a verifier knows it before reading a proof.
type MatrixShape = stark.MatrixShape

// VerifyBatch is prover/stark's batched Merkle opening check: rows[i] is the row of matrix i
// (of shapes[i]) at index idx of a 2^globalLogH domain, idxBits its little-endian bits (at least
// globalLogH of them), and path the siblings, leaf level first. The rows of the tallest matrices
// are hashed together into the leaf; after each level, the rows of the matrices one level
// shorter are hashed and compressed into the node (the multi-height scheme of stark's MMCS).
func (b *Builder) VerifyBatch(root Digest, shapes []MatrixShape, idxBits []Felt, globalLogH int, rows [][]Felt, path []Digest) {
	if len(shapes) == 0 || len(rows) != len(shapes) {
		b.fail("batch opening of %d rows for %d matrices", len(rows), len(shapes))
		return
	}
	maxLogH := 0
	byHeight := map[int][]int{}
	for i, s := range shapes {
		if len(rows[i]) != s.Width {
			b.fail("row of width %d for a matrix of width %d", len(rows[i]), s.Width)
			return
		}
		maxLogH = max(maxLogH, s.LogHeight)
		byHeight[s.LogHeight] = append(byHeight[s.LogHeight], i)
	}
	if len(path) != maxLogH || globalLogH < maxLogH || len(idxBits) < globalLogH {
		b.fail("path of %d for height 2^%d in a 2^%d domain (%d index bits)", len(path), maxLogH, globalLogH, len(idxBits))
		return
	}
	hashRows := func(idx []int) Digest {
		var buf []Felt
		for _, i := range idx {
			buf = append(buf, rows[i]...)
		}
		return b.HashElements(buf)
	}
	leafBits := idxBits[globalLogH-maxLogH:]
	node := hashRows(byHeight[maxLogH])
	for lvl := range maxLogH {
		node = b.MerkleRoot(node, leafBits[lvl:lvl+1], path[lvl:lvl+1])
		if inj := byHeight[maxLogH-lvl-1]; len(inj) > 0 {
			node = b.Compress(node, hashRows(inj))
		}
	}
	for j := range node {
		b.AssertEq(node[j], root[j])
	}
}
