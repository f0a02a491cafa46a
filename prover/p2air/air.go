package p2air

import (
	"errors"
	"fmt"
	"sync"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/stark"
)

// MaxMult is the declared bound of a row's multiplicity (see the package documentation).
const MaxMult = 1 << 7

// ErrWidth means a width other than 16 or 24.
var ErrWidth = errors.New("p2air: width must be 16 or 24")

// F is a KoalaBear element (prover/hash and prover/stark use the same type).
type F = hash.Element

// params is one width's permutation as the chip constrains it: prover/hash's round keys (gnark-
// crypto's, in Montgomery form like every F) and internal diagonal, and the column layout.
type params struct {
	width, partial int
	full           [hash.FullRounds][]F // round keys of the full rounds, W each
	part           []F                  // round key of element 0 in each partial round
	diag           []F                  // internal matrix = all-ones + diag(diag)
}

var widths = sync.OnceValues(func() (*params, *params) {
	p16, p24 := hash.Parameters()
	d16, d24 := hash.InternalDiagonal16(), hash.InternalDiagonal24()
	return newParams(16, hash.PartialRounds16, p16.RoundKeys, d16[:]), newParams(24, hash.PartialRounds24, p24.RoundKeys, d24[:])
})

func newParams(width, partial int, keys [][]F, diag []F) *params {
	p := &params{width: width, partial: partial, diag: diag}
	half := hash.FullRounds / 2
	for r := 0; r < half; r++ {
		p.full[r] = keys[r]
		p.full[half+r] = keys[half+partial+r]
	}
	for r := 0; r < partial; r++ {
		p.part = append(p.part, keys[half+r][0])
	}
	return p
}

func paramsFor(width int) (*params, error) {
	p16, p24 := widths()
	switch width {
	case 16:
		return p16, nil
	case 24:
		return p24, nil
	}
	return nil, fmt.Errorf("%w: got %d", ErrWidth, width)
}

// Column layout (package documentation): in, the full rounds' states (the last one is out), the
// partial rounds' S-box outputs between rounds 3 and 4, then mult.
func (p *params) inCol() int { return 0 }
func (p *params) fullCol(r int) int {
	c := p.width * (1 + r)
	if r >= hash.FullRounds/2 {
		c += p.partial
	}
	return c
}
func (p *params) partialCol() int { return p.fullCol(hash.FullRounds/2-1) + p.width }
func (p *params) outCol() int     { return p.fullCol(hash.FullRounds - 1) }
func (p *params) multCol() int    { return p.outCol() + p.width }
func (p *params) numCols() int    { return p.multCol() + 1 }

// NumColumns is the number of main columns of the chip for width (165 for 16, 240 for 24).
func NumColumns(width int) (int, error) {
	p, err := paramsFor(width)
	if err != nil {
		return 0, err
	}
	return p.numCols(), nil
}

// Table declares the chip for width 16 or 24, receiving (in, out) on bus (see Message).
func Table(name string, width int, bus stark.BusID) (*stark.Table, error) {
	p, err := paramsFor(width)
	if err != nil {
		return nil, err
	}
	W := p.width
	t := stark.NewTable(name)
	in := curs(t.Columns("in", W))
	var full [hash.FullRounds][]stark.Column
	for r := 0; r < hash.FullRounds/2; r++ {
		full[r] = t.Columns(fmt.Sprintf("full%d", r), W)
	}
	partial := t.Columns("partial", p.partial)
	for r := hash.FullRounds / 2; r < hash.FullRounds-1; r++ {
		full[r] = t.Columns(fmt.Sprintf("full%d", r), W)
	}
	full[hash.FullRounds-1] = t.Columns("out", W)
	mult := t.Column("mult")

	// s is the state as a linear form in committed columns; each S-box output is pinned to a column.
	s := externalExpr(in)
	for r := 0; r < hash.FullRounds; r++ {
		if r == hash.FullRounds/2 {
			s = p.partialRounds(t, curs(full[r-1]), partial)
		}
		cubes := make([]stark.Expr, W)
		for i := range s {
			cubes[i] = cube(s[i].Add(stark.ConstF(p.full[r][i])))
		}
		next := externalExpr(cubes)
		for i, c := range full[r] {
			t.AssertZero(fmt.Sprintf("full round %d, element %d", r, i), c.Cur().Sub(next[i]))
		}
		s = curs(full[r])
	}
	msg, err := Message(in, curs(full[hash.FullRounds-1]))
	if err != nil {
		return nil, err
	}
	t.ReceiveMany(bus, mult.Cur(), MaxMult, msg...)
	return t, nil
}

// Message is the tuple a sender puts on the chip's bus to ask for out = Permute_W(in): in‖out,
// W = 16 or 24.
func Message(in, out []stark.Expr) ([]stark.Expr, error) {
	if len(in) != len(out) {
		return nil, fmt.Errorf("%w: input of %d elements, output of %d", ErrWidth, len(in), len(out))
	}
	if _, err := paramsFor(len(in)); err != nil {
		return nil, err
	}
	return append(append(make([]stark.Expr, 0, 2*len(in)), in...), out...), nil
}

// partialRounds constrains the partial rounds that follow the state in and returns the state
// after them. The state is tracked as explicit coefficients over (in, partial columns) and each
// expression is written out flat: prover/stark compiles an expression by walking it as a tree, so
// the nested internal layers, written as a DAG, would expand exponentially in the round count.
// (With a per-node memo in the compiler, the DAG would compile to about a third fewer
// instructions: 3675 against 5699 at width 24, 2307 against 3392 at width 16.)
func (p *params) partialRounds(t *stark.Table, in []stark.Expr, partial []stark.Column) []stark.Expr {
	W := p.width
	vars := append(append([]stark.Expr(nil), in...), curs(partial)...)
	state := make([][]F, W)
	for i := range state {
		state[i] = make([]F, len(vars))
		state[i][i].SetOne()
	}
	for j, c := range partial {
		x := linear(vars, state[0]).Add(stark.ConstF(p.part[j]))
		t.AssertZero(fmt.Sprintf("partial round %d", j), c.Cur().Sub(cube(x)))
		clear(state[0])
		state[0][W+j].SetOne()
		// The internal layer (all-ones + diag) on each variable's coefficients.
		for k := range vars {
			var sum F
			for i := range state {
				sum.Add(&sum, &state[i][k])
			}
			for i := range state {
				state[i][k].Mul(&state[i][k], &p.diag[i]).Add(&state[i][k], &sum)
			}
		}
	}
	out := make([]stark.Expr, W)
	for i := range out {
		out[i] = linear(vars, state[i])
	}
	return out
}

// linear is Σ coef[k]·vars[k], with unit coefficients as plain additions.
func linear(vars []stark.Expr, coef []F) stark.Expr {
	var acc stark.Expr
	first := true
	for k, c := range coef {
		if c.IsZero() {
			continue
		}
		term := vars[k]
		if !c.IsOne() {
			term = term.Mul(stark.ConstF(c))
		}
		if first {
			acc, first = term, false
		} else {
			acc = acc.Add(term)
		}
	}
	return acc
}

func curs(cs []stark.Column) []stark.Expr {
	out := make([]stark.Expr, len(cs))
	for i, c := range cs {
		out[i] = c.Cur()
	}
	return out
}

func cube(x stark.Expr) stark.Expr { return x.Mul(x).Mul(x) }

// externalExpr is hash's external layer circ(2·M4, M4, …) on expressions: M4 on each chunk of four,
// then each element adds the sum of its position over all chunks.
func externalExpr(s []stark.Expr) []stark.Expr {
	t := make([]stark.Expr, len(s))
	for i := 0; i < len(s); i += 4 {
		a, b, c, d := s[i], s[i+1], s[i+2], s[i+3]
		ab, cd := a.Add(b), c.Add(d)
		abcd := ab.Add(cd)
		t[i] = abcd.Add(ab).Add(b)         // 2a + 3b + c + d
		t[i+1] = abcd.Add(b).Add(c).Add(c) // a + 2b + 3c + d
		t[i+2] = abcd.Add(cd).Add(d)       // a + b + 2c + 3d
		t[i+3] = abcd.Add(a).Add(a).Add(d) // 3a + b + c + 2d
	}
	col := [4]stark.Expr{t[0], t[1], t[2], t[3]}
	for i := 4; i < len(t); i++ {
		col[i&3] = col[i&3].Add(t[i])
	}
	out := make([]stark.Expr, len(s))
	for i := range t {
		out[i] = t[i].Add(col[i&3])
	}
	return out
}
