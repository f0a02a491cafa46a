package recursion

import "github.com/zkexex/zkexex/prover/hash"

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
// boolean variables (Bits of the index, say); the select chip refuses any other value.
func (b *Builder) MerkleRoot(leaf Digest, bits []Felt, siblings []Digest) Digest {
	if len(bits) < len(siblings) {
		b.fail("%d index bits for a path of %d", len(bits), len(siblings))
		return leaf
	}
	node := leaf
	for i, sib := range siblings {
		var l, r Digest
		for j := range node {
			l[j], r[j] = b.Select(bits[i], node[j], sib[j])
		}
		node = b.Compress(l, r)
	}
	return node
}
