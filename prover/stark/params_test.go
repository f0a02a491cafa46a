package stark

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
)

func TestSoundnessFigures(t *testing.T) {
	near := func(a, b float64) bool { return math.Abs(a-b) < 0.006 }
	cases := []struct {
		name   string
		params Params
		shape  Shape
		want   Soundness
	}{
		{
			name: "default at the reference shape", params: DefaultParams(), shape: DefaultShape(),
			want: Soundness{FieldBits: 123.95, FRIQueryBits: 100, PoWBits: 16, FRIBits: 116, FoldBits: 102.95,
				CompositionBits: 114.95, OODBits: 102.37, DEEPBatchBits: 113.95, LogUpBits: 114.95, Total: 102.37},
		},
		{
			// 2^22 rows and 2^26 fractions: the out-of-domain term limits; LogUp keeps 10 bits spare.
			name: "default at 2^22 rows, 2^26 fractions", params: DefaultParams(), shape: referenceShape(22, 26),
			want: Soundness{FieldBits: 123.95, FRIQueryBits: 100, PoWBits: 16, FRIBits: 116, FoldBits: 100.95,
				CompositionBits: 114.95, OODBits: 100.37, DEEPBatchBits: 113.95, LogUpBits: 109.95, Total: 100.37},
		},
		{
			// The same without grinding before β, γ: LogUp alone falls below 100 bits.
			name: "no LogUp grinding at 2^26 fractions", params: Params{LogBlowup: 1, NumQueries: 100, PoWBits: 16, LogFinalPolyLen: 3},
			shape: referenceShape(22, 26),
			want: Soundness{FieldBits: 123.95, FRIQueryBits: 100, PoWBits: 16, FRIBits: 116, FoldBits: 100.95,
				CompositionBits: 114.95, OODBits: 100.37, DEEPBatchBits: 113.95, LogUpBits: 93.95, Total: 93.95},
		},
		{
			name: "rate 1/4, no lookups", params: Params{LogBlowup: 2, NumQueries: 40, PoWBits: 20, LogFinalPolyLen: 0},
			shape: Shape{MaxLogHeight: 16, MaxDegree: 3, NumConstraints: 8, NumOpenings: 16},
			want: Soundness{FieldBits: 123.95, FRIQueryBits: 80, PoWBits: 20, FRIBits: 100, FoldBits: 105.95,
				CompositionBits: 120.95, OODBits: 106.37, DEEPBatchBits: 119.95, LogUpBits: 123.95, Total: 100},
		},
		{
			name: "test parameters", params: TestParams(), shape: DefaultShape(),
			want: Soundness{FieldBits: 123.95, FRIQueryBits: 8, PoWBits: 2, FRIBits: 10, FoldBits: 102.95,
				CompositionBits: 114.95, OODBits: 102.37, DEEPBatchBits: 113.95, LogUpBits: 100.95, Total: 10},
		},
	}
	for _, c := range cases {
		got := c.params.Soundness(c.shape)
		g := []float64{got.FieldBits, got.FRIQueryBits, got.PoWBits, got.FRIBits, got.FoldBits, got.CompositionBits, got.OODBits, got.DEEPBatchBits, got.LogUpBits, got.Total}
		w := []float64{c.want.FieldBits, c.want.FRIQueryBits, c.want.PoWBits, c.want.FRIBits, c.want.FoldBits, c.want.CompositionBits, c.want.OODBits, c.want.DEEPBatchBits, c.want.LogUpBits, c.want.Total}
		for i := range g {
			if !near(g[i], w[i]) {
				t.Errorf("%s: component %d = %.2f, want %.2f\n%s", c.name, i, g[i], w[i], got)
			}
		}
	}
	if s := DefaultParams().Soundness(DefaultShape()); s.Total < 100 {
		t.Fatalf("default parameters give %.1f bits < 100", s.Total)
	}
	t.Logf("default: %s", DefaultParams().Soundness(DefaultShape()))
}

// TestReferenceTable: the table of reference shapes in the package documentation is what the
// calculator computes, and every row reaches 100 bits.
func TestReferenceTable(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, sh := range ReferenceShapes() {
		s := DefaultParams().Soundness(sh)
		if s.Total < 100 {
			t.Errorf("2^%d rows, 2^%d fractions: %s", sh.MaxLogHeight, sh.LogLookupTerms, s)
		}
		line := referenceRow(sh, s)
		if !strings.Contains(string(doc), line) {
			t.Errorf("doc.go lacks the row %q", line)
		}
	}
}

func referenceRow(sh Shape, s Soundness) string {
	return fmt.Sprintf("//	2^%d    2^%d        %5.1f       %5.1f        %5.1f", sh.MaxLogHeight, sh.LogLookupTerms, s.LogUpBits, s.LogUpBits-float64(DefaultParams().LogUpPoWBits), s.Total)
}

func TestParamsValidate(t *testing.T) {
	bad := []Params{
		{LogBlowup: 0, NumQueries: 10, PoWBits: 0, LogFinalPolyLen: 0},
		{LogBlowup: 5, NumQueries: 10},
		{LogBlowup: 1, NumQueries: 0},
		{LogBlowup: 1, NumQueries: 2000},
		{LogBlowup: 1, NumQueries: 10, PoWBits: 31},
		{LogBlowup: 1, NumQueries: 10, LogFinalPolyLen: 9},
		{LogBlowup: 1, NumQueries: 10, PoWBits: -1},
		{LogBlowup: 1, NumQueries: 10, LogUpPoWBits: 31},
	}
	for _, p := range bad {
		if err := p.Validate(); err == nil {
			t.Errorf("%+v accepted", p)
		}
	}
	for _, p := range []Params{DefaultParams(), TestParams()} {
		if err := p.Validate(); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
}
