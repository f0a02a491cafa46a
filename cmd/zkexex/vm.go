package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/log"
	"github.com/mattn/go-isatty"
	"github.com/urfave/cli/v2"
	"github.com/zkexex/zkexex/prover/vm"
)

// vmCommand runs any static RV64 Linux ELF on the zkVM executor.
var vmCommand = &cli.Command{
	Name:  "vm",
	Usage: "zkVM executor tools",
	Subcommands: []*cli.Command{
		{
			Name:  "run",
			Usage: "run a static RV64 Linux ELF on the executor from its image; prints its output, exit code, cycles, kernel work and MHz",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "elf", Usage: "static riscv64 ELF (with --image: only its symbols are used)"},
				&cli.StringFlag{Name: "image", Usage: "start from this image ('zkexex image --out') instead of building it from the ELF"},
				&cli.StringFlag{Name: "stdin", Usage: "file whose bytes the guest reads on fd 0"},
				&cli.Uint64Flag{Name: "max-cycles", Usage: "stop after this many cycles (0: no limit)"},
				&cli.IntFlag{Name: "po2", Usage: "segment size as a power of two (16..22)", Value: vm.DefaultPo2},
				&cli.StringFlag{Name: "segments", Usage: "write segment records into this directory"},
				&cli.BoolFlag{Name: "fp-profile", Usage: "list the functions whose instructions the kernel emulated (F/D, CSR)"},
				&cli.StringFlag{Name: "profile", Usage: "write a pprof profile of cycles by function, with call stacks, to this file"},
			},
			Action: vmRun,
		},
	},
}

// progressReporter shows cycles and speed: a rewritten line on a terminal, log lines
// (at most every 10 s) otherwise.
func progressReporter(logger log.Logger) func(uint64) {
	start := time.Now()
	tty := isatty.IsTerminal(os.Stderr.Fd())
	var last time.Time
	return func(cycles uint64) {
		if cycles == 0 {
			start = time.Now()
			return
		}
		el := time.Since(start)
		mhz := float64(cycles) / el.Seconds() / 1e6
		if tty {
			fmt.Fprintf(os.Stderr, "\r%d Mcycles, %.1f MHz, %s   ", cycles/1e6, mhz, el.Round(time.Second))
			return
		}
		if time.Since(last) >= 10*time.Second {
			last = time.Now()
			logger.Info("Executing", "cycles", cycles, "MHz", fmt.Sprintf("%.1f", mhz), "elapsed", el.Round(time.Second))
		}
	}
}

func endProgress() {
	if isatty.IsTerminal(os.Stderr.Fd()) {
		fmt.Fprint(os.Stderr, "\r\033[K")
	}
}

func vmRun(ctx *cli.Context) error {
	c := ctx.Context
	if c == nil {
		c = context.Background()
	}
	var prog *vm.Program
	if f := ctx.String("elf"); f != "" {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if prog, err = vm.LoadELF(data); err != nil {
			return err
		}
	}
	var img *vm.Image
	if f := ctx.String("image"); f != "" {
		var err error
		if img, err = readImage(f); err != nil {
			return err
		}
	}
	if prog == nil && img == nil {
		return errors.New("vm run: --elf or --image is required")
	}
	var err error
	var stdin []byte
	if f := ctx.String("stdin"); f != "" {
		if stdin, err = os.ReadFile(f); err != nil {
			return err
		}
	}
	logger := log.NewLogger(log.NewTerminalHandler(os.Stderr, isatty.IsTerminal(os.Stderr.Fd())))
	cfg := vm.Config{
		Po2:       ctx.Int("po2"),
		MaxCycles: ctx.Uint64("max-cycles"),
		Stdin:     stdin,
		ProfileFP: ctx.Bool("fp-profile"),
		Profile:   ctx.String("profile") != "",
		Progress:  progressReporter(logger),
		Output: func(fd int, b []byte) {
			switch fd {
			case vm.FdStdout:
				os.Stdout.Write(b)
			case vm.FdStderr:
				os.Stderr.Write(b)
			}
		},
	}
	if dir := ctx.String("segments"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		cfg.OnSegment = vm.WriteSegmentsTo(dir)
	}
	var res *vm.Result
	if img != nil {
		res, err = vm.ExecuteImage(c, img, prog, cfg)
	} else {
		res, err = vm.Execute(c, prog, cfg)
	}
	endProgress()
	if err != nil {
		return err
	}
	if err := writeProfile(ctx.String("profile"), res); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "exit code:       %d\n", res.ExitCode)
	fmt.Fprintf(os.Stderr, "cycles:          %d from the image (%d instructions, %d paging)\n", res.Cycles, res.Instructions, res.PagingCycles)
	if res.Ready {
		fmt.Fprintf(os.Stderr, "boot:            %d instructions from the entry to READY (not proven per run)\n", res.BootInstructions)
	}
	fmt.Fprintf(os.Stderr, "before main:     %d instructions from the entry\n", res.CyclesBeforeMain)
	fmt.Fprintf(os.Stderr, "segments:        %d (po2 %d)\n", res.Segments, cfg.Po2)
	fmt.Fprintf(os.Stderr, "kernel:          %d syscalls in %d instructions; %d emulated instructions (F/D, CSR) in %d\n", res.Syscalls, res.SyscallCycles, res.FPOps, res.FPCycles)
	names := slices.Collect(maps.Keys(res.FPByFunc))
	slices.SortFunc(names, func(a, b string) int {
		if c := cmp.Compare(res.FPByFunc[b], res.FPByFunc[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	for _, name := range names {
		fmt.Fprintf(os.Stderr, "  %8d  %s\n", res.FPByFunc[name], name)
	}
	fmt.Fprintf(os.Stderr, "speed:           %.1f MHz (%s)\n", res.MHz(), res.Duration.Round(time.Millisecond))
	if res.ExitCode != 0 {
		return cli.Exit("", res.ExitCode)
	}
	return nil
}

// writeProfile writes the run's cycle profile (gzipped pprof) to path, if path is set.
func writeProfile(path string, res *vm.Result) error {
	if path == "" || res.Profile == nil {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := res.Profile.Write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
