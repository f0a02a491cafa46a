// Program oom allocates until memory runs out.
package main

import "fmt"

func main() {
	var keep [][]byte
	for i := 0; ; i++ {
		b := make([]byte, 1<<20)
		for j := range b {
			b[j] = byte(j + i)
		}
		keep = append(keep, b)
		if i%64 == 0 {
			fmt.Println("allocated MiB", i)
		}
	}
}
