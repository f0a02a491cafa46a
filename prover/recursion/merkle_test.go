package recursion

import (
	"errors"
	"testing"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/stark"
)

// merkleProgram checks a Merkle opening: the leaf, its index and the siblings are witness, the
// root is public values 0..7. The index's bits above the path must be zero.
func merkleProgram(t testing.TB, depth int) *Program {
	b := NewBuilder()
	var leaf Digest
	for j := range leaf {
		leaf[j] = b.Witness()
	}
	bits := b.Bits(b.Witness())
	sibs := make([]Digest, depth)
	for i := range sibs {
		for j := range sibs[i] {
			sibs[i][j] = b.Witness()
		}
	}
	root := b.MerkleRoot(leaf, bits[:], sibs)
	for j := range root {
		b.AssertEq(root[j], b.Public(j))
	}
	zero := b.Const(F{})
	for _, bit := range bits[depth:] {
		b.AssertEq(bit, zero)
	}
	prog, err := b.Compile()
	if err != nil {
		t.Fatal(err)
	}
	return prog
}

func merkleWitness(leaf hash.Digest, index int, path []hash.Digest) []E {
	var w []E
	for _, x := range leaf {
		w = append(w, Lift(x))
	}
	w = append(w, Lift(fe(uint64(index))))
	for _, d := range path {
		for _, x := range d {
			w = append(w, Lift(x))
		}
	}
	return w
}

func testTree(t testing.TB, depth int) *hash.MerkleTree {
	leaves := make([]hash.Digest, 1<<uint(depth))
	for i := range leaves {
		leaves[i] = hash.HashBytes([]byte{byte(i), byte(i >> 8)})
	}
	tree, err := hash.NewMerkleTree(leaves)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func TestMerklePath(t *testing.T) {
	const depth, index = 5, 22
	tree := testTree(t, depth)
	prog := merkleProgram(t, depth)
	root := tree.Root()
	s := statement{prog, root[:], merkleWitness(tree.Leaf(index), index, tree.Proof(index))}
	if err := s.proveAndVerify(t, nil, nil); err != nil {
		t.Fatal(err)
	}

	// A wrong sibling: the program's root check fails at generation.
	path := tree.Proof(index)
	path[2][3].SetUint64(99)
	bad := statement{prog, root[:], merkleWitness(tree.Leaf(index), index, path)}
	if _, err := prog.Execute(bad.public, bad.witness); !errors.Is(err, ErrAssertion) {
		t.Fatalf("wrong sibling: got %v", err)
	}
	// A prover that writes the true root as the last compression's output anyway: the row no
	// longer holds a permutation, and the Poseidon2 bus does not balance.
	last := -1
	for k, in := range prog.instrs {
		if in.chip == chipPoseidon2 {
			last = k
		}
	}
	forge := func(k int, _ chipKind, row []F) {
		if k == last {
			copy(row[Width:], root[:])
		}
	}
	if _, _, err := bad.prove(t, nil, forge); !errors.Is(err, stark.ErrUnbalancedBus) {
		t.Fatalf("forged root: got %v", err)
	}
	// An index with a bit above the path.
	big := statement{prog, root[:], merkleWitness(tree.Leaf(index), index+1<<depth, tree.Proof(index))}
	if _, err := prog.Execute(big.public, big.witness); !errors.Is(err, ErrAssertion) {
		t.Fatalf("index out of range: got %v", err)
	}
}
