package recursion

import (
	"errors"
	"fmt"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/rv64"
	"github.com/zkexex/zkexex/prover/stark"
)

// Aggregation of RISC-V segment proofs (issue 12). Four programs, all compiled to one shape
// (VKSet.Shape) so that each verifies the others' proofs:
//   - lift: one segment proof verifies under the segment key; claims that segment (KindSegments);
//   - join: two KindSegments proofs verify under keys of the set and their ranges are consecutive
//     segments of one run; claims the joined range;
//   - seal: one KindSegments proof covers a whole run (segment 0 from the image's state to a
//     clean halt); claims that run's journal (KindRuns, a sequence of one run);
//   - chain: two KindRuns proofs of one image; claims their sequence, its journals bound by a
//     digest tree that the verifier recomputes from the journals.
// Every program fixes the kind of its own claim and checks its children's, so a claim's kind is
// as trustworthy as the set.

// Public values of an aggregation proof (NumClaim of them), in this order.
const (
	// ClaimVKSet is the root of the verifying-key set the proof's children were checked against
	// (8 elements). A lift has no recursion children: its value is free and only the program
	// above it, which requires it to equal its own, gives it meaning.
	ClaimVKSet = 0
	// ClaimKind says what the claim is about: KindSegments or KindRuns.
	ClaimKind = hash.DigestElements
	// ClaimSegment starts the claim's body, in the segment proof's layout (rv64.Pub*). For
	// KindSegments: the image, the start of the first segment, the end of the last, its halt and
	// exit code, the range's journal digest, the po2, and at rv64.PubIndex the first index. For
	// KindRuns: the image and, at rv64.PubJournal, the journal tree's digest; every other body
	// value is zero.
	ClaimSegment = ClaimKind + 1
	// ClaimLast is the index of the range's last segment (KindSegments) or the number of runs
	// (KindRuns).
	ClaimLast = ClaimSegment + rv64.NumPublic
	NumClaim  = ClaimLast + 1
)

// Claim kinds.
const (
	KindSegments = 0
	KindRuns     = 1
	anyKind      = -1 // verifyChildren: a child of either kind
)

// buildShrink records the shrink of an aggregation proof of shape rec: it verifies the child
// (its key in the set) and claims exactly the child's claim. Proven at ShrinkParams, it is the
// last proof of a succinct receipt: the same statement, a smaller seal that verifies faster.
func buildShrink(rec ChildShape, setDepth int) (*Builder, error) {
	b := NewBuilder()
	pub := claimVars(b)
	c := verifyChildren(b, pub, rec, setDepth, 1, anyKind)[0]
	for i := range pub {
		b.AssertEq(pub[i], c[i])
	}
	return b, b.err
}

// The journal digest of a range is that of the one segment in it that wrote to the journal, or
// the digest of no bytes when none did: a run whose journal is written by two segments cannot be
// joined (ErrJournalSplit), and its composite receipt still proves it. A running digest in the
// segment claims would lift that restriction; the STF guest writes its journal in one call.
var emptyJournal = hash.HashBytes(nil)

// ErrJournalSplit: two segments of a range both wrote to the journal.
var ErrJournalSplit = errors.New("recursion: the journal is written by more than one segment")

func claimVars(b *Builder) []Felt {
	out := make([]Felt, NumClaim)
	for i := range out {
		out[i] = b.Public(i)
	}
	return out
}

// buildLift records the lift of a segment proof of shape seg for segments of size 2^po2: the
// program's public values are the claim, the segment's public values are its segment part, and
// the range is that one segment.
func buildLift(seg ChildShape, po2 int) (*Builder, error) {
	b := NewBuilder()
	pub := claimVars(b)
	b.AssertEq(pub[ClaimKind], b.Const(feU(KindSegments)))
	child := pub[ClaimSegment:ClaimLast]
	b.AssertEq(pub[ClaimLast], child[rv64.PubIndex])
	// rv64.Verifier accepts a CPU table of at most 2^po2 rows: the key set's shapes for po2 obey
	// that, and the lift pins the claim's po2 to the shape's.
	b.AssertEq(child[rv64.PubPo2], b.Const(feU(uint64(po2))))
	b.VerifyProof(seg, nil, child, b.AllocProof(seg))
	return b, b.err
}

// verifyChildren records the verification of n aggregation proofs of shape rec (rec.VK a
// structure key: each child's preprocessed root is a witness, its key's digest proven to lie in
// the set of depth setDepth whose root is the claim's), each of the given kind (anyKind: either)
// and naming the same set. It returns the children's claims.
func verifyChildren(b *Builder, pub []Felt, rec ChildShape, setDepth, n, kind int) [][]Felt {
	kids := make([][]Felt, n)
	for side := range kids {
		c, key := b.verifyWitnessedChild(rec)
		idx := b.Bits(b.Witness())
		path := make([]Digest, setDepth)
		for i := range path {
			for j := range path[i] {
				path[i][j] = b.Witness()
			}
		}
		got := b.MerkleRoot(key, idx[:setDepth], path)
		for j := range got {
			b.AssertEq(got[j], pub[ClaimVKSet+j])
			b.AssertEq(c[ClaimVKSet+j], pub[ClaimVKSet+j])
		}
		if kind != anyKind {
			b.AssertEq(c[ClaimKind], b.Const(feU(uint64(kind))))
		}
		kids[side] = c
	}
	return kids
}

// verifyWitnessedChild records the verification of a proof of shape rec whose claim and
// preprocessed root are witnesses (in that order, before the proof), and returns the claim and
// the key the proof was verified under, for the caller to pin.
func (b *Builder) verifyWitnessedChild(rec ChildShape) ([]Felt, Digest) {
	c := make([]Felt, NumClaim)
	for i := range c {
		c[i] = b.Witness()
	}
	var root Digest
	for i := range root {
		root[i] = b.Witness()
	}
	return c, b.VerifyProof(rec, &root, c, b.AllocProof(rec))
}

// childrenWitness lists verifyChildren's witness for the proofs cs, in its order.
func childrenWitness(rec ChildShape, set *VKSet, cs ...*Proof) ([]E, error) {
	var w []E
	for _, c := range cs {
		if len(c.Claim) != NumClaim {
			return nil, fmt.Errorf("%w: claim of %d values", ErrWitness, len(c.Claim))
		}
		for _, v := range c.Claim {
			w = append(w, Lift(v))
		}
		for _, v := range c.PreRoot {
			w = append(w, Lift(v))
		}
		pw, err := ProofWitness(rec, c.Proof)
		if err != nil {
			return nil, err
		}
		w = append(w, pw...)
		idx, path, err := set.path(rec.VK.WithPreRoot(c.PreRoot).Digest())
		if err != nil {
			return nil, err
		}
		w = append(w, Lift(feU(uint64(idx))))
		for _, d := range path {
			for _, v := range d {
				w = append(w, Lift(v))
			}
		}
	}
	return w, nil
}

// buildJoin records the join of two KindSegments proofs of shape rec in a set of depth setDepth.
func buildJoin(rec ChildShape, setDepth int) (*Builder, error) {
	b := NewBuilder()
	pub := claimVars(b)
	b.AssertEq(pub[ClaimKind], b.Const(feU(KindSegments)))
	kids := verifyChildren(b, pub, rec, setDepth, 2, KindSegments)
	l, r := kids[0][ClaimSegment:], kids[1][ClaimSegment:]
	own := pub[ClaimSegment:]
	eq := func(x, y []Felt) {
		for j := range x {
			b.AssertEq(x[j], y[j])
		}
	}
	span := func(c []Felt, at, n int) []Felt { return c[at : at+n] }
	const pc = 3
	for _, c := range [][]Felt{l, r} {
		eq(span(own, rv64.PubImageID, hash.DigestElements), span(c, rv64.PubImageID, hash.DigestElements))
		eq(span(own, rv64.PubPo2, 1), span(c, rv64.PubPo2, 1))
	}
	eq(span(own, rv64.PubStartPC, pc), span(l, rv64.PubStartPC, pc))
	eq(span(own, rv64.PubStartRoot, hash.DigestElements), span(l, rv64.PubStartRoot, hash.DigestElements))
	eq(span(own, rv64.PubEndPC, pc), span(r, rv64.PubEndPC, pc))
	eq(span(own, rv64.PubEndRoot, hash.DigestElements), span(r, rv64.PubEndRoot, hash.DigestElements))
	eq(span(l, rv64.PubEndPC, pc), span(r, rv64.PubStartPC, pc))
	eq(span(l, rv64.PubEndRoot, hash.DigestElements), span(r, rv64.PubStartRoot, hash.DigestElements))
	// Only the last segment of a run halts; the exit code is the right range's.
	zero := b.Const(F{})
	b.AssertEq(l[rv64.PubHalted], zero)
	eq(span(own, rv64.PubHalted, 2), span(r, rv64.PubHalted, 2))
	// The ranges are adjacent: no segment dropped, none repeated.
	b.AssertEq(own[rv64.PubIndex], l[rv64.PubIndex])
	b.AssertEq(b.Add(kids[0][ClaimLast], b.Const(feU(1))), r[rv64.PubIndex])
	b.AssertEq(pub[ClaimLast], kids[1][ClaimLast])
	// The journal: a flag per side says "this side wrote nothing" (it must then hold the empty
	// digest); one of them must, and the joined digest is the other side's.
	fl, fr := b.Witness(), b.Witness()
	one := b.Const(feU(1))
	b.AssertEq(b.Mul(b.Sub(one, fl), b.Sub(one, fr)), zero)
	for j := range hash.DigestElements {
		e := b.Const(emptyJournal[j])
		lj, rj := l[rv64.PubJournal+j], r[rv64.PubJournal+j]
		b.AssertEq(b.Mul(fl, b.Sub(lj, e)), zero)
		b.AssertEq(b.Mul(fr, b.Sub(rj, e)), zero)
		// Select also forces fl to be a bit.
		out, _ := b.Select(fl, lj, rj)
		b.AssertEq(own[rv64.PubJournal+j], out)
	}
	return b, b.err
}

// journalFlags are the join's witness flags for two journal digests.
func journalFlags(l, r hash.Digest) (fl, fr bool, err error) {
	fl, fr = l == emptyJournal, r == emptyJournal
	if !fl && !fr {
		return false, false, ErrJournalSplit
	}
	return fl, fr, nil
}

// Proof is an aggregation proof: a recursion proof of a lift or join program, the program's
// preprocessed root (which, with the recursion AIR's structure, is its verifying key), and the
// claim it proves (its public values).
type Proof struct {
	PreRoot hash.Digest
	Claim   []F
	Proof   *stark.Proof
}

// joinWitness lists the join's witness in buildJoin's order.
func joinWitness(rec ChildShape, set *VKSet, l, r *Proof) ([]E, error) {
	w, err := childrenWitness(rec, set, l, r)
	if err != nil {
		return nil, err
	}
	var ld, rd hash.Digest
	copy(ld[:], l.Claim[ClaimSegment+rv64.PubJournal:])
	copy(rd[:], r.Claim[ClaimSegment+rv64.PubJournal:])
	fl, fr, err := journalFlags(ld, rd)
	if err != nil {
		return nil, err
	}
	return append(w, liftBool(fl), liftBool(fr)), nil
}

func liftBool(v bool) E {
	if v {
		return Lift(feU(1))
	}
	return E{}
}

// JoinClaim is the claim a join of l and r proves, computed natively; it refuses what the join
// program would refuse, so that a failed join is a typed error before any proving.
func JoinClaim(l, r []F) ([]F, error) {
	if len(l) != NumClaim || len(r) != NumClaim {
		return nil, fmt.Errorf("%w: claims of %d and %d values", ErrJoin, len(l), len(r))
	}
	ls, rs := l[ClaimSegment:], r[ClaimSegment:]
	same := func(a, b []F) bool {
		for i := range a {
			if !a[i].Equal(&b[i]) {
				return false
			}
		}
		return true
	}
	var ld, rd hash.Digest
	copy(ld[:], ls[rv64.PubJournal:])
	copy(rd[:], rs[rv64.PubJournal:])
	var next F
	next.SetOne()
	next.Add(&next, &l[ClaimLast])
	switch {
	case !l[ClaimKind].IsZero() || !r[ClaimKind].IsZero():
		return nil, fmt.Errorf("%w: not both claims of segments", ErrJoin)
	case !same(l[:ClaimKind], r[:ClaimKind]):
		return nil, fmt.Errorf("%w: the children name different key sets", ErrJoin)
	case !same(ls[rv64.PubImageID:rv64.PubImageID+hash.DigestElements], rs[rv64.PubImageID:rv64.PubImageID+hash.DigestElements]):
		return nil, fmt.Errorf("%w: the children prove runs of different images", ErrJoin)
	case !ls[rv64.PubPo2].Equal(&rs[rv64.PubPo2]):
		return nil, fmt.Errorf("%w: the children have different segment sizes", ErrJoin)
	case !same(ls[rv64.PubEndPC:rv64.PubEndRoot+hash.DigestElements], rs[rv64.PubStartPC:rv64.PubStartRoot+hash.DigestElements]):
		return nil, fmt.Errorf("%w: the left range does not end where the right one starts", ErrJoin)
	case !ls[rv64.PubHalted].IsZero():
		return nil, fmt.Errorf("%w: the left range halts", ErrJoin)
	case !next.Equal(&rs[rv64.PubIndex]):
		return nil, fmt.Errorf("%w: segments %d.. and %d.. are not adjacent", ErrJoin, l[ClaimLast].Uint64(), rs[rv64.PubIndex].Uint64())
	}
	if _, _, err := journalFlags(ld, rd); err != nil {
		return nil, err
	}
	out := append([]F(nil), r...)
	copy(out[ClaimSegment+rv64.PubStartPC:], ls[rv64.PubStartPC:rv64.PubStartRoot+hash.DigestElements])
	out[ClaimSegment+rv64.PubIndex] = ls[rv64.PubIndex]
	if rd == emptyJournal {
		copy(out[ClaimSegment+rv64.PubJournal:], ld[:])
	}
	return out, nil
}

// ErrJoin: two claims are not consecutive ranges of one run.
var ErrJoin = errors.New("recursion: claims cannot be joined")
