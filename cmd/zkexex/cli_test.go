package main

import (
	"strings"
	"testing"
	"time"
)

// TestBadInvocations runs each mistake a new user makes and requires one clear line per
// problem (no help dump, no "<nil>", no stack trace) and an error, before anything starts.
func TestBadInvocations(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"stf", "runn"}, `unknown command "runn" for 'zkexex stf'; did you mean "run"?`},
		{[]string{"devnett"}, `did you mean "devnet"?`},
		{[]string{"vm", "rnu"}, `did you mean "run"?`},
		{[]string{"devnet", "--blocks", "3", "--txs", "-1"}, "--txs -1: want 0..2000"},
		{[]string{"devnet", "--prover", "foo"}, `--prover "foo": want native, executor, stark or groth16`},
		{[]string{"devnet", "--verbosity", "9"}, "--verbosity 9"},
		{[]string{"devnet", "--interval", "0"}, "--interval 0"},
		{[]string{"devnet", "--http.port", "70000"}, "--http.port 70000"},
		{[]string{"devnet", "--blocks", "abc"}, `invalid value "abc" for flag -blocks`},
		{[]string{"devnet", "--prover", "stark", "--prove.po2", "15"}, "--prove.po2 15: want 16..22"},
		{[]string{"devnet", "--prover", "stark", "--prove.po2", "23"}, "--prove.po2 23: want 16..22"},
		{[]string{"devnet", "--prover", "stark", "--prove.workers", "-1"}, "--prove.workers -1: want 1 or more"},
		{[]string{"devnet", "--prove.workers", "2"}, `they need --prover stark or groth16, not "native"`},
		{[]string{"devnet", "--prover", "stark", "--prove.receipt", "groth16"}, `--prove.receipt "groth16": want succinct or composite`},
		{[]string{"devnet", "--prove.receipt", "composite"}, `they need --prover stark or groth16, not "native"`},
		{[]string{"devnet", "--prover", "executor", "--prove.po2", "18"}, `they need --prover stark or groth16, not "executor"`},
		{[]string{"devnet", "--prover", "groth16", "--solc", "/nonexistent"}, `--prover groth16 compiles gnark's verifier for its keys: --solc "/nonexistent": solc: the pinned compiler is not installed`},
		{[]string{"devnet", "--prover", "groth16", "--solc", "../../contracts", "--prove.receipt", "composite"}, "--prover groth16 wraps succinct span receipts"},
		{[]string{"devnet", "--prover", "stark", "--groth16.cache", "/tmp"}, `--groth16.cache holds the wrap's keys: it needs --prover groth16, not "stark"`},
		{[]string{"stf", "run", "--inptu", "x"}, "flag provided but not defined: -inptu"},
		{[]string{"stf", "input", "--chain", "hoodi", "--message-passer", "0x12", "--block", "b", "--witness", "w", "--out", "o"}, "--message-passer"},
		{[]string{"stf", "input", "--chain", "hoodi", "--account-proof", "p", "--block", "b", "--witness", "w", "--out", "o"}, "this chain has none"},
		{[]string{"stf", "input", "--chain", "/nonexistent.json", "--block", "b", "--witness", "w", "--out", "o"}, "--chain"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			start := time.Now()
			err := newApp().Run(append([]string{"zkexex"}, tc.args...))
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") || strings.Contains(msg, "<nil>") {
				t.Fatalf("error %q, want one line containing %q", msg, tc.want)
			}
			if el := time.Since(start); el > 5*time.Second {
				t.Fatalf("took %v: something started before the flags were checked", el)
			}
		})
	}
	// Two bad devnet flags: one line each.
	err := newApp().Run([]string{"zkexex", "devnet", "--txs", "-1", "--prover", "foo"})
	if err == nil || len(strings.Split(err.Error(), "\n")) != 2 {
		t.Fatalf("two bad flags: %v", err)
	}
}

func TestClosestCommand(t *testing.T) {
	for _, tc := range []struct{ a, b string }{{"devnte", "devnet"}, {"exeucte", "execute"}, {"STF", "stf"}, {"zzzzzzzz", ""}, {"nodee", "node"}, {"aggregate", ""}} {
		if got := closestCommand(newApp().Commands, tc.a); got != tc.b {
			t.Errorf("closest to %q: %q, want %q", tc.a, got, tc.b)
		}
	}
	if editDistance("kitten", "sitting") != 3 || editDistance("", "abc") != 3 || editDistance("abc", "abc") != 0 {
		t.Fatal("edit distance")
	}
}
