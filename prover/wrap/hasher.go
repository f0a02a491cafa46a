package wrap

import (
	"fmt"
	"math/big"

	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/std/permutation/poseidon2"
	"github.com/zkexex/zkexex/prover/hash"
)

// Hasher is prover/hash's BN254 hash inside a circuit.
type Hasher struct {
	api  frontend.API
	perm *poseidon2.Permutation
}

// NewHasher returns the hasher for api, whose field must be BN254's scalar field.
func NewHasher(api frontend.API) (*Hasher, error) {
	perm, err := poseidon2.NewPoseidon2FromParameters(api, hash.BN254Width, hash.BN254FullRounds, hash.BN254PartialRounds)
	if err != nil {
		return nil, fmt.Errorf("wrap: Poseidon2-BN254 gadget: %w", err)
	}
	return &Hasher{api: api, perm: perm}, nil
}

// Permute applies the width-3 permutation in place (hash.PermuteBN254).
func (h *Hasher) Permute(s *[hash.BN254Width]frontend.Variable) {
	// The gadget's only error is a state of the wrong width, which the array type excludes.
	_ = h.perm.Permutation(s[:])
}

// pow2 is 2^k as a constant.
func pow2(k int) *big.Int { return new(big.Int).Lsh(big.NewInt(1), uint(k)) }

// Pack is hash.PackBN254 (counted: hash.PackBN254Counted): Σ v_i·2^(31·i) [+ n·2^248], a linear
// combination, so it costs no constraint. The values must be canonical KoalaBear elements.
func (h *Hasher) Pack(vs []frontend.Variable, counted bool) frontend.Variable {
	if len(vs) > hash.BN254PackedElements {
		panic(fmt.Sprintf("wrap: packing %d values into one element", len(vs)))
	}
	var acc frontend.Variable = 0
	if counted {
		acc = new(big.Int).Mul(big.NewInt(int64(len(vs))), pow2(248))
	}
	for i, v := range vs {
		acc = h.api.Add(acc, h.api.Mul(v, pow2(31*i)))
	}
	return acc
}

// HashElements is hash.HashElementsBN254.
func (h *Hasher) HashElements(vs []frontend.Variable) frontend.Variable {
	key := hash.BN254ElementsKey(len(vs))
	s := [hash.BN254Width]frontend.Variable{0, 0, key}
	m := (len(vs) + hash.BN254PackedElements - 1) / hash.BN254PackedElements
	pack := func(i int) frontend.Variable {
		lo := i * hash.BN254PackedElements
		return h.Pack(vs[lo:min(lo+hash.BN254PackedElements, len(vs))], false)
	}
	if m == 0 {
		h.Permute(&s)
	}
	for done := 0; done < m; done += hash.BN254Rate {
		s[0] = pack(done)
		s[1] = 0
		if done+1 < m {
			s[1] = pack(done + 1)
		}
		h.Permute(&s)
	}
	return s[0]
}

// Compress is hash.CompressBN254: the first element of the permutation of (left, right, 0).
func (h *Hasher) Compress(left, right frontend.Variable) frontend.Variable {
	s := [hash.BN254Width]frontend.Variable{left, right, 0}
	h.Permute(&s)
	return s[0]
}

// MerkleOpening is one opening of a stark commitment (stark.BatchOpeningOf) as circuit variables,
// with the shape the verifier knows beforehand.
type MerkleOpening struct {
	// Rows holds one row per committed matrix, in commitment order.
	Rows [][]frontend.Variable
	// Path holds the siblings, leaf level first.
	Path []frontend.Variable
}

// OpeningRoot recomputes the root of a multi-height commitment from an opening, as stark's
// verifier does: the rows of the tallest matrices (log height len(Path)) are hashed into the
// leaf; at each level, after the compression with the sibling, the rows of the matrices as tall
// as that level are hashed and compressed in. logHeights gives each matrix's log height (the
// tallest must equal len(Path)); indexBits are the leaf index's bits, low first, each already
// constrained to be boolean.
func (h *Hasher) OpeningRoot(o *MerkleOpening, logHeights []int, indexBits []frontend.Variable) (frontend.Variable, error) {
	if len(o.Rows) != len(logHeights) || len(o.Rows) == 0 {
		return nil, fmt.Errorf("wrap: %d rows for %d matrices", len(o.Rows), len(logHeights))
	}
	maxLogH := 0
	for _, l := range logHeights {
		maxLogH = max(maxLogH, l)
	}
	if len(o.Path) != maxLogH || len(indexBits) < maxLogH {
		return nil, fmt.Errorf("wrap: path of %d nodes and %d index bits for height 2^%d", len(o.Path), len(indexBits), maxLogH)
	}
	rowsAt := func(l int) []frontend.Variable {
		var buf []frontend.Variable
		for i, lh := range logHeights {
			if lh == l {
				buf = append(buf, o.Rows[i]...)
			}
		}
		return buf
	}
	node := h.HashElements(rowsAt(maxLogH))
	for lvl := 0; lvl < maxLogH; lvl++ {
		// One selection a level: the right input is the sum of both less the left one.
		b := indexBits[lvl]
		left := h.api.Select(b, o.Path[lvl], node)
		right := h.api.Sub(h.api.Add(node, o.Path[lvl]), left)
		node = h.Compress(left, right)
		if inj := rowsAt(maxLogH - lvl - 1); len(inj) > 0 {
			node = h.Compress(node, h.HashElements(inj))
		}
	}
	return node, nil
}
