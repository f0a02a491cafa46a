package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/ethereum/go-ethereum/log"
	"github.com/mattn/go-isatty"
	"github.com/urfave/cli/v2"
	"github.com/zkexex/zkexex/stf"
)

// stfCommand groups the stateless-STF tools: packaging an input, running the
// STF natively, and building the zkVM guest.
var stfCommand = &cli.Command{
	Name:  "stf",
	Usage: "stateless state transition function: build inputs, run natively, build the guest",
	Subcommands: []*cli.Command{
		{
			Name:  "input",
			Usage: "package a block and its execution witness into an STF input",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "block", Usage: "RLP-encoded block file", Required: true},
				&cli.StringFlag{Name: "witness", Usage: "RLP-encoded ExtWitness file", Required: true},
				&cli.StringFlag{Name: "chain", Usage: "hoodi, mainnet, sepolia or a chain-config JSON file", Value: "mainnet"},
				&cli.StringFlag{Name: "message-passer", Usage: "address of the L2ToL1MessagePasser whose storage root goes into the output root, or \"none\" " +
					"(default: none for mainnet, sepolia and hoodi; " + stf.DefaultMessagePasser.Hex() + " for a chain-config file)"},
				&cli.StringSliceFlag{Name: "account-proof", Usage: "eth_getProof JSON of the message passer, given twice: at the block's parent and at the block " +
					"(when the witness does not cover its path; the parent's proves the output root the block builds on)"},
				&cli.StringFlag{Name: "out", Usage: "output file", Required: true},
			},
			Action: stfInput,
		},
		{
			Name:  "run",
			Usage: "execute an STF input natively and print its claim as JSON",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "input", Usage: "STF input file", Required: true},
			},
			Action: stfRun,
		},
		{
			Name:  "guest",
			Usage: "build the STF guest ELF for the zkVM (linux/riscv64)",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "out", Usage: "output ELF path", Required: true},
			},
			Action: stfGuest,
		},
	},
}

func stfInput(ctx *cli.Context) error {
	// The flags first, so that a typo fails before any file is read.
	cfg, err := stf.ConfigByName(ctx.String("chain"))
	if err != nil {
		return fmt.Errorf("--chain: %w", err)
	}
	if ctx.IsSet("message-passer") {
		if cfg.MessagePasser, err = stf.ParseMessagePasser(ctx.String("message-passer")); err != nil {
			return fmt.Errorf("--message-passer: %w", err)
		}
	}
	if ctx.IsSet("account-proof") && cfg.MessagePasser == nil {
		return errors.New("--account-proof proves the message passer, and this chain has none (set --message-passer)")
	}
	blockRLP, err := os.ReadFile(ctx.String("block"))
	if err != nil {
		return err
	}
	witnessRLP, err := os.ReadFile(ctx.String("witness"))
	if err != nil {
		return err
	}
	block, witness, err := stf.ReadBlockAndWitness(blockRLP, witnessRLP)
	if err != nil {
		return err
	}
	var in *stf.Input
	if files := ctx.StringSlice("account-proof"); len(files) > 0 {
		var nodes [][]byte
		for _, p := range files {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			proof, err := stf.ReadAccountProof(data)
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			nodes = append(nodes, proof...)
		}
		in = stf.InputWithProof(cfg, block, witness, nodes)
		if _, err := stf.Execute(ctx.Context, in); err != nil {
			stfLog().Warn("The STF rejects this input", "block", block.NumberU64(), "err", err)
		}
	} else if in, err = stf.NewInput(ctx.Context, cfg, block, witness); err != nil {
		// The input is still written: it is the honest packaging of what we
		// were given, and "stf run" on it reports the same typed error.
		stfLog().Warn("The STF rejects this block and witness; writing the input as given (no extra proof nodes)", "block", block.NumberU64(), "err", err)
		in = &stf.Input{Config: cfg, Block: block, Witness: witness}
	}
	enc, err := in.Encode()
	if err != nil {
		return err
	}
	if err := os.WriteFile(ctx.String("out"), enc, 0o644); err != nil {
		return err
	}
	configHash, _ := cfg.Hash()
	stfLog().Info("Wrote STF input", "file", ctx.String("out"), "bytes", len(enc), "block", block.NumberU64(),
		"hash", block.Hash(), "configHash", configHash, "extraNodes", len(in.ExtraNodes))
	return nil
}

func stfRun(ctx *cli.Context) error {
	data, err := os.ReadFile(ctx.String("input"))
	if err != nil {
		return err
	}
	in, err := stf.DecodeInput(data)
	if err != nil {
		return err
	}
	claim, err := stf.Execute(ctx.Context, in)
	if err != nil {
		return err
	}
	out, err := json.MarshalIndent(claim, "", "  ")
	if err != nil {
		return err
	}
	fmt.Println(string(out))
	return nil
}

func stfGuest(ctx *cli.Context) error {
	c := ctx.Context
	if c == nil {
		c = context.Background()
	}
	if err := stf.BuildGuest(c, ctx.String("out")); err != nil {
		return err
	}
	fi, err := os.Stat(ctx.String("out"))
	if err != nil {
		return errors.New("guest build produced no file")
	}
	stfLog().Info("Built STF guest", "file", ctx.String("out"), "bytes", fi.Size())
	return nil
}

// stfLog logs to stderr (colour on a terminal) without touching the process's
// root logger, which belongs to main.
func stfLog() log.Logger {
	return log.NewLogger(log.NewTerminalHandler(os.Stderr, isatty.IsTerminal(os.Stderr.Fd())))
}
