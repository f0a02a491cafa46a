package stark

import (
	"context"
	"errors"
	"testing"

	"github.com/zkexex/zkexex/prover/hash"
)

// transcriptScript is a fixed interleaving of observations and samples; perturb changes the
// value of one observation.
func transcriptScript(perturb int) []E {
	t := NewTranscript("test")
	var out []E
	step := 0
	val := func(v uint64) F {
		var f F
		f.SetUint64(v)
		if step == perturb {
			bump(&f)
		}
		step++
		return f
	}
	for round := 0; round < 6; round++ {
		t.ObserveBase(val(uint64(round)))
		out = append(out, t.SampleExt())
		e := extFromCoeffs(val(10), val(11), val(12), val(13))
		t.ObserveExt(e)
		var d hash.Digest
		for i := range d {
			d[i] = val(uint64(100 + i))
		}
		t.ObserveDigest(d)
		out = append(out, t.SampleExt())
		// Enough observations to fill the rate several times between two samples.
		for i := 0; i < 40; i++ {
			t.ObserveBase(val(uint64(i)))
		}
		b, _ := t.SampleBits(20)
		var fb F
		fb.SetUint64(b)
		out = append(out, lift(fb), t.SampleExt())
	}
	return out
}

// TestTranscriptEveryObservationMatters: changing any observed value changes every challenge
// drawn after it and none drawn before.
func TestTranscriptEveryObservationMatters(t *testing.T) {
	base := transcriptScript(-1)
	// Observations per round: 1 + 4 + 8 + 40; samples are at fixed positions relative to them.
	perRound := 1 + 4 + 8 + 40
	total := 6 * perRound
	for obs := 0; obs < total; obs++ {
		got := transcriptScript(obs)
		// Index of the first challenge drawn after observation obs.
		var first int
		if k := obs % perRound; k >= 1+4+8 {
			first = 4*(obs/perRound) + 2
		} else if k >= 1 {
			first = 4*(obs/perRound) + 1
		} else {
			first = 4 * (obs / perRound)
		}
		for i := range base {
			same := got[i].Equal(&base[i])
			if i < first && !same {
				t.Fatalf("observation %d changed earlier challenge %d", obs, i)
			}
			// Sampled bit indices can collide by chance (2^-20); extension challenges cannot.
			if i >= first && same && i%4 != 2 {
				t.Fatalf("observation %d left later challenge %d unchanged", obs, i)
			}
		}
	}
}

func TestTranscriptDomainSeparation(t *testing.T) {
	a, b := NewTranscript("a"), NewTranscript("b")
	x, y := a.SampleExt(), b.SampleExt()
	if x.Equal(&y) {
		t.Fatal("different domains give the same challenge")
	}
	// A label is not the same as observing its bytes without the label framing.
	c, d := NewTranscript("a"), NewTranscript("a")
	c.ObserveLabel("ab")
	d.ObserveLabel("a")
	d.ObserveBase(F{}) // cannot mimic the length prefix
	x, y = c.SampleExt(), d.SampleExt()
	if x.Equal(&y) {
		t.Fatal("labels collide")
	}
}

func TestSampleBitsRange(t *testing.T) {
	tr := NewTranscript("bits")
	var seen [16]int
	for i := 0; i < 4096; i++ {
		v, err := tr.SampleBits(4)
		if err != nil {
			t.Fatal(err)
		}
		if v >= 16 {
			t.Fatalf("sample %d out of range", v)
		}
		seen[v]++
	}
	for v, c := range seen {
		if c < 150 || c > 370 { // mean 256; ~7 sigma
			t.Fatalf("value %d drawn %d times out of 4096", v, c)
		}
	}
	if _, err := tr.SampleBits(25); err == nil {
		t.Fatal("25-bit sample allowed")
	}
}

func TestGrindAndCheck(t *testing.T) {
	for _, bits := range []int{0, 1, 8, 12} {
		p := NewTranscript("pow")
		p.ObserveLabel("x")
		v := p.Clone()
		nonce, err := p.Grind(context.Background(), bits)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Clone().CheckPoW(bits, nonce); err != nil {
			t.Fatalf("%d bits: own nonce rejected: %v", bits, err)
		}
		// The prover's and verifier's transcripts continue identically.
		if err := v.CheckPoW(bits, nonce); err != nil {
			t.Fatal(err)
		}
		a, b := p.SampleExt(), v.SampleExt()
		if !a.Equal(&b) {
			t.Fatalf("%d bits: transcripts diverge after PoW", bits)
		}
		if bits >= 8 {
			// Grind returns the smallest valid nonce, so every smaller one fails.
			for n := uint32(0); n < nonce; n++ {
				w := NewTranscript("pow")
				w.ObserveLabel("x")
				if err := w.CheckPoW(bits, n); !errors.Is(err, ErrPoW) {
					t.Fatalf("%d bits: nonce %d below the ground one %d accepted", bits, n, nonce)
				}
			}
		}
	}
	if err := NewTranscript("x").CheckPoW(4, modulus); !errors.Is(err, ErrPoW) {
		t.Fatal("non-canonical nonce accepted")
	}
}
