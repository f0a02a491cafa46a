// Program bigmath exercises math/big: factorials, modular exponentiation, division, roots.
package main

import (
	"fmt"
	"math/big"
)

func main() {
	f := big.NewInt(1)
	for i := int64(2); i <= 300; i++ {
		f.Mul(f, big.NewInt(i))
	}
	s := f.String()
	fmt.Println(len(s), s[:20], s[len(s)-20:])
	p, _ := new(big.Int).SetString("115792089237316195423570985008687907853269984665640564039457584007908834671663", 10)
	e := new(big.Int).Sub(p, big.NewInt(2))
	inv := new(big.Int).Exp(big.NewInt(12345), e, p)
	chk := new(big.Int).Mul(inv, big.NewInt(12345))
	chk.Mod(chk, p)
	fmt.Println(inv.Text(16), chk)
	q, r := new(big.Int).QuoRem(f, p, new(big.Int))
	fmt.Println(q.BitLen(), r.Text(36))
	fmt.Println(new(big.Int).Sqrt(f).BitLen(), p.ProbablyPrime(10))
	x := new(big.Float).SetPrec(200).SetInt64(2)
	x.Sqrt(x)
	fmt.Println(x.Text('g', 50))
	rat := big.NewRat(1, 3)
	rat.Add(rat, big.NewRat(2, 7))
	fmt.Println(rat, rat.FloatString(20))
}
