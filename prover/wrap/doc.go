// Package wrap owns the Groth16 wrap of the last STARK layer: gnark circuits over BN254 that
// verify what prover/stark proves in its BN254 configuration (stark.BN254Proof), their setups and
// proofs, and the Solidity verifier export. Each gadget here replays one piece of the native
// verifier step by step and is tested against it.
//
// The wrap of a span (Wrapper, SpanCircuit): recursion.FinalLayer proves a succinct span seal and
// its journals again in the BN254 configuration; SpanCircuit verifies that proof (VerifyStark) and
// binds its public values (ClaimBinder, claim.go) to the circuit's two public inputs, the key-set
// root and the claim digest the oracle's Groth16OutputVerifier recomputes (ClaimDigest). Keys come
// from a dev setup (derived from a public seed, so insecure and refused outside dev mode;
// devsetup.go) or gnark's MPC ceremony (setup.go), cached on disk (setup_cache.go); proofs travel in gnark's Solidity encoding (groth16.go).
//
// The gadgets: the Poseidon2-BN254 hash (Hasher: the sponge over packed KoalaBear values, the
// 2-to-1 compression, and the multi-height Merkle opening of stark's commitments), the Fiat-Shamir
// transcript (Challenger, the in-circuit stark.BN254Transcript), and KoalaBear and its quartic
// extension in native BN254 variables (Field, Felt, Ext: lazy reduction with range-checked hints,
// not emulated-field arithmetic; field.go says why it is sound and what it costs).
//
// The verifier (VerifyStark) is stark.Verify, step for step, for one Shape (key, parameters,
// table heights: constants of the circuit, checked when it is built by the key's CheckStatement,
// security floor included) with the proof (ProofVar: NewProofVar allocates it, AssignProof fills
// it from a native proof) as witness. It follows prover/recursion's VerifyProof, the same verifier
// written for the recursion machine: the transcript replay with the LogUp grinding, the bus
// balance, each table's constraint program (stark.ConstraintView) at ζ against its quotient
// chunks, the DEEP quotients per bucket, FRI's folds, Merkle openings, final polynomial and
// grinding. It returns the public values; the caller binds them (the final layer's claim).
//
// KoalaBear values are native BN254 variables. Every value a proof supplies is range-checked to
// [0, p) where it enters (public values, openings, totals, final polynomial, nonces, opened
// rows), once, so the packing Σ v_i·2^(31·i) stays injective in the circuit as natively and the
// circuit accepts exactly the proofs stark.Verify accepts. The permutation is gnark's
// std/permutation/poseidon2 with (width 3, 8 full, 56 partial rounds), whose round keys come from
// the same gnark-crypto parameters as prover/hash's native one.
//
// Range checks are bit decompositions, not gnark's std/rangecheck lookup: under Groth16 the
// lookup adds a Pedersen commitment whose on-chain check alone (+123k gas) would put a proposal
// above 300k gas. A proof of these circuits has no commitment.
//
// Cost (R1CS constraints; BenchmarkFieldPieces, BenchmarkConstraints, BenchmarkSpanShape; the
// figures and the breakdown by part are in bench/wrap.md): an n-bit range check n, a canonical
// entry 33, a base product 1, an extension product 7 (products at seven points), a reduction of a
// 2^66 bound 69, an equality mod p of unreduced values 35, an extension division 271, a Poseidon2
// permutation 240, an extension challenge 1,672. The production span circuit (the span program's
// shape at FinalLayerParams) is 4,116,815 constraints, about half of them Poseidon2 (8,255
// permutations: the queries' rows and Merkle paths) and a third the range checks of the values
// the proof supplies; challenge powers are made once for all tables and buckets and left
// unreduced, and FRI folds are checked unreduced against the next round's opening.
package wrap
