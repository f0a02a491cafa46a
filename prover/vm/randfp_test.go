package vm

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zkexex/zkexex/prover/vm/vmtest"
)

// Random F/D instruction sequences against qemu-riscv64 (whose softfloat is the reference):
// operands are IEEE edge cases (signed zeros, subnormals, infinities, quiet and signalling
// NaNs, values near rounding and conversion boundaries, NaN-boxed and unboxed singles), every
// static rounding mode and the dynamic one are used, and the program dumps all FP registers,
// the integer results and fcsr.

var fpEdgeBits = []string{
	"0", "0x8000000000000000", "0x3ff0000000000000", "0xbff0000000000000", "0x3fb999999999999a",
	"0x3fd5555555555555", "0x7fefffffffffffff", "0x0010000000000000", "0x0000000000000001",
	"0x000fffffffffffff", "0x7ff0000000000000", "0xfff0000000000000", "0x7ff8000000000000",
	"0x7ff0000000000001", "0x4340000000000001", "0xc3e0000000000000", "0x41dfffffffc00000",
	"0x41f0000000000000", "0x3ff8000000000000", "0x4004000000000000", "0xc004000000000000",
	"0xffffffff3f800000", "0xffffffff7f800000", "0xffffffff7fc00000", "0xffffffff7f800001",
	"0xffffffff00000001", "0xffffffff80000000", "0xffffffff3eaaaaab", "0x000000003f800000",
	"0xffffffff7f7fffff", "0xffffffff00800000", "0x3e70000000000000",
}

var fpIntEdge = []string{"0", "1", "-1", "0x7fffffff", "0x80000000", "0xffffffff", "0x7fffffffffffffff", "0x8000000000000000", "0x20000000000001", "12345"}

func genFPProgram(r *rand.Rand, n int) string {
	var b strings.Builder
	b.WriteString(".option norvc\n.text\n.globl _start\n_start:\n")
	for i := 0; i < 32; i++ {
		fmt.Fprintf(&b, "\tli t0, %s\n\tfmv.d.x f%d, t0\n", fpEdgeBits[r.IntN(len(fpEdgeBits))], i)
	}
	// integer sources a0-a7, results s1-s11
	for i := 10; i <= 17; i++ {
		fmt.Fprintf(&b, "\tli x%d, %s\n", i, fpIntEdge[r.IntN(len(fpIntEdge))])
	}
	f := func() string { return fmt.Sprintf("f%d", r.IntN(32)) }
	xs := func() string { return fmt.Sprintf("x%d", 10+r.IntN(8)) }
	xd := func() string {
		return []string{"s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11"}[r.IntN(11)]
	}
	rm := func() string { return []string{"rne", "rtz", "rdn", "rup", "rmm", "dyn"}[r.IntN(6)] }
	fmtS := func() string { return []string{"s", "d"}[r.IntN(2)] }
	for i := 0; i < n; i++ {
		t := fmtS()
		switch k := r.IntN(14); k {
		case 0, 1, 2:
			op := []string{"fadd", "fsub", "fmul", "fdiv"}[r.IntN(4)]
			fmt.Fprintf(&b, "\t%s.%s %s, %s, %s, %s\n", op, t, f(), f(), f(), rm())
		case 3:
			fmt.Fprintf(&b, "\tfsqrt.%s %s, %s, %s\n", t, f(), f(), rm())
		case 4:
			op := []string{"fmadd", "fmsub", "fnmadd", "fnmsub"}[r.IntN(4)]
			fmt.Fprintf(&b, "\t%s.%s %s, %s, %s, %s, %s\n", op, t, f(), f(), f(), f(), rm())
		case 5:
			op := []string{"fmin", "fmax", "fsgnj", "fsgnjn", "fsgnjx"}[r.IntN(5)]
			fmt.Fprintf(&b, "\t%s.%s %s, %s, %s\n", op, t, f(), f(), f())
		case 6:
			op := []string{"feq", "flt", "fle"}[r.IntN(3)]
			fmt.Fprintf(&b, "\t%s.%s %s, %s, %s\n", op, t, xd(), f(), f())
		case 7:
			kind := []string{"w", "wu", "l", "lu"}[r.IntN(4)]
			fmt.Fprintf(&b, "\tfcvt.%s.%s %s, %s, %s\n", kind, t, xd(), f(), rm())
		case 8:
			kind := []string{"w", "wu", "l", "lu"}[r.IntN(4)]
			if t == "d" && (kind == "w" || kind == "wu") { // exact: the assembler takes no rounding mode
				fmt.Fprintf(&b, "\tfcvt.d.%s %s, %s\n", kind, f(), xs())
			} else {
				fmt.Fprintf(&b, "\tfcvt.%s.%s %s, %s, %s\n", t, kind, f(), xs(), rm())
			}
		case 9:
			if t == "s" {
				fmt.Fprintf(&b, "\tfcvt.s.d %s, %s, %s\n", f(), f(), rm())
			} else {
				fmt.Fprintf(&b, "\tfcvt.d.s %s, %s\n", f(), f())
			}
		case 10:
			fmt.Fprintf(&b, "\tfclass.%s %s, %s\n", t, xd(), f())
		case 11:
			switch r.IntN(3) {
			case 0:
				fmt.Fprintf(&b, "\tfmv.x.%s %s, %s\n", map[string]string{"s": "w", "d": "d"}[t], xd(), f())
			case 1:
				fmt.Fprintf(&b, "\tfmv.%s.x %s, %s\n", map[string]string{"s": "w", "d": "d"}[t], f(), xs())
			default:
				fmt.Fprintf(&b, "\tfrflags %s\n\tfsflags x0\n", xd())
			}
		case 12:
			fmt.Fprintf(&b, "\tfsrmi %d\n", r.IntN(5))
		default:
			fmt.Fprintf(&b, "\tfsd %s, %d(sp)\n\tfld %s, %d(sp)\n\tflw %s, %d(sp)\n", f(), -8, f(), -8, f(), -4)
		}
	}
	b.WriteString("\tlla t1, out\n")
	for i := 0; i < 32; i++ {
		fmt.Fprintf(&b, "\tfsd f%d, %d(t1)\n", i, 8*i)
	}
	for i, reg := range []string{"s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11"} {
		fmt.Fprintf(&b, "\tsd %s, %d(t1)\n", reg, 256+8*i)
	}
	b.WriteString("\tfrcsr t0\n\tsd t0, 344(t1)\n")
	b.WriteString("\tli a0, 1\n\tmv a1, t1\n\tli a2, 352\n\tli a7, 64\n\tecall\n\tli a0, 0\n\tli a7, 93\n\tecall\n")
	b.WriteString(".data\n.balign 16\nout:\n\t.zero 352\n")
	return b.String()
}

func TestRandomFPQEMU(t *testing.T) {
	needQEMU(t)
	as, ld := vmtest.Tools(t)
	programs, length := 400, 250
	if testing.Short() {
		programs, length = 40, 150
	}
	dir := t.TempDir()
	for i := 0; i < programs; i++ {
		r := rand.New(rand.NewPCG(uint64(i), 0xf10a7))
		base := filepath.Join(dir, fmt.Sprintf("fp%d", i))
		vmtest.Assemble(t, as, ld, "rv64imafd", base, genFPProgram(r, length))
		want, code := runQEMU(t, base, nil)
		res := execute(t, loadFile(t, base), Config{})
		if len(want) != 352 || code != 0 {
			t.Fatalf("program %d: qemu printed %d bytes, exit %d", i, len(want), code)
		}
		if !bytes.Equal(res.Stdout, want) {
			names := make([]string, 0, 44)
			for k := 0; k < 32; k++ {
				names = append(names, fmt.Sprintf("f%d", k))
			}
			names = append(names, "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "fcsr")
			for k, name := range names {
				a, b := want[8*k:8*k+8], res.Stdout[min(len(res.Stdout), 8*k):min(len(res.Stdout), 8*k+8)]
				if !bytes.Equal(a, b) {
					t.Errorf("program %d: %s = %x, qemu %x", i, name, b, a)
				}
			}
			t.Fatalf("program %d differs; source in %s.s", i, base)
		}
	}
}
