package cluster

import (
	"context"

	"github.com/zkexex/zkexex/prover/recursion"
	"github.com/zkexex/zkexex/prover/rv64"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
)

// testKeySet is a key set for the po2-16 menu at test parameters, as prover/prove's tests
// build it, with its aggregator.
func testKeySet() (*recursion.VKSet, *recursion.Aggregator, error) {
	params := stark.TestParams()
	segPK, err := rv64.ProvingKey(params)
	if err != nil {
		return nil, nil, err
	}
	insecure := stark.VerifierConfig{}
	return recursion.BuildVKSet(context.Background(), segPK.VerifyingKey(), &recursion.VKSet{
		Params: params, SegmentParams: params, ShrinkParams: params, Segments: recursion.MenuShapes(vm.MinPo2), Config: &insecure})
}
