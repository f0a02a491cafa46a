package receipt

import (
	"bytes"
	"errors"
	"testing"

	"github.com/ethereum/go-ethereum/common"
)

func TestGroth16SealRoundTrip(t *testing.T) {
	claim := SpanClaim{ConfigHash: common.Hash{1}, StartBlock: 1, EndBlock: 4, StartOutputRoot: common.Hash{2}, EndOutputRoot: common.Hash{3}, ImageID: common.Hash{4}}
	proof := bytes.Repeat([]byte{0xab}, 384)
	for _, dev := range []bool{false, true} {
		r, err := NewGroth16Span(claim, &Groth16Seal{DevSetup: dev, Proof: proof})
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(r.Encode())
		if err != nil {
			t.Fatal(err)
		}
		if got.Kind != KindGroth16 || got.Claim != claim || got.Kind.String() != "groth16" {
			t.Fatalf("decoded %v", got)
		}
		p, err := got.Proof()
		if err != nil || !bytes.Equal(p, proof) {
			t.Fatalf("Proof() = %x, %v", p, err)
		}
		s, err := DecodeGroth16Seal(got.Seal)
		if err != nil || s.DevSetup != dev {
			t.Fatalf("seal %+v, %v", s, err)
		}
	}
	// Without a seal verifier the receipt is unsupported, never accepted.
	r, _ := NewGroth16Span(claim, &Groth16Seal{Proof: proof})
	if err := Verify(r, claim, VerifierOptions{ImageID: claim.ImageID, AllowDev: true}); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("no seal verifier: %v", err)
	}
}

func TestGroth16SealRejects(t *testing.T) {
	good, err := (&Groth16Seal{Proof: make([]byte, 256)}).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"empty":       nil,
		"bad magic":   append([]byte("ZKXG17"), good[6:]...),
		"bad version": append(append([]byte("ZKXG16"), 2, 0), good[8:]...),
		"bad flag":    append(append(append([]byte{}, good[:8]...), 2), good[9:]...),
		"truncated":   good[:len(good)-1],
		"trailing":    append(append([]byte{}, good...), 0),
		"empty proof": append(append([]byte{}, good[:9]...), 0, 0, 0, 0),
		"huge length": append(append([]byte{}, good[:9]...), 0xff, 0xff, 0xff, 0xff),
	} {
		if _, err := DecodeGroth16Seal(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := (&Groth16Seal{}).MarshalBinary(); !errors.Is(err, ErrMalformed) {
		t.Fatalf("empty proof encoded: %v", err)
	}
}

func FuzzDecodeGroth16Seal(f *testing.F) {
	good, _ := (&Groth16Seal{DevSetup: true, Proof: make([]byte, 384)}).MarshalBinary()
	f.Add(good)
	f.Add([]byte("ZKXG16"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeGroth16Seal(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		again, err := s.MarshalBinary()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("re-encoding differs: %v", err)
		}
	})
}
