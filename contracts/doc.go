// Package contracts owns the settlement-chain contracts: the Solidity sources under src/ (compiled by
// the pinned npm solc through `go generate`), their artifacts and abigen bindings (package bindings),
// helpers to deploy the L2OutputOracle and DevVerifier, and decoding of their custom-error reverts.
package contracts
