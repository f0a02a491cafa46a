package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zkexex/zkexex/exex/exextest"
	"github.com/zkexex/zkexex/prover/prove/provetest"
	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/prover/vm"
	"github.com/zkexex/zkexex/stf"
)

// zkexexRunner runs zkexex with args and returns its stdout, stderr and error.
type zkexexRunner func(t *testing.T, args ...string) (stdout, stderr string, err error)

// inProcess runs the command in this process (the -short form of the test).
func inProcess(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	app := newApp()
	var out, errOut bytes.Buffer
	app.Writer, app.ErrWriter = &out, &errOut
	err := app.Run(append([]string{"zkexex"}, args...))
	return out.String(), errOut.String(), err
}

// binary builds zkexex once and runs it as a separate process, as a user does.
func binary(t *testing.T) zkexexRunner {
	bin := filepath.Join(t.TempDir(), "zkexex")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return func(t *testing.T, args ...string) (string, string, error) {
		t.Helper()
		var out, errOut bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		return out.String(), errOut.String(), err
	}
}

// TestProveVerify proves a small program with 'zkexex prove' and checks it with 'zkexex
// verify': the receipt verifies and verify prints its journal; one flipped byte in a seal, in
// a claim or in the journal, or another image's ID, makes verify fail with a clear error. In
// full mode both commands run as separate processes of the built binary.
func TestProveVerify(t *testing.T) {
	run := zkexexRunner(inProcess)
	if !testing.Short() {
		run = binary(t)
	}
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	elf := write("echo", provetest.EchoELF(t, 0, 9))
	otherELF := write("other", provetest.EchoELF(t, 1, 9))
	journal := []byte("sixteen bytes!!!")
	stdin := write("stdin", journal)
	rcpt := filepath.Join(dir, "receipt")
	start := time.Now()
	if _, stderr, err := run(t, "prove", "--elf", elf, "--stdin", stdin, "--po2", "16", "--out", rcpt); err != nil {
		t.Fatalf("prove: %v\n%s", err, stderr)
	}
	t.Logf("proved in %v", time.Since(start).Round(time.Millisecond))
	imageOf := func(path string) string {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		prog, err := vm.LoadELF(data)
		if err != nil {
			t.Fatal(err)
		}
		img, _, err := vm.BuildImage(context.Background(), prog, vm.Config{})
		if err != nil {
			t.Fatal(err)
		}
		return img.ID().String()
	}

	stdout, stderr, err := run(t, "verify", "--receipt", rcpt, "--image-id", imageOf(elf))
	if err != nil {
		t.Fatalf("verify: %v\n%s", err, stderr)
	}
	for _, want := range []string{`"journal": "0x` + hex.EncodeToString(journal) + `"`, `"exitCode": 9`, `"segments": 1`, `"imageId": "` + imageOf(elf)} {
		if !strings.Contains(stdout, want) {
			t.Fatalf("verify printed\n%s\nwithout %s", stdout, want)
		}
	}

	good, err := os.ReadFile(rcpt)
	if err != nil {
		t.Fatal(err)
	}
	comp, err := receipt.DecodeCompositeReceipt(good)
	if err != nil {
		t.Fatal(err)
	}
	// Offsets in the encoding (prover/receipt): magic and version (8), segment count (4), then
	// the one segment's claim, seal length and seal; the journal and its chunk lengths last.
	const claimAt = 12
	const exitCodeAt = claimAt + 32 + 8 + 32 + 8 + 32 + 1
	sealAt := claimAt + receipt.SegmentClaimSize + 4
	journalAt := len(good) - 4 - 4*len(comp.Segments) - len(comp.Journal)
	if !bytes.Equal(good[journalAt:journalAt+len(journal)], journal) || good[exitCodeAt] != 9 {
		t.Fatal("encoding offsets are off")
	}
	for _, tc := range []struct {
		name string
		at   int
		want string
	}{
		{"seal byte", sealAt + len(comp.Segments[0].Seal)/2, "seal does not verify"},
		{"claim byte (exit code)", exitCodeAt, "seal does not verify"},
		{"journal byte", journalAt + 3, "journal mismatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := bytes.Clone(good)
			bad[tc.at] ^= 1
			p := write(strings.ReplaceAll(tc.name, " ", "-"), bad)
			stdout, stderr, err := run(t, "verify", "--receipt", p)
			msg := stderr
			if err != nil {
				msg += err.Error()
			}
			if err == nil || stdout != "" || !strings.Contains(msg, "does not verify") || !strings.Contains(msg, tc.want) {
				t.Fatalf("verify of a receipt with a flipped %s: err %v, stdout %q, stderr %q; want %q", tc.name, err, stdout, stderr, tc.want)
			}
		})
	}
	t.Run("other image", func(t *testing.T) {
		stdout, stderr, err := run(t, "verify", "--receipt", rcpt, "--image-id", imageOf(otherELF))
		msg := stderr
		if err != nil {
			msg += err.Error()
		}
		if err == nil || stdout != "" || !strings.Contains(msg, "not of "+imageOf(otherELF)) {
			t.Fatalf("another image's ID: err %v, stdout %q, stderr %q", err, stdout, stderr)
		}
	})
}

// TestProveBadInvocations: prove's and verify's flag mistakes fail at once with one line each.
func TestProveBadInvocations(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"prove", "--out", "r"}, "--elf (or --image) or --input is required"},
		{[]string{"prove", "--elf", "/nonexistent", "--out", "r"}, "--elf: stat /nonexistent"},
		{[]string{"prove", "--elf", dir, "--po2", "9", "--out", "r"}, "--po2 9: want 16..22"},
		{[]string{"prove", "--input", dir, "--stdin", dir, "--out", "r"}, "exclude each other"},
		{[]string{"prove", "--elf", dir, "--workers", "-1", "--out", "r"}, "--workers -1"},
		{[]string{"prove", "--elf", dir, "--out", "/nonexistent/r"}, "its directory does not exist"},
		{[]string{"prove", "--elf", dir}, `"out" not set`},
		{[]string{"verify", "--receipt", "/nonexistent"}, "/nonexistent"},
		{[]string{"verify", "--receipt", "r", "--image-id", "0x12"}, "--image-id"},
		{[]string{"verify", "--receipt", "r", "--image-id", "zz"}, "--image-id"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			start := time.Now()
			_, _, err := inProcess(t, tc.args...)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want %q", err, tc.want)
			}
			if el := time.Since(start); el > 5*time.Second {
				t.Fatalf("took %v: work started before the flags were checked", el)
			}
		})
	}
	// A receipt that is not one, composite or succinct.
	for _, junk := range []string{"ZKXCRCjunk", "ZKXSUCjunk"} {
		p := filepath.Join(dir, "junk")
		os.WriteFile(p, []byte(junk), 0o644)
		if _, _, err := inProcess(t, "verify", "--receipt", p); err == nil || !strings.Contains(err.Error(), "malformed") {
			t.Fatalf("junk receipt %q: %v", junk, err)
		}
	}
}

// TestProveSTFGuest proves the STF guest on a real geth block (no transactions, the cheapest
// there is) with 'zkexex prove --input', and 'zkexex verify' prints the claim the native STF
// gives. Minutes of proving: full mode only.
func TestProveSTFGuest(t *testing.T) {
	if testing.Short() {
		t.Skip("proves millions of cycles at full security (minutes)")
	}
	run := binary(t)
	ctx := context.Background()
	chain := exextest.NewChain(t, exextest.Options{EmptyBlocks: true})
	block := chain.Extend(1)[0]
	cfg := stf.NewConfig(chain.Config)
	in, err := stf.InputFromChain(ctx, chain.BC, cfg, block)
	if err != nil {
		t.Fatal(err)
	}
	native, err := stf.Execute(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := in.Encode()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	input, rcpt := filepath.Join(dir, "input.bin"), filepath.Join(dir, "receipt")
	if err := os.WriteFile(input, enc, 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, stderr, err := run(t, "prove", "--input", input, "--out", rcpt); err != nil {
		t.Fatalf("prove: %v\n%s", err, stderr)
	}
	t.Logf("proved the STF guest on an empty block in %v", time.Since(start).Round(time.Second))
	stdout, stderr, err := run(t, "verify", "--receipt", rcpt)
	if err != nil {
		t.Fatalf("verify: %v\n%s", err, stderr)
	}
	var got struct {
		STF *stf.Claim `json:"stfClaim"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("verify printed %q: %v", stdout, err)
	}
	if got.STF == nil || *got.STF != native {
		t.Fatalf("verify printed %s, native claim %+v", stdout, native)
	}
}

// TestProveSuccinct proves a small program into a succinct receipt with 'zkexex prove
// --succinct' under the production key set and checks it with 'zkexex verify', as separate
// processes; a flipped byte of the seal fails. Production parameters: minutes, full mode only.
func TestProveSuccinct(t *testing.T) {
	if testing.Short() {
		t.Skip("minutes of proving at production parameters")
	}
	run := binary(t)
	dir := t.TempDir()
	elf := filepath.Join(dir, "echo")
	if err := os.WriteFile(elf, provetest.EchoELF(t, 40000, 0), 0o644); err != nil {
		t.Fatal(err)
	}
	stdin := filepath.Join(dir, "stdin")
	journal := []byte("succinct")
	if err := os.WriteFile(stdin, journal, 0o644); err != nil {
		t.Fatal(err)
	}
	rcpt := filepath.Join(dir, "receipt")
	start := time.Now()
	if _, stderr, err := run(t, "prove", "--elf", elf, "--stdin", stdin, "--po2", "16", "--succinct", "--out", rcpt); err != nil {
		t.Fatalf("prove: %v\n%s", err, stderr)
	}
	t.Logf("proved in %v", time.Since(start).Round(time.Millisecond))
	stdout, stderr, err := run(t, "verify", "--receipt", rcpt)
	if err != nil {
		t.Fatalf("verify: %v\n%s", err, stderr)
	}
	for _, want := range []string{`"kind": "succinct"`, `"journal": "0x` + hex.EncodeToString(journal) + `"`, `"exitCode": 0`, `"keySet": "0x`} {
		if !strings.Contains(stdout, want) {
			t.Fatalf("verify printed\n%s\nwithout %s", stdout, want)
		}
	}
	good, err := os.ReadFile(rcpt)
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Clone(good)
	bad[len(bad)-100] ^= 1
	p := filepath.Join(dir, "bad")
	if err := os.WriteFile(p, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, "verify", "--receipt", p); err == nil {
		t.Fatal("a receipt with a flipped seal byte verifies")
	}
}
