package main

import (
	"context"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
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
			if p := sum.Proposals[i].Proposal; p.L2BlockHash != blk.Hash() {
				return fmt.Errorf("output %d was proposed for block %x, canonical is %x", i, p.L2BlockHash, blk.Hash())
			}
		}
		t.Logf("%d outputs on L1, %d reorgs, head %d", latest.Uint64()+1, sum.Reorgs, sum.Head)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
