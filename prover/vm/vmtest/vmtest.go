// Package vmtest builds RISC-V test programs for the executor's and the RISC-V AIR's tests:
// binutils' cross assembler and linker (tests skip without them), and random RV64IMA instruction
// sequences whose register file a reference (qemu-riscv64) can compare.
package vmtest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// EdgeValues are the operand values random programs favour.
var EdgeValues = []string{
	"0x8000000000000000", "-1", "0", "1", "63", "64", "0x7fffffffffffffff", "0xffffffff",
	"0x80000000", "0x7fffffff", "-2", "31", "32", "0xffffffff80000000", "-63",
}

// scratch registers the generator may overwrite (s0/x8 holds the data buffer base, x30 is
// the address temporary of atomics, sp is left alone)
var randRegs = []int{1, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 31}

// RandomProgram is a random RV64IMA program of about n instructions: every ALU, load, store,
// LR/SC, AMO, branch and AUIPC form over edge values, misaligned offsets included; it writes its
// register file (256 bytes) to stdout and exits 0.
func RandomProgram(r *rand.Rand, n int) string {
	var b strings.Builder
	b.WriteString(".option norvc\n.text\n.globl _start\n_start:\n\tlla s0, buf\n")
	for _, reg := range randRegs {
		v := EdgeValues[r.IntN(len(EdgeValues))]
		if r.IntN(3) == 0 {
			v = fmt.Sprint(int64(r.Uint64()))
		}
		fmt.Fprintf(&b, "\tli x%d, %s\n", reg, v)
	}
	reg := func() string { return fmt.Sprintf("x%d", randRegs[r.IntN(len(randRegs))]) }
	src := func() string {
		if r.IntN(10) == 0 {
			return "x0"
		}
		return reg()
	}
	rops := []string{"add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and", "addw", "subw", "sllw", "srlw", "sraw",
		"mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu", "mulw", "divw", "divuw", "remw", "remuw"}
	iops := []string{"addi", "slti", "sltiu", "xori", "ori", "andi", "addiw"}
	loads := []string{"lb", "lh", "lw", "ld", "lbu", "lhu", "lwu"}
	stores := []string{"sb", "sh", "sw", "sd"}
	amos := []string{"amoswap", "amoadd", "amoxor", "amoand", "amoor", "amomin", "amomax", "amominu", "amomaxu"}
	simple := func() string {
		switch r.IntN(4) {
		case 0, 1:
			return fmt.Sprintf("%s %s, %s, %s", rops[r.IntN(len(rops))], reg(), src(), src())
		case 2:
			return fmt.Sprintf("%s %s, %s, %d", iops[r.IntN(len(iops))], reg(), src(), r.IntN(4096)-2048)
		default:
			switch r.IntN(3) {
			case 0:
				return fmt.Sprintf("%s %s, %s, %d", []string{"slli", "srli", "srai"}[r.IntN(3)], reg(), src(), []int{0, 1, 31, 32, 63}[r.IntN(5)])
			case 1:
				return fmt.Sprintf("%s %s, %s, %d", []string{"slliw", "srliw", "sraiw"}[r.IntN(3)], reg(), src(), []int{0, 1, 15, 31}[r.IntN(4)])
			default:
				return fmt.Sprintf("lui %s, %d", reg(), r.IntN(1<<20))
			}
		}
	}
	for i := 0; i < n; i++ {
		switch k := r.IntN(20); {
		case k < 10:
			b.WriteString("\t" + simple() + "\n")
		case k < 13: // loads, misaligned offsets included
			fmt.Fprintf(&b, "\t%s %s, %d(s0)\n", loads[r.IntN(len(loads))], reg(), r.IntN(2040))
		case k < 16:
			fmt.Fprintf(&b, "\t%s %s, %d(s0)\n", stores[r.IntN(len(stores))], src(), r.IntN(2040))
		case k < 17: // LR/SC pair (sometimes a lone SC, which must fail)
			w := []string{"w", "d"}[r.IntN(2)]
			fmt.Fprintf(&b, "\taddi x30, s0, %d\n", 8*r.IntN(255))
			if r.IntN(4) != 0 {
				fmt.Fprintf(&b, "\tlr.%s %s, (x30)\n", w, reg())
				if r.IntN(2) == 0 {
					b.WriteString("\t" + simple() + "\n")
				}
			}
			fmt.Fprintf(&b, "\tsc.%s %s, %s, (x30)\n", w, reg(), src())
		case k < 18:
			w := []string{"w", "d"}[r.IntN(2)]
			fmt.Fprintf(&b, "\taddi x30, s0, %d\n\t%s.%s %s, %s, (x30)\n", 8*r.IntN(255), amos[r.IntN(len(amos))], w, reg(), src())
		case k < 19: // forward branch over one instruction
			br := []string{"beq", "bne", "blt", "bge", "bltu", "bgeu"}[r.IntN(6)]
			fmt.Fprintf(&b, "\t%s %s, %s, 1f\n\t%s\n1:\n", br, src(), src(), simple())
		default:
			fmt.Fprintf(&b, "\tauipc %s, %d\n\tfence\n", reg(), r.IntN(1<<20))
		}
	}
	b.WriteString("\tli sp, 0\n\tlla s0, out\n") // the initial sp is the loader's choice
	for i := 1; i < 32; i++ {
		if i != 8 {
			fmt.Fprintf(&b, "\tsd x%d, %d(s0)\n", i, 8*i)
		}
	}
	b.WriteString("\tli a0, 1\n\tmv a1, s0\n\tli a2, 256\n\tli a7, 64\n\tecall\n\tli a0, 0\n\tli a7, 93\n\tecall\n")
	b.WriteString(".data\n.balign 16\nbuf:\n")
	for i := 0; i < 512; i++ {
		fmt.Fprintf(&b, "\t.quad %d\n", int64(r.Uint64()))
	}
	b.WriteString("out:\n\t.zero 256\n")
	return b.String()
}

// Tools returns the riscv64 cross assembler and linker, skipping the test when they are absent.
func Tools(t testing.TB) (as, ld string) {
	t.Helper()
	as, err1 := exec.LookPath("riscv64-linux-gnu-as")
	ld, err2 := exec.LookPath("riscv64-linux-gnu-ld")
	if err1 != nil || err2 != nil {
		t.Skip("riscv64-linux-gnu-as/ld not installed (Debian binutils-riscv64-linux-gnu): random program test skipped")
	}
	return as, ld
}

// Assemble writes src to base.s and builds the static executable base from it.
func Assemble(t testing.TB, as, ld, march, base, src string) {
	t.Helper()
	if err := os.WriteFile(base+".s", []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(as, "-march="+march, "-o", base+".o", base+".s").CombinedOutput(); err != nil {
		t.Fatalf("as: %v\n%s", err, out)
	}
	if out, err := exec.Command(ld, "-static", "-nostdlib", "--no-relax", "-o", base, base+".o").CombinedOutput(); err != nil {
		t.Fatalf("ld: %v\n%s", err, out)
	}
}

// Build assembles src for march in a temporary directory and returns the executable's bytes.
func Build(t testing.TB, march, src string) []byte {
	t.Helper()
	as, ld := Tools(t)
	base := filepath.Join(t.TempDir(), "prog")
	Assemble(t, as, ld, march, base, src)
	data, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
