package recursion

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/rv64"
	"github.com/zkexex/zkexex/prover/stark"
)

// AIRName names the recursion AIR of every aggregation program; it is part of the key structure
// all of them share.
const AIRName = "zkexex/recursion/v1"

// SegmentShape is a shape segment proofs may have: their po2 and each table's log height.
type SegmentShape struct {
	Po2        int
	LogHeights []int
}

// VKSet is the fixed set of verifying keys aggregation proofs may have: the join, seal and chain
// programs' and one lift program's per allowed segment shape, all compiled to Shape and proven
// with Params. Its Merkle root is in every aggregation claim; a succinct receipt is valid only
// for the set its verifier trusts.
type VKSet struct {
	Params        stark.Params   // aggregation proofs'
	SegmentParams stark.Params   // the segment proofs' that lifts verify
	Shape         Shape          // every aggregation program's
	Segments      []SegmentShape // lift i verifies segment proofs of shape Segments[i]
	Keys          []hash.Digest  // keyJoin, keySeal, keyChain, then lift i's at keyLifts+i
	// ShrinkParams, ShrinkShape and ShrinkKey are the shrink program's (buildShrink): not in the
	// set (no program verifies it), it is the key a succinct receipt's seal must have.
	ShrinkParams stark.Params
	ShrinkShape  Shape
	ShrinkKey    hash.Digest
	// Config is the policy every program enforces on its children when it is built (nil:
	// stark.DefaultVerifierConfig). Only tests on insecure parameter sets lower it; it is part of
	// the programs, hence of the keys.
	Config *stark.VerifierConfig

	once      sync.Once
	tree      *hash.MerkleTree
	structure *stark.VerifyingKey // the aggregation programs' key structure
	shrink    *stark.VerifyingKey // the shrink program's
	err       error
}

// Errors of key sets and aggregation.
var (
	// ErrKeySet: a key is not in the set, or the set is malformed or stale (a program compiled
	// today does not have the key the set lists for it).
	ErrKeySet = errors.New("recursion: verifying key not in the key set")
	// ErrSegmentShape: a segment proof's shape is not one the set lifts.
	ErrSegmentShape = errors.New("recursion: segment proof shape not in the key set")
)

// Indices of the programs' keys in VKSet.Keys.
const (
	keyJoin = iota
	keySeal
	keyChain
	keyLifts
	keyShrink = -1 // not in the set: the Aggregator's index of the shrink program
)

// Root is the set's Merkle root (its leaves are Keys, padded with zero digests to a power of two).
func (s *VKSet) Root() (hash.Digest, error) {
	if err := s.init(); err != nil {
		return hash.Digest{}, err
	}
	return s.tree.Root(), nil
}

func (s *VKSet) init() error {
	s.once.Do(func() {
		if len(s.Keys) != keyLifts+len(s.Segments) {
			s.err = fmt.Errorf("%w: %d keys for %d segment shapes and %d other programs", ErrKeySet, len(s.Keys), len(s.Segments), keyLifts)
			return
		}
		if err := s.Shape.check(); err != nil {
			s.err = err
			return
		}
		leaves := make([]hash.Digest, 1<<uint(depthFor(len(s.Keys))))
		copy(leaves, s.Keys)
		if s.tree, s.err = hash.NewMerkleTree(leaves); s.err != nil {
			return
		}
		if s.structure, s.err = structureKey(s.Shape, s.Params); s.err != nil {
			return
		}
		s.shrink, s.err = structureKey(s.ShrinkShape, s.ShrinkParams)
	})
	return s.err
}

// depthFor is the depth of a tree with room for n leaves (at least one level, so that the join's
// membership proof has a path).
func depthFor(n int) int {
	d := 1
	for 1<<uint(d) < n {
		d++
	}
	return d
}

// structureKey is the key structure of aggregation programs of this shape.
func structureKey(shape Shape, params stark.Params) (*stark.VerifyingKey, error) {
	b := NewBuilder()
	claimVars(b)
	p, err := b.CompileShape(shape)
	if err != nil {
		return nil, err
	}
	air, err := p.AIR(AIRName)
	if err != nil {
		return nil, err
	}
	return stark.StructureKey(air, params)
}

// path is the membership proof of key: its leaf index and siblings.
func (s *VKSet) path(key hash.Digest) (int, []hash.Digest, error) {
	if err := s.init(); err != nil {
		return 0, nil, err
	}
	i := slices.Index(s.Keys, key)
	if i < 0 {
		return 0, nil, fmt.Errorf("%w: %s", ErrKeySet, key)
	}
	return i, s.tree.Proof(i), nil
}

// recShape is the child shape of aggregation proofs, as the join program verifies them.
func (s *VKSet) recShape() ChildShape {
	return ChildShape{VK: s.structure, Params: s.Params, LogHeights: s.Shape, Config: s.Config}
}

// segShape is the child shape of segment proofs of shape i, as lift i verifies them.
func (s *VKSet) segShape(segVK *stark.VerifyingKey, i int) ChildShape {
	return ChildShape{VK: segVK, Params: s.SegmentParams, LogHeights: s.Segments[i].LogHeights, Config: s.Config}
}

// Verify checks an aggregation proof natively: its key is in the set, its claim names the set,
// and the proof verifies with cfg.
func (s *VKSet) Verify(p *Proof, cfg stark.VerifierConfig) error {
	if err := s.init(); err != nil {
		return err
	}
	return s.verify(p, s.structure, func(key hash.Digest) bool { return slices.Contains(s.Keys, key) }, cfg)
}

// VerifyShrunk checks the last proof of a succinct receipt natively: its key is the shrink key,
// its claim names the set, and the proof verifies with cfg.
func (s *VKSet) VerifyShrunk(p *Proof, cfg stark.VerifierConfig) error {
	if err := s.init(); err != nil {
		return err
	}
	return s.verify(p, s.shrink, func(key hash.Digest) bool { return key == s.ShrinkKey }, cfg)
}

func (s *VKSet) verify(p *Proof, structure *stark.VerifyingKey, trusted func(hash.Digest) bool, cfg stark.VerifierConfig) error {
	root := s.tree.Root()
	if p == nil || p.Proof == nil || len(p.Claim) != NumClaim {
		return fmt.Errorf("%w: malformed aggregation proof", stark.ErrInvalidProof)
	}
	vk := structure.WithPreRoot(p.PreRoot)
	if !trusted(vk.Digest()) {
		return fmt.Errorf("%w: %s", ErrKeySet, vk.Digest())
	}
	for j := range root {
		if !p.Claim[ClaimVKSet+j].Equal(&root[j]) {
			return fmt.Errorf("%w: the claim names another key set", ErrKeySet)
		}
	}
	return stark.Verify(vk, p.Proof, p.Claim, cfg)
}

// BuildVKSet compiles every aggregation program for the segment shapes (proven with segParams
// under segVK) and returns the set: the common shape is the smallest that the lifts and the join
// fit (a join of taller children is itself taller, so it is found by iteration). It runs a Setup
// per program, seconds each: sets are built once and pinned (see the generated table).
// The set's Params, SegmentParams, ShrinkParams, Segments and Config are taken from proto.
func BuildVKSet(ctx context.Context, segVK *stark.VerifyingKey, proto *VKSet) (*VKSet, *Aggregator, error) {
	shapes, params := proto.Segments, proto.Params
	if len(shapes) == 0 {
		return nil, nil, fmt.Errorf("%w: no segment shapes", ErrKeySet)
	}
	set := &VKSet{Params: params, SegmentParams: proto.SegmentParams, Segments: shapes, Config: proto.Config, ShrinkParams: proto.ShrinkParams}
	lifts := make([]*Builder, len(shapes))
	var shape Shape
	for i, sh := range shapes {
		b, err := buildLift(set.segShape(segVK, i), sh.Po2)
		if err != nil {
			return nil, nil, fmt.Errorf("lift of %v: %w", sh, err)
		}
		lifts[i] = b
		p, err := b.Compile()
		if err != nil {
			return nil, nil, err
		}
		if shape == nil {
			shape = p.Shape()
		}
		shape = shape.Max(p.Shape())
	}
	depth := depthFor(keyLifts + len(shapes))
	var recursive []*Builder // in key order: join, seal, chain
	var rec ChildShape       // the children's shape the recursive programs were built for
	for {
		sk, err := structureKey(shape, params)
		if err != nil {
			return nil, nil, err
		}
		rec = ChildShape{VK: sk, Params: params, LogHeights: shape, Config: set.Config}
		recursive = recursive[:0]
		grown := shape
		for _, build := range []func(ChildShape, int) (*Builder, error){buildJoin, buildSeal, buildChain} {
			b, err := build(rec, depth)
			if err != nil {
				return nil, nil, err
			}
			p, err := b.Compile()
			if err != nil {
				return nil, nil, err
			}
			recursive = append(recursive, b)
			grown = grown.Max(p.Shape())
		}
		if slices.Equal(grown, shape) {
			break
		}
		shape = grown
	}
	set.Shape = shape
	var progs []*keyedProgram
	for _, b := range append(recursive, lifts...) {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		kp, err := setupProgram(b, shape, params)
		if err != nil {
			return nil, nil, err
		}
		set.Keys = append(set.Keys, kp.pk.VerifyingKey().Digest())
		progs = append(progs, kp)
	}
	shrink, err := buildShrink(rec, depth)
	if err != nil {
		return nil, nil, err
	}
	sp, err := shrink.Compile()
	if err != nil {
		return nil, nil, err
	}
	set.ShrinkShape = sp.Shape()
	kp, err := setupProgram(shrink, set.ShrinkShape, set.ShrinkParams)
	if err != nil {
		return nil, nil, err
	}
	set.ShrinkKey = kp.pk.VerifyingKey().Digest()
	a := NewAggregator(set, segVK)
	for i, kp := range progs {
		a.progs[i] = kp
	}
	a.progs[keyShrink] = kp
	return set, a, nil
}

// keyedProgram is a compiled aggregation program with its proving key.
type keyedProgram struct {
	prog *Program
	pk   *stark.ProvingKey
}

func setupProgram(b *Builder, shape Shape, params stark.Params) (*keyedProgram, error) {
	prog, err := b.CompileShape(shape)
	if err != nil {
		return nil, err
	}
	air, err := prog.AIR(AIRName)
	if err != nil {
		return nil, err
	}
	pk, err := stark.Setup(air, params)
	if err != nil {
		return nil, err
	}
	return &keyedProgram{prog: prog, pk: pk}, nil
}

// MenuShapes lists the segment shapes of rv64's menu (rv64.Shapes) for each po2, in order: the
// segment shapes of a key set that lifts every segment the prover makes at those sizes.
func MenuShapes(po2s ...int) []SegmentShape {
	var out []SegmentShape
	for _, po2 := range po2s {
		for _, s := range rv64.Shapes(po2) {
			out = append(out, SegmentShape{Po2: s.Po2, LogHeights: s.Log})
		}
	}
	return out
}
