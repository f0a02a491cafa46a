// Package rv64 is the RISC-V AIR: the multi-table statement, on prover/stark, that one segment of
// the proven machine (DESIGN.md "The proven machine", ABI v1: RV64IMA, traps, registers as
// memory words on the machine page) ran from its start (pc, root) to its end (pc, root): the
// tables (segment.go lists them: CPU, decode, memory, system, journal, paging, Poseidon2, ALU and
// lookup tables), their trace generation from the executor's steps (gen.go), Prove and the
// receipt seal verifier. This comment is the architecture; each table's file argues its rules.
//
// # Values
//
// A 64-bit value travels on every bus as 4 little-endian 16-bit limbs (memory words likewise):
// 16-bit limbs halve the bus width against bytes, and a limb sum a_k + b_k + carry < 2^17 stays far
// below p = 2^31 - 2^24 + 1. Products are formed on bytes (16 x 16-bit products overflow p):
// a chip that multiplies re-reads its operands as 8 bytes each, tied to the limbs on the bus by
// limb = lo + 256·hi. Range checks are 16-bit limb lookups where a value is a limb, byte lookups
// where a chip needs the bytes. A sign bit s of a byte t is shown by looking up 2·(t - 128·s), a
// byte only for the true bit (of a limb l: 2·(l - 2^15·s), a limb only for the true bit). The CPU guarantees that the operand limbs it
// sends are in range (they come from memory, whose written values are range-checked once, by the
// chip that produced them); every chip guarantees that the result limbs it returns are.
//
// # Tables and buses
//
// One row per cycle in the CPU table; everything else is a chip the CPU talks to over LogUp
// buses (stark.Table.Send/Receive). Message layouts, values in F:
//
//	BusALU     (op, a[4], b[4], r[4])        CPU sends, one ALU chip receives             (this slice)
//	BusByte    (v)                           anyone sends, byte table (256 rows) receives (this slice)
//	BusRange16 (v)                           anyone sends, 16-bit range table (2^16) receives (this slice)
//	BusAnd     (x, y, x AND y)               bitwise chip sends, pair table (2^16) receives (this slice)
//	BusShift   (x, s, x >> s, x mod 2^s)     shift chip sends, byte-shift table (9·256) receives (this slice)
//	BusMem ... BusJournal                    the segment's buses: memarg.go has their message layouts
//	                                         (memory argument, CPU → memory and system tables, decode,
//	                                         code words, page flags, Poseidon2, Merkle, journal)
//
// ALU chips, one per instruction class so that each is narrow and only pays for its own columns
// (SP1 and OpenVM split the same way, PRIOR-ART.md): add/sub (+W, and the immediate forms, which
// the CPU sends as the same ops with b = the sign-extended immediate), bitwise, comparisons (SLT,
// SLTU, and the branch conditions BLT..BGEU read off the same message; BEQ/BNE are the CPU's own
// zero test on a - b), multiplication, shifts and division. Each receives
// (op, a, b, r) with multiplicity is_real = Σ of its one-hot operation flags, so a padding row
// receives nothing.
//
// Registers are memory (ABI v1): operand i of an instruction is the word at MachineBase + 8·r in
// user mode and MachineBase + 0x100 + 8·r in kernel mode, accessed through BusMem like any load,
// at timestamps 4·cycle + slot (slot 0 rs1, 1 rs2, 2 the memory operand, 3 rd). Loads and stores
// go to a memory chip that handles byte offsets and sign extension, and splits a misaligned
// access into two aligned words. The page table pages every touched page in against the start
// root and out into the end root through a Poseidon2 chip running prover/hash's permutation, so
// the roots are public values. Host calls are rows of a host table: READ writes advice bytes to
// memory (unconstrained values, constrained addresses), WRITE to fd 3 absorbs the journal bytes
// into a running Poseidon2 digest, HALT fixes the public exit code.
//
// # Traps, mret and the mode
//
// The mode word (MachineBase + 0x200) would cost a memory access per cycle if every instruction
// read it. Instead the CPU carries mode as a column, constant from row to row except across a
// trap or mret row, read from memory on the segment's first row and written on its last (the
// page-out then holds it). The register bank is MachineBase + 0x100·mode + 8·r, an affine
// expression of columns. The decode table classifies every word it decodes through a preprocessed
// table of the 2^10 (opcode, funct3) pairs (class, and which funct7 values are legal): a word
// outside RV64IMA decodes to class "illegal", which in user mode is a trap with cause 2 (ecall:
// cause 8) and in kernel mode has no valid CPU row, so the kernel-bug stop is simply unprovable.
// Traps, mret and host calls are rare, so their memory writes (cause, epc, mode) and the host
// calls' effects live in a separate system table that the CPU row sends (ts, pc, class, a0..a2)
// to, keeping those columns out of the hot CPU table.
//
// # Fetch and decode: from memory, not a preprocessed program table
//
// A preprocessed program table would make the verifying key depend on the image: the recursion
// would need a verifying key per image (or to take the program commitment as input), and every
// segment would commit a multiplicity column as tall as the whole program (the STF guest's
// .text is 4.6 MB, about 1.2 million instructions, taller than a 2^20-cycle segment). We decode from memory:
// a per-segment decode table has one row per distinct (pc, instruction word) the segment
// executes, reads that word through BusMem at timestamp 0 (its page-in value), decodes it with
// its 32 bits as columns, and sends the decoded fields on BusDecode with multiplicity = times
// executed. The bit decomposition is paid per distinct instruction, not per cycle. So the
// verifying keys depend only on table heights: one small fixed set per po2, which the recursion
// verifier can hard-code, and the image binds through the start root alone. Because the decode
// table reads code as it was at the segment's start, a store into a page the segment fetches
// from must be refused: the page table flags fetched pages, and every store looks its page up
// with flag 0 (one lookup per store). The executor ends a segment before such a store, and before
// fetching from a page the segment wrote (never in Go programs, which do not write code); the
// next segment pages the new code in.
//
// # Public values
//
// image ID (8 elements), start pc (3 16-bit limbs: pc < 2^48), start root (8), end pc (3), end
// root (8), halted (1), exit code (1), journal digest (8), po2 (1), segment index (1): 42 elements
// (memarg.go). The image ID and the index are carried, bound by the transcript; the composite
// receipt checks them. The verifier also refuses a CPU table taller than 2^po2 rows. The CPU's first row takes the start
// pc, its last row gives the end pc; the page table's roots are the Poseidon2 chip's outputs.
//
// # Cells per cycle
//
// Cells are main columns plus 4 per LogUp column. The stark core batches fractions: two
// interactions whose denominators and multiplicities have degree <= 1 share one extension column
// (h·d1·d2 = m1·d2 + m2·d1, degree 3), and one more column holds the running sum. Measured
// (BenchmarkCells) for this slice, per event, main + extension (before batching and 16-bit
// limbs: main + extension):
//
//	add/sub          21 +  16 =  37   (25 +  44 =  69)
//	bitwise          27 +  24 =  51   (27 +  40 =  67)
//	comparisons      22 +  20 =  42   (28 +  64 =  92)
//	shifts           76 +  64 = 140   (76 +  84 = 160)
//	multiplication   58 + 112 = 170   (58 + 212 = 270)
//	division         89 + 128 = 217   (89 + 232 = 321)
//
// add/sub and comparisons range-check their results and differences as 16-bit limbs (one
// lookup and one column per limb instead of two of each) and show sign bits on limb 3 (or limb 1
// for the W forms) through the same table; multiplication, shifts and division still work on
// bytes, which their products and shift tables need. Estimate for a typical mix (Go STF: ~30%
// add-class, 5% bitwise, 5% shifts, 5% compare, 12% branches of which half compare through the
// ALU, 6% jumps, 25% loads, 10% stores, 1% mul, ~0.2% div), with the CPU at ~45 main columns and
// ~12 interactions (decode, ALU, 3 register accesses sending and receiving, their 3 timestamp-gap
// checks as one 16-bit lookup each), of degree 1, so 6 batched columns and the running sum:
//
//	CPU                        45 + 4·7                         ≈  73 per cycle
//	ALU chips                  .30·37 + .05·51 + .05·140
//	                           + .11·42 + .01·170 + .002·217    ≈  27
//	memory chip (loads/stores) ~35 × 0.35                       ≈  12
//	decode, paging, Poseidon2  amortised                        ≈   5..10
//	total                                                       ≈ 120 cells per cycle
//
// (It was ≈ 165 with one extension column per interaction and byte range checks.) The rest of
// the way to ≤ 100 must come from the CPU's main columns (SP1 keeps only the low limb of a
// register's previous timestamp, with a "bump" row when the high limb changes) and from moving
// the shift and division chips to 16-bit limbs where their byte decompositions are not needed.
//
// # Lookup tables
//
// The byte, byte-pair, byte-shift and 16-bit range tables are stark lookup tables
// (stark.Table.LookupTable): their keys are preprocessed columns, distinct (checked at Setup), so
// their multiplicity columns need no declared bound; the core bounds only the chips' total sends
// on each bus below p (for distinct keys, a value outside the table would need p copies of its
// fraction to cancel). Limb value 0, looked up millions of times per segment, is thus fine. The
// byte-shift table fills its 2^12 rows with splits at s = 0..15 (the chip uses s ≤ 8) so that its
// keys are distinct too: with copies of one entry as padding it needed a declared bound, which
// the STF guest's po2-21 and -22 segments exceeded.
package rv64
