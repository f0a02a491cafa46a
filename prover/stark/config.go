package stark

import (
	"context"
	"errors"

	"github.com/zkexex/zkexex/prover/hash"
)

// Hash configurations. A configuration fixes the Merkle commitments (leaf hash and 2-to-1
// compression), the Fiat-Shamir transcript and the digest type that proofs and keys carry. The
// package is generic over the digest type D; each D names exactly one configuration:
//
//   - hash.Digest (the default): Poseidon2 over KoalaBear, eight-element digests, the width-24
//     duplex transcript. Proof, VerifyingKey and the other unqualified names are this
//     configuration, bit-identical to the package before it was generic.
//   - hash.BN254Digest: Poseidon2 over BN254 (width 3, 8+56 rounds), one-element digests, leaves
//     packing eight KoalaBear values per BN254 element, and the BN254 transcript
//     (BN254Transcript). It is meant for the last layer, the one a Groth16 circuit on BN254
//     verifies (a BN254 element is one native circuit variable).
//
// Generics rather than an interface value: D is a type parameter so that a proof of one
// configuration cannot even be handed to a verifier of the other, and the digest arrays of the
// Merkle trees are stored unboxed; the hashing itself goes through one interface call per batch of
// rows (configOf), which costs nothing next to a permutation.

// Digest is the constraint satisfied by the digest types of the configurations.
type Digest interface {
	hash.Digest | hash.BN254Digest
}

// ErrConfig means a proof (or its encoding) was made under another hash configuration than the
// verifier's or decoder's.
var ErrConfig = errors.New("stark: proof made under another hash configuration")

// Configuration identifiers: written into the encoding's version word (0 keeps the default
// configuration's encoding unchanged) and bound into keys and transcripts through their names.
const (
	configKoalaBear = 0
	configBN254     = 1
)

// scheme is a configuration's hashing, as the prover and verifier use it.
type scheme[D Digest] interface {
	id() uint32
	name() string
	// hashColumns sets out[i] to the leaf hash of row i of the columns.
	hashColumns(out []D, cols [][]F)
	hashElements(in []F) D
	compress(left, right D) D
	compressPairs(out, in []D)
	compressBatch(out, left, right []D)
	// hashBytes hashes the verifying key's structure encoding.
	hashBytes(b []byte) D
	appendDigest(b []byte, d D) []byte
	digestFromBytes(b []byte) (D, error)
	digestSize() int
	newTranscript(domain string) challenger[D]
}

// challenger is the Fiat-Shamir transcript as the protocol drives it; *Transcript and
// *BN254Transcript implement it.
type challenger[D Digest] interface {
	ObserveBase(xs ...F)
	ObserveUint(v uint64)
	ObserveExt(es ...E)
	ObserveDigest(d D)
	ObserveLabel(label string)
	SampleBase() F
	SampleExt() E
	SampleBits(k int) (uint64, error)
	CheckPoW(bits int, nonce uint32) error
	Grind(ctx context.Context, bits int) (uint32, error)
}

// configOf returns the configuration of digest type D.
func configOf[D Digest]() scheme[D] {
	var d D
	switch any(d).(type) {
	case hash.Digest:
		return any(koalaBearScheme{}).(scheme[D])
	case hash.BN254Digest:
		return any(bn254Scheme{}).(scheme[D])
	}
	panic("stark: unreachable digest type")
}

// ConfigName is the name of D's configuration ("koalabear-poseidon2" or "bn254-poseidon2").
func ConfigName[D Digest]() string { return configOf[D]().name() }

type koalaBearScheme struct{}

func (koalaBearScheme) id() uint32                                { return configKoalaBear }
func (koalaBearScheme) name() string                              { return "koalabear-poseidon2" }
func (koalaBearScheme) hashColumns(out []hash.Digest, cols [][]F) { hash.HashColumns(out, cols) }
func (koalaBearScheme) hashElements(in []F) hash.Digest           { return hash.HashElements(in) }
func (koalaBearScheme) compress(l, r hash.Digest) hash.Digest     { return hash.Compress(l, r) }
func (koalaBearScheme) compressPairs(out, in []hash.Digest)       { hash.CompressPairs(out, in) }
func (koalaBearScheme) compressBatch(out, l, r []hash.Digest)     { hash.CompressBatch(out, l, r) }
func (koalaBearScheme) hashBytes(b []byte) hash.Digest            { return hash.HashBytes(b) }
func (koalaBearScheme) digestSize() int                           { return hash.DigestBytes }
func (koalaBearScheme) newTranscript(domain string) challenger[hash.Digest] {
	return NewTranscript(domain)
}
func (koalaBearScheme) appendDigest(b []byte, d hash.Digest) []byte {
	e := d.Bytes()
	return append(b, e[:]...)
}
func (koalaBearScheme) digestFromBytes(b []byte) (hash.Digest, error) {
	return hash.DigestFromBytes(b)
}

type bn254Scheme struct{}

// bn254KeyLabel prefixes every verifying-key structure encoding hashed under BN254, so that the
// key binds its configuration by name as well as by hash function.
const bn254KeyLabel = "zkexex/stark/config/bn254-poseidon2\x00"

func (bn254Scheme) id() uint32                                      { return configBN254 }
func (bn254Scheme) name() string                                    { return "bn254-poseidon2" }
func (bn254Scheme) hashColumns(out []hash.BN254Digest, cols [][]F)  { hash.HashColumnsBN254(out, cols) }
func (bn254Scheme) hashElements(in []F) hash.BN254Digest            { return hash.HashElementsBN254(in) }
func (bn254Scheme) compress(l, r hash.BN254Digest) hash.BN254Digest { return hash.CompressBN254(l, r) }
func (bn254Scheme) compressPairs(out, in []hash.BN254Digest)        { hash.CompressPairsBN254(out, in) }
func (bn254Scheme) compressBatch(out, l, r []hash.BN254Digest)      { hash.CompressBatchBN254(out, l, r) }
func (bn254Scheme) digestSize() int                                 { return hash.BN254DigestBytes }
func (bn254Scheme) newTranscript(domain string) challenger[hash.BN254Digest] {
	return NewBN254Transcript(domain)
}
func (bn254Scheme) hashBytes(b []byte) hash.BN254Digest {
	return hash.HashBytesBN254(append([]byte(bn254KeyLabel), b...))
}
func (bn254Scheme) appendDigest(b []byte, d hash.BN254Digest) []byte {
	e := d.Bytes()
	return append(b, e[:]...)
}
func (bn254Scheme) digestFromBytes(b []byte) (hash.BN254Digest, error) {
	return hash.BN254DigestFromBytes(b)
}
