package p2air

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/stark"
)

const testBus stark.BusID = 11

var testWidths = []int{16, 24}

func randomStates(rng *rand.Rand, width, n int) [][]F {
	out := make([][]F, n)
	for i := range out {
		out[i] = make([]F, width)
		for j := range out[i] {
			out[i][j].SetUint64(rng.Uint64N(hash.Modulus))
		}
	}
	return out
}

// permute is prover/hash's permutation, the reference the chip must match.
func permute(in []F) []F {
	out := append([]F(nil), in...)
	switch len(in) {
	case 16:
		hash.Permute16((*[16]F)(out))
	case 24:
		hash.Permute24((*[24]F)(out))
	default:
		panic("bad width")
	}
	return out
}

// senderTable is a test client of the chip: each row with flag set asks for (in, out).
func senderTable(t testing.TB, width int) *stark.Table {
	tb := stark.NewTable("sender")
	in, out := curs(tb.Columns("in", width)), curs(tb.Columns("out", width))
	flag := tb.Column("flag")
	tb.AssertBool("flag", flag.Cur())
	msg, err := Message(in, out)
	if err != nil {
		t.Fatal(err)
	}
	tb.Send(testBus, flag.Cur(), msg...)
	return tb
}

// senderTrace asks for the permutation of each request, one row each, with the true outputs.
func senderTrace(width int, reqs [][]F) *stark.Matrix {
	n := minRows
	for n < len(reqs) {
		n <<= 1
	}
	m := stark.NewMatrix(2*width+1, n)
	for r, in := range reqs {
		out := permute(in)
		for i := range width {
			m.Cols[i][r] = in[i]
			m.Cols[width+i][r] = out[i]
		}
		m.Cols[2*width][r].SetOne()
	}
	return m
}

type fixture struct {
	p      *params
	pk     *stark.ProvingKey
	reqs   [][]F
	chip   *stark.Matrix
	sender *stark.Matrix
}

// newFixture: 29 distinct random inputs, the first requested four times and the sixth twice, so
// 33 requests, 29 chip rows padded to 32, 33 sender rows padded to 64.
func newFixture(t testing.TB, width int) *fixture {
	p, err := paramsFor(width)
	if err != nil {
		t.Fatal(err)
	}
	chip, err := Table("poseidon2", width, testBus)
	if err != nil {
		t.Fatal(err)
	}
	air, err := stark.NewAIR(fmt.Sprintf("p2air-test-%d", width), 0, chip, senderTable(t, width))
	if err != nil {
		t.Fatal(err)
	}
	pk, err := stark.Setup(air, stark.TestParams())
	if err != nil {
		t.Fatal(err)
	}
	distinct := randomStates(rand.New(rand.NewPCG(uint64(width), 1)), width, 29)
	reqs := append([][]F(nil), distinct...)
	reqs = append(reqs, distinct[0], distinct[5], distinct[0], distinct[0])
	ct, err := Trace(width, reqs, nil, minRows)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{p: p, pk: pk, reqs: reqs, chip: ct, sender: senderTrace(width, reqs)}
}

func clone(m *stark.Matrix) *stark.Matrix {
	c := stark.NewMatrix(m.Width(), m.Height)
	for i := range m.Cols {
		copy(c.Cols[i], m.Cols[i])
	}
	return c
}

func (f *fixture) prove(chip, sender *stark.Matrix) (*stark.Proof, error) {
	return stark.Prove(context.Background(), f.pk, []*stark.Matrix{chip, sender}, nil)
}

func bump(x *F) {
	var one F
	one.SetOne()
	x.Add(x, &one)
}

func TestProveVerify(t *testing.T) {
	for _, w := range testWidths {
		t.Run(fmt.Sprint(w), func(t *testing.T) {
			f := newFixture(t, w)
			proof, err := f.prove(f.chip, f.sender)
			if err != nil {
				t.Fatal(err)
			}
			blob, err := proof.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			decoded, err := stark.DecodeProof(blob)
			if err != nil {
				t.Fatal(err)
			}
			if err := stark.Verify(f.pk.VerifyingKey(), decoded, nil, stark.VerifierConfig{}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestTraceMatchesHash: every row's out is hash's permutation of its in, requests are merged in
// order of first request with their counts, and padding rows permute zero with mult 0.
func TestTraceMatchesHash(t *testing.T) {
	for _, w := range testWidths {
		t.Run(fmt.Sprint(w), func(t *testing.T) {
			f := newFixture(t, w)
			m, p := f.chip, f.p
			if m.Height != 32 || m.Width() != p.numCols() {
				t.Fatalf("trace is %d × %d, want 32 × %d", m.Height, m.Width(), p.numCols())
			}
			zero := make([]F, w)
			for r := 0; r < m.Height; r++ {
				in, wantMult := zero, uint64(0)
				if r < 29 {
					in, wantMult = f.reqs[r], 1
				}
				switch r {
				case 0:
					wantMult = 4
				case 5:
					wantMult = 2
				}
				want := permute(in)
				for i := range w {
					if m.Cols[p.inCol()+i][r] != in[i] || m.Cols[p.outCol()+i][r] != want[i] {
						t.Fatalf("row %d, element %d: (in, out) differs from hash", r, i)
					}
				}
				if got := m.Cols[p.multCol()][r].Uint64(); got != wantMult {
					t.Fatalf("row %d: mult %d, want %d", r, got, wantMult)
				}
			}
		})
	}
}

// TestTraceSplitsAndSkips: a count above MaxMult is split over rows, a zero count adds no row, and
// an empty request list gives the minimum height of padding.
func TestTraceSplitsAndSkips(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	in := randomStates(rng, 16, 2)
	m, err := Trace(16, [][]F{in[0], in[1], in[0]}, []uint64{2*MaxMult - 3, 0, 8}, minRows)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := paramsFor(16)
	want := []uint64{MaxMult, MaxMult, 5, 0}
	if m.Height != len(want) {
		t.Fatalf("height %d, want %d", m.Height, len(want))
	}
	for r, w := range want {
		if got := m.Cols[p.multCol()][r].Uint64(); got != w {
			t.Fatalf("row %d: mult %d, want %d", r, got, w)
		}
	}
	if m.Cols[p.inCol()][2] != in[0][0] {
		t.Fatal("split row does not hold the split input")
	}
	empty, err := Trace(24, nil, nil, minRows)
	if err != nil {
		t.Fatal(err)
	}
	if empty.Height != minRows {
		t.Fatalf("empty trace height %d, want %d", empty.Height, minRows)
	}
	tall, err := Trace(16, in[:1], nil, 100)
	if err != nil {
		t.Fatal(err)
	}
	if tall.Height != 128 {
		t.Fatalf("minimum height 100 gave %d rows, want 128", tall.Height)
	}
}

func TestTraceRejectsBadRequests(t *testing.T) {
	good := randomStates(rand.New(rand.NewPCG(1, 2)), 16, 2)
	nonCanonical := append([]F(nil), good[0]...)
	nonCanonical[3][0] = hash.Modulus
	cases := []struct {
		name   string
		width  int
		inputs [][]F
		mult   []uint64
		min    int
		want   error
	}{
		{"width 20", 20, nil, nil, 0, ErrWidth},
		{"short input", 16, [][]F{good[0][:15]}, nil, 0, ErrInput},
		{"wide input", 16, [][]F{append(good[0], good[1][0])}, nil, 0, ErrInput},
		{"mult length", 16, good, []uint64{1}, 0, ErrInput},
		{"non-canonical", 16, [][]F{good[0], nonCanonical}, nil, 0, hash.ErrNonCanonical},
		{"count overflow", 16, [][]F{good[0], good[0]}, []uint64{math.MaxUint64, 1}, 0, ErrInput},
		{"too many rows", 16, good[:1], []uint64{MaxMult*maxRows + 1}, 0, ErrInput},
		{"too tall", 16, good, nil, maxRows + 1, ErrInput},
	}
	for _, c := range cases {
		if _, err := Trace(c.width, c.inputs, c.mult, c.min); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}

func TestDeclaration(t *testing.T) {
	for w, cols := range map[int]int{16: 165, 24: 240} {
		tb, err := Table("p", w, testBus)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := NumColumns(w); tb.Width() != cols || n != cols {
			t.Fatalf("width %d: %d columns (NumColumns %d), want %d", w, tb.Width(), n, cols)
		}
		if tb.LogUpColumns() != 2 {
			t.Fatalf("width %d: %d LogUp columns, want 2", w, tb.LogUpColumns())
		}
		// NewAIR refuses constraints above degree 3.
		if _, err := stark.NewAIR("p", 0, tb); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Table("p", 8, testBus); !errors.Is(err, ErrWidth) {
		t.Fatalf("width 8: got %v", err)
	}
	if _, err := NumColumns(32); !errors.Is(err, ErrWidth) {
		t.Fatalf("width 32: got %v", err)
	}
	e := make([]stark.Expr, 24)
	for _, c := range [][2]int{{16, 24}, {12, 12}, {0, 0}} {
		if _, err := Message(e[:c[0]], e[:c[1]]); !errors.Is(err, ErrWidth) {
			t.Fatalf("Message(%d, %d): got %v", c[0], c[1], err)
		}
	}
	if msg, err := Message(e[:16], e[:16]); err != nil || len(msg) != 32 {
		t.Fatalf("Message(16, 16): %d values, %v", len(msg), err)
	}
}

// constraintOf names the first constraint (in declaration order) that a change to column c breaks:
// an input feeds every element of full round 0; any other column is pinned by its own constraint.
func (p *params) constraintOf(c int) string {
	switch {
	case c < p.fullCol(0):
		return "full round 0, element 0"
	case c >= p.partialCol() && c < p.partialCol()+p.partial:
		return fmt.Sprintf("partial round %d", c-p.partialCol())
	}
	for r := 0; r < hash.FullRounds; r++ {
		if c >= p.fullCol(r) && c < p.fullCol(r)+p.width {
			return fmt.Sprintf("full round %d, element %d", r, c-p.fullCol(r))
		}
	}
	panic("mult has no constraint")
}

func wantConstraint(t *testing.T, err error, name string) {
	t.Helper()
	if !errors.Is(err, stark.ErrConstraint) || !strings.Contains(err.Error(), fmt.Sprintf("%q", name)) {
		t.Fatalf("got %v, want constraint %q to fail", err, name)
	}
}

// TestEveryCellConstrained: adding one to any cell but mult, on a real row and on a padding row,
// breaks the constraint that defines it. This covers a tampered round column of every round.
func TestEveryCellConstrained(t *testing.T) {
	for _, w := range testWidths {
		t.Run(fmt.Sprint(w), func(t *testing.T) {
			f := newFixture(t, w)
			for c := 0; c < f.p.multCol(); c++ {
				for _, row := range []int{3, 30} {
					m := clone(f.chip)
					bump(&m.Cols[c][row])
					_, err := f.prove(m, f.sender)
					wantConstraint(t, err, f.p.constraintOf(c))
				}
			}
		})
	}
}

// TestWrongOutputLimbRejected: a chip row whose output limb is off by one, requested as such by the
// sender so that the bus balances, is caught by the last full round's constraint.
func TestWrongOutputLimbRejected(t *testing.T) {
	for _, w := range testWidths {
		t.Run(fmt.Sprint(w), func(t *testing.T) {
			f := newFixture(t, w)
			chip, sender := clone(f.chip), clone(f.sender)
			const row, limb = 5, 3 // the input requested twice: sender rows 5 and 30
			bump(&chip.Cols[f.p.outCol()+limb][row])
			bump(&sender.Cols[w+limb][5])
			bump(&sender.Cols[w+limb][30])
			_, err := f.prove(chip, sender)
			wantConstraint(t, err, fmt.Sprintf("full round %d, element %d", hash.FullRounds-1, limb))
		})
	}
}

// TestWrongRequestRejected: a sender asking for a wrong output (or a right output of another
// input) finds no chip row to receive it.
func TestWrongRequestRejected(t *testing.T) {
	for _, w := range testWidths {
		t.Run(fmt.Sprint(w), func(t *testing.T) {
			f := newFixture(t, w)
			wrongOut := clone(f.sender)
			bump(&wrongOut.Cols[w+7][12])
			wrongIn := clone(f.sender)
			bump(&wrongIn.Cols[2][12])
			for name, s := range map[string]*stark.Matrix{"output": wrongOut, "input": wrongIn} {
				if _, err := f.prove(f.chip, s); !errors.Is(err, stark.ErrUnbalancedBus) {
					t.Fatalf("wrong %s: got %v, want ErrUnbalancedBus", name, err)
				}
			}
		})
	}
}

// TestMultRejected: a padding row with mult 1 receives (0, P(0)), which nobody sent; a real row's
// mult off by one receives its pair once too often or too rarely.
func TestMultRejected(t *testing.T) {
	for _, w := range testWidths {
		t.Run(fmt.Sprint(w), func(t *testing.T) {
			f := newFixture(t, w)
			for _, row := range []int{31, 0, 7} {
				m := clone(f.chip)
				bump(&m.Cols[f.p.multCol()][row])
				if _, err := f.prove(m, f.sender); !errors.Is(err, stark.ErrUnbalancedBus) {
					t.Fatalf("mult of row %d: got %v, want ErrUnbalancedBus", row, err)
				}
			}
		})
	}
}

// FuzzTrace: the trace's outputs equal hash's permutation for arbitrary inputs and counts.
func FuzzTrace(f *testing.F) {
	f.Add(uint8(0), []byte{1, 2, 3})
	f.Add(uint8(1), make([]byte, 200))
	f.Fuzz(func(t *testing.T, sel uint8, data []byte) {
		w := testWidths[sel&1]
		var inputs [][]F
		var mult []uint64
		for len(data) >= 2 {
			in := make([]F, w)
			for i := range in {
				if len(data) > 0 {
					in[i].SetUint64(uint64(data[0]) * 0x01010101)
					data = data[1:]
				}
			}
			inputs = append(inputs, in)
			mult = append(mult, uint64(sel>>1))
		}
		m, err := Trace(w, inputs, mult, minRows)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := paramsFor(w)
		for r := 0; r < m.Height; r++ {
			in := make([]F, w)
			for i := range in {
				in[i] = m.Cols[p.inCol()+i][r]
			}
			out := permute(in)
			for i := range out {
				if m.Cols[p.outCol()+i][r] != out[i] {
					t.Fatalf("row %d: output %d differs from hash", r, i)
				}
			}
		}
	})
}

// TestSoundnessAtScale: with the default parameters the chip alone keeps >= 100 conjectured bits
// up to 2^22 rows, its 2W-wide bus tuples included (they cost log2(2W/8) LogUp bits against the
// reference shapes).
func TestSoundnessAtScale(t *testing.T) {
	for _, w := range testWidths {
		tb, err := Table("poseidon2", w, testBus)
		if err != nil {
			t.Fatal(err)
		}
		air, err := stark.NewAIR("p2air", 0, tb)
		if err != nil {
			t.Fatal(err)
		}
		pk, err := stark.Setup(air, stark.DefaultParams())
		if err != nil {
			t.Fatal(err)
		}
		for logN := 2; logN <= 22; logN++ {
			sh := pk.VerifyingKey().ShapeOf([]int{logN})
			if sh.MaxTupleWidth != 2*w || sh.MaxDegree != 3 {
				t.Fatalf("width %d: shape %+v", w, sh)
			}
			if s := pk.Params().Soundness(sh); s.Total < 100 {
				t.Fatalf("width %d, 2^%d rows: %s", w, logN, s)
			}
		}
	}
}
