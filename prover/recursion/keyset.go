package recursion

import (
	"encoding/hex"
	"fmt"
	"sync"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/rv64"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
)

// ProductionSet is the key set succinct receipts are made and verified with: a lift for every
// shape of rv64's menu at every po2 (segment proofs at stark.DefaultParams), the join, seal and
// chain programs, aggregation proofs at RecursionParams, the shrink at ShrinkParams, and the
// default verifier policy. Its
// shape and keys are pinned in keyset_table.go, so that a verifier needs no setup; the pin is
// regenerated with
//
//	ZKEXEX_UPDATE_KEYSET=keyset_table.go go test -run TestProductionKeySet ./prover/recursion/
//
// whenever a program, the segment AIR or the menu changes (proving with a stale pin fails with
// ErrKeySet, and so does the full test).
var ProductionSet = sync.OnceValues(func() (*VKSet, error) {
	set := productionProto()
	set.Shape, set.ShrinkShape = productionShape, productionShrinkShape
	for _, k := range productionKeys {
		d, err := pinnedKey(k)
		if err != nil {
			return nil, err
		}
		set.Keys = append(set.Keys, d)
	}
	var err error
	if set.ShrinkKey, err = pinnedKey(productionShrinkKey); err != nil {
		return nil, err
	}
	if _, err := set.Root(); err != nil {
		return nil, fmt.Errorf("the pinned production key set does not match the menu (regenerate keyset_table.go): %w", err)
	}
	return set, nil
})

func pinnedKey(k string) (hash.Digest, error) {
	b, err := hex.DecodeString(k)
	if err != nil {
		return hash.Digest{}, fmt.Errorf("%w: pinned key %q: %w", ErrKeySet, k, err)
	}
	d, err := hash.DigestFromBytes(b)
	if err != nil {
		return hash.Digest{}, fmt.Errorf("%w: pinned key %q: %w", ErrKeySet, k, err)
	}
	return d, nil
}

// productionProto is the production set before its programs are compiled.
func productionProto() *VKSet {
	var po2s []int
	for p := vm.MinPo2; p <= vm.MaxPo2; p++ {
		po2s = append(po2s, p)
	}
	return &VKSet{Params: RecursionParams(), SegmentParams: stark.DefaultParams(), ShrinkParams: ShrinkParams(), Segments: MenuShapes(po2s...)}
}

// ProductionAggregator proves for ProductionSet, lifting segment proofs of the rv64 key at its
// segment parameters.
func ProductionAggregator() (*Aggregator, error) {
	set, err := ProductionSet()
	if err != nil {
		return nil, err
	}
	segPK, err := rv64.ProvingKey(set.SegmentParams)
	if err != nil {
		return nil, err
	}
	return NewAggregator(set, segPK.VerifyingKey()), nil
}

// ProductionVerifier checks succinct seals against ProductionSet at the default policy.
func ProductionVerifier() (*SuccinctVerifier, error) {
	set, err := ProductionSet()
	if err != nil {
		return nil, err
	}
	return NewSuccinctVerifier(set), nil
}
