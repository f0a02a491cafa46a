package receipt

import (
	"encoding/binary"
	"fmt"
)

// KindGroth16 is a span receipt whose seal is a Groth16Seal: a Groth16 proof on BN254 (the wrap
// of the span's final STARK, prover/wrap) of the claim's on-chain statement, which the oracle's
// Groth16OutputVerifier checks. A SpanSealVerifier for it checks the proof against the claim's
// (image ID, config hash, start output root, end output root, end block) and its own key-set
// root and keys; a proof under dev-setup keys is accepted only where dev mode is.
const KindGroth16 Kind = 4

// Groth16Seal is the seal of a KindGroth16 receipt.
type Groth16Seal struct {
	// DevSetup says the proof was made under keys from a dev setup (insecure). It is the prover's
	// declaration, for display and early refusal; verifiers decide from their own keys.
	DevSetup bool
	// Proof is the on-chain proof bytes (gnark's MarshalSolidity encoding), what Receipt.Proof
	// returns and the oracle's proposeL2Output takes.
	Proof []byte
}

// Groth16SealVersion versions Groth16Seal's encoding.
const Groth16SealVersion = 1

var groth16SealMagic = []byte("ZKXG16")

// maxGroth16Proof bounds the proof bytes: (A, B, C) plus a few commitments is well below it.
const maxGroth16Proof = 4096

// MarshalBinary encodes the seal: "ZKXG16", u16 version, u8 dev-setup flag (0 or 1), the proof
// (u32 length, bytes).
func (s *Groth16Seal) MarshalBinary() ([]byte, error) {
	if len(s.Proof) == 0 || len(s.Proof) > maxGroth16Proof {
		return nil, fmt.Errorf("%w: Groth16 proof of %d bytes", ErrMalformed, len(s.Proof))
	}
	b := append([]byte(nil), groth16SealMagic...)
	b = binary.LittleEndian.AppendUint16(b, Groth16SealVersion)
	dev := byte(0)
	if s.DevSetup {
		dev = 1
	}
	b = append(b, dev)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(s.Proof)))
	return append(b, s.Proof...), nil
}

// DecodeGroth16Seal parses MarshalBinary's output (ErrMalformed otherwise). The proof bytes are
// checked for length only; their points are for the verifier to decode.
func DecodeGroth16Seal(b []byte) (*Groth16Seal, error) {
	d, err := newReader(b, groth16SealMagic, Groth16SealVersion)
	if err != nil {
		return nil, err
	}
	s := &Groth16Seal{DevSetup: d.bool(), Proof: d.bytes()}
	if err := d.finish(); err != nil {
		return nil, err
	}
	if len(s.Proof) == 0 || len(s.Proof) > maxGroth16Proof {
		return nil, fmt.Errorf("%w: Groth16 proof of %d bytes", ErrMalformed, len(s.Proof))
	}
	return s, nil
}

// NewGroth16Span makes a KindGroth16 span receipt for claim. Whether the seal proves it is for a
// SpanSealVerifier to say.
func NewGroth16Span(claim SpanClaim, seal *Groth16Seal) (*Receipt, error) {
	if err := claim.Validate(); err != nil {
		return nil, err
	}
	enc, err := seal.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return &Receipt{Kind: KindGroth16, Claim: claim, Seal: enc}, nil
}
