package recursion

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zkexex/zkexex/prover/rv64"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
	"github.com/zkexex/zkexex/stf"
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

// BenchmarkAggregate proves segments at the production parameters (stark.DefaultParams), builds
// a key set for their shapes (aggregation at RecursionParams), lifts them and joins them into one
// proof, shrunk at ShrinkParams as a receipt's seal. It reports the lift and join times against
// the segments' proving time, the aggregation programs' committed cells, the shrink's time, the
// seal's size and its native verification time.
//
//   - loop/po2=16: a three-segment run of a small program;
//   - stf/po2=20: the STF guest's first four segments from its image on generated-10 (the guest
//     ELF from $ZKEXEX_GUEST_ELF, else built from stf/guest).
func BenchmarkAggregate(b *testing.B) {
	// Aggregation at RecursionParams (rate 1/8, 28 queries) and at rate 1/2 with 84 queries (both
	// 100 conjectured FRI bits with their grinding): a lower rate makes every recursion proof
	// cheaper per cell and every verifier of one larger.
	variants := []struct {
		name   string
		params stark.Params
	}{
		{"rate=1/8", RecursionParams()},
		{"rate=1/2", stark.Params{LogBlowup: 1, NumQueries: 84, PoWBits: 16, LogFinalPolyLen: 3, LogUpPoWBits: 16}},
	}
	workloads := []struct {
		name  string
		prove func(b *testing.B) *aggRun
	}{
		{"loop/po2=16", func(b *testing.B) *aggRun { return proveAggRun(b, stark.DefaultParams(), loopJournal, "\x00bench") }},
		{"stf/po2=20", func(b *testing.B) *aggRun { return proveSTFSegments(b, 20, 4) }},
	}
	for _, w := range workloads {
		b.Run(w.name, func(b *testing.B) {
			start := time.Now()
			run := w.prove(b)
			segTime := time.Since(start)
			for _, v := range variants {
				b.Run(v.name, func(b *testing.B) { benchAggregate(b, run, segTime, v.params) })
			}
		})
	}
}

func benchAggregate(b *testing.B, run *aggRun, segTime time.Duration, params stark.Params) {
	segPK, err := rv64.ProvingKey(stark.DefaultParams())
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	set, agg, err := BuildVKSet(context.Background(), segPK.VerifyingKey(), &VKSet{Params: params, SegmentParams: stark.DefaultParams(), ShrinkParams: ShrinkParams(), Segments: distinctShapes(run)})
	if err != nil {
		b.Fatal(err)
	}
	setupTime := time.Since(start)
	var liftTime, joinTime, shrinkTime, verifyTime time.Duration
	var size int
	n := len(run.proofs)
	for b.Loop() {
		start = time.Now()
		lifts := run.lifts(b, agg)
		liftTime = time.Since(start) / time.Duration(n)
		start = time.Now()
		final, err := agg.Aggregate(context.Background(), lifts, 0)
		if err != nil {
			b.Fatal(err)
		}
		joinTime = time.Since(start) / time.Duration(n-1)
		start = time.Now()
		shrunk, err := agg.Shrink(context.Background(), final)
		if err != nil {
			b.Fatal(err)
		}
		shrinkTime = time.Since(start)
		seal, err := shrunk.MarshalSeal()
		if err != nil {
			b.Fatal(err)
		}
		size = len(seal)
		start = time.Now()
		if err := set.VerifyShrunk(shrunk, stark.DefaultVerifierConfig()); err != nil {
			b.Fatal(err)
		}
		verifyTime = time.Since(start)
	}
	join := agg.progs[keyJoin].prog
	b.Logf("aggregation shape %v; join rows %v; shrink shape %v", set.Shape, join.Rows(), set.ShrinkShape)
	b.Logf("%d segments proven in %v; %d keys set up in %v", n, segTime, len(set.Keys), setupTime)
	b.ReportMetric(float64(programCells(b, join)), "cells/program")
	b.ReportMetric(liftTime.Seconds(), "s/lift")
	b.ReportMetric(joinTime.Seconds(), "s/join")
	b.ReportMetric(segTime.Seconds()/float64(n), "s/segment")
	b.ReportMetric((liftTime.Seconds()*float64(n)+joinTime.Seconds()*float64(n-1))/segTime.Seconds(), "aggregation/segments")
	b.ReportMetric(shrinkTime.Seconds(), "s/shrink")
	b.ReportMetric(float64(size), "seal_bytes")
	b.ReportMetric(float64(verifyTime.Microseconds())/1000, "verify_ms")
}

var errEnough = errors.New("enough segments")

// proveSTFSegments proves the STF guest's first k segments at po2 from its image on
// generated-10, at DefaultParams.
func proveSTFSegments(b *testing.B, po2, k int) *aggRun {
	path := os.Getenv("ZKEXEX_GUEST_ELF")
	if path == "" {
		path = filepath.Join(b.TempDir(), "guest")
		if err := stf.BuildGuest(context.Background(), path); err != nil {
			b.Skip("STF guest does not build here: ", err)
		}
	}
	elf, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	prog, err := vm.LoadELF(elf)
	if err != nil {
		b.Fatal(err)
	}
	img, _, err := vm.BuildImage(context.Background(), prog, vm.Config{})
	if err != nil {
		b.Fatal(err)
	}
	input, err := os.ReadFile("../../stf/testdata/generated-10/input.bin")
	if err != nil {
		b.Fatal(err)
	}
	run := &aggRun{}
	_, err = vm.ExecuteImage(context.Background(), img, prog, vm.Config{Po2: po2, Stdin: input, OnSegment: func(seg *vm.Segment) error {
		if err := run.add(seg, stark.DefaultParams()); err != nil {
			return err
		}
		if len(run.proofs) == k {
			return errEnough
		}
		return nil
	}})
	if !errors.Is(err, errEnough) {
		b.Fatalf("executing the guest: %v", err)
	}
	return run
}

// add proves seg and records what aggregation needs.
func (r *aggRun) add(seg *vm.Segment, params stark.Params) error {
	rc, err := rv64.Prove(context.Background(), seg, params)
	if err != nil {
		return err
	}
	p, err := stark.DecodeProof(rc.Seal)
	if err != nil {
		return err
	}
	r.segs = append(r.segs, *rc)
	r.proofs = append(r.proofs, p)
	r.publics = append(r.publics, rv64.PublicValues(&rc.Claim))
	r.shapes = append(r.shapes, SegmentShape{Po2: int(seg.Po2), LogHeights: p.LogHeights})
	return nil
}
