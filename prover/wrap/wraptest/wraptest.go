// Package wraptest makes real spans for tests of the wrap: two runs of an echo guest, each
// writing one block's journal, aggregated, sealed, chained and shrunk under a small key set.
package wraptest

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/zkexex/zkexex/prover/prove"
	"github.com/zkexex/zkexex/prover/prove/provetest"
	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/prover/recursion"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
)

// Layout is the STF claim's journal layout (derivation.SpanJournal, which prover packages
// cannot import): nine words, the receipts root (word 6) unread.
var Layout = recursion.JournalLayout{Words: 9, Config: 0, ParentHash: 1, BlockHash: 2, Number: 3, PreState: 4, PostState: 5, Output: 7, ParentOutput: 8}

// ChainedJournals are blocks journals in Layout, from block first, that chain.
func ChainedJournals(rng *rand.Rand, first uint64, blocks int) [][]byte {
	l := Layout
	word := func(j []byte, w int) []byte { return j[32*w : 32*(w+1)] }
	var out [][]byte
	for i := range blocks {
		j := make([]byte, 32*l.Words)
		for k := range j {
			j[k] = byte(rng.Uint32())
		}
		clear(word(j, l.Number))
		binary.BigEndian.PutUint64(word(j, l.Number)[24:], first+uint64(i))
		if i > 0 {
			prev := out[i-1]
			copy(word(j, l.Config), word(prev, l.Config))
			copy(word(j, l.ParentHash), word(prev, l.BlockHash))
			copy(word(j, l.PreState), word(prev, l.PostState))
			copy(word(j, l.ParentOutput), word(prev, l.Output))
		}
		out = append(out, j)
	}
	return out
}

// Span is a real two-block span at test parameters: the echo guest's runs (each writes
// one block's journal) aggregated, sealed, chained and shrunk (the shrink at production
// ShrinkParams, as the final layer will see it), with its key set and claim.
type Span struct {
	Set      *recursion.VKSet
	Seal     []byte
	Journals [][]byte
	Claim    receipt.SpanClaim
}

func ProveSpan(t testing.TB) *Span {
	t.Helper()
	ctx := context.Background()
	// The shrink at production ShrinkParams: the span program then has the production shape.
	set, agg, err := provetest.KeySet(recursion.ShrinkParams())
	if err != nil {
		t.Fatal(err)
	}
	img, prog := provetest.EchoImage(t, 0, 0)
	journals := ChainedJournals(rand.New(rand.NewPCG(7, 8)), 41, 2)
	var sealed []*recursion.Proof
	for _, j := range journals {
		a, _, err := prove.Aggregate(ctx, img, prog, j, prove.Options{Po2: vm.MinPo2, Workers: 2}, agg)
		if err != nil {
			t.Fatal(err)
		}
		s, err := agg.Seal(ctx, a.Proof)
		if err != nil {
			t.Fatal(err)
		}
		sealed = append(sealed, s)
	}
	seal, err := agg.SpanSeal(ctx, sealed, 1)
	if err != nil {
		t.Fatal(err)
	}
	word := func(j []byte, i int) common.Hash { return common.BytesToHash(j[32*i : 32*(i+1)]) }
	l := Layout
	claim := receipt.SpanClaim{
		ConfigHash:      word(journals[0], l.Config),
		StartParentHash: word(journals[0], l.ParentHash),
		EndBlockHash:    word(journals[1], l.BlockHash),
		StartBlock:      41, EndBlock: 42,
		StartOutputRoot: word(journals[0], l.ParentOutput),
		EndOutputRoot:   word(journals[1], l.Output),
		ImageID:         common.Hash(img.ID().Bytes()),
	}
	return &Span{Set: set, Seal: seal, Journals: journals, Claim: claim}
}

// FinalLayer is the fixture's final layer at params, its seal checked without a security floor.
func (f *Span) FinalLayer(t testing.TB, params stark.Params) *recursion.FinalLayer {
	t.Helper()
	fl, err := recursion.NewFinalLayer(recursion.SpanStatement{Set: f.Set, Blocks: len(f.Journals), Journal: Layout}, params)
	if err != nil {
		t.Fatal(err)
	}
	fl.Config = stark.VerifierConfig{}
	return fl
}
