package wrap

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/zkexex/zkexex/prover/receipt"
)

func TestSealVerifier(t *testing.T) {
	keys, err := commitKeys()
	if err != nil {
		t.Fatal(err)
	}
	keySet := randomStatement(rand.New(rand.NewPCG(13, 14))).KeySetRoot
	claim := receipt.SpanClaim{ConfigHash: common.Hash{1}, StartParentHash: common.Hash{2}, EndBlockHash: common.Hash{3},
		StartBlock: 11, EndBlock: 20, StartOutputRoot: common.Hash{4}, EndOutputRoot: common.Hash{5}, ImageID: common.Hash{6}}
	p, err := Prove(keys, compileSystem(t, &StatementCommitCircuit{}), statementAssignment(SpanPublicInputs(claim, keySet)))
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewSpanReceipt(claim, keys, p)
	if err != nil {
		t.Fatal(err)
	}
	r, err = receipt.Decode(r.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewSealVerifier(keys, keySet, false); !errors.Is(err, ErrDevSetup) {
		t.Fatalf("dev keys outside dev mode: %v", err)
	}
	v, err := NewSealVerifier(keys, keySet, true)
	if err != nil {
		t.Fatal(err)
	}
	opts := receipt.VerifierOptions{ImageID: claim.ImageID, AllowDev: true, Seal: v}
	if err := receipt.Verify(r, claim, opts); err != nil {
		t.Fatal(err)
	}
	proof, err := r.Proof()
	if err != nil || len(proof) != ProofBytes(1) {
		t.Fatalf("Proof() = %d bytes, %v", len(proof), err)
	}

	// Each field of the on-chain statement is bound: the same seal on a changed claim fails.
	for name, change := range map[string]func(*receipt.SpanClaim){
		"config hash":       func(c *receipt.SpanClaim) { c.ConfigHash[0] ^= 1 },
		"start output root": func(c *receipt.SpanClaim) { c.StartOutputRoot[0] ^= 1 },
		"end output root":   func(c *receipt.SpanClaim) { c.EndOutputRoot[0] ^= 1 },
		"end block":         func(c *receipt.SpanClaim) { c.EndBlock++ },
		"image ID":          func(c *receipt.SpanClaim) { c.ImageID[0] ^= 1 },
	} {
		c := claim
		change(&c)
		if err := v.VerifySpanSeal(c, receipt.KindGroth16, r.Seal); !errors.Is(err, ErrProofInvalid) {
			t.Errorf("%s changed: %v", name, err)
		}
	}
	other := keySet
	other[0].SetUint64(12345)
	v2, _ := NewSealVerifier(keys, other, true)
	if err := v2.VerifySpanSeal(claim, receipt.KindGroth16, r.Seal); !errors.Is(err, ErrProofInvalid) {
		t.Fatalf("other key-set root: %v", err)
	}
	// A seal declaring ceremony keys does not pass as a dev one.
	s, _ := receipt.DecodeGroth16Seal(r.Seal)
	s.DevSetup = false
	enc, _ := s.MarshalBinary()
	if err := v.VerifySpanSeal(claim, receipt.KindGroth16, enc); !errors.Is(err, ErrSealSetup) {
		t.Fatalf("relabelled seal: %v", err)
	}
	if err := v.VerifySpanSeal(claim, receipt.KindSuccinct, r.Seal); !errors.Is(err, receipt.ErrUnsupported) {
		t.Fatalf("other kind: %v", err)
	}
}
