package rv64

import (
	"context"
	"fmt"
	"testing"

	"github.com/zkexex/zkexex/prover/stark"
)

// cpuDecodeReceiver plays the CPU's side of BusDecode: each row receives one decoded tuple
// (pc[3] and the fields) mult times.
func cpuDecodeReceiver() *stark.Table {
	t := stark.NewTable("test_decode_rx")
	cols := t.Columns("v", 4+decodeFields)
	mult := t.Column("mult")
	t.ReceiveMany(BusDecode, mult.Cur(), 1<<12, cur(cols)...)
	return t
}

// cpuProveDecode proves the decode table for the given rows against the class table, the 16-bit
// range table, a code table sending each word and a receiver taking the Go decoder's tuples.
func cpuProveDecode(t *testing.T, rows []decodeRow, omit map[string]bool) error {
	t.Helper()
	pk := cpuSetupCached(t, fmt.Sprint("decode", omit), func() *stark.AIR {
		air, err := stark.NewAIR("rv64-decode-test", 0, newDecodeTable(omit), classTable(), range16Table(), cpuCodeTable(), cpuDecodeReceiver())
		if err != nil {
			t.Fatal(err)
		}
		return air
	})
	dt := writeDecodeTrace(rows, 0)
	rt := stark.NewMatrix(1, 1<<16)
	for v, n := range dt.counts.limbs {
		rt.SetUint(v, 0, n)
	}
	words := map[uint64]uint64{}
	for _, r := range rows {
		words[r.d.pc&^7] = r.word
	}
	code := cpuRowsFor(8, len(words))
	for i, a := range cpuSortedKeys(words) {
		cpuSetLimbs(code, i, 0, a, 3)
		cpuSetLimbs(code, i, 3, words[a], 4)
		code.SetUint(i, 7, dt.code[a])
	}
	rx := cpuRowsFor(5+decodeFields, len(rows))
	for i, r := range rows {
		cpuSetLimbs(rx, i, 0, r.d.pc, 3)
		for j, f := range r.d.fields {
			rx.Set(i, 3+j, f)
		}
		rx.SetUint(i, 3+decodeFields, r.d.pc>>32&0xffff/0xffff)
		rx.SetUint(i, 4+decodeFields, r.n)
	}
	_, err := stark.Prove(context.Background(), pk, []*stark.Matrix{dt.decode, dt.class, rt, code, rx}, nil)
	return err
}

// cpuKeyWords returns one word per class key (other bits random, a quarter with low bits not 11),
// each at its own pc, plus ecall and mret with each register-field bit flipped.
func cpuKeyWords(n int, seed uint64) []decodeRow {
	rng := cpuRand(seed)
	var rows []decodeRow
	add := func(insn uint32) {
		// One row per word address; every 7th near the top of the address space (carries).
		pc := uint64(0x4000_0000+8*len(rows)) + 4*uint64(rng.IntN(2))
		if len(rows)%7 == 0 {
			pc = cpuVM48(-16*int64(len(rows)+1)) + 4*uint64(rng.IntN(2))
		}
		word := uint64(rng.Uint32()) | uint64(rng.Uint32())<<32
		sh := 32 * (pc >> 2 & 1)
		word = word&^(0xffffffff<<sh) | uint64(insn)<<sh
		rows = append(rows, decodeRow{d: decodeInsn(pc, insn), word: word, n: 1 + uint64(rng.IntN(3))})
	}
	for _, base := range []uint32{cpuECALL, cpuMRET, cpuEncAMO(2, 0, 1, 3, 5)} {
		add(base)
		for b := 7; b < 25; b++ {
			if b < 12 || b >= 15 {
				add(base ^ 1<<uint(b))
			}
		}
	}
	for i := 0; i < n; i++ {
		k := uint32(rng.IntN(1 << classKeyBits))
		if n == 1<<classKeyBits {
			k = uint32(i)
		}
		insn := k&31<<2 | 3 | (k>>5&7)<<12 | (k>>8)<<25 | rng.Uint32()&^(0x7f|7<<12|0x7f<<25)
		if rng.IntN(4) == 0 {
			insn &^= uint32(1 + rng.IntN(3))
		}
		add(insn)
	}
	return rows
}

// TestDecodeTableProves: the decode table's constraints accept the Go decoder's decoding of a word
// of every class key (a sample under -short), so that the AIR and decodeInsn (checked against
// prover/vm by TestDecodeAgreesWithVM) agree.
func TestDecodeTableProves(t *testing.T) {
	n := 1 << classKeyBits
	if testing.Short() {
		n = 1 << 9
	}
	if err := cpuProveDecode(t, cpuKeyWords(n, 1), nil); err != nil {
		t.Fatal(err)
	}
}

// TestDecodeTargetOverflow: a branch whose target leaves the address space decodes (a branch
// there is legal when not taken), and its target is sent odd, so no row can take it.
func TestDecodeTargetOverflow(t *testing.T) {
	insn := cpuEncB(-8, 1, 2, 0) // beq x2, x1, -8 at pc 0: target -8
	d := decodeInsn(0, insn)
	if d.fields[dTgt].Uint64()&1 != 1 {
		t.Fatalf("target limb 0 %v not marked", d.fields[dTgt])
	}
	rows := []decodeRow{{d: d, word: uint64(insn), n: 1}}
	if err := cpuProveDecode(t, rows, nil); err != nil {
		t.Fatal(err)
	}
	// Without the mark, the row would send the wrapped target 2^48 - 8.
	forged := d
	forged.fields[dTgt].SetUint64(d.tgt[0])
	err := cpuProveDecode(t, []decodeRow{{d: forged, word: uint64(insn), n: 1}}, nil)
	if err == nil {
		t.Fatal("unmarked target accepted")
	}
	if err := cpuProveDecode(t, []decodeRow{{d: forged, word: uint64(insn), n: 1}}, map[string]bool{"target overflow mark": true}); err != nil {
		t.Fatalf("without the mark the wrapped target should pass: %v", err)
	}
}

// FuzzDecode: any word at any aligned pc decodes as prover/vm decodes it.
func FuzzDecode(f *testing.F) {
	for _, s := range []uint32{cpuECALL, cpuMRET, cpuFADD, cpuECALLRd, 0x0ff0000f, cpuEncJ(-4, 1), cpuEncB(4094, 3, 4, 7)} {
		f.Add(s, uint64(0x10000))
	}
	f.Fuzz(func(t *testing.T, insn uint32, pc uint64) {
		checkAgainstVM(t, pc&(1<<48-1)&^3, insn)
	})
}
