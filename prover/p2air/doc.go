// Package p2air owns the Poseidon2 chip: a prover/stark table in which each row proves one
// permutation of prover/hash (width 16 or 24, bit-identical to hash.Permute16/Permute24), its
// trace generator, and the bus message through which other tables (paging, recursion) request it.
//
// # Bus message
//
// The chip receives, on the bus its table is declared with, the 2W-element tuple
//
//	(in[0], …, in[W-1], out[0], …, out[W-1])    with out = Permute_W(in)
//
// Message builds exactly this tuple for a sender. Use one bus per width: a width-16 message and a
// width-24 message whose last 16 elements are zero have the same fingerprint.
//
// # Columns (W = width, P = partial rounds: 20 for W = 16, 23 for W = 24)
//
//	in[W]                    the input state
//	full0[W] … full3[W]      the state after full rounds 0..3 (round key, S-box, then M_E)
//	partial[P]               the S-box output of element 0 in each partial round
//	full4[W] … full6[W]      the state after full rounds 4..6
//	out[W]                   the state after full round 7: the output
//	mult                     how many times the row's (in, out) is received
//
// Constraints are named after what they pin ("full round r, element i", "partial round j"): 8W + P
// of them, 148 for width 16 and 215 for width 24.
//
// 9W + P + 1 main columns: 165 for width 16, 240 for width 24. The single receive adds two
// extension columns (its LogUp fraction and the running sum, 8 base cells), so a permutation costs
// 173 cells at width 16 and 248 at width 24.
//
// Why this layout is minimal for degree-3 constraints with the S-box x^3: an S-box output is a cube,
// so it can only be constrained against a committed column (never fed into another cube without
// reaching degree 9). Each full round therefore commits W values, and each partial round the one
// element it cubes; the state between them is a linear form in committed columns, rebuilt inside
// the constraints (the initial M_E, the internal layers of the partial rounds, and the external
// layer after each full round's S-boxes). The input and the output are committed because the bus
// message needs them at degree <= 2. Committing the state after M_E rather than the bare S-box
// outputs costs the same and makes out[] a plain column. (Plonky3's Poseidon2 AIR with degree-3
// S-boxes and no S-box registers has the same count: W inputs, 8·W full-round and P partial-round
// cells.)
//
// Every constraint has the form column = (affine form of committed columns + round constant)^3
// (composed with a linear layer for full rounds), degree 3, with no selector: each row, padding
// included, is a complete permutation. Padding rows permute the zero state with mult = 0, so they
// receive nothing; a non-zero mult on one makes the table receive (0, P(0)), which no sender sends,
// and the bus does not balance.
//
// # Multiplicity
//
// mult is declared with bound MaxMult and is not range-checked, because soundness does not need
// it: every row's (in, out) is a true permutation pair whatever mult holds, so every pole on the
// chip's side of the LogUp sum is a true pair, and a sent tuple that is no true pair has a pole
// that nothing cancels unless it is sent a multiple of p times, which the verifier's bound on the
// senders' total excludes (the argument of stark.Table.LookupTable, with rows in place of keys).
// The bound only enters the verifier's check that the chip's receives total below p: a table of
// 2^23 rows (the most blowup 2 allows) receives at most 2^30 < p. Trace honours it by splitting a
// permutation requested more than MaxMult times over several rows.
package p2air
