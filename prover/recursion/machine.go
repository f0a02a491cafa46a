package recursion

import (
	"fmt"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/p2air"
	"github.com/zkexex/zkexex/prover/stark"
)

// F is a KoalaBear element, E an element of its quartic extension (prover/stark's types).
type (
	F = stark.F
	E = stark.E
)

// Buses of the recursion machine's AIR.
const (
	// BusMemory carries (addr, v0, v1, v2, v3): the write of an address sends it once per later
	// read, each read receives it once. A base value has v1 = v2 = v3 = 0.
	BusMemory stark.BusID = 1
	// BusPoseidon2 is p2air's width-16 message (in[16], out[16]).
	BusPoseidon2 stark.BusID = 2
	// BusPoseidon2x24 is p2air's width-24 message (in[24], out[24]): the sponge of
	// hash.HashElements (Merkle leaves) and prover/stark's transcript permute 24 elements.
	BusPoseidon2x24 stark.BusID = 3
)

// MaxReads is the most times one address is read; the builder copies a value to a fresh address
// before its reads reach it. It is the declared bound of every memory write's multiplicity, so it
// sets the verifier's check that the memory bus's sends total below p: Σ rows × writes per row ×
// MaxReads, 2^28 for a 2^20-row Poseidon2 table (16 writes a row), leaving room for the others.
const MaxReads = 16

// NumBits is the width of a bit decomposition: every canonical KoalaBear element is below 2^31.
const NumBits = 31

// Width is the Poseidon2 state of Merkle compression (hash.Compress); Width24 that of
// prover/hash's sponge and prover/stark's transcript.
const (
	Width   = 16
	Width24 = 24
)

// minLogRows is the default log2 of the smallest table: DefaultParams' final polynomial has 2^3
// coefficients and prover/stark needs tables at least that tall.
const minLogRows = 3

type chipKind uint8

// Chips, in the AIR's table order (p2air's two permutation tables follow them).
const (
	chipInit chipKind = iota
	chipBaseALU
	chipExtALU
	chipSelect
	chipPoseidon2
	chipPoseidon2x24
	chipBits
	chipPublic
	chipLimbs
	chipHorner
	numChips
)

var chipNames = [numChips]string{"init", "base_alu", "ext_alu", "select", "poseidon2_io", "poseidon2_24_io", "bits", "public", "limbs", "horner"}

func (c chipKind) String() string { return chipNames[c] }

// The p2air tables follow the chips, width 16 then 24.
const (
	permutationTable   = "poseidon2"
	permutationTable24 = "poseidon2_24"
)

// p2Width is the state width of a Poseidon2 I/O chip, and p2Bus the bus of its p2air table.
func p2Width(c chipKind) int {
	if c == chipPoseidon2x24 {
		return Width24
	}
	return Width
}

// A Poseidon2 I/O chip moves its state through memory ports: a port is one base value (one
// cell) or, for the width-24 sponge's capacity, an extension-shaped value of four cells (two
// ports for its eight elements), which costs one LogUp fraction instead of four.
//
// p2Ports is the number of input and output ports. The width-16 chip writes only the first half
// of its output (a compression's digest): every output is still in the row and in p2air's
// message, but the unread half costs no LogUp cells.
func p2Ports(c chipKind) (in, out int) {
	if c == chipPoseidon2x24 {
		n := hash.SpongeRate + capacityWords
		return n, n
	}
	return Width, hash.DigestElements
}

// capacityWords is the number of four-element ports of the width-24 capacity.
const capacityWords = (Width24 - hash.SpongeRate) / 4

// portCells is the cells of the state that port j of chip c carries: [start, start+n).
func portCells(c chipKind, j int) (start, n int) {
	if c == chipPoseidon2x24 && j >= hash.SpongeRate {
		return hash.SpongeRate + 4*(j-hash.SpongeRate), 4
	}
	return j, 1
}

func p2Bus(c chipKind) stark.BusID {
	if c == chipPoseidon2x24 {
		return BusPoseidon2x24
	}
	return BusPoseidon2
}

// ALU opcodes, shared by the base and extension chips; each has its preprocessed flag column.
type aluOp uint8

const (
	opAdd aluOp = iota
	opSub
	opMul
	opInv // out·b = 1, reads b only
	opCopy
	opEq // a = b, writes nothing
	numALUOps
)

var aluOpNames = [numALUOps]string{"add", "sub", "mul", "inv", "copy", "assert_eq"}

// Preprocessed column layout of the ALU chips (base and extension alike).
const (
	aluAddrA = iota
	aluAddrB
	aluAddrOut
	aluMultA
	aluMultB
	aluMultOut
	aluFlag0    // aluFlag0 + op is op's flag
	aluPreWidth = aluFlag0 + int(numALUOps)
)

// Init chip (constants and witness). A base row writes up to InitWidth base values, each from
// its cell; an extension row up to InitWidth/4 extension values, value s from cells 4s..4s+3 at
// the address of cell 4s. A cell is a constant (pinned to a preprocessed value) or witness
// (free). Preprocessed: addr[W], mult[W] (the base writes'), mult_ext[W/4], is_const[W], c[W].
// Main: v[W].
const (
	// InitWidth is how many base values an init row writes: its ten writes take five LogUp
	// fractions' columns, 32 cells a row, 4 a base value where a row of its own cost 12.
	InitWidth = 8

	initAddr     = 0
	initMult     = InitWidth
	initMultExt  = 2 * InitWidth
	initIsConst  = initMultExt + InitWidth/4
	initConst    = initIsConst + InitWidth
	initPreWidth = initConst + InitWidth
)

// Select chip. Preprocessed: addresses of bit, a, b, out1, out2; is_real; the outputs' mults.
// Main: bit, a, b, out1, out2.
const (
	selAddrBit = iota
	selAddrA
	selAddrB
	selAddrOut1
	selAddrOut2
	selIsReal
	selMultOut1
	selMultOut2
	selPreWidth
)

// Poseidon2 I/O chips of width W with I input and O output ports (p2Ports). Preprocessed: in
// addresses [0, I), out addresses [I, I+O), out mults [I+O, I+2O), is_real (I+2O), and for width
// 16 addr_bit, has_bit, read_hi (the high half of in is read, not advice). Main: in[W], out[W],
// and for width 16 the swap bit.

// Bits chip. Preprocessed: addr of x, is_real, bit addresses, bit mults.
// Main: x, bit[31], top[6] (running products of bits 24..30).
const (
	bitsAddrX    = 0
	bitsIsReal   = 1
	bitsAddrBit  = 2
	bitsMultBit  = 2 + NumBits
	bitsPreWidth = 2 + 2*NumBits
	// topBits is how many high bits the canonicity check multiplies: p = 2^31 - 2^24 + 1, so an
	// element is canonical iff bits 24..30 are not all one or bits 0..23 are all zero.
	topBits  = NumBits - 24
	bitsMain = 1 + NumBits + topBits - 1
)

// Limbs chip: a pack row reads four base values and writes the extension value with those limbs;
// an unpack row reads an extension value and writes its four limbs as base values. Preprocessed:
// addr_ext, addr_limb[4], mult_ext (the ext write's, pack), read_ext (unpack), read_limbs (pack),
// mult_limb[4] (the limb writes', unpack). Main: c[4].
const (
	limbsAddrExt   = 0
	limbsAddrLimb  = 1
	limbsMultExt   = 5
	limbsReadExt   = 6
	limbsReadLimbs = 7
	limbsMultLimb  = 8
	limbsPreWidth  = 12
)

// HornerWidth is how many base values one row of the Horner chip folds into its accumulator.
// A row costs 8 + 5·HornerWidth main columns and ⌈(HornerWidth+3)/2⌉+1 LogUp columns: 104 cells
// for 12 values, 8.7 a value, where an extension multiply and add cost 48. Twelve puts a lift's
// DEEP batching (about 250 rows a query of a DefaultParams child) in a table of 2^15 rows.
const HornerWidth = 12

// Horner chip: acc_j = acc_{j-1}·α + f_j for j < HornerWidth, from acc_{-1} = acc_in (read, or
// zero on a chain's first row), each f_j a base value read from memory or zero (a leading slot of
// a chain's first row); the last acc_j is written. Preprocessed: addr_acc, has_acc, addr_alpha,
// is_real, addr_out, mult_out, addr_f[W], read_f[W]. Main: acc_in[4], alpha[4], f[W], acc[W][4].
const (
	hornAddrAcc = iota
	hornHasAcc
	hornAddrAlpha
	hornIsReal
	hornAddrOut
	hornMultOut
	hornAddrF
	hornReadF    = hornAddrF + HornerWidth
	hornPreWidth = hornReadF + HornerWidth

	hornAlpha     = 4
	hornF         = 8
	hornAcc       = hornF + HornerWidth
	hornMainWidth = hornAcc + 4*HornerWidth
)

// rules declares constraints and interactions, leaving out those a test names.
type rules struct {
	t    *stark.Table
	omit map[string]bool
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

// read receives (addr, v) from the memory bus mult (0 or 1) times.
func (r *rules) read(name string, mult, addr stark.Expr, v []stark.Expr) {
	if !r.omit[name] {
		r.t.Receive(BusMemory, mult, memTuple(addr, v)...)
	}
}

// write sends (addr, v) on the memory bus mult times, once per later read.
func (r *rules) write(name string, mult, addr stark.Expr, v []stark.Expr) {
	if !r.omit[name] {
		r.t.SendMany(BusMemory, mult, MaxReads, memTuple(addr, v)...)
	}
}

// memTuple pads a base value with zero limbs: a base value and its embedding in E are one value.
func memTuple(addr stark.Expr, v []stark.Expr) []stark.Expr {
	out := []stark.Expr{addr}
	out = append(out, v...)
	for len(out) < 5 {
		out = append(out, stark.Const(0))
	}
	return out
}

func curs(cs []stark.Column) []stark.Expr {
	out := make([]stark.Expr, len(cs))
	for i, c := range cs {
		out[i] = c.Cur()
	}
	return out
}

// tables declares the machine's tables for a program with numPublic public values, with pre as
// their preprocessed matrices (one per chip), leaving out the rules omit names per table.
func tables(numPublic int, pre [numChips]*stark.Matrix, omit map[string]map[string]bool) ([]*stark.Table, error) {
	var out []*stark.Table
	for c := range numChips {
		t := stark.NewTable(c.String())
		r := &rules{t: t, omit: omit[c.String()]}
		switch c {
		case chipInit:
			declareInit(t, r)
		case chipBaseALU:
			declareALU(t, r, 1)
		case chipExtALU:
			declareALU(t, r, 4)
		case chipSelect:
			declareSelect(t, r)
		case chipPoseidon2, chipPoseidon2x24:
			if err := declarePoseidon2(t, r, c); err != nil {
				return nil, err
			}
		case chipBits:
			declareBits(t, r)
		case chipPublic:
			declarePublic(t, r, numPublic)
		case chipLimbs:
			declareLimbs(t, r)
		case chipHorner:
			declareHorner(t, r)
		}
		t.SetPreprocessed(pre[c])
		out = append(out, t)
	}
	for _, c := range []chipKind{chipPoseidon2, chipPoseidon2x24} {
		name := permutationTable
		if c == chipPoseidon2x24 {
			name = permutationTable24
		}
		chip, err := p2air.Table(name, p2Width(c), p2Bus(c))
		if err != nil {
			return nil, err
		}
		out = append(out, chip)
	}
	return out, nil
}

func preCols(t *stark.Table, name string, n int) []stark.Column {
	out := make([]stark.Column, n)
	for i := range out {
		out[i] = t.Preprocessed(fmt.Sprintf("%s[%d]", name, i))
	}
	return out
}

// declareInit: a constant cell is pinned to its preprocessed value, a witness cell is free
// (advice). A base write's tuple has constant zero upper limbs, so a base value written here is
// a base value.
func declareInit(t *stark.Table, r *rules) {
	addr, mult := preCols(t, "addr", InitWidth), preCols(t, "mult", InitWidth)
	multExt := preCols(t, "mult_ext", InitWidth/4)
	isConst, c := preCols(t, "is_const", InitWidth), preCols(t, "c", InitWidth)
	v := curs(t.Columns("v", InitWidth))
	for j := range InitWidth {
		r.zero(fmt.Sprintf("constant %d", j), isConst[j].Cur().Mul(v[j].Sub(c[j].Cur())))
	}
	for j := range InitWidth {
		r.write(fmt.Sprintf("write %d", j), mult[j].Cur(), addr[j].Cur(), v[j:j+1])
	}
	for k := range InitWidth / 4 {
		r.write(fmt.Sprintf("write ext %d", k), multExt[k].Cur(), addr[4*k].Cur(), v[4*k:4*k+4])
	}
}

// declareALU declares the base ALU (limbs = 1) or the extension ALU (limbs = 4): one instruction
// per row, its opcode a one-hot preprocessed flag (all zero on padding rows).
func declareALU(t *stark.Table, r *rules, limbs int) {
	pre := make([]stark.Column, aluPreWidth)
	for i, n := range []string{"addr_a", "addr_b", "addr_out", "mult_a", "mult_b", "mult_out"} {
		pre[i] = t.Preprocessed(n)
	}
	for op := range numALUOps {
		pre[aluFlag0+int(op)] = t.Preprocessed("is_" + aluOpNames[op])
	}
	a, b, out := curs(t.Columns("a", limbs)), curs(t.Columns("b", limbs)), curs(t.Columns("out", limbs))
	flag := func(op aluOp) stark.Expr { return pre[aluFlag0+int(op)].Cur() }

	var prod, inv []stark.Expr
	if limbs == 1 {
		prod = []stark.Expr{a[0].Mul(b[0])}
		inv = []stark.Expr{out[0].Mul(b[0]).Sub(stark.Const(1))}
	} else {
		prod = extMulExpr(a, b)
		inv = extMulExpr(out, b)
		inv[0] = inv[0].Sub(stark.Const(1))
	}
	for j := range limbs {
		r.zero(fmt.Sprintf("add, limb %d", j), flag(opAdd).Mul(out[j].Sub(a[j]).Sub(b[j])))
		r.zero(fmt.Sprintf("sub, limb %d", j), flag(opSub).Mul(out[j].Sub(a[j]).Add(b[j])))
		r.zero(fmt.Sprintf("mul, limb %d", j), flag(opMul).Mul(out[j].Sub(prod[j])))
		r.zero(fmt.Sprintf("inv, limb %d", j), flag(opInv).Mul(inv[j]))
		r.zero(fmt.Sprintf("copy, limb %d", j), flag(opCopy).Mul(out[j].Sub(a[j])))
		r.zero(fmt.Sprintf("assert_eq, limb %d", j), flag(opEq).Mul(a[j].Sub(b[j])))
	}
	r.read("read a", pre[aluMultA].Cur(), pre[aluAddrA].Cur(), a)
	r.read("read b", pre[aluMultB].Cur(), pre[aluAddrB].Cur(), b)
	r.write("write out", pre[aluMultOut].Cur(), pre[aluAddrOut].Cur(), out)
}

// powerLimb maps a power of w (E = F[w]/(w^4 - 3), gnark-crypto's tower E2 = F[u]/(u^2 - 3),
// E4 = E2[v]/(v^2 - u), so w = v and u = w^2) to its limb in prover/stark's coordinate order
// (1, u, v, u·v) = (w^0, w^2, w^1, w^3).
var powerLimb = [4]int{0, 2, 1, 3}

// extNonResidue is w^4.
const extNonResidue = 3

// extMulExpr is the product of two extension values given by their limbs: in the power basis,
// c_k = Σ_{i+j=k} a_i·b_j + 3·Σ_{i+j=k+4} a_i·b_j.
func extMulExpr(a, b []stark.Expr) []stark.Expr {
	out := make([]stark.Expr, 4)
	for i := range 4 {
		for j := range 4 {
			t := a[powerLimb[i]].Mul(b[powerLimb[j]])
			k := i + j
			if k >= 4 {
				k -= 4
				t = t.Mul(stark.Const(extNonResidue))
			}
			out[powerLimb[k]] = out[powerLimb[k]].Add(t)
		}
	}
	return out
}

// declareSelect: (out1, out2) = (a, b) when bit = 0, (b, a) when bit = 1.
func declareSelect(t *stark.Table, r *rules) {
	pre := make([]stark.Column, selPreWidth)
	for i, n := range []string{"addr_bit", "addr_a", "addr_b", "addr_out1", "addr_out2", "is_real", "mult_out1", "mult_out2"} {
		pre[i] = t.Preprocessed(n)
	}
	bit, a, b := t.Column("bit"), t.Column("a"), t.Column("b")
	out1, out2 := t.Column("out1"), t.Column("out2")
	swap := bit.Cur().Mul(b.Cur().Sub(a.Cur()))
	r.boolean("bit is boolean", bit.Cur())
	r.zero("out1", out1.Cur().Sub(a.Cur()).Sub(swap))
	r.zero("out2", out2.Cur().Sub(b.Cur()).Add(swap))
	real := pre[selIsReal].Cur()
	r.read("read bit", real, pre[selAddrBit].Cur(), []stark.Expr{bit.Cur()})
	r.read("read a", real, pre[selAddrA].Cur(), []stark.Expr{a.Cur()})
	r.read("read b", real, pre[selAddrB].Cur(), []stark.Expr{b.Cur()})
	r.write("write out1", pre[selMultOut1].Cur(), pre[selAddrOut1].Cur(), []stark.Expr{out1.Cur()})
	r.write("write out2", pre[selMultOut2].Cur(), pre[selAddrOut2].Cur(), []stark.Expr{out2.Cur()})
}

// declarePoseidon2: each real row reads a state from memory, asks p2air's chip for its
// permutation, and writes the output state. The width-16 chip can also swap the halves of the
// state it read before permuting, when a bit it reads is 1: a Merkle level (select node and
// sibling by an index bit, compress) is then one row. The permutation's input is
// in_i + bit·(in_{i±8} - in_i), of degree 2, which the bus message allows.
func declarePoseidon2(t *stark.Table, r *rules, c chipKind) error {
	w, bus := p2Width(c), p2Bus(c)
	nIn, nOut := p2Ports(c)
	addrIn, addrOut := preCols(t, "addr_in", nIn), preCols(t, "addr_out", nOut)
	multOut := preCols(t, "mult_out", nOut)
	real := t.Preprocessed("is_real").Cur()
	in, out := curs(t.Columns("in", w)), curs(t.Columns("out", w))
	readHi := real
	var addrBit, hasBit stark.Column
	if w == Width {
		addrBit, hasBit = t.Preprocessed("addr_bit"), t.Preprocessed("has_bit")
		// A Merkle level's sibling is advice: the row holds it, and the permutation binds it.
		readHi = t.Preprocessed("read_hi").Cur()
	}
	for j := range nIn {
		mult := real
		if w == Width && j >= w/2 {
			mult = readHi
		}
		s, n := portCells(c, j)
		r.read(fmt.Sprintf("read in[%d]", j), mult, addrIn[j].Cur(), in[s:s+n])
	}
	for j := range nOut {
		s, n := portCells(c, j)
		r.write(fmt.Sprintf("write out[%d]", j), multOut[j].Cur(), addrOut[j].Cur(), out[s:s+n])
	}
	perm := in
	if w == Width {
		bit := t.Column("bit").Cur()
		r.boolean("bit is boolean", bit)
		r.zero("no swap without a bit", stark.Const(1).Sub(hasBit.Cur()).Mul(bit))
		r.read("read bit", hasBit.Cur(), addrBit.Cur(), []stark.Expr{bit})
		perm = make([]stark.Expr, w)
		for i := range w {
			perm[i] = in[i].Add(bit.Mul(in[i^w/2].Sub(in[i])))
		}
	}
	msg, err := p2air.Message(perm, out)
	if err != nil {
		return err
	}
	if !r.omit["permutation"] {
		t.Send(bus, real, msg...)
	}
	return nil
}

// declareBits: x = Σ bit_i·2^i with boolean bits, and the decomposition is canonical (below p):
// top = bit_24·…·bit_30 is built as a chain of products (degree 2 each), and top·(x mod 2^24) = 0.
func declareBits(t *stark.Table, r *rules) {
	addrX, real := t.Preprocessed("addr_x"), t.Preprocessed("is_real")
	addrBit, multBit := preCols(t, "addr_bit", NumBits), preCols(t, "mult_bit", NumBits)
	x := t.Column("x")
	bit := t.Columns("bit", NumBits)
	top := t.Columns("top", topBits-1)
	var sum, low stark.Expr
	for i := range NumBits {
		r.boolean(fmt.Sprintf("bit %d is boolean", i), bit[i].Cur())
		term := bit[i].Cur().Mul(stark.Const(1 << uint(i)))
		sum = sum.Add(term)
		if i < NumBits-topBits {
			low = low.Add(term)
		}
	}
	r.zero("recomposition", x.Cur().Sub(sum))
	prev := bit[NumBits-topBits].Cur()
	for k := range topBits - 1 {
		r.zero(fmt.Sprintf("top product %d", k), top[k].Cur().Sub(prev.Mul(bit[NumBits-topBits+1+k].Cur())))
		prev = top[k].Cur()
	}
	r.zero("canonical", prev.Mul(low))
	r.read("read x", real.Cur(), addrX.Cur(), []stark.Expr{x.Cur()})
	for i := range NumBits {
		r.write(fmt.Sprintf("write bit %d", i), multBit[i].Cur(), addrBit[i].Cur(), []stark.Expr{bit[i].Cur()})
	}
}

// declarePublic: a row with selector sel_i set writes public value i.
func declarePublic(t *stark.Table, r *rules, numPublic int) {
	addr, mult := t.Preprocessed("addr"), t.Preprocessed("mult")
	sel := preCols(t, "sel", numPublic)
	v := t.Column("v")
	for i := range numPublic {
		r.zero(fmt.Sprintf("public value %d", i), sel[i].Cur().Mul(v.Cur().Sub(stark.Pub(i))))
	}
	r.write("write", mult.Cur(), addr.Cur(), []stark.Expr{v.Cur()})
}

// declareLimbs: the four limbs and the extension value are the same columns, so a pack or unpack
// row needs no constraint: the memory bus alone ties each base value to its limb (a base value's
// tuple has zero upper limbs, so a limb written by an unpack row is a base value).
func declareLimbs(t *stark.Table, r *rules) {
	pre := make([]stark.Column, limbsPreWidth)
	pre[limbsAddrExt] = t.Preprocessed("addr_ext")
	copy(pre[limbsAddrLimb:], preCols(t, "addr_limb", 4))
	pre[limbsMultExt] = t.Preprocessed("mult_ext")
	pre[limbsReadExt] = t.Preprocessed("read_ext")
	pre[limbsReadLimbs] = t.Preprocessed("read_limbs")
	copy(pre[limbsMultLimb:], preCols(t, "mult_limb", 4))
	c := curs(t.Columns("c", 4))
	r.read("read ext", pre[limbsReadExt].Cur(), pre[limbsAddrExt].Cur(), c)
	r.write("write ext", pre[limbsMultExt].Cur(), pre[limbsAddrExt].Cur(), c)
	for j := range 4 {
		r.read(fmt.Sprintf("read limb %d", j), pre[limbsReadLimbs].Cur(), pre[limbsAddrLimb+j].Cur(), c[j:j+1])
		r.write(fmt.Sprintf("write limb %d", j), pre[limbsMultLimb+j].Cur(), pre[limbsAddrLimb+j].Cur(), c[j:j+1])
	}
}

// declareHorner: every step is an extension multiply-add of degree 2, so a row needs no selector:
// a padding row (all zero) satisfies it. A slot that reads nothing holds zero, and a row that
// reads no accumulator starts from zero, so a row's output is fixed by what it reads.
func declareHorner(t *stark.Table, r *rules) {
	addrAcc, hasAcc := t.Preprocessed("addr_acc").Cur(), t.Preprocessed("has_acc").Cur()
	addrAlpha, real := t.Preprocessed("addr_alpha").Cur(), t.Preprocessed("is_real").Cur()
	addrOut, multOut := t.Preprocessed("addr_out").Cur(), t.Preprocessed("mult_out").Cur()
	addrF, readF := preCols(t, "addr_f", HornerWidth), preCols(t, "read_f", HornerWidth)
	accIn, alpha := curs(t.Columns("acc_in", 4)), curs(t.Columns("alpha", 4))
	f := curs(t.Columns("f", HornerWidth))
	acc := make([][]stark.Expr, HornerWidth)
	for j := range acc {
		acc[j] = curs(t.Columns(fmt.Sprintf("acc%d", j), 4))
	}
	one := stark.Const(1)
	for l := range 4 {
		r.zero(fmt.Sprintf("no accumulator, limb %d", l), one.Sub(hasAcc).Mul(accIn[l]))
	}
	prev := accIn
	for j := range HornerWidth {
		r.zero(fmt.Sprintf("unread value %d is zero", j), one.Sub(readF[j].Cur()).Mul(f[j]))
		prod := extMulExpr(prev, alpha)
		prod[0] = prod[0].Add(f[j])
		for l := range 4 {
			r.zero(fmt.Sprintf("step %d, limb %d", j, l), acc[j][l].Sub(prod[l]))
		}
		prev = acc[j]
	}
	r.read("read acc", hasAcc, addrAcc, accIn)
	r.read("read alpha", real, addrAlpha, alpha)
	for j := range HornerWidth {
		r.read(fmt.Sprintf("read f[%d]", j), readF[j].Cur(), addrF[j].Cur(), f[j:j+1])
	}
	r.write("write out", multOut, addrOut, prev)
}

// mainWidth is the number of main columns of each chip.
func mainWidth(c chipKind) int {
	switch c {
	case chipInit:
		return InitWidth
	case chipBaseALU:
		return 3
	case chipExtALU:
		return 12
	case chipSelect:
		return 5
	case chipPoseidon2:
		return 2*Width + 1
	case chipPoseidon2x24:
		return 2 * Width24
	case chipBits:
		return bitsMain
	case chipLimbs:
		return 4
	case chipHorner:
		return hornMainWidth
	}
	return 1 // chipPublic
}

// preWidth is the number of preprocessed columns of each chip.
func preWidth(c chipKind, numPublic int) int {
	switch c {
	case chipInit:
		return initPreWidth
	case chipBaseALU, chipExtALU:
		return aluPreWidth
	case chipSelect:
		return selPreWidth
	case chipPoseidon2, chipPoseidon2x24:
		in, out := p2Ports(c)
		if c == chipPoseidon2 {
			return in + 2*out + 4
		}
		return in + 2*out + 1
	case chipBits:
		return bitsPreWidth
	case chipLimbs:
		return limbsPreWidth
	case chipHorner:
		return hornPreWidth
	}
	return 2 + numPublic // chipPublic
}
