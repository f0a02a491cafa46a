package rv64

import (
	"fmt"
	"math/bits"

	"github.com/zkexex/zkexex/prover/stark"
)

// The decode table: one row per distinct (pc, instruction word) a segment executes. It reads the
// 8-byte word holding the instruction off BusCode (the page-in value of that word: code is decoded
// as it was when the segment started), selects the half at pc bit 2, splits the 32 bits, classifies
// the word through the class table (a preprocessed lookup of (opcode, funct3, funct7)), and sends
// the fields the CPU needs on BusDecode with multiplicity = the number of times the CPU executes it.
//
// Classification is exact for RV64IMA as prover/vm decodes it (decode.go): the class table is built
// by classOf from the same case analysis, word by word; the few legality conditions that are not a
// function of (opcode, funct3, funct7) are the register fields of ecall (all zero), mret (rs2 = 2,
// the rest zero) and LR (rs2 = 0), which the row tests with one inverse column. Compressed words
// (low bits not 11) are looked up under key 31 (opcode 0x7f, reserved), so they classify as illegal.
// An illegal word, ecall and mret all go to the system table (kind chosen by the CPU from the mode).

// busDecodeClass is the class table's lookup bus; busCPUMode carries the segment's start mode from
// the mode-read table to the CPU's first row. Both are private to the CPU helper's tables (numbered
// after BusDecode so that they stay clear of the segment bus map).
const (
	busDecodeClass stark.BusID = 1301
	busCPUMode     stark.BusID = 1302
)

// A decode row sends its tuple with stark.SendTable: the tuple is true (the row decodes the word
// BusCode gives it for its pc), so its multiplicity, the times the CPU executes the instruction,
// needs no bound, and one row serves an instruction however often it runs.

// Class table outputs, one preprocessed column each, after the key.
const (
	oOpc   = iota // ALU Op (ALU class, branches, JALR) or LSOp (loads, stores, AMOs)
	oALU          // sends one ALU message
	oEqt          // BEQ/BNE: the condition is "the SUB result is zero"
	oAlpha        // branches and JAL: taken = alpha + beta·cond; SYSTEM: ecall
	oBeta         // branches: 1 or -1; SYSTEM: mret
	oLink         // rd = pc + 4 (JAL, JALR)
	oJALR         // next pc = the ALU sum with bit 0 cleared
	oLUI          // rd = the value the decode table computes (LUI, AUIPC)
	oPCAdd        // the decoded target adds pc (branches, JAL, AUIPC)
	oLoad
	oStore
	oAMO // AMOs, LR, SC
	oSys // illegal, ecall, mret: a BusSys message
	oUR1 // reads rs1
	oUR2 // reads rs2
	oWRd // writes rd
	oFI  // immediate formats
	oFS
	oFB
	oFJ
	oFU
	oFSh
	oZRR // rd and rs1 must be zero (ecall, mret)
	oZRS // rs2 must be 2·e21 (ecall, mret, LR)
	oE21
	numOut
)

// classKeyBits is the width of the class table's key: opcode bits 2..6, funct3, funct7.
const classKeyBits = 15

// classKeyOf returns the class key of a word: opcode[6:2] | funct3 << 5 | funct7 << 8, or 31 (opcode
// 0x7f, a reserved encoding) for a word whose low bits are not 11.
func classKeyOf(insn uint32) uint32 {
	if insn&3 != 3 {
		return 31
	}
	return insn>>2&31 | (insn>>12&7)<<5 | (insn>>25)<<8
}

// classOf is the class table row of key, from prover/vm/decode.go's case analysis.
func classOf(key uint32) [numOut]int64 {
	var o [numOut]int64
	opcode := key&31<<2 | 3
	f3 := key >> 5 & 7
	f7 := key >> 8
	illegal := func() [numOut]int64 {
		var ill [numOut]int64
		ill[oSys] = 1
		return ill
	}
	alu := func(op Op, r2 bool, imm int) [numOut]int64 {
		o[oOpc], o[oALU], o[oUR1], o[oWRd] = int64(op), 1, 1, 1
		if r2 {
			o[oUR2] = 1
		}
		if imm >= 0 {
			o[imm] = 1
		}
		return o
	}
	switch opcode {
	case 0x37, 0x17: // LUI, AUIPC
		o[oLUI], o[oWRd], o[oFU] = 1, 1, 1
		if opcode == 0x17 {
			o[oPCAdd] = 1
		}
		return o
	case 0x6f: // JAL
		o[oLink], o[oAlpha], o[oPCAdd], o[oWRd], o[oFJ] = 1, 1, 1, 1, 1
		return o
	case 0x67: // JALR
		if f3 != 0 {
			return illegal()
		}
		o[oLink], o[oJALR] = 1, 1
		return alu(OpADD, false, oFI)
	case 0x63: // branches
		type br struct {
			op          Op
			eq          bool
			alpha, beta int64
		}
		if f3 == 2 || f3 == 3 {
			return illegal()
		}
		b := [8]br{0: {OpSUB, true, 0, 1}, 1: {OpSUB, true, 1, -1}, 4: {OpSLT, false, 0, 1},
			5: {OpSLT, false, 1, -1}, 6: {OpSLTU, false, 0, 1}, 7: {OpSLTU, false, 1, -1}}[f3]
		o[oOpc], o[oALU], o[oUR1], o[oUR2], o[oPCAdd], o[oFB] = int64(b.op), 1, 1, 1, 1, 1
		o[oAlpha], o[oBeta] = b.alpha, b.beta
		if b.eq {
			o[oEqt] = 1
		}
		return o
	case 0x03: // loads: LSOp 1 + funct3
		if f3 == 7 {
			return illegal()
		}
		o[oOpc], o[oALU], o[oLoad], o[oUR1], o[oWRd], o[oFI] = int64(1+f3), 1, 1, 1, 1, 1
		return o
	case 0x23: // stores: LSOp 8 + funct3
		if f3 > 3 {
			return illegal()
		}
		o[oOpc], o[oALU], o[oStore], o[oUR1], o[oUR2], o[oFS] = int64(8+f3), 1, 1, 1, 1, 1
		return o
	case 0x13:
		switch f3 {
		case 0, 2, 3, 4, 6, 7:
			return alu([8]Op{OpADD, 0, OpSLT, OpSLTU, OpXOR, 0, OpOR, OpAND}[f3], false, oFI)
		case 1:
			if f7>>1 == 0 {
				return alu(OpSLL, false, oFSh)
			}
		case 5:
			switch f7 >> 1 {
			case 0:
				return alu(OpSRL, false, oFSh)
			case 0x10:
				return alu(OpSRA, false, oFSh)
			}
		}
		return illegal()
	case 0x1b:
		switch {
		case f3 == 0:
			return alu(OpADDW, false, oFI)
		case f3 == 1 && f7 == 0:
			return alu(OpSLLW, false, oFSh)
		case f3 == 5 && f7 == 0:
			return alu(OpSRLW, false, oFSh)
		case f3 == 5 && f7 == 0x20:
			return alu(OpSRAW, false, oFSh)
		}
		return illegal()
	case 0x33:
		switch f7 {
		case 0:
			return alu([8]Op{OpADD, OpSLL, OpSLT, OpSLTU, OpXOR, OpSRL, OpOR, OpAND}[f3], true, -1)
		case 0x20:
			switch f3 {
			case 0:
				return alu(OpSUB, true, -1)
			case 5:
				return alu(OpSRA, true, -1)
			}
		case 1:
			return alu([8]Op{OpMUL, OpMULH, OpMULHSU, OpMULHU, OpDIV, OpDIVU, OpREM, OpREMU}[f3], true, -1)
		}
		return illegal()
	case 0x3b:
		var op Op
		switch {
		case f7 == 0 && f3 == 0:
			op = OpADDW
		case f7 == 0 && f3 == 1:
			op = OpSLLW
		case f7 == 0 && f3 == 5:
			op = OpSRLW
		case f7 == 0x20 && f3 == 0:
			op = OpSUBW
		case f7 == 0x20 && f3 == 5:
			op = OpSRAW
		case f7 == 1 && f3 != 1 && f3 != 2 && f3 != 3:
			op = [8]Op{OpMULW, 0, 0, 0, OpDIVW, OpDIVUW, OpREMW, OpREMUW}[f3]
		default:
			return illegal()
		}
		return alu(op, true, -1)
	case 0x0f: // FENCE, FENCE.I: no-ops, whatever their other fields
		if f3 > 1 {
			return illegal()
		}
		return o
	case 0x73: // only the exact words of ecall and mret are legal
		switch {
		case f3 == 0 && f7 == 0:
			o[oSys], o[oAlpha], o[oZRR], o[oZRS] = 1, 1, 1, 1
			return o
		case f3 == 0 && f7 == 0x18:
			o[oSys], o[oBeta], o[oZRR], o[oZRS], o[oE21] = 1, 1, 1, 1, 1
			return o
		}
		return illegal()
	case 0x2f:
		if f3 != 2 && f3 != 3 {
			return illegal()
		}
		f5 := f7 >> 2
		o[oOpc] = int64(16 + 2*f5 + f3 - 2)
		o[oAMO], o[oUR1], o[oUR2], o[oWRd] = 1, 1, 1, 1
		switch f5 {
		case 2: // LR: rs2 must be 0
			o[oUR2], o[oZRS] = 0, 1
		case 0, 1, 3, 4, 8, 12, 16, 20, 24, 28:
		default:
			return illegal()
		}
		return o
	}
	return illegal()
}

// classTableRows is the class table's contents: row k holds key k and classOf(k).
var classTableRows = func() *stark.Matrix {
	m := stark.NewMatrix(1+numOut, 1<<classKeyBits)
	for k := 0; k < 1<<classKeyBits; k++ {
		m.SetUint(k, 0, uint64(k))
		o := classOf(uint32(k))
		for j, v := range o {
			var f stark.F
			f.SetInt64(v)
			m.Set(k, 1+j, f)
		}
	}
	return m
}()

// classTable is the preprocessed lookup table of the 2^15 class keys and their outputs.
func classTable() *stark.Table {
	t := stark.NewTable("decode_class")
	mult := t.Column("mult")
	keys := []stark.Column{t.Preprocessed("key")}
	for j := 0; j < numOut; j++ {
		keys = append(keys, t.Preprocessed(fmt.Sprintf("out[%d]", j)))
	}
	t.SetPreprocessed(classTableRows)
	t.LookupTable(busDecodeClass, mult.Cur(), keys...)
	return t
}

// decodeFields is the number of values the decode table sends on BusDecode after pc[3], before the
// mode: seq carries c0 c1, tgt[3], imm0 immhi, rs1 rs2 rd, use1 use2 used, opc, and the class fields
// alu eqt alpha beta rdsrc jalr load store amo sys.
const decodeFields = 2 + 3 + 2 + 3 + 3 + 1 + 10

// Positions within the BusDecode tuple after pc. The ALU's immediate operand is (imm0, immhi,
// immhi, immhi): every immediate the ALU takes is sign-extended from at most 16 bits. rdsrc says
// where rd's value comes from when no chip proves it: 1 pc + 4 (JAL, JALR), 2 (tgt, immhi) (LUI,
// AUIPC: the decode table computes the value), 0 otherwise.
const (
	dC0    = 0
	dC1    = 1
	dTgt   = 2 // 3 limbs
	dImm   = 5
	dImmHi = 6
	dRs1   = 7 // rs1, rs2, rd indices
	dRs2   = 8
	dRd    = 9
	dUse   = 10 // use1, use2, used
	dOpc   = 13
	dALU   = 14
	dEqt   = 15
	dAlpha = 16
	dBeta  = 17
	dRdSrc = 18
	dJALR  = 19
	dLoad  = 20
	dStore = 21
	dAMO   = 22
	dSys   = 23
)

// decodedInsn is everything the decode table proves about one (pc, word): the row's witness and
// the fields it sends. decodeInsn computes it; the decode trace writes it and the CPU trace takes its
// fields, so the two tables see the same decoding by construction and the AIR checks it.
type decodedInsn struct {
	pc     uint64
	insn   uint32
	key    uint32
	out    [numOut]int64
	lowok  uint64
	x21    uint64
	ok     uint64
	sinv   stark.F
	reg    [3]uint64 // rs1, rs2, rd
	inv    [3]stark.F
	use    [3]uint64
	c      [2]uint64 // carries of pc + 4
	e      [3]uint64 // carries of the target sum
	tgt    [3]uint64 // the target limbs as computed (before the overflow mark)
	v3     uint64
	fields [decodeFields]stark.F
}

func fieldInt(v int64) stark.F {
	var f stark.F
	f.SetInt64(v)
	return f
}

func insnBit(insn uint32, i int) uint64 { return uint64(insn >> uint(i) & 1) }

// insnBits is Σ_{i<n} insnBit(lo+i)·2^(shift+i).
func insnBits(insn uint32, lo, n, shift int) uint64 {
	return uint64(insn>>uint(lo)&(1<<uint(n)-1)) << uint(shift)
}

// immLimbs returns the low limb of the I, S, B, J, U and shift immediates' 48-bit forms and their
// limb 1 (the sign fills limb 2 except for shifts), as the decode table's constraints compute them.
func immLimbs(insn uint32) (iI, iS, iSh, b0, j0, j1, u0, u1 uint64) {
	s := insnBit(insn, 31)
	iI = insnBits(insn, 20, 12, 0) + s*0xf000
	iS = insnBits(insn, 7, 5, 0) + insnBits(insn, 25, 7, 5) + s*0xf000
	iSh = insnBits(insn, 20, 6, 0)
	b0 = insnBits(insn, 8, 4, 1) + insnBits(insn, 25, 6, 5) + insnBit(insn, 7)<<11 + s*0xf000
	j0 = insnBits(insn, 21, 10, 1) + insnBit(insn, 20)<<11 + insnBits(insn, 12, 4, 12)
	j1 = insnBits(insn, 16, 4, 0) + s*0xfff0
	u0 = insnBits(insn, 12, 4, 12)
	u1 = insnBits(insn, 16, 16, 0)
	return
}

// decodeInsn decodes the word insn at pc as the decode table does.
func decodeInsn(pc uint64, insn uint32) decodedInsn {
	return decodeWith(pc, insn, classOf(classKeyOf(insn)))
}

// decodeWith decodes insn at pc with the class outputs out (classOf's, unless a test forges them).
func decodeWith(pc uint64, insn uint32, out [numOut]int64) decodedInsn {
	d := decodedInsn{pc: pc, insn: insn, key: classKeyOf(insn), out: out}
	o := &d.out
	d.lowok = insnBit(insn, 0) & insnBit(insn, 1)
	d.x21 = insnBit(insn, 21) ^ uint64(o[oE21])
	s := uint64(o[oZRR])*(uint64(bits.OnesCount32(insn>>7&31))+uint64(bits.OnesCount32(insn>>15&31))) +
		uint64(o[oZRS])*(insnBit(insn, 20)+insnBit(insn, 22)+insnBit(insn, 23)+insnBit(insn, 24)+d.x21)
	d.ok = 1
	if s != 0 {
		d.ok = 0
		d.sinv.SetUint64(s)
		d.sinv.Inverse(&d.sinv)
	}
	d.reg = [3]uint64{uint64(insn >> 15 & 31), uint64(insn >> 20 & 31), uint64(insn >> 7 & 31)}
	for i, r := range d.reg {
		if r != 0 {
			d.inv[i].SetUint64(r)
			d.inv[i].Inverse(&d.inv[i])
			d.use[i] = uint64(o[oUR1+i])
		}
	}
	pcl := addrLimbs(pc)
	if pcl[0] == 0xfffc {
		d.c[0] = 1
		if pcl[1] == 0xffff {
			d.c[1] = 1
		}
	}
	// The target: pc·pcadd + the B, J or U offset, as a 48-bit sum with carries.
	_, _, _, b0, j0, j1, u0, u1 := immLimbs(insn)
	sgn := insnBit(insn, 31)
	var off [3]uint64
	switch {
	case o[oFB] == 1:
		off = [3]uint64{b0, 0xffff * sgn, 0xffff * sgn}
	case o[oFJ] == 1:
		off = [3]uint64{j0, j1, 0xffff * sgn}
	case o[oFU] == 1:
		off = [3]uint64{u0, u1, 0xffff * sgn}
	}
	var carry uint64
	for k := 0; k < 3; k++ {
		sum := off[k] + carry
		if o[oPCAdd] == 1 {
			sum += pcl[k]
		}
		d.tgt[k], d.e[k] = sum&0xffff, sum>>16
		carry = d.e[k]
	}
	d.v3 = 0xffff*sgn + d.e[2] - (1<<16)*sgn*d.e[2]
	d.setFields()
	return d
}

// setFields computes the BusDecode tuple (after pc) from the row's witness.
func (d *decodedInsn) setFields() {
	o, insn, sgn := &d.out, d.insn, insnBit(d.insn, 31)
	iI, iS, iSh, _, _, _, _, _ := immLimbs(insn)
	f := &d.fields
	f[dC0].SetUint64(d.c[0])
	f[dC1].SetUint64(d.c[1])
	for k := 0; k < 3; k++ {
		f[dTgt+k].SetUint64(d.tgt[k])
		f[dRs1+k].SetUint64(d.reg[k])
		f[dUse+k].SetUint64(d.ok * d.use[k])
	}
	// A taken branch or JAL whose target leaves [0, 2^48) would wrap: its target is sent off by one,
	// an odd pc that no decode row has, so such a jump has no next row (the executor faults there).
	if o[oFB]+o[oFJ] == 1 {
		var adj stark.F
		adj.SetInt64(int64(d.e[2]) - int64(sgn))
		f[dTgt].Add(&f[dTgt], &adj)
	}
	imm0 := uint64(o[oFI])*iI + uint64(o[oFS])*iS + uint64(o[oFSh])*iSh
	imm1 := uint64(o[oFI]+o[oFS]) * 0xffff * sgn
	f[dImm].SetUint64(imm0)
	f[dImmHi].SetUint64(imm1 + uint64(o[oLUI])*d.v3)
	f[dOpc] = fieldInt(o[oOpc])
	for _, p := range [][2]int{{dALU, oALU}, {dEqt, oEqt}, {dAlpha, oAlpha}, {dBeta, oBeta}, {dJALR, oJALR}, {dLoad, oLoad}, {dStore, oStore}, {dAMO, oAMO}} {
		f[p[0]] = fieldInt(int64(d.ok) * o[p[1]])
	}
	f[dRdSrc] = fieldInt(int64(d.ok) * (o[oLink] + 2*o[oLUI]))
	f[dSys] = fieldInt(o[oSys] + (1-int64(d.ok))*(1-o[oSys]))
}

// decodeCols are the decode table's main columns.
type decodeCols struct {
	isReal, mult stark.Column
	addr         []stark.Column // the word's address limbs (off BusCode)
	halfF        stark.Column   // pc bit 2
	word         []stark.Column // the word's four limbs
	bits         []stark.Column // the instruction's 32 bits
	lowok        stark.Column   // bit 0 · bit 1
	out          []stark.Column // the class table's outputs for the row's key
	x21, sinv    stark.Column
	ok           stark.Column
	inv, use     []stark.Column // per register field rs1, rs2, rd
	c, e         []stark.Column // carries of pc + 4 and of the target
	tgt          []stark.Column
	v3           stark.Column // AUIPC's limb 3
	kr, krInv    stark.Column // [pc in the kernel range] and its zero test's inverse
}

// newDecodeTable declares the decode table with rules left out by name (tests only).
func newDecodeTable(omit map[string]bool) *stark.Table {
	t := stark.NewTable("decode")
	buildDecode(&rules{t: t, omit: omit})
	return t
}

func declareDecode(t *stark.Table) decodeCols {
	return decodeCols{
		isReal: t.Column("is_real"), mult: t.Column("mult"),
		addr: t.Columns("addr", 3), halfF: t.Column("half"), word: t.Columns("word", 4),
		bits: t.Columns("bit", 32), lowok: t.Column("lowok"), out: t.Columns("class", numOut),
		x21: t.Column("x21"), sinv: t.Column("fields_inv"), ok: t.Column("ok"),
		inv: t.Columns("reg_inv", 3), use: t.Columns("use", 3),
		c: t.Columns("seq_carry", 2), e: t.Columns("tgt_carry", 3), tgt: t.Columns("tgt", 3),
		v3: t.Column("auipc_hi"), kr: t.Column("kernel_pc"), krInv: t.Column("kernel_pc_inv"),
	}
}

// decodeLayout is the decode table's column layout and decodeWidth its width, for trace generation.
var decodeLayout, decodeWidth = func() (decodeCols, int) {
	t := stark.NewTable("decode")
	c := buildDecode(&rules{t: t})
	return c, t.Width()
}()

func buildDecode(r *rules) decodeCols {
	c := declareDecode(r.t)
	one := stark.Const(1)
	isReal := c.isReal.Cur()
	b := func(i int) stark.Expr { return c.bits[i].Cur() }
	field := func(lo, n, shift int) stark.Expr {
		var e stark.Expr
		for i := 0; i < n; i++ {
			e = e.Add(b(lo + i).Mul(stark.Const(1 << uint(shift+i))))
		}
		return e
	}
	out := func(j int) stark.Expr { return c.out[j].Cur() }

	r.boolean("is_real boolean", isReal)
	r.zero("padding sends nothing", c.mult.Cur().Mul(one.Sub(isReal)))
	r.boolean("half boolean", c.halfF.Cur())
	for i := range c.bits {
		r.boolean("bit boolean", b(i))
	}
	// The instruction is the word's limbs 0, 1 or 2, 3 as pc bit 2 says.
	h := c.halfF.Cur()
	w := func(k int) stark.Expr { return c.word[k].Cur() }
	lo := w(0).Add(h.Mul(w(2).Sub(w(0))))
	hi := w(1).Add(h.Mul(w(3).Sub(w(1))))
	r.zero("instruction bits (low half)", field(0, 16, 0).Sub(lo))
	r.zero("instruction bits (high half)", field(16, 16, 0).Sub(hi))
	if !r.omit["code receive"] {
		r.t.Receive(BusCode, isReal, c.addr[0].Cur(), c.addr[1].Cur(), c.addr[2].Cur(), w(0), w(1), w(2), w(3))
		r.interactions++
	}
	pc := [3]stark.Expr{c.addr[0].Cur().Add(h.Mul(stark.Const(4))), c.addr[1].Cur(), c.addr[2].Cur()}

	// Class lookup: key = opcode[6:2] | funct3 << 5 | funct7 << 8, or 31 for a word whose low bits
	// are not 11.
	r.zero("low bits", c.lowok.Cur().Sub(b(0).Mul(b(1))))
	k15 := field(2, 5, 0).Add(field(12, 3, 5)).Add(field(25, 7, 8))
	key := c.lowok.Cur().Mul(k15.Sub(stark.Const(31))).Add(stark.Const(31))
	if !r.omit["class lookup"] {
		vals := []stark.Expr{key}
		for j := 0; j < numOut; j++ {
			vals = append(vals, out(j))
		}
		r.t.Send(busDecodeClass, isReal, vals...)
		r.interactions++
	}

	// Register-field conditions of ecall, mret and LR: ok = [S = 0].
	r.zero("x21", c.x21.Cur().Sub(b(21).Add(out(oE21)).Sub(b(21).Mul(out(oE21)).Mul(stark.Const(2)))))
	var regBits stark.Expr
	for i := 0; i < 5; i++ {
		regBits = regBits.Add(b(7 + i)).Add(b(15 + i))
	}
	s := out(oZRR).Mul(regBits).Add(out(oZRS).Mul(b(20).Add(b(22)).Add(b(23)).Add(b(24)).Add(c.x21.Cur())))
	ok := c.ok.Cur()
	r.zero("fields zero when ok", ok.Mul(s))
	r.zero("ok iff fields zero", ok.Sub(one).Add(s.Mul(c.sinv.Cur())))

	// Register use: use = reads/writes · [field != 0].
	regs := [3]stark.Expr{field(15, 5, 0), field(20, 5, 0), field(7, 5, 0)}
	for i, rg := range regs {
		nz := rg.Mul(c.inv[i].Cur())
		r.zero("register inverse", rg.Mul(one.Sub(nz)))
		r.zero("register use", c.use[i].Cur().Sub(out(oUR1+i).Mul(nz)))
	}

	// pc + 4 as carries: the CPU rebuilds seq from pc and the carries; its limbs are range-checked
	// here, which fixes the carries.
	seq := seqExpr(pc, c.c[0].Cur(), c.c[1].Cur(), one)
	for k := 0; k < 2; k++ {
		r.boolean("seq carry boolean", c.c[k].Cur())
	}
	for k := 0; k < 3; k++ {
		r.sendRange16("seq range", isReal, seq[k])
	}

	// Target: pc·pcadd + offset (B, J or U immediate, as 48-bit limbs), with carries.
	sgn := b(31)
	ffff := stark.Const(0xffff)
	fB, fJ, fU := out(oFB), out(oFJ), out(oFU)
	b0 := field(8, 4, 1).Add(field(25, 6, 5)).Add(b(7).Mul(stark.Const(1 << 11))).Add(sgn.Mul(stark.Const(0xf000)))
	j0 := field(21, 10, 1).Add(b(20).Mul(stark.Const(1 << 11))).Add(field(12, 4, 12))
	j1 := field(16, 4, 0).Add(sgn.Mul(stark.Const(0xfff0)))
	u0, u1 := field(12, 4, 12), field(16, 16, 0)
	off := [3]stark.Expr{
		fB.Mul(b0).Add(fJ.Mul(j0)).Add(fU.Mul(u0)),
		fB.Mul(sgn.Mul(ffff)).Add(fJ.Mul(j1)).Add(fU.Mul(u1)),
		fB.Add(fJ).Add(fU).Mul(sgn.Mul(ffff)),
	}
	var cin stark.Expr
	for k := 0; k < 3; k++ {
		e := c.e[k].Cur()
		r.boolean("target carry boolean", e)
		r.zero("target sum", out(oPCAdd).Mul(pc[k]).Add(off[k]).Add(cin).Sub(c.tgt[k].Cur()).Sub(e.Mul(stark.Const(1<<16))))
		r.sendRange16("target range", isReal, c.tgt[k].Cur())
		cin = e
	}
	e2 := c.e[2].Cur()
	r.zero("AUIPC limb 3", c.v3.Cur().Sub(sgn.Mul(ffff)).Sub(e2).Add(sgn.Mul(e2).Mul(stark.Const(1<<16))))

	// The CPU's immediate (ALU operand b): I, S or shift amount, sign-extended; for LUI/AUIPC
	// the limb 3 of the value (limbs 0..2 are tgt).
	fI, fS, fSh := out(oFI), out(oFS), out(oFSh)
	iI := field(20, 12, 0).Add(sgn.Mul(stark.Const(0xf000)))
	iS := field(7, 5, 0).Add(field(25, 7, 5)).Add(sgn.Mul(stark.Const(0xf000)))
	imm1 := fI.Add(fS).Mul(sgn.Mul(ffff))

	var f [decodeFields]stark.Expr
	f[dC0], f[dC1] = c.c[0].Cur(), c.c[1].Cur()
	f[dImm] = fI.Mul(iI).Add(fS.Mul(iS)).Add(fSh.Mul(field(20, 6, 0)))
	f[dImmHi] = imm1.Add(out(oLUI).Mul(c.v3.Cur()))
	for k := 0; k < 3; k++ {
		f[dTgt+k] = c.tgt[k].Cur()
		f[dRs1+k] = regs[k]
		f[dUse+k] = ok.Mul(c.use[k].Cur())
	}
	if !r.omit["target overflow mark"] {
		f[dTgt] = f[dTgt].Add(fB.Add(fJ).Mul(e2.Sub(sgn)))
	}
	f[dOpc] = out(oOpc)
	for _, p := range [][2]int{{dALU, oALU}, {dEqt, oEqt}, {dAlpha, oAlpha}, {dBeta, oBeta}, {dJALR, oJALR}, {dLoad, oLoad}, {dStore, oStore}, {dAMO, oAMO}} {
		f[p[0]] = ok.Mul(out(p[1]))
	}
	f[dRdSrc] = ok.Mul(out(oLink).Add(out(oLUI).Mul(stark.Const(2))))
	f[dSys] = out(oSys).Add(one.Sub(ok).Mul(one.Sub(out(oSys))))
	// The mode the instruction runs in is [pc in the kernel range] (limb 2 = 0xffff): user code may
	// not run there (the executor faults), and the kernel runs nowhere else. The CPU receives its mode
	// column in this position.
	kr, d2 := c.kr.Cur(), pc[2].Sub(stark.Const(0xffff))
	r.zero("kernel pc", kr.Mul(d2))
	r.zero("user pc", one.Sub(kr).Sub(d2.Mul(c.krInv.Cur())))
	if !r.omit["decode send"] {
		r.t.SendTable(BusDecode, c.mult.Cur(), append(append(pc[:], f[:]...), kr)...)
		r.interactions++
	}
	return c
}

// seqExpr is pc + 4 (4·real on padding rows: 0) as limbs, from the two carries the decode table
// proves.
func seqExpr(pc [3]stark.Expr, c0, c1, real stark.Expr) [3]stark.Expr {
	return [3]stark.Expr{
		pc[0].Add(real.Mul(stark.Const(4))).Sub(c0.Mul(stark.Const(1 << 16))),
		pc[1].Add(c0).Sub(c1.Mul(stark.Const(1 << 16))),
		pc[2].Add(c1),
	}
}

// decodeTraces are the decode table's and the class table's traces, the range-check counts of
// the decode rows, and BusCode's multiplicities: word address → the number of decode rows reading
// that word (the paging table sends each fetched word's page-in value that many times).
type decodeTraces struct {
	decode, class *stark.Matrix
	counts        *counts
	code          map[uint64]uint64
}

// decodeRow is one decode row to write: the decoding, the code word it reads and its executions.
type decodeRow struct {
	d    decodedInsn
	word uint64
	n    uint64
}

// decodeTrace builds the decode table's (at least 2^minLog rows) and the class table's traces
// from the CPU's events.
func decodeTrace(evs []cpuEvent, minLog int) (*decodeTraces, error) {
	rows, err := decodeRows(evs)
	if err != nil {
		return nil, err
	}
	return writeDecodeTrace(rows, minLog), nil
}

// decodeRows lists the decode rows of the events: one per distinct (pc, word), in order of first
// execution.
func decodeRows(evs []cpuEvent) ([]decodeRow, error) {
	type key struct {
		pc   uint64
		word uint64
	}
	idx := map[key]int{}
	var rows []decodeRow
	for i := range evs {
		e := &evs[i]
		if err := e.checkCode(); err != nil {
			return nil, err
		}
		k := key{e.PC, e.CodeWord}
		j, ok := idx[k]
		if !ok {
			j = len(rows)
			idx[k] = j
			rows = append(rows, decodeRow{d: decodeInsn(e.PC, e.Insn), word: e.CodeWord})
		}
		rows[j].n++
	}
	return rows, nil
}

// writeDecodeTrace fills the decode (at least 2^minLog rows) and class tables' traces from the rows.
func writeDecodeTrace(rows []decodeRow, minLog int) *decodeTraces {
	m := stark.NewMatrix(decodeWidth, 1<<uint(padLog(len(rows), minLog)))
	cnt := new(counts)
	class := make([]uint64, 1<<classKeyBits)
	code := map[uint64]uint64{}
	for i, r := range rows {
		fillDecodeRow(m, i, &decodeLayout, r.d, r.word, r.n, cnt)
		class[r.d.key]++
		code[r.d.pc&^7]++
	}
	var padInv stark.F
	padInv.SetInt64(-0xffff)
	padInv.Inverse(&padInv)
	for i := len(rows); i < m.Height; i++ {
		m.SetUint(i, decodeLayout.ok.Index(), 1) // "ok iff fields zero" on an all-zero row
		m.Set(i, decodeLayout.krInv.Index(), padInv)
	}
	cl := stark.NewMatrix(1, 1<<classKeyBits)
	for k, v := range class {
		cl.SetUint(k, 0, v)
	}
	return &decodeTraces{decode: m, class: cl, counts: cnt, code: code}
}

func fillDecodeRow(m *stark.Matrix, row int, L *decodeCols, d decodedInsn, word, n uint64, cnt *counts) {
	set := func(c stark.Column, v uint64) { m.SetUint(row, c.Index(), v) }
	set(L.isReal, 1)
	set(L.mult, n)
	al := addrLimbs(d.pc &^ 7)
	for k := 0; k < 3; k++ {
		set(L.addr[k], al[k])
	}
	set(L.halfF, d.pc>>2&1)
	for k := 0; k < 4; k++ {
		set(L.word[k], word>>(16*k)&0xffff)
	}
	for i := 0; i < 32; i++ {
		set(L.bits[i], insnBit(d.insn, i))
	}
	set(L.lowok, d.lowok)
	for j := 0; j < numOut; j++ {
		m.Set(row, L.out[j].Index(), fieldInt(d.out[j]))
	}
	set(L.x21, d.x21)
	m.Set(row, L.sinv.Index(), d.sinv)
	set(L.ok, d.ok)
	for i := 0; i < 3; i++ {
		m.Set(row, L.inv[i].Index(), d.inv[i])
		set(L.use[i], d.use[i])
		set(L.e[i], d.e[i])
		set(L.tgt[i], d.tgt[i])
		cnt.limbs[d.tgt[i]]++
	}
	set(L.c[0], d.c[0])
	set(L.c[1], d.c[1])
	set(L.v3, d.v3)
	if pc2 := d.pc >> 32 & 0xffff; pc2 == 0xffff {
		set(L.kr, 1)
	} else {
		var inv stark.F
		inv.SetUint64(pc2)
		inv.Sub(&inv, new(stark.F).SetUint64(0xffff))
		inv.Inverse(&inv)
		m.Set(row, L.krInv.Index(), inv)
	}
	seq := addrLimbs(d.pc + 4)
	for k := 0; k < 3; k++ {
		cnt.limbs[seq[k]]++
	}
}
