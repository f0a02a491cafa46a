package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGroth16Ceremony runs a two-contributor ceremony through the CLI on the tiny stand-in
// circuit, then exports the verifier of the resulting keys; and the dev setup beside it.
func TestGroth16Ceremony(t *testing.T) {
	dir := t.TempDir()
	cache := filepath.Join(dir, "cache")
	f := func(name string) string { return filepath.Join(dir, name) }
	run := func(args ...string) {
		t.Helper()
		args = append([]string{"zkexex", "groth16"}, args...)
		if err := newApp().Run(args); err != nil {
			t.Fatalf("%s: %v", strings.Join(args[1:], " "), err)
		}
	}
	common := []string{"--circuit", "statement", "--cache", cache}
	with := func(args ...string) []string {
		// Flags before the positional contribution files.
		var flags, files []string
		for i := 0; i < len(args); i++ {
			if strings.HasPrefix(args[i], "--") {
				flags = append(flags, args[i], args[i+1])
				i++
			} else {
				files = append(files, args[i])
			}
		}
		return append(append(flags, common...), files...)
	}

	// Exporting before any setup says what to run.
	err := newApp().Run(append([]string{"zkexex", "groth16", "export", "--ceremony", "--out", f("v.sol")}, common...))
	if err == nil || !strings.Contains(err.Error(), "ceremony finish") {
		t.Fatalf("export without keys: %v", err)
	}

	run(append([]string{"ceremony", "contribute"}, with("--phase", "1", "--out", f("p1a"))...)...)
	run(append([]string{"ceremony", "contribute"}, with("--phase", "1", "--prev", f("p1a"), "--out", f("p1b"))...)...)
	run(append([]string{"ceremony", "seal"}, with("--beacon", "0xbeac01", "--out", f("srs"), f("p1a"), f("p1b"))...)...)
	run(append([]string{"ceremony", "contribute"}, with("--phase", "2", "--srs", f("srs"), "--out", f("p2a"))...)...)
	run(append([]string{"ceremony", "contribute"}, with("--phase", "2", "--srs", f("srs"), "--prev", f("p2a"), "--out", f("p2b"))...)...)

	// Contributions out of order do not verify.
	err = newApp().Run(append([]string{"zkexex", "groth16", "ceremony", "finish"}, with("--srs", f("srs"), "--beacon", "0xbeac02", f("p2b"), f("p2a"))...))
	if err == nil {
		t.Fatal("phase 2 out of order accepted")
	}
	run(append([]string{"ceremony", "finish"}, with("--srs", f("srs"), "--beacon", "0xbeac02", f("p2a"), f("p2b"))...)...)
	run(append([]string{"export", "--ceremony"}, with("--out", f("ceremony.sol"))...)...)
	run(append([]string{"setup"}, common...)...)
	run(append([]string{"export"}, with("--out", f("dev.sol"))...)...)

	for _, name := range []string{"ceremony.sol", "dev.sol"} {
		src, err := os.ReadFile(f(name))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(src), "contract Verifier") || !strings.Contains(string(src), "function verifyProof") {
			t.Fatalf("%s is not gnark's verifier", name)
		}
	}
	a, _ := os.ReadFile(f("ceremony.sol"))
	b, _ := os.ReadFile(f("dev.sol"))
	if string(a) == string(b) {
		t.Fatal("dev and ceremony keys exported the same verifier")
	}
}

func TestGroth16BadInvocations(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"setup", "--circuit", "foo", "--cache", dir}, `--circuit "foo"`},
		{[]string{"setup", "--circuit", "span", "--blocks", "0", "--cache", dir}, "no blocks"},
		{[]string{"ceremony", "contribute", "--phase", "3", "--circuit", "statement", "--out", filepath.Join(dir, "x")}, "--phase 3"},
		{[]string{"ceremony", "contribute", "--phase", "2", "--circuit", "statement", "--out", filepath.Join(dir, "x")}, "needs --srs"},
		{[]string{"ceremony", "seal", "--beacon", "zz", "--circuit", "statement", "--out", filepath.Join(dir, "x"), "a"}, "--beacon"},
		{[]string{"ceremony", "seal", "--beacon", "01", "--circuit", "statement", "--out", filepath.Join(dir, "x")}, "no contribution files"},
	} {
		err := newApp().Run(append([]string{"zkexex", "groth16"}, tc.args...))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
}
