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
// the image ID, independent of the checkout path and of unrelated commits.
var GuestBuildFlags = []string{
	"-trimpath",
	"-buildvcs=false",
	"-gcflags=all=-d=compressinstructions=0",
	"-asmflags=all=-d=compressinstructions=0",
}

// GuestEnv is the environment the guest is built under, on top of the caller's.
var GuestEnv = []string{"GOOS=linux", "GOARCH=riscv64", "CGO_ENABLED=0", "GOFLAGS="}

// BuildGuest builds stf/guest for linux/riscv64 into outPath. It finds the
// module root from the working directory (any directory inside the module).
func BuildGuest(ctx context.Context, outPath string) error {
	root, err := moduleRoot(ctx)
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
		return fmt.Errorf("build guest: go %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return nil
}

// moduleRoot returns the directory of the zkexex go.mod enclosing the
// working directory.
func moduleRoot(ctx context.Context) (string, error) {
	cmd := exec.CommandContext(ctx, goTool(), "env", "GOMOD")
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	outb, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(outb))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("build guest: the working directory is not inside the zkexex module")
	}
	data, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	first, _, _ := strings.Cut(string(data), "\n")
	if strings.TrimSpace(strings.TrimPrefix(first, "module")) != ModulePath {
		return "", fmt.Errorf("build guest: %s is not the %s module", gomod, ModulePath)
	}
	return filepath.Dir(gomod), nil
}

// goTool prefers the go command of the running toolchain, so tests and the
// CLI build the guest with the Go version they were built with.
func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
