package recursion

import (
	"github.com/zkexex/zkexex/prover/hash"
)

// Pack is the extension element with limbs c (prover/stark's coordinate order): one row of the
// limbs chip, which reads the four base values and writes the extension value they form.
func (b *Builder) Pack(c [4]Felt) Ext {
	in := make([]uint32, 4)
	for j := range c {
		in[j] = b.read(c[j].id)
	}
	id, addr := b.alloc(kindExt)
	b.emit(instr{chip: chipLimbs, in: in, out: []uint32{addr}})
	return Ext{id}
}

// Unpack is x's limbs: one row of the limbs chip, which reads x and writes its limbs as base
// values, the first time x is unpacked (later calls return the same variables).
func (b *Builder) Unpack(x Ext) [4]Felt {
	if c, ok := b.limbs[x.id]; ok {
		return c
	}
	in := []uint32{b.read(x.id)}
	var c [4]Felt
	out := make([]uint32, 4)
	for j := range c {
		id, addr := b.alloc(kindBase)
		c[j], out[j] = Felt{id}, addr
	}
	b.emit(instr{chip: chipLimbs, in: in, out: out})
	if b.err == nil {
		if b.limbs == nil {
			b.limbs = map[int32][4]Felt{}
		}
		b.limbs[x.id] = c
	}
	return c
}

// Transcript is prover/stark's Fiat-Shamir transcript as a program: a duplex over the width-24
// permutation, rate 16, capacity keyed by the domain; observing overwrites the next rate cell and
// discards buffered outputs, sampling permutes when anything was observed since (or nothing is
// left) and reads the rate from its end. TestTranscript pins it to stark.Transcript.
type Transcript struct {
	b    *Builder
	rate [hash.SpongeRate]Felt
	cap  Capacity
	in   []Felt
	out  []Felt
}

// transcriptDomainPrefix is prover/stark's key derivation prefix (NewTranscript): the capacity
// starts as HashBytes(prefix ‖ domain).
const transcriptDomainPrefix = "zkexex/stark/transcript/v1\x00"

// NewTranscript starts a transcript for domain, as stark.NewTranscript(domain).
func (b *Builder) NewTranscript(domain string) *Transcript {
	t := &Transcript{b: b}
	key := hash.HashBytes([]byte(transcriptDomainPrefix + domain))
	zero := b.Const(F{})
	for i := range t.rate {
		t.rate[i] = zero
	}
	t.cap = b.ConstCapacity(key)
	return t
}

// Clone returns an independent copy (variables are immutable, so this costs nothing).
func (t *Transcript) Clone() *Transcript {
	c := *t
	c.in = append([]Felt(nil), t.in...)
	c.out = append([]Felt(nil), t.out...)
	return &c
}

func (t *Transcript) duplex() {
	copy(t.rate[:], t.in)
	t.in = t.in[:0]
	t.rate, t.cap = t.b.Poseidon2x24(t.rate, t.cap)
	t.out = append(t.out[:0], t.rate[:]...)
}

// ObserveBase absorbs base elements.
func (t *Transcript) ObserveBase(xs ...Felt) {
	t.out = t.out[:0]
	for _, x := range xs {
		t.in = append(t.in, x)
		if len(t.in) == hash.SpongeRate {
			t.duplex()
			t.out = t.out[:0]
		}
	}
}

// ObserveExt absorbs extension elements limb by limb.
func (t *Transcript) ObserveExt(xs ...Ext) {
	for _, x := range xs {
		c := t.b.Unpack(x)
		t.ObserveBase(c[:]...)
	}
}

// ObserveDigest absorbs a digest.
func (t *Transcript) ObserveDigest(d Digest) { t.ObserveBase(d[:]...) }

// ObserveUint absorbs a constant below 2^48 as two 24-bit limbs, as stark's ObserveUint.
func (t *Transcript) ObserveUint(v uint64) {
	t.ObserveBase(t.b.Const(feU(v&0xffffff)), t.b.Const(feU(v>>24&0xffffff)))
}

// ObserveLabel absorbs a label: its length, then one element per byte.
func (t *Transcript) ObserveLabel(label string) {
	t.ObserveUint(uint64(len(label)))
	for i := 0; i < len(label); i++ {
		t.ObserveBase(t.b.Const(feU(uint64(label[i]))))
	}
}

// SampleBase squeezes a base element.
func (t *Transcript) SampleBase() Felt {
	if len(t.in) > 0 || len(t.out) == 0 {
		t.duplex()
	}
	x := t.out[len(t.out)-1]
	t.out = t.out[:len(t.out)-1]
	return x
}

// SampleExt squeezes an extension element from four base samples.
func (t *Transcript) SampleExt() Ext {
	var c [4]Felt
	for j := range c {
		c[j] = t.SampleBase()
	}
	return t.b.Pack(c)
}

// SampleBits squeezes k <= 24 uniform bits (little-endian), as stark's SampleBits. stark rejects
// the sample p-1 and draws again; a program cannot branch, so it asserts the sample is not p-1
// (p-1 has no inverse after subtracting p-1): a draw of p-1, probability 2^-31, makes the
// program unsatisfiable rather than biased.
func (t *Transcript) SampleBits(k int) []Felt {
	if k < 0 || k > 24 {
		t.b.fail("cannot sample %d bits", k)
		return nil
	}
	x := t.SampleBase()
	t.b.Inv(t.b.Sub(x, t.b.Const(feU(hash.Modulus-1))))
	bits := t.b.Bits(x)
	return bits[:k]
}

// CheckPoW observes nonce and requires the next sample to have `bits` zero low bits, as stark's
// CheckPoW.
func (t *Transcript) CheckPoW(bits int, nonce Felt) {
	if bits < 0 || bits > 30 {
		t.b.fail("proof-of-work of %d bits", bits)
		return
	}
	t.ObserveBase(nonce)
	v := t.b.Bits(t.SampleBase())
	zero := t.b.Const(F{})
	for _, bit := range v[:bits] {
		t.b.AssertEq(bit, zero)
	}
}
