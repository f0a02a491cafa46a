// Program hashes exercises crypto/sha256 and Keccak-256 (golang.org/x/crypto/sha3).
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"golang.org/x/crypto/sha3"
)

func main() {
	data := make([]byte, 10000)
	for i := range data {
		data[i] = byte(i * 7)
	}
	h := sha256.Sum256(data)
	fmt.Println("sha256", hex.EncodeToString(h[:]))
	k := sha3.NewLegacyKeccak256()
	k.Write(data)
	fmt.Println("keccak", hex.EncodeToString(k.Sum(nil)))
	d := h
	for i := 0; i < 1000; i++ {
		d = sha256.Sum256(d[:])
	}
	fmt.Println("chain", hex.EncodeToString(d[:8]))
	s3 := sha3.Sum256([]byte("abc"))
	fmt.Println("sha3", hex.EncodeToString(s3[:]))
}
