package wrap

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/test"
	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/wrap/wraptest"
)

// The span circuit on a real final-layer proof (test parameters, so that gnark's test engine
// solves it in seconds): solved for the span's two public inputs, and for no other key-set root
// or claim digest; a final-layer proof of a changed public value is refused too.
func TestSpanCircuit(t *testing.T) {
	if testing.Short() {
		t.Skip("proves a span and solves a circuit of about a million constraints (a minute)")
	}
	f := wraptest.ProveSpan(t)
	fl := f.FinalLayer(t, stark.TestParams())
	image, err := hash.DigestFromBytes(f.Claim.ImageID[:])
	if err != nil {
		t.Fatal(err)
	}
	sp, err := fl.Prove(context.Background(), image, f.Seal, f.Journals)
	if err != nil {
		t.Fatal(err)
	}
	insecure := stark.VerifierConfig{}
	shape := Shape{VK: fl.VerifyingKey(), Params: fl.Params(), LogHeights: fl.Shape(), Config: &insecure}
	a, err := AssignSpan(shape, sp)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := f.Set.Root()
	in := SpanPublicInputs(f.Claim, root)
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
	other := f.Claim
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
	f := wraptest.ProveSpan(t)
	fl := f.FinalLayer(t, stark.FinalLayerParams())
	set, seal, journals, claim := f.Set, f.Seal, f.Journals, f.Claim
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
