package stf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// ModulePath is the Go module that contains the guest.
const ModulePath = "github.com/zkexex/zkexex"

// GuestPackage is the guest's import path.
const GuestPackage = ModulePath + "/stf/guest"

// GuestBuildFlags are the go build flags of the guest ELF. The ISA flags come
// from DESIGN.md (no compressed instructions; no softfloat, which Go 1.26
// miscompiles on riscv64); -trimpath and -buildvcs=false keep the ELF, and so
// the image ID, independent of the checkout path and of unrelated commits, and an
// empty build ID keeps it independent of source changes that leave the code alone
// (comments, files the guest does not link).
var GuestBuildFlags = []string{
	"-trimpath",
	"-buildvcs=false",
	"-ldflags=-buildid=",
	"-gcflags=all=-d=compressinstructions=0",
	"-asmflags=all=-d=compressinstructions=0",
}

// GuestEnv is the environment the guest is built under, on top of the caller's.
var GuestEnv = []string{"GOOS=linux", "GOARCH=riscv64", "CGO_ENABLED=0", "GOFLAGS="}

// BuildGuest builds stf/guest for linux/riscv64 into outPath, from the
// source GuestSource finds. The flags make the ELF, and so the image ID,
// depend only on that source and the Go toolchain, not on where it lies.
func BuildGuest(ctx context.Context, outPath string) error {
	root, err := GuestSource(ctx)
	if err != nil {
		return err
	}
	out, err := filepath.Abs(outPath)
	if err != nil {
		return err
	}
	args := append([]string{"build"}, GuestBuildFlags...)
	args = append(args, "-o", out, "./stf/guest")
	cmd := exec.CommandContext(ctx, goTool(), args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), GuestEnv...)
	var stderr bytes.Buffer
	cmd.Stdout = &stderr
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build guest in %s: go %s: %w\n%s", root, strings.Join(args, " "), err, stderr.String())
	}
	return nil
}

// ErrNoGuestSource: neither the source this binary was built from nor the
// working directory holds the zkexex module, so the guest cannot be built.
var ErrNoGuestSource = errors.New("build guest: no zkexex source found")

// GuestSource returns the root of the zkexex module the guest is built from.
//
// An installed binary must prove with the guest of its own STF, so the first
// choice is the source tree this binary was compiled from: the go command
// records its absolute file paths (unless -trimpath), which for `go install
// ./cmd/zkexex` is the checkout and for `go install module@version` the
// module cache. Building from it (rather than embedding an ELF of 10+ MB that
// every STF or geth change would have to regenerate) keeps the binary small,
// and Go's build cache makes every build after the first take seconds. When
// that tree is gone (or the binary was built with -trimpath), the module
// enclosing the working directory is used, as a developer's checkout.
func GuestSource(ctx context.Context) (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		root := filepath.Dir(filepath.Dir(file))
		if isZkexexModule(filepath.Join(root, "go.mod")) && fileExists(filepath.Join(root, "stf", "guest", "main.go")) {
			return root, nil
		}
	}
	return moduleRoot(ctx)
}

// isZkexexModule reports whether gomod is the go.mod of the zkexex module.
func isZkexexModule(gomod string) bool {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return false
	}
	first, _, _ := strings.Cut(string(data), "\n")
	return strings.TrimSpace(strings.TrimPrefix(first, "module")) == ModulePath
}

// moduleRoot returns the directory of the zkexex go.mod enclosing the
// working directory.
func moduleRoot(ctx context.Context) (string, error) {
	cmd := exec.CommandContext(ctx, goTool(), "env", "GOMOD")
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	outb, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%w: go env GOMOD: %w", ErrNoGuestSource, err)
	}
	gomod := strings.TrimSpace(string(outb))
	if gomod == "" || gomod == os.DevNull || !isZkexexModule(gomod) {
		return "", fmt.Errorf("%w: the source this binary was built from is gone (or it was built with -trimpath) "+
			"and the working directory is not inside the %s module; run from a checkout or pass a guest ELF (--elf)", ErrNoGuestSource, ModulePath)
	}
	return filepath.Dir(gomod), nil
}

// goTool is the go command on PATH. Under `go test` and `go run` the go command puts its
// own GOROOT/bin first on PATH, so tests build the guest with the toolchain they run under.
func goTool() string { return "go" }

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
