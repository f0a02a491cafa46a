package main

import (
	"context"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
	"github.com/zkexex/zkexex/prover/vm"
)

// imageCommand builds a program's image: the machine state at its READY call (or its entry
// state), the state every proof of the program starts from.
var imageCommand = &cli.Command{
	Name:  "image",
	Usage: "build the image of a static RV64 Linux ELF (its state at READY), print its ID and optionally write it",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "elf", Usage: "static riscv64 ELF", Required: true},
		&cli.StringFlag{Name: "out", Usage: "write the image to this file"},
	},
	Action: imageAction,
}

func imageAction(ctx *cli.Context) error {
	c := ctx.Context
	if c == nil {
		c = context.Background()
	}
	data, err := os.ReadFile(ctx.String("elf"))
	if err != nil {
		return err
	}
	prog, err := vm.LoadELF(data)
	if err != nil {
		return err
	}
	img, boot, err := vm.BuildImage(c, prog, vm.Config{})
	if err != nil {
		return err
	}
	point := "entry (no READY before the first input or output)"
	if boot.Ready {
		point = fmt.Sprintf("READY after %d instructions", boot.Instructions)
	}
	fmt.Fprintf(os.Stderr, "image:    pc %#x, %d pages, %s\n", img.PC, len(img.Pages), point)
	fmt.Println(img.ID())
	if out := ctx.String("out"); out != "" {
		b, err := img.MarshalBinary()
		if err != nil {
			return err
		}
		return os.WriteFile(out, b, 0o644)
	}
	return nil
}

// readImage reads an image file written by 'zkexex image --out'.
func readImage(path string) (*vm.Image, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	img, err := vm.DecodeImage(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, nil
}
