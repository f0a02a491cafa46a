package rv64

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
	"github.com/zkexex/zkexex/prover/vm/vmtest"
)

// segmentsOf executes prog and returns up to max of its segments (all when max is 0).
func segmentsOf(t testing.TB, prog *vm.Program, cfg vm.Config, max int) []*vm.Segment {
	t.Helper()
	var segs []*vm.Segment
	errEnough := errors.New("enough segments")
	cfg.OnSegment = func(s *vm.Segment) error {
		segs = append(segs, s)
		if max > 0 && len(segs) == max {
			return errEnough
		}
		return nil
	}
	_, err := vm.Execute(context.Background(), prog, cfg)
	if err != nil && !errors.Is(err, errEnough) && !errors.Is(err, vm.ErrCycleLimit) {
		t.Fatal(err)
	}
	return segs
}

// grown is natural with every variable table k levels taller.
func grown(natural Shape, k int) Shape {
	ts := shapeTablesMust()
	s := Shape{Po2: natural.Po2, Log: append([]int(nil), natural.Log...)}
	for i := range s.Log {
		if ts[i].fixed < 0 {
			s.Log[i] += k
		}
	}
	return s
}

// proveAt proves seg at shape and checks that the seal verifies and has exactly shape's heights.
func proveAt(t *testing.T, seg *vm.Segment, params stark.Params, shape Shape, v *Verifier) {
	t.Helper()
	r, err := ProveShaped(context.Background(), seg, params, shape)
	if err != nil {
		t.Fatalf("%s: %v", shape.Key(), err)
	}
	if err := v.VerifySeal(&r.Claim, r.Seal); err != nil {
		t.Fatalf("%s: %v", shape.Key(), err)
	}
	proof, err := stark.DecodeProof(r.Seal)
	if err != nil {
		t.Fatal(err)
	}
	if got := (Shape{Po2: shape.Po2, Log: proof.LogHeights}); !got.Equal(shape) {
		t.Fatalf("proof has shape %s, asked for %s", got.Key(), shape.Key())
	}
}

// TestShapePadding: segments that use every table (a random RV64IMA program: ALU, div, loads and
// stores aligned and not, LR/SC, AMOs; the journal program: host READ and WRITE, the journal)
// prove and verify with every variable table padded 1 and 2 levels above its natural height, so
// every table's padding rows hold its rules past the natural height.
func TestShapePadding(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 0x5a))
	progs := map[string]*vm.Program{
		"random":  assemble(t, vmtest.RandomProgram(r, 200)),
		"journal": assemble(t, journalProgram),
	}
	for name, prog := range progs {
		seg := segmentsOf(t, prog, vm.Config{Po2: vm.MinPo2, Stdin: []byte("zkexex pads!")}, 1)[0]
		natural, err := NaturalShape(context.Background(), seg)
		if err != nil {
			t.Fatal(err)
		}
		for k := 1; k <= 2; k++ {
			t.Run(fmt.Sprintf("%s/+%d", name, k), func(t *testing.T) {
				proveAt(t, seg, stark.TestParams(), grown(natural, k), testVerifier())
			})
		}
	}
}

// TestShapeProductionVerifier: a padded segment proof at the default parameters verifies with
// NewVerifier.
func TestShapeProductionVerifier(t *testing.T) {
	seg := segmentsOf(t, assemble(t, journalProgram), vm.Config{Po2: vm.MinPo2, Stdin: []byte("padded")}, 1)[0]
	natural, err := NaturalShape(context.Background(), seg)
	if err != nil {
		t.Fatal(err)
	}
	proveAt(t, seg, stark.DefaultParams(), grown(natural, 1), NewVerifier())
}

// TestShapeTooSmall: a shape one level below a table's rows, a shape with a fixed table moved, a
// malformed shape and a shape of another po2 are typed errors before any proving.
func TestShapeTooSmall(t *testing.T) {
	seg := segmentsOf(t, assemble(t, journalProgram), vm.Config{Po2: vm.MinPo2, Stdin: []byte("12345678")}, 1)[0]
	natural, err := NaturalShape(context.Background(), seg)
	if err != nil {
		t.Fatal(err)
	}
	ts := shapeTablesMust()
	for _, name := range []string{"cpu", "decode", "sys_io", "journal", pageCleanName, "p2_24"} {
		i := tableIndex(ts, name)
		s := grown(natural, 0)
		s.Log[i]--
		if s.Log[i] < minLogRows {
			continue
		}
		_, err := ProveShaped(context.Background(), seg, stark.TestParams(), s)
		var tooSmall *ShapeTooSmallError
		if !errors.As(err, &tooSmall) || tooSmall.Table != name || !errors.Is(err, ErrShape) {
			t.Fatalf("%s one level short: %v", name, err)
		}
	}
	bad := map[string]func(s *Shape){
		"fixed table moved":   func(s *Shape) { s.Log[tableIndex(ts, "range16")]++ },
		"one height missing":  func(s *Shape) { s.Log = s.Log[1:] },
		"other po2":           func(s *Shape) { s.Po2++ },
		"CPU taller than po2": func(s *Shape) { s.Log[cpuTableIndex] = s.Po2 + 1 },
		"table too tall":      func(s *Shape) { s.Log[tableIndex(ts, "sys_io")] = maxShapeLog + 1 },
		"table below minimum": func(s *Shape) { s.Log[tableIndex(ts, "mem_atomic")] = minLogRows - 1 },
	}
	for name, f := range bad {
		s := grown(natural, 0)
		f(&s)
		if _, err := ProveShaped(context.Background(), seg, stark.TestParams(), s); !errors.Is(err, ErrShape) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestShapeForCheapest: ShapeFor's choice is the dominating entry with the fewest cells, not the
// first or the smallest overall.
func TestShapeForCheapest(t *testing.T) {
	ts := shapeTablesMust()
	natural := grown(Shape{Po2: 18, Log: MaxShape(18).Log}, 0)
	for i := range natural.Log {
		if ts[i].fixed < 0 {
			natural.Log[i] = 10
		}
	}
	cpu, sysIO := cpuTableIndex, tableIndex(ts, "sys_io")
	roomy := grown(natural, 2)                     // dominates, costly
	cheap := grown(natural, 0)                     // dominates, cheapest that does
	cheap.Log[sysIO]++                             //
	tooSmall := grown(natural, 0)                  // cheapest of all, but the CPU does not fit
	tooSmall.Log[cpu]--                            //
	menu := []Shape{roomy, tooSmall, cheap, roomy} // order must not matter
	got, err := pickShape(menu, natural)
	if err != nil || !got.Equal(cheap) {
		t.Fatalf("picked %v (%v), want %s", got.Key(), err, cheap.Key())
	}
	if _, err := pickShape([]Shape{tooSmall}, natural); !errors.Is(err, ErrShape) {
		t.Fatalf("no dominating entry: %v", err)
	}
	// The real menu: MaxShape is always there, so a segment's natural shape always finds one.
	seg := segmentsOf(t, assemble(t, journalProgram), vm.Config{Po2: vm.MinPo2}, 1)[0]
	nat, err := NaturalShape(context.Background(), seg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ShapeFor(nat)
	if err != nil || !s.Dominates(nat) || s.Po2 != nat.Po2 {
		t.Fatalf("ShapeFor(%s) = %s, %v", nat.Key(), s.Key(), err)
	}
	for _, e := range Shapes(nat.Po2) {
		if e.Dominates(nat) && e.Cells() < s.Cells() {
			t.Fatalf("ShapeFor chose %s, %s is cheaper", s.Key(), e.Key())
		}
	}
}

// TestShapeKey: Key round-trips, and ParseShapeKey rejects what is not a shape of the AIR.
func TestShapeKey(t *testing.T) {
	for po2 := vm.MinPo2; po2 <= vm.MaxPo2; po2++ {
		for _, s := range Shapes(po2) {
			got, err := ParseShapeKey(s.Key())
			if err != nil || !got.Equal(s) {
				t.Fatalf("%s: %v, %v", s.Key(), got, err)
			}
		}
	}
	k := MaxShape(16).Key()
	for _, bad := range []string{"", "16", "1x-" + k[3:], k[:len(k)-1], k + "3", strings.Replace(k, "3", "4", 1), k[:5] + "!" + k[6:], "15" + k[2:]} {
		if _, err := ParseShapeKey(bad); !errors.Is(err, ErrShape) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func FuzzParseShapeKey(f *testing.F) {
	f.Add(MaxShape(16).Key())
	f.Add("20-k3kf")
	f.Fuzz(func(t *testing.T, k string) {
		s, err := ParseShapeKey(k)
		if err != nil {
			return
		}
		if s.Key() != k {
			t.Fatalf("%q parses to %s", k, s.Key())
		}
	})
}

// TestShapeFixedTables: fixedLog names exactly the preprocessed tables (and the mode table), at
// the heights a real witness has.
func TestShapeFixedTables(t *testing.T) {
	pk, err := ProvingKey(stark.TestParams())
	if err != nil {
		t.Fatal(err)
	}
	seg := segmentsOf(t, assemble(t, journalProgram), vm.Config{Po2: vm.MinPo2}, 1)[0]
	natural, err := NaturalShape(context.Background(), seg)
	if err != nil {
		t.Fatal(err)
	}
	for i, ti := range shapeTablesMust() {
		v, err := pk.VerifyingKey().ConstraintView(i)
		if err != nil {
			t.Fatal(err)
		}
		if v.HasPreprocessed != (ti.fixed >= 0 && ti.name != "cpu_mode") {
			t.Errorf("table %s: preprocessed %v, fixed height %d", ti.name, v.HasPreprocessed, ti.fixed)
		}
		if ti.fixed >= 0 && natural.Log[i] != ti.fixed {
			t.Errorf("table %s: 2^%d rows, fixedLog says 2^%d", ti.name, natural.Log[i], ti.fixed)
		}
		if _, ok := tableBound[ti.name]; ok == (ti.fixed >= 0) {
			t.Errorf("table %s: fixed %v, row bound %v", ti.name, ti.fixed >= 0, ok)
		}
	}
}

// admissible reports whether the default verifier accepts proofs of shape s as far as heights go:
// the bus totals stay below p and the parameters keep 100 conjectured bits. A proof with the
// heights and nothing else gets past those checks to the first opening count, or fails on them.
func admissible(t *testing.T, s Shape) error {
	t.Helper()
	pk, err := ProvingKey(stark.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	n := len(s.Log)
	p := &stark.Proof{Params: stark.DefaultParams(), LogHeights: s.Log, LogUpSums: make([]stark.E, n), Openings: make([]stark.TableOpening, n)}
	err = stark.Verify(pk.VerifyingKey(), p, make([]stark.F, NumPublic), stark.DefaultVerifierConfig())
	if err != nil && strings.Contains(err.Error(), "values opened at point") {
		return nil
	}
	return err
}

// TestMaxShapeAdmissible: the production verifier accepts the heights of every menu entry, and
// maxShapeLog is the right cap: every variable table at 2^maxShapeLog rows is admissible, one
// table a level taller is not.
func TestMaxShapeAdmissible(t *testing.T) {
	tall := grown(MaxShape(vm.MaxPo2), 0)
	for i, ti := range shapeTablesMust() {
		if ti.fixed < 0 {
			tall.Log[i] = maxShapeLog
		}
	}
	if err := admissible(t, tall); err != nil {
		t.Fatalf("every table at 2^%d rows: %v", maxShapeLog, err)
	}
	tall.Log[tableIndex(shapeTablesMust(), "sys_io")]++
	if err := admissible(t, tall); !errors.Is(err, stark.ErrParams) {
		t.Fatalf("sys_io at 2^%d rows: %v", maxShapeLog+1, err)
	}
	for po2 := vm.MinPo2; po2 <= vm.MaxPo2; po2++ {
		for _, s := range Shapes(po2) {
			err := s.check()
			if err == nil {
				err = admissible(t, s)
			}
			if err != nil {
				t.Errorf("po2 %d: %s: %v", po2, s.Key(), err)
			}
		}
	}
}

// TestIOCallCost: a READ or WRITE host call costs at least minIOCallInstructions instructions,
// user's and kernel's (MaxShape's sys_io, journal and p2_24 bounds rest on it): a program doing
// nothing but 4 KiB reads and writes, two instructions per call of its own.
func TestIOCallCost(t *testing.T) {
	for _, c := range []struct{ fd, nr int }{{vm.FdJournal, 64}, {vm.FdStdout, 64}, {vm.FdStdin, 63}} {
		var instr [2]uint64
		for k, n := range []int{10, 110} {
			prog := assemble(t, ioSource(c.fd, c.nr, n))
			res, err := vm.Execute(context.Background(), prog, vm.Config{Po2: 20, Stdin: make([]byte, 1<<20)})
			if err != nil {
				t.Fatal(err)
			}
			instr[k] = res.Instructions
		}
		per := (instr[1] - instr[0]) / 100
		if per < minIOCallInstructions {
			t.Errorf("fd %d: %d instructions per call, MaxShape assumes at least %d", c.fd, per, minIOCallInstructions)
		}
		t.Logf("fd %d: %d instructions per 4 KiB host call", c.fd, per)
	}
}

// ioSource makes n calls of syscall nr on fd, 4 KiB each from a page-aligned buffer.
func ioSource(fd, nr, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, ".option norvc\n.text\n.globl _start\n_start:\n\tlla a1, buf\n\tli a2, 4096\n\tli a7, %d\n", nr)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "\tli a0, %d\n\tecall\n", fd)
	}
	b.WriteString("\tli a0, 0\n\tli a7, 93\n\tecall\n.data\n.balign 4096\nbuf: .zero 4096\n")
	return b.String()
}

// loopSource repeats body (unrolled reps times) forever, after one byte to stdout (the boot pass
// ends at the first I/O); s0 = s1 = 0x10000000 (user memory is paged in on first touch).
func loopSource(body string, reps int) string {
	return ".option norvc\n.text\n.globl _start\n_start:\n\tli a0, 1\n\tmv a1, sp\n\tli a2, 1\n\tli a7, 64\n\tecall\n\tli s0, 0x10000000\n\tmv s1, s0\n\tli t1, 3\n\tli t2, 7\n\tli t3, 4096\n1:\n" +
		strings.Repeat(body, reps) + "\tj 1b\n"
}

// TestMaxShapeBounds: adversarial programs, each pushing some tables to their bound, have natural
// shapes that MaxShape dominates. Logged: the fullest table of each, as a fraction of its bound.
func TestMaxShapeBounds(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 0xb0))
	progs := map[string]string{
		"random":    vmtest.RandomProgram(r, 400),
		"io-write":  ioSource(vm.FdJournal, 64, 2000),
		"io-read":   ioSource(vm.FdStdin, 63, 2000),
		"page-read": loopSource("\tld t0, 0(s1)\n\tadd s1, s1, t3\n", 8),
		"page-dirt": loopSource("\tsd t2, 0(s1)\n\tadd s1, s1, t3\n", 8),
		"loads":     loopSource("\tld t0, 0(s0)\n\tlw t0, 8(s0)\n\tlb t0, 3(s0)\n\tld t0, 3(s0)\n", 64),
		"stores":    loopSource("\tsd t0, 0(s0)\n\tsw t0, 8(s0)\n\tsb t0, 3(s0)\n\tsd t0, 5(s0)\n", 64),
		"atomics":   loopSource("\tamoadd.d t0, t1, (s0)\n\tamomaxu.w t0, t2, (s0)\n\tlr.d t0, (s0)\n\tsc.d t0, t1, (s0)\n", 64),
		"alu":       loopSource("\tadd t0, t0, t1\n\txor t0, t0, t2\n\tslt t0, t0, t1\n\tsll t0, t0, t1\n", 64),
		"muldiv":    loopSource("\tmul t0, t1, t2\n\tdiv t0, t2, t1\n\tmulh t0, t1, t2\n\tremu t0, t2, t1\n", 64),
	}
	ts := shapeTablesMust()
	maxS := MaxShape(vm.MinPo2)
	perProgram := 2
	if testing.Short() {
		perProgram = 1
	}
	for name, src := range progs {
		prog := assemble(t, src)
		segs := segmentsOf(t, prog, vm.Config{Po2: vm.MinPo2, Stdin: make([]byte, 1<<24), MaxCycles: 4 << vm.MinPo2}, perProgram)
		for _, seg := range segs {
			w, err := generate(context.Background(), seg)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			nat := witnessShape(int(seg.Po2), w)
			if !maxS.Dominates(nat) {
				t.Fatalf("%s: natural %s exceeds MaxShape %s", name, nat, maxS)
			}
			var tight []string
			for i, ti := range ts {
				if ti.fixed < 0 && nat.Log[i] == maxS.Log[i] {
					tight = append(tight, ti.name)
				}
			}
			t.Logf("%-9s segment %d: %d cycles; tables at MaxShape's height: %v", name, seg.Index, seg.Cycles(), tight)
		}
	}
}

// TestShapeTable: the committed menu is consistent: every entry is a shape of the AIR for its
// po2 (fixed tables at their heights, every table at least 2^minLogRows rows, the CPU table within
// the po2), at most maxCalibrated per po2, distinct, and dominated by MaxShape.
func TestShapeTable(t *testing.T) {
	for po2, keys := range shapeTable {
		if po2 < vm.MinPo2 || po2 > vm.MaxPo2 || len(keys) > maxCalibrated {
			t.Fatalf("po2 %d: %d entries", po2, len(keys))
		}
		maxS := MaxShape(po2)
		for i, k := range keys {
			s, err := ParseShapeKey(k)
			if err != nil {
				t.Fatalf("po2 %d: %v", po2, err)
			}
			if s.Po2 != po2 || !maxS.Dominates(s) || slices.Contains(keys[:i], k) {
				t.Errorf("po2 %d: entry %s (po2 %d) repeated or not within MaxShape %s", po2, k, s.Po2, maxS.Key())
			}
		}
	}
	for po2 := vm.MinPo2; po2 <= vm.MaxPo2; po2++ {
		if len(shapeTable[po2]) == 0 {
			t.Errorf("po2 %d: no calibrated shape", po2)
		}
	}
}

// TestProveAtMenuShape: a segment proven at the shape ShapeFor picks verifies.
func TestProveAtMenuShape(t *testing.T) {
	seg := segmentsOf(t, assemble(t, journalProgram), vm.Config{Po2: vm.MinPo2, Stdin: []byte("menu")}, 1)[0]
	natural, err := NaturalShape(context.Background(), seg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ShapeFor(natural)
	if err != nil {
		t.Fatal(err)
	}
	proveAt(t, seg, stark.TestParams(), s, testVerifier())
}

// TestProveMenu: ProveMenu proves at the shape ShapeFor picks for the natural shape, both when
// the cheapest entry holds the segment and when only MaxShape does (4 KiB journal writes: sys_io
// far above the calibrated entries; not in -short: a MaxShape proof takes tens of seconds), and
// the seal verifies.
func TestProveMenu(t *testing.T) {
	progs := map[string]*vm.Program{"journal": assemble(t, journalProgram)}
	if !testing.Short() {
		progs["io-write"] = assemble(t, ioSource(vm.FdJournal, 64, 8))
	}
	for name, prog := range progs {
		seg := segmentsOf(t, prog, vm.Config{Po2: vm.MinPo2, Stdin: []byte("menu")}, 1)[0]
		natural, err := NaturalShape(context.Background(), seg)
		if err != nil {
			t.Fatal(err)
		}
		want, err := ShapeFor(natural)
		if err != nil {
			t.Fatal(err)
		}
		r, got, err := ProveMenu(context.Background(), seg, stark.TestParams())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !got.Equal(want) {
			t.Fatalf("%s: ProveMenu chose %s, ShapeFor %s", name, got.Key(), want.Key())
		}
		if err := testVerifier().VerifySeal(&r.Claim, r.Seal); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s: natural %s, proven at %s (%d menu entries)", name, natural.Key(), got.Key(), len(Shapes(vm.MinPo2)))
	}
}
