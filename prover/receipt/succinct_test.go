package receipt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/vm"
)

// digestSuccinct seals a run claim and its segment count with their digest, so that the receipt's
// own checks can be tested apart from the seal (prover/recursion tests the real seal).
type digestSuccinct struct{}

func (digestSuccinct) seal(c *SegmentClaim, n uint32) []byte {
	b, _ := c.MarshalBinary()
	d := hash.HashBytes(binary.LittleEndian.AppendUint32(b, n)).Bytes()
	return d[:]
}

func (s digestSuccinct) VerifySuccinct(c *SegmentClaim, n uint32, seal []byte) error {
	if !bytes.Equal(seal, s.seal(c, n)) {
		return errors.New("seal is not the claim's digest")
	}
	return nil
}

func sampleSuccinct() (*SuccinctReceipt, hash.Digest) {
	image := vm.State{PC: 0x10078, Root: digestOf("image")}
	id := vm.ImageID(image.Root, image.PC)
	journal := []byte("journal")
	r := &SuccinctReceipt{
		Claim: SegmentClaim{ImageID: id, Start: image, End: vm.State{PC: 0x10200, Root: digestOf("end")},
			Halted: true, ExitCode: 3, JournalDigest: hash.HashBytes(journal), Po2: 20},
		Segments: 5,
		Journal:  journal,
	}
	r.Seal = digestSuccinct{}.seal(&r.Claim, r.Segments)
	return r, id
}

func TestSuccinctVerify(t *testing.T) {
	r, id := sampleSuccinct()
	if err := r.Verify(id, digestSuccinct{}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(r *SuccinctReceipt)
		want   error
	}{
		{"other image", func(r *SuccinctReceipt) { r.Claim.ImageID = digestOf("other") }, ErrImageMismatch},
		{"start not the image", func(r *SuccinctReceipt) { r.Claim.Start.PC += 4 }, ErrImageMismatch},
		{"first segment 1", func(r *SuccinctReceipt) { r.Claim.Index = 1 }, ErrSegmentIndex},
		{"no segments", func(r *SuccinctReceipt) { r.Segments = 0 }, ErrSegmentIndex},
		{"not halted", func(r *SuccinctReceipt) { r.Claim.Halted, r.Claim.ExitCode = false, 0 }, ErrHalt},
		{"journal", func(r *SuccinctReceipt) { r.Journal = []byte("journaL") }, ErrJournal},
		{"malformed claim", func(r *SuccinctReceipt) { r.Claim.Po2 = 40 }, ErrMalformed},
	} {
		r, _ := sampleSuccinct()
		tc.change(r)
		// Resealed: each check above must catch the change on its own.
		r.Seal = digestSuccinct{}.seal(&r.Claim, r.Segments)
		if err := r.Verify(id, digestSuccinct{}); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	for name, change := range map[string]func(r *SuccinctReceipt){
		"exit code":     func(r *SuccinctReceipt) { r.Claim.ExitCode = 4 },
		"end state":     func(r *SuccinctReceipt) { r.Claim.End.PC += 4 },
		"segment count": func(r *SuccinctReceipt) { r.Segments++ },
		"seal":          func(r *SuccinctReceipt) { r.Seal[0] ^= 1 },
	} {
		r, _ := sampleSuccinct()
		change(r)
		if err := r.Verify(id, digestSuccinct{}); !errors.Is(err, ErrSeal) {
			t.Errorf("%s: %v, want ErrSeal", name, err)
		}
	}
}

func TestSuccinctEncoding(t *testing.T) {
	r, id := sampleSuccinct()
	enc, err := r.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if !IsSuccinct(enc) {
		t.Fatal("IsSuccinct is false on an encoded receipt")
	}
	got, err := DecodeSuccinctReceipt(enc)
	if err != nil {
		t.Fatal(err)
	}
	if err := got.Verify(id, digestSuccinct{}); err != nil {
		t.Fatal(err)
	}
	if again, _ := got.MarshalBinary(); !bytes.Equal(again, enc) {
		t.Fatal("re-encoding differs")
	}
	for n := range enc {
		if _, err := DecodeSuccinctReceipt(enc[:n]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("truncated to %d bytes: %v", n, err)
		}
	}
	if _, err := DecodeSuccinctReceipt(append(enc, 0)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("trailing byte: %v", err)
	}
}

func FuzzDecodeSuccinctReceipt(f *testing.F) {
	r, _ := sampleSuccinct()
	enc, _ := r.MarshalBinary()
	f.Add(enc)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeSuccinctReceipt(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		again, err := r.MarshalBinary()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("decoded receipt re-encodes differently (%v)", err)
		}
	})
}
