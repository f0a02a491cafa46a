// Package stark is zkexex's proof-system core: a Poseidon2 duplex transcript with proof-of-work,
// batched Merkle commitments of matrices of different heights, FRI over KoalaBear's quartic
// extension with a soundness calculator, and multi-table AIRs linked by LogUp buses, with the
// prover, the verifier and a versioned deterministic proof encoding.
//
// Conventions used throughout:
//   - traces are column-major matrices over F (KoalaBear); challenges live in E (the degree-4
//     extension); a table of n = 2^k rows is interpolated over the subgroup H_n.
//   - low-degree extensions live on the coset g·H_N (g = 3, N = n·2^logBlowup) and are stored in
//     bit-reversed order, so that a subgroup of the coset is a prefix of the array and the two
//     points x and -x that a FRI fold pairs sit in adjacent rows.
//   - FRI folds a codeword as evaluations over the subgroup (the coset shift only enters the DEEP
//     quotients); reduced openings of shorter tables are rolled in when the folded codeword
//     reaches their height (the multi-height scheme of Plonky3's two-adic PCS, our own code).
package stark
