package recursion

import (
	"errors"
	"fmt"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/p2air"
	"github.com/zkexex/zkexex/prover/stark"
)

// Errors of Execute: the witness does not satisfy the program.
var (
	ErrAssertion    = errors.New("recursion: assertion fails")
	ErrInverseZero  = errors.New("recursion: inverse of zero")
	ErrNotBoolean   = errors.New("recursion: select or swap bit not boolean")
	ErrWitness      = errors.New("recursion: malformed witness")
	ErrPublicValues = errors.New("recursion: wrong number of public values")
)

// Program is a compiled recursion program: its instructions, every address's read count, and the
// tables' heights. Its preprocessed tables (AIR) are part of the recursion verifying key.
type Program struct {
	instrs    []instr
	mult      []uint32 // per address: reads, the multiplicity of its write
	kinds     []kind   // per address
	witness   []kind
	numPublic int
	rows      [numChips]int
	logRows   [numChips]int
}

// NumPublic is the number of public values a proof of the program takes.
func (p *Program) NumPublic() int { return p.numPublic }

// Rows is the number of instructions (unpadded rows) of each chip, by table name.
func (p *Program) Rows() map[string]int {
	out := map[string]int{}
	for c := range numChips {
		out[c.String()] = p.rows[c]
	}
	return out
}

// AIR declares the machine's tables with the program's preprocessed columns: the statement
// "this program runs to completion on some witness, with these public values".
func (p *Program) AIR(name string) (*stark.AIR, error) { return p.air(name, nil) }

func (p *Program) air(name string, omit map[string]map[string]bool) (*stark.AIR, error) {
	ts, err := tables(p.numPublic, p.preprocessed(), omit)
	if err != nil {
		return nil, err
	}
	return stark.NewAIR(name, p.numPublic, ts...)
}

func setU(m *stark.Matrix, row, col int, v uint32) { m.SetUint(row, col, uint64(v)) }

func setBool(m *stark.Matrix, row, col int, b bool) {
	if b {
		m.SetUint(row, col, 1)
	}
}

// preprocessed fills each chip's preprocessed matrix: addresses, multiplicities and flags.
func (p *Program) preprocessed() [numChips]*stark.Matrix {
	var m [numChips]*stark.Matrix
	for c := range numChips {
		m[c] = stark.NewMatrix(preWidth(c, p.numPublic), 1<<uint(p.logRows[c]))
	}
	for _, in := range p.instrs {
		t, r := m[in.chip], in.row
		switch in.chip {
		case chipInit:
			for k, a := range in.out {
				cell, n := k, 1
				if !in.base {
					cell, n = 4*k, 4
					setU(t, r, initMultExt+k, p.mult[a])
				} else {
					setU(t, r, initMult+k, p.mult[a])
				}
				setU(t, r, initAddr+cell, a)
				if s := in.slots[k]; s.konst {
					for j, v := range coeffsSlice(&s.c)[:n] {
						t.SetUint(r, initIsConst+cell+j, 1)
						t.Set(r, initConst+cell+j, v)
					}
				}
			}
		case chipBaseALU, chipExtALU:
			setU(t, r, aluAddrA, in.in[0])
			setU(t, r, aluAddrB, in.in[1])
			setBool(t, r, aluMultA, in.op != opInv)
			setBool(t, r, aluMultB, in.op != opCopy)
			if len(in.out) > 0 {
				setU(t, r, aluAddrOut, in.out[0])
				setU(t, r, aluMultOut, p.mult[in.out[0]])
			}
			t.SetUint(r, aluFlag0+int(in.op), 1)
		case chipSelect:
			for j := range 3 {
				setU(t, r, selAddrBit+j, in.in[j])
			}
			for j := range 2 {
				setU(t, r, selAddrOut1+j, in.out[j])
				setU(t, r, selMultOut1+j, p.mult[in.out[j]])
			}
			t.SetUint(r, selIsReal, 1)
		case chipPoseidon2, chipPoseidon2x24:
			w, n := p2Ports(in.chip)
			for j := range w {
				setU(t, r, j, in.in[j])
			}
			for j := range n {
				setU(t, r, w+j, in.out[j])
				setU(t, r, w+n+j, p.mult[in.out[j]])
			}
			t.SetUint(r, w+2*n, 1)
			if len(in.in) > w {
				setU(t, r, w+2*n+1, in.in[w])
				t.SetUint(r, w+2*n+2, 1)
			}
			if in.chip == chipPoseidon2 && in.adv == nil {
				t.SetUint(r, w+2*n+3, 1)
			}
		case chipBits:
			setU(t, r, bitsAddrX, in.in[0])
			t.SetUint(r, bitsIsReal, 1)
			for j := range NumBits {
				setU(t, r, bitsAddrBit+j, in.out[j])
				setU(t, r, bitsMultBit+j, p.mult[in.out[j]])
			}
		case chipPublic:
			setU(t, r, 0, in.out[0])
			setU(t, r, 1, p.mult[in.out[0]])
			t.SetUint(r, 2+in.index, 1)
		case chipLimbs:
			ext, limbs := in.out, in.in
			if len(in.in) == 1 {
				ext, limbs = in.in, in.out
				t.SetUint(r, limbsReadExt, 1)
				for j := range 4 {
					setU(t, r, limbsMultLimb+j, p.mult[limbs[j]])
				}
			} else {
				t.SetUint(r, limbsReadLimbs, 1)
				setU(t, r, limbsMultExt, p.mult[ext[0]])
			}
			setU(t, r, limbsAddrExt, ext[0])
			for j := range 4 {
				setU(t, r, limbsAddrLimb+j, limbs[j])
			}
		case chipHorner:
			if in.hasAcc {
				setU(t, r, hornAddrAcc, in.in[0])
				t.SetUint(r, hornHasAcc, 1)
			}
			setU(t, r, hornAddrAlpha, in.in[1])
			t.SetUint(r, hornIsReal, 1)
			setU(t, r, hornAddrOut, in.out[0])
			setU(t, r, hornMultOut, p.mult[in.out[0]])
			for j := in.lead; j < HornerWidth; j++ {
				setU(t, r, hornAddrF+j, in.in[2+j])
				t.SetUint(r, hornReadF+j, 1)
			}
		}
	}
	return m
}

// forgeFunc lets a test alter an instruction's row (main columns, table order) after it is
// computed and before its outputs are written to memory; runs with a forger skip the checks.
type forgeFunc func(instr int, chip chipKind, row []F)

// Execute runs the program on its public values and witness (one value per Witness/WitnessExt
// call, in order; a base witness must lie in F) and returns the traces of AIR's tables, in order.
// A witness the program rejects (a failing assertion, an inverse of zero, a non-boolean select
// or swap bit) is an error wrapping ErrAssertion, ErrInverseZero or ErrNotBoolean.
func (p *Program) Execute(public []F, witness []E) ([]*stark.Matrix, error) {
	return p.execute(public, witness, nil, nil)
}

func (p *Program) execute(public []F, witness []E, forge forgeFunc, omit map[string]map[string]bool) ([]*stark.Matrix, error) {
	if len(public) != p.numPublic {
		return nil, fmt.Errorf("%w: got %d, want %d", ErrPublicValues, len(public), p.numPublic)
	}
	if len(witness) != len(p.witness) {
		return nil, fmt.Errorf("%w: %d values, want %d", ErrWitness, len(witness), len(p.witness))
	}
	for i, k := range p.witness {
		if k == kindBase && !isBase(&witness[i]) {
			return nil, fmt.Errorf("%w: value %d is not in the base field", ErrWitness, i)
		}
	}
	var traces [numChips]*stark.Matrix
	for c := range numChips {
		traces[c] = stark.NewMatrix(mainWidth(c), 1<<uint(p.logRows[c]))
	}
	mem := make([]E, len(p.kinds))
	var perms [numChips][][]F
	buf := make([]F, max(2*Width24, bitsMain, hornMainWidth))
	for k, in := range p.instrs {
		row := buf[:mainWidth(in.chip)]
		clear(row)
		if err := p.step(&in, row, mem, public, witness, forge == nil); err != nil {
			return nil, fmt.Errorf("instruction %d (%s row %d): %w", k, in.chip, in.row, err)
		}
		if forge != nil {
			forge(k, in.chip, row)
		}
		p.writeBack(&in, row, mem)
		t := traces[in.chip]
		for j, v := range row {
			t.Set(in.row, j, v)
		}
		switch in.chip {
		case chipPoseidon2:
			var s [Width]F
			copy(s[:], row)
			swapHalves(&s, row[2*Width])
			perms[in.chip] = append(perms[in.chip], s[:])
		case chipPoseidon2x24:
			perms[in.chip] = append(perms[in.chip], append([]F(nil), row[:Width24]...))
		}
	}
	out := traces[:]
	for _, c := range []chipKind{chipPoseidon2, chipPoseidon2x24} {
		if omit[c.String()]["permutation"] {
			perms[c] = nil
		}
		// As tall as its I/O table (c's), so that the program fixes every table's height.
		chip, err := p2air.Trace(p2Width(c), perms[c], nil, 1<<uint(p.logRows[c]))
		if err != nil {
			return nil, err
		}
		out = append(out, chip)
	}
	return out, nil
}

// step fills an instruction's row: its inputs read from memory, its outputs computed.
func (p *Program) step(in *instr, row []F, mem []E, public []F, witness []E, check bool) error {
	switch in.chip {
	case chipInit:
		for k, s := range in.slots {
			v := s.c
			if !s.konst {
				v = witness[s.index]
			}
			if in.base {
				row[k] = v.B0.A0
			} else {
				copy(row[4*k:4*k+4], coeffsSlice(&v))
			}
		}
	case chipBaseALU:
		a, b := mem[in.in[0]].B0.A0, mem[in.in[1]].B0.A0
		if in.op == opInv {
			a = F{}
		}
		if in.op == opCopy {
			b = F{}
		}
		var out F
		switch in.op {
		case opAdd:
			out.Add(&a, &b)
		case opSub:
			out.Sub(&a, &b)
		case opMul:
			out.Mul(&a, &b)
		case opInv:
			if b.IsZero() && check {
				return ErrInverseZero
			}
			out.Inverse(&b)
		case opCopy:
			out = a
		case opEq:
			if a != b && check {
				return fmt.Errorf("%w: %s ≠ %s", ErrAssertion, a.String(), b.String())
			}
		}
		row[0], row[1], row[2] = a, b, out
	case chipExtALU:
		a, b := mem[in.in[0]], mem[in.in[1]]
		if in.op == opInv {
			a = E{}
		}
		if in.op == opCopy {
			b = E{}
		}
		var out E
		switch in.op {
		case opAdd:
			out.Add(&a, &b)
		case opSub:
			out.Sub(&a, &b)
		case opMul:
			out.Mul(&a, &b)
		case opInv:
			if b.IsZero() && check {
				return ErrInverseZero
			}
			out.Inverse(&b)
		case opCopy:
			out = a
		case opEq:
			if !a.Equal(&b) && check {
				return fmt.Errorf("%w: %s ≠ %s", ErrAssertion, a.String(), b.String())
			}
		}
		copy(row[0:4], coeffsSlice(&a))
		copy(row[4:8], coeffsSlice(&b))
		copy(row[8:12], coeffsSlice(&out))
	case chipSelect:
		bit, a, b := mem[in.in[0]].B0.A0, mem[in.in[1]].B0.A0, mem[in.in[2]].B0.A0
		if !bit.IsZero() && !bit.IsOne() && check {
			return fmt.Errorf("%w: %s", ErrNotBoolean, bit.String())
		}
		var swap, out1, out2 F
		swap.Sub(&b, &a).Mul(&swap, &bit)
		out1.Add(&a, &swap)
		out2.Sub(&b, &swap)
		row[0], row[1], row[2], row[3], row[4] = bit, a, b, out1, out2
	case chipPoseidon2:
		var s [Width]F
		for i := range s {
			if in.adv != nil && i >= Width/2 {
				s[i] = witness[in.adv[i-Width/2]].B0.A0
			} else {
				s[i] = mem[in.in[i]].B0.A0
			}
			row[i] = s[i]
		}
		if len(in.in) > Width {
			bit := mem[in.in[Width]].B0.A0
			if !bit.IsZero() && !bit.IsOne() && check {
				return fmt.Errorf("%w: %s", ErrNotBoolean, bit.String())
			}
			row[2*Width] = bit
		}
		swapHalves(&s, row[2*Width])
		hash.Permute16(&s)
		copy(row[Width:], s[:])
	case chipPoseidon2x24:
		var s [Width24]F
		for j, a := range in.in {
			start, n := portCells(in.chip, j)
			copy(s[start:start+n], coeffsSlice(&mem[a])[:n])
		}
		copy(row, s[:])
		hash.Permute24(&s)
		copy(row[Width24:], s[:])
	case chipBits:
		x := mem[in.in[0]].B0.A0
		row[0] = x
		v := x.Uint64()
		for i := range NumBits {
			row[1+i].SetUint64(v >> uint(i) & 1)
		}
		top := row[1+NumBits-topBits]
		for k := range topBits - 1 {
			top.Mul(&top, &row[1+NumBits-topBits+1+k])
			row[1+NumBits+k] = top
		}
	case chipPublic:
		row[0] = public[in.index]
	case chipLimbs:
		if len(in.in) == 1 {
			copy(row, coeffsSlice(&mem[in.in[0]]))
		} else {
			for j := range 4 {
				row[j] = mem[in.in[j]].B0.A0
			}
		}
	case chipHorner:
		var acc E
		if in.hasAcc {
			acc = mem[in.in[0]]
		}
		alpha := mem[in.in[1]]
		copy(row[0:4], coeffsSlice(&acc))
		copy(row[hornAlpha:hornAlpha+4], coeffsSlice(&alpha))
		for j := range HornerWidth {
			var f F
			if j >= in.lead {
				f = mem[in.in[2+j]].B0.A0
			}
			row[hornF+j] = f
			acc.Mul(&acc, &alpha)
			acc.B0.A0.Add(&acc.B0.A0, &f)
			copy(row[hornAcc+4*j:hornAcc+4*j+4], coeffsSlice(&acc))
		}
	}
	return nil
}

// swapHalves sets s to s_i + bit·(s_{i±8} - s_i): its halves swapped when bit = 1.
func swapHalves(s *[Width]F, bit F) {
	if bit.IsZero() {
		return
	}
	in := *s
	for i := range s {
		var d F
		d.Sub(&in[i^Width/2], &in[i]).Mul(&d, &bit)
		s[i].Add(&in[i], &d)
	}
}

// writeBack stores the row's output cells at the instruction's output addresses.
func (p *Program) writeBack(in *instr, row []F, mem []E) {
	switch in.chip {
	case chipInit:
		for k, a := range in.out {
			if in.base {
				mem[a] = liftF(row[k])
			} else {
				mem[a] = fromCoeffs(row[4*k : 4*k+4])
			}
		}
	case chipBaseALU:
		if len(in.out) > 0 {
			mem[in.out[0]] = liftF(row[2])
		}
	case chipExtALU:
		if len(in.out) > 0 {
			mem[in.out[0]] = fromCoeffs(row[8:12])
		}
	case chipSelect:
		mem[in.out[0]], mem[in.out[1]] = liftF(row[3]), liftF(row[4])
	case chipPoseidon2, chipPoseidon2x24:
		w := p2Width(in.chip)
		for j, a := range in.out {
			if start, n := portCells(in.chip, j); n == 1 {
				mem[a] = liftF(row[w+start])
			} else {
				mem[a] = fromCoeffs(row[w+start : w+start+n])
			}
		}
	case chipBits:
		for i := range NumBits {
			mem[in.out[i]] = liftF(row[1+i])
		}
	case chipPublic:
		mem[in.out[0]] = liftF(row[0])
	case chipLimbs:
		if len(in.out) == 1 {
			mem[in.out[0]] = fromCoeffs(row[:4])
		} else {
			for j := range 4 {
				mem[in.out[j]] = liftF(row[j])
			}
		}
	case chipHorner:
		mem[in.out[0]] = fromCoeffs(row[hornMainWidth-4 : hornMainWidth])
	}
}

// coeffs are e's limbs in prover/stark's order (1, u, v, u·v) of gnark-crypto's tower.
func coeffs(e *E) [4]F { return [4]F{e.B0.A0, e.B0.A1, e.B1.A0, e.B1.A1} }

func coeffsSlice(e *E) []F {
	c := coeffs(e)
	return c[:]
}

func fromCoeffs(c []F) E {
	var e E
	e.B0.A0, e.B0.A1, e.B1.A0, e.B1.A1 = c[0], c[1], c[2], c[3]
	return e
}

// Lift embeds a base element in E (the form a base witness value takes in Execute).
func Lift(f F) E { return liftF(f) }

func liftF(f F) E {
	var e E
	e.B0.A0 = f
	return e
}

func isBase(e *E) bool { return e.B0.A1.IsZero() && e.B1.A0.IsZero() && e.B1.A1.IsZero() }
