package p2air

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/stark"
)

// ErrInput means Trace was given a malformed request list.
var ErrInput = errors.New("p2air: malformed trace request")

const (
	// minRows is prover/stark's smallest table.
	minRows = 4
	// maxRows is the tallest table prover/stark can commit at blowup 2 (KoalaBear's two-adicity is
	// 24); at MaxMult per row its receives stay below p.
	maxRows = 1 << 23
)

// Trace builds the chip's trace for width 16 or 24. inputs are the states whose permutations the
// senders ask for, mult[i] how many times inputs[i] is asked for (nil: once each; 0: not at all).
// Requests of the same input are merged into one row with the summed multiplicity, split over
// several rows where it exceeds MaxMult; rows follow the order of first request and are padded
// with permutations of the zero state and mult 0 to a power of two, at least minHeight (which
// prover/stark needs to be at least 1 << params.LogFinalPolyLen, and 4).
func Trace(width int, inputs [][]F, mult []uint64, minHeight int) (*stark.Matrix, error) {
	p, err := paramsFor(width)
	if err != nil {
		return nil, err
	}
	if mult != nil && len(mult) != len(inputs) {
		return nil, fmt.Errorf("%w: %d inputs but %d multiplicities", ErrInput, len(inputs), len(mult))
	}
	first, counts, err := dedup(width, inputs, mult)
	if err != nil {
		return nil, err
	}
	type row struct {
		in   []F
		mult uint64
	}
	var plan []row
	for d, c := range counts {
		if c/MaxMult >= maxRows {
			return nil, fmt.Errorf("%w: more than %d rows", ErrInput, maxRows)
		}
		for ; c > 0; c -= min(c, MaxMult) {
			plan = append(plan, row{inputs[first[d]], min(c, MaxMult)})
		}
		if len(plan) > maxRows {
			return nil, fmt.Errorf("%w: more than %d rows", ErrInput, maxRows)
		}
	}
	if minHeight > maxRows {
		return nil, fmt.Errorf("%w: minimum height %d above %d", ErrInput, minHeight, maxRows)
	}
	n := minRows
	for n < len(plan) || n < minHeight {
		n <<= 1
	}
	m := stark.NewMatrix(p.numCols(), n)
	pad := make([]F, p.numCols())
	p.permuteRow(pad)
	// Rows are computed into a row-major block and written out a column at a time: writing each row
	// straight into its ~200 columns misses the cache on every cell.
	const block = 32
	w := p.numCols()
	parallelRows(n, func(lo, hi int) {
		buf := make([]F, block*w)
		for b := lo; b < hi; b += block {
			e := min(hi, b+block)
			for r := b; r < e; r++ {
				row := buf[(r-b)*w : (r-b+1)*w]
				if r >= len(plan) {
					copy(row, pad)
					continue
				}
				copy(row, plan[r].in)
				p.permuteRow(row)
				row[p.multCol()].SetUint64(plan[r].mult)
			}
			for c := range w {
				col := m.Cols[c][b:e]
				for j := range col {
					col[j] = buf[j*w+c]
				}
			}
		}
	})
	return m, nil
}

// dedup returns, for each distinct input in order of first request, the index of its first
// request and its total multiplicity.
func dedup(width int, inputs [][]F, mult []uint64) (first []int, counts []uint64, err error) {
	index := make(map[[24]uint32]int, len(inputs))
	for i, in := range inputs {
		if len(in) != width {
			return nil, nil, fmt.Errorf("%w: input %d has %d elements, want %d", ErrInput, i, len(in), width)
		}
		m := uint64(1)
		if mult != nil {
			m = mult[i]
		}
		var key [24]uint32
		for j := range in {
			// Element holds its Montgomery form, which is below p exactly when it is canonical.
			if in[j][0] >= hash.Modulus {
				return nil, nil, fmt.Errorf("%w: input %d, element %d: %w", ErrInput, i, j, hash.ErrNonCanonical)
			}
			key[j] = in[j][0]
		}
		if m == 0 {
			continue
		}
		d, ok := index[key]
		if !ok {
			d = len(first)
			index[key] = d
			first = append(first, i)
			counts = append(counts, 0)
		}
		if counts[d] > math.MaxUint64-m {
			return nil, nil, fmt.Errorf("%w: multiplicity of input %d overflows", ErrInput, i)
		}
		counts[d] += m
	}
	return first, counts, nil
}

// parallelRows runs f over [0, n) in contiguous chunks on GOMAXPROCS goroutines.
func parallelRows(n int, f func(lo, hi int)) {
	const minChunk = 64
	workers := runtime.GOMAXPROCS(0)
	if workers == 1 || n <= minChunk {
		f(0, n)
		return
	}
	chunk := max(minChunk, (n+4*workers-1)/(4*workers))
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += chunk {
		hi := min(n, lo+chunk)
		wg.Go(func() { f(lo, hi) })
	}
	wg.Wait()
}

// permuteRow fills a row whose first W cells hold the input: the states after each full round
// and the partial rounds' S-box outputs, in the column layout. It computes prover/hash's
// permutation round by round (the tests check it against hash.Permute16/Permute24).
func (p *params) permuteRow(row []F) {
	var buf [24]F
	s := buf[:p.width]
	copy(s, row[p.inCol():p.inCol()+p.width])
	external(s)
	for r := 0; r < hash.FullRounds; r++ {
		if r == hash.FullRounds/2 {
			out := row[p.partialCol():]
			for j := range p.partial {
				s[0].Add(&s[0], &p.part[j])
				cubeInPlace(&s[0])
				out[j] = s[0]
				internal(s, p.diag)
			}
		}
		for i := range s {
			s[i].Add(&s[i], &p.full[r][i])
			cubeInPlace(&s[i])
		}
		external(s)
		copy(row[p.fullCol(r):], s)
	}
}

func cubeInPlace(x *F) {
	var sq F
	sq.Square(x)
	x.Mul(x, &sq)
}

// external is hash's external layer circ(2·M4, M4, …), the same as externalExpr on values.
func external(s []F) {
	var t [24]F
	for i := 0; i < len(s); i += 4 {
		var ab, cd, abcd F
		ab.Add(&s[i], &s[i+1])
		cd.Add(&s[i+2], &s[i+3])
		abcd.Add(&ab, &cd)
		t[i].Add(&abcd, &ab).Add(&t[i], &s[i+1])                               // 2a + 3b + c + d
		t[i+1].Add(&abcd, &s[i+1]).Add(&t[i+1], &s[i+2]).Add(&t[i+1], &s[i+2]) // a + 2b + 3c + d
		t[i+2].Add(&abcd, &cd).Add(&t[i+2], &s[i+3])                           // a + b + 2c + 3d
		t[i+3].Add(&abcd, &s[i]).Add(&t[i+3], &s[i]).Add(&t[i+3], &s[i+3])     // 3a + b + c + 2d
	}
	col := [4]F{t[0], t[1], t[2], t[3]}
	for i := 4; i < len(s); i++ {
		col[i&3].Add(&col[i&3], &t[i])
	}
	for i := range s {
		s[i].Add(&t[i], &col[i&3])
	}
}

// internal is hash's internal layer (all-ones + diag), the same as internalExpr on values.
func internal(s, diag []F) {
	var sum F
	for i := range s {
		sum.Add(&sum, &s[i])
	}
	for i := range s {
		s[i].Mul(&s[i], &diag[i]).Add(&s[i], &sum)
	}
}
