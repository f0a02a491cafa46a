// Program compute is the compute-heavy benchmark guest: it reads an iteration count from
// stdin (decimal, default 200) and runs SHA-256 chains, a sort and big-integer arithmetic.
package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"math/big"
	"os"
	"sort"
	"strconv"
	"strings"
)

func main() {
	in, _ := io.ReadAll(os.Stdin)
	n, err := strconv.Atoi(strings.TrimSpace(string(in)))
	if err != nil || n <= 0 {
		n = 200
	}
	d := sha256.Sum256([]byte("compute"))
	for i := 0; i < n*100; i++ {
		d = sha256.Sum256(d[:])
	}
	a := make([]uint32, n*100)
	x := uint32(d[0]) | 1
	for i := range a {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		a[i] = x
	}
	sort.Slice(a, func(i, j int) bool { return a[i] < a[j] })
	f := big.NewInt(1)
	for i := int64(1); i <= int64(n); i++ {
		f.Mul(f, big.NewInt(i))
	}
	fmt.Printf("%x %d %d %d\n", d[:8], a[0], a[len(a)-1], f.BitLen())
}
