package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ethereum/go-ethereum/core/types"
	"github.com/zkexex/zkexex/prover/vm"
	"github.com/zkexex/zkexex/stf"
)

// sharedTestdataDir is the folder of a real-chain vector: under $ZKEXEX_TESTDATA, or
// ../shared/testdata next to the module root; ok is false when it holds no block.rlp.
func sharedTestdataDir(name string) (dir string, ok bool) {
	root := os.Getenv("ZKEXEX_TESTDATA")
	if root == "" {
		root = filepath.Join("..", "..", "..", "shared", "testdata")
	}
	dir = filepath.Join(root, name)
	_, err := os.Stat(filepath.Join(dir, "block.rlp"))
	return dir, err == nil
}

// hoodiInput packages a real Hoodi block as 'zkexex stf input --chain hoodi' does (an input
// the STF rejects is written as given); ok is false when the vector is absent.
func hoodiInput(t testing.TB, name string) (enc []byte, ok bool) {
	t.Helper()
	dir, ok := sharedTestdataDir(name)
	if !ok {
		return nil, false
	}
	blockRLP, err := os.ReadFile(filepath.Join(dir, "block.rlp"))
	if err != nil {
		t.Fatal(err)
	}
	witnessRLP, err := os.ReadFile(filepath.Join(dir, "witness.rlp"))
	if err != nil {
		t.Fatal(err)
	}
	block, witness, err := stf.ReadBlockAndWitness(blockRLP, witnessRLP)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := stf.ConfigByName("hoodi")
	if err != nil {
		t.Fatal(err)
	}
	in, err := stf.NewInput(context.Background(), cfg, block, witness)
	if err != nil {
		in = &stf.Input{Config: cfg, Block: block, Witness: witness}
	}
	if enc, err = in.Encode(); err != nil {
		t.Fatal(err)
	}
	return enc, true
}

// TestHoodiExecutor runs the two complete real Hoodi blocks through the STF guest on the
// executor (1.8 and 3.5 billion cycles): the claims equal the native STF's and carry the
// headers' roots. Natively they run in stf's TestHoodiCompleteBlocks, also under -short.
func TestHoodiExecutor(t *testing.T) {
	if testing.Short() {
		t.Skip("5.4 billion executor cycles; skipped in -short (stf.TestHoodiCompleteBlocks runs them natively)")
	}
	elf, err := guestELF()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"hoodi-1265656", "hoodi-1281069"} {
		t.Run(name, func(t *testing.T) {
			input, ok := hoodiInput(t, name)
			if !ok {
				t.Skipf("real-chain vector %s not found: set ZKEXEX_TESTDATA to the shared testdata folder", name)
			}
			in, err := stf.DecodeInput(input)
			if err != nil {
				t.Fatal(err)
			}
			want, err := stf.Execute(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			run, err := runGuest(context.Background(), elf, input, vm.Config{})
			if err != nil {
				t.Fatal(err)
			}
			r := run.Result
			t.Logf("%d cycles (%d instructions, %d paging), %d segments, %.1f MHz", r.Cycles, r.Instructions, r.PagingCycles, r.Segments, r.MHz())
			b := in.Block
			if run.Claim != want || want.PostStateRoot != b.Root() || want.ReceiptsRoot != b.ReceiptHash() ||
				want.OutputRoot != stf.OutputRoot(b.Root(), types.EmptyRootHash, b.Hash()) {
				t.Fatalf("claim differs\nguest:  %+v\nnative: %+v\nheader: state %v receipts %v", run.Claim, want, b.Root(), b.ReceiptHash())
			}
		})
	}
}
