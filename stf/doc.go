// Package stf is the stateless state transition function that the zkVM proves:
// the versioned Input encoding (chain config, block, witness, extra proof
// nodes), Execute with the checks geth's ExecuteStateless leaves to its caller,
// the Claim (the guest's journal), the output root and chain-config hashing.
package stf
