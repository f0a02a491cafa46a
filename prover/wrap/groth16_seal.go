package wrap

import (
	"errors"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/receipt"
)

// ErrSealSetup: a Groth16 seal that declares another setup kind than the verifier's keys.
var ErrSealSetup = errors.New("wrap: Groth16 seal made under another setup than the verifier's keys")

// SealVerifier checks receipt.KindGroth16 span receipts (a receipt.SpanSealVerifier) the way the
// oracle's Groth16OutputVerifier does: the proof against its key-set root and the claim digest of
// (image ID, config hash, start output root, end output root, end block). The other fields of a
// span claim (parent and end block hashes, start block) are not part of the on-chain statement,
// so the proof does not bind them.
type SealVerifier struct {
	keys       *Keys
	keySetRoot hash.Digest
}

// NewSealVerifier returns a verifier for proofs under keys against keySetRoot. Dev-setup keys
// need allowDev (ErrDevSetup otherwise).
func NewSealVerifier(keys *Keys, keySetRoot hash.Digest, allowDev bool) (*SealVerifier, error) {
	if err := keys.RequireSecure(allowDev); err != nil {
		return nil, err
	}
	return &SealVerifier{keys: keys, keySetRoot: keySetRoot}, nil
}

// SpanPublicInputs are the two public inputs for a span claim under keySetRoot.
func SpanPublicInputs(claim receipt.SpanClaim, keySetRoot hash.Digest) [NumPublicInputs]fr.Element {
	return PublicInputs(keySetRoot, ClaimDigest(claim.ImageID, claim.ConfigHash, claim.StartOutputRoot, claim.EndOutputRoot, claim.EndBlock))
}

// VerifySpanSeal implements receipt.SpanSealVerifier.
func (v *SealVerifier) VerifySpanSeal(claim receipt.SpanClaim, kind receipt.Kind, seal []byte) error {
	if kind != receipt.KindGroth16 {
		return fmt.Errorf("%w: %v receipt given to the Groth16 verifier", receipt.ErrUnsupported, kind)
	}
	s, err := receipt.DecodeGroth16Seal(seal)
	if err != nil {
		return err
	}
	if s.DevSetup != v.keys.Kind.Insecure() {
		return fmt.Errorf("%w: seal says dev setup = %v, keys are %v", ErrSealSetup, s.DevSetup, v.keys.Kind)
	}
	return Verify(v.keys, s.Proof, SpanPublicInputs(claim, v.keySetRoot))
}

// NewSpanReceipt makes the KindGroth16 receipt of claim from a proof under keys.
func NewSpanReceipt(claim receipt.SpanClaim, keys *Keys, proof *groth16bn254.Proof) (*receipt.Receipt, error) {
	return receipt.NewGroth16Span(claim, &receipt.Groth16Seal{DevSetup: keys.Kind.Insecure(), Proof: EncodeProof(proof)})
}
