// Package stark is zkexex's proof-system core: a Poseidon2 duplex transcript with proof-of-work,
// batched Merkle commitments of matrices of different heights, FRI over KoalaBear's quartic
// extension with a soundness calculator, and multi-table AIRs linked by LogUp buses, with the
// prover, the verifier and a versioned deterministic proof encoding.
//
// The package is generic over its hash configuration (config.go): the digest type D of keys,
// proofs and Merkle trees selects the commitments and the transcript. hash.Digest is the default,
// Poseidon2 over KoalaBear (Proof, VerifyingKey, Setup, DecodeProof are that instantiation);
// hash.BN254Digest is Poseidon2 over BN254 with its own transcript (BN254Transcript), for the last
// layer that a Groth16 circuit verifies (SetupFor[hash.BN254Digest], FinalLayerParams). The field
// of the traces and challenges is KoalaBear in both.
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
//
// # Structure
//
// One definition of every constraint: a table's declared constraints and its LogUp terms (one per
// interaction, plus the running sum's first-row, transition and last-row constraints) are
// expressions compiled into one program per table (Table.definitions, expr.go). The prover's
// quotient evaluates it over the LDE coset, the verifier evaluates the same program at the
// out-of-domain point, and the LogUp witness reads its multiplicities and denominators from the
// same expressions.
//
// FRI is a unit of its own (fri.go): FRIParams, FRIProof with its own encoding, friProve, and
// friVerify (shape check, transcript replay, one check per query), which the STARK verifier calls
// with a callback that authenticates its commitments and returns the DEEP quotients (deep.go) at
// each query. The recursion verifier re-implements exactly friVerify.
//
// # LogUp at RISC-V scale
//
// The bus challenges β, γ are drawn from E (|E| ≈ 2^124). With N fractions of tuples up to w
// wide, a cheating prover's chance per try is at most 2·N·w/|E|, which at N = 2^26 and w = 8 is
// only 2^-94. We grind before drawing them (Params.LogUpPoWBits, 16 by default; SP1 grinds 12,
// OpenVM 18; the RISC-V segment AIR reaches 2^31 fractions of 48-element tuples at po2 22; the
// nonce is in the proof and bound into the transcript) rather than draw them from a degree-8
// extension: grinding costs the prover about 2^16 permutations once per proof and the verifier
// (and the recursion AIR) one, while a larger extension would double the cost of every extension
// operation on both sides. Multiplicities are field elements, so the verifier also refuses a
// statement in which any bus's total sends, or total receives (Σ rows × the interaction's
// declared multiplicity bound), could reach p (ErrBusOverflow).
//
// A lookup table (Table.LookupTable: preprocessed keys, distinct, checked at Setup; the only
// receiver on its bus) declares no bound on its multiplicities: a value outside the table has a
// pole no key cancels unless it is sent a multiple of p times, which the send bound excludes. So
// a 2^16-row range table serves any number of lookups up to the senders' bound.
//
// Fractions share extension columns: lookupGroups places each interaction first-fit into a
// column whose constraint h·Π d_k = Σ m_k·Π_{j≠k} d_j stays within degree 3, so two lookups with
// degree-1 denominators and multiplicities cost one column (4 base cells) instead of two. The
// grouping is part of the verifying key (proof version 3).
//
// Conjectured security of DefaultParams at the reference shapes (ReferenceShapes: 512 degree-3
// constraints, 1024 opened columns, tuples up to 8 wide), pinned by TestReferenceTable:
//
//	rows    fractions   LogUp bits  (no grinding)  total
//	2^20    2^21        115.0        99.0        102.4
//	2^20    2^24        112.0        96.0        102.4
//	2^20    2^26        110.0        94.0        102.4
//	2^22    2^21        115.0        99.0        100.4
//	2^22    2^24        112.0        96.0        100.4
//	2^22    2^26        110.0        94.0        100.4
//
// The total is limited by the out-of-domain term (degree·n/|E|), not by LogUp or FRI (116 bits).
package stark
