// Package hash owns zkexex's algebraic hash: Poseidon2 over KoalaBear with the round counts fixed
// by DESIGN.md (width 16: 8 full + 20 partial; width 24: 8 full + 23 partial), scalar and batched
// (16 states per AVX-512 kernel call, portable Go elsewhere, bit-identical), the digest type, the
// sponge and 2-to-1 compression built on it, and binary Merkle trees. Executor and prover share it.
// It also owns the BN254 hash of the last STARK layer (bn254.go): Poseidon2 over BN254's scalar
// field, width 3, with KoalaBear values packed eight to an element.
package hash

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"unsafe"

	"github.com/consensys/gnark-crypto/field/koalabear"
	"github.com/consensys/gnark-crypto/field/koalabear/poseidon2"
)

// Element is a KoalaBear field element (p = 2^31 - 2^24 + 1).
type Element = koalabear.Element

// Round counts. Eight full rounds is what Plonky3, SP1 and RISC Zero use for Poseidon2 over 31-bit
// fields; gnark-crypto's default of 6 leaves no margin against statistical attacks (DESIGN.md).
// The partial-round counts follow the Poseidon2 paper's bound for d = 3 at 128-bit security.
const (
	FullRounds      = 8
	PartialRounds16 = 20
	PartialRounds24 = 23
)

const (
	// Modulus is the KoalaBear prime 2^31 - 2^24 + 1.
	Modulus = 1<<31 - 1<<24 + 1
	// DigestElements is the number of field elements in a digest (8 x 31 bits ≈ 248 bits, so
	// collision resistance is bounded by the 124-bit birthday bound, not by the permutation).
	DigestElements = 8
	// SpongeRate is the rate of the width-24 sponge; the other 8 elements are the capacity.
	SpongeRate = 16
	// DigestBytes is the length of a digest's canonical byte encoding.
	DigestBytes = DigestElements * 4
)

// Domain tags written into the sponge's capacity so that the three ways of hashing never share an
// input encoding.
const (
	domainElements = 1
	domainBytes    = 2
	domainU32s     = 3
)

var (
	// ErrDigestLength means a digest encoding is not DigestBytes long.
	ErrDigestLength = errors.New("hash: digest encoding has the wrong length")
	// ErrNonCanonical means an encoded field element is not below the modulus.
	ErrNonCanonical = errors.New("hash: non-canonical field element")
)

// Digest is the output of the sponge and of compression.
type Digest [DigestElements]Element

// Parameters returns the width-16 and width-24 Poseidon2 parameter sets in use, for tests and
// for the soundness report.
func Parameters() (p16, p24 *poseidon2.Parameters) {
	return poseidon2.NewParameters(16, FullRounds, PartialRounds16),
		poseidon2.NewParameters(24, FullRounds, PartialRounds24)
}

// Permute16 applies the width-16 permutation in place.
func Permute16(s *[16]Element) {
	c16, _ := constants()
	permuteScalar((*[16]uint32)(unsafe.Pointer(s))[:], c16)
}

// Permute24 applies the width-24 permutation in place.
func Permute24(s *[24]Element) {
	_, c24 := constants()
	permuteScalar((*[24]uint32)(unsafe.Pointer(s))[:], c24)
}

// Bytes returns the canonical encoding: each element as 4 little-endian bytes of its canonical value.
func (d Digest) Bytes() [DigestBytes]byte {
	var out [DigestBytes]byte
	for i := range d {
		binary.LittleEndian.PutUint32(out[4*i:], uint32(d[i].Uint64()))
	}
	return out
}

// DigestFromBytes decodes the canonical encoding, rejecting wrong lengths and values ≥ p.
func DigestFromBytes(b []byte) (Digest, error) {
	var d Digest
	if len(b) != DigestBytes {
		return d, fmt.Errorf("%w: %d bytes, want %d", ErrDigestLength, len(b), DigestBytes)
	}
	for i := range d {
		v := binary.LittleEndian.Uint32(b[4*i:])
		if v >= Modulus {
			return d, fmt.Errorf("%w: element %d is %d", ErrNonCanonical, i, v)
		}
		d[i].SetUint64(uint64(v))
	}
	return d, nil
}

// String returns the 0x-prefixed hex of Bytes.
func (d Digest) String() string {
	b := d.Bytes()
	return "0x" + hex.EncodeToString(b[:])
}

// IsZero reports whether every element is zero.
func (d Digest) IsZero() bool {
	for i := range d {
		if !d[i].IsZero() {
			return false
		}
	}
	return true
}

// sponge absorbs n elements produced by next into a width-24 sponge in overwrite mode. The element
// count and the domain tag live in the capacity, so inputs of different lengths or domains start
// from different states: zero-padding the last block is then injective and costs no extra
// permutation (unlike 10* padding, which would add one whenever n is a multiple of the rate).
func sponge(domain uint64, n int, next func(block []Element)) Digest {
	var s [24]Element
	s[SpongeRate].SetUint64(uint64(n) & 0xffffff)
	s[SpongeRate+1].SetUint64(uint64(n) >> 24)
	s[SpongeRate+2].SetUint64(domain)
	if n == 0 {
		Permute24(&s)
	}
	for done := 0; done < n; done += SpongeRate {
		k := min(SpongeRate, n-done)
		next(s[:k])
		for i := k; i < SpongeRate; i++ {
			s[i].SetZero()
		}
		Permute24(&s)
	}
	var d Digest
	copy(d[:], s[:DigestElements])
	return d
}

// HashElements hashes a sequence of field elements.
func HashElements(in []Element) Digest {
	off := 0
	return sponge(domainElements, len(in), func(block []Element) {
		off += copy(block, in[off:])
	})
}

// HashBytes hashes a byte string: its length as four 16-bit limbs, then the bytes as 16-bit
// little-endian limbs (an odd last byte is zero-extended; the length prefix disambiguates). 16-bit
// limbs are what the AIR's range tables check, so the same encoding is cheap to prove.
func HashBytes(b []byte) Digest {
	n := 4 + (len(b)+1)/2
	limb := 0
	return sponge(domainBytes, n, func(block []Element) {
		for i := range block {
			block[i].SetUint64(uint64(bytesLimb(b, limb)))
			limb++
		}
	})
}

func bytesLimb(b []byte, limb int) uint16 {
	if limb < 4 {
		return uint16(uint64(len(b)) >> (16 * limb))
	}
	i := 2 * (limb - 4)
	v := uint16(b[i])
	if i+1 < len(b) {
		v |= uint16(b[i+1]) << 8
	}
	return v
}

// HashU32s hashes 32-bit words as (low, high) 16-bit limb pairs; memory pages are hashed this way.
func HashU32s(words []uint32) Digest {
	limb := 0
	return sponge(domainU32s, 2*len(words), func(block []Element) {
		for i := range block {
			block[i].SetUint64(uint64(uint16(words[limb/2] >> (16 * (limb % 2)))))
			limb++
		}
	})
}

// Compress is the 2-to-1 compression of Merkle nodes: the width-16 permutation of left‖right,
// truncated to its first 8 elements (the truncated-permutation construction Plonky3 and SP1 use).
func Compress(left, right Digest) Digest {
	var s [16]Element
	copy(s[:DigestElements], left[:])
	copy(s[DigestElements:], right[:])
	Permute16(&s)
	var d Digest
	copy(d[:], s[:DigestElements])
	return d
}
