package stark

import (
	"context"
	"fmt"
	"math/bits"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/zkexex/zkexex/prover/hash"
)

// BN254Transcript is the Fiat-Shamir duplex challenger of the BN254 configuration: the width-3
// Poseidon2 permutation over BN254 (rate 2, capacity 1), with the same protocol-facing operations
// as Transcript. A Groth16 circuit over BN254 replays it with native variables.
//
// Absorbing. KoalaBear values are buffered and packed eight to a BN254 element together with
// their count (hash.PackBN254Counted), so observing (a, b) and (a, b, 0) differ; a pack is flushed
// when full, before a digest (absorbed as one element of its own) and before a squeeze. Full
// rate blocks are permuted in overwrite mode, as in Transcript; observing discards buffered
// outputs.
//
// Squeezing. Each permutation yields the two rate elements x_0, x_1, each uniform on [0, r) with
// r ≈ 2^253.6 under the random-permutation model. Of each, only the low 192 bits are used, as two
// 96-bit words (low word first; x_0's words before x_1's): x mod 2^192 gives every residue
// ⌊r/2^192⌋ or ⌈r/2^192⌉ preimages, so any event has probability at most 1 + 2^-61.6 times its
// uniform probability. A base-field sample is a word mod p (probability ratio ≤ 1 + p/2^96 <
// 1 + 2^-65), a k-bit index is a word's low k bits. So each sample is within statistical distance
// 2^-61 of uniform and, what soundness bounds use, no set of challenges is more than a factor
// 1 + 2^-61 likelier than under uniform draws: the conjectured bits of the calculator hold to
// within 2^-60 bits. (SP1's MultiField32 challenger takes three 64-bit chunks per element, a bias
// of p/2^64 ≈ 2^-33 per value; two 96-bit words cost a few more permutations per proof and make
// the bias negligible.)
//
// Proof of work: the nonce is observed as a KoalaBear value and the next word must have `bits`
// zero low bits.
type BN254Transcript struct {
	state [hash.BN254Width]fr.Element
	in    [hash.BN254Rate]fr.Element
	nIn   int
	pend  [hash.BN254PackedElements]F
	nPend int
	out   [2 * hash.BN254Rate]bn254Word
	next  int // index of the next unused word of out
	nOut  int // words of out still valid: 0 once anything is observed
}

// bn254Word is a 96-bit squeeze word: lo plus hi·2^64, hi < 2^32.
type bn254Word struct {
	lo uint64
	hi uint32
}

// NewBN254Transcript returns a BN254 transcript whose capacity is keyed by domain (and by the
// configuration's own label, so that it never shares a state with another configuration's).
func NewBN254Transcript(domain string) *BN254Transcript {
	t := &BN254Transcript{}
	t.state[hash.BN254Rate] = BN254TranscriptKey(domain)
	return t
}

// BN254TranscriptKey is the capacity element NewBN254Transcript(domain) starts from (its rate
// starts at zero), for a circuit that replays the transcript.
func BN254TranscriptKey(domain string) hash.BN254Digest {
	return hash.HashBytesBN254([]byte("zkexex/stark/transcript/bn254-poseidon2/v1\x00" + domain))
}

// Clone returns an independent copy.
func (t *BN254Transcript) Clone() *BN254Transcript {
	c := *t
	return &c
}

func (t *BN254Transcript) absorb(e fr.Element) {
	t.in[t.nIn] = e
	t.nIn++
	if t.nIn == hash.BN254Rate {
		t.duplex()
		t.nOut = 0
	}
}

func (t *BN254Transcript) flushPending() {
	if t.nPend > 0 {
		e := hash.PackBN254Counted(t.pend[:t.nPend])
		t.nPend = 0
		t.absorb(e)
	}
}

func (t *BN254Transcript) duplex() {
	copy(t.state[:t.nIn], t.in[:t.nIn])
	t.nIn = 0
	hash.PermuteBN254(&t.state)
	for i := 0; i < hash.BN254Rate; i++ {
		limbs := t.state[i].Bits() // canonical little-endian limbs
		t.out[2*i] = bn254Word{lo: limbs[0], hi: uint32(limbs[1])}
		t.out[2*i+1] = bn254Word{lo: limbs[1]>>32 | limbs[2]<<32, hi: uint32(limbs[2] >> 32)}
	}
	t.next, t.nOut = 0, len(t.out)
}

// ObserveBase absorbs base-field elements.
func (t *BN254Transcript) ObserveBase(xs ...F) {
	t.nOut = 0
	for _, x := range xs {
		t.pend[t.nPend] = x
		t.nPend++
		if t.nPend == hash.BN254PackedElements {
			t.flushPending()
		}
	}
}

// ObserveUint absorbs an integer below 2^48 (observeUint, as Transcript).
func (t *BN254Transcript) ObserveUint(v uint64) { observeUint(t, v) }

// ObserveExt absorbs extension elements (observeExt, as Transcript).
func (t *BN254Transcript) ObserveExt(es ...E) { observeExt(t, es) }

// ObserveDigest absorbs a BN254 digest as one element, after any pending KoalaBear values.
func (t *BN254Transcript) ObserveDigest(d hash.BN254Digest) {
	t.nOut = 0
	t.flushPending()
	t.absorb(d)
}

// ObserveLabel absorbs a domain-separation label (observeLabel, as Transcript).
func (t *BN254Transcript) ObserveLabel(label string) { observeLabel(t, label) }

// word squeezes the next 96-bit word.
func (t *BN254Transcript) word() bn254Word {
	if t.nPend > 0 || t.nIn > 0 || t.next >= t.nOut {
		t.flushPending()
		t.duplex()
	}
	w := t.out[t.next]
	t.next++
	return w
}

// SampleBase squeezes one base-field element: a 96-bit word reduced mod p.
func (t *BN254Transcript) SampleBase() F {
	w := t.word()
	var x F
	x.SetUint64(bits.Rem64(uint64(w.hi), w.lo, modulus))
	return x
}

// SampleExt squeezes one extension element.
func (t *BN254Transcript) SampleExt() E {
	a, b, c, d := t.SampleBase(), t.SampleBase(), t.SampleBase(), t.SampleBase()
	return extFromCoeffs(a, b, c, d)
}

// SampleBits squeezes an integer below 2^k, k <= 24 (the limit Transcript has, so that both
// configurations accept the same parameters): the low k bits of a word.
func (t *BN254Transcript) SampleBits(k int) (uint64, error) {
	if k < 0 || k > maxSampleBits {
		return 0, fmt.Errorf("stark: cannot sample %d bits without bias (max %d)", k, maxSampleBits)
	}
	return t.word().lo & (uint64(1)<<uint(k) - 1), nil
}

// CheckPoW observes nonce and checks that the next word has `bits` zero low bits.
func (t *BN254Transcript) CheckPoW(bits int, nonce uint32) error {
	if bits < 0 || bits > maxPoWBits || uint64(nonce) >= modulus {
		return ErrPoW
	}
	var n F
	n.SetUint64(uint64(nonce))
	t.ObserveBase(n)
	if t.word().lo&(uint64(1)<<uint(bits)-1) != 0 {
		return ErrPoW
	}
	return nil
}

// Grind finds the smallest nonce (below p) that passes CheckPoW and observes it, so that the
// prover's transcript moves exactly as the verifier's. Workers search deterministic blocks, so
// the nonce does not depend on scheduling.
func (t *BN254Transcript) Grind(ctx context.Context, bits int) (uint32, error) {
	if bits < 0 || bits > maxPoWBits {
		return 0, fmt.Errorf("stark: proof-of-work of %d bits not supported", bits)
	}
	nonce, err := grind(ctx, 1<<10, bits, func(lo, hi uint64) uint64 {
		for n := lo; n < hi; n++ {
			c := *t
			if c.CheckPoW(bits, uint32(n)) == nil {
				return n
			}
		}
		return ^uint64(0)
	})
	if err != nil {
		return 0, err
	}
	if err := t.CheckPoW(bits, nonce); err != nil {
		return 0, err
	}
	return nonce, nil
}
