package rv64

import (
	"context"
	"encoding/binary"
	"testing"

	"github.com/zkexex/zkexex/prover/vm"
)

// A differential test of LoadStore and Atomic against the executor: a generated user program
// runs every plain load and store at every offset of a two-word scratch area that straddles a
// page boundary, and the AMOs in both widths, each on fresh inputs, and writes rd and the two
// words after each instruction to stdout.

// RISC-V encoders for the few formats the program needs.
func encI(op, f3, rd, rs1 uint32, imm int32) uint32 {
	return uint32(imm)<<20 | rs1<<15 | f3<<12 | rd<<7 | op
}

func encS(op, f3, rs1, rs2 uint32, imm int32) uint32 {
	u := uint32(imm)
	return (u>>5&0x7f)<<25 | rs2<<20 | rs1<<15 | f3<<12 | (u&0x1f)<<7 | op
}

func encAMO(f5, f3, rd, rs1, rs2 uint32) uint32 {
	return f5<<27 | rs2<<20 | rs1<<15 | f3<<12 | rd<<7 | 0x2f
}

const (
	rT0, rS0, rS1, rA0, rA1, rA2, rA7, rS2 = 5, 8, 9, 10, 11, 12, 17, 18
	progBase                               = 0x10_0000
	inBase                                 = 0x14_0000
	outBase                                = 0x18_0000
	scratch                                = 0x1c_0ff8 // the last word of a page; the next word starts the next page
)

func li(code []uint32, rd uint32, v uint32) []uint32 {
	hi := (v + 0x800) &^ 0xfff
	return append(code, hi|rd<<7|0x37, encI(0x13, 0, rd, rd, int32(v-hi)))
}

// minimalELF wraps one RWX PT_LOAD segment at vaddr into a static RV64 executable.
func minimalELF(vaddr uint64, data []byte, memsz uint64) []byte {
	const ehsize, phsize = 64, 56
	b := make([]byte, ehsize+phsize)
	copy(b, "\x7fELF")
	b[4], b[5], b[6] = 2, 1, 1 // 64-bit, little-endian, version
	le := binary.LittleEndian
	le.PutUint16(b[16:], 2)    // ET_EXEC
	le.PutUint16(b[18:], 0xf3) // EM_RISCV
	le.PutUint32(b[20:], 1)
	le.PutUint64(b[24:], vaddr) // entry
	le.PutUint64(b[32:], ehsize)
	le.PutUint16(b[52:], ehsize)
	le.PutUint16(b[54:], phsize)
	le.PutUint16(b[56:], 1)
	ph := b[ehsize:]
	le.PutUint32(ph[0:], 1) // PT_LOAD
	le.PutUint32(ph[4:], 7) // RWX
	le.PutUint64(ph[8:], ehsize+phsize)
	le.PutUint64(ph[16:], vaddr)
	le.PutUint64(ph[24:], vaddr)
	le.PutUint64(ph[32:], uint64(len(data)))
	le.PutUint64(ph[40:], memsz)
	le.PutUint64(ph[48:], 0x1000)
	return append(b, data...)
}

type vmCase struct {
	op       LSOp
	off      uint64
	w0, w1   uint64
	in       uint64
	insn     uint32
	isAtomic bool
}

func vmCases() []vmCase {
	var cs []vmCase
	x := uint64(0x9e37_79b9_7f4a_7c15)
	next := func() uint64 { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x }
	for _, op := range plainOps {
		for off := uint64(0); off < 8; off++ {
			c := vmCase{op: op, off: off, w0: next(), w1: next(), in: next()}
			if op.isLoad() {
				c.insn = encI(0x03, uint32(op-LSLB), rA2, rA0, 0)
			} else {
				c.insn = encS(0x23, uint32(op-LSSB), rA0, rA1, 0)
			}
			cs = append(cs, c)
		}
	}
	for _, op := range amoOps {
		offs := []uint64{0, 4}
		if op&1 == 1 {
			offs = []uint64{0}
		}
		for _, off := range offs {
			for _, in := range []uint64{next(), 0xffff_ffff_8000_0000, 1, next() >> 1} {
				w0 := next()
				if in == 1 {
					w0 = 0x8000_0000_8000_0000 // negative in both halves: signed and unsigned orders differ
				}
				f5 := (uint32(op) - 16) / 2
				cs = append(cs, vmCase{op: op, off: off, w0: w0, w1: next(), in: in, isAtomic: true,
					insn: encAMO(f5, 2+uint32(op&1), rA2, rA0, rA1)})
			}
		}
	}
	return cs
}

func TestSemanticsAgainstExecutor(t *testing.T) {
	cases := vmCases()
	var code []uint32
	code = li(code, rS0, inBase)
	code = li(code, rS1, outBase)
	code = li(code, rS2, scratch)
	var inputs []byte
	for _, c := range cases {
		inputs = binary.LittleEndian.AppendUint64(inputs, c.w0)
		inputs = binary.LittleEndian.AppendUint64(inputs, c.w1)
		inputs = binary.LittleEndian.AppendUint64(inputs, c.in)
		code = append(code,
			encI(0x03, 3, rT0, rS0, 0), encS(0x23, 3, rS2, rT0, 0), // scratch[0] = w0
			encI(0x03, 3, rT0, rS0, 8), encS(0x23, 3, rS2, rT0, 8), // scratch[1] = w1
			encI(0x03, 3, rA1, rS0, 16),           // a1 = in
			encI(0x13, 0, rA2, 0, 0),              // a2 = 0
			encI(0x13, 0, rA0, rS2, int32(c.off)), // a0 = scratch + off
			c.insn,                                // the instruction
			encS(0x23, 3, rS1, rA2, 0),            // out
			encI(0x03, 3, rT0, rS2, 0), encS(0x23, 3, rS1, rT0, 8),
			encI(0x03, 3, rT0, rS2, 8), encS(0x23, 3, rS1, rT0, 16),
			encI(0x13, 0, rS0, rS0, 24), encI(0x13, 0, rS1, rS1, 24),
		)
	}
	// write(1, out, n), a page at a time (a write stops at the end of its page)
	for done := 0; done < 24*len(cases); done += vm.PageSize {
		code = append(code, encI(0x13, 0, rA0, 0, 1))
		code = li(code, rA1, uint32(outBase+done))
		code = li(code, rA2, uint32(min(vm.PageSize, 24*len(cases)-done)))
		code = append(code, encI(0x13, 0, rA7, 0, 64), 0x73)
	}
	code = append(code, encI(0x13, 0, rA0, 0, 0), encI(0x13, 0, rA7, 0, 94), 0x73)
	img := make([]byte, inBase-progBase)
	for i, w := range code {
		binary.LittleEndian.PutUint32(img[4*i:], w)
	}
	img = append(img, inputs...)
	prog, err := vm.LoadELF(minimalELF(progBase, img, scratch+16-progBase))
	if err != nil {
		t.Fatal(err)
	}
	res, err := vm.Execute(context.Background(), prog, vm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Stdout) != 24*len(cases) {
		t.Fatalf("stdout has %d bytes, want %d", len(res.Stdout), 24*len(cases))
	}
	for i, c := range cases {
		got := res.Stdout[24*i:]
		out := binary.LittleEndian.Uint64(got)
		w0, w1 := binary.LittleEndian.Uint64(got[8:]), binary.LittleEndian.Uint64(got[16:])
		var wantOut uint64
		want := [2]uint64{c.w0, c.w1}
		if c.isAtomic {
			var next uint64
			wantOut, next, _, _, err = Atomic(c.op, scratch+c.off, c.in, c.w0, 0)
			want[0] = next
		} else {
			wantOut, want, err = LoadStore(c.op, scratch+c.off, c.in, want)
		}
		if err != nil {
			t.Fatal(err)
		}
		if out != wantOut || [2]uint64{w0, w1} != want {
			t.Errorf("%v at +%d (in %#x, words %#x %#x): executor %#x %#x %#x, ours %#x %#x", c.op, c.off, c.in, c.w0, c.w1,
				out, w0, w1, wantOut, want)
		}
	}
}
