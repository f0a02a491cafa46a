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

// proveAt proves the statement under params and verifies it with DefaultVerifierConfig.
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

func TestVerifyProofExecutes(t *testing.T) {
	vk, proof, public := childProof(t, 4)
	s := shapeOf(vk, proof)
	prog, w := verifierProgram(t, s, proof, false)
	if _, err := prog.Execute(public, w); err != nil {
		t.Fatal(err)
	}
	t.Logf("rows %v", prog.Rows())
	_ = errors.Is
}
