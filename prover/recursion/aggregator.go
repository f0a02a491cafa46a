package recursion

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/zkexex/zkexex/prover/rv64"
	"github.com/zkexex/zkexex/prover/stark"
)

// Aggregator proves lifts and joins for one key set. It compiles and sets up each program the
// first time it is needed (seconds) and refuses one whose key is not the set's: a set pinned by
// an older build of the programs is stale, not silently different.
type Aggregator struct {
	set   *VKSet
	segVK *stark.VerifyingKey

	mu    sync.Mutex
	progs map[int]*keyedProgram // by index in set.Keys
}

// NewAggregator proves for set; segVK is the key of the segment proofs it lifts.
func NewAggregator(set *VKSet, segVK *stark.VerifyingKey) *Aggregator {
	return &Aggregator{set: set, segVK: segVK, progs: map[int]*keyedProgram{}}
}

// Set is the key set the aggregator proves for.
func (a *Aggregator) Set() *VKSet { return a.set }

// program returns key i's program, building it with build on first use.
func (a *Aggregator) program(i int, build func() (*Builder, error)) (*keyedProgram, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if kp := a.progs[i]; kp != nil {
		return kp, nil
	}
	b, err := build()
	if err != nil {
		return nil, err
	}
	kp, err := setupProgram(b, a.set.Shape, a.set.Params)
	if err != nil {
		return nil, err
	}
	if got := kp.pk.VerifyingKey().Digest(); got != a.set.Keys[i] {
		return nil, fmt.Errorf("%w: program %d has key %s, the set lists %s (stale set)", ErrKeySet, i, got, a.set.Keys[i])
	}
	a.progs[i] = kp
	return kp, nil
}

func (a *Aggregator) prove(ctx context.Context, kp *keyedProgram, claim []F, witness []E) (*Proof, error) {
	traces, err := kp.prog.Execute(claim, witness)
	if err != nil {
		return nil, err
	}
	proof, err := stark.Prove(ctx, kp.pk, traces, claim)
	if err != nil {
		return nil, err
	}
	return &Proof{PreRoot: kp.pk.VerifyingKey().PreRoot(), Claim: claim, Proof: proof}, nil
}

// Lift proves that proof, a segment proof with public values public, verifies under the segment
// key. Its shape must be one the set lifts (ErrSegmentShape).
func (a *Aggregator) Lift(ctx context.Context, proof *stark.Proof, public []F) (*Proof, error) {
	root, err := a.set.Root()
	if err != nil {
		return nil, err
	}
	if len(public) != rv64.NumPublic {
		return nil, fmt.Errorf("%w: %d segment public values", ErrWitness, len(public))
	}
	po2 := int(public[rv64.PubPo2].Uint64())
	i := slices.IndexFunc(a.set.Segments, func(s SegmentShape) bool {
		return s.Po2 == po2 && slices.Equal(s.LogHeights, proof.LogHeights)
	})
	if i < 0 {
		return nil, fmt.Errorf("%w: po2 %d, heights %v", ErrSegmentShape, po2, proof.LogHeights)
	}
	seg := a.set.segShape(a.segVK, i)
	kp, err := a.program(1+i, func() (*Builder, error) { return buildLift(seg, po2) })
	if err != nil {
		return nil, err
	}
	witness, err := ProofWitness(seg, proof)
	if err != nil {
		return nil, err
	}
	claim := make([]F, 0, NumClaim)
	claim = append(claim, root[:]...)
	claim = append(claim, public...)
	claim = append(claim, public[rv64.PubIndex])
	return a.prove(ctx, kp, claim, witness)
}

// Join proves that l and r verify under keys of the set and that r's range follows l's; the
// claims must join (JoinClaim).
func (a *Aggregator) Join(ctx context.Context, l, r *Proof) (*Proof, error) {
	if err := a.set.init(); err != nil {
		return nil, err
	}
	claim, err := JoinClaim(l.Claim, r.Claim)
	if err != nil {
		return nil, err
	}
	rec := a.set.recShape()
	kp, err := a.program(0, func() (*Builder, error) { return buildJoin(rec, depthFor(len(a.set.Keys))) })
	if err != nil {
		return nil, err
	}
	witness, err := joinWitness(rec, a.set, l, r)
	if err != nil {
		return nil, err
	}
	return a.prove(ctx, kp, claim, witness)
}

// Aggregate joins proofs of consecutive ranges, in order, into one: pairwise, level by level, so
// that the joins of a level are independent (and the tree's depth is logarithmic).
func (a *Aggregator) Aggregate(ctx context.Context, proofs []*Proof) (*Proof, error) {
	if len(proofs) == 0 {
		return nil, fmt.Errorf("%w: nothing to aggregate", ErrJoin)
	}
	for len(proofs) > 1 {
		var next []*Proof
		for i := 0; i+1 < len(proofs); i += 2 {
			j, err := a.Join(ctx, proofs[i], proofs[i+1])
			if err != nil {
				return nil, fmt.Errorf("joining ranges %d and %d of %d: %w", i, i+1, len(proofs), err)
			}
			next = append(next, j)
		}
		if len(proofs)%2 == 1 {
			next = append(next, proofs[len(proofs)-1])
		}
		proofs = next
	}
	return proofs[0], nil
}
