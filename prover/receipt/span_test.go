package receipt

import (
	"bytes"
	"errors"
	"testing"
)

func sampleSpan(t testing.TB) *Receipt {
	a, _ := sampleRun()
	b, _ := sampleRun()
	b.Journal[0] ^= 1 // two different blocks
	r, err := NewCompositeSpan(sampleClaim(), []*CompositeReceipt{a, b})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// sealRecorder is a SpanSealVerifier that accepts one seal and reports what it was given.
type sealRecorder struct {
	want  []byte
	claim SpanClaim
}

var errOtherSeal = errors.New("not the recorded seal")

func (s *sealRecorder) VerifySpanSeal(c SpanClaim, k Kind, seal []byte) error {
	s.claim = c
	if k != KindComposite || !bytes.Equal(seal, s.want) {
		return errOtherSeal
	}
	return nil
}

func TestCompositeSpanRoundTripAndVerify(t *testing.T) {
	r := sampleSpan(t)
	dec, err := Decode(r.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if dec.Kind != KindComposite || dec.IsDev() || dec.Claim != r.Claim || !bytes.Equal(dec.Seal, r.Seal) || dec.Kind.String() != "composite" {
		t.Fatalf("round trip: kind %v", dec.Kind)
	}
	seal, err := DecodeSpanSeal(dec.Seal)
	if err != nil {
		t.Fatal(err)
	}
	if len(seal.Blocks) != 2 || seal.Blocks[0].Journal[0] == seal.Blocks[1].Journal[0] {
		t.Fatal("blocks lost in the seal")
	}
	c := r.Claim
	rec := &sealRecorder{want: r.Seal}
	if err := Verify(dec, c, VerifierOptions{ImageID: c.ImageID, Seal: rec}); err != nil || rec.claim != c {
		t.Fatalf("verify: %v (seal verifier saw %+v)", err, rec.claim)
	}
	if err := Verify(dec, c, VerifierOptions{ImageID: c.ImageID, AllowDev: true}); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("without a seal verifier: %v", err)
	}
	bad := *dec
	bad.Seal = bytes.Clone(dec.Seal)
	bad.Seal[len(bad.Seal)-1] ^= 1
	if err := Verify(&bad, c, VerifierOptions{ImageID: c.ImageID, Seal: rec}); !errors.Is(err, errOtherSeal) {
		t.Fatalf("changed seal: %v", err)
	}
	other := c
	other.EndBlock++
	if err := Verify(dec, other, VerifierOptions{ImageID: c.ImageID, Seal: rec}); !errors.Is(err, ErrClaimMismatch) {
		t.Fatalf("other claim: %v", err)
	}
	// Until the wrap, a composite receipt goes on chain as dev proof bytes over its claim.
	if p, err := dec.Proof(); err != nil || !bytes.Equal(p, DevProof(c)) {
		t.Fatalf("proof bytes: %v", err)
	}
}

func TestDecodeSpanSealRejects(t *testing.T) {
	good, err := (&SpanSeal{Blocks: sampleSpanBlocks()}).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"magic", patch(good, 0, 'X')},
		{"version", patch(good, 6, 2)},
		{"no blocks", patch(good[:12], 8, 0, 0, 0, 0)},
		{"block count past the data", patch(good, 8, 0xff, 0xff, 0, 0)},
		{"block length past the data", patch(good, 12, 0xff, 0xff, 0xff, 0)},
		{"corrupt block", patch(good, 16, 'X')},
		{"truncated", good[:len(good)-1]},
		{"trailing", append(bytes.Clone(good), 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeSpanSeal(tt.data); !errors.Is(err, ErrMalformed) {
				t.Fatalf("got %v", err)
			}
		})
	}
	if _, err := (&SpanSeal{}).MarshalBinary(); !errors.Is(err, ErrMalformed) {
		t.Fatalf("empty seal encoded: %v", err)
	}
	// A composite span receipt needs a valid seal; a dev receipt needs none.
	r := sampleSpan(t)
	enc := r.Encode()
	const head = 2 + SpanClaimSize + 4
	noSeal := patch(enc[:head], head-4, 0, 0, 0, 0)
	if _, err := Decode(noSeal); !errors.Is(err, ErrMalformed) {
		t.Fatalf("composite receipt without a seal: %v", err)
	}
	if _, err := Decode(patch(enc, head, 'X')); !errors.Is(err, ErrMalformed) {
		t.Fatalf("composite receipt with a corrupt seal: %v", err)
	}
}

func sampleSpanBlocks() []*CompositeReceipt {
	a, _ := sampleRun()
	return []*CompositeReceipt{a, a}
}

func FuzzDecodeSpanSeal(f *testing.F) {
	good, _ := (&SpanSeal{Blocks: sampleSpanBlocks()}).MarshalBinary()
	f.Add(good)
	f.Add(good[:40])
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := DecodeSpanSeal(data)
		if err != nil {
			return
		}
		again, err := s.MarshalBinary()
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("decoded seal does not re-encode to its input: %v", err)
		}
	})
}

func sampleSuccinctSpanSeal() *SuccinctSpanSeal {
	return &SuccinctSpanSeal{Journals: [][]byte{[]byte("block one"), []byte("block two")}, Proof: []byte("aggregation proof")}
}

func TestSuccinctSpanRoundTrip(t *testing.T) {
	r, err := NewSuccinctSpan(sampleClaim(), sampleSuccinctSpanSeal())
	if err != nil {
		t.Fatal(err)
	}
	dec, err := Decode(r.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if dec.Kind != KindSuccinct || dec.Kind.String() != "succinct" || dec.Claim != r.Claim || !bytes.Equal(dec.Seal, r.Seal) {
		t.Fatalf("round trip: kind %v", dec.Kind)
	}
	s, err := DecodeSuccinctSpanSeal(dec.Seal)
	if err != nil {
		t.Fatal(err)
	}
	want := sampleSuccinctSpanSeal()
	if len(s.Journals) != 2 || !bytes.Equal(s.Journals[1], want.Journals[1]) || !bytes.Equal(s.Proof, want.Proof) {
		t.Fatalf("seal round trip: %+v", s)
	}
	if err := Verify(dec, r.Claim, VerifierOptions{ImageID: r.Claim.ImageID, AllowDev: true}); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("without a seal verifier: %v", err)
	}
	if p, err := dec.Proof(); err != nil || !bytes.Equal(p, DevProof(r.Claim)) {
		t.Fatalf("proof bytes: %v", err)
	}
	good, _ := sampleSuccinctSpanSeal().MarshalBinary()
	for name, data := range map[string][]byte{
		"empty":                    nil,
		"magic":                    patch(good, 0, 'X'),
		"version":                  patch(good, 6, 2),
		"no blocks":                patch(good[:12], 8, 0, 0, 0, 0),
		"journal count past data":  patch(good, 8, 0xff, 0xff, 0, 0),
		"journal length past data": patch(good, 12, 0xff, 0xff, 0xff, 0),
		"truncated":                good[:len(good)-1],
		"trailing":                 append(bytes.Clone(good), 0),
	} {
		if _, err := DecodeSuccinctSpanSeal(data); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := (&SuccinctSpanSeal{}).MarshalBinary(); !errors.Is(err, ErrMalformed) {
		t.Fatalf("empty seal encoded: %v", err)
	}
	const head = 2 + SpanClaimSize + 4
	if _, err := Decode(patch(r.Encode(), head, 'X')); !errors.Is(err, ErrMalformed) {
		t.Fatalf("succinct receipt with a corrupt seal: %v", err)
	}
}

func FuzzDecodeSuccinctSpanSeal(f *testing.F) {
	good, _ := sampleSuccinctSpanSeal().MarshalBinary()
	f.Add(good)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := DecodeSuccinctSpanSeal(data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		again, err := s.MarshalBinary()
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("decoded seal does not re-encode to its input: %v", err)
		}
	})
}
