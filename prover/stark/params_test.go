package stark

import (
	"math"
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
				CompositionBits: 114.95, OODBits: 102.37, DEEPBatchBits: 113.95, LogUpBits: 100.63, Total: 100.63},
		},
		{
			// 2^22 rows: the extension field, not FRI, limits security (the LogUp term drops below 100).
			name: "default at 2^22 rows", params: DefaultParams(),
			shape: Shape{MaxLogHeight: 22, MaxDegree: 3, NumConstraints: 512, NumOpenings: 1024, LogLookupTerms: 25, MaxTupleWidth: 4, HasInteractions: true},
			want: Soundness{FieldBits: 123.95, FRIQueryBits: 100, PoWBits: 16, FRIBits: 116, FoldBits: 100.95,
				CompositionBits: 114.95, OODBits: 100.37, DEEPBatchBits: 113.95, LogUpBits: 96.63, Total: 96.63},
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
				CompositionBits: 114.95, OODBits: 102.37, DEEPBatchBits: 113.95, LogUpBits: 100.63, Total: 10},
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

func TestParamsValidate(t *testing.T) {
	bad := []Params{
		{LogBlowup: 0, NumQueries: 10, PoWBits: 0, LogFinalPolyLen: 0},
		{LogBlowup: 5, NumQueries: 10},
		{LogBlowup: 1, NumQueries: 0},
		{LogBlowup: 1, NumQueries: 2000},
		{LogBlowup: 1, NumQueries: 10, PoWBits: 31},
		{LogBlowup: 1, NumQueries: 10, LogFinalPolyLen: 9},
		{LogBlowup: 1, NumQueries: 10, PoWBits: -1},
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
