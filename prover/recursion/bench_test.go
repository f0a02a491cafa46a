package recursion

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/zkexex/zkexex/prover/stark"
)

// rowCells is the committed cells per row of each table of a program's AIR (main columns and
// LogUp columns, 4 base cells each; the preprocessed columns are in the verifying key), and the
// preprocessed cells per row.
func rowCells(tb testing.TB, p *Program) (cells, pre map[string]int) {
	air, err := p.AIR("cells")
	if err != nil {
		tb.Fatal(err)
	}
	cells, pre = map[string]int{}, map[string]int{}
	for c, t := range air.Tables() {
		cells[t.Name()] = t.Width() + 4*t.LogUpColumns()
		if c < int(numChips) {
			pre[t.Name()] = preWidth(chipKind(c), p.numPublic)
		}
	}
	return cells, pre
}

// BenchmarkCells reports what one instruction of each kind commits per proof: a Poseidon2 call is
// a poseidon2_io row plus a p2air row.
func BenchmarkCells(b *testing.B) {
	s := everyChip(b, rand.New(rand.NewPCG(1, 2)))
	cells, pre := rowCells(b, s.prog)
	for b.Loop() {
	}
	b.ReportMetric(float64(cells["poseidon2_io"]+cells[permutationTable]), "cells/poseidon2")
	b.ReportMetric(float64(cells["poseidon2_24_io"]+cells[permutationTable24]), "cells/poseidon2_24")
	b.ReportMetric(float64(cells["ext_alu"]), "cells/ext_op")
	b.ReportMetric(float64(cells["base_alu"]), "cells/base_op")
	b.ReportMetric(float64(cells["select"]), "cells/select")
	b.ReportMetric(float64(cells["bits"]), "cells/bits")
	b.ReportMetric(float64(cells["limbs"]), "cells/limbs")
	b.ReportMetric(float64(pre["poseidon2_io"]), "pre_cells/poseidon2")
	b.ReportMetric(float64(pre["ext_alu"]), "pre_cells/ext_op")
}

// benchProgram is a verifier-like workload of about 2^14 rows in its tallest tables: Merkle
// openings (index bits, selects, compressions) and a Horner evaluation in E, the shape of the OOD
// check and the DEEP quotients.
func benchProgram(tb testing.TB) statement {
	const paths, depth, horner = 100, 16, 7600
	tree := testTree(tb, depth)
	root := tree.Root()
	b := NewBuilder()
	var w []E
	for i := range paths {
		index := (i * 2654435761) & (1<<depth - 1)
		var leaf Digest
		for j := range leaf {
			leaf[j] = b.Witness()
		}
		bits := b.Bits(b.Witness())
		sibs := make([]Digest, depth)
		for l := range sibs {
			for j := range sibs[l] {
				sibs[l][j] = b.Witness()
			}
		}
		got := b.MerkleRoot(leaf, bits[:], sibs)
		for j := range got {
			b.AssertEq(got[j], b.Const(root[j]))
		}
		w = append(w, merkleWitness(tree.Leaf(index), index, tree.Proof(index))...)
	}
	z := b.WitnessExt()
	w = append(w, fromCoeffs([]F{fe(3), fe(1), fe(4), fe(1)}))
	acc, c := b.ConstExt(E{}), b.ConstExt(Lift(fe(5)))
	for range horner {
		acc = b.ExtAdd(b.ExtMul(acc, z), c)
	}
	prog, err := b.Compile()
	if err != nil {
		tb.Fatal(err)
	}
	return statement{prog, nil, w}
}

func BenchmarkProve2to14(b *testing.B) {
	s := benchProgram(b)
	air, err := s.prog.AIR("bench")
	if err != nil {
		b.Fatal(err)
	}
	pk, err := stark.Setup(air, stark.DefaultParams())
	if err != nil {
		b.Fatal(err)
	}
	cells, _ := rowCells(b, s.prog)
	total := 0
	var traces []*stark.Matrix
	b.ResetTimer()
	for range b.N {
		traces, err = s.prog.Execute(nil, s.witness)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := stark.Prove(context.Background(), pk, traces, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	for i, t := range air.Tables() {
		total += cells[t.Name()] * traces[i].Height
		b.ReportMetric(float64(traces[i].Height), "rows_"+t.Name())
	}
	b.ReportMetric(float64(total), "cells")
}

// BenchmarkConstraintCheck reports what the out-of-domain check of a child proof costs the
// recursion program, per child constraint (LogUp ones included) and per op of the child's compiled
// constraint programs: for the small test AIR (childAIR) and for a recursion proof itself (the
// AIR of everyChip's program: every chip, the Poseidon2 permutation tables included).
func BenchmarkConstraintCheck(b *testing.B) {
	rec := everyChip(b, rand.New(rand.NewPCG(1, 2)))
	rpk, rproof, err := rec.prove(b, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	cvk, cproof, cpub := childProof(b, 4)
	for _, c := range []struct {
		name   string
		vk     *stark.VerifyingKey
		proof  *stark.Proof
		public []F
	}{
		{"child", cvk, cproof, cpub},
		{"recursion", rpk.VerifyingKey(), rproof, rec.public},
	} {
		b.Run(c.name, func(b *testing.B) {
			var prog *Program
			var constraints int
			for b.Loop() {
				prog, _, constraints = constraintProgram(b, c.vk, c.proof, c.public)
			}
			ops := 0
			for i := range c.vk.AIR().Tables() {
				v, err := c.vk.ConstraintView(i)
				if err != nil {
					b.Fatal(err)
				}
				ops += len(v.Ops)
			}
			cells, _ := rowCells(b, prog)
			total := 0
			for ch := range numChips {
				total += prog.rows[ch] * cells[ch.String()]
			}
			b.ReportMetric(float64(constraints), "child_constraints")
			b.ReportMetric(float64(ops), "child_ops")
			b.ReportMetric(float64(prog.rows[chipExtALU]), "ext_ops")
			b.ReportMetric(float64(total), "cells")
			b.ReportMetric(float64(total)/float64(constraints), "cells/constraint")
			b.ReportMetric(float64(prog.rows[chipExtALU])/float64(ops), "ext_ops/child_op")
		})
	}
}

// BenchmarkCheckOutOfDomain reports the whole pre-FRI check of a child proof (CheckOutOfDomain:
// the transcript replay with every opening observed, the bus balance, every table's constraints
// at ζ) in committed cells, for a recursion proof as the child.
func BenchmarkCheckOutOfDomain(b *testing.B) {
	rec := everyChip(b, rand.New(rand.NewPCG(1, 2)))
	pk, proof, err := rec.prove(b, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	var prog *Program
	for b.Loop() {
		prog, _ = outOfDomainProgram(b, pk.VerifyingKey(), proof, rec.public, false)
	}
	cells, _ := rowCells(b, prog)
	total := 0
	for ch := range numChips {
		total += prog.rows[ch] * cells[ch.String()]
		b.ReportMetric(float64(prog.rows[ch]), "rows_"+ch.String())
	}
	total += prog.rows[chipPoseidon2x24] * cells[permutationTable24]
	b.ReportMetric(float64(total), "cells")
}

// BenchmarkVerifyProof reports the whole verifier program (VerifyProof) of a child proof: rows
// per chip, the instruction rows' committed cells (cells, p2air's tables counted at one row per
// permutation call) and the padded traces' committed cells (trace_cells), for the three-table
// test AIR at TestParams and DefaultParams and for a recursion proof at RecursionParams.
func BenchmarkVerifyProof(b *testing.B) {
	type child struct {
		s      ChildShape
		proof  *stark.Proof
		public []F
	}
	vk, proof, public := childProof(b, 4)
	dvk, dproof, dpublic := childProofAt(b, 4, 0, stark.DefaultParams())
	_, rvk, rproof := recursionProof(b, shapeOf(vk, proof), proof, public)
	for _, c := range []struct {
		name string
		c    child
	}{
		{"test_air/TestParams", child{shapeOf(vk, proof), proof, public}},
		{"test_air/DefaultParams", child{ChildShape{VK: dvk, Params: dproof.Params, LogHeights: dproof.LogHeights}, dproof, dpublic}},
		{"recursion/RecursionParams", child{ChildShape{VK: rvk, Params: RecursionParams(), LogHeights: rproof.LogHeights}, rproof, public}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var prog *Program
			var w []E
			for b.Loop() {
				prog, w = verifierProgram(b, c.c.s, c.c.proof, false)
			}
			traces, err := prog.Execute(c.c.public, w)
			if err != nil {
				b.Fatal(err)
			}
			cells, _ := rowCells(b, prog)
			total, padded := 0, 0
			for ch := range numChips {
				total += prog.rows[ch] * cells[ch.String()]
				b.ReportMetric(float64(prog.rows[ch]), "rows_"+ch.String())
			}
			total += prog.rows[chipPoseidon2]*cells[permutationTable] + prog.rows[chipPoseidon2x24]*cells[permutationTable24]
			air, err := prog.AIR("cells")
			if err != nil {
				b.Fatal(err)
			}
			for i, t := range air.Tables() {
				padded += traces[i].Height * cells[t.Name()]
			}
			b.ReportMetric(float64(total), "cells")
			b.ReportMetric(float64(padded), "trace_cells")
			b.ReportMetric(float64(prog.rows[chipPoseidon2]*(cells["poseidon2_io"]+cells[permutationTable])+
				prog.rows[chipPoseidon2x24]*(cells["poseidon2_24_io"]+cells[permutationTable24]))/float64(total), "poseidon2_share")
		})
	}
}

// BenchmarkProveVerifier times proving, under RecursionParams, the verifier program of a recursion
// proof (the second level of recursion: what a join costs per child), with its trace shape.
func BenchmarkProveVerifier(b *testing.B) {
	vk, proof, public := childProof(b, 4)
	_, rvk, rproof := recursionProof(b, shapeOf(vk, proof), proof, public)
	prog, w := verifierProgram(b, ChildShape{VK: rvk, Params: RecursionParams(), LogHeights: rproof.LogHeights}, rproof, false)
	air, err := prog.AIR("bench")
	if err != nil {
		b.Fatal(err)
	}
	pk, err := stark.Setup(air, RecursionParams())
	if err != nil {
		b.Fatal(err)
	}
	var traces []*stark.Matrix
	var out *stark.Proof
	for b.Loop() {
		if traces, err = prog.Execute(public, w); err != nil {
			b.Fatal(err)
		}
		if out, err = stark.Prove(context.Background(), pk, traces, public); err != nil {
			b.Fatal(err)
		}
	}
	cells, _ := rowCells(b, prog)
	total, maxH := 0, 0
	for i, t := range air.Tables() {
		total += cells[t.Name()] * traces[i].Height
		maxH = max(maxH, traces[i].Height)
	}
	enc, err := out.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(total), "trace_cells")
	b.ReportMetric(float64(maxH), "max_rows")
	b.ReportMetric(float64(len(enc)), "proof_bytes")
}
