package hash

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"

	"github.com/consensys/gnark-crypto/field/koalabear/poseidon2"
	"golang.org/x/crypto/sha3"
)

func counting(s []Element) {
	for i := range s {
		s[i].SetUint64(uint64(i))
	}
}

func digestOf(s []Element) Digest {
	var d Digest
	copy(d[:], s)
	return d
}

// TestKnownAnswers pins outputs so that any change to the parameters, round constants or encodings
// fails loudly: every digest below becomes part of image IDs and proofs.
func TestKnownAnswers(t *testing.T) {
	var s16 [16]Element
	counting(s16[:])
	Permute16(&s16)
	var s24 [24]Element
	counting(s24[:])
	Permute24(&s24)
	var left, right Digest
	for i := range left {
		left[i].SetUint64(uint64(i))
		right[i].SetUint64(uint64(8 + i))
	}
	tests := []struct {
		name string
		got  Digest
		want string
	}{
		{"Permute16(0..15)[:8]", digestOf(s16[:]), "0x87f1b07ebf3c8642b2cb2f5231d5e41256d104429c2bfc09f6198a0a762e5820"},
		{"Permute24(0..23)[:8]", digestOf(s24[:]), "0x2f05e95af0f58d55a99c505ec2808a5e50f50c0015b55a39dbc2e23e2a40c230"},
		{"HashBytes(nil)", HashBytes(nil), "0xad416e4c0294c82e437e3d16bd25641c01894f67a6cab25d7333bc7da8915109"},
		{"HashBytes(zkexex)", HashBytes([]byte("zkexex")), "0x57e31f2ac5d7b32beed97125dcde6d076057867b8d8c266794550112a29d4751"},
		{"HashElements(nil)", HashElements(nil), "0xc61ca05fe4ca8f6b13c7df378f33eb2e6ae03e77c9d91517e9f70955285f1343"},
		{"HashU32s(deadbeef,1)", HashU32s([]uint32{0xdeadbeef, 1}), "0x3c64a87d1b7def5e9577361bce749f52df3ce93bcee25b15e71af7091987d96a"},
		{"Compress(0..7,8..15)", Compress(left, right), "0x87f1b07ebf3c8642b2cb2f5231d5e41256d104429c2bfc09f6198a0a762e5820"},
	}
	for _, tt := range tests {
		if got := tt.got.String(); got != tt.want {
			t.Errorf("%s = %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestRoundCounts pins the round counts and shows they are not gnark-crypto's 6-full-round default.
func TestRoundCounts(t *testing.T) {
	p16, p24 := Parameters()
	for _, tt := range []struct {
		p              *poseidon2.Parameters
		width, rf, rp  int
		roundKeyLength int
	}{
		{p16, 16, 8, 20, 28},
		{p24, 24, 8, 23, 31},
	} {
		if tt.p.Width != tt.width || tt.p.NbFullRounds != tt.rf || tt.p.NbPartialRounds != tt.rp || len(tt.p.RoundKeys) != tt.roundKeyLength {
			t.Errorf("parameters %s, want width %d, %d full, %d partial", tt.p, tt.width, tt.rf, tt.rp)
		}
	}
	var ours, dflt [16]Element
	counting(ours[:])
	counting(dflt[:])
	Permute16(&ours)
	if err := poseidon2.NewDefaultPermutation().Permutation(dflt[:]); err != nil {
		t.Fatal(err)
	}
	if ours == dflt {
		t.Fatal("Permute16 equals gnark-crypto's default (6, 21) permutation")
	}
}

// TestHashInjectivity checks the encodings that a naive sponge gets wrong: trailing zeros, an odd
// final byte, lengths that are multiples of the rate, and the same limbs hashed in another domain.
func TestHashInjectivity(t *testing.T) {
	seen := map[Digest]string{}
	add := func(name string, d Digest) {
		t.Helper()
		if prev, ok := seen[d]; ok {
			t.Errorf("%s collides with %s", name, prev)
		}
		seen[d] = name
	}
	for n := 0; n <= 3*SpongeRate+1; n++ {
		add(fmt.Sprintf("bytes(zero x%d)", n), HashBytes(make([]byte, n)))
		add(fmt.Sprintf("elements(zero x%d)", n), HashElements(make([]Element, n)))
		add(fmt.Sprintf("u32s(zero x%d)", n), HashU32s(make([]uint32, n)))
	}
	add("bytes(01)", HashBytes([]byte{1}))
	add("bytes(0100)", HashBytes([]byte{1, 0}))
	// The limbs HashBytes absorbs for "\x01", hashed as plain elements.
	limbs := make([]Element, 5)
	limbs[0].SetUint64(1)
	limbs[4].SetUint64(1)
	add("elements(bytes(01) limbs)", HashElements(limbs))
}

func TestHashBytesEveryByteMatters(t *testing.T) {
	msg := bytes.Repeat([]byte{0xa5}, 77)
	base := HashBytes(msg)
	for i := range msg {
		for _, bit := range []byte{0x01, 0x80} {
			m := bytes.Clone(msg)
			m[i] ^= bit
			if HashBytes(m) == base {
				t.Fatalf("flipping bit %#x of byte %d does not change the digest", bit, i)
			}
		}
	}
}

func TestDigestEncoding(t *testing.T) {
	d := HashBytes([]byte("round trip"))
	b := d.Bytes()
	got, err := DigestFromBytes(b[:])
	if err != nil || got != d {
		t.Fatalf("round trip: %v, %v", got, err)
	}
	if _, err := DigestFromBytes(b[:31]); !errors.Is(err, ErrDigestLength) {
		t.Errorf("short encoding: err = %v, want ErrDigestLength", err)
	}
	bad := b
	bad[4], bad[5], bad[6], bad[7] = 0x01, 0x00, 0x00, 0x7f // p itself
	if _, err := DigestFromBytes(bad[:]); !errors.Is(err, ErrNonCanonical) {
		t.Errorf("element = p: err = %v, want ErrNonCanonical", err)
	}
}

func FuzzDigestFromBytes(f *testing.F) {
	d := HashBytes([]byte("seed"))
	b := d.Bytes()
	f.Add(b[:])
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0xff}, DigestBytes))
	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := DigestFromBytes(in)
		if err != nil {
			return
		}
		out := d.Bytes()
		if !bytes.Equal(out[:], in) {
			t.Fatalf("decoded %x re-encodes as %x", in, out)
		}
	})
}

func BenchmarkPermute16(b *testing.B) {
	var s [16]Element
	counting(s[:])
	for b.Loop() {
		Permute16(&s)
	}
}

func BenchmarkPermute24(b *testing.B) {
	var s [24]Element
	counting(s[:])
	for b.Loop() {
		Permute24(&s)
	}
}

// BenchmarkHashPage hashes a 4 KiB memory page as the executor does, with SHA-256 and keccak of the
// same page measured in the same run as the native baselines.
func BenchmarkHashPage(b *testing.B) {
	page := make([]uint32, 1024)
	raw := make([]byte, 4096)
	for i := range page {
		page[i] = uint32(i) * 2654435761
	}
	b.Run("poseidon2", func(b *testing.B) {
		b.SetBytes(4096)
		timedLoopUnit(b, 1, "ns/page", func() { HashU32s(page) })
	})
	b.Run("poseidon2-batch16", func(b *testing.B) {
		pages := make([][]uint32, 16)
		for i := range pages {
			pages[i] = page
		}
		out := make([]Digest, len(pages))
		b.SetBytes(4096 * int64(len(pages)))
		timedLoopUnit(b, len(pages), "ns/page", func() { HashU32sBatch(out, pages) })
	})
	b.Run("sha256", func(b *testing.B) {
		b.SetBytes(4096)
		for b.Loop() {
			sha256.Sum256(raw)
		}
	})
	b.Run("keccak256", func(b *testing.B) {
		b.SetBytes(4096)
		h := sha3.NewLegacyKeccak256()
		for b.Loop() {
			h.Reset()
			h.Write(raw)
			h.Sum(nil)
		}
	})
}
