package rv64

import (
	"fmt"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/stark"
)

// The journal table hashes the bytes the segment wrote to fd 3, in order, exactly as
// hash.HashBytes does: the stream is the length as four 16-bit limbs followed by the bytes as
// 16-bit little-endian limbs (an odd last byte zero-extended), absorbed 16 limbs at a time by a
// width-24 sponge in overwrite mode whose capacity starts as (limb count, 0, domain 2, 0, …).
// One row per sponge block: the block's 32 byte slots (row 0's first 8 hold the length), which
// slots are occupied, the capacity going in and the permutation's 24 outputs, which the Poseidon2
// chip proves through BusP24 (in[24], out[24]). Slot i of row r is stream byte 32r + i, journal
// position 32r + i - 8, received from sys_io on BusJournal. The positions received are 0..len-1,
// each once, so the multiset equality with sys_io's sends (which number the bytes in call order)
// puts every byte in its place and admits no extra or missing one. The last real row's first 8
// outputs are the digest, PubJournal.

const (
	journalSlots  = 32 // bytes per sponge block (16 limbs)
	journalDomain = 2  // hash.HashBytes's domain tag
)

type journalCols struct {
	isReal, first, row, length, limbs stark.Column
	b, occ                            [journalSlots]stark.Column
	cap                               [8]stark.Column
	out                               [24]stark.Column
}

func buildJournal(r *rules) journalCols {
	t := r.t
	var c journalCols
	c.isReal, c.first, c.row = t.Column("is_real"), t.Column("first"), t.Column("row")
	c.length, c.limbs = t.Column("len"), t.Column("limbs")
	for i := range c.b {
		c.b[i] = t.Column(fmt.Sprintf("byte[%d]", i))
	}
	for i := range c.occ {
		c.occ[i] = t.Column(fmt.Sprintf("occupied[%d]", i))
	}
	for i := range c.cap {
		c.cap[i] = t.Column(fmt.Sprintf("cap_in[%d]", i))
	}
	for i := range c.out {
		c.out[i] = t.Column(fmt.Sprintf("out[%d]", i))
	}
	isReal, first, row := c.isReal.Cur(), c.first.Cur(), c.row.Cur()
	one := stark.Const(1)

	// Occupied slots: a prefix of the row, non-empty on real rows, full on all but the last.
	var nOcc, nLimbs stark.Expr
	for i := range c.occ {
		o := c.occ[i].Cur()
		r.boolean("occupancy", o)
		if i > 0 {
			r.zero("occupancy", o.Mul(one.Sub(c.occ[i-1].Cur())))
		}
		r.zero("padding bytes are zero", one.Sub(o).Mul(c.b[i].Cur()))
		nOcc = nOcc.Add(o)
		if i%2 == 0 {
			nLimbs = nLimbs.Add(o)
		}
	}
	r.zero("occupancy", c.occ[0].Cur().Sub(isReal))
	r.boolean("occupancy", isReal)

	nextReal := c.isReal.Next()
	endsHere := isReal.Sub(nextReal)
	if !r.omit["rows"] {
		t.AssertFirst("rows", one.Sub(isReal))
		t.AssertFirst("rows", one.Sub(first))
		t.AssertFirst("rows", row)
		t.AssertTransition("rows", c.first.Next())
		t.AssertTransition("rows", c.row.Next().Sub(row).Sub(one))
		t.AssertTransition("rows", nextReal.Mul(one.Sub(isReal)))
		t.AssertTransition("rows", nextReal.Mul(one.Sub(c.occ[journalSlots-1].Cur())))
		t.AssertTransition("rows", c.length.Next().Sub(c.length.Cur()))
		t.AssertTransition("rows", c.limbs.Next().Sub(c.limbs.Cur()))
	}

	// The length prefix: row 0's slots 0..7 hold len (< 2^24) as 8 little-endian bytes.
	if !r.omit["length prefix"] {
		t.AssertFirst("length prefix", one.Sub(c.occ[7].Cur()))
		for i := 3; i < 8; i++ {
			t.AssertFirst("length prefix", c.b[i].Cur())
		}
		t.AssertFirst("length prefix", c.b[0].Cur().Add(c.b[1].Cur().Mul(stark.Const(1<<8))).Add(c.b[2].Cur().Mul(stark.Const(1<<16))).Sub(c.length.Cur()))
	}
	for i := 0; i < 3; i++ {
		r.sendByte("length prefix range", first, c.b[i].Cur())
	}

	// The last real row fixes len and the limb count from its occupancy; its outputs are the digest.
	total := row.Mul(stark.Const(journalSlots)).Add(nOcc).Sub(stark.Const(8))
	totalLimbs := row.Mul(stark.Const(journalSlots / 2)).Add(nLimbs)
	if !r.omit["length"] {
		t.AssertTransition("length", endsHere.Mul(c.length.Cur().Sub(total)))
		t.AssertTransition("length", endsHere.Mul(c.limbs.Cur().Sub(totalLimbs)))
		t.AssertLast("length", isReal.Mul(c.length.Cur().Sub(total)))
		t.AssertLast("length", isReal.Mul(c.limbs.Cur().Sub(totalLimbs)))
	}
	if !r.omit["journal digest"] {
		for k := 0; k < hash.DigestElements; k++ {
			d := c.out[k].Cur().Sub(stark.Pub(PubJournal + k))
			t.AssertTransition("journal digest", endsHere.Mul(d))
			t.AssertLast("journal digest", isReal.Mul(d))
		}
	}

	// The sponge: capacity (limb count, 0, domain, 0…) into the first block, then each block's
	// output capacity into the next.
	if !r.omit["sponge"] {
		for k := range c.cap {
			var want stark.Expr
			switch k {
			case 0:
				want = c.limbs.Cur()
			case 2:
				want = stark.Const(journalDomain)
			}
			t.AssertFirst("sponge", c.cap[k].Cur().Sub(want))
			t.AssertTransition("sponge", nextReal.Mul(c.cap[k].Next().Sub(c.out[16+k].Cur())))
		}
	}
	if !r.omit["permutation"] {
		vals := make([]stark.Expr, 0, 48)
		for k := 0; k < journalSlots/2; k++ {
			vals = append(vals, c.b[2*k].Cur().Add(c.b[2*k+1].Cur().Mul(stark.Const(256))))
		}
		for k := range c.cap {
			vals = append(vals, c.cap[k].Cur())
		}
		for k := range c.out {
			vals = append(vals, c.out[k].Cur())
		}
		t.Send(BusP24, isReal, vals...)
		r.interactions++
	}

	// The bytes, by position; row 0's length slots are not journal bytes.
	if !r.omit["journal byte"] {
		for i := range c.b {
			m := c.occ[i].Cur()
			if i < 8 {
				m = m.Sub(first)
			}
			pos := row.Mul(stark.Const(journalSlots)).Add(stark.Const(uint64(i))).Sub(stark.Const(8))
			t.Receive(BusJournal, m, stark.Const(journalByte), pos, c.b[i].Cur())
			r.interactions++
		}
	}
	return c
}

// JournalTable declares the journal table.
func JournalTable() *stark.Table { return journalTable(nil) }

func journalTable(omit map[string]bool) *stark.Table {
	t := stark.NewTable("journal")
	buildJournal(&rules{t: t, omit: omit})
	return t
}

// journalTrace fills the journal table for the journal bytes b, counts its lookups into cnt, and
// returns the digest (hash.HashBytes(b)) and the permutation inputs, one per block. The trace has
// at least 2^minLog rows.
func journalTrace(b []byte, cnt *counts, minLog int) (*stark.Matrix, [8]stark.F, [][24]stark.F) {
	t := stark.NewTable("journal")
	c := buildJournal(&rules{t: t})
	stream := make([]byte, 8, 8+len(b))
	for k := 0; k < 8; k++ {
		stream[k] = byte(uint64(len(b)) >> (8 * k))
	}
	stream = append(stream, b...)
	rows := (len(stream) + journalSlots - 1) / journalSlots
	m := stark.NewMatrix(t.Width(), 1<<uint(padLog(rows, minLog)))
	limbs := uint64(len(stream)+1) / 2
	var state [24]stark.F
	state[16].SetUint64(limbs)
	state[18].SetUint64(journalDomain)
	var ins [][24]stark.F
	for row := 0; row < m.Height; row++ {
		set := func(col stark.Column, v uint64) { m.SetUint(row, col.Index(), v) }
		set(c.row, uint64(row))
		set(c.length, uint64(len(b)))
		set(c.limbs, limbs)
		if row >= rows {
			continue
		}
		set(c.isReal, 1)
		set(c.first, b2u(row == 0))
		for k := 0; k < journalSlots/2; k++ {
			state[k].SetZero()
		}
		for i := 0; i < journalSlots; i++ {
			p := row*journalSlots + i
			if p >= len(stream) {
				break
			}
			set(c.b[i], uint64(stream[p]))
			set(c.occ[i], 1)
			var v stark.F
			v.SetUint64(uint64(stream[p]) << (8 * (i % 2)))
			state[i/2].Add(&state[i/2], &v)
		}
		if row == 0 {
			for i := 0; i < 3; i++ {
				cnt.bytes[stream[i]]++
			}
		}
		for k := range c.cap {
			m.Cols[c.cap[k].Index()][row] = state[16+k]
		}
		ins = append(ins, state)
		hash.Permute24((*[24]hash.Element)(&state))
		for k := range c.out {
			m.Cols[c.out[k].Index()][row] = state[k]
		}
	}
	var d [8]stark.F
	copy(d[:], state[:8])
	return m, d, ins
}
