package recursion

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/zkexex/zkexex/prover/hash"
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
	progs map[int]*keyedProgram // by index in set.Keys, the shrink at keyShrink
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
	shape, params, want := a.set.Shape, a.set.Params, a.set.ShrinkKey
	if i == keyShrink {
		shape, params = a.set.ShrinkShape, a.set.ShrinkParams
	} else {
		want = a.set.Keys[i]
	}
	kp, err := setupProgram(b, shape, params)
	if err != nil {
		return nil, err
	}
	if got := kp.pk.VerifyingKey().Digest(); got != want {
		return nil, fmt.Errorf("%w: program %d has key %s, the set lists %s (stale set)", ErrKeySet, i, got, want)
	}
	a.progs[i] = kp
	return kp, nil
}

// prove proves key's program kp on claim and witness.
func (a *Aggregator) prove(ctx context.Context, key int, kp *keyedProgram, claim []F, witness []E) (*Proof, error) {
	start := time.Now()
	traces, err := kp.prog.Execute(claim, witness)
	if err != nil {
		return nil, err
	}
	proof, err := stark.Prove(ctx, kp.pk, traces, claim)
	if err != nil {
		return nil, err
	}
	record(ctx, programName(key), time.Since(start))
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
	kp, err := a.program(keyLifts+i, func() (*Builder, error) { return buildLift(seg, po2) })
	if err != nil {
		return nil, err
	}
	witness, err := ProofWitness(seg, proof)
	if err != nil {
		return nil, err
	}
	return a.prove(ctx, keyLifts+i, kp, LiftClaim(root, public), witness)
}

// LiftClaim is the claim of the lift of a segment proof with public values public (rv64's
// NumPublic of them) in the key set of root: a claim of segments whose range is that one segment.
func LiftClaim(root hash.Digest, public []F) []F {
	claim := make([]F, 0, NumClaim)
	claim = append(claim, root[:]...)
	claim = append(claim, feU(KindSegments))
	claim = append(claim, public...)
	return append(claim, public[rv64.PubIndex])
}

// Join proves that l and r verify under keys of the set and that r follows l: for claims of
// segments, r's range starts where l's ends (JoinClaim); for claims of runs, the chain of both
// sequences (ChainClaim).
func (a *Aggregator) Join(ctx context.Context, l, r *Proof) (*Proof, error) {
	if err := a.set.init(); err != nil {
		return nil, err
	}
	if len(l.Claim) != NumClaim {
		return nil, fmt.Errorf("%w: claim of %d values", ErrJoin, len(l.Claim))
	}
	key, claimOf, build := keyJoin, JoinClaim, buildJoin
	if l.Claim[ClaimKind].IsOne() {
		key, claimOf, build = keyChain, ChainClaim, buildChain
	}
	claim, err := claimOf(l.Claim, r.Claim)
	if err != nil {
		return nil, err
	}
	return a.recurse(ctx, key, build, claim, l, r)
}

// Seal proves that p, a claim of segments, covers a whole run of its image that exits with 0
// (SealClaim), and claims that run as a sequence of one.
func (a *Aggregator) Seal(ctx context.Context, p *Proof) (*Proof, error) {
	if err := a.set.init(); err != nil {
		return nil, err
	}
	claim, err := SealClaim(p.Claim)
	if err != nil {
		return nil, err
	}
	return a.recurse(ctx, keySeal, buildSeal, claim, p)
}

// recurse proves the program of key (built by build) over the children cs with claim.
func (a *Aggregator) recurse(ctx context.Context, key int, build func(ChildShape, int) (*Builder, error), claim []F, cs ...*Proof) (*Proof, error) {
	rec := a.set.recShape()
	kp, err := a.program(key, func() (*Builder, error) { return build(rec, depthFor(len(a.set.Keys))) })
	if err != nil {
		return nil, err
	}
	var witness []E
	if key == keyJoin {
		witness, err = joinWitness(rec, a.set, cs[0], cs[1])
	} else {
		witness, err = childrenWitness(rec, a.set, cs...)
	}
	if err != nil {
		return nil, err
	}
	return a.prove(ctx, key, kp, claim, witness)
}

// Shrink proves p again at the set's ShrinkParams (buildShrink): the same claim, the seal of a
// succinct receipt.
func (a *Aggregator) Shrink(ctx context.Context, p *Proof) (*Proof, error) {
	if err := a.set.init(); err != nil {
		return nil, err
	}
	return a.recurse(ctx, keyShrink, buildShrink, p.Claim, p)
}

// SpanSeal chains sealed runs (Seal's proofs, one per block, in order) with Aggregate on up to
// workers goroutines and shrinks the chain into the seal of a succinct span receipt
// (MarshalSeal's encoding).
func (a *Aggregator) SpanSeal(ctx context.Context, sealed []*Proof, workers int) ([]byte, error) {
	chain, err := a.Aggregate(ctx, sealed, workers)
	if err != nil {
		return nil, err
	}
	shrunk, err := a.Shrink(ctx, chain)
	if err != nil {
		return nil, err
	}
	return shrunk.MarshalSeal()
}

// Aggregate joins proofs of consecutive ranges (or sequences of runs), in order, into one:
// pairwise, level by level, the joins of a level on up to workers goroutines (0: GOMAXPROCS),
// so that the tree's depth is logarithmic. Each join holds a recursion program's traces: memory
// grows with workers.
func (a *Aggregator) Aggregate(ctx context.Context, proofs []*Proof, workers int) (*Proof, error) {
	if len(proofs) == 0 {
		return nil, fmt.Errorf("%w: nothing to aggregate", ErrJoin)
	}
	return reducePairs(proofs, func(l, r *Proof) (*Proof, error) { return a.Join(ctx, l, r) }, workers)
}

// reducePairs joins xs pairwise, level by level (an odd last element goes up as it is), the
// joins of a level on up to workers goroutines (0: GOMAXPROCS). xs must not be empty.
func reducePairs[T any](xs []T, join func(l, r T) (T, error), workers int) (T, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	for len(xs) > 1 {
		next := make([]T, (len(xs)+1)/2)
		errs := make([]error, len(next))
		sem := make(chan struct{}, workers)
		var wg sync.WaitGroup
		for i := range next {
			if 2*i+1 == len(xs) {
				next[i] = xs[2*i]
				continue
			}
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				next[i], errs[i] = join(xs[2*i], xs[2*i+1])
				if errs[i] != nil {
					errs[i] = fmt.Errorf("joining %d and %d of %d: %w", 2*i, 2*i+1, len(xs), errs[i])
				}
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			var zero T
			return zero, err
		}
		xs = next
	}
	return xs[0], nil
}
