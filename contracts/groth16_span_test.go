package contracts

import (
	"context"
	"testing"
	"time"

	"github.com/zkexex/zkexex/contracts/bindings"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/wrap"
	"github.com/zkexex/zkexex/prover/wrap/wraptest"
)

// A wrapped proof of a real span through the oracle: two echo-guest runs standing for two
// blocks, aggregated, sealed, chained and shrunk, the final layer (at test parameters: a 2.0M
// constraint circuit against the production shape's 4.1M), the span circuit's seeded dev keys,
// the Groth16 proof, gnark's verifier compiled by the pinned solc, and an oracle deployed for the
// span's chain, image, config and key set. The oracle refuses the proof with a flipped byte and
// for another output root, and accepts it for the span. It runs in CI (about 100 s and 3.5 GB
// here): the one test there that takes a real span all the way onto L1.
func TestGroth16SpanProof(t *testing.T) {
	requireSolc(t)
	ctx := context.Background()
	span := wraptest.ProveSpan(t)
	insecure := stark.VerifierConfig{}
	fl := span.FinalLayer(t, stark.TestParams())
	shape, ccs, err := wrap.CompileSpan(fl, &insecure)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	keys, err := wrap.DevSetup(ccs)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("span circuit (final layer at test parameters): %d constraints, dev setup %v", ccs.GetNbConstraints(), time.Since(start))
	w, err := wrap.NewWrapper(fl, shape, ccs, keys)
	if err != nil {
		t.Fatal(err)
	}
	r, err := w.Wrap(ctx, span.Claim, span.Seal, span.Journals)
	if err != nil {
		t.Fatal(err)
	}
	proof, err := r.Proof()
	if err != nil {
		t.Fatal(err)
	}
	c, err := withVerifier(ccs, keys, nil)
	if err != nil {
		t.Fatal(err)
	}

	// The fixture's chain, then a verifier for the span's key set and an oracle for its chain.
	f := newGroth16Fixture(t, c, osakaConfig(), true)
	root, err := span.Set.Root()
	if err != nil {
		t.Fatal(err)
	}
	stop := autoCommit(f.sim, 20*time.Millisecond)
	d, err := DeployGroth16Verifier(ctx, f.deployer, f.client, Groth16Config{
		VerifierBytecode: c.bytecode, KeySetRoot: keySetBig(root), ProofLength: wrap.ProofBytes(keys.NbCommitments()), Dev: true,
	})
	stop()
	if err != nil {
		t.Fatal(err)
	}
	cl := span.Claim
	f.cfg.Verifier, f.cfg.ImageID, f.cfg.ConfigHash = d.Verifier, cl.ImageID, cl.ConfigHash
	f.cfg.StartingOutputRoot, f.cfg.StartingBlockNumber = cl.StartOutputRoot, cl.StartBlock-1
	f.cfg.SubmissionInterval = cl.EndBlock - cl.StartBlock + 1
	f.oracleAddr, _, f.oracle, err = bindings.DeployL2OutputOracle(f.deployer, f.client, f.cfg.params())
	if err != nil {
		t.Fatal(AsRevert(err))
	}
	f.sim.Commit()

	_, err = f.proposeWith(t, cl.EndOutputRoot, cl.EndBlock, flip(proof, 7))
	if re := wantRevert(t, err, "ProofRejected"); re.Inner == nil || !gnarkErrors[re.Inner.Name] {
		t.Fatalf("flipped proof: %v", err)
	}
	other := cl.EndOutputRoot
	other[0] ^= 1
	_, err = f.proposeWith(t, other, cl.EndBlock, proof)
	if re := wantRevert(t, err, "ProofRejected"); re.Inner == nil || !gnarkErrors[re.Inner.Name] {
		t.Fatalf("another output root: %v", err)
	}
	rc, err := f.proposeWith(t, cl.EndOutputRoot, cl.EndBlock, proof)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the span's output proposed with its Groth16 proof (%d bytes): %d gas", len(proof), rc.GasUsed)
}
