package recursion

import (
	"fmt"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/rv64"
	"github.com/zkexex/zkexex/prover/vm"
)

// Sequences of runs (KindRuns): a span of blocks is one STF guest run per block, each its own
// run of the image. A seal turns the proof of a whole run into the claim "the image ran cleanly
// and wrote this journal"; a chain joins two sequences. The claim holds the image and a digest
// of the journals (JournalRoot), so that a verifier holding the journals checks what they say
// (the span's chain of blocks and output roots) natively.

// runBody lists, for a KindRuns claim, whether each body value is carried (the image and the
// journal digest); every other body value is zero.
func runBody(k int) bool {
	return (k >= rv64.PubImageID && k < rv64.PubImageID+hash.DigestElements) ||
		(k >= rv64.PubJournal && k < rv64.PubJournal+hash.DigestElements)
}

// buildSeal records the seal of a KindSegments proof of shape rec that covers a whole run.
func buildSeal(rec ChildShape, setDepth int) (*Builder, error) {
	b := NewBuilder()
	pub := claimVars(b)
	zero, one := b.Const(F{}), b.Const(feU(1))
	b.AssertEq(pub[ClaimKind], b.Const(feU(KindRuns)))
	seg := verifyChildren(b, pub, rec, setDepth, 1, KindSegments)[0][ClaimSegment:]
	own := pub[ClaimSegment:]
	// A whole run: from segment 0, at the image's state, to a halt with exit code 0.
	b.AssertEq(seg[rv64.PubIndex], zero)
	b.AssertEq(seg[rv64.PubHalted], one)
	b.AssertEq(seg[rv64.PubExitCode], zero)
	in := append([]Felt(nil), seg[rv64.PubStartRoot:rv64.PubStartRoot+hash.DigestElements]...)
	in = append(in, seg[rv64.PubStartPC:rv64.PubStartPC+3]...)
	in = append(in, zero) // vm.ImageID hashes four 16-bit limbs of the pc; pcs have 48 bits
	image := b.HashElements(in)
	for j := range image {
		b.AssertEq(image[j], seg[rv64.PubImageID+j])
	}
	for k := range rv64.NumPublic {
		if runBody(k) {
			b.AssertEq(own[k], seg[k])
		} else {
			b.AssertEq(own[k], zero)
		}
	}
	b.AssertEq(pub[ClaimLast], one)
	return b, b.err
}

// buildChain records the chain of two KindRuns proofs of shape rec.
func buildChain(rec ChildShape, setDepth int) (*Builder, error) {
	b := NewBuilder()
	pub := claimVars(b)
	zero := b.Const(F{})
	b.AssertEq(pub[ClaimKind], b.Const(feU(KindRuns)))
	kids := verifyChildren(b, pub, rec, setDepth, 2, KindRuns)
	l, r := kids[0][ClaimSegment:], kids[1][ClaimSegment:]
	own := pub[ClaimSegment:]
	var lj, rj Digest
	copy(lj[:], l[rv64.PubJournal:])
	copy(rj[:], r[rv64.PubJournal:])
	j := b.Compress(lj, rj)
	for k := range rv64.NumPublic {
		switch {
		case k >= rv64.PubImageID && k < rv64.PubImageID+hash.DigestElements:
			b.AssertEq(own[k], l[k])
			b.AssertEq(own[k], r[k])
		case k >= rv64.PubJournal && k < rv64.PubJournal+hash.DigestElements:
			b.AssertEq(own[k], j[k-rv64.PubJournal])
		default:
			b.AssertEq(own[k], zero)
		}
	}
	b.AssertEq(pub[ClaimLast], b.Add(kids[0][ClaimLast], kids[1][ClaimLast]))
	return b, b.err
}

// SealClaim is the claim a seal of c proves, computed natively; it refuses what the seal program
// would refuse (ErrJoin).
func SealClaim(c []F) ([]F, error) {
	if len(c) != NumClaim || !c[ClaimKind].IsZero() {
		return nil, fmt.Errorf("%w: not a claim of segments", ErrJoin)
	}
	seg := c[ClaimSegment:]
	if !seg[rv64.PubIndex].IsZero() || !seg[rv64.PubHalted].IsOne() || !seg[rv64.PubExitCode].IsZero() {
		return nil, fmt.Errorf("%w: not a whole run with exit code 0", ErrJoin)
	}
	var image hash.Digest
	copy(image[:], seg[rv64.PubImageID:])
	var root hash.Digest
	copy(root[:], seg[rv64.PubStartRoot:])
	pc := seg[rv64.PubStartPC].Uint64() | seg[rv64.PubStartPC+1].Uint64()<<16 | seg[rv64.PubStartPC+2].Uint64()<<32
	if vm.ImageID(root, pc) != image {
		return nil, fmt.Errorf("%w: the run does not start at its image's state", ErrJoin)
	}
	var j hash.Digest
	copy(j[:], seg[rv64.PubJournal:])
	return runsClaim(c[:ClaimKind], image, j, 1), nil
}

// ChainClaim is the claim a chain of l and r proves, computed natively.
func ChainClaim(l, r []F) ([]F, error) {
	if len(l) != NumClaim || len(r) != NumClaim || !l[ClaimKind].IsOne() || !r[ClaimKind].IsOne() {
		return nil, fmt.Errorf("%w: not both claims of runs", ErrJoin)
	}
	for k := range ClaimKind {
		if !l[k].Equal(&r[k]) {
			return nil, fmt.Errorf("%w: the children name different key sets", ErrJoin)
		}
	}
	var li, ri, lj, rj hash.Digest
	copy(li[:], l[ClaimSegment+rv64.PubImageID:])
	copy(ri[:], r[ClaimSegment+rv64.PubImageID:])
	if li != ri {
		return nil, fmt.Errorf("%w: the children prove runs of different images", ErrJoin)
	}
	copy(lj[:], l[ClaimSegment+rv64.PubJournal:])
	copy(rj[:], r[ClaimSegment+rv64.PubJournal:])
	var n F
	n.Add(&l[ClaimLast], &r[ClaimLast])
	return runsClaim(l[:ClaimKind], li, hash.Compress(lj, rj), n.Uint64()), nil
}

// runsClaim is the KindRuns claim of n runs of image under the key set root whose journals have
// the tree digest j.
func runsClaim(root []F, image, j hash.Digest, n uint64) []F {
	c := make([]F, NumClaim)
	copy(c, root[:ClaimKind])
	c[ClaimKind] = feU(KindRuns)
	copy(c[ClaimSegment+rv64.PubImageID:], image[:])
	copy(c[ClaimSegment+rv64.PubJournal:], j[:])
	c[ClaimLast] = feU(n)
	return c
}

// JournalRoot is the digest a chain of runs with these journals claims: the journals' digests
// (hash.HashBytes) joined pairwise, level by level, as Aggregate joins their proofs.
func JournalRoot(journals [][]byte) (hash.Digest, error) {
	ds := make([]hash.Digest, len(journals))
	for i, j := range journals {
		ds[i] = hash.HashBytes(j)
	}
	return reducePairs(ds, func(l, r hash.Digest) (hash.Digest, error) { return hash.Compress(l, r), nil }, 1)
}
