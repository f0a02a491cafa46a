package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
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
		&cli.IntFlag{Name: "po2", Usage: "segment size as a power of two (16..22)", Value: vm.DefaultPo2},
		&cli.StringFlag{Name: "segments", Usage: "write segment records into this directory"},
		&cli.Uint64Flag{Name: "max-cycles", Usage: "stop after this many cycles (0: no limit)"},
	},
	Action: executeAction,
}

// GuestRun is the result of running the STF guest on the executor.
type GuestRun struct {
	Claim  stf.Claim
	Result *vm.Result
}

// runGuest executes the STF guest ELF on input under cfg and decodes its claim; a non-zero
// guest exit becomes an error naming the guest's failure class.
func runGuest(ctx context.Context, elfBytes, input []byte, cfg vm.Config) (*GuestRun, error) {
	prog, err := vm.LoadELF(elfBytes)
	if err != nil {
		return nil, err
	}
	cfg.Stdin = input
	res, err := vm.Execute(ctx, prog, cfg)
	if err != nil {
		return nil, err
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
	elfBytes, err := loadGuest(c, ctx.String("elf"), logger)
	if err != nil {
		return err
	}
	cfg := vm.Config{
		Po2:       ctx.Int("po2"),
		MaxCycles: ctx.Uint64("max-cycles"),
		ImageID:   true,
		Progress:  progressReporter(logger),
		ProfileFP: true,
	}
	if dir := ctx.String("segments"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		cfg.OnSegment = vm.WriteSegmentsTo(dir)
	}
	run, err := runGuest(c, elfBytes, input, cfg)
	endProgress()
	if run != nil {
		r := run.Result
		logger.Info("Executed the STF guest", "exit", r.ExitCode, "cycles", r.Cycles, "instructions", r.Instructions,
			"paging", r.PagingCycles, "beforeMain", r.CyclesBeforeMain, "segments", r.Segments, "po2", cfg.Po2,
			"fpOps", r.FPOps, "fpOpsBeforeMain", r.FPOpsBeforeMain, "MHz", fmt.Sprintf("%.1f", r.MHz()), "elapsed", r.Duration.Round(time.Millisecond), "imageID", r.ImageID)
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
