// Package vm is the zkVM executor: it loads a static RV64 Linux ELF, interprets RV64IMA
// (with F/D in software) under a deterministic Linux syscall subset, pages memory under a
// Poseidon2 Merkle tree and cuts the run into segments whose records a prover can replay alone.
package vm
