package recursion

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/stark"
)

// childProofWitness declares a child proof's pre-FRI values as witness variables, in one fixed
// order, and returns them with the values.
func childProofWitness(b *Builder, proof *stark.Proof) (*ChildProof, []E) {
	var w []E
	exts := func(vals []E) []Ext { return witnessExts(b, &w, vals) }
	digest := func(d hash.Digest) Digest {
		var out Digest
		for i := range out {
			out[i] = b.Witness()
			w = append(w, liftF(d[i]))
		}
		return out
	}
	p := &ChildProof{MainRoot: digest(proof.MainRoot), PermRoot: digest(proof.PermRoot), QuotRoot: digest(proof.QuotRoot)}
	p.LogUpPoWNonce = b.Witness()
	w = append(w, liftF(feU(uint64(proof.LogUpPoWNonce))))
	p.LogUpSums = exts(proof.LogUpSums)
	for _, o := range proof.Openings {
		var co ChildOpening
		for pt := range 2 {
			co.Pre[pt], co.Main[pt], co.Perm[pt], co.Quot[pt] = exts(o.Pre[pt]), exts(o.Main[pt]), exts(o.Perm[pt]), exts(o.Quot[pt])
		}
		p.Openings = append(p.Openings, co)
	}
	return p, w
}

// outOfDomainProgram is CheckOutOfDomain of a child proof, the child's public values the
// program's own. With pin set, the replayed challenges are also asserted equal to
// stark.ProofChallenges'.
func outOfDomainProgram(t testing.TB, vk *stark.VerifyingKey, proof *stark.Proof, public []F, pin bool) (*Program, []E) {
	b := NewBuilder()
	p, w := childProofWitness(b, proof)
	pub := make([]Felt, len(public))
	for j := range pub {
		pub[j] = b.Public(j)
	}
	ch, deepAlpha, tr := b.CheckOutOfDomain(vk, proof.Params, proof.LogHeights, pub, p)
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
	// Witness layout (childProofWitness): 3 roots of 8, the nonce, the 3 LogUp totals, then the
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
	p, _ := childProofWitness(b, proof)
	p.Openings = p.Openings[1:]
	pub := []Felt{b.Public(0), b.Public(1)}
	if _, _, tr := b.CheckOutOfDomain(vk, proof.Params, proof.LogHeights, pub, p); tr != nil {
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
