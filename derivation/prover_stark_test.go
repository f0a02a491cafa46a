package derivation_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/zkexex/zkexex/derivation"
	"github.com/zkexex/zkexex/exex/exextest"
	"github.com/zkexex/zkexex/prover/prove"
	"github.com/zkexex/zkexex/prover/prove/provetest"
	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/prover/recursion"
	"github.com/zkexex/zkexex/prover/rv64"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
	"github.com/zkexex/zkexex/stf"
)

// testSegments accepts TestParams' proofs: everything is checked but the security level.
var testSegments = &rv64.Verifier{Config: stark.VerifierConfig{}}

var testOpts = prove.Options{Po2: vm.MinPo2, Params: stark.TestParams()}

// echoImage is the image of a guest that copies its input to the journal, spins and exits:
// given an STF claim's encoding, its proven run claims exactly that, which isolates the span
// checks from the STF guest (far too long to prove in a short test).
func echoImage(t *testing.T, spin, exit int) (*vm.Image, *vm.Program) {
	t.Helper()
	return provetest.EchoImage(t, spin, exit)
}

// chainedClaims are n STF claims that chain from block 5 on, starting at output root start.
func chainedClaims(n int, start common.Hash) []stf.Claim {
	var out []stf.Claim
	parent, root, output := common.Hash{0xa0}, common.Hash{0xb0}, start
	for i := 0; i < n; i++ {
		c := stf.Claim{ConfigHash: common.Hash{0xcc}, ParentHash: parent, BlockHash: common.Hash{0xa1, byte(i)}, BlockNumber: uint64(5 + i),
			PreStateRoot: root, PostStateRoot: common.Hash{0xb1, byte(i)}, ReceiptsRoot: common.Hash{0xd0, byte(i)}, OutputRoot: common.Hash{0xe0, byte(i)},
			ParentOutputRoot: output}
		parent, root, output = c.BlockHash, c.PostStateRoot, c.OutputRoot
		out = append(out, c)
	}
	return out
}

func proveEcho(t *testing.T, img *vm.Image, prog *vm.Program, journal []byte) *receipt.CompositeReceipt {
	t.Helper()
	comp, _, err := prove.Run(context.Background(), img, prog, journal, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	return comp
}

// TestSpanVerifier: a composite span receipt verifies exactly when every block's receipt
// verifies under the span's image, exited cleanly, and the blocks' claims chain into the span
// claim; each tamper is rejected by the check that owns it.
func TestSpanVerifier(t *testing.T) {
	img, prog := echoImage(t, 0, 0)
	imageID := common.Hash(img.ID().Bytes())
	startRoot := common.Hash{0x55}
	claims := chainedClaims(2, startRoot)
	var blocks []*receipt.CompositeReceipt
	for _, c := range claims {
		blocks = append(blocks, proveEcho(t, img, prog, c.ABI()))
	}
	sc, err := derivation.ChainClaims(imageID, startRoot, claims)
	if err != nil {
		t.Fatal(err)
	}
	v := &derivation.SpanVerifier{Segments: testSegments}
	opts := receipt.VerifierOptions{ImageID: imageID, Seal: v}
	good, err := receipt.NewCompositeSpan(sc, blocks)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := receipt.Decode(good.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if err := receipt.Verify(dec, sc, opts); err != nil {
		t.Fatal(err)
	}
	// The production verifier wants 100 bits: TestParams' proofs fail it.
	if err := receipt.Verify(dec, sc, receipt.VerifierOptions{ImageID: imageID, Seal: &derivation.SpanVerifier{}}); !errors.Is(err, receipt.ErrSeal) {
		t.Fatalf("test-parameter proofs under the production verifier: %v", err)
	}

	failImg, failProg := echoImage(t, 0, 3)
	otherImg, otherProg := echoImage(t, 1, 0)
	span := func(sc receipt.SpanClaim, blocks ...*receipt.CompositeReceipt) *receipt.Receipt {
		r, err := receipt.NewCompositeSpan(sc, blocks)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	tamperedJournal := func(i, at int) *receipt.CompositeReceipt {
		enc, _ := blocks[i].MarshalBinary()
		c, _ := receipt.DecodeCompositeReceipt(enc)
		c.Journal[at] ^= 1
		return c
	}
	tamperedSeal := func(i int) *receipt.CompositeReceipt {
		enc, _ := blocks[i].MarshalBinary()
		c, _ := receipt.DecodeCompositeReceipt(enc)
		c.Segments[0].Seal[len(c.Segments[0].Seal)/2] ^= 1
		return c
	}
	offOutput := claims[1]
	offOutput.ParentOutputRoot[0] ^= 1
	withClaim := func(f func(*receipt.SpanClaim)) receipt.SpanClaim {
		c := sc
		f(&c)
		return c
	}
	tests := []struct {
		name string
		r    *receipt.Receipt
		err  error
	}{
		{"end output root", span(withClaim(func(c *receipt.SpanClaim) { c.EndOutputRoot[0] ^= 1 }), blocks...), receipt.ErrSpanSeal},
		// The oracle's real latest output with blocks proven from another state grafted on.
		{"start output root", span(withClaim(func(c *receipt.SpanClaim) { c.StartOutputRoot[0] ^= 1 }), blocks...), derivation.ErrStartOutputRoot},
		{"end block", span(withClaim(func(c *receipt.SpanClaim) { c.EndBlock++ }), blocks...), receipt.ErrSpanSeal},
		{"start parent", span(withClaim(func(c *receipt.SpanClaim) { c.StartParentHash[0] ^= 1 }), blocks...), receipt.ErrSpanSeal},
		{"config", span(withClaim(func(c *receipt.SpanClaim) { c.ConfigHash[0] ^= 1 }), blocks...), receipt.ErrSpanSeal},
		{"a block dropped", span(sc, blocks[0]), receipt.ErrSpanSeal},
		// The second block was executed on the first's output, not on the span's start.
		{"blocks swapped", span(sc, blocks[1], blocks[0]), derivation.ErrStartOutputRoot},
		{"a block off the previous output root", span(sc, blocks[0], proveEcho(t, img, prog, offOutput.ABI())), derivation.ErrBrokenChain},
		{"a block repeated", span(sc, blocks[0], blocks[0]), derivation.ErrBrokenChain},
		// ReceiptsRoot (word 6) is in no span claim field: only the journal digest catches it.
		{"journal byte", span(sc, blocks[0], tamperedJournal(1, 6*32)), receipt.ErrJournal},
		{"seal byte", span(sc, blocks[0], tamperedSeal(1)), receipt.ErrSeal},
		{"guest failed", span(sc, blocks[0], proveEcho(t, failImg, failProg, claims[1].ABI())), derivation.ErrGuestFailed},
		{"block of another image", span(sc, blocks[0], proveEcho(t, otherImg, otherProg, claims[1].ABI())), receipt.ErrImageMismatch},
		{"non-claim journal", span(sc, blocks[0], proveEcho(t, img, prog, []byte("not a claim"))), derivation.ErrGuestFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := receipt.Verify(tt.r, tt.r.Claim, receipt.VerifierOptions{ImageID: tt.r.Claim.ImageID, Seal: v})
			if !errors.Is(err, tt.err) || !errors.Is(err, receipt.ErrSpanSeal) {
				t.Fatalf("got %v, want %v", err, tt.err)
			}
		})
	}
}

// TestStarkProverEmptyBlock proves a real geth block (no transactions, the cheapest there is)
// with the STF guest, every segment proven, and checks the span receipt against the native
// STF. Minutes of proving: full mode only.
func TestStarkProverEmptyBlock(t *testing.T) {
	if testing.Short() {
		t.Skip("proves millions of cycles")
	}
	ctx := context.Background()
	chain := exextest.NewChain(t, exextest.Options{EmptyBlocks: true})
	blocks := chain.Extend(1)
	cfg := stf.NewConfig(chain.Config)
	anchor, err := derivation.AnchorFromChain(chain.BC, cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	in, err := stf.InputFromChain(ctx, chain.BC, cfg, blocks[0])
	if err != nil {
		t.Fatal(err)
	}
	native, err := stf.Execute(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	elfPath := filepath.Join(t.TempDir(), "guest.elf")
	if err := stf.BuildGuest(ctx, elfPath); err != nil {
		t.Fatal(err)
	}
	elf, err := os.ReadFile(elfPath)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := vm.LoadELF(elf)
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := vm.BuildImage(ctx, prog, vm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	p := derivation.NewStarkProver(img, prog, prove.Options{Po2: vm.DefaultPo2, Params: stark.TestParams()})
	p.OnBlock = func(n uint64, res *vm.Result, took time.Duration) {
		t.Logf("block %d: %d cycles (%d instructions, %d paging) in %d segments of 2^%d, proven in %v (%.1f kHz)",
			n, res.Cycles, res.Instructions, res.PagingCycles, res.Segments, vm.DefaultPo2, took.Round(time.Millisecond), float64(res.Cycles)/took.Seconds()/1e3)
	}
	sp, err := p.ProveSpan(ctx, &derivation.Span{StartOutputRoot: anchor.OutputRoot, Inputs: []*stf.Input{in}})
	if err != nil {
		t.Fatal(err)
	}
	if len(sp.Claims) != 1 || sp.Claims[0] != native {
		t.Fatalf("proven claims %+v, native %+v", sp.Claims, native)
	}
	want, err := derivation.ChainClaims(p.ImageID(), anchor.OutputRoot, []stf.Claim{native})
	if err != nil {
		t.Fatal(err)
	}
	r := sp.Receipt
	if r.Kind != receipt.KindComposite || r.Claim != want {
		t.Fatalf("receipt %v over %+v, want %+v", r.Kind, r.Claim, want)
	}
	start := time.Now()
	if err := receipt.Verify(r, want, receipt.VerifierOptions{ImageID: p.ImageID(), Seal: &derivation.SpanVerifier{Segments: testSegments}}); err != nil {
		t.Fatal(err)
	}
	t.Logf("span receipt: %d bytes, verified in %v", len(r.Encode()), time.Since(start).Round(time.Millisecond))
}

// TestSuccinctSpanVerifier: a succinct span receipt (each block's run aggregated and sealed, the
// blocks chained) verifies exactly when its journals' claims chain into the span claim and the
// aggregation proof proves those journals, in that order, for clean runs of the image.
func TestSuccinctSpanVerifier(t *testing.T) {
	img, prog := echoImage(t, 0, 0)
	imageID := common.Hash(img.ID().Bytes())
	startRoot := common.Hash{0x55}
	claims := chainedClaims(2, startRoot)
	set, agg, sv := testKeySet(t)
	var journals [][]byte
	var sealed []*recursion.Proof
	for _, c := range claims {
		a, _, err := prove.Aggregate(context.Background(), img, prog, c.ABI(), testOpts, agg)
		if err != nil {
			t.Fatal(err)
		}
		s, err := agg.Seal(context.Background(), a.Proof)
		if err != nil {
			t.Fatal(err)
		}
		journals, sealed = append(journals, a.Journal), append(sealed, s)
	}
	chain, err := agg.Aggregate(context.Background(), sealed, 1)
	if err != nil {
		t.Fatal(err)
	}
	shrunk, err := agg.Shrink(context.Background(), chain)
	if err != nil {
		t.Fatal(err)
	}
	proof, err := shrunk.MarshalSeal()
	if err != nil {
		t.Fatal(err)
	}
	sc, err := derivation.ChainClaims(imageID, startRoot, claims)
	if err != nil {
		t.Fatal(err)
	}
	span := func(sc receipt.SpanClaim, js ...[]byte) *receipt.Receipt {
		r, err := receipt.NewSuccinctSpan(sc, &receipt.SuccinctSpanSeal{Journals: js, Proof: proof})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	v := &derivation.SpanVerifier{Succinct: sv}
	good, err := receipt.Decode(span(sc, journals...).Encode())
	if err != nil {
		t.Fatal(err)
	}
	if err := receipt.Verify(good, sc, receipt.VerifierOptions{ImageID: imageID, Seal: v}); err != nil {
		t.Fatal(err)
	}
	prod := &derivation.SpanVerifier{Succinct: recursion.NewSuccinctVerifier(set)}
	if err := receipt.Verify(good, sc, receipt.VerifierOptions{ImageID: imageID, Seal: prod}); !errors.Is(err, receipt.ErrSpanSeal) {
		t.Fatalf("test-parameter proofs under the production policy: %v", err)
	}
	// The receipts root (word 6 of the claim) is in no span claim field: only the proof binds it.
	changed := bytes.Clone(journals[1])
	changed[6*32] ^= 1
	for name, tc := range map[string]struct {
		r   *receipt.Receipt
		err error
	}{
		"end output root": {span(func() receipt.SpanClaim { c := sc; c.EndOutputRoot[0] ^= 1; return c }(), journals...), receipt.ErrSpanSeal},
		"a block dropped": {span(sc, journals[0]), receipt.ErrSpanSeal},
		"blocks swapped":  {span(sc, journals[1], journals[0]), derivation.ErrStartOutputRoot},
		"journal byte":    {span(sc, journals[0], changed), receipt.ErrSpanSeal},
	} {
		err := receipt.Verify(tc.r, tc.r.Claim, receipt.VerifierOptions{ImageID: imageID, Seal: v})
		if !errors.Is(err, tc.err) || !errors.Is(err, receipt.ErrSpanSeal) {
			t.Errorf("%s: got %v, want %v", name, err, tc.err)
		}
	}
	// A failed guest run cannot be sealed: the prover refuses before any proof.
	failImg, failProg := echoImage(t, 0, 3)
	a, _, err := prove.Aggregate(context.Background(), failImg, failProg, claims[0].ABI(), testOpts, agg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := agg.Seal(context.Background(), a.Proof); !errors.Is(err, recursion.ErrJoin) {
		t.Fatalf("sealing a failed run: %v", err)
	}
}

// TestSpanVerifierGroth16Unset: without a Groth16 verifier, a Groth16 span receipt is refused
// (its seal is not a STARK seal, and nothing here holds its keys).
func TestSpanVerifierGroth16Unset(t *testing.T) {
	claims := chainedClaims(1, common.Hash{0x55})
	sc, err := derivation.ChainClaims(common.Hash{0x66}, common.Hash{0x55}, claims)
	if err != nil {
		t.Fatal(err)
	}
	r, err := receipt.NewGroth16Span(sc, &receipt.Groth16Seal{DevSetup: true, Proof: make([]byte, 256)})
	if err != nil {
		t.Fatal(err)
	}
	err = receipt.Verify(r, sc, receipt.VerifierOptions{ImageID: sc.ImageID, AllowDev: true, Seal: &derivation.SpanVerifier{}})
	if !errors.Is(err, receipt.ErrUnsupported) {
		t.Fatalf("Groth16 receipt without a Groth16 verifier: %v", err)
	}
}
