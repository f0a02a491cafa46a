package hash

import (
	"errors"
	"math/big"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	bnposeidon2 "github.com/consensys/gnark-crypto/ecc/bn254/fr/poseidon2"
)

// TestBN254KnownAnswers pins the BN254 hash: a change of gnark-crypto's round keys or matrices
// for (3, 8, 56), or of our packing or sponge, would silently split the native prover from the
// Groth16 circuit that replays it, so it must fail here first.
func TestBN254KnownAnswers(t *testing.T) {
	var s [BN254Width]fr.Element
	for i := range s {
		s[i].SetUint64(uint64(i))
	}
	PermuteBN254(&s)
	in := make([]Element, 17)
	counting(in)
	var l, r BN254Digest
	l.SetUint64(1)
	r.SetUint64(2)
	tests := []struct {
		name string
		got  BN254Digest
		want string
	}{
		{"permutation(0,1,2)[0]", s[0], bn254KAT[0]},
		{"HashElementsBN254(0..16)", HashElementsBN254(in), bn254KAT[1]},
		{"HashElementsBN254()", HashElementsBN254(nil), bn254KAT[2]},
		{"HashBytesBN254(\"zkexex\")", HashBytesBN254([]byte("zkexex")), bn254KAT[3]},
		{"CompressBN254(1,2)", CompressBN254(l, r), bn254KAT[4]},
	}
	for _, tc := range tests {
		if got := tc.got.Text(16); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.name, got, tc.want)
		}
	}
	// The permutation is gnark-crypto's for these parameters (the gadget's source of round keys).
	var g [BN254Width]fr.Element
	for i := range g {
		g[i].SetUint64(uint64(i))
	}
	if err := bnposeidon2.NewPermutation(3, 8, 56).Permutation(g[:]); err != nil {
		t.Fatal(err)
	}
	if g != s {
		t.Fatal("PermuteBN254 differs from gnark-crypto's (3, 8, 56) permutation")
	}
	if p := BN254Parameters(); p.Width != 3 || p.NbFullRounds != 8 || p.NbPartialRounds != 56 || len(p.RoundKeys) != 64 {
		t.Fatalf("parameters %v", p)
	}
}

var bn254KAT = [...]string{
	"82f11489a46e970637851f0cd8ddf88979910f0f69e914a25c658774563d8f6",
	"3ee7737e701c9968ed4f6d9cf63050d72c5ca36b890f2bf56ea017a38242998",
	"1a31d50097961eaafb2c071023a3c717600eaabee0f1bc6d076e3dc7a6f0eb11",
	"93f54da0c5e45b118a09ef394bea4efa68af55de05cc601a868ea36e936075e",
	"1bb27765b122dcd5e531fc44bd05257b6c167523f492f8afe8c3a68683097af3",
}

// TestPackBN254 checks the packing against its integer definition, Σ v_i·2^(31 i) (+ n·2^248 when
// counted), at the extreme values.
func TestPackBN254(t *testing.T) {
	for n := 0; n <= BN254PackedElements; n++ {
		for _, fill := range []uint64{0, 1, Modulus - 1, 0x55555555 % Modulus} {
			vs := make([]Element, n)
			want := new(big.Int)
			for i := range vs {
				vs[i].SetUint64(fill + uint64(i)%2)
				want.Add(want, new(big.Int).Lsh(new(big.Int).SetUint64(vs[i].Uint64()), uint(31*i)))
			}
			var w fr.Element
			w.SetBigInt(want)
			if got := PackBN254(vs); !got.Equal(&w) {
				t.Fatalf("%d values of %d: got %s", n, fill, got.Text(16))
			}
			want.Add(want, new(big.Int).Lsh(big.NewInt(int64(n)), 248))
			w.SetBigInt(want)
			if got := PackBN254Counted(vs); !got.Equal(&w) {
				t.Fatalf("counted %d values of %d: got %s", n, fill, got.Text(16))
			}
		}
	}
}

// TestBN254SpongeSeparation: inputs of different lengths (a trailing zero, a zero-padded pack)
// and different domains hash differently, and HashColumnsBN254 hashes rows as HashElementsBN254.
func TestBN254SpongeSeparation(t *testing.T) {
	seen := map[BN254Digest]string{}
	add := func(name string, d BN254Digest) {
		if prev, ok := seen[d]; ok {
			t.Fatalf("%s collides with %s", name, prev)
		}
		seen[d] = name
	}
	for n := 0; n <= 18; n++ {
		add("zeros "+string(rune('a'+n)), HashElementsBN254(make([]Element, n)))
	}
	add("bytes empty", HashBytesBN254(nil))
	add("bytes zero", HashBytesBN254([]byte{0}))
	add("bytes 31 zeros", HashBytesBN254(make([]byte, 31)))
	add("bytes 32 zeros", HashBytesBN254(make([]byte, 32)))
	var z BN254Digest
	add("compress zeros", CompressBN254(z, z))

	cols := make([][]Element, 11)
	for c := range cols {
		cols[c] = make([]Element, 5)
		for r := range cols[c] {
			cols[c][r].SetUint64(uint64(100*c + r))
		}
	}
	out := make([]BN254Digest, 5)
	HashColumnsBN254(out, cols)
	for r := range out {
		row := make([]Element, len(cols))
		for c := range cols {
			row[c] = cols[c][r]
		}
		if want := HashElementsBN254(row); out[r] != want {
			t.Fatalf("row %d: HashColumnsBN254 differs from HashElementsBN254", r)
		}
	}
}

func TestBN254DigestFromBytes(t *testing.T) {
	d := HashElementsBN254([]Element{{1}})
	b := d.Bytes()
	got, err := BN254DigestFromBytes(b[:])
	if err != nil || got != d {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := BN254DigestFromBytes(b[:31]); !errors.Is(err, ErrDigestLength) {
		t.Fatalf("short: %v", err)
	}
	modulus := fr.Modulus().FillBytes(make([]byte, fr.Bytes))
	if _, err := BN254DigestFromBytes(modulus); !errors.Is(err, ErrNonCanonical) {
		t.Fatalf("r accepted: %v", err)
	}
}

func FuzzBN254DigestFromBytes(f *testing.F) {
	f.Add(make([]byte, BN254DigestBytes))
	f.Add(fr.Modulus().FillBytes(make([]byte, fr.Bytes)))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := BN254DigestFromBytes(b)
		if err != nil {
			if !errors.Is(err, ErrDigestLength) && !errors.Is(err, ErrNonCanonical) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if e := d.Bytes(); string(e[:]) != string(b) {
			t.Fatal("decoded digest re-encodes differently")
		}
	})
}

// BenchmarkBN254 measures the width-3 permutation and the leaf hash of a 64-value row (eight
// packs, four permutations): the BN254 configuration's hashing cost next to the KoalaBear kernels.
func BenchmarkBN254(b *testing.B) {
	b.Run("permute", func(b *testing.B) {
		var s [BN254Width]fr.Element
		for i := 0; i < b.N; i++ {
			PermuteBN254(&s)
		}
	})
	b.Run("row64", func(b *testing.B) {
		row := make([]Element, 64)
		counting(row)
		for i := 0; i < b.N; i++ {
			HashElementsBN254(row)
		}
	})
}
