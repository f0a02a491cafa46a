package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/zkexex/zkexex/derivation"
	"github.com/zkexex/zkexex/prover/receipt"
)

// TestDevnetStarkProver runs the devnet with --prover stark on empty blocks: the first span
// (one block) is proven segment by segment at full security and aggregated into a succinct
// receipt under the production key set (the default; --prove.receipt composite keeps the
// segment proofs), the proposer verifies it before proposing, and the proposed root is the
// native STF's.
func TestDevnetStarkProver(t *testing.T) {
	for _, kind := range []receipt.Kind{receipt.KindSuccinct, receipt.KindComposite} {
		t.Run(kind.String(), func(t *testing.T) { testDevnetStarkProver(t, kind) })
	}
}

func testDevnetStarkProver(t *testing.T, kind receipt.Kind) {
	if testing.Short() {
		t.Skip("proves millions of cycles at full security (minutes)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	// Five blocks: the proposer waits four deep, so the output of block 1 is proposed.
	opts := devnetOptions{DataDir: t.TempDir(), Blocks: 5, Seed: 3, Txs: 0, Interval: 1, Prover: "stark"}
	if kind == receipt.KindComposite {
		opts.Prove.Receipt = receiptComposite
	}
	_, err := runSystem(ctx, opts, func(sum *devnetSummary) error {
		if len(sum.Proposals) == 0 {
			return fmt.Errorf("no proposals")
		}
		for _, r := range sum.Proposals {
			p := r.Proposal
			if p.Receipt.Kind != kind {
				return fmt.Errorf("block %d proposed with a %v receipt", p.L2BlockNumber, p.Receipt.Kind)
			}
			start := time.Now()
			if err := receipt.Verify(p.Receipt, p.Receipt.Claim, receipt.VerifierOptions{ImageID: p.Receipt.Claim.ImageID, Seal: &derivation.SpanVerifier{}}); err != nil {
				return fmt.Errorf("block %d: %w", p.L2BlockNumber, err)
			}
			if err := checkNativeRoot(ctx, sum, p.L2BlockNumber, p.OutputRoot); err != nil {
				return err
			}
			t.Logf("block %d: %d-byte %v receipt verified in %v", p.L2BlockNumber, len(p.Receipt.Seal), kind, time.Since(start).Round(time.Millisecond))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
