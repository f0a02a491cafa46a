package stark

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/zkexex/zkexex/prover/hash"
)

const (
	transcriptRate  = hash.SpongeRate
	transcriptWidth = 24
	// maxSampleBits is the widest index SampleBits draws without bias: p-1 = 127·2^24, so after
	// rejecting the single value p-1 the remaining [0, 127·2^24) splits evenly into residues mod 2^k
	// for every k <= 24.
	maxSampleBits = maxTwoAdicity
)

// ErrPoW is returned when a proof-of-work witness does not have the required leading zero bits.
var ErrPoW = errors.New("stark: proof-of-work check failed")

// Transcript is a Fiat-Shamir duplex challenger over the width-24 Poseidon2 permutation (rate 16,
// capacity 8). Observing anything discards buffered outputs, so every challenge depends on every
// value observed before it. The zero value is not usable: use NewTranscript.
type Transcript struct {
	state [transcriptWidth]F
	in    [transcriptRate]F
	nIn   int
	out   [transcriptRate]F
	nOut  int
}

// NewTranscript returns a transcript whose capacity is keyed by a domain-separation string, so
// transcripts for different protocols never share a state.
func NewTranscript(domain string) *Transcript {
	t := &Transcript{}
	d := hash.HashBytes([]byte("zkexex/stark/transcript/v1\x00" + domain))
	copy(t.state[transcriptRate:], d[:])
	return t
}

// Clone returns an independent copy.
func (t *Transcript) Clone() *Transcript {
	c := *t
	return &c
}

func (t *Transcript) duplex() {
	copy(t.state[:t.nIn], t.in[:t.nIn])
	t.nIn = 0
	hash.Permute24(&t.state)
	copy(t.out[:], t.state[:transcriptRate])
	t.nOut = transcriptRate
}

// ObserveBase absorbs base-field elements.
func (t *Transcript) ObserveBase(xs ...F) {
	t.nOut = 0
	for _, x := range xs {
		t.in[t.nIn] = x
		t.nIn++
		if t.nIn == transcriptRate {
			t.duplex()
			t.nOut = 0
		}
	}
}

// ObserveUint absorbs an integer below 2^48 (observeUint).
func (t *Transcript) ObserveUint(v uint64) { observeUint(t, v) }

// ObserveExt absorbs extension elements (observeExt).
func (t *Transcript) ObserveExt(es ...E) { observeExt(t, es) }

// ObserveDigest absorbs a Poseidon2 digest.
func (t *Transcript) ObserveDigest(d hash.Digest) { t.ObserveBase(d[:]...) }

// ObserveLabel absorbs a domain-separation label (observeLabel).
func (t *Transcript) ObserveLabel(label string) { observeLabel(t, label) }

// The encodings of integers, extension elements and labels as base-field values: one definition
// for both configurations' transcripts, which differ only in how they absorb base values.
type baseObserver interface{ ObserveBase(xs ...F) }

// observeUint absorbs an integer below 2^48 as two 24-bit limbs.
func observeUint(t baseObserver, v uint64) {
	var lo, hi F
	lo.SetUint64(v & 0xffffff)
	hi.SetUint64((v >> 24) & 0xffffff)
	t.ObserveBase(lo, hi)
}

// observeExt absorbs extension elements, coordinate by coordinate.
func observeExt(t baseObserver, es []E) {
	for i := range es {
		c := extCoeffs(&es[i])
		t.ObserveBase(c[:]...)
	}
}

// observeLabel absorbs a domain-separation label: its length, then one element per byte. Every
// phase of the protocol starts with its own label, so values of one phase can never be replayed
// as values of another.
func observeLabel(t baseObserver, label string) {
	observeUint(t, uint64(len(label)))
	for i := 0; i < len(label); i++ {
		var b F
		b.SetUint64(uint64(label[i]))
		t.ObserveBase(b)
	}
}

// SampleBase squeezes one base-field element. A Poseidon2 output is an element of F, so the draw
// is uniform under the random-permutation model with no reduction bias.
func (t *Transcript) SampleBase() F {
	if t.nIn > 0 || t.nOut == 0 {
		t.duplex()
	}
	t.nOut--
	return t.out[t.nOut]
}

// SampleExt squeezes one extension element.
func (t *Transcript) SampleExt() E {
	a, b, c, d := t.SampleBase(), t.SampleBase(), t.SampleBase(), t.SampleBase()
	return extFromCoeffs(a, b, c, d)
}

// SampleBits squeezes a uniform integer below 2^k, k <= 24. It rejects the one element (p-1) that
// would otherwise bias the low bits, so the result is exactly uniform.
func (t *Transcript) SampleBits(k int) (uint64, error) {
	if k < 0 || k > maxSampleBits {
		return 0, fmt.Errorf("stark: cannot sample %d bits without bias (max %d)", k, maxSampleBits)
	}
	for {
		x := t.SampleBase()
		v := x.Uint64()
		if v == modulus-1 {
			continue
		}
		return v & (uint64(1)<<uint(k) - 1), nil
	}
}

// powOK reports whether a clone of t that observes nonce then samples an element whose low bits
// are all zero.
func (t *Transcript) powOK(bits int, nonce uint32) bool {
	c := *t
	var n F
	n.SetUint64(uint64(nonce))
	c.ObserveBase(n)
	v := c.SampleBase()
	return v.Uint64()&(uint64(1)<<uint(bits)-1) == 0
}

// grindBatch is how many nonces one worker tries per batched permutation call.
const grindBatch = 64

// Grind finds the smallest nonce (below p) that gives `bits` zero bits, then observes it so that
// the prover's transcript moves exactly as the verifier's CheckPoW will. The search runs on
// GOMAXPROCS goroutines over deterministic blocks, so the nonce does not depend on scheduling;
// each worker tries a contiguous run of nonces through the batched permutation.
func (t *Transcript) Grind(ctx context.Context, bits int) (uint32, error) {
	if bits < 0 || bits > 30 {
		return 0, fmt.Errorf("stark: proof-of-work of %d bits not supported", bits)
	}
	nonce, err := grind(ctx, 1<<12, bits, func(lo, hi uint64) uint64 { return t.searchPoW(bits, lo, hi) })
	if err != nil {
		return 0, err
	}
	if err := t.CheckPoW(bits, nonce); err != nil {
		return 0, err
	}
	return nonce, nil
}

// grind returns the smallest nonce below p that search finds (search returns the smallest in
// [lo, hi), or ^0). It searches blocks of block nonces in order, each split across GOMAXPROCS
// goroutines, so that the nonce does not depend on scheduling; both transcripts grind with it.
func grind(ctx context.Context, block uint64, bits int, search func(lo, hi uint64) uint64) (uint32, error) {
	workers := runtime.GOMAXPROCS(0)
	per := (block + uint64(workers) - 1) / uint64(workers)
	for base := uint64(0); base < modulus; base += block {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		found := make([]uint64, workers)
		var wg sync.WaitGroup
		for w := range workers {
			lo := base + uint64(w)*per
			hi := min(lo+per, base+block, modulus)
			wg.Add(1)
			go func() {
				defer wg.Done()
				found[w] = ^uint64(0)
				if lo < hi {
					found[w] = search(lo, hi)
				}
			}()
		}
		wg.Wait()
		if best := slices.Min(found); best != ^uint64(0) {
			return uint32(best), nil
		}
	}
	return 0, fmt.Errorf("stark: no proof-of-work nonce found for %d bits", bits)
}

// searchPoW returns the smallest nonce in [lo, hi) that passes powOK, or ^0. When the nonce does
// not fill the rate (the usual case), observing it and sampling is one permutation of the state
// with the pending input and the nonce written over its rate, and the sample is output word
// rate-1: those permutations run batched. Otherwise it falls back to powOK.
func (t *Transcript) searchPoW(bits int, lo, hi uint64) uint64 {
	if t.nIn+1 >= transcriptRate {
		for n := lo; n < hi; n++ {
			if t.powOK(bits, uint32(n)) {
				return n
			}
		}
		return ^uint64(0)
	}
	pre := t.state
	copy(pre[:t.nIn], t.in[:t.nIn])
	mask := uint64(1)<<uint(bits) - 1
	states := make([][transcriptWidth]F, grindBatch)
	for start := lo; start < hi; start += grindBatch {
		k := int(min(uint64(grindBatch), hi-start))
		for i := 0; i < k; i++ {
			states[i] = pre
			states[i][t.nIn].SetUint64(start + uint64(i))
		}
		hash.Permute24Batch(states[:k])
		for i := 0; i < k; i++ {
			if states[i][transcriptRate-1].Uint64()&mask == 0 {
				return start + uint64(i)
			}
		}
	}
	return ^uint64(0)
}

// CheckPoW observes nonce and checks that the next sample has `bits` zero low bits.
func (t *Transcript) CheckPoW(bits int, nonce uint32) error {
	if bits < 0 || bits > 30 || uint64(nonce) >= modulus {
		return ErrPoW
	}
	var n F
	n.SetUint64(uint64(nonce))
	t.ObserveBase(n)
	v := t.SampleBase()
	if v.Uint64()&(uint64(1)<<uint(bits)-1) != 0 {
		return ErrPoW
	}
	return nil
}
