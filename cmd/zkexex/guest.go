package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/log"
	"github.com/zkexex/zkexex/stf"
)

// loadGuest returns the STF guest ELF: the file at elfPath, or (elfPath empty) a build of
// stf/guest from the source this binary came from (stf.GuestSource), logged because the
// first build compiles geth for riscv64 and takes minutes on a small machine.
func loadGuest(ctx context.Context, elfPath string, logger log.Logger) ([]byte, error) {
	if elfPath != "" {
		return os.ReadFile(elfPath)
	}
	src, err := stf.GuestSource(ctx)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "zkexex-guest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "guest.elf")
	logger.Info("Building the STF guest (the first build compiles geth for riscv64 and can take a few minutes; later ones are cached)", "source", src)
	start := time.Now()
	if err := stf.BuildGuest(ctx, out); err != nil {
		return nil, err
	}
	elf, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	logger.Info("Built the STF guest", "bytes", len(elf), "elapsed", time.Since(start).Round(time.Millisecond))
	return elf, nil
}

// guestImageID is the image ID of a guest ELF: the digest of the machine state at its READY
// call, which every proof of it starts from. The image is built once per ELF and cached.
func guestImageID(ctx context.Context, elf []byte) (common.Hash, error) {
	g, err := loadGuestImage(ctx, elf)
	if err != nil {
		return common.Hash{}, fmt.Errorf("image ID of the STF guest: %w", err)
	}
	return common.Hash(g.img.ID().Bytes()), nil
}
