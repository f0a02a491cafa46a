package recursion

import (
	"context"
	"testing"
	"time"

	"github.com/zkexex/zkexex/prover/rv64"
	"github.com/zkexex/zkexex/prover/stark"
)

// programCells is a program's committed cells: padded rows × (main + LogUp cells) per table.
func programCells(tb testing.TB, p *Program) int {
	cells, _ := rowCells(tb, p)
	air, err := p.AIR("cells")
	if err != nil {
		tb.Fatal(err)
	}
	n := 0
	for i, t := range air.Tables() {
		n += cells[t.Name()] << uint(p.Shape()[i])
	}
	return n
}

// BenchmarkAggregate proves a three-segment po2-16 run at the production parameters (segments at
// stark.DefaultParams, aggregation at RecursionParams), lifts and joins it, and reports the lift
// and join times against the segments' proving time, the aggregation shape, the succinct
// receipt's size and its native verification time.
func BenchmarkAggregate(b *testing.B) {
	start := time.Now()
	run := proveAggRun(b, stark.DefaultParams(), "\x00bench")
	segTime := time.Since(start)
	segPK, err := rv64.ProvingKey(stark.DefaultParams())
	if err != nil {
		b.Fatal(err)
	}
	shapes := run.shapes
	start = time.Now()
	set, agg, err := BuildVKSet(context.Background(), segPK.VerifyingKey(), &VKSet{Params: RecursionParams(), SegmentParams: stark.DefaultParams(), Segments: shapes})
	if err != nil {
		b.Fatal(err)
	}
	setupTime := time.Since(start)
	var liftTime, joinTime, verifyTime time.Duration
	var size int
	for b.Loop() {
		start = time.Now()
		lifts := run.lifts(b, agg)
		liftTime = time.Since(start) / time.Duration(len(lifts))
		start = time.Now()
		final, err := agg.Aggregate(context.Background(), lifts, 1)
		if err != nil {
			b.Fatal(err)
		}
		joinTime = time.Since(start) / time.Duration(len(lifts)-1)
		segs := run.comp.Segments
		sr, err := Succinct(final, &segs[0].Claim, &segs[len(segs)-1].Claim, run.res.Journal)
		if err != nil {
			b.Fatal(err)
		}
		enc, _ := sr.MarshalBinary()
		size = len(enc)
		v := NewSuccinctVerifier(set)
		start = time.Now()
		if err := sr.Verify(run.res.ImageID, v); err != nil {
			b.Fatal(err)
		}
		verifyTime = time.Since(start)
	}
	join := agg.progs[0].prog
	b.Logf("aggregation shape %v; join rows %v", set.Shape, join.Rows())
	b.Logf("segments: %d proven in %v; %d keys set up in %v", len(run.proofs), segTime, len(set.Keys), setupTime)
	b.ReportMetric(float64(programCells(b, join)), "cells/aggregation")
	b.ReportMetric(liftTime.Seconds(), "s/lift")
	b.ReportMetric(joinTime.Seconds(), "s/join")
	b.ReportMetric(segTime.Seconds()/float64(len(run.proofs)), "s/segment")
	n := float64(len(run.proofs))
	b.ReportMetric((liftTime.Seconds()*n+joinTime.Seconds()*(n-1))/segTime.Seconds(), "aggregation/segments")
	b.ReportMetric(float64(size), "receipt_bytes")
	b.ReportMetric(float64(verifyTime.Microseconds())/1000, "verify_ms")
}
