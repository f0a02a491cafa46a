package main

import (
	"fmt"
	"os"
	"io"
)

func main() {
	b, _ := io.ReadAll(os.Stdin)
	fmt.Println("hello", len(b), 3.25*float64(len(b)))
	f := os.NewFile(3, "journal")
	f.Write([]byte("journal"))
	os.Exit(3)
}
