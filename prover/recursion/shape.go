package recursion

import (
	"errors"
	"fmt"
	"slices"
)

// ErrProgramShape: a program does not fit a shape, or a shape is malformed.
var ErrProgramShape = errors.New("recursion: program does not fit the shape")

// Shape is the log2 heights of a recursion AIR's tables, in AIR order: one per chip, then the two
// Poseidon2 permutation tables, whose heights are those of their I/O chips (poseidon2_io,
// poseidon2_24_io: a permutation table holds at most one row per I/O row). A compiled program
// fixes its shape, so a recursion verifying key fixes the shape of its proofs, and a verifier of
// recursion proofs can be built for a shape before any proof exists. Programs that must verify
// one another (lift and join) are compiled to one common shape.
type Shape []int

// NumTables is the number of tables of the recursion AIR.
const NumTables = int(numChips) + 2

// Shape is the program's table heights.
func (p *Program) Shape() Shape {
	s := make(Shape, NumTables)
	for c := range numChips {
		s[c] = p.logRows[c]
	}
	s[numChips] = p.logRows[chipPoseidon2]
	s[numChips+1] = p.logRows[chipPoseidon2x24]
	return s
}

// Max is the smallest shape that both s and o fit.
func (s Shape) Max(o Shape) Shape {
	out := slices.Clone(s)
	for i := range out {
		out[i] = max(out[i], o[i])
	}
	return out
}

func (s Shape) check() error {
	if len(s) != NumTables {
		return fmt.Errorf("%w: %d heights for %d tables", ErrProgramShape, len(s), NumTables)
	}
	for i, h := range s {
		if h < minLogRows || h > maxLogRows {
			return fmt.Errorf("%w: table %d height 2^%d", ErrProgramShape, i, h)
		}
	}
	if s[numChips] != s[chipPoseidon2] || s[numChips+1] != s[chipPoseidon2x24] {
		return fmt.Errorf("%w: permutation tables of 2^%d and 2^%d rows for I/O tables of 2^%d and 2^%d", ErrProgramShape,
			s[numChips], s[numChips+1], s[chipPoseidon2], s[chipPoseidon2x24])
	}
	return nil
}

// maxLogRows bounds a recursion table: its memory sends total below p (MaxReads per write).
const maxLogRows = 22
