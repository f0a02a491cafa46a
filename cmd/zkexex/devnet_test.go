package main

import (
	"context"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/zkexex/zkexex/derivation"
	"github.com/zkexex/zkexex/exex/devnet"
	"github.com/zkexex/zkexex/stf"
)

// TestDevnetSystem runs the whole system in process (L2 with the extension and the pipeline,
// L1 with the oracle and the dev verifier, reorgs injected) and reads the outputs back from the
// oracle: at least three, each the STF claim's output root of its canonical L2 block.
func TestDevnetSystem(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	opts := devnetOptions{DataDir: t.TempDir(), Blocks: 22, ReorgEvery: 7, Seed: 5, Txs: 6, Interval: 4}
	_, err := runSystem(ctx, opts, func(sum *devnetSummary) error {
		call := &bind.CallOpts{Context: ctx}
		latest, err := sum.Binding.LatestOutputIndex(call)
		if err != nil {
			return err
		}
		if n := latest.Uint64() + 1; n < 3 || int(n) != len(sum.Proposals) {
			return fmt.Errorf("oracle holds %d outputs, proposer sent %d; want at least 3", n, len(sum.Proposals))
		}
		bc := sum.L2.Eth.BlockChain()
		for i := uint64(0); i <= latest.Uint64(); i++ {
			out, err := sum.Binding.GetL2Output(call, new(big.Int).SetUint64(i))
			if err != nil {
				return err
			}
			num := out.L2BlockNumber.Uint64()
			if num != (i+1)*opts.Interval {
				return fmt.Errorf("output %d is for block %d", i, num)
			}
			blk := bc.GetBlockByNumber(num)
			in, err := stf.InputFromChain(ctx, bc, sum.STF, blk)
			if err != nil {
				return err
			}
			claim, err := stf.Execute(ctx, in)
			if err != nil {
				return err
			}
			if common.Hash(out.OutputRoot) != claim.OutputRoot {
				return fmt.Errorf("output %d for block %d: oracle root %x, STF claim %x", i, num, out.OutputRoot, claim.OutputRoot)
			}
			sdb, err := bc.StateAt(blk.Root(), blk.Number(), blk.Time())
			if err != nil {
				return err
			}
			if sdb.GetStorageRoot(devnet.MessagePasserAddress) == types.EmptyRootHash {
				return fmt.Errorf("block %d: the message passer's storage is empty; the output root would not cover it", num)
			}
			if p := sum.Proposals[i].Proposal; p.L2BlockHash != blk.Hash() {
				return fmt.Errorf("output %d was proposed for block %x, canonical is %x", i, p.L2BlockHash, blk.Hash())
			}
		}
		// The node serves the pipeline's namespace.
		rpcClient := sum.L2.Stack.Attach()
		defer rpcClient.Close()
		var head derivation.ProvenBlock
		if err := rpcClient.CallContext(ctx, &head, "zkexex_provenHead"); err != nil {
			return err
		}
		if head.Number < sum.Proposals[len(sum.Proposals)-1].Proposal.L2BlockNumber || head.Hash != bc.GetCanonicalHash(head.Number) {
			return fmt.Errorf("zkexex_provenHead = #%d [%x]", head.Number, head.Hash)
		}
		t.Logf("%d outputs on L1, %d reorgs, head %d, proven head %d", latest.Uint64()+1, sum.Reorgs, sum.Head, head.Number)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDevnetRestart stops the whole system in the middle of a span and starts it again on the
// same datadir: the outputs on L1 continue without a gap, nothing is proposed twice, and every
// output is the canonical block's STF output root.
func TestDevnetRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	opts := devnetOptions{DataDir: t.TempDir(), Blocks: 10, Seed: 8, Txs: 4, Interval: 4}
	sent := map[uint64]int{}
	record := func(sum *devnetSummary) {
		for _, r := range sum.Proposals {
			sent[r.Proposal.L2BlockNumber]++
		}
	}
	first, err := runSystem(ctx, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	record(first)
	opts.Blocks, opts.ReorgEvery = 21, 9 // head 10 is mid-span (9..12)
	_, err = runSystem(ctx, opts, func(sum *devnetSummary) error {
		record(sum)
		call := &bind.CallOpts{Context: ctx}
		latest, err := sum.Binding.LatestOutputIndex(call)
		if err != nil {
			return err
		}
		if latest.Uint64()+1 != 4 {
			return fmt.Errorf("oracle holds %d outputs, want 4 (blocks 4, 8, 12, 16)", latest.Uint64()+1)
		}
		bc := sum.L2.Eth.BlockChain()
		for i := uint64(0); i <= latest.Uint64(); i++ {
			out, err := sum.Binding.GetL2Output(call, new(big.Int).SetUint64(i))
			if err != nil {
				return err
			}
			num := out.L2BlockNumber.Uint64()
			in, err := stf.InputFromChain(ctx, bc, sum.STF, bc.GetBlockByNumber(num))
			if err != nil {
				return err
			}
			claim, err := stf.Execute(ctx, in)
			if err != nil {
				return err
			}
			if num != (i+1)*opts.Interval || common.Hash(out.OutputRoot) != claim.OutputRoot {
				return fmt.Errorf("output %d: block %d root %x, STF claim %x", i, num, out.OutputRoot, claim.OutputRoot)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for n, c := range sent {
		if c != 1 {
			t.Fatalf("output for block %d sent %d times", n, c)
		}
	}
	if len(sent) != 4 {
		t.Fatalf("sent outputs for %v, want blocks 4, 8, 12, 16", sent)
	}
}

// TestDevnetExecutorProver runs the dev prover in the zkVM executor: the STF guest is built,
// its image ID goes into the oracle and the receipts, and the posted roots equal the native STF's.
func TestDevnetExecutorProver(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the STF guest and runs blocks in the executor (about a minute)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	opts := devnetOptions{DataDir: t.TempDir(), Blocks: 6, Seed: 3, Txs: 2, Interval: 2, Prover: "executor"}
	_, err := runSystem(ctx, opts, func(sum *devnetSummary) error {
		call := &bind.CallOpts{Context: ctx}
		imageID, err := sum.Binding.ImageId(call)
		if err != nil {
			return err
		}
		if imageID == ([32]byte{}) {
			return fmt.Errorf("oracle deployed with a zero image ID in executor mode")
		}
		if len(sum.Proposals) == 0 {
			return fmt.Errorf("no proposals")
		}
		for _, r := range sum.Proposals {
			p := r.Proposal
			if p.Receipt.Claim.ImageID != common.Hash(imageID) {
				return fmt.Errorf("receipt names image %x, oracle %x", p.Receipt.Claim.ImageID, imageID)
			}
			if err := checkNativeRoot(ctx, sum, p.L2BlockNumber, p.OutputRoot); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// checkNativeRoot checks that root, proposed for L2 block n, is the output root the STF computes
// natively for that block.
func checkNativeRoot(ctx context.Context, sum *devnetSummary, n uint64, root common.Hash) error {
	bc := sum.L2.Eth.BlockChain()
	in, err := stf.InputFromChain(ctx, bc, sum.STF, bc.GetBlockByNumber(n))
	if err != nil {
		return err
	}
	claim, err := stf.Execute(ctx, in)
	if err != nil {
		return err
	}
	if claim.OutputRoot != root {
		return fmt.Errorf("block %d: proposed root %x, native %x", n, root, claim.OutputRoot)
	}
	return nil
}
