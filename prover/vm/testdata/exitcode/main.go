// Program exitcode writes to stderr and exits with a chosen status.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "about to exit with 7")
	fmt.Println("stdout line")
	os.Exit(7)
}
