package stark

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/zkexex/zkexex/prover/hash"
)

// newTestTranscript returns D's transcript for domain.
func newTestTranscript[D Digest](domain string) challenger[D] {
	return configOf[D]().newTranscript(domain)
}

// digestOf makes a digest from eight values: the values themselves for KoalaBear, their packing
// into one element for BN254 (so that changing any of them changes the digest).
func digestOf[D Digest](vals [8]F) D {
	var d D
	switch p := any(&d).(type) {
	case *hash.Digest:
		*p = vals
	case *hash.BN254Digest:
		*p = hash.PackBN254(vals[:])
	}
	return d
}

// transcriptScript is a fixed interleaving of observations and samples; perturb changes the
// value of one observation.
func transcriptScript[D Digest](perturb int) []E {
	t := newTestTranscript[D]("test")
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
		var vals [8]F
		for i := range vals {
			vals[i] = val(uint64(100 + i))
		}
		t.ObserveDigest(digestOf[D](vals))
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
	bothConfigs(t, testTranscriptEveryObservationMatters[hash.Digest], testTranscriptEveryObservationMatters[hash.BN254Digest])
}

func testTranscriptEveryObservationMatters[D Digest](t *testing.T) {
	base := transcriptScript[D](-1)
	// Observations per round: 1 + 4 + 8 + 40; samples are at fixed positions relative to them.
	perRound := 1 + 4 + 8 + 40
	total := 6 * perRound
	for obs := 0; obs < total; obs++ {
		got := transcriptScript[D](obs)
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
	bothConfigs(t, testTranscriptDomainSeparation[hash.Digest], testTranscriptDomainSeparation[hash.BN254Digest])
	// The configurations never share a transcript state either.
	x, y := NewTranscript("a").SampleExt(), NewBN254Transcript("a").SampleExt()
	if x.Equal(&y) {
		t.Fatal("the two configurations give the same challenge")
	}
}

func testTranscriptDomainSeparation[D Digest](t *testing.T) {
	a, b := newTestTranscript[D]("a"), newTestTranscript[D]("b")
	x, y := a.SampleExt(), b.SampleExt()
	if x.Equal(&y) {
		t.Fatal("different domains give the same challenge")
	}
	// A label is not the same as observing its bytes without the label framing.
	c, d := newTestTranscript[D]("a"), newTestTranscript[D]("a")
	c.ObserveLabel("ab")
	d.ObserveLabel("a")
	d.ObserveBase(F{}) // cannot mimic the length prefix
	x, y = c.SampleExt(), d.SampleExt()
	if x.Equal(&y) {
		t.Fatal("labels collide")
	}
}

func TestSampleBitsRange(t *testing.T) {
	bothConfigs(t, testSampleBitsRange[hash.Digest], testSampleBitsRange[hash.BN254Digest])
}

func testSampleBitsRange[D Digest](t *testing.T) {
	tr := newTestTranscript[D]("bits")
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
	bothConfigs(t, testGrindAndCheck[hash.Digest], testGrindAndCheck[hash.BN254Digest])
}

// cloneChallenger copies a transcript of either configuration.
func cloneChallenger[D Digest](c challenger[D]) challenger[D] {
	switch t := any(c).(type) {
	case *Transcript:
		return any(t.Clone()).(challenger[D])
	case *BN254Transcript:
		return any(t.Clone()).(challenger[D])
	}
	panic("unknown transcript")
}

func testGrindAndCheck[D Digest](t *testing.T) {
	for _, bits := range []int{0, 1, 8, 12} {
		p := newTestTranscript[D]("pow")
		p.ObserveLabel("x")
		v := cloneChallenger(p)
		nonce, err := p.Grind(context.Background(), bits)
		if err != nil {
			t.Fatal(err)
		}
		if err := cloneChallenger(v).CheckPoW(bits, nonce); err != nil {
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
				w := newTestTranscript[D]("pow")
				w.ObserveLabel("x")
				if err := w.CheckPoW(bits, n); !errors.Is(err, ErrPoW) {
					t.Fatalf("%d bits: nonce %d below the ground one %d accepted", bits, n, nonce)
				}
			}
		}
	}
	if err := newTestTranscript[D]("x").CheckPoW(4, modulus); !errors.Is(err, ErrPoW) {
		t.Fatal("non-canonical nonce accepted")
	}
}

// TestGrindMatchesScalarSearch: with every number of pending inputs (the batched search when the
// nonce leaves room in the rate, the scalar one when it fills it), Grind returns the first nonce
// that the one-at-a-time check accepts.
func TestGrindMatchesScalarSearch(t *testing.T) {
	for pending := 0; pending < transcriptRate; pending++ {
		tr := NewTranscript("pow")
		for i := 0; i < pending; i++ {
			var x F
			x.SetUint64(uint64(1000 + i))
			tr.ObserveBase(x)
		}
		want := uint32(0)
		for !tr.powOK(7, want) {
			want++
		}
		got, err := tr.Clone().Grind(context.Background(), 7)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("%d pending inputs: Grind found %d, scalar search %d", pending, got, want)
		}
	}
}

// TestBN254GrindMatchesScalarSearch: with every number of pending KoalaBear values (a partial
// pack, a full one, a pending rate element), Grind returns the first nonce CheckPoW accepts.
func TestBN254GrindMatchesScalarSearch(t *testing.T) {
	for pending := 0; pending < 2*hash.BN254PackedElements+2; pending++ {
		tr := NewBN254Transcript("pow")
		for i := 0; i < pending; i++ {
			var x F
			x.SetUint64(uint64(1000 + i))
			tr.ObserveBase(x)
		}
		want := uint32(0)
		for tr.Clone().CheckPoW(6, want) != nil {
			want++
		}
		got, err := tr.Clone().Grind(context.Background(), 6)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("%d pending inputs: Grind found %d, scalar search %d", pending, got, want)
		}
	}
}

// TestBN254PackingCounted: observing (a, b) and (a, b, 0) give different challenges, as do a
// value observed as a digest and the same element's worth of KoalaBear values split differently.
func TestBN254PackingCounted(t *testing.T) {
	var a, b, zero F
	a.SetUint64(5)
	b.SetUint64(7)
	x, y := NewBN254Transcript("p"), NewBN254Transcript("p")
	x.ObserveBase(a, b)
	y.ObserveBase(a, b, zero)
	if u, v := x.SampleExt(), y.SampleExt(); u.Equal(&v) {
		t.Fatal("a trailing zero is not observed")
	}
	// Nine values: a full pack then one; eight then one more after a sample must differ.
	vals := make([]F, 9)
	for i := range vals {
		vals[i].SetUint64(uint64(i + 1))
	}
	x, y = NewBN254Transcript("p"), NewBN254Transcript("p")
	x.ObserveBase(vals...)
	y.ObserveBase(vals[:8]...)
	y.ObserveBase(vals[8:]...)
	if u, v := x.SampleExt(), y.SampleExt(); !u.Equal(&v) {
		t.Fatal("observing in two calls differs from one call")
	}
}

// replayed is every challenge of a proof: the STARK's, FRI's, and one more draw after the last
// query index (a fingerprint of the final transcript state).
type replayed struct {
	challenges
	fri  friChallenges
	tail E
}

func replayOf(t *testing.T, vk *VerifyingKey, p *Proof, public []F) replayed {
	t.Helper()
	v := &verifier[hash.Digest]{vk: vk, air: vk.air, proof: p, public: public}
	if err := v.checkShape(testVerifierConfig()); err != nil {
		t.Fatal(err)
	}
	ch, tr := v.replay()
	if err := friCheckShape(p.Params.FRI(), v.friHeights(), &p.FRI); err != nil {
		t.Fatal(err)
	}
	fch, err := friReplay(p.Params.FRI(), v.friHeights()[0], tr, &p.FRI)
	if err != nil {
		t.Fatal(err)
	}
	return replayed{ch, fch, tr.SampleExt()}
}

// TestProofTranscriptBindsEverything: changing any value of a proof (or statement) that the
// transcript observes changes every challenge drawn after it was observed, and none before.
func TestProofTranscriptBindsEverything(t *testing.T) {
	for _, s := range testStatements(t) {
		t.Run(s.name, func(t *testing.T) {
			pk, proof := mustProve(t, s, TestParams())
			vk := pk.VerifyingKey()
			base := replayOf(t, vk, proof, s.public)
			flat := func(c replayed) []E {
				return append([]E{c.beta, c.gamma, c.alpha, c.zeta, c.deepAlpha}, c.fri.betas...)
			}
			baseFlat := flat(base)
			queryStage := len(baseFlat)
			type change struct {
				name  string
				first int // first challenge (index into flat, or queryStage) drawn after the value
				f     func(p *Proof, pub []F)
			}
			var cs []change
			for i := range s.public {
				cs = append(cs, change{fmt.Sprintf("public %d", i), 0, func(_ *Proof, pub []F) { bump(&pub[i]) }})
			}
			cs = append(cs,
				change{"PoW bits", 0, func(p *Proof, _ []F) { p.Params.PoWBits++ }},
				change{"main root", 0, func(p *Proof, _ []F) { bump(&p.MainRoot[4]) }},
				change{"perm root", 2, func(p *Proof, _ []F) { bump(&p.PermRoot[4]) }},
				change{"quotient root", 3, func(p *Proof, _ []F) { bump(&p.QuotRoot[4]) }},
				change{"PoW nonce", queryStage, func(p *Proof, _ []F) { p.FRI.PoWNonce++ }},
				change{"LogUp PoW nonce", 0, func(p *Proof, _ []F) { p.LogUpPoWNonce++ }},
				change{"LogUp PoW bits", 0, func(p *Proof, _ []F) { p.Params.LogUpPoWBits++ }},
			)
			for i := range proof.LogUpSums {
				if vk.air.numPermCols(i) == 0 {
					continue // must be zero; the shape check, not the transcript, handles it
				}
				cs = append(cs, change{fmt.Sprintf("LogUp sum %d", i), 2, func(p *Proof, _ []F) { bumpExt(&p.LogUpSums[i]) }})
			}
			for i := range proof.Openings {
				for pt := 0; pt < 2; pt++ {
					for c := range openedColumns(&proof.Openings[i], pt) {
						cs = append(cs, change{fmt.Sprintf("opening %d/%d/%d", i, pt, c), 4, func(p *Proof, _ []F) {
							o := &p.Openings[i]
							groups := [][]E{o.Pre[pt], o.Main[pt], o.Perm[pt], o.Quot[pt]}
							k := c
							for _, g := range groups {
								if k < len(g) {
									bumpExt(&g[k])
									return
								}
								k -= len(g)
							}
						}})
					}
				}
			}
			for r := range proof.FRI.Roots {
				cs = append(cs, change{fmt.Sprintf("FRI root %d", r), 5 + r, func(p *Proof, _ []F) { bump(&p.FRI.Roots[r][0]) }})
			}
			for c := range proof.FRI.FinalPoly {
				cs = append(cs, change{fmt.Sprintf("final coefficient %d", c), queryStage, func(p *Proof, _ []F) { bumpExt(&p.FRI.FinalPoly[c]) }})
			}
			for _, c := range cs {
				p := cloneProof(t, proof)
				pub := append([]F(nil), s.public...)
				c.f(p, pub)
				got := replayOf(t, vk, p, pub)
				gf := flat(got)
				for i := range gf {
					same := gf[i].Equal(&baseFlat[i])
					if i < c.first && !same {
						t.Fatalf("%s changed challenge %d drawn before it", c.name, i)
					}
					if i >= c.first && same {
						t.Fatalf("%s left challenge %d unchanged", c.name, i)
					}
				}
				if got.tail.Equal(&base.tail) {
					t.Fatalf("%s left the final transcript state unchanged", c.name)
				}
				sameIdx := true
				for i := range got.fri.indices {
					sameIdx = sameIdx && got.fri.indices[i] == base.fri.indices[i]
				}
				if sameIdx {
					t.Fatalf("%s left every query index unchanged", c.name)
				}
			}
			t.Logf("%d observed values each change every later challenge", len(cs))
		})
	}
}
