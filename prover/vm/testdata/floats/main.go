// Program floats exercises float64/float32 arithmetic, math functions, conversions and
// formatting.
package main

import (
	"fmt"
	"math"
	"strconv"
)

//go:noinline
func fma(a, b, c float64) float64 { return a*b + c }

func main() {
	vals := []float64{0, -0.0, 1, -1, 0.1, 1.0 / 3, 2.5e-310, 1.7976931348623157e308, math.Inf(1), math.NaN(), 123456789.123, -2.5, 3.5}
	for _, v := range vals {
		fmt.Println(v, strconv.FormatFloat(v, 'e', -1, 64), strconv.FormatFloat(v, 'g', 5, 64), math.Float64bits(v*1.5), int64(v*2) == 0)
	}
	s := 0.0
	for i := 1; i <= 1000; i++ {
		s += math.Sqrt(float64(i)) / float64(i+1)
	}
	fmt.Println(s, math.Sin(1.25), math.Exp(-3.5), math.Log(17), math.Pow(2.5, 7.25), math.Atan2(1, -2))
	fmt.Println(fma(1.0000001, 3.3, -3.3), math.FMA(0.1, 10, -1), math.Floor(-2.5), math.Round(2.5), math.Trunc(-7.9))
	var f32 float32 = 1.1
	g := f32 * 3.3
	fmt.Println(g, float64(g), f32/7, float32(math.Pi), math.Float32bits(g))
	for _, str := range []string{"3.14", "1e400", "-0", "0x1p-1074", "nan", "4.9e-324", "2.2250738585072011e-308"} {
		v, err := strconv.ParseFloat(str, 64)
		fmt.Println(v, err)
	}
	x := 1e300
	fmt.Println(x*x, -x*x, 5e-324/2, uint64(float64(1<<63)), int32(float32(-2147483648)), uint8(int(x*0+255.9)))
	var u uint64 = 1<<64 - 1
	fmt.Println(float64(u), float32(u), float64(int64(-1<<63)), math.MaxFloat32)
}
