package recursion

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/zkexex/zkexex/prover/stark"
)

// childWitness allocates a child proof of proof's shape and returns it with its witness values.
func childWitness(t testing.TB, b *Builder, s ChildShape, proof *stark.Proof) (*StarkProof, []E) {
	t.Helper()
	p := b.AllocProof(s)
	w, err := ProofWitness(s, proof)
	if err != nil {
		t.Fatal(err)
	}
	return p, w
}

// shapeOf is proof's shape under vk, with the security floor off (tests run at TestParams).
func shapeOf(vk *stark.VerifyingKey, proof *stark.Proof) ChildShape {
	return ChildShape{VK: vk, Params: proof.Params, LogHeights: proof.LogHeights, Config: &stark.VerifierConfig{}}
}

// outOfDomainProgram is CheckOutOfDomain of a child proof, the child's public values the
// program's own. With pin set, the replayed challenges are also asserted equal to
// stark.ProofChallenges'.
func outOfDomainProgram(t testing.TB, vk *stark.VerifyingKey, proof *stark.Proof, public []F, pin bool) (*Program, []E) {
	b := NewBuilder()
	s := shapeOf(vk, proof)
	p, w := childWitness(t, b, s, proof)
	pub := make([]Felt, len(public))
	for j := range pub {
		pub[j] = b.Public(j)
	}
	ch, deepAlpha, tr := b.CheckOutOfDomain(s, b.constDigest(vk.Digest()), pub, p)
	if tr == nil {
		t.Fatal("no transcript")
	}
	if pin {
		want, err := stark.ProofChallenges(vk, proof, public)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			got  Ext
			want E
		}{{ch.Beta, want.Beta}, {ch.Gamma, want.Gamma}, {ch.Alpha, want.Alpha}, {ch.Zeta, want.Zeta}, {deepAlpha, want.DeepAlpha}} {
			b.AssertEqExt(c.got, b.ConstExt(c.want))
		}
	}
	prog, err := b.Compile()
	if err != nil {
		t.Fatal(err)
	}
	return prog, w
}

// TestCheckOutOfDomain: the program that replays a real child proof's transcript and checks its
// constraints at ζ draws stark's challenges exactly (pinned), proves and verifies; altering any
// one committed root, the grinding nonce, a LogUp total (the pad table's included, which only
// the zero-total rule reads), an opening or a public value fails generation.
func TestCheckOutOfDomain(t *testing.T) {
	vk, proof, public := childProof(t, 4)
	prog, w := outOfDomainProgram(t, vk, proof, public, true)
	s := statement{prog, public, w}
	if err := s.proveAndVerify(t, nil, nil); err != nil {
		t.Fatal(err)
	}
	t.Logf("rows: %v", prog.Rows())

	prog, w = outOfDomainProgram(t, vk, proof, public, false)
	if _, err := prog.Execute(public, w); err != nil {
		t.Fatal(err)
	}
	// Witness layout (ProofWitness): 3 roots of 8, the nonce, the 3 LogUp totals, then the
	// openings table by table.
	const nonce, sums = 24, 25
	for _, c := range []struct {
		name string
		k    int
	}{
		{"main root", 0}, {"LogUp root", 8}, {"quotient root", 16}, {"grinding nonce", nonce},
		{"cube LogUp total", sums}, {"pad LogUp total", sums + 2}, {"first opening", sums + 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad := append([]E(nil), w...)
			bad[c.k].B0.A0.Add(&bad[c.k].B0.A0, ptr(fe(1)))
			if _, err := prog.Execute(public, bad); !errors.Is(err, ErrAssertion) {
				t.Fatalf("got %v, want ErrAssertion", err)
			}
		})
	}
	if _, err := prog.Execute([]F{public[0], fe(7)}, w); !errors.Is(err, ErrAssertion) {
		t.Fatalf("public value: got %v, want ErrAssertion", err)
	}
}

// TestReplayShape: a child proof whose table count does not match the key is a builder error.
func TestReplayShape(t *testing.T) {
	vk, proof, _ := childProof(t, 4)
	b := NewBuilder()
	s := shapeOf(vk, proof)
	p, _ := childWitness(t, b, s, proof)
	p.Openings = p.Openings[1:]
	pub := []Felt{b.Public(0), b.Public(1)}
	if _, _, tr := b.CheckOutOfDomain(s, b.constDigest(vk.Digest()), pub, p); tr != nil {
		t.Fatal("transcript returned for a malformed child")
	}
	if _, err := b.Compile(); !errors.Is(err, ErrProgram) {
		t.Fatalf("got %v, want ErrProgram", err)
	}
}

// TestCheckOutOfDomainOnRecursionProof: the whole pre-FRI check of a recursion proof (every chip,
// both Poseidon2 tables), its challenges pinned to stark's, proves and verifies.
func TestCheckOutOfDomainOnRecursionProof(t *testing.T) {
	if testing.Short() {
		t.Skip("about 30k ext_alu rows to prove")
	}
	rec := everyChip(t, rand.New(rand.NewPCG(5, 6)))
	pk, proof, err := rec.prove(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	prog, w := outOfDomainProgram(t, pk.VerifyingKey(), proof, rec.public, true)
	if err := (statement{prog, rec.public, w}).proveAndVerify(t, nil, nil); err != nil {
		t.Fatal(err)
	}
}
