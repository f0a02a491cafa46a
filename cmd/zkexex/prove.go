package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/log"
	"github.com/mattn/go-isatty"
	"github.com/urfave/cli/v2"
	"github.com/zkexex/zkexex/prover/pool"
	"github.com/zkexex/zkexex/prover/prove"
	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/prover/recursion"
	"github.com/zkexex/zkexex/prover/vm"
	"github.com/zkexex/zkexex/stf"
	"github.com/zkexex/zkexex/stf/guestio"
)

// proveCommand proves a whole run of a program into a composite receipt.
var proveCommand = &cli.Command{
	Name:  "prove",
	Usage: "prove a run of a static RV64 ELF (--elf, --stdin) or of the STF guest on an STF input (--input) into a composite or succinct receipt",
	Description: `Executes the program from its image (its state at READY, or its entry state) and proves
every segment on worker goroutines as the executor emits them. With --input, the program is the
STF guest (built from this binary's source unless --elf or --image names it) and the input an
'zkexex stf input' file. 'zkexex verify' checks the receipt.

With --succinct, every segment is proven at a shape of the menu, lifted, and the lifts are joined
into one succinct receipt (a few hundred kB, verified in milliseconds) under the production key
set compiled into this binary. Aggregation adds recursion proofs to the segment proofs: expect it
to take longer than the composite receipt.`,
	Flags: append([]cli.Flag{
		&cli.StringFlag{Name: "elf", Usage: "static riscv64 ELF (with --input: the STF guest ELF; default: build stf/guest)"},
		&cli.StringFlag{Name: "image", Usage: "start from this image ('zkexex image --out') instead of building it from the ELF"},
		&cli.StringFlag{Name: "stdin", Usage: "file the program reads as its input"},
		&cli.StringFlag{Name: "input", Usage: "STF input file: prove the STF guest on it"},
		&cli.IntFlag{Name: "po2", Usage: "segment size as a power of two (16..22)", Value: vm.DefaultPo2},
		&cli.IntFlag{Name: "workers", Usage: "segments proven at once (0: one per CPU; each holds a segment's traces in memory)"},
		&cli.Uint64Flag{Name: "max-cycles", Usage: "stop after this many cycles (0: no limit)"},
		&cli.BoolFlag{Name: "succinct", Usage: "aggregate the segment proofs into one succinct receipt"},
		&cli.StringFlag{Name: "out", Usage: "write the receipt to this file", Required: true},
	}, clusterFlags...),
	Action: proveAction,
}

// proveOptions are prove's flags, checked before any work starts.
type proveOptions struct {
	ELF, Image, Stdin, Input, Out string
	Po2, Workers                  int
	MaxCycles                     uint64
	Succinct                      bool
}

func (o *proveOptions) validate() error {
	var errs []error
	stfMode := o.Input != ""
	switch {
	case stfMode && o.Stdin != "":
		errs = append(errs, errors.New("--stdin and --input exclude each other (the STF guest reads the input file)"))
	case !stfMode && o.ELF == "" && o.Image == "":
		errs = append(errs, errors.New("--elf (or --image) or --input is required"))
	}
	if o.Po2 < vm.MinPo2 || o.Po2 > vm.MaxPo2 {
		errs = append(errs, fmt.Errorf("--po2 %d: want %d..%d", o.Po2, vm.MinPo2, vm.MaxPo2))
	}
	if o.Workers < 0 {
		errs = append(errs, fmt.Errorf("--workers %d: want 0 or more", o.Workers))
	}
	for _, f := range []struct{ flag, path string }{{"elf", o.ELF}, {"image", o.Image}, {"stdin", o.Stdin}, {"input", o.Input}} {
		if f.path == "" {
			continue
		}
		if st, err := os.Stat(f.path); err != nil {
			errs = append(errs, fmt.Errorf("--%s: %w", f.flag, err))
		} else if st.IsDir() {
			errs = append(errs, fmt.Errorf("--%s %s is a directory", f.flag, f.path))
		}
	}
	if st, err := os.Stat(filepath.Dir(o.Out)); err != nil || !st.IsDir() {
		errs = append(errs, fmt.Errorf("--out %s: its directory does not exist", o.Out))
	} else if st, err := os.Stat(o.Out); err == nil && st.IsDir() {
		errs = append(errs, fmt.Errorf("--out %s is a directory", o.Out))
	}
	return errors.Join(errs...)
}

func proveAction(ctx *cli.Context) error {
	c := ctx.Context
	if c == nil {
		c = context.Background()
	}
	o := &proveOptions{
		ELF: ctx.String("elf"), Image: ctx.String("image"), Stdin: ctx.String("stdin"), Input: ctx.String("input"), Out: ctx.String("out"),
		Po2: ctx.Int("po2"), Workers: ctx.Int("workers"), MaxCycles: ctx.Uint64("max-cycles"), Succinct: ctx.Bool("succinct"),
	}
	if err := o.validate(); err != nil {
		return err
	}
	if clusterWanted(ctx) && !o.Succinct {
		return errors.New("--nats and --nats-listen prove through a cluster: they need --succinct")
	}
	logger := log.NewLogger(log.NewTerminalHandler(os.Stderr, isatty.IsTerminal(os.Stderr.Fd())))
	succinct := proveSuccinct
	if clusterWanted(ctx) {
		succinct = clusterSuccinct(ctx, logger)
	}
	img, prog, err := proveProgram(c, o, logger)
	if err != nil {
		return err
	}
	var input []byte
	if f := o.Stdin + o.Input; f != "" { // at most one is set
		if input, err = os.ReadFile(f); err != nil {
			return err
		}
	}
	logger.Info("Proving", "imageID", img.ID(), "po2", o.Po2, "workers", o.Workers, "input", len(input), "succinct", o.Succinct)
	start := time.Now()
	opts := prove.Options{Po2: o.Po2, Workers: o.Workers, MaxCycles: o.MaxCycles, Progress: proveProgress(logger)}
	var (
		enc      []byte
		res      *vm.Result
		segments int
		journal  []byte
		exit     uint8
	)
	if o.Succinct {
		costs := new(recursion.Costs)
		r, rres, err := succinct(recursion.WithCosts(c, costs), img, prog, input, opts)
		endProgress()
		if err != nil {
			return err
		}
		logCosts(logger, costs)
		if enc, err = r.MarshalBinary(); err != nil {
			return err
		}
		res, segments, journal, exit = rres, int(r.Segments), r.Journal, r.Claim.ExitCode
	} else {
		comp, rres, err := prove.Run(c, img, prog, input, opts)
		endProgress()
		if err != nil {
			return err
		}
		if enc, err = comp.MarshalBinary(); err != nil {
			return err
		}
		last, err := comp.Claim()
		if err != nil {
			return err
		}
		res, segments, journal, exit = rres, len(comp.Segments), comp.Journal, last.ExitCode
	}
	if err := os.WriteFile(o.Out, enc, 0o644); err != nil {
		return err
	}
	took := time.Since(start)
	logger.Info("Proved the run", "segments", segments, "cycles", res.Cycles, "instructions", res.Instructions, "paging", res.PagingCycles,
		"exit", res.ExitCode, "journal", len(res.Journal), "kHz", fmt.Sprintf("%.1f", float64(res.Cycles)/took.Seconds()/1e3),
		"elapsed", took.Round(time.Millisecond), "receipt", o.Out, "bytes", len(enc), "imageID", res.ImageID)
	if o.Input != "" {
		return stfOutcome(exit, journal)
	}
	return nil
}

// proveSuccinct proves and aggregates the run under the production key set.
func proveSuccinct(ctx context.Context, img *vm.Image, prog *vm.Program, input []byte, opts prove.Options) (*receipt.SuccinctReceipt, *vm.Result, error) {
	agg, err := recursion.ProductionAggregator()
	if err != nil {
		return nil, nil, err
	}
	return prove.Succinct(ctx, img, prog, input, opts, agg)
}

// logCosts reports where a succinct run's proving time went, summed over the workers: the
// segment proofs and each aggregation program, and aggregation's cost as a fraction of the
// segment proofs'.
func logCosts(logger log.Logger, costs *recursion.Costs) {
	seg := costs.Of(prove.CostSegment)
	if seg.Proofs == 0 {
		return // proven elsewhere (a cluster's workers)
	}
	ctx := []any{"segments", seg.Proofs, "segmentTime", seg.Time.Round(time.Millisecond)}
	programs := []string{recursion.ProgramLift, recursion.ProgramJoin, recursion.ProgramSeal, recursion.ProgramChain, recursion.ProgramShrink}
	for _, p := range programs {
		if c := costs.Of(p); c.Proofs > 0 {
			ctx = append(ctx, p+"s", c.Proofs, p+"Time", c.Time.Round(time.Millisecond))
		}
	}
	agg := costs.Total(programs...)
	ctx = append(ctx, "aggregation/segments", fmt.Sprintf("%.3f", agg.Time.Seconds()/seg.Time.Seconds()))
	logger.Info("Proving time, summed over workers", ctx...)
}

// stfOutcome reports an STF guest run that did not produce a claim; its receipt is written all
// the same (it proves the failure).
func stfOutcome(exit uint8, journal []byte) error {
	if exit != guestio.ExitOK {
		return fmt.Errorf("the STF guest exited with status %d (%s); the receipt proves that failure", exit, guestio.ExitName(int(exit)))
	}
	if _, err := stf.DecodeClaim(journal); err != nil {
		return fmt.Errorf("the STF guest's journal: %w", err)
	}
	return nil
}

// proveProgram returns the image to prove (and the program, for symbols, when an ELF is at
// hand): --image, else the image of --elf, else (with --input) of the STF guest built from
// this binary's source.
func proveProgram(ctx context.Context, o *proveOptions, logger log.Logger) (*vm.Image, *vm.Program, error) {
	var img *vm.Image
	if o.Image != "" {
		var err error
		if img, err = readImage(o.Image); err != nil {
			return nil, nil, err
		}
	}
	var elf []byte
	switch {
	case o.ELF != "":
		var err error
		if elf, err = os.ReadFile(o.ELF); err != nil {
			return nil, nil, err
		}
	case img == nil:
		var err error
		if elf, err = loadGuest(ctx, "", logger); err != nil {
			return nil, nil, err
		}
	}
	if elf == nil {
		return img, nil, nil
	}
	if o.Input != "" {
		g, err := loadGuestImage(ctx, elf)
		if err != nil {
			return nil, nil, err
		}
		if img == nil {
			img = g.img
		}
		return img, g.prog, nil
	}
	prog, err := vm.LoadELF(elf)
	if err != nil {
		return nil, nil, err
	}
	if img == nil {
		b, boot, err := vm.BuildImage(ctx, prog, vm.Config{MaxCycles: o.MaxCycles})
		if err != nil {
			return nil, nil, fmt.Errorf("building the image: %w", err)
		}
		if boot.Ready {
			logger.Info("Built the image at READY", "instructions", boot.Instructions)
		}
		img = b
	}
	return img, prog, nil
}

// proveProgress shows segments proven of emitted, the speed and the ETA: on one rewritten line
// on a terminal, in a log line every 10 s otherwise.
func proveProgress(logger log.Logger) func(pool.Progress) {
	tty := isatty.IsTerminal(os.Stderr.Fd())
	var last time.Time
	return func(p pool.Progress) {
		total := fmt.Sprintf("%d", p.Emitted)
		if !p.Done {
			total += "+"
		}
		eta := "unknown"
		if d, ok := p.ETA(); ok {
			eta = d.Round(time.Second).String()
		}
		if tty {
			fmt.Fprintf(os.Stderr, "\r%d/%s segments proven, %.1f kHz, ETA %s, %s   ", p.Proven, total, p.KHz(), eta, p.Elapsed.Round(time.Second))
			return
		}
		if time.Since(last) >= 10*time.Second {
			last = time.Now()
			logger.Info("Proving", "proven", p.Proven, "emitted", total, "kHz", fmt.Sprintf("%.1f", p.KHz()), "eta", eta, "elapsed", p.Elapsed.Round(time.Second))
		}
	}
}

// trimHex is s without a 0x prefix.
func trimHex(s string) string { return strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X") }
