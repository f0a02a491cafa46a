package rv64

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"go/format"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zkexex/zkexex/prover/vm"
)

// observed is a natural shape seen in calibration, with the number of sampled segments that had it.
type observed struct {
	shape Shape
	n     int
}

// join is the least shape that dominates every shape of ss (all of one po2).
func join(ss []observed) Shape {
	out := Shape{Po2: ss[0].shape.Po2, Log: slices.Clone(ss[0].shape.Log)}
	for _, o := range ss[1:] {
		for i, l := range o.shape.Log {
			out.Log[i] = max(out.Log[i], l)
		}
	}
	return out
}

// menuCost is the cells a menu commits over the observations, each at its cheapest dominating
// entry; ok is false when an observation has none.
func menuCost(menu []Shape, obs []observed) (cells int64, ok bool) {
	for _, o := range obs {
		s, err := pickShape(menu, o.shape)
		if err != nil {
			return 0, false
		}
		cells += int64(o.n) * s.Cells()
	}
	return cells, true
}

// calibrate chooses at most two shapes that together dominate every observation, with the
// fewest cells committed over them: the join of all, or the joins of the two sides of a split of
// the observations when that saves at least minSaving of the cells. Up to exhaustiveMax distinct
// observations every split is tried; above, a local search (move one observation to the other
// side while that lowers the cost) from thresholdStarts size thresholds and from seeded random
// splits.
func calibrate(obs []observed) []Shape {
	const (
		minSaving       = 0.05
		exhaustiveMax   = 16
		thresholdStarts = 32
		randomStarts    = 32
	)
	best := []Shape{join(obs)}
	bestCost, _ := menuCost(best, obs)
	splitCost := func(side []bool) (int64, []Shape) {
		var a, b []observed
		for i, o := range obs {
			if side[i] {
				b = append(b, o)
			} else {
				a = append(a, o)
			}
		}
		if len(a) == 0 || len(b) == 0 {
			return -1, nil
		}
		menu := []Shape{join(a), join(b)}
		c, _ := menuCost(menu, obs)
		return c, menu
	}
	var two []Shape
	var twoCost int64 = -1
	consider := func(side []bool) {
		if c, m := splitCost(side); c >= 0 && (twoCost < 0 || c < twoCost) {
			two, twoCost = m, c
		}
	}
	n := len(obs)
	if n <= exhaustiveMax {
		for mask := 1; mask < 1<<(n-1); mask++ {
			side := make([]bool, n)
			for i := range side {
				side[i] = mask>>i&1 == 1
			}
			consider(side)
		}
	} else {
		order := make([]int, n)
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(a, b int) int { return cmp.Compare(obs[a].shape.Cells(), obs[b].shape.Cells()) })
		var starts [][]bool
		for k := 1; k < n; k += max(1, n/thresholdStarts) {
			side := make([]bool, n)
			for _, i := range order[k:] {
				side[i] = true
			}
			starts = append(starts, side)
		}
		r := rand.New(rand.NewPCG(1, 2))
		for range randomStarts {
			side := make([]bool, n)
			for i := range side {
				side[i] = r.IntN(2) == 1
			}
			starts = append(starts, side)
		}
		for _, side := range starts {
			cost, _ := splitCost(side)
			for improved := true; improved; {
				improved = false
				for i := range side {
					side[i] = !side[i]
					if c, _ := splitCost(side); c >= 0 && (cost < 0 || c < cost) {
						cost, improved = c, true
						continue
					}
					side[i] = !side[i]
				}
			}
			consider(side)
		}
	}
	if two != nil && float64(twoCost) < (1-minSaving)*float64(bestCost) {
		return two
	}
	return best
}

// withHeadroom raises the cheap tables of each entry, so that segments unlike the observed ones
// in a small table (a few more atomics, system calls or I/O words) still fit a calibrated entry
// rather than MaxShape, which costs ten times as much. Steps of one level, cheapest first, up to
// MaxShape's height; a step is taken while it costs at most stepShare of the entry's cells and
// all steps together at most totalShare.
func withHeadroom(menu []Shape) []Shape {
	const stepShare, totalShare = 0.005, 0.03
	ts := shapeTablesMust()
	out := make([]Shape, len(menu))
	for k, s := range menu {
		s = Shape{Po2: s.Po2, Log: slices.Clone(s.Log)}
		maxS := MaxShape(s.Po2)
		budget := int64(totalShare * float64(s.Cells()))
		for {
			best, bestCost := -1, int64(0)
			for i, ti := range ts {
				if ti.fixed >= 0 || s.Log[i] >= maxS.Log[i] {
					continue
				}
				c := int64(ti.main+ti.ext) << uint(s.Log[i]) // doubling adds as many rows again
				if best < 0 || c < bestCost {
					best, bestCost = i, c
				}
			}
			if best < 0 || bestCost > int64(stepShare*float64(menu[k].Cells())) || bestCost > budget {
				break
			}
			s.Log[best]++
			budget -= bestCost
		}
		out[k] = s
	}
	return out
}

// TestCalibrateShapes runs the STF guest on stf/testdata/generated-10 at every po2, takes its
// segments' natural shapes, chooses the calibrated menu entries (calibrate, then withHeadroom)
// and writes shape_table.go. It runs only with ZKEXEX_CALIBRATE_SHAPES=1 (about ten minutes):
//
//	ZKEXEX_CALIBRATE_SHAPES=1 go test -run TestCalibrateShapes -timeout 60m ./prover/rv64/
func TestCalibrateShapes(t *testing.T) {
	if os.Getenv("ZKEXEX_CALIBRATE_SHAPES") != "1" {
		t.Skip("set ZKEXEX_CALIBRATE_SHAPES=1 to calibrate the shape menu")
	}
	const perPo2 = 1 << 20 // segments generated per po2 at most: all of generated-10's
	prog, img, input := stfGuest(t)
	var table strings.Builder
	var report strings.Builder
	for po2 := vm.MinPo2; po2 <= vm.MaxPo2; po2++ {
		// The run's segment count, to sample evenly across it.
		var total int
		if _, err := vm.ExecuteImage(context.Background(), img, prog, vm.Config{Po2: po2, Stdin: input,
			OnSegment: func(*vm.Segment) error { total++; return nil }}); err != nil {
			t.Fatal(err)
		}
		stride := max(1, (total+perPo2-1)/perPo2)
		var obs []observed
		var natCells int64
		var failed []string
		start := time.Now()
		_, err := vm.ExecuteImage(context.Background(), img, prog, vm.Config{Po2: po2, Stdin: input,
			OnSegment: func(seg *vm.Segment) error {
				if int(seg.Index)%stride != 0 {
					return nil
				}
				s, err := NaturalShape(context.Background(), seg)
				if err != nil {
					// A segment the prover cannot generate has no natural shape: report it, and
					// calibrate on the rest.
					failed = append(failed, fmt.Sprintf("segment %d: %v", seg.Index, err))
					return nil
				}
				natCells += s.Cells()
				for i := range obs {
					if obs[i].shape.Equal(s) {
						obs[i].n++
						return nil
					}
				}
				obs = append(obs, observed{shape: s, n: 1})
				return nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range failed {
			t.Logf("po2 %d: no natural shape: %s", po2, f)
		}
		for _, o := range obs {
			t.Logf("po2 %d: observed %s × %d", po2, o.shape.Key(), o.n)
		}
		if len(obs) == 0 {
			t.Fatalf("po2 %d: no segment generated", po2)
		}
		menu := withHeadroom(calibrate(obs))
		cost, _ := menuCost(menu, obs)
		n := 0
		for _, o := range obs {
			n += o.n
		}
		fmt.Fprintf(&table, "\t%d: {\n", po2)
		for _, s := range menu {
			fmt.Fprintf(&table, "\t\t%q, // %.1f cells/cycle at 2^%d cycles\n", s.Key(), float64(s.Cells())/float64(uint64(1)<<po2), po2)
		}
		fmt.Fprintf(&table, "\t},\n")
		one, _ := menuCost([]Shape{join(obs)}, obs)
		line := fmt.Sprintf("po2 %d: %d of %d segments sampled (%d distinct shapes, %d not generated); padding overhead (menu cells / natural cells) %.3f with %d entries, %.3f with one",
			po2, n, total, len(obs), len(failed), float64(cost)/float64(natCells), len(menu), float64(one)/float64(natCells))
		t.Logf("%s; MaxShape %.0f cells/cycle; %v", line, float64(MaxShape(po2).Cells())/float64(uint64(1)<<po2), time.Since(start).Round(time.Second))
		fmt.Fprintf(&report, "// %s\n", line)
	}
	src := fmt.Sprintf(`// Code generated by TestCalibrateShapes (ZKEXEX_CALIBRATE_SHAPES=1 go test -run
// TestCalibrateShapes ./prover/rv64/); DO NOT EDIT.
//
// The calibrated segment shapes per po2: the natural shapes (NaturalShape) of the STF guest's
// segments on stf/testdata/generated-10 covered by at most two shapes with the fewest committed
// cells, whose cheap tables then get headroom (withHeadroom, at most 3%% more cells). Shapes
// appends MaxShape to each po2's list. Padding overhead is over those segments, headroom included.
//
%s
package rv64

// shapeTable maps a po2 to its calibrated shapes' keys (Shape.Key).
var shapeTable = map[int][]string{
%s}
`, report.String(), table.String())
	out, err := format.Source([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if old, err := os.ReadFile("shape_table.go"); err == nil && bytes.Equal(old, out) {
		return
	}
	if err := os.WriteFile("shape_table.go", out, 0o644); err != nil {
		t.Fatal(err)
	}
}
