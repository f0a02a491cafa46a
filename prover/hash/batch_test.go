package hash

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/consensys/gnark-crypto/field/koalabear/poseidon2"
)

// randomWord returns a canonical Montgomery-form word, with the edges of the range over-represented
// because that is where a lazy reduction would go wrong.
func randomWord(r *rand.Rand) uint32 {
	switch r.IntN(8) {
	case 0:
		return []uint32{0, 1, 2, Modulus - 1, Modulus - 2, 1 << 30, 1<<31 - 1<<24, 1<<24 - 1}[r.IntN(8)]
	default:
		return r.Uint32N(Modulus)
	}
}

func randomElements(r *rand.Rand, e []Element) {
	for i := range e {
		e[i][0] = randomWord(r)
	}
}

// availableKernels lists the kernel sets this build and CPU can run, best first.
func availableKernels() []kernelSet {
	var ks []kernelSet
	for k := bestKernel; k >= portable; k-- {
		ks = append(ks, k)
	}
	return ks
}

// forEachPath runs f with every kernel set this build and CPU can run, the portable one included.
func forEachPath(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	defer func(saved kernelSet) { kernel = saved }(kernel)
	if bestKernel == portable {
		t.Log("no assembly kernels in this build or on this CPU; only the portable path is tested")
	}
	for _, k := range availableKernels() {
		kernel = k
		t.Run(k.String(), f)
	}
}

// TestScalarMatchesGnark compares our scalar permutation with gnark-crypto's generic one, which is
// the reference for the round keys and matrices.
func TestScalarMatchesGnark(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	g16 := poseidon2.NewPermutation(16, FullRounds, PartialRounds16)
	g24 := poseidon2.NewPermutation(24, FullRounds, PartialRounds24)
	for range 2000 {
		var a, b [16]Element
		randomElements(r, a[:])
		b = a
		Permute16(&a)
		_ = g16.Permutation(b[:])
		if a != b {
			t.Fatalf("width 16: ours %v, gnark %v", a, b)
		}
		var c, d [24]Element
		randomElements(r, c[:])
		d = c
		Permute24(&c)
		_ = g24.Permutation(d[:])
		if c != d {
			t.Fatalf("width 24: ours %v, gnark %v", c, d)
		}
	}
}

var batchSizes = []int{0, 1, 2, 3, 4, 15, 16, 17, 31, 33, 100}

func TestPermuteBatchMatchesScalar(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		for _, n := range batchSizes {
			s16 := make([][16]Element, n)
			s24 := make([][24]Element, n)
			for i := range n {
				randomElements(r, s16[i][:])
				randomElements(r, s24[i][:])
			}
			w16 := append([][16]Element(nil), s16...)
			w24 := append([][24]Element(nil), s24...)
			for i := range n {
				Permute16(&w16[i])
				Permute24(&w24[i])
			}
			Permute16Batch(s16)
			Permute24Batch(s24)
			for i := range n {
				if s16[i] != w16[i] {
					t.Fatalf("n=%d: width-16 state %d = %v, scalar %v", n, i, s16[i], w16[i])
				}
				if s24[i] != w24[i] {
					t.Fatalf("n=%d: width-24 state %d = %v, scalar %v", n, i, s24[i], w24[i])
				}
			}
		}
	})
}

func randomDigests(r *rand.Rand, n int) []Digest {
	d := make([]Digest, n)
	for i := range d {
		randomElements(r, d[i][:])
	}
	return d
}

func TestCompressBatchMatchesScalar(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 6))
		for _, n := range batchSizes {
			left, right := randomDigests(r, n), randomDigests(r, n)
			want := make([]Digest, n)
			for i := range want {
				want[i] = Compress(left[i], right[i])
			}
			got := make([]Digest, n)
			CompressBatch(got, left, right)
			pairs := make([]Digest, 0, 2*n)
			for i := range n {
				pairs = append(pairs, left[i], right[i])
			}
			gotPairs := make([]Digest, n)
			CompressPairs(gotPairs, pairs)
			CompressBatch(left, left, right) // in place
			for i := range n {
				if got[i] != want[i] || gotPairs[i] != want[i] || left[i] != want[i] {
					t.Fatalf("n=%d: digest %d: batch %v, pairs %v, in place %v, scalar %v", n, i, got[i], gotPairs[i], left[i], want[i])
				}
			}
		}
	})
}

// spongeLengths cross the rate and the staging chunk (absorbChunk blocks of 16).
var spongeLengths = []int{0, 1, 15, 16, 17, 64, 255, 256, 257, 300, 2048}

func TestHashElementsBatchMatchesScalar(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(7, 8))
		// Runs of equal lengths of various sizes, and mixed lengths.
		var in [][]Element
		for _, n := range spongeLengths {
			for range 1 + r.IntN(20) {
				e := make([]Element, n)
				randomElements(r, e)
				in = append(in, e)
			}
		}
		for i := range 20 {
			e := make([]Element, i%3)
			randomElements(r, e)
			in = append(in, e)
		}
		got := make([]Digest, len(in))
		HashElementsBatch(got, in)
		for i := range in {
			if want := HashElements(in[i]); got[i] != want {
				t.Fatalf("input %d (%d elements): batch %v, scalar %v", i, len(in[i]), got[i], want)
			}
		}
	})
}

func TestHashColumnsMatchesScalar(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(9, 10))
		for _, width := range []int{0, 1, 8, 16, 17, 300} {
			for _, rows := range []int{1, 2, 5, 16, 37} {
				cols := make([][]Element, width)
				for c := range cols {
					cols[c] = make([]Element, rows+3) // longer than out: only the first rows count
					randomElements(r, cols[c])
				}
				got := make([]Digest, rows)
				HashColumns(got, cols)
				row := make([]Element, width)
				for i := range rows {
					for c := range cols {
						row[c] = cols[c][i]
					}
					if want := HashElements(row); got[i] != want {
						t.Fatalf("width %d rows %d: row %d: batch %v, scalar %v", width, rows, i, got[i], want)
					}
				}
			}
		}
	})
}

func TestHashU32sBatchMatchesScalar(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(11, 12))
		var in [][]uint32
		for _, n := range []int{0, 1, 7, 8, 9, 1024} {
			for range 1 + r.IntN(20) {
				w := make([]uint32, n)
				for i := range w {
					w[i] = r.Uint32()
					if r.IntN(4) == 0 {
						w[i] = 0xffffffff
					}
				}
				in = append(in, w)
			}
		}
		got := make([]Digest, len(in))
		HashU32sBatch(got, in)
		for i := range in {
			if want := HashU32s(in[i]); got[i] != want {
				t.Fatalf("input %d (%d words): batch %v, scalar %v", i, len(in[i]), got[i], want)
			}
		}
	})
}

// FuzzBatchMatchesScalar derives a batch of states from the fuzzer's bytes and checks every kernel
// set against the scalar permutations and sponge.
func FuzzBatchMatchesScalar(f *testing.F) {
	f.Add([]byte{0}, uint8(16))
	f.Add(bytes.Repeat([]byte{0xff}, 300), uint8(17))
	f.Fuzz(func(t *testing.T, seed []byte, count uint8) {
		n := int(count) % 40
		var k0, k1 uint64
		for i, b := range seed {
			if i%2 == 0 {
				k0 = k0*131 + uint64(b)
			} else {
				k1 = k1*137 + uint64(b)
			}
		}
		r := rand.New(rand.NewPCG(k0, k1))
		s16 := make([][16]Element, n)
		s24 := make([][24]Element, n)
		rows := make([][]Element, n)
		width := int(k0 % 50)
		for i := range n {
			randomElements(r, s16[i][:])
			randomElements(r, s24[i][:])
			rows[i] = make([]Element, width)
			randomElements(r, rows[i])
		}
		w16 := append([][16]Element(nil), s16...)
		w24 := append([][24]Element(nil), s24...)
		wantRows := make([]Digest, n)
		for i := range n {
			Permute16(&w16[i])
			Permute24(&w24[i])
			wantRows[i] = HashElements(rows[i])
		}
		defer func(saved kernelSet) { kernel = saved }(kernel)
		for _, k := range availableKernels() {
			kernel = k
			g16 := append([][16]Element(nil), s16...)
			g24 := append([][24]Element(nil), s24...)
			Permute16Batch(g16)
			Permute24Batch(g24)
			gotRows := make([]Digest, n)
			HashElementsBatch(gotRows, rows)
			for i := range n {
				if g16[i] != w16[i] || g24[i] != w24[i] || gotRows[i] != wantRows[i] {
					t.Fatalf("%s: state %d of %d differs from the scalar path", k, i, n)
				}
			}
		}
	})
}

// TestBatchKnownAnswers pins the batched paths to the same known answers as TestKnownAnswers,
// through each kernel set, with full groups of 16 and a partial group.
func TestBatchKnownAnswers(t *testing.T) {
	const (
		perm16 = "0x87f1b07ebf3c8642b2cb2f5231d5e41256d104429c2bfc09f6198a0a762e5820"
		perm24 = "0x2f05e95af0f58d55a99c505ec2808a5e50f50c0015b55a39dbc2e23e2a40c230"
		u32s   = "0x3c64a87d1b7def5e9577361bce749f52df3ce93bcee25b15e71af7091987d96a"
		empty  = "0xc61ca05fe4ca8f6b13c7df378f33eb2e6ae03e77c9d91517e9f70955285f1343"
	)
	forEachPath(t, func(t *testing.T) {
		for _, n := range []int{16, 21} {
			s16 := make([][16]Element, n)
			s24 := make([][24]Element, n)
			pairs := make([]Digest, 2*n)
			words := make([][]uint32, n)
			elems := make([][]Element, n)
			for i := range n {
				counting(s16[i][:])
				counting(s24[i][:])
				counting(pairs[2*i][:])
				for k := range pairs[2*i+1] {
					pairs[2*i+1][k].SetUint64(uint64(8 + k))
				}
				words[i] = []uint32{0xdeadbeef, 1}
			}
			Permute16Batch(s16)
			Permute24Batch(s24)
			nodes := make([]Digest, n)
			CompressPairs(nodes, pairs)
			hu := make([]Digest, n)
			HashU32sBatch(hu, words)
			he := make([]Digest, n)
			HashElementsBatch(he, elems)
			for i := range n {
				for _, c := range []struct {
					name string
					got  Digest
					want string
				}{
					{"Permute16Batch", digestOf(s16[i][:]), perm16},
					{"Permute24Batch", digestOf(s24[i][:]), perm24},
					{"CompressPairs", nodes[i], perm16},
					{"HashU32sBatch", hu[i], u32s},
					{"HashElementsBatch(nil)", he[i], empty},
				} {
					if got := c.got.String(); got != c.want {
						t.Fatalf("n=%d: %s[%d] = %s, want %s", n, c.name, i, got, c.want)
					}
				}
			}
		}
	})
}
