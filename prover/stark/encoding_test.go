package stark

import (
	"bytes"
	"errors"
	"testing"
)

func TestProofRoundTrip(t *testing.T) {
	for _, s := range testStatements(t) {
		t.Run(s.name, func(t *testing.T) {
			pk, proof := mustProve(t, s, TestParams())
			b, err := proof.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			dec, err := DecodeProof(b)
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
			_, again := mustProve(t, s, TestParams())
			if b3, _ := again.MarshalBinary(); !bytes.Equal(b, b3) {
				t.Fatal("proofs are not deterministic")
			}
			if proof.Size() != len(b) {
				t.Fatal("Size disagrees with the encoding")
			}
			t.Logf("proof size %d bytes", len(b))
			for _, cut := range []int{0, 3, 4, 8, len(b) / 2, len(b) - 1} {
				if _, err := DecodeProof(b[:cut]); !errors.Is(err, ErrDecode) {
					t.Fatalf("truncated at %d: %v", cut, err)
				}
			}
			if _, err := DecodeProof(append(append([]byte(nil), b...), 0)); !errors.Is(err, ErrDecode) {
				t.Fatal("trailing byte accepted")
			}
			bad := append([]byte(nil), b...)
			bad[4] = 9
			if _, err := DecodeProof(bad); !errors.Is(err, ErrDecode) {
				t.Fatal("unknown version accepted")
			}
		})
	}
}

// FuzzDecodeProof: decoding arbitrary bytes never panics, and a decoded mutation of a valid proof
// never verifies (unless it decodes to the very same proof).
func FuzzDecodeProof(f *testing.F) {
	s := testStatements(f)[0]
	params := TestParams()
	pk, proof := mustProve(f, s, params)
	valid, _ := proof.MarshalBinary()
	f.Add(valid)
	f.Add(valid[:len(valid)/3])
	f.Add([]byte("ZKXS\x02\x00\x00\x00"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeProof(b)
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
		err = Verify(pk.VerifyingKey(), p, s.public, testVerifierConfig())
		if bytes.Equal(b, valid) {
			if err != nil {
				t.Fatalf("valid proof rejected: %v", err)
			}
			return
		}
		if err == nil {
			t.Fatal("mutated proof verified")
		}
	})
}
