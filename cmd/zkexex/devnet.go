package main

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ethereum/go-ethereum/log"
	"github.com/mattn/go-isatty"
	"github.com/urfave/cli/v2"
	"github.com/zkexex/zkexex/exex"
	"github.com/zkexex/zkexex/exex/devnet"
)

// devnetCommand runs an embedded geth dev chain with the execution-extension manager and a
// logging extension, a transaction generator and optional injected reorgs.
var devnetCommand = &cli.Command{
	Name:  "devnet",
	Usage: "run an in-process geth dev chain with the execution extension, traffic and reorgs",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "datadir", Usage: "data directory (default: a fresh temporary directory, removed on exit)"},
		&cli.DurationFlag{Name: "block-time", Usage: "time between blocks (0: as fast as possible)", Value: time.Second},
		&cli.Uint64Flag{Name: "blocks", Usage: "stop cleanly once the chain has this many blocks (0: run until interrupted)"},
		&cli.Uint64Flag{Name: "reorg-every", Usage: "inject a reorg of random depth 1..3 every K blocks (0: never)"},
		&cli.Int64Flag{Name: "seed", Usage: "seed for traffic and reorg depths", Value: 1},
		&cli.IntFlag{Name: "txs", Usage: "transactions submitted per block", Value: 8},
		&cli.IntFlag{Name: "http.port", Usage: "serve JSON-RPC on 127.0.0.1 at this port (0: no RPC)"},
		&cli.IntFlag{Name: "verbosity", Usage: "log level: 0 crit .. 5 trace", Value: 3},
	},
	Action: runDevnet,
}

func runDevnet(c *cli.Context) error {
	level := log.FromLegacyLevel(c.Int("verbosity"))
	log.SetDefault(log.NewLogger(log.NewTerminalHandlerWithLevel(os.Stderr, level, isatty.IsTerminal(os.Stderr.Fd()))))

	datadir := c.String("datadir")
	if datadir == "" {
		dir, err := os.MkdirTemp("", "zkexex-devnet-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		datadir = dir
	}
	ctx, cancel := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer cancel()

	logger := devnet.NewLogger()
	d, err := devnet.Start(devnet.Config{
		DataDir:  datadir,
		HTTPPort: c.Int("http.port"),
		// The driver below notices the failure through Manager.Done and closes the node.
		Exex:       exex.Config{OnFatal: func(error) {}},
		Extensions: []exex.Extension{logger.Extension()},
	})
	if err != nil {
		return err
	}
	defer d.Close()
	log.Info("Devnet started", "datadir", datadir, "chainID", d.Config.ChainID, "accounts", len(d.Keys))

	var (
		rng        = rand.New(rand.NewSource(c.Int64("seed")))
		blocks     = c.Uint64("blocks")
		reorgEvery = c.Uint64("reorg-every")
		blockTime  = c.Duration("block-time")
		start      = time.Now()
		reorgs     int
	)
	for blocks == 0 || d.Head().Number.Uint64() < blocks {
		if err := d.SendTraffic(rng, c.Int("txs")); err != nil {
			return err
		}
		before := d.Head().Number.Uint64()
		head := d.Commit()
		if head.Number.Uint64() == before {
			log.Warn("Devnet block not sealed; retrying", "head", before)
		} else if reorgEvery > 0 && head.Number.Uint64()%reorgEvery == 0 && head.Number.Uint64() > 3 {
			if _, _, err := d.Reorg(ctx, rng, 1+rng.Intn(3)); err != nil {
				return err
			}
			reorgs++
		}
		select {
		case <-ctx.Done():
			log.Info("Devnet interrupted")
			return nil
		case <-d.Manager.Done():
			return d.Manager.Err()
		case <-time.After(blockTime):
		}
	}
	// Let the extension catch up with the final head before shutting down.
	wctx, wcancel := context.WithTimeout(ctx, time.Minute)
	defer wcancel()
	if err := d.WaitManager(wctx); err != nil {
		return fmt.Errorf("devnet: waiting for the extension manager: %w", err)
	}
	head := d.Head()
	if err := logger.WaitTip(wctx, exex.BlockID{Number: head.Number.Uint64(), Hash: head.Hash()}); err != nil {
		return fmt.Errorf("devnet: waiting for the logger extension: %w", err)
	}
	counts := logger.Counts()
	log.Info("Devnet done", "head", head.Number, "reorgs", reorgs, "committed", counts[exex.Committed], "reorged", counts[exex.Reorged], "reverted", counts[exex.Reverted], "elapsed", time.Since(start).Round(time.Millisecond))
	return d.Manager.Err()
}
