package recursion

import (
	"context"
	"errors"
	"testing"

	"github.com/zkexex/zkexex/prover/stark"
)

// verifierProgram is VerifyProof of a child proof of shape s, its public values the program's
// own; with varRoot the preprocessed root is a witness variable (after the proof's values).
func verifierProgram(t testing.TB, s ChildShape, proof *stark.Proof, varRoot bool) (*Program, []E) {
	t.Helper()
	b := NewBuilder()
	p, w := childWitness(t, b, s, proof)
	pub := make([]Felt, s.VK.AIR().NumPublic())
	for j := range pub {
		pub[j] = b.Public(j)
	}
	var root *Digest
	if varRoot {
		root = new(Digest)
		for j := range root {
			root[j] = b.Witness()
			w = append(w, Lift(s.VK.PreRoot()[j]))
		}
	}
	b.VerifyProof(s, root, pub, p)
	prog, err := b.Compile()
	if err != nil {
		t.Fatal(err)
	}
	return prog, w
}

// proveAt proves the statement under params and verifies it under cfg.
func (s statement) proveAt(t testing.TB, params stark.Params, cfg stark.VerifierConfig) (*stark.VerifyingKey, *stark.Proof) {
	t.Helper()
	air, err := s.prog.AIR("recursion")
	if err != nil {
		t.Fatal(err)
	}
	pk, err := stark.Setup(air, params)
	if err != nil {
		t.Fatal(err)
	}
	traces, err := s.prog.Execute(s.public, s.witness)
	if err != nil {
		t.Fatal(err)
	}
	proof, err := stark.Prove(context.Background(), pk, traces, s.public)
	if err != nil {
		t.Fatal(err)
	}
	if err := stark.Verify(pk.VerifyingKey(), proof, s.public, cfg); err != nil {
		t.Fatal(err)
	}
	return pk.VerifyingKey(), proof
}

// cloneProof is a deep copy of p (through its encoding).
func cloneProof(t testing.TB, p *stark.Proof) *stark.Proof {
	t.Helper()
	enc, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	c, err := stark.DecodeProof(enc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func bumpF(x *F) { x.Add(x, ptr(fe(1))) }

func bumpE(x *E) { bumpF(&x.B0.A0) }

// rejected reports whether an Execute error is one of the program's typed refusals.
func rejected(err error) bool {
	return errors.Is(err, ErrAssertion) || errors.Is(err, ErrInverseZero) || errors.Is(err, ErrNotBoolean)
}

// childTampers are single-field changes of a child proof of childAIR, one per kind of value
// stark.Verify reads.
func childTampers(p *stark.Proof) []struct {
	name string
	f    func(p *stark.Proof)
} {
	type tamper = struct {
		name string
		f    func(p *stark.Proof)
	}
	last := len(p.FRI.Roots) - 1
	ts := []tamper{
		{"main root", func(p *stark.Proof) { bumpF(&p.MainRoot[0]) }},
		{"LogUp root", func(p *stark.Proof) { bumpF(&p.PermRoot[3]) }},
		{"quotient root", func(p *stark.Proof) { bumpF(&p.QuotRoot[7]) }},
		{"LogUp nonce", func(p *stark.Proof) { p.LogUpPoWNonce++ }},
		{"FRI nonce", func(p *stark.Proof) { p.FRI.PoWNonce++ }},
		{"LogUp total", func(p *stark.Proof) { bumpE(&p.LogUpSums[1]) }},
		{"pad LogUp total", func(p *stark.Proof) { bumpE(&p.LogUpSums[2]) }},
		{"preprocessed opening", func(p *stark.Proof) { bumpE(&p.Openings[0].Pre[0][0]) }},
		{"preprocessed opening next", func(p *stark.Proof) { bumpE(&p.Openings[0].Pre[1][0]) }},
		{"main opening", func(p *stark.Proof) { bumpE(&p.Openings[1].Main[0][1]) }},
		{"main opening next", func(p *stark.Proof) { bumpE(&p.Openings[0].Main[1][0]) }},
		{"LogUp opening", func(p *stark.Proof) { bumpE(&p.Openings[1].Perm[0][2]) }},
		{"LogUp opening next", func(p *stark.Proof) { bumpE(&p.Openings[0].Perm[1][0]) }},
		{"quotient opening", func(p *stark.Proof) { bumpE(&p.Openings[0].Quot[0][5]) }},
		// Read only by the DEEP step.
		{"quotient opening next", func(p *stark.Proof) { bumpE(&p.Openings[2].Quot[1][0]) }},
		{"FRI first root", func(p *stark.Proof) { bumpF(&p.FRI.Roots[0][0]) }},
		{"FRI last root", func(p *stark.Proof) { bumpF(&p.FRI.Roots[last][5]) }},
		{"FRI pair, first round", func(p *stark.Proof) { bumpF(&p.FRI.Queries[0].Steps[0].Rows[0][0]) }},
		{"FRI pair, other side", func(p *stark.Proof) { bumpF(&p.FRI.Queries[1].Steps[0].Rows[0][6]) }},
		{"FRI pair, last round", func(p *stark.Proof) { bumpF(&p.FRI.Queries[2].Steps[last].Rows[0][4]) }},
		{"FRI sibling", func(p *stark.Proof) { bumpF(&p.FRI.Queries[3].Steps[1].Path[0][2]) }},
		{"FRI last sibling", func(p *stark.Proof) { bumpF(&p.FRI.Queries[3].Steps[0].Path[len(p.FRI.Queries[3].Steps[0].Path)-1][0]) }},
		{"final polynomial constant", func(p *stark.Proof) { bumpE(&p.FRI.FinalPoly[0]) }},
		{"final polynomial top", func(p *stark.Proof) { bumpE(&p.FRI.FinalPoly[len(p.FRI.FinalPoly)-1]) }},
	}
	for r, name := range []string{"preprocessed", "main", "LogUp", "quotient"} {
		ts = append(ts,
			tamper{name + " query row", func(p *stark.Proof) {
				rows := p.Queries[r].Inputs[r].Rows
				bumpF(&rows[len(rows)-1][0])
			}},
			tamper{name + " query sibling", func(p *stark.Proof) { bumpF(&p.Queries[0].Inputs[r].Path[r][1]) }},
			tamper{name + " query top sibling", func(p *stark.Proof) {
				path := p.Queries[5].Inputs[r].Path
				bumpF(&path[len(path)-1][7])
			}},
		)
	}
	return ts
}

// TestVerifyProofTampers: the verifier program accepts a real child proof, and every single-field
// tamper of it (each root, both nonces, LogUp totals, every kind of opening, a query's row and
// Merkle sibling in each input round, FRI roots, pairs and siblings, the final polynomial, the
// public values) makes its execution fail, as it makes stark.Verify fail.
func TestVerifyProofTampers(t *testing.T) {
	vk, proof, public := childProof(t, 4)
	s := shapeOf(vk, proof)
	prog, w := verifierProgram(t, s, proof, false)
	if _, err := prog.Execute(public, w); err != nil {
		t.Fatal(err)
	}
	for _, c := range childTampers(proof) {
		t.Run(c.name, func(t *testing.T) {
			bad := cloneProof(t, proof)
			c.f(bad)
			if err := stark.Verify(vk, bad, public, stark.VerifierConfig{}); err == nil {
				t.Fatal("stark.Verify accepts the tampered proof")
			}
			bw, err := ProofWitness(s, bad)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := prog.Execute(public, bw); !rejected(err) {
				t.Fatalf("got %v, want a refusal", err)
			}
		})
	}
	badPub := []F{public[0], public[1]}
	bumpF(&badPub[1])
	if err := stark.Verify(vk, proof, badPub, stark.VerifierConfig{}); err == nil {
		t.Fatal("stark.Verify accepts other public values")
	}
	if _, err := prog.Execute(badPub, w); !rejected(err) {
		t.Fatalf("public value: got %v, want a refusal", err)
	}
}

// recursionProof proves, under RecursionParams, the verifier program of a child proof of shape s,
// and checks that stark.Verify accepts it with DefaultVerifierConfig.
func recursionProof(t testing.TB, s ChildShape, child *stark.Proof, public []F) (statement, *stark.VerifyingKey, *stark.Proof) {
	t.Helper()
	prog, w := verifierProgram(t, s, child, false)
	st := statement{prog, public, w}
	vk, proof := st.proveAt(t, RecursionParams(), stark.DefaultVerifierConfig())
	return st, vk, proof
}

// TestRecursionProof: a recursion proof that the test AIR's proof verifies proves, and stark.Verify
// accepts it under RecursionParams with DefaultVerifierConfig; the calculator gives RecursionParams
// at least 100 conjectured bits on its shape; representative tampers of it are rejected.
func TestRecursionProof(t *testing.T) {
	vk, proof, public := childProof(t, 4)
	st, rvk, rproof := recursionProof(t, shapeOf(vk, proof), proof, public)
	sound := RecursionParams().Soundness(rvk.ShapeOf(rproof.LogHeights))
	t.Logf("rows %v; %s", st.prog.Rows(), sound)
	if sound.Total < 100 || sound.FRIBits != 100 {
		t.Fatalf("RecursionParams on a recursion proof: %s", sound)
	}
	if shrink := ShrinkParams().Soundness(rvk.ShapeOf(rproof.LogHeights)); shrink.Total < 100 || shrink.FRIBits != 104 {
		t.Fatalf("ShrinkParams on a recursion proof: %s", shrink)
	}
	for _, c := range []struct {
		name string
		f    func(p *stark.Proof)
	}{
		{"main root", func(p *stark.Proof) { bumpF(&p.MainRoot[2]) }},
		{"opening", func(p *stark.Proof) { bumpE(&p.Openings[3].Main[0][0]) }},
		{"LogUp total", func(p *stark.Proof) { bumpE(&p.LogUpSums[0]) }},
		{"query row", func(p *stark.Proof) { bumpF(&p.Queries[7].Inputs[1].Rows[0][3]) }},
		{"FRI pair", func(p *stark.Proof) { bumpF(&p.FRI.Queries[11].Steps[2].Rows[0][1]) }},
		{"final polynomial", func(p *stark.Proof) { bumpE(&p.FRI.FinalPoly[1]) }},
		{"FRI nonce", func(p *stark.Proof) { p.FRI.PoWNonce ^= 1 << 20 }},
		{"parameters", func(p *stark.Proof) { p.Params = stark.DefaultParams() }},
	} {
		bad := cloneProof(t, rproof)
		c.f(bad)
		if err := stark.Verify(rvk, bad, public, stark.DefaultVerifierConfig()); !errors.Is(err, stark.ErrInvalidProof) {
			t.Errorf("%s: got %v, want ErrInvalidProof", c.name, err)
		}
	}
	// A recursion proof at TestParams is refused by DefaultVerifierConfig.
	_, weak := st.proveAt(t, stark.TestParams(), stark.VerifierConfig{})
	if err := stark.Verify(rvk, weak, public, stark.DefaultVerifierConfig()); err == nil {
		t.Fatal("a recursion proof at TestParams passes DefaultVerifierConfig")
	}
}

// TestRecursionOfRecursion: a recursion proof of a recursion proof verifies (the recursion closes
// on itself), the inner one's public values (the child's) being the outer one's; the outer
// program refuses inner proofs tampered in a DEEP-only opening, a query row and an FRI pair.
func TestRecursionOfRecursion(t *testing.T) {
	vk, proof, public := childProof(t, 4)
	_, rvk, rproof := recursionProof(t, shapeOf(vk, proof), proof, public)
	s := ChildShape{VK: rvk, Params: RecursionParams(), LogHeights: rproof.LogHeights}
	st, _, _ := recursionProof(t, s, rproof, public)
	t.Logf("outer rows %v", st.prog.Rows())
	for _, c := range []struct {
		name string
		f    func(p *stark.Proof)
	}{
		{"quotient opening next", func(p *stark.Proof) { bumpE(&p.Openings[2].Quot[1][3]) }},
		{"query row", func(p *stark.Proof) { bumpF(&p.Queries[27].Inputs[2].Rows[4][1]) }},
		{"FRI pair", func(p *stark.Proof) { bumpF(&p.FRI.Queries[13].Steps[5].Rows[0][7]) }},
	} {
		bad := cloneProof(t, rproof)
		c.f(bad)
		w, err := ProofWitness(s, bad)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.prog.Execute(public, w); !rejected(err) {
			t.Errorf("%s: got %v", c.name, err)
		}
	}
}

// TestVerifyProofVariableRoot: a program whose child preprocessed root is a variable accepts
// children of the same AIR structure whose preprocessed columns differ, each with its own root,
// and refuses any other root.
func TestVerifyProofVariableRoot(t *testing.T) {
	vk, proof, public := childProof(t, 4)
	other, oproof, opublic := childProofShifted(t, 4, 7)
	if vk.StructureDigest() != other.StructureDigest() || vk.PreRoot() == other.PreRoot() {
		t.Fatal("the two children should share their structure and differ in their programs")
	}
	s := shapeOf(vk, proof)
	prog, w := verifierProgram(t, s, proof, true)
	if _, err := prog.Execute(public, w); err != nil {
		t.Fatal(err)
	}
	ow, err := ProofWitness(s, oproof)
	if err != nil {
		t.Fatal(err)
	}
	for j := range 8 {
		ow = append(ow, Lift(other.PreRoot()[j]))
	}
	if _, err := prog.Execute(opublic, ow); err != nil {
		t.Fatalf("the other program's child: %v", err)
	}
	// Each child with the other's root, and a root altered in one element.
	n := len(w) - 8
	for _, c := range []struct {
		name   string
		w      []E
		public []F
	}{
		{"first child, second root", append(append([]E(nil), w[:n]...), ow[n:]...), public},
		{"second child, first root", append(append([]E(nil), ow[:n]...), w[n:]...), opublic},
	} {
		if _, err := prog.Execute(c.public, c.w); !rejected(err) {
			t.Errorf("%s: got %v", c.name, err)
		}
	}
	for j := range 8 {
		bad := append([]E(nil), w...)
		bumpE(&bad[n+j])
		if _, err := prog.Execute(public, bad); !rejected(err) {
			t.Errorf("root element %d: got %v", j, err)
		}
	}
}

// TestProofWitnessShape: proofs of another shape are ErrShape errors, not panics.
func TestProofWitnessShape(t *testing.T) {
	vk, proof, _ := childProof(t, 4)
	s := shapeOf(vk, proof)
	for _, c := range []struct {
		name string
		f    func(p *stark.Proof)
	}{
		{"parameters", func(p *stark.Proof) { p.Params.NumQueries++ }},
		{"height", func(p *stark.Proof) { p.LogHeights[0]++ }},
		{"LogUp totals", func(p *stark.Proof) { p.LogUpSums = p.LogUpSums[1:] }},
		{"opening", func(p *stark.Proof) { p.Openings[1].Main[1] = p.Openings[1].Main[1][1:] }},
		{"FRI roots", func(p *stark.Proof) { p.FRI.Roots = p.FRI.Roots[1:] }},
		{"final polynomial", func(p *stark.Proof) { p.FRI.FinalPoly = append(p.FRI.FinalPoly, E{}) }},
		{"queries", func(p *stark.Proof) { p.Queries = p.Queries[1:] }},
		{"query row", func(p *stark.Proof) { p.Queries[2].Inputs[3].Rows[0] = p.Queries[2].Inputs[3].Rows[0][1:] }},
		{"query path", func(p *stark.Proof) { p.Queries[2].Inputs[1].Path = nil }},
		{"FRI step path", func(p *stark.Proof) { p.FRI.Queries[0].Steps[1].Path = p.FRI.Queries[0].Steps[1].Path[1:] }},
		{"FRI step rows", func(p *stark.Proof) { p.FRI.Queries[0].Steps[0].Rows = nil }},
		{"nonce", func(p *stark.Proof) { p.FRI.PoWNonce = 1 << 31 }},
	} {
		bad := cloneProof(t, proof)
		c.f(bad)
		if _, err := ProofWitness(s, bad); !errors.Is(err, ErrShape) {
			t.Errorf("%s: got %v, want ErrShape", c.name, err)
		}
	}
	if _, err := ProofWitness(s, nil); !errors.Is(err, ErrShape) {
		t.Errorf("nil proof: got %v", err)
	}
	bad := s
	bad.LogHeights = []int{4, 4}
	if _, err := ProofWitness(bad, proof); !errors.Is(err, ErrShape) {
		t.Errorf("shape of two tables: got %v", err)
	}
}

// TestVerifyProofBuildChecks: a child shape Verify would reject (too few conjectured bits for the
// program's config, heights the key cannot have, another blowup) is a builder error.
func TestVerifyProofBuildChecks(t *testing.T) {
	vk, proof, _ := childProof(t, 4)
	for _, c := range []struct {
		name string
		s    ChildShape
	}{
		{"insecure parameters", ChildShape{VK: vk, Params: proof.Params, LogHeights: proof.LogHeights}},
		{"preprocessed height", ChildShape{VK: vk, Params: proof.Params, LogHeights: []int{5, 4, 2}, Config: &stark.VerifierConfig{}}},
		{"other blowup", ChildShape{VK: vk, Params: ShrinkParams(), LogHeights: proof.LogHeights, Config: &stark.VerifierConfig{}}},
	} {
		b := NewBuilder()
		p := b.AllocProof(shapeOf(vk, proof))
		pub := []Felt{b.Public(0), b.Public(1)}
		b.VerifyProof(c.s, nil, pub, p)
		if _, err := b.Compile(); !errors.Is(err, ErrProgram) {
			t.Errorf("%s: got %v, want ErrProgram", c.name, err)
		}
	}
}

// TestDeepValues pins the program's query indices and DEEP quotients to the native verifier's
// (stark.QueryValues): asserted equal inside the program, which must then execute and prove.
func TestDeepValues(t *testing.T) {
	vk, proof, public := childProof(t, 4)
	indices, want, err := stark.QueryValues(vk, proof, public)
	if err != nil {
		t.Fatal(err)
	}
	s := shapeOf(vk, proof)
	l, err := layoutOf(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Buckets) < 2 {
		t.Fatal("the test AIR should have buckets of two heights (a roll-in)")
	}
	b := NewBuilder()
	p, w := childWitness(t, b, s, proof)
	pub := []Felt{b.Public(0), b.Public(1)}
	digest := b.constDigest(vk.Digest())
	ch, deepAlpha, tr := b.CheckOutOfDomain(s, digest, pub, p)
	v := b.newFRIVerifier(s, l, b.constDigest(vk.PreRoot()), ch.Zeta, deepAlpha, tr, p)
	for q := range p.Queries {
		acc := b.Const(F{})
		for j := l.LogLDE - 1; j >= 0; j-- {
			acc = b.Add(b.Add(acc, acc), v.idx[q][j])
		}
		b.AssertEq(acc, b.Const(fe(indices[q])))
		inv := v.points(q)
		evals := v.deep(q, inv)
		for j := range evals {
			b.AssertEqExt(evals[j], b.ConstExt(want[q][j]))
		}
		v.query(q, inv, evals)
	}
	prog, err := b.Compile()
	if err != nil {
		t.Fatal(err)
	}
	if err := (statement{prog, public, w}).proveAndVerify(t, nil, nil); err != nil {
		t.Fatal(err)
	}
}

// TestRecursionProofDefaultParams: the verifier program of a child proven at DefaultParams, with
// the program enforcing DefaultVerifierConfig, executes and proves under RecursionParams; a
// tampered FRI pair is refused.
func TestRecursionProofDefaultParams(t *testing.T) {
	vk, proof, public := childProofAt(t, 4, 0, stark.DefaultParams())
	if err := stark.Verify(vk, proof, public, stark.DefaultVerifierConfig()); err != nil {
		t.Fatal(err)
	}
	s := ChildShape{VK: vk, Params: proof.Params, LogHeights: proof.LogHeights}
	st, _, _ := recursionProof(t, s, proof, public)
	bad := cloneProof(t, proof)
	bumpF(&bad.FRI.Queries[99].Steps[0].Rows[0][2])
	w, err := ProofWitness(s, bad)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.prog.Execute(public, w); !rejected(err) {
		t.Fatalf("tampered FRI pair: got %v", err)
	}
}
