package hash

import (
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	bnposeidon2 "github.com/consensys/gnark-crypto/ecc/bn254/fr/poseidon2"
)

// The BN254 hash: Poseidon2 over the scalar field of BN254, for the last STARK layer, the one a
// Groth16 circuit on BN254 verifies. There a BN254 element is one native variable, while a
// KoalaBear Poseidon2 would cost thousands of constraints per permutation.
//
// Width 3 (rate 2, capacity 1), 8 full rounds and 56 partial rounds, S-box x^5: the instance the
// Poseidon2 paper gives for BN254 at 128-bit security (eprint 2023/323, Table 1 and the
// HorizenLabs reference parameters) and the one SP1's outer configuration uses. gnark's in-circuit
// gadget (std/permutation/poseidon2.NewPoseidon2FromParameters(api, 3, 8, 56)) implements exactly
// this permutation: it takes its round keys from gnark-crypto's poseidon2.NewParameters(3, 8, 56)
// and hard-codes the same width-3 matrices (external circ(2,1,1), internal [[2,1,1],[1,2,1],[1,1,3]]).
// Width 2 would halve the state but leaves no room for a capacity element in a sponge, and gnark's
// default (2, 6, 50) has the six full rounds DESIGN.md refuses.
//
// A BN254 digest is one field element (≈254 bits), so its collision resistance is the birthday
// bound, about 127 bits.
const (
	BN254Width         = 3
	BN254Rate          = 2
	BN254FullRounds    = 8
	BN254PartialRounds = 56
	// BN254PackedElements is how many KoalaBear values one BN254 element carries: canonical
	// values are below 2^31, so eight of them written in radix 2^31 fill 248 bits, below the
	// 253.6-bit modulus with room for a length marker (2^248·n, n <= 8, stays below 2^252). The
	// packing is an injective integer, not a field reduction, so it needs no padding and an
	// in-circuit check of it is one linear combination over range-checked values.
	BN254PackedElements = 8
	// BN254DigestBytes is the length of a BN254 digest's encoding (big-endian, canonical).
	BN254DigestBytes = fr.Bytes
)

// BN254Digest is the output of the BN254 sponge and compression: one scalar-field element.
type BN254Digest = fr.Element

var bn254Perm = sync.OnceValue(func() *bnposeidon2.Permutation {
	return bnposeidon2.NewPermutation(BN254Width, BN254FullRounds, BN254PartialRounds)
})

// BN254Parameters returns the permutation's parameters (round keys included), for tests and for a
// circuit that must reproduce them.
func BN254Parameters() *bnposeidon2.Parameters {
	return bnposeidon2.NewParameters(BN254Width, BN254FullRounds, BN254PartialRounds)
}

// PermuteBN254 applies the width-3 BN254 permutation in place.
func PermuteBN254(s *[BN254Width]fr.Element) {
	// The only error is a buffer of the wrong width, which the array type excludes.
	_ = bn254Perm().Permutation(s[:])
}

// PackBN254 packs up to BN254PackedElements canonical KoalaBear values into one BN254 element:
// Σ v_i·2^(31·i). It panics on more values, a programming error.
func PackBN254(vs []Element) fr.Element {
	return packRadix31(vs, 0)
}

// PackBN254Counted is PackBN254 plus n·2^248 with n = len(vs), so that packs of different lengths
// never coincide (a trailing zero value changes the result). The transcript packs this way.
func PackBN254Counted(vs []Element) fr.Element {
	return packRadix31(vs, uint64(len(vs)))
}

func packRadix31(vs []Element, marker uint64) fr.Element {
	if len(vs) > BN254PackedElements {
		panic(fmt.Sprintf("hash: packing %d KoalaBear values into one BN254 element", len(vs)))
	}
	var limbs [4]uint64
	for i := range vs {
		v := vs[i].Uint64()
		bit := 31 * i
		limbs[bit/64] |= v << uint(bit%64)
		if bit%64 > 64-31 {
			limbs[bit/64+1] |= v >> uint(64-bit%64)
		}
	}
	limbs[3] |= marker << (248 - 192)
	var b [fr.Bytes]byte
	for i, l := range limbs {
		binary.LittleEndian.PutUint64(b[8*i:], l)
	}
	// Below 2^252 < r, so the canonical check cannot fail.
	e, _ := fr.LittleEndian.Element(&b)
	return e
}

// bn254Sponge absorbs m BN254 elements produced by next into the width-3 sponge in overwrite mode.
// As in the KoalaBear sponge, the capacity is keyed by the domain and the input length (n counts
// the caller's units: KoalaBear values or bytes), so zero-padding the last block is injective.
// The capacity is never zero, which separates every sponge state from a compression's.
func bn254Sponge(domain uint64, n, m int, next func(i int) fr.Element) fr.Element {
	var s [BN254Width]fr.Element
	s[BN254Rate] = bn254SpongeKey(domain, n)
	if m == 0 {
		PermuteBN254(&s)
	}
	for done := 0; done < m; done += BN254Rate {
		s[0] = next(done)
		if done+1 < m {
			s[1] = next(done + 1)
		} else {
			s[1].SetZero()
		}
		PermuteBN254(&s)
	}
	return s[0]
}

// bn254SpongeKey is the initial capacity of a sponge of n units in domain: domain + 256·n.
func bn254SpongeKey(domain uint64, n int) fr.Element {
	var k, nn, shift fr.Element
	nn.SetUint64(uint64(n))
	shift.SetUint64(256)
	k.SetUint64(domain)
	nn.Mul(&nn, &shift)
	return *k.Add(&k, &nn)
}

// BN254ElementsKey is the initial capacity with which HashElementsBN254 hashes n values, for a
// circuit that replays it.
func BN254ElementsKey(n int) fr.Element { return bn254SpongeKey(domainElements, n) }

// HashElementsBN254 hashes KoalaBear values with the BN254 sponge, eight values per absorbed
// element (PackBN254; the last pack is zero-padded, which the length in the capacity
// disambiguates).
func HashElementsBN254(in []Element) BN254Digest {
	m := (len(in) + BN254PackedElements - 1) / BN254PackedElements
	return bn254Sponge(domainElements, len(in), m, func(i int) fr.Element {
		lo := i * BN254PackedElements
		return PackBN254(in[lo:min(lo+BN254PackedElements, len(in))])
	})
}

// HashColumnsBN254 is HashColumns for the BN254 sponge: out[i] hashes the row (cols[0][i],
// cols[1][i], ...). It panics if some column is shorter than out.
func HashColumnsBN254(out []BN254Digest, cols [][]Element) {
	for c, col := range cols {
		if len(col) < len(out) {
			panic(fmt.Sprintf("hash: column %d has %d rows, want %d", c, len(col), len(out)))
		}
	}
	n := len(cols)
	m := (n + BN254PackedElements - 1) / BN254PackedElements
	var pack [BN254PackedElements]Element
	for r := range out {
		out[r] = bn254Sponge(domainElements, n, m, func(i int) fr.Element {
			lo := i * BN254PackedElements
			hi := min(lo+BN254PackedElements, n)
			for c := lo; c < hi; c++ {
				pack[c-lo] = cols[c][r]
			}
			return PackBN254(pack[:hi-lo])
		})
	}
}

// HashBytesBN254 hashes a byte string with the BN254 sponge, 31 bytes per element (big-endian,
// so each is below 2^248; the length in the capacity disambiguates the zero-padded tail).
func HashBytesBN254(b []byte) BN254Digest {
	const chunk = 31
	m := (len(b) + chunk - 1) / chunk
	return bn254Sponge(domainBytes, len(b), m, func(i int) fr.Element {
		var buf [fr.Bytes]byte
		copy(buf[1:], b[i*chunk:min((i+1)*chunk, len(b))])
		e, _ := fr.BigEndian.Element(&buf) // below 2^248 < r
		return e
	})
}

// CompressBN254 is the 2-to-1 compression of BN254 Merkle nodes: the width-3 permutation of
// (left, right, 0), truncated to its first element (the truncated-permutation construction, as
// Plonky3's and SP1's outer Merkle trees use).
func CompressBN254(left, right BN254Digest) BN254Digest {
	s := [BN254Width]fr.Element{left, right}
	PermuteBN254(&s)
	return s[0]
}

// CompressPairsBN254 sets out[i] = CompressBN254(in[2i], in[2i+1]).
func CompressPairsBN254(out, in []BN254Digest) {
	for i := range out {
		out[i] = CompressBN254(in[2*i], in[2*i+1])
	}
}

// CompressBatchBN254 sets out[i] = CompressBN254(left[i], right[i]); out may alias left.
func CompressBatchBN254(out, left, right []BN254Digest) {
	for i := range out {
		out[i] = CompressBN254(left[i], right[i])
	}
}

// BN254DigestFromBytes decodes a big-endian canonical BN254 digest.
func BN254DigestFromBytes(b []byte) (BN254Digest, error) {
	var d BN254Digest
	if len(b) != BN254DigestBytes {
		return d, fmt.Errorf("%w: %d bytes, want %d", ErrDigestLength, len(b), BN254DigestBytes)
	}
	if err := d.SetBytesCanonical(b); err != nil {
		return d, fmt.Errorf("%w: %w", ErrNonCanonical, err)
	}
	return d, nil
}
