package stark

import (
	"fmt"

	"github.com/consensys/gnark-crypto/field/koalabear"
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
)

type exprNode struct {
	kind exprKind
	a, b *exprNode
	idx  int  // column or public-value index
	next bool // column read on the next row
	c    F
	deg  int
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
	return Expr{&exprNode{kind: k, a: an, b: bn, deg: d}}
}

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
	idx int
	pre bool
}

// Cur is the column's value on the current row.
func (c Column) Cur() Expr {
	k := exMain
	if c.pre {
		k = exPre
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
// shared. Slots [0, nSrc) are inputs (columns, public values, constants); the rest are temporaries.
type program struct {
	width, preWidth, numPub int
	consts                  []F
	nSrc                    int
	ops                     []instr
	nSlots                  int
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
	idx  int
	next bool
	c    uint32
}

// slot layout of sources
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
func (p *program) constSlot(i int) int { return 2*p.width + 2*p.preWidth + p.numPub + i }

// compileProgram compiles roots; consts must be collected first, so compilation runs in two passes.
func compileProgram(width, preWidth, numPub int, roots []Expr) (*program, error) {
	p := &program{width: width, preWidth: preWidth, numPub: numPub,
		usesNext: make([]bool, width), usesPreNext: make([]bool, preWidth)}
	constIdx := map[uint32]int{}
	var collect func(n *exprNode) error
	seen := map[*exprNode]bool{}
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
	p.nSrc = p.constSlot(len(p.consts))
	p.nSlots = p.nSrc
	memo := map[progKey]int{}
	var emit func(n *exprNode) int
	emit = func(n *exprNode) int {
		switch n.kind {
		case exConst:
			return p.constSlot(constIdx[uint32(n.c.Bits()[0])])
		case exMain:
			return p.mainSlot(n.idx, n.next)
		case exPre:
			return p.preSlot(n.idx, n.next)
		case exPub:
			return p.pubSlot(n.idx)
		}
		a, b := emit(n.a), emit(n.b)
		k := progKey{kind: n.kind, a: a, b: b}
		if s, ok := memo[k]; ok {
			return s
		}
		s := p.nSlots
		p.nSlots++
		p.ops = append(p.ops, instr{op: n.kind, dst: s, a: a, b: b})
		memo[k] = s
		return s
	}
	for _, r := range roots {
		p.outputs = append(p.outputs, emit(r.node()))
	}
	return p, nil
}

// evalVec runs the program over a chunk of rows. slots[0:nSrc] must already hold the inputs (all
// of length n); temporaries are allocated from scratch (len >= (nSlots-nSrc)·n).
func (p *program) evalVec(slots [][]F, scratch []F, n int) {
	for i := p.nSrc; i < p.nSlots; i++ {
		off := (i - p.nSrc) * n
		slots[i] = scratch[off : off+n]
	}
	for _, in := range p.ops {
		d := koalabear.Vector(slots[in.dst])
		a, b := koalabear.Vector(slots[in.a]), koalabear.Vector(slots[in.b])
		switch in.op {
		case exAdd:
			d.Add(a, b)
		case exSub:
			d.Sub(a, b)
		case exMul:
			d.Mul(a, b)
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

// digestInto appends a canonical encoding of the program to b, for the verifying-key digest.
func (p *program) encode(b []byte) []byte {
	b = appendU32(b, uint32(p.width), uint32(p.preWidth), uint32(p.numPub), uint32(len(p.consts)))
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
