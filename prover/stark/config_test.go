package stark

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/zkexex/zkexex/prover/hash"
)

// TestCrossConfigurationRejected: a proof made under one hash configuration is refused by the
// decoder (and so the verifier) of the other with ErrConfig, and relabelling an encoding's
// configuration does not make it verify; the two configurations' keys for one AIR differ.
func TestCrossConfigurationRejected(t *testing.T) {
	s := testStatements(t)[0]
	kpk, kproof := mustProveFor[hash.Digest](t, s, TestParams())
	bpk, bproof := mustProveFor[hash.BN254Digest](t, s, TestParams())
	kb, _ := kproof.MarshalBinary()
	bb, _ := bproof.MarshalBinary()
	if _, err := DecodeProofFor[hash.BN254Digest](kb); !errors.Is(err, ErrConfig) || !errors.Is(err, ErrDecode) {
		t.Fatalf("KoalaBear proof decoded as BN254: %v", err)
	}
	if _, err := DecodeProof(bb); !errors.Is(err, ErrConfig) || !errors.Is(err, ErrDecode) {
		t.Fatalf("BN254 proof decoded as KoalaBear: %v", err)
	}
	// Relabelled: the bytes of one configuration's proof claimed for the other.
	relabel := func(b []byte, cfg uint32) []byte {
		out := append([]byte(nil), b...)
		binary.LittleEndian.PutUint32(out[4:], ProofVersion|cfg<<16)
		return out
	}
	if p, err := DecodeProof(relabel(bb, configKoalaBear)); err == nil {
		if err := Verify(kpk.VerifyingKey(), p, s.public, testVerifierConfig()); !errors.Is(err, ErrInvalidProof) {
			t.Fatalf("relabelled BN254 proof verified as KoalaBear: %v", err)
		}
	} else if !errors.Is(err, ErrDecode) {
		t.Fatal(err)
	}
	if p, err := DecodeProofFor[hash.BN254Digest](relabel(kb, configBN254)); err == nil {
		if err := Verify(bpk.VerifyingKey(), p, s.public, testVerifierConfig()); !errors.Is(err, ErrInvalidProof) {
			t.Fatalf("relabelled KoalaBear proof verified as BN254: %v", err)
		}
	} else if !errors.Is(err, ErrDecode) {
		t.Fatal(err)
	}
	// The default configuration's encoding is unchanged: version word 3, configuration 0.
	if v := binary.LittleEndian.Uint32(kb[4:]); v != ProofVersion {
		t.Fatalf("KoalaBear version word %#x", v)
	}
	kd, bd := kpk.VerifyingKey().Digest().Bytes(), bpk.VerifyingKey().Digest()
	if bytes.Equal(kd[:], bd.Marshal()) {
		t.Fatal("the two configurations share a key digest")
	}
}

// TestFinalLayerSoundness: the final layer's parameters give at least 100 conjectured bits at
// every FinalLayerShapes size, and verify under the 100-bit policy.
func TestFinalLayerSoundness(t *testing.T) {
	p := FinalLayerParams()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, sh := range FinalLayerShapes() {
		s := p.Soundness(sh)
		t.Logf("2^%d rows, 2^%d fractions: %s", sh.MaxLogHeight, sh.LogLookupTerms, s)
		if s.Total < 100 {
			t.Errorf("2^%d rows: %.1f bits", sh.MaxLogHeight, s.Total)
		}
	}
	if s := p.Soundness(referenceShape(20, 24)); s.Total >= 100 {
		t.Errorf("2^20 rows reach %.1f bits: FinalLayerShapes could be raised", s.Total)
	}
	if testing.Short() {
		return
	}
	for _, s := range testStatements(t) {
		pk, proof := mustProveFor[hash.BN254Digest](t, s, p)
		if err := Verify(pk.VerifyingKey(), proof, s.public, DefaultVerifierConfig()); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		t.Logf("%s: %d bytes", s.name, proof.Size())
	}
}
