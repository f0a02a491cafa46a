package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/log"
	"github.com/mattn/go-isatty"
	"github.com/urfave/cli/v2"
	"github.com/zkexex/zkexex/prover/vm"
	"github.com/zkexex/zkexex/stf"
	"github.com/zkexex/zkexex/stf/guestio"
)

// executeCommand runs the STF guest on the zkVM executor.
var executeCommand = &cli.Command{
	Name:  "execute",
	Usage: "run the STF guest on the zkVM executor and print its claim as JSON (as 'stf run' does)",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "input", Usage: "STF input file", Required: true},
		&cli.StringFlag{Name: "elf", Usage: "STF guest ELF (default: build stf/guest from the source this binary was built from)"},
		&cli.StringFlag{Name: "image", Usage: "start from this image ('zkexex image' of the ELF) instead of building it"},
		&cli.IntFlag{Name: "po2", Usage: "segment size as a power of two (16..22)", Value: vm.DefaultPo2},
		&cli.StringFlag{Name: "segments", Usage: "write segment records into this directory"},
		&cli.Uint64Flag{Name: "max-cycles", Usage: "stop after this many cycles (0: no limit)"},
		&cli.StringFlag{Name: "profile", Usage: "write a pprof profile of cycles by function, with call stacks, to this file"},
	},
	Action: executeAction,
}

// GuestRun is the result of running the STF guest on the executor.
type GuestRun struct {
	Claim  stf.Claim
	Result *vm.Result
}

// guestImage is an ELF's program and image, built once per ELF (the STF guest's boot, with
// its warm-up, costs more than many blocks).
type guestImage struct {
	prog *vm.Program
	img  *vm.Image
	boot *vm.Boot
}

var guestImages sync.Map // sha256 of the ELF -> *guestImage (default arguments and environment)

func loadGuestImage(ctx context.Context, elfBytes []byte) (*guestImage, error) {
	key := sha256.Sum256(elfBytes)
	if g, ok := guestImages.Load(key); ok {
		return g.(*guestImage), nil
	}
	prog, err := vm.LoadELF(elfBytes)
	if err != nil {
		return nil, err
	}
	img, boot, err := vm.BuildImage(ctx, prog, vm.Config{})
	if err != nil {
		return nil, fmt.Errorf("building the guest image: %w", err)
	}
	g := &guestImage{prog, img, boot}
	guestImages.Store(key, g)
	return g, nil
}

// runGuest executes the STF guest ELF on input under cfg and decodes its claim; a non-zero
// guest exit becomes an error naming the guest's failure class.
func runGuest(ctx context.Context, elfBytes, input []byte, cfg vm.Config) (*GuestRun, error) {
	g, err := loadGuestImage(ctx, elfBytes)
	if err != nil {
		return nil, err
	}
	return runGuestImage(ctx, g.img, g.prog, g.boot, input, cfg)
}

// runGuestImage runs the guest from an image (prog and boot, when known, add symbols and
// boot figures).
func runGuestImage(ctx context.Context, img *vm.Image, prog *vm.Program, boot *vm.Boot, input []byte, cfg vm.Config) (*GuestRun, error) {
	cfg.Stdin = input
	res, err := vm.ExecuteImage(ctx, img, prog, cfg)
	if err != nil {
		return nil, err
	}
	if boot != nil {
		boot.Annotate(res)
	}
	run := &GuestRun{Result: res}
	if res.ExitCode != guestio.ExitOK {
		msg := fmt.Sprintf("guest exited with status %d (%s): %s", res.ExitCode, guestio.ExitName(res.ExitCode), strings.TrimSpace(string(res.Stderr)))
		// the same failure class as the native STF, so callers can branch with errors.Is
		for _, class := range []error{stf.ErrMalformedInput, stf.ErrUnsupportedConfig, stf.ErrInvalidWitness,
			stf.ErrMissingTrieNode, stf.ErrRootMismatch, stf.ErrInvalidBlock, stf.ErrInternal} {
			if stf.GuestExitCode(class) == res.ExitCode {
				return run, fmt.Errorf("%w (%s)", class, msg)
			}
		}
		return run, errors.New(msg)
	}
	if run.Claim, err = stf.DecodeClaim(res.Journal); err != nil {
		return run, fmt.Errorf("guest journal: %w", err)
	}
	return run, nil
}

func executeAction(ctx *cli.Context) error {
	c := ctx.Context
	if c == nil {
		c = context.Background()
	}
	input, err := os.ReadFile(ctx.String("input"))
	if err != nil {
		return err
	}
	logger := log.NewLogger(log.NewTerminalHandler(os.Stderr, isatty.IsTerminal(os.Stderr.Fd())))
	var img *vm.Image
	if f := ctx.String("image"); f != "" {
		if img, err = readImage(f); err != nil {
			return err
		}
	}
	// With an image the ELF only adds symbols, so it is built only when named.
	var elfBytes []byte
	if img == nil || ctx.String("elf") != "" {
		if elfBytes, err = loadGuest(c, ctx.String("elf"), logger); err != nil {
			return err
		}
	}
	cfg := vm.Config{
		Po2:       ctx.Int("po2"),
		MaxCycles: ctx.Uint64("max-cycles"),
		ImageID:   true,
		Progress:  progressReporter(logger),
		ProfileFP: true,
		Profile:   ctx.String("profile") != "",
	}
	if dir := ctx.String("segments"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		cfg.OnSegment = vm.WriteSegmentsTo(dir)
	}
	var run *GuestRun
	if img != nil {
		var prog *vm.Program
		if elfBytes != nil {
			if prog, err = vm.LoadELF(elfBytes); err != nil {
				return err
			}
		}
		run, err = runGuestImage(c, img, prog, nil, input, cfg)
	} else {
		run, err = runGuest(c, elfBytes, input, cfg)
	}
	endProgress()
	if run != nil {
		r := run.Result
		logger.Info("Executed the STF guest", "exit", r.ExitCode, "cycles", r.Cycles, "instructions", r.Instructions,
			"paging", r.PagingCycles, "boot", r.BootInstructions, "beforeMain", r.CyclesBeforeMain, "segments", r.Segments, "po2", cfg.Po2,
			"syscalls", r.Syscalls, "syscallCycles", r.SyscallCycles, "fpOps", r.FPOps, "fpCycles", r.FPCycles,
			"MHz", fmt.Sprintf("%.1f", r.MHz()), "elapsed", r.Duration.Round(time.Millisecond), "imageID", r.ImageID)
	}
	if run != nil {
		if err := writeProfile(ctx.String("profile"), run.Result); err != nil {
			return err
		}
	}
	if err != nil {
		return err
	}
	out, err := json.MarshalIndent(run.Claim, "", "  ")
	if err != nil {
		return err
	}
	fmt.Println(string(out))
	return nil
}
