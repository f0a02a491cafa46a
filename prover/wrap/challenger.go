package wrap

import (
	"fmt"
	"math/big"

	"github.com/consensys/gnark/constraint/solver"
	"github.com/consensys/gnark/frontend"
	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/stark"
)

func init() { solver.RegisterHint(divModP) }

// koalaBear is p as a constant.
var koalaBear = big.NewInt(hash.Modulus)

// divModP is the hint for a value's quotient and remainder by p.
func divModP(_ *big.Int, in, out []*big.Int) error {
	if len(in) != 1 || len(out) != 2 {
		return fmt.Errorf("wrap: divModP takes 1 input and 2 outputs, got %d and %d", len(in), len(out))
	}
	out[0].DivMod(in[0], koalaBear, out[1])
	return nil
}

// wordBits is the width of a squeeze word (see stark.BN254Transcript).
const wordBits = 96

// Challenger is stark.BN254Transcript inside a circuit: the same absorption (KoalaBear values
// packed eight to an element with their count, digests as elements of their own, overwrite-mode
// duplex at rate 2) and the same squeeze (the low 192 bits of each rate element as two 96-bit
// words; a base-field sample is a word mod p, an index a word's low bits). Observed KoalaBear
// values must be canonical (see the package documentation).
type Challenger struct {
	api   frontend.API
	h     *Hasher
	state [hash.BN254Width]frontend.Variable
	in    []frontend.Variable
	pend  []frontend.Variable
	out   [][]frontend.Variable // words, as little-endian bits
	next  int
}

// NewChallenger starts the transcript stark.NewBN254Transcript(domain) starts.
func NewChallenger(api frontend.API, h *Hasher, domain string) *Challenger {
	return &Challenger{api: api, h: h, state: [hash.BN254Width]frontend.Variable{0, 0, stark.BN254TranscriptKey(domain)}}
}

func (c *Challenger) absorb(e frontend.Variable) {
	c.in = append(c.in, e)
	if len(c.in) == hash.BN254Rate {
		// Observing discards the outputs, so an absorbing permutation's are never read: they are
		// not decomposed (a decomposition is most of a duplex's constraints).
		c.duplex(false)
	}
}

func (c *Challenger) flushPending() {
	if len(c.pend) > 0 {
		e := c.h.Pack(c.pend, true)
		c.pend = c.pend[:0]
		c.absorb(e)
	}
}

// duplex permutes the state with the pending input; when squeeze is set it decomposes the rate
// into the words the next samples read, otherwise it leaves no words.
func (c *Challenger) duplex(squeeze bool) {
	copy(c.state[:len(c.in)], c.in)
	c.in = c.in[:0]
	c.h.Permute(&c.state)
	c.out = nil
	c.next = 0
	if !squeeze {
		return
	}
	for i := 0; i < hash.BN254Rate; i++ {
		// The full-width decomposition is checked against the modulus (gnark's default), so the
		// bits are those of the canonical value, as natively.
		bits := c.api.ToBinary(c.state[i])
		c.out = append(c.out, bits[:wordBits], bits[wordBits:2*wordBits])
	}
}

// ObserveBase absorbs canonical KoalaBear values.
func (c *Challenger) ObserveBase(xs ...frontend.Variable) {
	c.out = nil
	for _, x := range xs {
		c.pend = append(c.pend, x)
		if len(c.pend) == hash.BN254PackedElements {
			c.flushPending()
		}
	}
}

// ObserveUint absorbs a constant below 2^48 as stark's transcripts do (two 24-bit limbs).
func (c *Challenger) ObserveUint(v uint64) {
	c.ObserveBase(v&0xffffff, (v>>24)&0xffffff)
}

// ObserveLabel absorbs a constant label as stark's transcripts do.
func (c *Challenger) ObserveLabel(label string) {
	c.ObserveUint(uint64(len(label)))
	for i := 0; i < len(label); i++ {
		c.ObserveBase(uint64(label[i]))
	}
}

// ObserveDigest absorbs a BN254 digest.
func (c *Challenger) ObserveDigest(d frontend.Variable) {
	c.out = nil
	c.flushPending()
	c.absorb(d)
}

// word squeezes the next word's bits.
func (c *Challenger) word() []frontend.Variable {
	if len(c.pend) > 0 || len(c.in) > 0 || c.next >= len(c.out) {
		c.flushPending()
		c.duplex(true)
	}
	w := c.out[c.next]
	c.next++
	return w
}

// SampleBase squeezes a KoalaBear value: a word w = q·p + r with the remainder r < p and the
// quotient q < 2^66 from a hint, both range-checked. q·p + r < 2^97 cannot wrap around the BN254
// modulus, so the identity holds over the integers and r is w mod p.
func (c *Challenger) SampleBase() (frontend.Variable, error) {
	api := c.api
	w := api.FromBinary(c.word()...)
	qr, err := api.Compiler().NewHint(divModP, 2, w)
	if err != nil {
		return nil, fmt.Errorf("wrap: %w", err)
	}
	q, r := qr[0], qr[1]
	api.ToBinary(q, wordBits-30)
	api.ToBinary(r, 31)
	api.ToBinary(api.Add(r, 1<<31-hash.Modulus), 31) // r + 2^31 - p < 2^31, so r < p
	api.AssertIsEqual(w, api.Add(api.Mul(q, hash.Modulus), r))
	return r, nil
}

// SampleExt squeezes an extension element's four coordinates (stark's extFromCoeffs order).
func (c *Challenger) SampleExt() ([4]frontend.Variable, error) {
	var e [4]frontend.Variable
	for i := range e {
		x, err := c.SampleBase()
		if err != nil {
			return e, err
		}
		e[i] = x
	}
	return e, nil
}

// SampleBits squeezes an index below 2^k as its k bits, low first.
func (c *Challenger) SampleBits(k int) ([]frontend.Variable, error) {
	if k < 0 || k > 24 {
		return nil, fmt.Errorf("wrap: cannot sample %d bits", k)
	}
	return c.word()[:k], nil
}

// CheckPoW observes nonce (a canonical KoalaBear value) and asserts that the next word has
// `bits` zero low bits.
func (c *Challenger) CheckPoW(bits int, nonce frontend.Variable) {
	c.ObserveBase(nonce)
	for _, b := range c.word()[:bits] {
		c.api.AssertIsEqual(b, 0)
	}
}
