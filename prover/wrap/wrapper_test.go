package wrap

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/test"
	"github.com/ethereum/go-ethereum/common"
	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/prove"
	"github.com/zkexex/zkexex/prover/prove/provetest"
	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/prover/recursion"
	"github.com/zkexex/zkexex/prover/rv64"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
)

// spanLayout is the STF claim's journal layout (derivation.SpanJournal, which prover packages
// cannot import): nine words, the receipts root (word 6) unread.
var spanLayout = recursion.JournalLayout{Words: 9, Config: 0, ParentHash: 1, BlockHash: 2, Number: 3, PreState: 4, PostState: 5, Output: 7, ParentOutput: 8}

// chainedJournals are blocks journals in spanLayout, from block first, that chain.
func chainedJournals(rng *rand.Rand, first uint64, blocks int) [][]byte {
	l := spanLayout
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

// spanFixture is a real two-block span at test parameters: the echo guest's runs (each writes
// one block's journal) aggregated, sealed, chained and shrunk (the shrink at production
// ShrinkParams, as the final layer will see it), with its key set and claim.
type spanFixture struct {
	set      *recursion.VKSet
	seal     []byte
	journals [][]byte
	claim    receipt.SpanClaim
}

func proveSpanFixture(t *testing.T) *spanFixture {
	t.Helper()
	ctx := context.Background()
	params := stark.TestParams()
	insecure := stark.VerifierConfig{}
	segPK, err := rv64.ProvingKey(params)
	if err != nil {
		t.Fatal(err)
	}
	set, agg, err := recursion.BuildVKSet(ctx, segPK.VerifyingKey(), &recursion.VKSet{
		Params: params, SegmentParams: params, ShrinkParams: recursion.ShrinkParams(), Segments: recursion.MenuShapes(vm.MinPo2), Config: &insecure})
	if err != nil {
		t.Fatal(err)
	}
	img, prog := provetest.EchoImage(t, 0, 0)
	journals := chainedJournals(rand.New(rand.NewPCG(7, 8)), 41, 2)
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
	chain, err := agg.Aggregate(ctx, sealed, 1)
	if err != nil {
		t.Fatal(err)
	}
	shrunk, err := agg.Shrink(ctx, chain)
	if err != nil {
		t.Fatal(err)
	}
	seal, err := shrunk.MarshalSeal()
	if err != nil {
		t.Fatal(err)
	}
	word := func(j []byte, i int) common.Hash { return common.BytesToHash(j[32*i : 32*(i+1)]) }
	l := spanLayout
	claim := receipt.SpanClaim{
		ConfigHash:      word(journals[0], l.Config),
		StartParentHash: word(journals[0], l.ParentHash),
		EndBlockHash:    word(journals[1], l.BlockHash),
		StartBlock:      41, EndBlock: 42,
		StartOutputRoot: word(journals[0], l.ParentOutput),
		EndOutputRoot:   word(journals[1], l.Output),
		ImageID:         common.Hash(img.ID().Bytes()),
	}
	return &spanFixture{set: set, seal: seal, journals: journals, claim: claim}
}

// finalLayer is the fixture's final layer at params, its seal checked without a security floor.
func (f *spanFixture) finalLayer(t *testing.T, params stark.Params) *recursion.FinalLayer {
	t.Helper()
	fl, err := recursion.NewFinalLayer(recursion.SpanStatement{Set: f.set, Blocks: len(f.journals), Journal: spanLayout}, params)
	if err != nil {
		t.Fatal(err)
	}
	fl.Config = stark.VerifierConfig{}
	return fl
}

// The span circuit on a real final-layer proof (test parameters, so that gnark's test engine
// solves it in seconds): solved for the span's two public inputs, and for no other key-set root
// or claim digest; a final-layer proof of a changed public value is refused too.
func TestSpanCircuit(t *testing.T) {
	if testing.Short() {
		t.Skip("proves a span and solves a circuit of about a million constraints (a minute)")
	}
	f := proveSpanFixture(t)
	fl := f.finalLayer(t, stark.TestParams())
	image, err := hash.DigestFromBytes(f.claim.ImageID[:])
	if err != nil {
		t.Fatal(err)
	}
	sp, err := fl.Prove(context.Background(), image, f.seal, f.journals)
	if err != nil {
		t.Fatal(err)
	}
	insecure := stark.VerifierConfig{}
	shape := Shape{VK: fl.VerifyingKey(), Params: fl.Params(), LogHeights: fl.Shape(), Config: &insecure}
	a, err := AssignSpan(shape, sp)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := f.set.Root()
	in := SpanPublicInputs(f.claim, root)
	if a.KeySetRoot != in[0] || a.ClaimDigest != in[1] {
		t.Fatal("the assignment's public inputs are not the span claim's")
	}
	circuit, err := NewSpanCircuit(shape)
	if err != nil {
		t.Fatal(err)
	}
	if err := test.IsSolved(circuit, a, ecc.BN254.ScalarField()); err != nil {
		t.Fatalf("the span's proof: %v", err)
	}
	other := f.claim
	other.EndBlock++
	for name, bad := range map[string]*SpanCircuit{
		"another key-set root": {KeySetRoot: KeySetInput(hash.HashBytes([]byte("other set"))), ClaimDigest: a.ClaimDigest, Proof: a.Proof},
		"another claim":        {KeySetRoot: a.KeySetRoot, ClaimDigest: SpanPublicInputs(other, root)[1], Proof: a.Proof},
	} {
		if test.IsSolved(circuit, bad, ecc.BN254.ScalarField()) == nil {
			t.Errorf("%s: solved", name)
		}
	}
}

// TestWrapSpan wraps the fixture's span end to end: the final layer at FinalLayerParams in
// BN254, the circuit compiled and set up (dev setup), the Groth16 proof made and checked by
// gnark's verifier against the span claim's public inputs; the span is refused for another
// claim, and a flipped proof byte is refused.
func TestWrapSpan(t *testing.T) {
	if testing.Short() || os.Getenv("ZKEXEX_WRAP_E2E") == "" {
		t.Skip("an hour and gigabytes here: set ZKEXEX_WRAP_E2E=1 (the final layer, a 2.8M-constraint circuit, its setup and proof)")
	}
	ctx := context.Background()
	f := proveSpanFixture(t)
	fl := f.finalLayer(t, stark.FinalLayerParams())
	set, seal, journals, claim := f.set, f.seal, f.journals, f.claim
	start := time.Now()
	shape, ccs, err := CompileSpan(fl, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("span program %v; circuit: %d constraints, compiled in %v", fl.Shape(), ccs.GetNbConstraints(), time.Since(start))
	start = time.Now()
	keys, err := DevSetup(ccs)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("dev setup %v, %d commitments, peak heap so far %s", time.Since(start), keys.NbCommitments(), heap())
	w, err := NewWrapper(fl, shape, ccs, keys)
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	r, err := w.Wrap(ctx, claim, seal, journals)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("wrapped (final layer + Groth16) in %v, heap %s", time.Since(start), heap())
	root, _ := set.Root()
	v, err := NewSealVerifier(keys, root, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := receipt.Verify(r, claim, receipt.VerifierOptions{ImageID: claim.ImageID, Seal: v}); err != nil {
		t.Fatal(err)
	}
	proof, err := r.Proof()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("on-chain proof: %d bytes", len(proof))
	other := claim
	other.EndOutputRoot[0] ^= 1
	if err := receipt.Verify(r, other, receipt.VerifierOptions{ImageID: claim.ImageID, Seal: v}); err == nil {
		t.Error("the receipt verifies for another end output root")
	}
	if _, err := w.Wrap(ctx, other, seal, journals); !errors.Is(err, ErrWrap) {
		t.Errorf("wrapping for another claim: %v, want ErrWrap", err)
	}
	in := SpanPublicInputs(claim, root)
	bad := append([]byte(nil), proof...)
	bad[7] ^= 1
	if err := Verify(keys, bad, in); err == nil {
		t.Error("a flipped proof byte verifies")
	}
}

func heap() string {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return fmt.Sprintf("%d MiB", m.HeapSys>>20)
}
