// Program fmtstr exercises strings, strconv, fmt verbs and unicode handling.
package main

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

type point struct {
	X, Y int
	Name string
}

func main() {
	var b strings.Builder
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&b, "%03d|%x|%q;", i, i*i, strconv.Itoa(i))
	}
	s := b.String()
	fmt.Println(len(s), s[:60])
	fmt.Println(strings.ToUpper("héllo wörld"), strings.Fields(" a b  c "), strings.Repeat("ab", 3))
	fmt.Println(strings.Split("a,b,c,d", ","), strings.Contains(s, "049"), strings.Index(s, "|19|"))
	fmt.Printf("%v %+v %#v\n", point{1, 2, "p"}, point{3, 4, "q"}, point{5, 6, "r"})
	fmt.Printf("%8.3f|%-8d|%08b|%o|%X|%U|%c\n", 3.14159, 42, 5, 64, 255, 0x1F600, 'G')
	n, err := strconv.ParseInt("-9223372036854775808", 10, 64)
	fmt.Println(n, err)
	_, err = strconv.Atoi("12a")
	fmt.Println(err)
	cnt := 0
	for _, r := range "Grüße, 世界! 123" {
		if unicode.IsLetter(r) {
			cnt++
		}
	}
	fmt.Println("letters", cnt, strconv.Quote("tab\there"), strings.Map(func(r rune) rune { return r + 1 }, "HAL"))
}
