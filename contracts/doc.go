// Package contracts owns the settlement-chain contracts: the Solidity sources under src/ (compiled by
// the pinned npm solc through `go generate`), their artifacts and abigen bindings (package bindings),
// helpers to deploy the L2OutputOracle, the DevVerifier and the Groth16OutputVerifier (with gnark's
// verifier for a given key, compiled at run time by internal/solc), and decoding of their
// custom-error reverts.
package contracts
