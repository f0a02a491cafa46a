package wrap

import (
	"fmt"
	"math/big"

	"github.com/consensys/gnark/constraint/solver"
	"github.com/consensys/gnark/frontend"
	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/stark"
)

func init() { solver.RegisterHint(divModP, wordsHint, splitLowHint) }

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
	rc    frontend.Rangechecker
	out   []frontend.Variable // 96-bit words decomposed so far from the rate
	avail int                 // words the last permutation offers: 0 once anything is observed
	next  int
}

// NewChallenger starts the transcript stark.NewBN254Transcript(domain) starts.
func NewChallenger(api frontend.API, h *Hasher, domain string) *Challenger {
	return &Challenger{api: api, h: h, rc: newRangeChecker(api),
		state: [hash.BN254Width]frontend.Variable{0, 0, stark.BN254TranscriptKey(domain)}}
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
	c.avail = 0
	if squeeze {
		c.avail = 2 * hash.BN254Rate
	}
}

// ObserveBase absorbs canonical KoalaBear values.
func (c *Challenger) ObserveBase(xs ...frontend.Variable) {
	c.out, c.avail = nil, 0
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
	c.out, c.avail = nil, 0
	c.flushPending()
	c.absorb(d)
}

// word squeezes the next word.
func (c *Challenger) word() frontend.Variable {
	if len(c.pend) > 0 || len(c.in) > 0 || c.next >= c.avail {
		c.flushPending()
		c.duplex(true)
	}
	// A rate element is decomposed when its first word is read, so that an element no sample
	// reads costs nothing.
	if c.next == len(c.out) {
		w0, w1 := c.words(c.state[c.next/2])
		c.out = append(c.out, w0, w1)
	}
	w := c.out[c.next]
	c.next++
	return w
}

// SampleBase squeezes a KoalaBear value: a word w = q·p + r with the remainder r canonical
// (canonicalBits: r < p) and the quotient q < 2^66 from a hint, range-checked (w < 2^96, so
// w/p < 2^96/(2^31 - 2^24) < 2^66). q·p + r < 2^98 cannot wrap around the BN254 modulus, so the
// identity holds over the integers and r is w mod p.
func (c *Challenger) SampleBase() (frontend.Variable, error) {
	api := c.api
	w := c.word()
	qr, err := api.Compiler().NewHint(divModP, 2, w)
	if err != nil {
		return nil, fmt.Errorf("wrap: %w", err)
	}
	q, r := qr[0], qr[1]
	c.rc.Check(q, sampleQuoBits)
	canonicalBits(api, r)
	api.AssertIsEqual(w, api.Add(api.Mul(q, hash.Modulus), r))
	return r, nil
}

// sampleQuoBits bounds the quotient of a squeeze word by p.
const sampleQuoBits = 66

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
	lo, _ := c.splitLow(c.word(), k)
	if k == 0 {
		return nil, nil
	}
	return c.api.ToBinary(lo, k), nil
}

// splitLow writes a word w as lo + 2^k·hi with lo < 2^k (as k bits when the caller decomposes it,
// otherwise range-checked) and hi < 2^112 range-checked: lo + 2^k·hi < 2^136 cannot wrap, so lo
// is w's low k bits and hi the rest.
func (c *Challenger) splitLow(w frontend.Variable, k int) (lo, hi frontend.Variable) {
	api := c.api
	out, err := api.Compiler().NewHint(splitLowHint, 2, w, k)
	if err != nil {
		panic(fmt.Sprintf("wrap: %v", err)) // only an unregistered hint, a programming error
	}
	lo, hi = out[0], out[1]
	c.rc.Check(hi, 112)
	api.AssertIsEqual(w, api.Add(lo, api.Mul(hi, pow2(k))))
	return lo, hi
}

// CheckPoW observes nonce (a canonical KoalaBear value) and asserts that the next word has
// `bits` zero low bits: it is 2^bits times a range-checked integer.
func (c *Challenger) CheckPoW(bits int, nonce frontend.Variable) {
	c.ObserveBase(nonce)
	w := c.word()
	if bits == 0 {
		return
	}
	lo, _ := c.splitLow(w, bits)
	c.api.AssertIsEqual(lo, 0)
}

// bn254R is BN254's scalar field modulus r, split at bit 192 for the canonical-decomposition check.
var (
	bn254R   = frModulus()
	bn254RHi = new(big.Int).Rsh(bn254R, 192)
	bn254RLo = new(big.Int).Sub(bn254R, new(big.Int).Lsh(bn254RHi, 192))
)

// words decomposes a rate element x into the squeeze words of its canonical value: x = w0 +
// 2^96·w1 + 2^192·h with w0, w1 < 2^96 and h < 2^64 range-checked, so the sum N is below 2^256
// and congruent to x; N < r is then asserted (h ≤ r_hi, and when h = r_hi, the low 192 bits below
// r_lo), so N is x's canonical value and w0, w1 its low 192 bits, as natively. About 45
// constraints, against about 760 for a full bit decomposition checked against r.
func (c *Challenger) words(x frontend.Variable) (w0, w1 frontend.Variable) {
	api := c.api
	out, err := api.Compiler().NewHint(wordsHint, 3, x)
	if err != nil {
		panic(fmt.Sprintf("wrap: %v", err))
	}
	w0, w1, h := out[0], out[1], out[2]
	c.rc.Check(w0, wordBits)
	c.rc.Check(w1, wordBits)
	c.rc.Check(h, 64)
	lo := api.Add(w0, api.Mul(w1, pow2(wordBits)))
	api.AssertIsEqual(x, api.Add(lo, api.Mul(h, pow2(2*wordBits))))
	d := api.Sub(bn254RHi, h)
	c.rc.Check(d, 64) // h ≤ r_hi
	top := api.IsZero(d)
	c.rc.Check(api.Mul(top, api.Sub(new(big.Int).Sub(bn254RLo, big.NewInt(1)), lo)), 2*wordBits) // h = r_hi ⇒ lo < r_lo
	return w0, w1
}

// wordsHint splits a canonical BN254 element into its two low 96-bit words and the rest.
func wordsHint(_ *big.Int, in, out []*big.Int) error {
	if len(in) != 1 || len(out) != 3 {
		return fmt.Errorf("wrap: wordsHint takes 1 input and 3 outputs")
	}
	mask := new(big.Int).Sub(pow2(wordBits), big.NewInt(1))
	x := new(big.Int).Set(in[0])
	out[0].And(x, mask)
	out[1].And(x.Rsh(x, wordBits), mask)
	out[2].Rsh(x, wordBits)
	return nil
}

// splitLowHint is (w mod 2^k, w >> k).
func splitLowHint(_ *big.Int, in, out []*big.Int) error {
	if len(in) != 2 || len(out) != 2 || !in[1].IsUint64() {
		return fmt.Errorf("wrap: splitLowHint takes 2 inputs and 2 outputs")
	}
	k := uint(in[1].Uint64())
	out[0].And(in[0], new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), k), big.NewInt(1)))
	out[1].Rsh(in[0], k)
	return nil
}
