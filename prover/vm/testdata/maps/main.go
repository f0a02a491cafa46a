// Program maps exercises Go maps: insert, update, delete, growth, and sorted iteration.
package main

import (
	"fmt"
	"sort"
)

func main() {
	m := map[string]int{}
	for i := 0; i < 5000; i++ {
		m[fmt.Sprintf("k%d", i%1777)] += i
	}
	for i := 0; i < 1777; i += 3 {
		delete(m, fmt.Sprintf("k%d", i))
	}
	keys := make([]string, 0, len(m))
	sum := 0
	for k, v := range m {
		keys = append(keys, k)
		sum += v
	}
	sort.Strings(keys)
	fmt.Println(len(m), sum, keys[:5], keys[len(keys)-3:])
	im := map[uint64][]byte{}
	for i := uint64(0); i < 3000; i++ {
		im[i*0x9e3779b97f4a7c15] = []byte{byte(i)}
	}
	var x byte
	for k, v := range im {
		x ^= v[0] ^ byte(k>>56)
	}
	fmt.Println(len(im), x)
}
