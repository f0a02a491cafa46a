package rv64

import (
	"math/rand/v2"
	"testing"
	_ "unsafe" // go:linkname
)

// vmInst mirrors prover/vm's predecoded instruction (decode.go: type inst), field for field.
type vmInst struct {
	op  uint8
	rd  uint8
	rs1 uint8
	rs2 uint8
	raw uint32
	imm int64
}

var _ = vmInst{}.raw // the field keeps vm's layout

// vmDecode is prover/vm's decoder (decode.go), the executor's own classification, which the decode
// table must match exactly. It is unexported; the linkname keeps this test on the real thing.
//
//go:linkname vmDecode github.com/zkexex/zkexex/prover/vm.decode
func vmDecode(raw uint32, pc uint64) vmInst

// vmOpNames are prover/vm's op constants in declaration order (decode.go); a change there shows
// up here as a mismatch.
var vmOpNames = []string{"ILLEGAL", "COMPRESSED", "LUI", "AUIPC", "JAL", "JALR", "BEQ", "BNE", "BLT", "BGE", "BLTU",
	"BGEU", "LB", "LH", "LW", "LD", "LBU", "LHU", "LWU", "SB", "SH", "SW", "SD", "ADDI", "SLTI", "SLTIU", "XORI",
	"ORI", "ANDI", "SLLI", "SRLI", "SRAI", "ADD", "SUB", "SLL", "SLT", "SLTU", "XOR", "SRL", "SRA", "OR", "AND",
	"ADDIW", "SLLIW", "SRLIW", "SRAIW", "ADDW", "SUBW", "SLLW", "SRLW", "SRAW", "MUL", "MULH", "MULHSU", "MULHU",
	"DIV", "DIVU", "REM", "REMU", "MULW", "DIVW", "DIVUW", "REMW", "REMUW", "FENCE", "ECALL", "MRET", "LRW", "SCW",
	"LRD", "SCD", "AMOW", "AMOD", "MARK", "JALMISALIGNED", "BRANCHMISALIGNED"}

// vmNameOf is the vm op name the decode table's fields stand for, and the immediate the vm would
// hold for it (absolute targets for branches, JAL and AUIPC, as vm's decode computes them).
func vmNameOf(d *decodedInsn) (string, uint64) {
	o := d.out
	f := func(i int) int64 {
		v := d.fields[i].Uint64()
		if v > 1<<30 {
			return -1
		}
		return int64(v)
	}
	hi := d.fields[dImmHi].Uint64()
	imm := d.fields[dImm].Uint64() | hi<<16 | hi<<32 | hi<<48
	tgt := d.tgt[0] | d.tgt[1]<<16 | d.tgt[2]<<32
	opc := o[oOpc]
	switch {
	case f(dSys) == 1:
		switch {
		case f(dAlpha) == 1:
			return "ECALL", 0
		case f(dBeta) == 1:
			return "MRET", 0
		}
		return "ILLEGAL", 0
	case f(dRdSrc) == 2:
		v := tgt | d.v3<<48
		if o[oPCAdd] == 1 {
			return "AUIPC", v
		}
		return "LUI", v
	case f(dJALR) == 1:
		return "JALR", imm
	case f(dRdSrc) == 1:
		return "JAL", tgt
	case o[oFB] == 1:
		n := map[Op]string{OpSUB: "BEQ", OpSLT: "BLT", OpSLTU: "BLTU"}[Op(opc)]
		if f(dAlpha) == 1 {
			n = map[Op]string{OpSUB: "BNE", OpSLT: "BGE", OpSLTU: "BGEU"}[Op(opc)]
		}
		return n, tgt
	case f(dLoad) == 1:
		return []string{"LB", "LH", "LW", "LD", "LBU", "LHU", "LWU"}[opc-1], imm
	case f(dStore) == 1:
		return []string{"SB", "SH", "SW", "SD"}[opc-8], imm
	case f(dAMO) == 1:
		f5, w := (opc-16)/2, []string{"W", "D"}[(opc-16)%2]
		switch f5 {
		case 2:
			return "LR" + w, 0
		case 3:
			return "SC" + w, 0
		}
		return "AMO" + w, uint64(f5)
	case f(dALU) == 1:
		n := Op(opc).String()
		if o[oFI]+o[oFSh] == 1 {
			switch {
			case n == "SLTU":
				n = "SLTIU"
			case n[len(n)-1] == 'W':
				n = n[:len(n)-1] + "IW"
			default:
				n += "I"
			}
		}
		return n, imm
	}
	return "FENCE", 0
}

// checkAgainstVM compares the decode table's decoding of insn at pc with prover/vm's.
func checkAgainstVM(t *testing.T, pc uint64, insn uint32) {
	in := vmDecode(insn, pc)
	d := decodeInsn(pc, insn)
	want := vmOpNames[in.op]
	switch want {
	case "COMPRESSED":
		want = "ILLEGAL"
	case "JALMISALIGNED": // the executor decodes jumps to misaligned targets apart (they fault when taken)
		want = "JAL"
	case "BRANCHMISALIGNED": // its condition op kept in rd, which a branch never writes
		want, in.rd = vmOpNames[in.rd], uint8(insn>>7&31)
	}
	got, imm := vmNameOf(&d)
	if got != want {
		t.Fatalf("%#08x at %#x: decode table says %s, vm %s", insn, pc, got, want)
	}
	switch want {
	case "ILLEGAL", "ECALL", "MRET", "FENCE", "LRW", "LRD", "SCW", "SCD", "ADD", "SUB", "SLL", "SLT", "SLTU", "XOR",
		"SRL", "SRA", "OR", "AND", "ADDW", "SUBW", "SLLW", "SRLW", "SRAW", "MUL", "MULH", "MULHSU", "MULHU", "DIV",
		"DIVU", "REM", "REMU", "MULW", "DIVW", "DIVUW", "REMW", "REMUW":
		if imm != 0 && want != "ILLEGAL" {
			t.Fatalf("%#08x: %s with immediate %#x", insn, want, imm)
		}
	case "BEQ", "BNE", "BLT", "BGE", "BLTU", "BGEU", "JAL":
		// In range the decoded target is the vm's; out of [0, 2^48) it is marked (sent odd).
		if v := uint64(in.imm); v < 1<<48 {
			if imm != v || d.e[2] != insnBit(insn, 31) {
				t.Fatalf("%#08x at %#x: %s target %#x, vm %#x", insn, pc, want, imm, v)
			}
		} else if d.e[2] == insnBit(insn, 31) {
			t.Fatalf("%#08x at %#x: %s target %#x outside the address space not marked", insn, pc, want, v)
		}
	default:
		if imm != uint64(in.imm) {
			t.Fatalf("%#08x at %#x: %s immediate %#x, vm %#x", insn, pc, want, imm, uint64(in.imm))
		}
	}
	// Register fields and their use: vm redirects rd = x0 to its sink register.
	if want != "ILLEGAL" {
		rd := uint64(in.rd)
		if rd == 32 {
			rd = 0
		}
		if d.reg != [3]uint64{uint64(in.rs1), uint64(in.rs2), rd} {
			t.Fatalf("%#08x: registers %v, vm (%d %d %d)", insn, d.reg, in.rs1, in.rs2, rd)
		}
	}
	for k, f := range []int{oUR1, oUR2, oWRd} {
		if use := d.ok * uint64(d.out[f]) * b2u(d.reg[k] != 0); use != d.fields[dUse+k].Uint64() {
			t.Fatalf("%#08x: use %d is %v, want %d", insn, k, d.fields[dUse+k], use)
		}
	}
}

// TestDecodeAgreesWithVM: every opcode/funct3/funct7 key (with random other bits and low bits),
// the edge words around ecall and mret, and random words decode as prover/vm decodes them.
func TestDecodeAgreesWithVM(t *testing.T) {
	rng := cpuRand(5)
	pcs := []uint64{0x1000, 0x10004, cpuVM48(-8), cpuVM48(-4096), 0xffff00000000, 0xfffffffc0000}
	for k := uint32(0); k < 1<<classKeyBits; k++ {
		for j := 0; j < 4; j++ {
			other := rng.Uint32() &^ (0x7f | 7<<12 | 0x7f<<25)
			insn := k&31<<2 | 3 | (k>>5&7)<<12 | (k>>8)<<25 | other
			if j == 3 {
				insn &^= 3 // compressed
				insn |= rng.Uint32() & 1
			}
			checkAgainstVM(t, pcs[rng.IntN(len(pcs))], insn)
		}
	}
	for _, base := range []uint32{cpuECALL, cpuMRET} {
		checkAgainstVM(t, 0x1000, base)
		for b := 7; b < 32; b++ {
			checkAgainstVM(t, 0x1000, base^1<<uint(b))
		}
	}
	n := 1 << 20
	if testing.Short() {
		n = 1 << 16
	}
	for i := 0; i < n; i++ {
		checkAgainstVM(t, pcs[rng.IntN(len(pcs))]&^3, rng.Uint32()|3)
	}
}

func cpuVM48(d int64) uint64 { return uint64(int64(1<<48) + d) }

func cpuRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 11)) }
