package recursion

import (
	"github.com/zkexex/zkexex/prover/stark"
)

// ChildOpening is one child table's opened values as program variables, laid out as
// stark.TableOpening: [0] at ζ, [1] at ζ·ω, one extension value per committed base column.
// Quot[1] is not read by the constraint check (the DEEP step uses it).
type ChildOpening struct {
	Pre, Main, Perm, Quot [2][]Ext
}

// ChildChallenges are the child proof's verifier challenges the constraint check reads.
type ChildChallenges struct {
	Beta, Gamma, Alpha, Zeta Ext
}

// ConstraintCheck asserts stark.Verify's out-of-domain identity for one child table of height
// 2^logN: the table's compiled constraint program (view) run on the openings, one ext_alu
// instruction per program op, its outputs folded by powers of α per selector, and
//
//	C_every + Z_H(ζ)/(ζ-1)·C_first + Z_H(ζ)/(ζ-ω⁻¹)·C_last + (ζ-ω⁻¹)·C_transition = Z_H(ζ)·Σ_r Q_r(ζ)·ζ^{n·r}
//
// with Z_H(ζ) = ζ^n - 1 by logN squarings. The divisions are ExtInv instructions, so a ζ at which
// a selector is undefined (ζ = 1 or ω⁻¹, which stark's ζ outside F excludes) has no trace.
// public holds the child's public values, sum the table's claimed LogUp total. A shape that does
// not match view is a builder error (ErrProgram).
func (b *Builder) ConstraintCheck(view *stark.ConstraintView, logN int, o *ChildOpening, public []Felt, sum Ext, ch ChildChallenges) {
	w, err := stark.RowGenerator(logN)
	if err != nil {
		b.fail("child table %s: %v", view.Name, err)
		return
	}
	if !b.openingShape(view, o, len(public)) {
		return
	}
	slots := make([]Ext, view.NumSlots)
	for pt, next := range []bool{false, true} {
		for c := range view.Width {
			slots[view.MainSlot(c, next)] = o.Main[pt][c]
		}
		for c := range view.PreWidth {
			slots[view.PreSlot(c, next)] = o.Pre[pt][c]
		}
		for k := range view.NumPerm {
			slots[view.PermSlot(k, next)] = b.packComponents(o.Perm[pt][4*k : 4*k+4])
		}
	}
	for j := range view.NumPublic {
		slots[view.PubSlot(j)] = b.Lift(public[j])
	}
	for j, c := range view.Consts {
		slots[view.ConstSlot(j)] = b.Lift(b.Const(c))
	}
	if view.NumChal > 0 {
		slots[view.ChalSlot(0)] = ch.Beta
		copy(slots[view.ChalSlot(1):], b.extPowers(ch.Gamma, view.NumChal)[1:])
	}
	slots[view.SumSlot()] = sum
	for _, in := range view.Ops {
		x, y := slots[in.A], slots[in.B]
		switch in.Op {
		case stark.OpAdd:
			slots[in.Dst] = b.ExtAdd(x, y)
		case stark.OpSub:
			slots[in.Dst] = b.ExtSub(x, y)
		case stark.OpMul:
			slots[in.Dst] = b.ExtMul(x, y)
		default:
			b.fail("child table %s: op %d", view.Name, in.Op)
			return
		}
	}

	// Fold the constraints by α^k, k their index among all outputs, into one sum per selector.
	var g [4]Ext
	apow := b.extPowers(ch.Alpha, len(view.Outputs))
	for k, s := range view.Outputs {
		term := slots[s]
		if k > 0 {
			term = b.ExtMul(term, apow[k])
		}
		sel := view.Selectors[k]
		if g[sel].id == 0 {
			g[sel] = term
		} else {
			g[sel] = b.ExtAdd(g[sel], term)
		}
	}
	// A selector no constraint uses adds nothing (stark's verifier adds its zero term).
	one := b.ConstExt(liftF(feU(1)))
	zn := b.extSquarings(ch.Zeta, logN)[logN]
	zh := b.ExtSub(zn, one)
	var wInv F
	wInv.Inverse(&w)
	zmw := b.ExtSub(ch.Zeta, b.Lift(b.Const(wInv)))
	lhs := g[stark.EveryRow]
	add := func(term Ext) {
		if lhs.id == 0 {
			lhs = term
		} else {
			lhs = b.ExtAdd(lhs, term)
		}
	}
	if g[stark.FirstRow].id != 0 {
		add(b.ExtMul(b.ExtDiv(zh, b.ExtSub(ch.Zeta, one)), g[stark.FirstRow]))
	}
	if g[stark.LastRow].id != 0 {
		add(b.ExtMul(b.ExtDiv(zh, zmw), g[stark.LastRow]))
	}
	if g[stark.Transition].id != 0 {
		add(b.ExtMul(zmw, g[stark.Transition]))
	}

	// Σ_r Q_r(ζ)·(ζ^n)^r by Horner from the highest chunk.
	chunks := view.QuotientChunks
	q := b.packComponents(o.Quot[0][4*(chunks-1) : 4*chunks])
	for r := chunks - 2; r >= 0; r-- {
		q = b.ExtAdd(b.ExtMul(q, zn), b.packComponents(o.Quot[0][4*r:4*r+4]))
	}
	if lhs.id == 0 {
		lhs = b.ConstExt(E{})
	}
	b.AssertEqExt(lhs, b.ExtMul(zh, q))
}

// packComponents is an E-valued column's value at a point from its four base columns' values
// there (stark.ExtBasis): c_0 + Σ_{j≥1} c_j·basis_j, the first basis element being one.
func (b *Builder) packComponents(c []Ext) Ext {
	basis := stark.ExtBasis()
	acc := c[0]
	for j := 1; j < 4; j++ {
		acc = b.ExtAdd(acc, b.ExtMul(c[j], b.ConstExt(basis[j])))
	}
	return acc
}

// openingShape checks o and the public values against view, failing the builder if they differ.
func (b *Builder) openingShape(view *stark.ConstraintView, o *ChildOpening, numPublic int) bool {
	for pt := range 2 {
		for _, c := range []struct {
			what      string
			want, got int
		}{
			{"preprocessed", view.PreWidth, len(o.Pre[pt])},
			{"main", view.Width, len(o.Main[pt])},
			{"LogUp", 4 * view.NumPerm, len(o.Perm[pt])},
		} {
			if c.want != c.got {
				b.fail("child table %s: %d %s values at point %d, want %d", view.Name, c.got, c.what, pt, c.want)
				return false
			}
		}
	}
	if len(o.Quot[0]) != 4*view.QuotientChunks || view.QuotientChunks == 0 {
		b.fail("child table %s: %d quotient values, want %d", view.Name, len(o.Quot[0]), 4*view.QuotientChunks)
		return false
	}
	if numPublic != view.NumPublic {
		b.fail("child table %s: %d public values, want %d", view.Name, numPublic, view.NumPublic)
		return false
	}
	return true
}

// extPowers is x^0 .. x^(n-1), the powers computed once per builder and shared by every caller
// (the child's tables all fold by the same α and read the same γ powers). x^0 is the constant 1.
func (b *Builder) extPowers(x Ext, n int) []Ext {
	if b.powers == nil {
		b.powers = map[int32][]Ext{}
	}
	p := b.powers[x.id]
	if len(p) == 0 {
		p = []Ext{b.ConstExt(liftF(feU(1))), x}
	}
	for len(p) < n {
		p = append(p, b.ExtMul(p[len(p)-1], x))
	}
	b.powers[x.id] = p
	return p[:n]
}

// extSquarings is x^(2^0) .. x^(2^k), shared like extPowers (tables of equal height share ζ^n).
func (b *Builder) extSquarings(x Ext, k int) []Ext {
	if b.squares == nil {
		b.squares = map[int32][]Ext{}
	}
	s := b.squares[x.id]
	if len(s) == 0 {
		s = []Ext{x}
	}
	for len(s) <= k {
		s = append(s, b.ExtMul(s[len(s)-1], s[len(s)-1]))
	}
	b.squares[x.id] = s
	return s[:k+1]
}
