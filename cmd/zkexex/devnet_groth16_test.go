package main

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"os"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/log"
	"github.com/zkexex/zkexex/contracts"
	"github.com/zkexex/zkexex/contracts/bindings"
	"github.com/zkexex/zkexex/prover/receipt"
)

// TestDevnetGroth16Prover runs the devnet with --prover groth16 on empty blocks: the first span
// (one block) is proven at full security, aggregated, and wrapped in a Groth16 proof under the
// production wrap (the final layer at FinalLayerParams, dev keys from the cache, set up on first
// use: about 20 minutes and 11 GB here); the oracle on L1 is deployed with gnark's verifier for
// those keys behind a Groth16OutputVerifier, and it accepts the proposal. Then on L1: the
// verifier is the dev-mode Groth16 one, it refuses the proof with a flipped byte and for
// another output root, and the proposed root is the native STF's.
//
// ZKEXEX_WRAP_E2E=1 runs it (not in CI: tens of minutes).
func TestDevnetGroth16Prover(t *testing.T) {
	if testing.Short() || os.Getenv("ZKEXEX_WRAP_E2E") == "" {
		t.Skip("sets up and proves the production wrap (tens of minutes): ZKEXEX_WRAP_E2E=1")
	}
	// Tens of minutes: show the devnet's progress lines as the command would.
	prev := log.Root()
	log.SetDefault(newDevnetLogger(3, os.Stderr, os.Stderr))
	defer log.SetDefault(prev)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Minute)
	defer cancel()
	// Five blocks: the proposer waits four deep, so the output of block 1 is proposed.
	opts := devnetOptions{DataDir: t.TempDir(), Blocks: 5, Seed: 3, Txs: 0, Interval: 1, Prover: "groth16", Solc: "../../contracts",
		// po2 19: a worker holds about 5 GB, beside the wrap's keys and circuit (about 4 GB).
		Prove: proveConfig{Po2: 19, KeyCache: os.Getenv("ZKEXEX_GROTH16_CACHE")}, StallTimeout: 30 * time.Minute}
	_, err := runSystem(ctx, opts, func(sum *devnetSummary) error {
		if len(sum.Proposals) == 0 {
			return errors.New("no proposals")
		}
		client := ethclient.NewClient(sum.L1.Stack.Attach())
		defer client.Close()
		call := &bind.CallOpts{Context: ctx}
		addr, err := sum.Binding.Verifier(call)
		if err != nil {
			return err
		}
		v, err := bindings.NewGroth16OutputVerifier(addr, client)
		if err != nil {
			return err
		}
		if dev, err := v.IsDev(call); err != nil || !dev {
			return fmt.Errorf("the oracle's verifier says isDev() = %v (%v), want a dev-mode Groth16 verifier", dev, err)
		}
		for _, r := range sum.Proposals {
			p := r.Proposal
			if p.Receipt.Kind != receipt.KindGroth16 {
				return fmt.Errorf("block %d proposed with a %v receipt", p.L2BlockNumber, p.Receipt.Kind)
			}
			tx, err := client.TransactionReceipt(ctx, r.Proposed.L1TxHash)
			if err != nil {
				return err
			}
			out, err := sum.Binding.GetL2Output(call, new(big.Int).SetUint64(r.Proposed.OutputIndex))
			if err != nil {
				return err
			}
			if out.OutputRoot != p.OutputRoot {
				return fmt.Errorf("block %d: the oracle holds %x, proposed %x", p.L2BlockNumber, out.OutputRoot, p.OutputRoot)
			}
			if err := checkNativeRoot(ctx, sum, p.L2BlockNumber, p.OutputRoot); err != nil {
				return err
			}
			// The verifier itself, for the statement the oracle checked and for tampered ones.
			proof, err := p.Receipt.Proof()
			if err != nil {
				return err
			}
			c := p.Receipt.Claim
			block := new(big.Int).SetUint64(c.EndBlock)
			if err := v.Verify(call, c.ImageID, c.ConfigHash, c.StartOutputRoot, c.EndOutputRoot, block, proof); err != nil {
				return fmt.Errorf("block %d: the verifier refuses the proposed proof: %w", p.L2BlockNumber, contracts.AsRevert(err))
			}
			flipped := append([]byte(nil), proof...)
			flipped[len(flipped)/2] ^= 1
			if err := v.Verify(call, c.ImageID, c.ConfigHash, c.StartOutputRoot, c.EndOutputRoot, block, flipped); err == nil {
				return fmt.Errorf("block %d: the verifier accepts the proof with a flipped byte", p.L2BlockNumber)
			}
			other := c.EndOutputRoot
			other[0] ^= 1
			if err := v.Verify(call, c.ImageID, c.ConfigHash, c.StartOutputRoot, other, block, proof); err == nil {
				return fmt.Errorf("block %d: the verifier accepts the proof for another output root", p.L2BlockNumber)
			}
			t.Logf("block %d: Groth16 proof of %d bytes accepted on L1 (proposal %d gas), refused flipped and for another root",
				p.L2BlockNumber, len(proof), tx.GasUsed)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
