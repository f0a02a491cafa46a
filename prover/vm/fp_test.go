package vm

import (
	"math"
	"testing"
)

func TestFPArith(t *testing.T) {
	third := math.Float64frombits(0x3FD5555555555555)
	tiny := math.Float64frombits(0x0010000000000001) // smallest normal + 1 ulp
	cases := []struct {
		name    string
		op      int
		a, b, c float64
		f       ffmt
		rm      int
		want    float64
		flags   uint32
	}{
		{"add exact", 0, 1, 2, 0, fmtD, rmRNE, 3, 0},
		{"add inexact", 0, 1, 0x1p-60, 0, fmtD, rmRNE, 1, flagNX},
		{"add inexact rup", 0, 1, 0x1p-60, 0, fmtD, rmRUP, math.Nextafter(1, 2), flagNX},
		{"sub inf-inf", 1, math.Inf(1), math.Inf(1), 0, fmtD, rmRNE, math.NaN(), flagNV},
		{"x-x rdn is -0", 1, 5, 5, 0, fmtD, rmRDN, math.Copysign(0, -1), 0},
		{"+0-(-0) rdn is +0", 1, 0, math.Copysign(0, -1), 0, fmtD, rmRDN, 0, 0},
		{"div third", 3, 1, 3, 0, fmtD, rmRNE, third, flagNX},
		{"div third rtz", 3, 1, 3, 0, fmtD, rmRTZ, third, flagNX},
		{"div third rup", 3, 1, 3, 0, fmtD, rmRUP, math.Nextafter(third, 1), flagNX},
		{"neg third rup", 3, -1, 3, 0, fmtD, rmRUP, -third, flagNX},
		{"neg third rdn", 3, -1, 3, 0, fmtD, rmRDN, -math.Nextafter(third, 1), flagNX},
		{"div by zero", 3, 1, 0, 0, fmtD, rmRNE, math.Inf(1), flagDZ},
		{"zero by zero", 3, 0, 0, 0, fmtD, rmRNE, math.NaN(), flagNV},
		{"mul overflow", 2, math.MaxFloat64, 2, 0, fmtD, rmRNE, math.Inf(1), flagOF | flagNX},
		{"mul overflow rtz", 2, math.MaxFloat64, 2, 0, fmtD, rmRTZ, math.MaxFloat64, flagOF | flagNX},
		{"mul exact subnormal", 2, 0x1p-1022, 0.5, 0, fmtD, rmRNE, 0x1p-1023, 0},
		{"mul inexact subnormal", 2, tiny, 0.5, 0, fmtD, rmRNE, 0x1p-1023, flagUF | flagNX},
		{"mul underflow to zero", 2, 0x1p-1074, 0x1p-10, 0, fmtD, rmRNE, 0, flagUF | flagNX},
		{"mul underflow rup", 2, 0x1p-1074, 0x1p-10, 0, fmtD, rmRUP, 0x1p-1074, flagUF | flagNX},
		{"sqrt 2", 11, 2, 0, 0, fmtD, rmRNE, math.Sqrt2, flagNX},
		{"sqrt 2 rtz", 11, 2, 0, 0, fmtD, rmRTZ, math.Nextafter(math.Sqrt2, 0), flagNX}, // RNE rounds sqrt(2) up
		{"sqrt 4", 11, 4, 0, 0, fmtD, rmRNE, 2, 0},
		{"sqrt -1", 11, -1, 0, 0, fmtD, rmRNE, math.NaN(), flagNV},
		{"fmadd exact", 16, 0.1, 10, -1, fmtD, rmRNE, 0x1p-54, 0},
		{"fmadd inexact", 16, 0.1, 0.1, 1, fmtD, rmRNE, math.FMA(0.1, 0.1, 1), flagNX},
		{"fmadd inf*0", 16, math.Inf(1), 0, 1, fmtD, rmRNE, math.NaN(), flagNV},
		{"fnmadd", 19, 2, 3, 4, fmtD, rmRNE, -10, 0},
		{"single third", 3, 1, 3, 0, fmtS, rmRNE, float64(float32(1) / 3), flagNX},
		{"single overflow", 2, math.MaxFloat32, 2, 0, fmtS, rmRNE, math.Inf(1), flagOF | flagNX},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, flags := fpArith(tc.op, tc.a, tc.b, tc.c, false, false, false, tc.f, tc.rm)
			same := got == tc.want && math.Signbit(got) == math.Signbit(tc.want) || (got != got && tc.want != tc.want)
			if !same || flags != tc.flags {
				t.Fatalf("got %v (%#x) flags %05b, want %v flags %05b", got, math.Float64bits(got), flags, tc.want, tc.flags)
			}
		})
	}
}

func TestFcvtToInt(t *testing.T) {
	cases := []struct {
		a     float64
		k     uint32
		rm    int
		want  uint64
		flags uint32
	}{
		{0x1p31, 0, rmRTZ, 0x7fffffff, flagNV},
		{-0x1p31 - 1, 0, rmRTZ, 0xffffffff80000000, flagNV},
		{math.NaN(), 0, rmRTZ, 0x7fffffff, flagNV},
		{1.5, 0, rmRNE, 2, flagNX},
		{2.5, 0, rmRNE, 2, flagNX},
		{2.5, 0, rmRMM, 3, flagNX},
		{-1.5, 0, rmRTZ, ^uint64(0), flagNX},
		{-1.5, 0, rmRDN, ^uint64(1), flagNX},
		{-1, 1, rmRTZ, 0, flagNV},
		{-0.5, 3, rmRTZ, 0, flagNX},
		{0x1p63, 2, rmRTZ, 1<<63 - 1, flagNV},
		{0x1p63, 3, rmRTZ, 1 << 63, 0},
		{math.Inf(-1), 3, rmRTZ, 0, flagNV},
		{4294967295, 1, rmRTZ, ^uint64(0), 0},
	}
	for _, tc := range cases {
		got, flags := fcvtToInt(tc.a, tc.k, tc.rm)
		if got != tc.want || flags != tc.flags {
			t.Errorf("fcvt(%v, kind %d, rm %d) = %#x flags %05b, want %#x flags %05b", tc.a, tc.k, tc.rm, got, flags, tc.want, tc.flags)
		}
	}
}

func TestFPClassAndBoxing(t *testing.T) {
	m := &fpu{}
	m.f[1] = 0x3f800000 // not NaN-boxed: reads as the canonical NaN
	if v := m.unboxS(1); v == v {
		t.Fatalf("unboxed an improperly boxed single: %v", v)
	}
	cases := map[uint64]uint64{
		math.Float64bits(math.Inf(-1)):         1 << 0,
		math.Float64bits(-1):                   1 << 1,
		0x800fffffffffffff:                     1 << 2,
		math.Float64bits(math.Copysign(0, -1)): 1 << 3,
		0:                                      1 << 4,
		1:                                      1 << 5,
		math.Float64bits(1):                    1 << 6,
		math.Float64bits(math.Inf(1)):          1 << 7,
		0x7ff0000000000001:                     1 << 8,
		canonNaN64:                             1 << 9,
	}
	for bits, want := range cases {
		if got := classBits(bits, fmtD); got != want {
			t.Errorf("fclass(%#x) = %#x, want %#x", bits, got, want)
		}
	}
}
