package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/zkexex/zkexex/stf"
)

// TestInstalledExecute is the operator's path: `go install ./cmd/zkexex`, then `zkexex
// execute --input FILE` from a directory outside the checkout builds the guest from the
// source the binary came from and gives the same claim and image ID as inside the checkout.
func TestInstalledExecute(t *testing.T) {
	if testing.Short() {
		t.Skip("installs the binary and runs the guest twice; skipped in -short")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	install := exec.Command("go", "install", "./cmd/zkexex")
	install.Dir = root
	install.Env = append(os.Environ(), "GOBIN="+bin, "GOFLAGS=")
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("go install: %v\n%s", err, out)
	}
	input, err := filepath.Abs(filepath.Join("..", "..", "stf", "testdata", "generated-10", "input.bin"))
	if err != nil {
		t.Fatal(err)
	}
	imageRE := regexp.MustCompile(`imageID=(\S+)`)
	run := func(dir string) (stf.Claim, string) {
		cmd := exec.Command(filepath.Join(bin, "zkexex"), "execute", "--input", input)
		cmd.Dir = dir
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("zkexex execute in %s: %v\n%s", dir, err, stderr.String())
		}
		var claim stf.Claim
		if err := json.Unmarshal(stdout.Bytes(), &claim); err != nil {
			t.Fatalf("claim from %s: %v\n%s", dir, err, stdout.String())
		}
		m := imageRE.FindStringSubmatch(stderr.String())
		if m == nil {
			t.Fatalf("no image ID logged in %s:\n%s", dir, stderr.String())
		}
		return claim, m[1]
	}
	outside := t.TempDir()
	claimOut, imageOut := run(outside)
	claimIn, imageIn := run(root)
	if claimOut != claimIn || imageOut != imageIn {
		t.Fatalf("outside the checkout: %+v image %s\ninside: %+v image %s", claimOut, imageOut, claimIn, imageIn)
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "stf", "testdata", "generated-10", "claim.json"))
	if err != nil {
		t.Fatal(err)
	}
	var wantClaim stf.Claim
	if err := json.Unmarshal(want, &wantClaim); err != nil {
		t.Fatal(err)
	}
	if claimOut != wantClaim {
		t.Fatalf("claim %+v, fixture %+v", claimOut, wantClaim)
	}
	t.Logf("image ID %s inside and outside the checkout", imageOut)
}
