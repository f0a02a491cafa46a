package rv64

import (
	"github.com/zkexex/zkexex/prover/stark"
)

// Buses of the ALU slice. Message layouts (all values in F):
//
//	BusALU     (op, a[0..3], b[0..3], r[0..3])  16-bit limbs, little-endian; the CPU sends, a chip receives
//	BusByte    (v)                              v ∈ [0, 256): the byte table receives
//	BusAnd     (x, y, x AND y)                  x, y ∈ [0, 256): the byte-pair table receives
//	BusRange16 (v)                              v ∈ [0, 2^16): the 16-bit range table receives
const (
	BusALU     stark.BusID = 1
	BusByte    stark.BusID = 2
	BusAnd     stark.BusID = 3
	BusRange16 stark.BusID = 5
)

// rules builds one table, leaving out the named rules a test asks to remove (to show that the
// tamper test aimed at a rule fails without it). Production code passes no omissions.
type rules struct {
	t            *stark.Table
	omit         map[string]bool
	interactions int // sends and receives declared, for the cell count
}

func (r *rules) zero(name string, e stark.Expr) {
	if !r.omit[name] {
		r.t.AssertZero(name, e)
	}
}

func (r *rules) boolean(name string, e stark.Expr) {
	if !r.omit[name] {
		r.t.AssertBool(name, e)
	}
}

// sendByte range-checks v through the byte table when mult is 1.
func (r *rules) sendByte(name string, mult, v stark.Expr) {
	if !r.omit[name] {
		r.t.Send(BusByte, mult, v)
		r.interactions++
	}
}

// sendRange16 range-checks v through the 16-bit range table when mult is 1.
func (r *rules) sendRange16(name string, mult, v stark.Expr) {
	if !r.omit[name] {
		r.t.Send(BusRange16, mult, v)
		r.interactions++
	}
}

func (r *rules) sendAnd(name string, mult, x, y, z stark.Expr) {
	if !r.omit[name] {
		r.t.Send(BusAnd, mult, x, y, z)
		r.interactions++
	}
}

func (r *rules) sendShift(name string, mult, x, s, hi, lo stark.Expr) {
	if !r.omit[name] {
		r.t.Send(BusShift, mult, x, s, hi, lo)
		r.interactions++
	}
}

// receiveALU takes one ALU message off the bus on rows where mult = 1.
func (r *rules) receiveALU(name string, mult, op stark.Expr, a, b, res [4]stark.Expr) {
	if r.omit[name] {
		return
	}
	vals := []stark.Expr{op}
	vals = append(vals, a[:]...)
	vals = append(vals, b[:]...)
	vals = append(vals, res[:]...)
	r.t.Receive(BusALU, mult, vals...)
	r.interactions++
}

// flags declares one boolean selector column per operation; at most one is set on a row and
// their sum is the row's "is real" flag. It returns the flags, is_real and the row's opcode.
func (r *rules) flags(ops []Op) (f []stark.Column, isReal, op stark.Expr) {
	for _, o := range ops {
		c := r.t.Column("is_" + o.String())
		r.boolean("flag "+o.String()+" boolean", c.Cur())
		f = append(f, c)
		isReal = isReal.Add(c.Cur())
		op = op.Add(c.Cur().Mul(stark.Const(uint64(o))))
	}
	r.boolean("one operation per row", isReal)
	return f, isReal, op
}

func cur(cs []stark.Column) []stark.Expr {
	out := make([]stark.Expr, len(cs))
	for i, c := range cs {
		out[i] = c.Cur()
	}
	return out
}

// limbs16 turns 8 little-endian byte expressions into 4 16-bit limb expressions.
func limbs16(b []stark.Expr) [4]stark.Expr {
	var l [4]stark.Expr
	for k := range l {
		l[k] = b[2*k].Add(b[2*k+1].Mul(stark.Const(256)))
	}
	return l
}

func limbCols(cs []stark.Column) [4]stark.Expr {
	var l [4]stark.Expr
	for k := range l {
		l[k] = cs[k].Cur()
	}
	return l
}

// byteTable is the preprocessed table of the 256 byte values with its multiplicity column.
func byteTable() *stark.Table {
	t := stark.NewTable("bytes")
	mult := t.Column("mult")
	v := t.Preprocessed("byte")
	pre := stark.NewMatrix(1, 256)
	for i := 0; i < 256; i++ {
		pre.SetUint(i, 0, uint64(i))
	}
	t.SetPreprocessed(pre)
	t.LookupTable(BusByte, mult.Cur(), v)
	return t
}

// andTable is the preprocessed table of (x, y, x AND y) over byte pairs. OR and XOR need no
// table of their own: x OR y = x + y - (x AND y) and x XOR y = x + y - 2(x AND y).
func andTable() *stark.Table {
	t := stark.NewTable("byte_and")
	mult := t.Column("mult")
	x, y, z := t.Preprocessed("x"), t.Preprocessed("y"), t.Preprocessed("x_and_y")
	pre := stark.NewMatrix(3, 1<<16)
	for i := 0; i < 1<<16; i++ {
		pre.SetUint(i, 0, uint64(i&0xff))
		pre.SetUint(i, 1, uint64(i>>8))
		pre.SetUint(i, 2, uint64(i&0xff&(i>>8)))
	}
	t.SetPreprocessed(pre)
	t.LookupTable(BusAnd, mult.Cur(), x, y, z)
	return t
}

// range16Table is the preprocessed table of the 2^16 limb values: one lookup range-checks a
// 16-bit limb, where two byte lookups and a column for the second byte would otherwise be needed.
func range16Table() *stark.Table {
	t := stark.NewTable("range16")
	mult := t.Column("mult")
	v := t.Preprocessed("limb")
	pre := stark.NewMatrix(1, 1<<16)
	for i := 0; i < 1<<16; i++ {
		pre.SetUint(i, 0, uint64(i))
	}
	t.SetPreprocessed(pre)
	t.LookupTable(BusRange16, mult.Cur(), v)
	return t
}

// counts accumulates the lookups a chip's rows make, to fill the tables' multiplicity columns.
type counts struct {
	bytes [256]uint64
	and   [1 << 16]uint64
	shift [9 << 8]uint64 // index s<<8 | x
	limbs [1 << 16]uint64
}

func (c *counts) add(o *counts) {
	for i, v := range o.bytes {
		c.bytes[i] += v
	}
	for i, v := range o.and {
		c.and[i] += v
	}
	for i, v := range o.shift {
		c.shift[i] += v
	}
	for i, v := range o.limbs {
		c.limbs[i] += v
	}
}

func (c *counts) traces() ([]*stark.Matrix, error) {
	// No count needs a check: the tables are lookup tables, and each count is at most its bus's
	// total sends, which the stark core keeps below p.
	bt := stark.NewMatrix(1, 256)
	for i, v := range c.bytes {
		bt.SetUint(i, 0, v)
	}
	at := stark.NewMatrix(1, 1<<16)
	for i, v := range c.and {
		at.SetUint(i, 0, v)
	}
	st := stark.NewMatrix(1, 1<<12)
	for i, v := range c.shift {
		st.SetUint(i, 0, v)
	}
	rt := stark.NewMatrix(1, 1<<16)
	for i, v := range c.limbs {
		rt.SetUint(i, 0, v)
	}
	return []*stark.Matrix{bt, at, st, rt}, nil
}
