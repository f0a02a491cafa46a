package stark

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/zkexex/zkexex/prover/hash"
)

func cloneProof[D Digest](t testing.TB, p *ProofOf[D]) *ProofOf[D] {
	t.Helper()
	b, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	q, err := DecodeProofFor[D](b)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func bump(x *F) {
	var one F
	one.SetOne()
	x.Add(x, &one)
}

func bumpExt(x *E) { bump(&x.B1.A1) }

// bumpDigest changes one field element of a digest: element i of a KoalaBear digest, the only
// element of a BN254 one.
func bumpDigest[D Digest](d *D, i int) {
	switch d := any(d).(type) {
	case *hash.Digest:
		bump(&d[i])
	case *hash.BN254Digest:
		var one hash.BN254Digest
		one.SetOne()
		d.Add(d, &one)
	}
}

// mutation names one tampering and applies it to a fresh copy of a valid proof.
type mutation[D Digest] struct {
	name string
	f    func(p *ProofOf[D])
}

// proofMutations enumerates single-value tamperings of every part of p.
func proofMutations[D Digest](p *ProofOf[D], short bool) []mutation[D] {
	var ms []mutation[D]
	add := func(name string, f func(p *ProofOf[D])) { ms = append(ms, mutation[D]{name, f}) }
	add("main root", func(p *ProofOf[D]) { bumpDigest(&p.MainRoot, 0) })
	add("perm root", func(p *ProofOf[D]) { bumpDigest(&p.PermRoot, 3) })
	add("quotient root", func(p *ProofOf[D]) { bumpDigest(&p.QuotRoot, 7) })
	for r := range p.FRI.Roots {
		add(fmt.Sprintf("FRI root %d", r), func(p *ProofOf[D]) { bumpDigest(&p.FRI.Roots[r], 1) })
	}
	for i := range p.LogUpSums {
		add(fmt.Sprintf("LogUp sum %d", i), func(p *ProofOf[D]) { bumpExt(&p.LogUpSums[i]) })
	}
	for i := range p.Openings {
		for pt := 0; pt < 2; pt++ {
			groups := []struct {
				name string
				get  func(o *TableOpening) []E
			}{
				{"pre", func(o *TableOpening) []E { return o.Pre[pt] }},
				{"main", func(o *TableOpening) []E { return o.Main[pt] }},
				{"perm", func(o *TableOpening) []E { return o.Perm[pt] }},
				{"quot", func(o *TableOpening) []E { return o.Quot[pt] }},
			}
			for _, g := range groups {
				for c := range g.get(&p.Openings[i]) {
					add(fmt.Sprintf("opened %s[%d] of table %d at point %d", g.name, c, i, pt), func(p *ProofOf[D]) { bumpExt(&g.get(&p.Openings[i])[c]) })
				}
			}
		}
	}
	for c := range p.FRI.FinalPoly {
		add(fmt.Sprintf("final poly coefficient %d", c), func(p *ProofOf[D]) { bumpExt(&p.FRI.FinalPoly[c]) })
	}
	add("PoW nonce", func(p *ProofOf[D]) { p.FRI.PoWNonce++ })
	add("LogUp PoW nonce", func(p *ProofOf[D]) { p.LogUpPoWNonce++ })
	add("params: queries", func(p *ProofOf[D]) {
		p.Params.NumQueries--
		p.Queries = p.Queries[1:]
		p.FRI.Queries = p.FRI.Queries[1:]
	})
	add("params: PoW bits", func(p *ProofOf[D]) { p.Params.PoWBits++ })
	add("params: LogUp PoW bits", func(p *ProofOf[D]) { p.Params.LogUpPoWBits++ })
	add("params: final length", func(p *ProofOf[D]) { p.Params.LogFinalPolyLen++ })
	add("log height", func(p *ProofOf[D]) { p.LogHeights[0]++ })
	queries := len(p.Queries)
	if short {
		queries = min(queries, 2)
	}
	for q := 0; q < queries; q++ {
		for r := range p.Queries[q].Inputs {
			o := &p.Queries[q].Inputs[r]
			for m := range o.Rows {
				for c := range o.Rows[m] {
					add(fmt.Sprintf("query %d round %d matrix %d opened cell %d", q, r, m, c), func(p *ProofOf[D]) { bump(&p.Queries[q].Inputs[r].Rows[m][c]) })
				}
			}
			for l := range o.Path {
				add(fmt.Sprintf("query %d round %d path node %d", q, r, l), func(p *ProofOf[D]) { bumpDigest(&p.Queries[q].Inputs[r].Path[l], 2) })
			}
		}
		for s := range p.FRI.Queries[q].Steps {
			o := &p.FRI.Queries[q].Steps[s]
			for c := range o.Rows[0] {
				add(fmt.Sprintf("query %d FRI step %d cell %d", q, s, c), func(p *ProofOf[D]) { bump(&p.FRI.Queries[q].Steps[s].Rows[0][c]) })
			}
			for l := range o.Path {
				add(fmt.Sprintf("query %d FRI step %d path node %d", q, s, l), func(p *ProofOf[D]) { bumpDigest(&p.FRI.Queries[q].Steps[s].Path[l], 5) })
			}
		}
	}
	return ms
}

// TestTamperedProofsRejected changes exactly one value of a valid proof at a time: every
// commitment, opened value, Merkle path node, FRI final coefficient, the PoW nonce, parameters.
func TestTamperedProofsRejected(t *testing.T) {
	bothConfigs(t, testTamperedProofs[hash.Digest], testTamperedProofs[hash.BN254Digest])
}

func testTamperedProofs[D Digest](t *testing.T) {
	params := TestParams()
	// Enough bits that the tampered nonce (the found one plus 1) fails the check rather than
	// passing it by chance, which would leave a different check to reject.
	params.PoWBits = 10
	params.LogUpPoWBits = 10
	for _, s := range testStatements(t) {
		t.Run(s.name, func(t *testing.T) {
			pk, proof := mustProveFor[D](t, s, params)
			vk := pk.VerifyingKey()
			if err := Verify(vk, proof, s.public, testVerifierConfig()); err != nil {
				t.Fatal(err)
			}
			ms := proofMutations(proof, testing.Short())
			for _, m := range ms {
				p := cloneProof(t, proof)
				m.f(p)
				err := Verify(vk, p, s.public, testVerifierConfig())
				if !errors.Is(err, ErrInvalidProof) {
					t.Errorf("%s: tampered proof accepted (err %v)", m.name, err)
				}
				if (m.name == "PoW nonce" || m.name == "LogUp PoW nonce") && !errors.Is(err, ErrPoW) {
					t.Errorf("PoW nonce: got %v, want ErrPoW", err)
				}
			}
			t.Logf("%d single-value tamperings rejected", len(ms))
		})
	}
}

// TestTamperedTraceCellRejected proves, with the prover's own checks off, traces that differ from a
// valid one in exactly one cell; each statement is then false and the verifier must reject.
func TestTamperedTraceCellRejected(t *testing.T) {
	bothConfigs(t, testTamperedTraceCell[hash.Digest], testTamperedTraceCell[hash.BN254Digest])
}

func testTamperedTraceCell[D Digest](t *testing.T) {
	for _, s := range testStatements(t) {
		t.Run(s.name, func(t *testing.T) {
			pk, err := SetupFor[D](s.air, TestParams())
			if err != nil {
				t.Fatal(err)
			}
			vk := pk.VerifyingKey()
			count := 0
			for ti, tr := range s.traces {
				n := tr.Height
				rows := []int{0, 1, n / 2, n - 2, n - 1}
				if _, bn := any(pk.VerifyingKey().Digest()).(hash.BN254Digest); bn && testing.Short() {
					// A BN254 proof costs several times a KoalaBear one; the short run keeps one row
					// per column (the full run covers every row).
					rows = []int{n / 2}
				}
				if !testing.Short() {
					rows = rows[:0]
					for r := 0; r < n; r++ {
						rows = append(rows, r)
					}
				}
				for c := 0; c < tr.Width(); c++ {
					for _, r := range rows {
						traces := make([]*Matrix, len(s.traces))
						copy(traces, s.traces)
						m := NewMatrix(tr.Width(), n)
						for cc := range m.Cols {
							copy(m.Cols[cc], tr.Cols[cc])
						}
						bump(&m.Cols[c][r])
						traces[ti] = m
						proof, _, err := prove(context.Background(), pk, traces, s.public, proveConfig{skipChecks: true})
						if err != nil {
							t.Fatalf("prover failed on tampered trace: %v", err)
						}
						if err := Verify(vk, proof, s.public, testVerifierConfig()); !errors.Is(err, ErrInvalidProof) {
							t.Errorf("table %d column %s row %d: tampered trace accepted (%v)", ti, s.air.tables[ti].cols[c], r, err)
						}
						count++
					}
				}
			}
			t.Logf("%d tampered cells rejected", count)
		})
	}
}

func TestWrongStatementRejected(t *testing.T) {
	bothConfigs(t, testWrongStatement[hash.Digest], testWrongStatement[hash.BN254Digest])
}

func testWrongStatement[D Digest](t *testing.T) {
	sts := testStatements(t)
	fib := sts[0]
	pk, proof := mustProveFor[D](t, fib, TestParams())
	cfg := testVerifierConfig()

	t.Run("public values", func(t *testing.T) {
		for i := range fib.public {
			pub := append([]F(nil), fib.public...)
			bump(&pub[i])
			if err := Verify(pk.VerifyingKey(), proof, pub, cfg); !errors.Is(err, ErrInvalidProof) {
				t.Errorf("public value %d changed: %v", i, err)
			}
		}
		if err := Verify(pk.VerifyingKey(), proof, fib.public[:2], cfg); !errors.Is(err, ErrPublicValues) {
			t.Errorf("short public values: %v", err)
		}
	})
	t.Run("other AIR", func(t *testing.T) {
		for _, other := range sts[1:] {
			opk, err := SetupFor[D](other.air, TestParams())
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(opk.VerifyingKey(), proof, fib.public, cfg); !errors.Is(err, ErrInvalidProof) {
				t.Errorf("%s: %v", other.name, err)
			}
		}
		// Same shape, one constraint different: only the key digest tells them apart.
		tb := NewTable("fib")
		a, b := tb.Column("a"), tb.Column("b")
		tb.AssertFirst("a0", a.Cur().Sub(Pub(0)))
		tb.AssertFirst("b0", b.Cur().Sub(Pub(1)))
		tb.AssertTransition("a'", a.Next().Sub(b.Cur()))
		tb.AssertTransition("b'", b.Next().Sub(a.Cur().Add(b.Cur()).Add(a.Cur())))
		tb.AssertLast("out", b.Cur().Sub(Pub(2)))
		air, err := NewAIR("fib", 3, tb)
		if err != nil {
			t.Fatal(err)
		}
		opk, err := SetupFor[D](air, TestParams())
		if err != nil {
			t.Fatal(err)
		}
		if opk.VerifyingKey().Digest() == pk.VerifyingKey().Digest() {
			t.Fatal("different AIRs share a key digest")
		}
		if err := Verify(opk.VerifyingKey(), proof, fib.public, cfg); !errors.Is(err, ErrInvalidProof) {
			t.Errorf("modified AIR: %v", err)
		}
	})
	t.Run("weak parameters", func(t *testing.T) {
		if err := Verify(pk.VerifyingKey(), proof, fib.public, DefaultVerifierConfig()); !errors.Is(err, ErrParams) {
			t.Errorf("test parameters accepted by a 100-bit verifier: %v", err)
		}
	})
}

func TestUnbalancedBusRejected(t *testing.T) {
	s := testStatements(t)[1]
	pk, err := Setup(s.air, TestParams())
	if err != nil {
		t.Fatal(err)
	}
	traces := []*Matrix{s.traces[0], NewMatrix(1, 256)}
	copy(traces[1].Cols[0], s.traces[1].Cols[0])
	bump(&traces[1].Cols[0][7]) // the byte table claims one lookup of 7 too many
	if _, err := Prove(context.Background(), pk, traces, nil); !errors.Is(err, ErrUnbalancedBus) {
		t.Fatalf("prover: got %v, want ErrUnbalancedBus", err)
	}
	proof, _, err := prove(context.Background(), pk, traces, nil, proveConfig{skipChecks: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(pk.VerifyingKey(), proof, nil, testVerifierConfig()); !errors.Is(err, ErrUnbalancedBus) {
		t.Fatalf("verifier: got %v, want ErrUnbalancedBus", err)
	}
	// A forged zero total on one table is caught by the running-sum constraints instead.
	proof.LogUpSums[1].Sub(&proof.LogUpSums[1], &proof.LogUpSums[1])
	proof.LogUpSums[1].Sub(&proof.LogUpSums[1], &proof.LogUpSums[0])
	if err := Verify(pk.VerifyingKey(), proof, nil, testVerifierConfig()); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("forged sums: %v", err)
	}
}

// TestPreprocessedCommitmentBound: the preprocessed commitment lives in the verifying key; a key
// with other preprocessed values, or with the commitment alone changed, rejects the proof.
func TestPreprocessedCommitmentBound(t *testing.T) {
	bothConfigs(t, testPreprocessedCommitmentBound[hash.Digest], testPreprocessedCommitmentBound[hash.BN254Digest])
}

func testPreprocessedCommitmentBound[D Digest](t *testing.T) {
	s := testStatements(t)[1]
	pk, proof := mustProveFor[D](t, s, TestParams())
	cfg := testVerifierConfig()
	// Same AIR, byte table holding 1..256 instead of 0..255.
	air := rangeAIR(t)
	air.tables[1].pre.SetUint(0, 0, 256)
	opk, err := SetupFor[D](air, TestParams())
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(opk.VerifyingKey(), proof, nil, cfg); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("other preprocessed values: %v", err)
	}
	// The commitment changed but the digest kept: the openings no longer authenticate.
	vk := *pk.VerifyingKey()
	bumpDigest(&vk.preRoot, 0)
	if err := Verify(&vk, proof, nil, cfg); !errors.Is(err, ErrMerkle) {
		t.Fatalf("tampered preprocessed root: %v", err)
	}
}
