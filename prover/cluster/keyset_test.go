package cluster

import (
	"github.com/zkexex/zkexex/prover/prove/provetest"
	"github.com/zkexex/zkexex/prover/recursion"
	"github.com/zkexex/zkexex/prover/stark"
)

// testKeySet is a key set for the po2-16 menu at test parameters, as prover/prove's tests
// build it, with its aggregator.
func testKeySet() (*recursion.VKSet, *recursion.Aggregator, error) {
	return provetest.KeySet(stark.TestParams())
}
