package prove_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/zkexex/zkexex/prover/pool"
	"github.com/zkexex/zkexex/prover/prove"
	"github.com/zkexex/zkexex/prover/prove/provetest"
	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/prover/recursion"
	"github.com/zkexex/zkexex/prover/rv64"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
)

// testVerifier accepts TestParams' proofs: everything is checked but the security level.
var testVerifier = &rv64.Verifier{Config: stark.VerifierConfig{}}

// TestRunMultiSegment proves a run of several segments on two workers: the composite receipt
// verifies under the run's image, carries its journal and exit code, and progress counts every
// segment.
func TestRunMultiSegment(t *testing.T) {
	input := []byte("zkexex proves whole runs")
	elf := provetest.EchoELF(t, 40000, 5) // > 2^16 cycles: two segments at po2 16
	var last pool.Progress
	comp, res, err := prove.ELF(context.Background(), elf, input, prove.Options{
		Po2: vm.MinPo2, Workers: 2, Params: stark.TestParams(),
		Progress: func(p pool.Progress) { last = p },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(comp.Segments) < 2 || len(comp.Segments) != res.Segments {
		t.Fatalf("%d segment receipts, %d segments run", len(comp.Segments), res.Segments)
	}
	if err := comp.Verify(res.ImageID, testVerifier); err != nil {
		t.Fatal(err)
	}
	claim, _ := comp.Claim()
	if !bytes.Equal(comp.Journal, input) || claim.ExitCode != 5 || res.ExitCode != 5 {
		t.Fatalf("journal %q, exit %d/%d", comp.Journal, claim.ExitCode, res.ExitCode)
	}
	if !last.Done || last.Proven != len(comp.Segments) || last.Emitted != last.Proven || last.ProvenCycles != res.Cycles {
		t.Fatalf("last progress %+v, run of %d cycles", last, res.Cycles)
	}
	// The receipt survives its encoding.
	enc, err := comp.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	dec, err := receipt.DecodeCompositeReceipt(enc)
	if err != nil {
		t.Fatal(err)
	}
	if err := dec.Verify(res.ImageID, testVerifier); err != nil {
		t.Fatal(err)
	}
}

// TestRunErrors: a cancelled context, a cycle limit and a bad parameter set stop the run with
// their own errors.
func TestRunErrors(t *testing.T) {
	elf := provetest.EchoELF(t, 100, 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := prove.ELF(ctx, elf, nil, prove.Options{Po2: vm.MinPo2, Params: stark.TestParams()}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	if _, _, err := prove.ELF(context.Background(), elf, nil, prove.Options{Po2: vm.MinPo2, Params: stark.TestParams(), MaxCycles: 50}); !errors.Is(err, vm.ErrCycleLimit) {
		t.Fatalf("cycle limit: %v", err)
	}
	if _, _, err := prove.ELF(context.Background(), elf, nil, prove.Options{Params: stark.Params{LogBlowup: 9, NumQueries: 1}}); !errors.Is(err, stark.ErrParams) {
		t.Fatalf("bad params: %v", err)
	}
	if _, _, err := prove.ELF(context.Background(), elf, nil, prove.Options{Po2: 3, Params: stark.TestParams()}); err == nil {
		t.Fatal("po2 3 accepted")
	}
}

// TestSuccinct proves a two-segment run into one succinct receipt under a key set of the menu's
// po2-16 shapes (test parameters throughout): it verifies with the run's journal and exit code.
func TestSuccinct(t *testing.T) {
	if testing.Short() {
		t.Skip("about 20 s: a key set for the po2-16 menu and a proven, lifted, joined run (prover/recursion's short tests cover aggregation)")
	}
	set, agg, err := provetest.KeySet(stark.TestParams())
	if err != nil {
		t.Fatal(err)
	}
	input := []byte("one receipt")
	img, prog := provetest.EchoImage(t, 40000, 0)
	costs := new(recursion.Costs)
	r, res, err := prove.Succinct(recursion.WithCosts(context.Background(), costs), img, prog, input, prove.Options{Po2: vm.MinPo2, Workers: 2}, agg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Segments < 2 || int(r.Segments) != res.Segments || !bytes.Equal(r.Journal, input) || r.Claim.ExitCode != 0 {
		t.Fatalf("%d segments of %d, journal %q, exit %d", r.Segments, res.Segments, r.Journal, r.Claim.ExitCode)
	}
	// Every proof made is counted once, under its kind.
	n := res.Segments
	for kind, want := range map[string]int{prove.CostSegment: n, recursion.ProgramLift: n, recursion.ProgramJoin: n - 1, recursion.ProgramShrink: 1, recursion.ProgramSeal: 0} {
		if c := costs.Of(kind); c.Proofs != want || (want > 0) != (c.Time > 0) {
			t.Errorf("%s: %d proofs in %v, want %d", kind, c.Proofs, c.Time, want)
		}
	}
	v := &recursion.SuccinctVerifier{Set: set, Config: stark.VerifierConfig{}}
	if err := r.Verify(res.ImageID, v); err != nil {
		t.Fatal(err)
	}
	enc, err := r.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	dec, err := receipt.DecodeSuccinctReceipt(enc)
	if err != nil {
		t.Fatal(err)
	}
	if err := dec.Verify(res.ImageID, v); err != nil {
		t.Fatal(err)
	}
	// The production verifier refuses test-parameter proofs.
	if err := dec.Verify(res.ImageID, recursion.NewSuccinctVerifier(set)); !errors.Is(err, receipt.ErrSeal) {
		t.Fatalf("test parameters under the production policy: %v", err)
	}
	t.Logf("%d segments, succinct receipt %d bytes", r.Segments, len(enc))
}
