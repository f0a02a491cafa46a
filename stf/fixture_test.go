package stf

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/ethereum/go-ethereum/rlp"
)

// The generated Prague block 10 is committed under testdata/generated-10 as
// block.rlp, witness.rlp, chain.json (the CLI's inputs), input.bin (its STF
// input) and claim.json, so the CLI and the zkVM executor have a block that
// executes to a claim. Chain generation is deterministic (fixed keys,
// deterministic signatures); set ZKEXEX_UPDATE_FIXTURES=1 to rewrite them.
var fixtureDir = filepath.Join("testdata", "generated-10")

func TestGeneratedFixture(t *testing.T) {
	c := newTestChain(t, 10)
	in := c.input(t, 9)
	input, err := in.Encode()
	if err != nil {
		t.Fatal(err)
	}
	blockRLP, err := rlp.EncodeToBytes(in.Block)
	if err != nil {
		t.Fatal(err)
	}
	witnessRLP, err := rlp.EncodeToBytes(in.Witness)
	if err != nil {
		t.Fatal(err)
	}
	chainJSON, err := json.MarshalIndent(c.cfg.Chain, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	claim, err := Execute(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	claimJSON, err := json.MarshalIndent(claim, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"block.rlp":   blockRLP,
		"witness.rlp": witnessRLP,
		"chain.json":  append(chainJSON, '\n'),
		"input.bin":   input,
		"claim.json":  append(claimJSON, '\n'),
	}
	if os.Getenv("ZKEXEX_UPDATE_FIXTURES") != "" {
		if err := os.MkdirAll(fixtureDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, data := range files {
			if err := os.WriteFile(filepath.Join(fixtureDir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(fixtureDir, name))
		if err != nil {
			t.Fatalf("%v (run with ZKEXEX_UPDATE_FIXTURES=1 to create it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale (run with ZKEXEX_UPDATE_FIXTURES=1 to rewrite it)", name)
		}
	}
	// The CLI path (files + chain JSON, no node) builds the same input.
	chain, err := ChainConfigByName(filepath.Join(fixtureDir, "chain.json"))
	if err != nil {
		t.Fatal(err)
	}
	block, witness, err := ReadBlockAndWitness(blockRLP, witnessRLP)
	if err != nil {
		t.Fatal(err)
	}
	fromFiles, err := NewInput(context.Background(), NewConfig(chain), block, witness)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := fromFiles.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc, input) {
		t.Fatal("input from the fixture files differs from the chain's")
	}
}
