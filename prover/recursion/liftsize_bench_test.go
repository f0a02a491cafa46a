package recursion

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/zkexex/zkexex/prover/rv64"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
	"github.com/zkexex/zkexex/prover/vm/vmtest"
)

// errStop ends a run after its first segment.
var errStop = errors.New("stop")

// firstSegment proves the first po2-16 segment of loopJournal at params: its proof (whose
// heights are the segment shape a lift is built for), public values and proving time.
func firstSegment(tb testing.TB, params stark.Params) (*stark.Proof, []F, time.Duration) {
	tb.Helper()
	prog, err := vm.LoadELF(vmtest.Build(tb, "rv64ima", loopJournal))
	if err != nil {
		tb.Fatal(err)
	}
	var proof *stark.Proof
	var public []F
	var took time.Duration
	cfg := vm.Config{Po2: vm.MinPo2, Stdin: []byte("\x00size"), OnSegment: func(seg *vm.Segment) error {
		start := time.Now()
		r, err := rv64.Prove(context.Background(), seg, params)
		if err != nil {
			return err
		}
		took = time.Since(start)
		if proof, err = stark.DecodeProof(r.Seal); err != nil {
			return err
		}
		public = rv64.PublicValues(&r.Claim)
		return errStop
	}}
	if _, err := vm.Execute(context.Background(), prog, cfg); !errors.Is(err, errStop) {
		tb.Fatalf("execute: %v", err)
	}
	return proof, public, took
}

// aggregationPrograms builds, as BuildVKSet does, the lift of a segment of the given heights
// (segments at segParams) and the join at RecursionParams over the common shape, compiled to it.
func aggregationPrograms(tb testing.TB, heights []int, segParams stark.Params) (lift, join *Program) {
	tb.Helper()
	segPK, err := rv64.ProvingKey(segParams)
	if err != nil {
		tb.Fatal(err)
	}
	lb, err := buildLift(ChildShape{VK: segPK.VerifyingKey(), Params: segParams, LogHeights: heights}, vm.MinPo2)
	if err != nil {
		tb.Fatal(err)
	}
	lp, err := lb.Compile()
	if err != nil {
		tb.Fatal(err)
	}
	shape := lp.Shape()
	var jb *Builder
	for {
		sk, err := structureKey(shape, RecursionParams())
		if err != nil {
			tb.Fatal(err)
		}
		jb, err = buildJoin(ChildShape{VK: sk, Params: RecursionParams(), LogHeights: shape}, depthFor(keyLifts+1))
		if err != nil {
			tb.Fatal(err)
		}
		jp, err := jb.Compile()
		if err != nil {
			tb.Fatal(err)
		}
		grown := shape.Max(jp.Shape())
		if slices.Equal(grown, shape) {
			break
		}
		shape = grown
	}
	if lift, err = lb.CompileShape(shape); err != nil {
		tb.Fatal(err)
	}
	if join, err = jb.CompileShape(shape); err != nil {
		tb.Fatal(err)
	}
	return lift, join
}

// reportProgram logs a program's rows and committed cells per chip and reports its totals.
func reportProgram(b *testing.B, name string, p *Program) {
	cells, _ := rowCells(b, p)
	air, err := p.AIR("cells")
	if err != nil {
		b.Fatal(err)
	}
	rows := p.Rows()
	var lines []string
	total := 0
	for i, t := range air.Tables() {
		c := cells[t.Name()] << uint(p.Shape()[i])
		total += c
		lines = append(lines, fmt.Sprintf("%-16s rows %8d  2^%-2d  cells/row %3d  cells %10d", t.Name(), rows[t.Name()], p.Shape()[i], cells[t.Name()], c))
	}
	sort.Strings(lines)
	for _, l := range lines {
		b.Logf("%s: %s", name, l)
	}
	b.ReportMetric(float64(total), "cells/"+name)
	b.ReportMetric(float64(rows["ext_alu"]), "ext_rows/"+name)
	b.ReportMetric(float64(rows["init"]), "init_rows/"+name)
}

// BenchmarkLiftProgram measures the aggregation programs a po2-16 segment needs: the lift of a
// segment proof at stark.DefaultParams and the join of two recursion proofs at RecursionParams,
// both at their common shape (which sets every aggregation proof's cost). It reports each
// program's committed cells (main and LogUp columns, padded) and its ext_alu and init rows, and
// logs rows and cells per chip.
func BenchmarkLiftProgram(b *testing.B) {
	seg, _, _ := firstSegment(b, stark.DefaultParams())
	heights := seg.LogHeights
	var lift, join *Program
	for b.Loop() {
		lift, join = aggregationPrograms(b, heights, stark.DefaultParams())
	}
	b.Logf("segment heights %v; aggregation shape %v", heights, lift.Shape())
	reportProgram(b, "lift", lift)
	reportProgram(b, "join", join)
}

// BenchmarkLiftProve proves the lift of a po2-16 segment proof (stark.DefaultParams) at
// RecursionParams, compiled to the aggregation shape that the join shares (so a join proof costs
// the same), and reports its proving time against the segment's.
func BenchmarkLiftProve(b *testing.B) {
	seg, public, segTime := firstSegment(b, stark.DefaultParams())
	lift, _ := aggregationPrograms(b, seg.LogHeights, stark.DefaultParams())
	segPK, err := rv64.ProvingKey(stark.DefaultParams())
	if err != nil {
		b.Fatal(err)
	}
	witness, err := ProofWitness(ChildShape{VK: segPK.VerifyingKey(), Params: stark.DefaultParams(), LogHeights: seg.LogHeights}, seg)
	if err != nil {
		b.Fatal(err)
	}
	claim := make([]F, ClaimKind) // the key set's root: free in a lift
	claim = append(claim, feU(KindSegments))
	claim = append(claim, public...)
	claim = append(claim, public[rv64.PubIndex])
	air, err := lift.AIR(AIRName)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	pk, err := stark.Setup(air, RecursionParams())
	if err != nil {
		b.Fatal(err)
	}
	setupTime := time.Since(start)
	var proveTime time.Duration
	var proof *stark.Proof
	for b.Loop() {
		start = time.Now()
		traces, err := lift.Execute(claim, witness)
		if err != nil {
			b.Fatal(err)
		}
		if proof, err = stark.Prove(context.Background(), pk, traces, claim); err != nil {
			b.Fatal(err)
		}
		proveTime = time.Since(start)
	}
	if err := stark.Verify(pk.VerifyingKey(), proof, claim, stark.DefaultVerifierConfig()); err != nil {
		b.Fatal(err)
	}
	b.Logf("shape %v; setup %v", lift.Shape(), setupTime)
	b.ReportMetric(float64(programCells(b, lift)), "cells/lift")
	b.ReportMetric(segTime.Seconds(), "s/segment")
	b.ReportMetric(proveTime.Seconds(), "s/lift")
	b.ReportMetric(proveTime.Seconds()/segTime.Seconds(), "lift/segment")
}
