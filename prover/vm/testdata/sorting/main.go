// Program sorting exercises sort and slices on generated data.
package main

import (
	"fmt"
	"slices"
	"sort"
)

type rec struct {
	k int
	s string
}

func main() {
	x := uint64(88172645463325252)
	next := func() uint64 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		return x
	}
	a := make([]int, 20000)
	for i := range a {
		a[i] = int(next() % 100000)
	}
	b := slices.Clone(a)
	sort.Ints(a)
	slices.SortFunc(b, func(p, q int) int { return q - p })
	fmt.Println(a[:5], a[len(a)-5:], b[:3], sort.IntsAreSorted(a))
	rs := make([]rec, 500)
	for i := range rs {
		rs[i] = rec{int(next() % 50), fmt.Sprint(i)}
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].k < rs[j].k })
	fmt.Println(rs[0], rs[1], rs[499])
	i, found := slices.BinarySearch(a, a[777])
	fmt.Println(i <= 777, found)
	fs := []float64{3.5, -1, 2.25, 1e10, -7.75}
	sort.Float64s(fs)
	fmt.Println(fs)
}
