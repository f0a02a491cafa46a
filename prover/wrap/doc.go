// Package wrap owns the Groth16 wrap of the last STARK layer: gnark circuits over BN254 that
// verify what prover/stark proves in its BN254 configuration (stark.BN254Proof). Each gadget here
// replays one piece of the native verifier step by step and is tested against it.
//
// So far: the Poseidon2-BN254 hash (Hasher: the sponge over packed KoalaBear values, the 2-to-1
// compression, and the multi-height Merkle opening of stark's commitments) and the Fiat-Shamir
// transcript (Challenger, the in-circuit stark.BN254Transcript). The FRI and constraint checks,
// the full circuit and its setup are still to come (issue 13 item 2).
//
// KoalaBear values are native BN254 variables. A gadget that absorbs them assumes they are
// canonical (below p): the circuit range-checks every value where it enters (a proof's openings,
// public inputs), once, so the packing Σ v_i·2^(31·i) stays injective in the circuit as natively.
// The permutation is gnark's std/permutation/poseidon2 with (width 3, 8 full, 56 partial rounds),
// whose round keys come from the same gnark-crypto parameters as prover/hash's native one.
package wrap
