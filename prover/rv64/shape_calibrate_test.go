package rv64

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"go/format"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
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

// bisect chooses the best two-way split of obs: the two joins of the sides of the split with
// the fewest cells committed over obs. Up to exhaustiveMax distinct observations every split is
// tried; above, a local search (move one observation to the other side while that lowers the
// cost) from thresholdStarts size thresholds and from seeded random splits. It returns nil for
// fewer than two observations.
func bisect(obs []observed) (sides [2][]observed, cost int64) {
	const (
		exhaustiveMax   = 16
		thresholdStarts = 32
		randomStarts    = 32
	)
	cost = -1
	split := func(side []bool) ([2][]observed, int64) {
		var out [2][]observed
		for i, o := range obs {
			if side[i] {
				out[1] = append(out[1], o)
			} else {
				out[0] = append(out[0], o)
			}
		}
		if len(out[0]) == 0 || len(out[1]) == 0 {
			return out, -1
		}
		c, _ := menuCost([]Shape{join(out[0]), join(out[1])}, obs)
		return out, c
	}
	consider := func(side []bool) {
		if s, c := split(side); c >= 0 && (cost < 0 || c < cost) {
			sides, cost = s, c
		}
	}
	n := len(obs)
	if n < 2 {
		return sides, -1
	}
	if n <= exhaustiveMax {
		for mask := 1; mask < 1<<(n-1); mask++ {
			side := make([]bool, n)
			for i := range side {
				side[i] = mask>>i&1 == 1
			}
			consider(side)
		}
		return sides, cost
	}
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
		_, c := split(side)
		for improved := true; improved; {
			improved = false
			for i := range side {
				side[i] = !side[i]
				if _, ci := split(side); ci >= 0 && (c < 0 || ci < c) {
					c, improved = ci, true
					continue
				}
				side[i] = !side[i]
			}
		}
		consider(side)
	}
	return sides, cost
}

// calibrate chooses at most maxEntries shapes that together dominate every observation, with few
// cells committed over them: it starts from the join of all and splits one group of
// observations in two (bisect) at a time, the split that saves the most cells, while a split
// saves at least minSaving of the menu's cells. Each split adds a lift program to the
// aggregation key set, and a finer menu fits unseen segments less well, hence the threshold.
func calibrate(obs []observed, maxEntries int) []Shape {
	const minSaving = 0.02
	groups := [][]observed{obs}
	total := func(gs [][]observed) int64 {
		var c int64
		for _, g := range gs {
			gc, _ := menuCost([]Shape{join(g)}, g)
			c += gc
		}
		return c
	}
	// Each group's best split, computed once: splitting one group leaves the others' as they were.
	type split struct {
		sides  [2][]observed
		saving int64
	}
	splitOf := func(g []observed) split {
		one, _ := menuCost([]Shape{join(g)}, g)
		sides, c := bisect(g)
		if c < 0 {
			return split{saving: -1}
		}
		return split{sides, one - c}
	}
	splits := []split{splitOf(obs)}
	for len(groups) < maxEntries {
		best := -1
		for i, sp := range splits {
			if sp.saving > 0 && (best < 0 || sp.saving > splits[best].saving) {
				best = i
			}
		}
		if best < 0 || float64(splits[best].saving) < minSaving*float64(total(groups)) {
			break
		}
		sides := splits[best].sides
		groups = append(slices.Delete(groups, best, best+1), sides[0], sides[1])
		splits = append(slices.Delete(splits, best, best+1), splitOf(sides[0]), splitOf(sides[1]))
	}
	menu := make([]Shape, len(groups))
	for i, g := range groups {
		menu[i] = join(g)
	}
	slices.SortFunc(menu, func(a, b Shape) int { return cmp.Compare(a.Cells(), b.Cells()) })
	return menu
}

// calibratePo2 samples the inputs' segments at po2 (perInput segments of each input that has a
// cycle count) and returns the calibrated menu entries and the report line.
func calibratePo2(t *testing.T, img *vm.Image, prog *vm.Program, inputs []calibrationInput, po2, maxEntries, perInput int) ([]Shape, string) {
	var obs []observed
	var lines []string
	start := time.Now()
	var natCells int64
	var perIn []inputSample
	for _, in := range inputs {
		smp := in.sample(t, img, prog, po2, perInput)
		for _, o := range smp.obs {
			natCells += int64(o.n) * o.shape.Cells()
			if i := slices.IndexFunc(obs, func(x observed) bool { return x.shape.Equal(o.shape) }); i >= 0 {
				obs[i].n += o.n
			} else {
				obs = append(obs, o)
			}
		}
		perIn = append(perIn, smp)
		for _, f := range smp.failed {
			t.Logf("po2 %d %s: no natural shape: %s", po2, in.name, f)
		}
		lines = append(lines, fmt.Sprintf("%s %d of %d", in.name, smp.sampled, smp.total))
	}
	for _, o := range obs {
		t.Logf("po2 %d: observed %s × %d", po2, o.shape.Key(), o.n)
	}
	if len(obs) == 0 {
		t.Fatalf("po2 %d: no segment generated", po2)
	}
	menu := menuFor(obs, maxEntries)
	// Padding per input: what proving each run at the menu costs over its natural shapes.
	var pads []string
	for _, smp := range perIn {
		pads = append(pads, fmt.Sprintf("%s %.3f", smp.name, smp.padding(menu)))
	}
	cost, _ := menuCost(menu, obs)
	one, _ := menuCost([]Shape{join(obs)}, obs)
	line := fmt.Sprintf("po2 %d: sampled %s (%d distinct shapes); padding (menu cells / natural cells) %.3f with %d entries (%s), %.3f with one",
		po2, strings.Join(lines, ", "), len(obs), float64(cost)/float64(natCells), len(menu), strings.Join(pads, ", "), float64(one)/float64(natCells))
	t.Logf("%s; MaxShape %.0f cells/cycle; %v", line, float64(MaxShape(po2).Cells())/float64(uint64(1)<<po2), time.Since(start).Round(time.Second))
	return menu, line
}

// menuFor is the calibrated menu of the observations: calibrate, then headroom, which can raise
// two entries to the same shape (one is dropped).
func menuFor(obs []observed, maxEntries int) []Shape {
	var menu []Shape
	for _, s := range withHeadroom(calibrate(obs, maxEntries)) {
		if !slices.ContainsFunc(menu, s.Equal) {
			menu = append(menu, s)
		}
	}
	return menu
}

// recordedRun is one po2 of an earlier calibration run, as its log recorded it.
type recordedRun struct {
	obs  []observed
	line string
}

var (
	recordedObs  = regexp.MustCompile(`po2 (\d+): observed (\S+) × (\d+)$`)
	recordedLine = regexp.MustCompile(`(po2 (\d+): sampled .*); MaxShape`)
	// A recorded line's entry count is the menu's before menuFor dropped duplicates.
	recordedEntries = regexp.MustCompile(`with \d+ entries`)
)

// recordedCalibration reads the observations and report lines of an earlier run's log (go test
// -v output; none when path is empty), so that a calibration cut short resumes without
// sampling again what it had sampled.
func recordedCalibration(t *testing.T, path string) map[int]recordedRun {
	out := map[int]recordedRun{}
	if path == "" {
		return out
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if m := recordedObs.FindStringSubmatch(l); m != nil {
			po2, _ := strconv.Atoi(m[1])
			sh, err := ParseShapeKey(m[2])
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			n, _ := strconv.Atoi(m[3])
			r := out[po2]
			r.obs = append(r.obs, observed{shape: sh, n: n})
			out[po2] = r
		} else if m := recordedLine.FindStringSubmatch(l); m != nil {
			po2, _ := strconv.Atoi(m[2])
			r := out[po2]
			r.line = m[1]
			out[po2] = r
		}
	}
	for po2, r := range out {
		if r.line == "" || len(r.obs) == 0 {
			delete(out, po2) // a po2 the run did not finish
		}
	}
	return out
}

// keptCalibration is the report line of each po2 in today's shape_table.go, for the po2s a run
// limited by ZKEXEX_CALIBRATE_PO2 keeps.
func keptCalibration(t *testing.T) map[int]string {
	data, err := os.ReadFile("shape_table.go")
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]string{}
	for _, l := range strings.Split(string(data), "\n") {
		var po2 int
		if _, err := fmt.Sscanf(l, "// po2 %d:", &po2); err == nil {
			out[po2] = strings.TrimPrefix(l, "// ")
		}
	}
	return out
}

// maxCalibrated bounds the calibrated entries per po2 (MaxShape comes on top): each is a lift
// program in the aggregation key set.
const maxCalibrated = 6

// calibrationInput is an STF input the menu is calibrated on; cycles is its run's length, zero
// to sample every segment.
type calibrationInput struct {
	name   string
	data   []byte
	cycles uint64
}

// inputSample is an input's segments at one po2: natural shapes weighted by the segments each
// sample stands for, how many were sampled of the total, and the samples that failed.
type inputSample struct {
	name           string
	obs            []observed
	sampled, total int
	failed         []string
}

// sample runs the input at po2 and takes the natural shape of about n segments spread evenly
// (every segment when in.cycles is zero).
func (in calibrationInput) sample(t *testing.T, img *vm.Image, prog *vm.Program, po2, n int) inputSample {
	t.Helper()
	stride := 1
	if in.cycles > 0 {
		stride = max(1, int(in.cycles>>uint(po2))/n)
	}
	out := inputSample{name: in.name}
	_, err := vm.ExecuteImage(context.Background(), img, prog, vm.Config{Po2: po2, Stdin: in.data,
		OnSegment: func(seg *vm.Segment) error {
			out.total++
			if int(seg.Index)%stride != 0 {
				return nil
			}
			out.sampled++
			s, err := NaturalShape(context.Background(), seg)
			if err != nil {
				// A segment the prover cannot generate has no natural shape: report it, and
				// calibrate on the rest.
				out.failed = append(out.failed, fmt.Sprintf("segment %d: %v", seg.Index, err))
				return nil
			}
			if i := slices.IndexFunc(out.obs, func(o observed) bool { return o.shape.Equal(s) }); i >= 0 {
				out.obs[i].n += stride
			} else {
				out.obs = append(out.obs, observed{shape: s, n: stride})
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// padding is the menu's cells over the sample's natural cells.
func (s inputSample) padding(menu []Shape) float64 {
	var nat int64
	for _, o := range s.obs {
		nat += int64(o.n) * o.shape.Cells()
	}
	cost, _ := menuCost(menu, s.obs)
	return float64(cost) / float64(nat)
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

// TestCalibrateShapes runs the STF guest on stf/testdata/generated-10 and on the STF inputs
// named in ZKEXEX_CALIBRATE_INPUTS (colon-separated; 'zkexex stf input' of the real Hoodi blocks
// in ../shared/testdata) at every po2, samples their segments' natural shapes, chooses the
// calibrated menu entries (menuFor) and writes shape_table.go. It runs only with
// ZKEXEX_CALIBRATE_SHAPES=1 (about an hour with the two Hoodi blocks):
//
//	ZKEXEX_CALIBRATE_SHAPES=1 ZKEXEX_CALIBRATE_INPUTS=hoodi-1265656.bin:hoodi-1281069.bin \
//	go test -v -run TestCalibrateShapes -timeout 90m ./prover/rv64/
//
// ZKEXEX_CALIBRATE_PO2 (comma-separated) limits the run to those po2s and keeps the others'
// entries; ZKEXEX_CALIBRATE_RECORDED names the -v log of an earlier run, whose observations
// stand in for sampling the po2s it finished.
func TestCalibrateShapes(t *testing.T) {
	if os.Getenv("ZKEXEX_CALIBRATE_SHAPES") != "1" {
		t.Skip("set ZKEXEX_CALIBRATE_SHAPES=1 to calibrate the shape menu")
	}
	const maxEntries = maxCalibrated
	prog, img, generated := stfGuest(t)
	inputs := []calibrationInput{{name: "generated-10", data: generated}}
	for _, f := range strings.Split(os.Getenv("ZKEXEX_CALIBRATE_INPUTS"), ":") {
		if f == "" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// One run for the cycle count, so that each po2's sampling stride is known up front.
		res, err := vm.ExecuteImage(context.Background(), img, prog, vm.Config{Stdin: data})
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, calibrationInput{name: filepath.Base(f), data: data, cycles: res.Cycles})
	}
	recorded := recordedCalibration(t, os.Getenv("ZKEXEX_CALIBRATE_RECORDED"))
	kept := keptCalibration(t)
	only := map[int]bool{}
	for _, f := range strings.Split(os.Getenv("ZKEXEX_CALIBRATE_PO2"), ",") {
		if f != "" {
			po2, err := strconv.Atoi(f)
			if err != nil {
				t.Fatalf("ZKEXEX_CALIBRATE_PO2: %v", err)
			}
			only[po2] = true
		}
	}
	var table strings.Builder
	var report strings.Builder
	for po2 := vm.MinPo2; po2 <= vm.MaxPo2; po2++ {
		var menu []Shape
		var line string
		switch rec, ok := recorded[po2]; {
		case len(only) > 0 && !only[po2]:
			menu, line = Shapes(po2)[:len(Shapes(po2))-1], kept[po2]
		case ok:
			// A rerun on the observations an earlier run logged gives the same menu (calibrate is
			// deterministic) and that run's report line.
			menu = menuFor(rec.obs, maxEntries)
			line = recordedEntries.ReplaceAllString(rec.line, fmt.Sprintf("with %d entries", len(menu)))
		default:
			// 64 segments of each sampled input per po2 up to po2 20, 16 at 21, 8 at 22 (their
			// traces take seconds each).
			menu, line = calibratePo2(t, img, prog, inputs, po2, maxEntries, max(8, 64>>(2*max(0, po2-20))))
		}
		fmt.Fprintf(&table, "\t%d: {\n", po2)
		for _, s := range menu {
			fmt.Fprintf(&table, "\t\t%q, // %.1f cells/cycle at 2^%d cycles\n", s.Key(), float64(s.Cells())/float64(uint64(1)<<po2), po2)
		}
		fmt.Fprintf(&table, "\t},\n")
		fmt.Fprintf(&report, "// %s\n", line)
	}
	src := fmt.Sprintf(`// Code generated by TestCalibrateShapes (ZKEXEX_CALIBRATE_SHAPES=1 go test -run
// TestCalibrateShapes ./prover/rv64/); DO NOT EDIT.
//
// The calibrated segment shapes per po2: the natural shapes (NaturalShape) of the STF guest's
// segments on stf/testdata/generated-10 (all) and on the inputs named in ZKEXEX_CALIBRATE_INPUTS
// (the real Hoodi blocks, sampled evenly, each sample standing for the segments it skips),
// covered by at most %d shapes with few committed cells (calibrate), whose cheap tables then get
// headroom (withHeadroom, at most 3%% more cells). Shapes appends MaxShape to each po2's list.
// Padding is menu cells over natural cells, headroom included.
//
%s
package rv64

// shapeTable maps a po2 to its calibrated shapes' keys (Shape.Key).
var shapeTable = map[int][]string{
%s}
`, maxEntries, report.String(), table.String())
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
