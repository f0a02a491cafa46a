package service

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/zkexex/zkexex/derivation"
	"github.com/zkexex/zkexex/prover/receipt"
)

// sealOf accepts exactly one seal: the adapter's checks are under test, not the seal's.
type sealOf []byte

var errSeal = errors.New("not the good seal")

func (s sealOf) VerifySpanSeal(_ receipt.SpanClaim, _ receipt.Kind, seal []byte) error {
	if !bytes.Equal(seal, s) {
		return errSeal
	}
	return nil
}

// TestAdapterRefusesBadReceipts: a non-dev receipt is proposed only when it proves the
// proposal (block, block hash, output roots), names the oracle's image and the chain's config,
// and its seal verifies; each mismatch is refused permanently before anything is sent.
func TestAdapterRefusesBadReceipts(t *testing.T) {
	claim := receipt.SpanClaim{ConfigHash: common.Hash{1}, StartParentHash: common.Hash{2}, EndBlockHash: common.Hash{3}, StartBlock: 6, EndBlock: 10,
		StartOutputRoot: common.Hash{4}, EndOutputRoot: common.Hash{5}, ImageID: common.Hash{6}}
	good := &receipt.Receipt{Kind: receipt.KindComposite, Claim: claim, Seal: []byte("good seal")}
	check := receiptCheck{imageID: claim.ImageID, configHash: claim.ConfigHash, seal: sealOf("good seal")}
	proposal := func(r *receipt.Receipt) *derivation.Proposal {
		return &derivation.Proposal{L2BlockNumber: 10, L2BlockHash: common.Hash{3}, OutputRoot: common.Hash{5}, PrevOutputRoot: common.Hash{4}, Receipt: r}
	}
	if err := check.verify(proposal(good)); err != nil {
		t.Fatal(err)
	}
	// A dev receipt is the oracle's verifier's to judge.
	if err := check.verify(proposal(receipt.NewDev(claim))); err != nil {
		t.Fatal(err)
	}
	mod := func(f func(*receipt.Receipt)) *receipt.Receipt {
		r := *good
		f(&r)
		return &r
	}
	tests := []struct {
		name string
		p    *derivation.Proposal
		err  error
	}{
		{"seal", proposal(mod(func(r *receipt.Receipt) { r.Seal = []byte("bad seal") })), errSeal},
		{"image", proposal(mod(func(r *receipt.Receipt) { r.Claim.ImageID[0] ^= 1 })), ErrBadReceipt},
		{"config", proposal(mod(func(r *receipt.Receipt) { r.Claim.ConfigHash[0] ^= 1 })), ErrBadReceipt},
		{"end block", proposal(mod(func(r *receipt.Receipt) { r.Claim.EndBlock = 11 })), ErrBadReceipt},
		{"end block hash", proposal(mod(func(r *receipt.Receipt) { r.Claim.EndBlockHash[0] ^= 1 })), ErrBadReceipt},
		{"output root", proposal(mod(func(r *receipt.Receipt) { r.Claim.EndOutputRoot[0] ^= 1 })), ErrBadReceipt},
		{"previous output root", proposal(mod(func(r *receipt.Receipt) { r.Claim.StartOutputRoot[0] ^= 1 })), ErrBadReceipt},
		{"unknown kind", proposal(mod(func(r *receipt.Receipt) { r.Kind = 9 })), receipt.ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := check.verify(tt.p); !errors.Is(err, tt.err) || !errors.Is(err, ErrBadReceipt) {
				t.Fatalf("got %v, want %v", err, tt.err)
			}
			// The adapter refuses before it reaches the proposer (nil here).
			a := &adapter{check: check}
			if _, err := a.Propose(context.Background(), tt.p); !errors.Is(err, derivation.ErrProposalRejected) {
				t.Fatalf("proposed: %v", err)
			}
		})
	}
	// Without a seal verifier the production one applies: a made-up seal does not decode.
	if err := (&receiptCheck{}).verify(proposal(good)); !errors.Is(err, receipt.ErrMalformed) {
		t.Fatalf("default verifier: %v", err)
	}
}
