// Package recursion owns the recursion machine: a small STARK-provable machine that runs fixed,
// straight-line programs of field operations, Poseidon2 permutations and bit decompositions over
// write-once memory, and the Go builder that records such programs and executes them into
// traces. A recursion proof is a proof that the STARK verifier of one child verifying key,
// written as such a program (VerifyProof), accepts the child proof held in the witness. On it
// the package builds the aggregation of RISC-V segment proofs: lift, join, seal and chain
// programs, the fixed set of their verifying keys, and the seal of succinct receipts.
//
// This is SP1's design (a recursion ISA over write-once memory, one chip per instruction kind;
// see the project notes PRIOR-ART.md, Q4); the code and the layouts are ours.
//
// # Programs
//
// A verifier's control flow is fixed by the child's verifying key and proof shape, so its
// program has no branches and no loops: Builder records it as a list of instructions, each of
// which writes its results to fresh addresses. The program is never fetched: each chip's table
// holds its instructions, one per row, as preprocessed columns (addresses, multiplicities, opcode
// flags), and the prover supplies only the values. The preprocessed columns, hence the program,
// are committed in the verifying key (Program.AIR, then stark.Setup), and they fix every table's
// height, so a recursion VK fixes its proofs' shape.
//
// # Memory
//
// Addresses are field elements, allocated in order. An address holds a base element or an
// extension element; both travel on the memory bus as the tuple (addr, v0, v1, v2, v3) in
// prover/stark's coordinate order, a base value with v1 = v2 = v3 = 0. One address with four
// value limbs, rather than four addresses, makes an extension operand one LogUp fraction instead
// of four; the zero limbs of base values are constants in the fingerprint and cost no column. It
// also makes Lift free: an extension instruction reads a base address as it is. It cannot read an
// extension value as a base one: every writer of a base value writes zero upper limbs (the
// chips' own tuples for ALU, select, Poseidon2, bits, limbs, public and init's base writes),
// so a base read of a value outside F does not balance.
//
// Write-once memory needs no timestamps. Each address is written by exactly one instruction (the
// builder allocates a fresh address for every result), which sends (addr, value) with
// multiplicity m = the number of instructions that read it; each read receives (addr, value)
// once. m is preprocessed, counted by the builder, so the prover chooses no multiplicity, and the
// bus balances only if every read of addr sees the value written there. Reads of an address
// that is written later (or never) have no matching send and leave the bus unbalanced, whatever
// the order of rows.
//
// Every write declares MaxReads (16) as its multiplicity bound, which enters the verifier's check
// that the bus's sends total below p (stark.ErrBusOverflow). The builder keeps every address
// within it: a value about to be read for the 16th time is first copied to a fresh address (the
// copy is its 16th read), and further reads go there. At MaxReads 16 the memory sends of a
// 2^20-row width-16 Poseidon2 table total 2^28.
//
// # Instructions (chips)
//
//	init              constants (pinned to a preprocessed value) and witness (advice: free):
//	                  eight base values a row, or two extension values. Writes up to 8: a base
//	                  value costs 4 cells, not the 12 of a row of its own, and the builder fills
//	                  the open row of each kind before it starts another.
//	base_alu          add, sub, mul, inv (out·b = 1, so 1/0 has no trace), copy, assert_eq.
//	                  Reads 2, writes 1. Div is mul by inv.
//	ext_alu           the same over E, mul by E = F[w]/(w^4 - 3) (gnark-crypto's tower, which
//	                  prover/stark's E is). A base operand is read as a lifted value, free.
//	select            (out1, out2) = (a, b) or (b, a) by a boolean bit. Reads 3, writes 2.
//	poseidon2_io      width 16: reads in[16], asks p2air's chip for (in, out) on BusPoseidon2,
//	                  writes out[0..8) (Compress keeps no more; out[8..16) is in the message).
//	                  The high half of in may be advice instead of a read: a Merkle path's
//	                  sibling is a witness only this row uses, so it needs no init row. It can swap the halves of in by a bit it reads, so a Merkle
//	                  level (node and sibling ordered by an index bit, then compressed) is one
//	                  row, not eight selects and a compression.
//	poseidon2_24_io   width 24 (hash.HashElements' sponge, prover/stark's transcript), on
//	                  BusPoseidon2x24. The capacity (eight elements nothing but the next
//	                  permutation reads) moves as two extension-shaped values (Capacity): two
//	                  reads and two writes where base values took sixteen.
//	bits              the canonical 31-bit decomposition of a base element: bits boolean,
//	                  Σ bit_i·2^i = x, and x < p (bits 24..30 all one forces bits 0..23 to zero,
//	                  through a chain of 6 products), so each element has one decomposition.
//	public            public value i of the proof, by a one-hot preprocessed selector.
//	limbs             pack (reads four base values, writes the extension value with those limbs)
//	                  or unpack (reads an extension value, writes its limbs as base values). The
//	                  limbs are the row's only main columns and both tuples read them, so the
//	                  memory bus is the whole rule: no constraint.
//	horner            acc·α^12 + Σ_j f_j·α^(11-j): twelve steps acc_j = acc_(j-1)·α + f_j of
//	                  degree 2, each f_j a base value read (or zero in a chain's first row's
//	                  leading slots), acc read (or zero on a chain's first row). HornerBase
//	                  evaluates a polynomial with base coefficients at an extension point: the
//	                  DEEP batching of opened rows, 8.7 cells a value where an ext mul and add
//	                  cost 48.
//
// Padding rows have every flag and multiplicity zero: they constrain nothing and move nothing on
// the buses. The two p2air tables (poseidon2, poseidon2_24) close the AIR; they merge repeated
// permutations into one row.
//
// Committed cells per instruction (BenchmarkCells; main columns plus LogUp columns, 4 cells each;
// the preprocessed columns are in the VK): base op 15, ext op 24, select 21, limbs 28, bits 106,
// init 32 (8 base values), horner 104 (12 values), Poseidon2
// 266 at width 16 (93 in poseidon2_io, 173 in p2air) and 376 at width 24 (128 + 248). Memory fractions
// dominate the I/O rows: 25 reads and writes cost 60 LogUp cells against 33 main cells.
//
// # Execution
//
// Program.Execute runs the program on the witness and returns every table's trace. A witness the
// program rejects is a typed error at generation (ErrAssertion, ErrInverseZero, ErrNotBoolean),
// and the AIR rejects a trace that lies where generation would have refused: the tamper tests
// forge one row per rule and check both that the rule catches it and that, without the rule, the
// forgery proves.
//
// # Gadgets
//
// Built on the instructions, each checked against its prover/hash or prover/stark original:
// Compress and MerkleRoot (hash.Compress, hash.RootFromProof), HashElements (the width-24
// sponge), Pack/Unpack (extension limbs, one limbs row each), Transcript (observe,
// sample, SampleBits, CheckPoW, as stark.Transcript) and VerifyBatch (stark's multi-height
// batched Merkle opening, run on a real proof's opening in TestVerifyBatchOnStarkProof).
//
// # Slice 2: the STARK verifier as a program
//
// The builder mirrors prover/stark's Verify step by step, for one child VK and proof shape:
//   - transcript: the width-24 duplex of stark.Transcript (rate 16, capacity keyed by the domain
//     digest, which is a constant of the program), observe = overwrite the next rate cell,
//     sample = permute when needed and read the rate backwards, exactly as transcript.go; labels
//     and digests are constants or witness values observed in the same order as Verify.
//   - proof-of-work (LogUp grinding and FRI's): observe the witnessed nonce in a clone of the
//     state, sample, Bits, assert the low bits zero. SampleBits' rejection of p-1 (probability
//     2^-31) cannot branch: the program asserts the sample ≠ p-1 and the prover regrinds (or the
//     recursion prover refuses, a completeness loss of 2^-31 per draw).
//   - the out-of-domain check (built: ConstraintCheck, constraint.go): prover/stark compiles each
//     table's constraints into a straight-line program (expr.go, exported read-only as
//     stark.ConstraintView) whose instructions (add, sub, mul over F/E slots) map one to one onto
//     ext_alu instructions, with base slots read as lifted values and LogUp columns packed from
//     their four opened base columns; the outputs are folded with α powers per selector, the
//     selectors' factors come from ζ^n by squarings and one ExtInv each, and the sum is asserted
//     equal to Z_H(ζ) times the quotient chunks' recombination (Horner in ζ^n). α and γ powers and
//     ζ's squarings are computed once per program and shared by the child's tables. Cost
//     (BenchmarkConstraintCheck): about 1.26 ext_alu rows per child program op, 707 committed
//     cells per child constraint for a recursion child (554 constraints, 11,355 ops: 392k
//     cells), 376 for the small test AIR.
//   - the replay up to DEEP (built: ReplayChallenges and CheckOutOfDomain, replay.go): the
//     preamble, roots, LogUp grinding, β, γ, α, ζ (asserted outside F), every opening observed,
//     the DEEP α; with the bus balance (a zero total for tables without interactions) and each
//     table's ConstraintCheck. For a recursion child it is 712k cells (BenchmarkCheckOutOfDomain:
//     14.3k ext_alu rows, almost all the constraint programs', 4.1k init rows, 2.5k limbs rows
//     to observe the opened values, 624 width-24 permutations).
//   - DEEP and FRI (built: VerifyProof, verify.go): after the replay, FRI's commit phase (each
//     round's root observed, β sampled), the final polynomial observed, the FRI grinding, and the
//     query indices (SampleBits: one Bits row per query, whose bits every later step reuses). Per
//     query: the four input rounds' openings (VerifyBatch with stark's round shapes, the
//     preprocessed round only for tables with preprocessed columns; an empty round's root is
//     asserted zero once); the points from the index bits: 1/y_L = Π_j (bit_j ? ω_L^(-2^(L-1-j)) : 1)
//     by one Select and one Mul per bit, then 1/Y_r = (1/y_L)^(2^r) by a squaring per FRI round,
//     which serves both FRI round r (Y_r is ±y of its pair) and the DEEP bucket of LDE height
//     2^(L-r) (x = shift/(1/Y_r), one Inv); per bucket (stark.Buckets: by LDE height, tallest
//     first) the batched row Σ_k α^k·f_k in stark's column order (HornerBase) and the quotient
//     (A(x)-A(ζ))/(x-ζ) + α^K·(A(x)-A(ζω))/(x-ζω), the claims A(ζ), A(ζω) computed once per
//     program (Horner in α over the claimed values, α^K by squarings); per FRI round the pair's opening (one 8-wide matrix at (idx>>r)>>1), four Selects
//     by bit r that put the query's side first (asserted equal to the running value) so that
//     foldPair's (e0-e1)/(2y) is (e_side-e_other)/(2·Y_r) with no sign to select, the roll-in of
//     the next bucket (β²·value) at its height, and the final polynomial by Horner at Y_R (one Inv).
//     TestDeepValues pins the indices and DEEP values to stark.QueryValues; TestVerifyProofTampers
//     changes every kind of proof value alone and checks that both the program and stark.Verify
//     refuse it.
//   - the child as program variables: StarkProof, allocated by AllocProof in the order
//     ProofWitness lists a stark.Proof's values (a proof of another shape is ErrShape). The shape
//     (parameters, heights) is a constant of the program, checked when it is built by
//     stark.VerifyingKey.CheckStatement, Verify's own shape check (security floor included:
//     ChildShape.Config, DefaultVerifierConfig unless a test lowers it). With a variable
//     preprocessed root the bound key digest is Compress(StructureDigest, root), so one program
//     verifies children of one AIR whose programs differ (TestVerifyProofVariableRoot).
//   - recursion proofs use RecursionParams (rate 1/8, 28 queries, 20 + 16 grinding bits: 104
//     conjectured FRI bits, 104.0 in total on a recursion proof's shape, TestRecursionProof).
//     A recursion proof of a recursion proof proves and verifies (TestRecursionOfRecursion).
//   - lift and join: see Aggregation below.
//
// Cost (BenchmarkVerifyProof; cells are instruction rows × committed cells per row, trace cells
// the padded traces'): the test AIR's child at TestParams 148k cells; at DefaultParams 1.28M
// (100 queries; Poseidon2 76%); a recursion proof at RecursionParams 3.61M cells, 4.81M trace
// cells (ext_alu 19.5k rows, init 6.5k, horner 4.1k, poseidon2_io 3.8k, poseidon2_24_io 3.5k;
// Poseidon2 65%). Before the horner chip and the packed init rows it was 6.1M and 8.2M, the DEEP
// batching (an ext mul and add per opened column per query) most of the ext_alu rows.
//
// Aggregation (BenchmarkLiftProgram, a po2-16 segment at DefaultParams and the join at
// RecursionParams, both compiled to their common shape): 29.3M committed cells each, down from
// 54.9M (lift ext_alu 53k rows, was 667k; init 41k, was 470k; horner 26.9k). Poseidon2 is now
// 73% of it, 229 width-16 and 228 width-24 permutations per query of the 100, inherent to the
// child's commitments: the lift sets the shape's Poseidon2 tables at 2^15 where the join alone
// needs 2^14 (a join of join-shaped children, at its own shape, is 11.8M cells).
// BenchmarkLiftProve times the lift's proof against its segment's.
//
// # Aggregation
//
// aggregate.go and runs.go define four programs over one claim layout (NumClaim public values:
// the key set's root, a kind, a segment-claim-shaped body, a last index or run count): lift (a
// segment proof verifies under the rv64 key), join (two consecutive ranges of one run), seal (a
// whole run from the image to exit 0, as a sequence of one run) and chain (two sequences of
// runs, their journals under a digest tree the verifier recomputes). Every program pins its own
// claim's kind and checks its children's, and every child's key, derived in the program from the
// shared structure digest and the child's preprocessed root, must lie in the key set whose root
// the claim names (a Merkle path). All programs are compiled to one shape (VKSet.Shape, found by
// iteration: a verifier of taller children is taller), so each verifies the others.
//
// The key set (vkset.go) is the join, seal and chain keys and one lift key per segment shape of
// rv64's menu (rv64.Shapes, po2 16..22): segment proofs are padded to a menu shape so that their
// lift is one of a fixed set of programs, as SP1 does with its shard shapes. ProductionSet is
// pinned in keyset_table.go, regenerated by TestProductionKeySet. Aggregator proves lifts and
// joins (compiling and setting up each program on first use, refusing a stale pin), and
// Aggregate joins pairwise, level by level. A succinct receipt's seal is the final proof's
// preprocessed root and STARK proof (MarshalSeal); SuccinctVerifier checks it natively against
// the run's claim (VerifySuccinct) or a sequence of runs' journals (VerifyRuns) without setup.
//
// prover/stark exports, read-only, what the program mirrors (export.go): ConstraintView,
// SelectorFactors, RecombineQuotient, RowGenerator, ExtBasis and ProofChallenges for the
// out-of-domain check, and CheckStatement, Buckets, CosetShift and QueryValues for the rest.
package recursion
