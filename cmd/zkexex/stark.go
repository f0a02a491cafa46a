package main

import (
	"context"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/log"
	"github.com/zkexex/zkexex/derivation"
	"github.com/zkexex/zkexex/prover/pool"
	"github.com/zkexex/zkexex/prover/prove"
	"github.com/zkexex/zkexex/prover/vm"
)

// newProver returns the span prover of kind and the image ID its receipts name: a dev prover
// (native, executor) or the STARK prover (stark).
func newProver(ctx context.Context, kind string, tr *spanTracker) (derivation.Prover, common.Hash, error) {
	if kind == "stark" {
		p, err := starkProver(ctx, tr)
		if err != nil {
			return nil, common.Hash{}, err
		}
		return p, p.ImageID(), nil
	}
	p, err := devProver(ctx, kind, tr)
	if err != nil {
		return nil, common.Hash{}, err
	}
	return p, p.ImageID, nil
}

// starkProver proves every block with the STF guest built from this binary's source, every
// segment at full security; each block's proving reports to the tracker.
func starkProver(ctx context.Context, tr *spanTracker) (*derivation.StarkProver, error) {
	elf, err := loadGuest(ctx, "", log.Root())
	if err != nil {
		return nil, err
	}
	g, err := loadGuestImage(ctx, elf)
	if err != nil {
		return nil, fmt.Errorf("STARK prover: %w", err)
	}
	p := derivation.NewStarkProver(g.img, g.prog, prove.Options{
		Po2:      vm.DefaultPo2,
		Progress: func(pp pool.Progress) { tr.executorProgress(pp.ProvenCycles) },
	})
	p.OnBlock = func(n uint64, res *vm.Result, took time.Duration) {
		tr.blockDone(res.Cycles)
		log.Info("Proved block", "chain", "L2", "block", n, "cycles", res.Cycles, "segments", res.Segments,
			"kHz", fmt.Sprintf("%.1f", float64(res.Cycles)/took.Seconds()/1e3), "elapsed", took.Round(time.Millisecond))
	}
	log.Warn("STARK prover: every segment of every block is proven (minutes per block on a small machine). "+
		"Until the Groth16 wrap exists the L1 oracle keeps its dev verifier: receipts are verified by the proposer before it proposes, not on chain",
		"imageID", p.ImageID())
	return p, nil
}
