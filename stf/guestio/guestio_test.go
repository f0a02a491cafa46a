package guestio

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestReadWriteAll(t *testing.T) {
	for _, size := range []int{0, 1, 1 << 16, 1<<16 + 1, 3 << 20} {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		want := bytes.Repeat([]byte{0xa5, 0x5a, 0x01}, size/3+1)[:size]
		done := make(chan error, 1)
		go func() {
			done <- WriteAll(int(w.Fd()), want)
			w.Close()
		}()
		got, err := ReadAll(int(r.Fd()))
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("size %d: read %d bytes back", size, len(got))
		}
	}
	if _, err := ReadAll(-1); err == nil {
		t.Fatal("read from a bad descriptor succeeded")
	}
	if err := WriteAll(-1, []byte{1}); err == nil {
		t.Fatal("write to a bad descriptor succeeded")
	}
}

func TestExitNames(t *testing.T) {
	codes := []int{ExitOK, ExitGoRuntime, ExitMalformedInput, ExitUnsupportedConfig, ExitInvalidWitness,
		ExitMissingTrieNode, ExitRootMismatch, ExitInvalidBlock, ExitInternal, ExitUnclassified, ExitIO}
	seen := map[string]bool{}
	for _, c := range codes {
		n := ExitName(c)
		if seen[n] || strings.HasPrefix(n, "unknown") {
			t.Fatalf("code %d: name %q", c, n)
		}
		seen[n] = true
	}
	if ExitName(99) != "unknown-exit-99" {
		t.Fatal(ExitName(99))
	}
}
