package stark

import (
	"fmt"

	"github.com/consensys/gnark-crypto/field/koalabear"
	"github.com/consensys/gnark-crypto/field/koalabear/extensions"
)

type exprKind uint8

const (
	exConst exprKind = iota + 1
	exMain
	exPre
	exPub
	exAdd
	exSub
	exMul
	// The kinds below are E-valued and only the AIR itself emits them, for its LogUp terms.
	exChal // verifier challenge: idx 0 is β, idx k >= 1 is γ^k
	exPerm // LogUp column idx (each one is four committed base columns holding a value in E)
	exSum  // the table's claimed LogUp total
)

type exprNode struct {
	kind exprKind
	a, b *exprNode
	idx  int  // column or public-value index
	next bool // column read on the next row
	c    F
	deg  int
	ext  bool // the value lies in E (it depends on a challenge or a LogUp column)
}

// Expr is a polynomial expression over the current and next row of a table's main and
// preprocessed columns, the proof's public values and constants. Build it with Const, Pub, a
// Column's Cur/Next and the Add/Sub/Mul/Neg methods; the zero Expr is the constant 0.
type Expr struct{ n *exprNode }

func (e Expr) node() *exprNode {
	if e.n == nil {
		return &exprNode{kind: exConst}
	}
	return e.n
}

// Const is a constant expression.
func Const(v uint64) Expr {
	var c F
	c.SetUint64(v)
	return ConstF(c)
}

// ConstF is a constant expression from a field element.
func ConstF(c F) Expr { return Expr{&exprNode{kind: exConst, c: c}} }

// Pub is the i-th public value of the proof.
func Pub(i int) Expr { return Expr{&exprNode{kind: exPub, idx: i}} }

func bin(k exprKind, a, b Expr) Expr {
	an, bn := a.node(), b.node()
	d := max(an.deg, bn.deg)
	if k == exMul {
		d = an.deg + bn.deg
	}
	return Expr{&exprNode{kind: k, a: an, b: bn, deg: d, ext: an.ext || bn.ext}}
}

func challenge(i int) Expr { return Expr{&exprNode{kind: exChal, idx: i, ext: true}} }
func logUpSum() Expr       { return Expr{&exprNode{kind: exSum, ext: true}} }
func permCol(i int) Column { return Column{idx: i, perm: true} }

// Add returns e + o.
func (e Expr) Add(o Expr) Expr { return bin(exAdd, e, o) }

// Sub returns e - o.
func (e Expr) Sub(o Expr) Expr { return bin(exSub, e, o) }

// Mul returns e · o.
func (e Expr) Mul(o Expr) Expr { return bin(exMul, e, o) }

// Neg returns -e.
func (e Expr) Neg() Expr { return bin(exSub, Const(0), e) }

// AddConst returns e + c.
func (e Expr) AddConst(c uint64) Expr { return e.Add(Const(c)) }

// Degree is the total degree of e in the trace columns.
func (e Expr) Degree() int { return e.node().deg }

// Sum adds expressions.
func Sum(es ...Expr) Expr {
	acc := Const(0)
	for _, e := range es {
		acc = acc.Add(e)
	}
	return acc
}

// Column names one column of a table.
type Column struct {
	idx  int
	pre  bool
	perm bool // a LogUp column, E-valued (internal)
}

// Cur is the column's value on the current row.
func (c Column) Cur() Expr {
	k := exMain
	if c.pre {
		k = exPre
	}
	if c.perm {
		return Expr{&exprNode{kind: exPerm, idx: c.idx, deg: 1, ext: true}}
	}
	return Expr{&exprNode{kind: k, idx: c.idx, deg: 1}}
}

// Next is the column's value on the next row (the last row's next is the first row).
func (c Column) Next() Expr {
	e := c.Cur()
	e.n.next = true
	return e
}

// Index is the column's position among the table's main (or preprocessed) columns.
func (c Column) Index() int { return c.idx }

// program is a table's expressions compiled into straight-line code with common subexpressions
// shared. Slots [0, nSrc) are inputs; the rest are temporaries. A slot holds values in F or in E
// (ext); an instruction's operands may mix the two, and its result is in E when either is.
//
// Source layout: main columns (current row, then next), preprocessed columns (current, next),
// public values, constants (all in F), then LogUp columns (current, next), challenges and the
// LogUp total (all in E).
type program struct {
	width, preWidth, numPub int
	numPerm, numChal        int
	hasSum                  bool
	consts                  []F
	nSrc                    int
	ops                     []instr
	nSlots                  int
	ext                     []bool // per slot
	tmpOff                  []int  // per slot >= nSrc: index among the temporaries of its type
	nTmpF, nTmpE            int
	usesNext                []bool // per main column
	usesPreNext             []bool
	outputs                 []int // slot of each compiled root
}

type instr struct {
	op        exprKind
	dst, a, b int
}

type progKey struct {
	kind exprKind
	a, b int
}

func (p *program) mainSlot(i int, next bool) int {
	if next {
		return p.width + i
	}
	return i
}
func (p *program) preSlot(i int, next bool) int {
	if next {
		return 2*p.width + p.preWidth + i
	}
	return 2*p.width + i
}
func (p *program) pubSlot(i int) int   { return 2*p.width + 2*p.preWidth + i }
func (p *program) constSlot(i int) int { return p.pubSlot(p.numPub) + i }
func (p *program) permSlot(i int, next bool) int {
	s := p.constSlot(len(p.consts)) + i
	if next {
		s += p.numPerm
	}
	return s
}
func (p *program) chalSlot(i int) int { return p.permSlot(0, false) + 2*p.numPerm + i }
func (p *program) sumSlot() int       { return p.chalSlot(p.numChal) }

// compileProgram compiles roots against a table of the given shape. numPerm and numChal bound the
// LogUp columns and challenges the roots may read; constants are collected in a first pass so that
// the source layout is known before code is emitted.
func compileProgram(width, preWidth, numPub, numPerm, numChal int, roots []Expr) (*program, error) {
	p := &program{width: width, preWidth: preWidth, numPub: numPub, numPerm: numPerm, numChal: numChal,
		usesNext: make([]bool, width), usesPreNext: make([]bool, preWidth)}
	constIdx := map[uint32]int{}
	seen := map[*exprNode]bool{}
	var collect func(n *exprNode) error
	collect = func(n *exprNode) error {
		if seen[n] {
			return nil
		}
		seen[n] = true
		switch n.kind {
		case exConst:
			v := uint32(n.c.Bits()[0])
			if _, ok := constIdx[v]; !ok {
				constIdx[v] = len(p.consts)
				p.consts = append(p.consts, n.c)
			}
		case exMain:
			if n.idx < 0 || n.idx >= width {
				return fmt.Errorf("stark: main column %d out of range (width %d)", n.idx, width)
			}
			if n.next {
				p.usesNext[n.idx] = true
			}
		case exPre:
			if n.idx < 0 || n.idx >= preWidth {
				return fmt.Errorf("stark: preprocessed column %d out of range (width %d)", n.idx, preWidth)
			}
			if n.next {
				p.usesPreNext[n.idx] = true
			}
		case exPub:
			if n.idx < 0 || n.idx >= numPub {
				return fmt.Errorf("stark: public value %d out of range (%d declared)", n.idx, numPub)
			}
		case exPerm:
			if n.idx < 0 || n.idx >= numPerm {
				return fmt.Errorf("stark: LogUp column %d out of range (%d)", n.idx, numPerm)
			}
		case exChal:
			if n.idx < 0 || n.idx >= numChal {
				return fmt.Errorf("stark: challenge %d out of range (%d)", n.idx, numChal)
			}
		case exSum:
			p.hasSum = true
		case exAdd, exSub, exMul:
			if err := collect(n.a); err != nil {
				return err
			}
			return collect(n.b)
		default:
			return fmt.Errorf("stark: malformed expression")
		}
		return nil
	}
	for _, r := range roots {
		if err := collect(r.node()); err != nil {
			return nil, err
		}
	}
	p.nSrc = p.sumSlot() + 1
	p.nSlots = p.nSrc
	p.ext = make([]bool, p.nSrc)
	for i := p.permSlot(0, false); i < p.nSrc; i++ {
		p.ext[i] = true
	}
	p.tmpOff = make([]int, p.nSrc)
	memo := map[progKey]int{}
	// done memoises by node as memo does by instruction: a node shared by many parents (a
	// Poseidon2 round state feeding the next round's sums) is walked once, not once per path,
	// which would take time exponential in the sharing depth.
	done := map[*exprNode]int{}
	var emit func(n *exprNode) int
	emit = func(n *exprNode) int {
		if s, ok := done[n]; ok {
			return s
		}
		switch n.kind {
		case exConst:
			return p.constSlot(constIdx[uint32(n.c.Bits()[0])])
		case exMain:
			return p.mainSlot(n.idx, n.next)
		case exPre:
			return p.preSlot(n.idx, n.next)
		case exPub:
			return p.pubSlot(n.idx)
		case exPerm:
			return p.permSlot(n.idx, n.next)
		case exChal:
			return p.chalSlot(n.idx)
		case exSum:
			return p.sumSlot()
		}
		a, b := emit(n.a), emit(n.b)
		k := progKey{kind: n.kind, a: a, b: b}
		if s, ok := memo[k]; ok {
			done[n] = s
			return s
		}
		s := p.nSlots
		p.nSlots++
		ext := p.ext[a] || p.ext[b]
		p.ext = append(p.ext, ext)
		if ext {
			p.tmpOff = append(p.tmpOff, p.nTmpE)
			p.nTmpE++
		} else {
			p.tmpOff = append(p.tmpOff, p.nTmpF)
			p.nTmpF++
		}
		p.ops = append(p.ops, instr{op: n.kind, dst: s, a: a, b: b})
		memo[k] = s
		done[n] = s
		return s
	}
	for _, r := range roots {
		p.outputs = append(p.outputs, emit(r.node()))
	}
	return p, nil
}

// vecSlots holds a program's slots for a chunk of rows: fs for slots in F, es for slots in E.
type vecSlots struct {
	fs   [][]F
	es   [][]E
	tmpF []F
	tmpE []E
}

func newVecSlots(p *program, chunk int) *vecSlots {
	return &vecSlots{fs: make([][]F, p.nSlots), es: make([][]E, p.nSlots),
		tmpF: make([]F, p.nTmpF*chunk), tmpE: make([]E, p.nTmpE*chunk)}
}

// evalVec runs the program over a chunk of n rows whose source slots are already set.
func (p *program) evalVec(s *vecSlots, n int) {
	for i := p.nSrc; i < p.nSlots; i++ {
		off := p.tmpOff[i] * n
		if p.ext[i] {
			s.es[i] = s.tmpE[off : off+n]
		} else {
			s.fs[i] = s.tmpF[off : off+n]
		}
	}
	for _, in := range p.ops {
		ea, eb := p.ext[in.a], p.ext[in.b]
		switch {
		case !ea && !eb:
			d, a, b := koalabear.Vector(s.fs[in.dst]), koalabear.Vector(s.fs[in.a]), koalabear.Vector(s.fs[in.b])
			switch in.op {
			case exAdd:
				d.Add(a, b)
			case exSub:
				d.Sub(a, b)
			case exMul:
				d.Mul(a, b)
			}
		case ea && eb:
			d, a, b := extensions.Vector(s.es[in.dst]), extensions.Vector(s.es[in.a]), extensions.Vector(s.es[in.b])
			switch in.op {
			case exAdd:
				d.Add(a, b)
			case exSub:
				d.Sub(a, b)
			case exMul:
				d.Mul(a, b)
			}
		case ea:
			mixedOp(in.op, s.es[in.dst], s.es[in.a], s.fs[in.b], false)
		default:
			mixedOp(in.op, s.es[in.dst], s.es[in.b], s.fs[in.a], true)
		}
	}
}

// mixedOp computes d = e op f, or d = f op e when swapped, for e in E and f in F.
func mixedOp(op exprKind, d, e []E, f []F, swapped bool) {
	d, e = d[:len(f)], e[:len(f)]
	switch op {
	case exAdd:
		for j := range f {
			d[j] = e[j]
			d[j].B0.A0.Add(&d[j].B0.A0, &f[j])
		}
	case exSub:
		for j := range f {
			if swapped {
				d[j].Neg(&e[j])
				d[j].B0.A0.Add(&d[j].B0.A0, &f[j])
			} else {
				d[j] = e[j]
				d[j].B0.A0.Sub(&d[j].B0.A0, &f[j])
			}
		}
	case exMul:
		for j := range f {
			d[j].MulByElement(&e[j], &f[j])
		}
	}
}

// evalExt runs the program on one point with values in E (the verifier's side).
// slots[0:nSrc] must hold the inputs.
func (p *program) evalExt(slots []E) {
	for _, in := range p.ops {
		switch in.op {
		case exAdd:
			slots[in.dst].Add(&slots[in.a], &slots[in.b])
		case exSub:
			slots[in.dst].Sub(&slots[in.a], &slots[in.b])
		case exMul:
			slots[in.dst].Mul(&slots[in.a], &slots[in.b])
		}
	}
}

// encode appends a canonical encoding of the program to b, for the verifying-key digest.
func (p *program) encode(b []byte) []byte {
	b = appendU32(b, uint32(p.width), uint32(p.preWidth), uint32(p.numPub), uint32(p.numPerm), uint32(p.numChal), uint32(len(p.consts)))
	for _, c := range p.consts {
		b = appendU32(b, uint32(c.Uint64()))
	}
	b = appendU32(b, uint32(len(p.ops)))
	for _, in := range p.ops {
		b = appendU32(b, uint32(in.op), uint32(in.dst), uint32(in.a), uint32(in.b))
	}
	b = appendU32(b, uint32(len(p.outputs)))
	for _, o := range p.outputs {
		b = appendU32(b, uint32(o))
	}
	return b
}

func appendU32(b []byte, vs ...uint32) []byte {
	for _, v := range vs {
		b = append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
	}
	return b
}
