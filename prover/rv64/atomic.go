package rv64

import (
	"fmt"

	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
)

// ReservationAddr is the LR reservation word (ABI v1: MachineBase + 0x218): the reserved address,
// 0 when none.
const ReservationAddr = vm.MachineBase + 0x218

// atomicKinds lists the A-extension operations by funct5, in the order of the atomic table's
// flag columns.
var atomicKinds = []struct {
	name   string
	funct5 uint64
}{
	{"LR", 2}, {"SC", 3}, {"SWAP", 1}, {"ADD", 0}, {"XOR", 4}, {"AND", 12}, {"OR", 8},
	{"MIN", 16}, {"MAX", 20}, {"MINU", 24}, {"MAXU", 28},
}

// Indices into atomicKinds.
const (
	akLR = iota
	akSC
	akSWAP
	akADD
	akXOR
	akAND
	akOR
	akMIN
	akMAX
	akMINU
	akMAXU
)

func atomicKind(op LSOp) int {
	f5 := uint64(op-16) / 2
	for i, k := range atomicKinds {
		if k.funct5 == f5 {
			return i
		}
	}
	return -1
}

// Atomic is the executor's semantics of LR, SC and the AMOs (prover/vm machine.go atomic): given
// the address, rs2's value in, the old contents of the aligned word holding the address and of
// the reservation word, it returns rd's new value, the word's new contents, whether the word is
// accessed at all (a failing SC does not touch it) and the reservation word's new contents.
// Misaligned addresses fault in the executor and are refused here.
func Atomic(op LSOp, addr, in, old, res uint64) (out, next uint64, touched bool, nextRes uint64, err error) {
	if !op.isAtomic() {
		return 0, old, false, res, fmt.Errorf("%w: %v", ErrLSOp, op)
	}
	size := op.size()
	if addr&(size-1) != 0 || addr >= 1<<48 {
		return 0, old, false, res, fmt.Errorf("%w: %v at %#x", ErrLSAddress, op, addr)
	}
	sh := 8 * (addr & 7)
	mask := ^uint64(0)
	ext := func(v uint64) uint64 { return v }
	if size == 4 {
		mask = 0xffffffff
		ext = func(v uint64) uint64 { return uint64(int64(int32(v))) }
	}
	o := ext(old >> sh & mask)
	store := func(v uint64) uint64 { return old&^(mask<<sh) | (v&mask)<<sh }
	kind := atomicKind(op)
	switch kind {
	case akLR:
		return o, old, true, addr, nil
	case akSC:
		if res != addr {
			return 1, old, false, 0, nil
		}
		return 0, store(in), true, 0, nil
	}
	s := ext(in)
	var v uint64
	switch kind {
	case akSWAP:
		v = s
	case akADD:
		v = o + s
	case akXOR:
		v = o ^ s
	case akAND:
		v = o & s
	case akOR:
		v = o | s
	case akMIN, akMAX:
		v = o
		if (int64(s) < int64(o)) == (kind == akMIN) && s != o {
			v = s
		}
	case akMINU, akMAXU:
		// .W compares the 32-bit values; their sign extensions order the same way unsigned
		// only within one sign, so compare the masked values.
		v = o
		if (s&mask < o&mask) == (kind == akMINU) && s&mask != o&mask {
			v = s
		}
	}
	return o, store(v), true, res, nil
}

// atomicCols is the layout of the atomic table.
type atomicCols struct {
	kinds              []stark.Column // one-hot operation kind (atomicKinds)
	dw, wlo, whi       stark.Column   // one-hot: .D, .W on the low half, .W on the high half
	addr               []stark.Column
	ts                 stark.Column
	in, out            []stark.Column
	prev, next         []stark.Column // the data word
	res                []stark.Column // the value written to the word (in the accessed half for .W)
	rprev              []stark.Column // the reservation word's old value
	success            stark.Column   // SC succeeded
	neq                []stark.Column // witness that a failing SC's reservation differs from addr
	sign, inSign       stark.Column   // bit 31 of the old value (.W) and of in (signed .W compares)
	lt                 stark.Column   // the comparison's result (MIN/MAX)
	unsW               stark.Column   // an unsigned .W comparison (its operands are zero-extended)
	ca, cb, cr         []stark.Column // the ALU message
	pg                 stark.Column   // page[0] of the data word (writes)
	accData, accRes    accessCols
	aluMult, dataWrite stark.Expr
}

var atomicLayout = func() atomicCols {
	_, c := buildAtomic(nil)
	return c
}()

// AtomicTable is the table of LR, SC and the AMOs: one row per BusLS message with such an op.
// The data word is read (LR) or read-modify-written (AMOs, a successful SC) through memAccess at
// the message's ts; the reservation word is written with the address by LR at ts + 1 (after the
// read, as the executor does) and read and cleared by SC at ts - 1 (before the store): slots
// SlotRd and SlotRs2 of the cycle, whose own accesses are to registers, never to the
// reservation word, so that even an LR or SC on the reservation word itself is provable. AMO
// results come from the ALU chips over BusALU: ADD (ADDW for .W), XOR, AND, OR on (old, in), and
// MIN/MAX/MINU/MAXU as SLT/SLTU on the operands as the executor compares them (.W: sign- or
// zero-extended 32-bit values) with a select. Alignment is required (the executor faults on
// misaligned atomics): the word address a_0 - 4·whi must be one page-in sent, which leaves no
// other offset.
func AtomicTable() *stark.Table { return atomicTable(nil) }

func atomicTable(omit map[string]bool) *stark.Table {
	t, _ := buildAtomic(omit)
	return t
}

func buildAtomic(omit map[string]bool) (*stark.Table, atomicCols) {
	t := stark.NewTable("mem_atomic")
	r := &rules{t: t, omit: omit}
	var c atomicCols
	c.kinds = t.Columns("kind", len(atomicKinds))
	c.dw, c.wlo, c.whi = t.Column("double"), t.Column("word_lo"), t.Column("word_hi")
	c.addr = t.Columns("addr", 3)
	c.ts = t.Column("ts")
	c.in, c.out = t.Columns("in", 4), t.Columns("out", 4)
	c.prev, c.next = t.Columns("prev", 4), t.Columns("next", 4)
	c.res = t.Columns("result", 4)
	c.rprev = t.Columns("reservation", 4)
	c.success = t.Column("success")
	c.neq = t.Columns("neq_witness", 4)
	c.sign, c.inSign = t.Column("sign"), t.Column("in_sign")
	c.lt = t.Column("lt")
	c.unsW = t.Column("unsigned_w")
	c.ca, c.cb, c.cr = t.Columns("alu_a", 4), t.Columns("alu_b", 4), t.Columns("alu_r", 4)
	c.pg = t.Column("page")

	one := stark.Const(1)
	k := cur(c.kinds)
	var isReal, op stark.Expr
	for i, f := range k {
		r.boolean("kind boolean", f)
		isReal = isReal.Add(f)
		op = op.Add(f.Mul(stark.Const(16 + 2*atomicKinds[i].funct5)))
	}
	r.boolean("one operation per row", isReal)
	dw, wlo, whi := c.dw.Cur(), c.wlo.Cur(), c.whi.Cur()
	for _, f := range []stark.Expr{dw, wlo, whi} {
		r.boolean("width boolean", f)
	}
	r.zero("one width per row", dw.Add(wlo).Add(whi).Sub(isReal))
	op = op.Add(dw)
	w := wlo.Add(whi)
	lr, sc := k[akLR], k[akSC]
	amo := isReal.Sub(lr).Sub(sc)
	arith := k[akADD].Add(k[akXOR]).Add(k[akAND]).Add(k[akOR])
	cmpSigned := k[akMIN].Add(k[akMAX])
	cmpUnsigned := k[akMINU].Add(k[akMAXU])
	cmp := cmpSigned.Add(cmpUnsigned)

	a, in, out := cur(c.addr), cur(c.in), cur(c.out)
	P, N, res := cur(c.prev), cur(c.next), cur(c.res)
	ts := c.ts.Cur()
	success := c.success.Cur()
	r.boolean("success boolean", success)
	r.zero("success only for SC", success.Mul(one.Sub(sc)))

	// out: the old value (sign-extended for .W), or SC's 0 on success and 1 on failure.
	sign := c.sign.Cur()
	r.boolean("sign boolean", sign)
	r.zero("sign only for .W", sign.Mul(one.Sub(w)))
	notSC := isReal.Sub(sc)
	r.zero("old value limb 0", notSC.Mul(out[0].Sub(dw.Add(wlo).Mul(P[0])).Sub(whi.Mul(P[2]))))
	r.zero("old value limb 1", notSC.Mul(out[1].Sub(dw.Add(wlo).Mul(P[1])).Sub(whi.Mul(P[3]))))
	for j := 2; j < 4; j++ {
		r.zero("old value extension", notSC.Mul(out[j].Sub(dw.Mul(P[j])).Sub(w.Mul(sign).Mul(stark.Const(0xffff)))))
	}
	r.sendRange16("sign is bit 31", w.Mul(notSC), out[1].Sub(sign.Mul(stark.Const(1<<15))).Mul(stark.Const(2)))
	r.zero("SC result", sc.Mul(out[0].Sub(one).Add(success)))
	for j := 1; j < 4; j++ {
		r.zero("SC result high limbs", sc.Mul(out[j]))
	}

	// The data word: LR leaves it; AMOs and SC write res into the accessed bytes.
	for j := 0; j < 4; j++ {
		r.zero("LR keeps the word", lr.Mul(N[j].Sub(P[j])))
	}
	write := isReal.Sub(lr)
	r.zero("write limb 0", write.Mul(N[0].Sub(dw.Add(wlo).Mul(res[0])).Sub(whi.Mul(P[0]))))
	r.zero("write limb 1", write.Mul(N[1].Sub(dw.Add(wlo).Mul(res[1])).Sub(whi.Mul(P[1]))))
	r.zero("write limb 2", write.Mul(N[2].Sub(dw.Mul(res[2])).Sub(whi.Mul(res[0])).Sub(wlo.Mul(P[2]))))
	r.zero("write limb 3", write.Mul(N[3].Sub(dw.Mul(res[3])).Sub(whi.Mul(res[1])).Sub(wlo.Mul(P[3]))))

	// res: SWAP and SC store in; ADD/XOR/AND/OR take the ALU's result; MIN/MAX select.
	lt := c.lt.Cur()
	r.boolean("lt boolean", lt)
	for j := 0; j < 4; j++ {
		r.zero("swap result", k[akSWAP].Add(sc).Mul(res[j].Sub(in[j])))
		r.zero("ALU result", arith.Mul(res[j].Sub(c.cr[j].Cur())))
		r.zero("min/max select", cmp.Mul(res[j].Sub(out[j]).Sub(lt.Mul(in[j].Sub(out[j])))))
	}

	// The ALU message. Arithmetic: (old, in). Comparisons: MIN and MINU ask in < old, MAX and
	// MAXU old < in, on the values the executor compares: .D as they are, signed .W sign-extended
	// (out already is; in through its bit 31), unsigned .W zero-extended.
	inSign := c.inSign.Cur()
	r.boolean("in sign boolean", inSign)
	r.zero("in sign only for signed .W", inSign.Mul(one.Sub(w.Mul(cmpSigned))))
	r.sendRange16("in sign is bit 31", w.Mul(cmpSigned), in[1].Sub(inSign.Mul(stark.Const(1<<15))).Mul(stark.Const(2)))
	unsW := c.unsW.Cur()
	r.zero("unsigned .W comparison", unsW.Sub(w.Mul(cmpUnsigned)))
	var inCmp, outCmp [4]stark.Expr
	for j := 0; j < 4; j++ {
		if j < 2 {
			inCmp[j], outCmp[j] = in[j], out[j]
			continue
		}
		// .D: the limbs; .W signed: 0xffff·sign (out's limbs are that already); .W unsigned: 0.
		inCmp[j] = dw.Mul(in[j]).Add(inSign.Mul(stark.Const(0xffff)))
		outCmp[j] = out[j].Sub(unsW.Mul(out[j]))
	}
	minLike := k[akMIN].Add(k[akMINU])
	maxLike := k[akMAX].Add(k[akMAXU])
	for j := 0; j < 4; j++ {
		ca, cb, cr := c.ca[j].Cur(), c.cb[j].Cur(), c.cr[j].Cur()
		r.zero("ALU operand a", arith.Mul(ca.Sub(out[j])).Add(minLike.Mul(ca.Sub(inCmp[j]))).Add(maxLike.Mul(ca.Sub(outCmp[j]))))
		r.zero("ALU operand b", arith.Mul(cb.Sub(in[j])).Add(minLike.Mul(cb.Sub(outCmp[j]))).Add(maxLike.Mul(cb.Sub(inCmp[j]))))
		if j == 0 {
			r.zero("comparison result", cmp.Mul(cr.Sub(lt)))
		} else {
			r.zero("comparison result high limbs", cmp.Mul(cr))
		}
	}
	aluOp := k[akADD].Mul(stark.Const(uint64(OpADDW)).Sub(dw.Mul(stark.Const(uint64(OpADDW - OpADD))))).
		Add(k[akXOR].Mul(stark.Const(uint64(OpXOR)))).
		Add(k[akAND].Mul(stark.Const(uint64(OpAND)))).
		Add(k[akOR].Mul(stark.Const(uint64(OpOR)))).
		Add(cmpSigned.Mul(stark.Const(uint64(OpSLT)))).
		Add(cmpUnsigned.Mul(stark.Const(uint64(OpSLTU))))
	c.aluMult = arith.Add(cmp)
	if !r.omit["ALU send"] {
		msg := []stark.Expr{aluOp}
		msg = append(msg, cur(c.ca)...)
		msg = append(msg, cur(c.cb)...)
		msg = append(msg, cur(c.cr)...)
		t.Send(BusALU, c.aluMult, msg...)
		r.interactions++
	}

	// SC succeeds iff the reservation equals addr (limbs: both canonical): success forces the
	// equality, and failure needs a witness that some limb differs.
	rp := cur(c.rprev)
	diff := [4]stark.Expr{rp[0].Sub(a[0]), rp[1].Sub(a[1]), rp[2].Sub(a[2]), rp[3]}
	var dot stark.Expr
	for j := 0; j < 4; j++ {
		r.zero("SC success needs the reservation", sc.Mul(success).Mul(diff[j]))
		dot = dot.Add(diff[j].Mul(c.neq[j].Cur()))
	}
	r.zero("SC failure needs another reservation", sc.Mul(dot.Sub(one).Add(success)))

	// Memory: the data word at ts (not for a failing SC), the reservation word at ts + 1 (LR)
	// or ts - 1 (SC).
	c.dataWrite = amo.Add(success)
	dataAccess := amo.Add(lr).Add(success)
	wordAddr := [3]stark.Expr{a[0].Sub(whi.Mul(stark.Const(4))), a[1], a[2]}
	c.accData = r.memAccess("data", dataAccess, wordAddr, limbCols(c.prev), limbCols(c.next), ts)
	ra := addrLimbs(ReservationAddr)
	resAddr := [3]stark.Expr{stark.Const(ra[0]), stark.Const(ra[1]), stark.Const(ra[2])}
	resNext := [4]stark.Expr{lr.Mul(a[0]), lr.Mul(a[1]), lr.Mul(a[2]), stark.Const(0)}
	c.accRes = r.memAccess("reservation", lr.Add(sc), resAddr, limbCols(c.rprev), resNext, ts.Add(lr).Sub(sc))

	// Writes look their page up with fetched = 0 (see LSTable for why pg is pinned).
	pg := c.pg.Cur()
	r.sendRange16("page limb", c.dataWrite, wordAddr[0].Sub(pg.Mul(stark.Const(4096))).Mul(stark.Const(16)))
	if !r.omit["page flag"] {
		t.Receive(BusPageFlag, c.dataWrite, pg, a[1], a[2], stark.Const(0))
		r.interactions++
	}
	if !r.omit["receive"] {
		msg := []stark.Expr{op, a[0], a[1], a[2], ts}
		msg = append(msg, in...)
		msg = append(msg, out...)
		t.Receive(BusLS, isReal, msg...)
		r.interactions++
	}
	return t, c
}

// checkAtomic verifies an atomic event against Atomic: its accesses are the ones the executor
// makes, at the timestamps the atomic table uses, with the values it writes.
func (e *lsEvent) checkAtomic() error {
	word := e.Addr &^ 7
	d := e.Words[0]
	out, next, touched, nextRes, err := Atomic(e.Op, e.Addr, e.In, d.Prev, e.Res.Prev)
	if err != nil {
		return err
	}
	kind := atomicKind(e.Op)
	resTs := e.Ts
	switch kind {
	case akLR:
		resTs++
	case akSC:
		resTs--
	}
	switch {
	case touched && (d.Addr != word || d.Ts != e.Ts || d.Next != next):
		return fmt.Errorf("%w: %v at %#x: data access %+v", ErrLSEvent, e.Op, e.Addr, d)
	case !touched && d != Access{}:
		return fmt.Errorf("%w: %v at %#x: a failing SC accesses no word", ErrLSEvent, e.Op, e.Addr)
	case out != e.Out:
		return fmt.Errorf("%w: %v at %#x: out %#x, want %#x", ErrLSEvent, e.Op, e.Addr, e.Out, out)
	case (kind == akLR || kind == akSC) && (e.Res.Addr != ReservationAddr || e.Res.Ts != resTs || e.Res.Next != nextRes):
		return fmt.Errorf("%w: %v at %#x: reservation access %+v", ErrLSEvent, e.Op, e.Addr, e.Res)
	case kind != akLR && kind != akSC && e.Res != Access{}:
		return fmt.Errorf("%w: %v at %#x: an AMO accesses no reservation", ErrLSEvent, e.Op, e.Addr)
	case kind == akLR && e.In != 0:
		return fmt.Errorf("%w: LR with in %#x", ErrLSEvent, e.In)
	case e.Words[1] != Access{}:
		return fmt.Errorf("%w: %v at %#x: atomics access one word", ErrLSEvent, e.Op, e.Addr)
	}
	return nil
}

// resolveAtomic executes an LR, SC or AMO at timestamp ts against the tracker's memory and
// returns its event with the resolved accesses.
func resolveAtomic(t *memTracker, op LSOp, addr, in, ts uint64) (lsEvent, error) {
	if !op.isAtomic() {
		return lsEvent{}, fmt.Errorf("%w: %v", ErrLSOp, op)
	}
	if atomicKind(op) == akLR {
		in = 0
	}
	if addr&(op.size()-1) != 0 || addr >= 1<<48 {
		return lsEvent{}, fmt.Errorf("%w: %v at %#x", ErrLSAddress, op, addr)
	}
	word := addr &^ 7
	res, _, err := t.final(ReservationAddr)
	if err != nil {
		return lsEvent{}, err
	}
	e := lsEvent{Op: op, Addr: addr, Ts: ts, In: in}
	kind := atomicKind(op)
	if kind == akSC {
		// SC clears the reservation before it stores (the word may be the reservation itself).
		if e.Res, err = t.access(ReservationAddr, res, 0, ts-1); err != nil {
			return lsEvent{}, err
		}
	}
	old, _, err := t.final(word)
	if err != nil {
		return lsEvent{}, err
	}
	out, next, touched, nextRes, err := Atomic(op, addr, in, old, res)
	if err != nil {
		return lsEvent{}, err
	}
	e.Out = out
	if touched {
		if e.Words[0], err = t.access(word, old, next, ts); err != nil {
			return lsEvent{}, err
		}
	}
	if kind == akLR {
		if e.Res, err = t.access(ReservationAddr, res, nextRes, ts+1); err != nil {
			return lsEvent{}, err
		}
	}
	return e, nil
}

// atomicTrace fills the atomic table. It returns the trace, its lookups, the ALU events it sends
// (for the ALU chips' traces) and the BusPageFlag lookups per page number.
func atomicTrace(evs []lsEvent, minLog int) (*stark.Matrix, *counts, []Event, map[uint64]uint64, error) {
	m := stark.NewMatrix(atomicTable(nil).Width(), 1<<uint(padLog(len(evs), minLog)))
	cnt := new(counts)
	pages := map[uint64]uint64{}
	var alu []Event
	for row := range evs {
		e := &evs[row]
		if !e.Op.isAtomic() {
			return nil, nil, nil, nil, fmt.Errorf("%w: %v in the atomic table", ErrLSOp, e.Op)
		}
		if err := e.checkAtomic(); err != nil {
			return nil, nil, nil, nil, err
		}
		if a, ok := atomicFill(m, row, e, cnt, pages); ok {
			alu = append(alu, a)
		}
	}
	return m, cnt, alu, pages, nil
}

// atomicFill writes one checked event's row and counts its lookups; it returns the ALU event the
// row sends, if any.
func atomicFill(m *stark.Matrix, row int, e *lsEvent, cnt *counts, pages map[uint64]uint64) (aluEv Event, sends bool) {
	c := &atomicLayout
	{
		kind := atomicKind(e.Op)
		m.SetUint(row, c.kinds[kind].Index(), 1)
		double := e.Op&1 == 1
		hi := e.Addr&4 != 0
		switch {
		case double:
			m.SetUint(row, c.dw.Index(), 1)
		case hi:
			m.SetUint(row, c.whi.Index(), 1)
		default:
			m.SetUint(row, c.wlo.Index(), 1)
		}
		al := addrLimbs(e.Addr)
		for j := 0; j < 3; j++ {
			m.SetUint(row, c.addr[j].Index(), al[j])
		}
		sh := 8 * (e.Addr & 7)
		mask := ^uint64(0)
		if !double {
			mask = 0xffffffff
		}
		m.SetUint(row, c.ts.Index(), e.Ts)
		setLimbsAt(m, row, c.in, e.In)
		setLimbsAt(m, row, c.out, e.Out)
		d := e.Words[0]
		if kind == akSC && d == (Access{}) {
			// A failing SC touches no word: its word columns are on no bus, but the write
			// constraints still relate them; read the word as zero with in written into it.
			setLimbsAt(m, row, c.next, (e.In&mask)<<sh)
		} else {
			setLimbsAt(m, row, c.prev, d.Prev)
			setLimbsAt(m, row, c.next, d.Next)
			c.accData.fill(m, row, d, cnt)
		}
		if kind == akLR || kind == akSC {
			setLimbsAt(m, row, c.rprev, e.Res.Prev)
			c.accRes.fill(m, row, e.Res, cnt)
		}
		if !double {
			if kind != akSC {
				s := (e.Out >> 31) & 1
				m.SetUint(row, c.sign.Index(), s)
				cnt.limbs[2*((e.Out>>16)&0xffff-s<<15)]++
			}
		}
		// res: the value written into the accessed bytes (as the ALU or in gives it).
		var res uint64
		if kind != akLR && (kind != akSC || d != (Access{})) {
			res = d.Next >> sh & mask
		}
		in := e.In
		var ca, cb, cr uint64
		var aop Op
		switch kind {
		case akSWAP, akSC:
			res = in
		case akADD, akXOR, akAND, akOR:
			switch {
			case kind == akXOR:
				aop = OpXOR
			case kind == akAND:
				aop = OpAND
			case kind == akOR:
				aop = OpOR
			case double:
				aop = OpADD
			default:
				aop = OpADDW
			}
			ca, cb = e.Out, in
			cr, _ = Eval(aop, ca, cb)
			res = cr
		case akMIN, akMAX, akMINU, akMAXU:
			signed := kind == akMIN || kind == akMAX
			aop = OpSLTU
			if signed {
				aop = OpSLT
			}
			x, y := in, e.Out // the compared in and old
			if !double {
				if signed {
					x = uint64(int64(int32(in)))
					s := (in >> 31) & 1
					m.SetUint(row, c.inSign.Index(), s)
					cnt.limbs[2*((in>>16)&0xffff-s<<15)]++
				} else {
					x, y = in&mask, e.Out&mask
					m.SetUint(row, c.unsW.Index(), 1)
				}
			}
			ca, cb = x, y
			if kind == akMAX || kind == akMAXU {
				ca, cb = y, x
			}
			cr, _ = Eval(aop, ca, cb)
			m.SetUint(row, c.lt.Index(), cr)
			res = e.Out
			if cr == 1 {
				res = in
			}
		}
		if kind != akLR {
			setLimbsAt(m, row, c.res, res)
		}
		if aop != 0 {
			setLimbsAt(m, row, c.ca, ca)
			setLimbsAt(m, row, c.cb, cb)
			setLimbsAt(m, row, c.cr, cr)
			aluEv, sends = Event{aop, ca, cb}, true
		}
		if kind == akSC && d != (Access{}) {
			m.SetUint(row, c.success.Index(), 1)
		}
		if kind == akSC && d == (Access{}) {
			// the witness that the reservation differs from addr: the inverse of one limb's difference
			ra := addrLimbs(e.Res.Prev)
			for j := 0; j < 4; j++ {
				var df stark.F
				if j < 3 {
					df.SetInt64(int64(ra[j]) - int64(al[j]))
				} else {
					df.SetUint64(e.Res.Prev >> 48)
				}
				if !df.IsZero() {
					df.Inverse(&df)
					m.Set(row, c.neq[j].Index(), df)
					break
				}
			}
		}
		if kind != akLR && d != (Access{}) {
			m.SetUint(row, c.pg.Index(), pageLimb(d.Addr))
			cnt.limbs[16*(d.Addr&0xfff)]++
			pages[d.Addr/vm.PageSize]++
		}
	}
	return aluEv, sends
}

func setLimbsAt(m *stark.Matrix, row int, cols []stark.Column, v uint64) {
	for k := 0; k < 4; k++ {
		m.SetUint(row, cols[k].Index(), (v>>(16*k))&0xffff)
	}
}
