package stark

import (
	"bytes"
	"errors"
	"testing"

	"github.com/zkexex/zkexex/prover/hash"
)

func TestProofRoundTrip(t *testing.T) {
	bothConfigs(t, testProofRoundTrip[hash.Digest], testProofRoundTrip[hash.BN254Digest])
}

func testProofRoundTrip[D Digest](t *testing.T) {
	for _, s := range testStatements(t) {
		t.Run(s.name, func(t *testing.T) {
			pk, proof := mustProveFor[D](t, s, TestParams())
			b, err := proof.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			dec, err := DecodeProofFor[D](b)
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(pk.VerifyingKey(), dec, s.public, testVerifierConfig()); err != nil {
				t.Fatalf("decoded proof rejected: %v", err)
			}
			b2, _ := dec.MarshalBinary()
			if !bytes.Equal(b, b2) {
				t.Fatal("encoding is not canonical")
			}
			// Proving twice gives the same bytes.
			_, again := mustProveFor[D](t, s, TestParams())
			if b3, _ := again.MarshalBinary(); !bytes.Equal(b, b3) {
				t.Fatal("proofs are not deterministic")
			}
			if proof.Size() != len(b) {
				t.Fatal("Size disagrees with the encoding")
			}
			t.Logf("proof size %d bytes", len(b))
			for _, cut := range []int{0, 3, 4, 8, len(b) / 2, len(b) - 1} {
				if _, err := DecodeProofFor[D](b[:cut]); !errors.Is(err, ErrDecode) {
					t.Fatalf("truncated at %d: %v", cut, err)
				}
			}
			if _, err := DecodeProofFor[D](append(append([]byte(nil), b...), 0)); !errors.Is(err, ErrDecode) {
				t.Fatal("trailing byte accepted")
			}
			bad := append([]byte(nil), b...)
			bad[4] = 9
			if _, err := DecodeProofFor[D](bad); !errors.Is(err, ErrDecode) {
				t.Fatal("unknown version accepted")
			}
		})
	}
}

// FuzzDecodeProof: decoding arbitrary bytes with the decoder of either configuration never
// panics, and a decoded mutation of a valid proof never verifies (unless it decodes to the very
// same proof). The corpus holds a valid proof of each configuration.
func FuzzDecodeProof(f *testing.F) {
	s := testStatements(f)[0]
	params := TestParams()
	kb := newFuzzTarget[hash.Digest](f, s, params)
	bn := newFuzzTarget[hash.BN254Digest](f, s, params)
	for _, valid := range [][]byte{kb.valid, bn.valid} {
		f.Add(valid)
		f.Add(valid[:len(valid)/3])
	}
	f.Add([]byte("ZKXS\x02\x00\x00\x00"))
	f.Add([]byte("ZKXS\x03\x00\x01\x00"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		kb.check(t, b)
		bn.check(t, b)
	})
}

// fuzzTarget is one configuration's decoder and verifier with its valid proof.
type fuzzTarget[D Digest] struct {
	s     statement
	vk    *VerifyingKeyOf[D]
	valid []byte
}

func newFuzzTarget[D Digest](f *testing.F, s statement, params Params) *fuzzTarget[D] {
	pk, proof := mustProveFor[D](f, s, params)
	valid, _ := proof.MarshalBinary()
	return &fuzzTarget[D]{s: s, vk: pk.VerifyingKey(), valid: valid}
}

func (ft *fuzzTarget[D]) check(t *testing.T, b []byte) {
	p, err := DecodeProofFor[D](b)
	if err != nil {
		if !errors.Is(err, ErrDecode) {
			t.Fatalf("untyped decode error %v", err)
		}
		return
	}
	re, _ := p.MarshalBinary()
	if !bytes.Equal(re, b) {
		t.Fatal("decoded proof re-encodes differently")
	}
	err = Verify(ft.vk, p, ft.s.public, testVerifierConfig())
	if bytes.Equal(b, ft.valid) {
		if err != nil {
			t.Fatalf("valid proof rejected: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatal("mutated proof verified")
	}
}
