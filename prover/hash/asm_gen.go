//go:build ignore

// asm_gen writes poseidon2_amd64.s, the Poseidon2 kernels for 16 independent states at once in
// structure-of-arrays form (word i of all 16 states side by side, one 32-bit Montgomery-form word
// per lane): AVX-512 with the state in ZMM registers, AVX2 in two passes of 8 lanes with the state
// in memory. Run it with `go generate` in prover/hash.
//
// The kernels keep every state word canonical (< p) between steps, so they return exactly the
// words the scalar path returns:
//   - a + b: s = a+b (< 2p < 2^32), then min(s, s-p) as unsigned.
//   - a - b: d = a-b, then min(d, d+p) as unsigned.
//   - Montgomery a*b/2^32: the even/odd-lane VPMULUDQ technique (32x32->64-bit products of the even
//     lanes, and of the odd lanes shifted down), REDC by adding m*p with m = lo(a*b)*(-p^-1), whose
//     high half is the product in [0, 2p), then min(t, t-p).
//   - x * 2^-n (the internal diagonal): with x = hi*2^n + lo and 2^-24 = -127 mod p,
//     x*2^-n = hi - lo*127*2^(24-n), where lo*127*2^(24-n) < p: a shift, a mask and a 32-bit
//     multiply (VPMULLD) on AVX-512, shifts only on AVX2 (lo*127*2^(24-n) = lo<<(31-n) - lo<<(24-n)).
package main

import (
	"bytes"
	"fmt"
	"os"
)

type diagEntry struct {
	neg   bool
	mul   int
	shift int
}

// Keep in step with diag16 / diag24 in poseidon2.go; TestKernelMatchesScalar catches any drift.
var (
	diag16 = []diagEntry{
		{true, 2, 0}, {false, 1, 0}, {false, 2, 0}, {false, 0, 1}, {false, 3, 0}, {false, 4, 0},
		{true, 0, 1}, {true, 3, 0}, {true, 4, 0}, {false, 0, 8}, {false, 0, 3}, {false, 0, 24},
		{true, 0, 8}, {true, 0, 3}, {true, 0, 4}, {true, 0, 24},
	}
	diag24 = []diagEntry{
		{true, 2, 0}, {false, 1, 0}, {false, 2, 0}, {false, 0, 1}, {false, 3, 0}, {false, 4, 0},
		{true, 0, 1}, {true, 3, 0}, {true, 4, 0}, {false, 0, 8}, {false, 0, 2}, {false, 0, 3},
		{false, 0, 4}, {false, 0, 5}, {false, 0, 6}, {false, 0, 24},
		{true, 0, 8}, {true, 0, 3}, {true, 0, 4}, {true, 0, 5}, {true, 0, 6}, {true, 0, 7},
		{true, 0, 9}, {true, 0, 24},
	}
)

const (
	modulus    = 0x7f000001
	montNegInv = 0x7effffff // -p^-1 mod 2^32
	montR2     = 0x17f7efe4
)

type gen struct {
	buf     bytes.Buffer
	width   int
	partial int
	diag    []diagEntry
	p, mu   string
	tmp     []string // scratch registers
	label   int
	name    string
	avx2    bool // 8 lanes in YMM registers, state in memory
}

func z(i int) string { return fmt.Sprintf("Z%d", i) }

func (g *gen) op(format string, args ...any) {
	fmt.Fprintf(&g.buf, "\t"+format+"\n", args...)
}

func newGen(name string, width, partial int, diag []diagEntry) *gen {
	g := &gen{width: width, partial: partial, diag: diag, name: name}
	g.p, g.mu = z(width), z(width+1)
	for i := width + 2; i < 32; i++ {
		g.tmp = append(g.tmp, z(i))
	}
	return g
}

// add sets dst = a+b; it clobbers the scratch register tt.
func (g *gen) add(a, b, dst string) { g.addT(a, b, dst, g.tmp[len(g.tmp)-1]) }

func (g *gen) addT(a, b, dst, tt string) {
	g.op("VPADDD %s, %s, %s", b, a, dst)
	g.op("VPSUBD %s, %s, %s", g.p, dst, tt)
	g.op("VPMINUD %s, %s, %s", tt, dst, dst)
}

// sub sets dst = a-b; it clobbers the scratch register tt.
func (g *gen) sub(a, b, dst string) { g.subT(a, b, dst, g.tmp[len(g.tmp)-1]) }

func (g *gen) subT(a, b, dst, tt string) {
	g.op("VPSUBD %s, %s, %s", b, a, dst)
	g.op("VPADDD %s, %s, %s", g.p, dst, tt)
	g.op("VPMINUD %s, %s, %s", tt, dst, dst)
}

// redc replaces the 64-bit products in e (even lanes) and o (odd lanes) by a*b + m*p with
// m = lo(a*b)*(-p^-1) mod 2^32, whose low halves are zero and whose high halves are the Montgomery
// products a*b/2^32 mod p, in [0, 2p) when a*b < 2^32*p (REDC without the final subtraction).
func (g *gen) redc(e, o, q1, q2 string) {
	g.op("VPMULUDQ %s, %s, %s", g.mu, e, q1)
	g.op("VPMULUDQ %s, %s, %s", g.mu, o, q2)
	g.op("VPMULUDQ %s, %s, %s", g.p, q1, q1)
	g.op("VPMULUDQ %s, %s, %s", g.p, q2, q2)
	g.op("VPADDQ %s, %s, %s", q1, e, e)
	g.op("VPADDQ %s, %s, %s", q2, o, o)
}

// pack gathers the high halves of e and o into dst (even lanes from e, odd from o) and reduces
// them from [0, 2p) to [0, p), using e as scratch.
func (g *gen) pack(e, o, dst string) {
	if g.avx2 {
		g.op("VPSRLQ $32, %s, %s", e, dst)
		g.op("VPBLENDD $0xaa, %s, %s, %s", o, dst, dst)
		g.op("VPSUBD %s, %s, %s", g.p, dst, e)
		g.op("VPMINUD %s, %s, %s", e, dst, dst)
		return
	}
	// o's odd lanes already hold the odd results; under the even-lane mask K1, VMOVSHDUP moves
	// e's high halves down into o's even lanes.
	g.op("VMOVSHDUP %s, K1, %s", e, o)
	g.op("VPSUBD %s, %s, %s", g.p, o, e)
	g.op("VPMINUD %s, %s, %s", e, o, dst)
}

// cube sets x = x^3 using five scratch registers t. x^2 stays unpacked and unreduced (< 2p) between
// the two products: x^2 * x < 2p^2 < 2^32*p, so the second product is still in range.
func (g *gen) cube(x string, t []string) {
	xo, e, o, q1, q2 := t[0], t[1], t[2], t[3], t[4]
	g.op("VPSRLQ $32, %s, %s", x, xo)
	g.op("VPMULUDQ %s, %s, %s", x, x, e)
	g.op("VPMULUDQ %s, %s, %s", xo, xo, o)
	g.redc(e, o, q1, q2)
	g.op("VPSRLQ $32, %s, %s", e, e)
	g.op("VPSRLQ $32, %s, %s", o, o)
	g.op("VPMULUDQ %s, %s, %s", x, e, e)
	g.op("VPMULUDQ %s, %s, %s", xo, o, o)
	g.redc(e, o, q1, q2)
	g.pack(e, o, x)
}

// montConst sets x = mont(x, c) for a constant c in register c (both halves of each lane = c).
func (g *gen) montConst(x, c string, t []string) {
	xo, e, o, q1, q2 := t[0], t[1], t[2], t[3], t[4]
	g.op("VPSRLQ $32, %s, %s", x, xo)
	g.op("VPMULUDQ %s, %s, %s", c, x, e)
	g.op("VPMULUDQ %s, %s, %s", c, xo, o)
	g.redc(e, o, q1, q2)
	g.pack(e, o, x)
}

// external multiplies the state by circ(2M4, M4, ...).
func (g *gen) external() {
	t := g.tmp
	ab, cd, abcd, t1, t2 := t[0], t[1], t[2], t[3], t[4]
	for k := 0; k < g.width; k += 4 {
		a, b, c, d := z(k), z(k+1), z(k+2), z(k+3)
		g.add(a, b, ab)
		g.add(c, d, cd)
		g.add(ab, cd, abcd)
		g.add(abcd, b, t1) // a+2b+c+d
		g.add(abcd, d, t2) // a+b+c+2d
		g.add(a, a, d)
		g.add(d, t2, d)  // 3a+b+c+2d
		g.add(ab, t1, a) // 2a+3b+c+d
		g.add(c, c, b)
		g.add(b, t1, b)  // a+2b+3c+d
		g.add(cd, t2, c) // a+b+2c+3d
	}
	col := t[:4]
	for j := 0; j < 4; j++ {
		g.add(z(j), z(4+j), col[j])
		for k := 8; k < g.width; k += 4 {
			g.add(col[j], z(k+j), col[j])
		}
	}
	for i := 0; i < g.width; i++ {
		g.add(z(i), col[i&3], z(i))
	}
}

// fullRounds emits a loop of 4 full rounds reading keys at BX and advancing it.
func (g *gen) fullRounds() {
	g.label++
	l := fmt.Sprintf("full%d", g.label)
	g.op("MOVQ $%d, CX", 4)
	fmt.Fprintf(&g.buf, "%s:\n", l)
	for i := 0; i < g.width; i++ {
		x := z(i)
		tt := g.tmp[len(g.tmp)-1]
		g.op("VPADDD.BCST %d(BX), %s, %s", 4*i, x, x)
		g.op("VPSUBD %s, %s, %s", g.p, x, tt)
		g.op("VPMINUD %s, %s, %s", tt, x, x)
		g.cube(x, g.tmp[:5])
	}
	g.external()
	g.op("ADDQ $%d, BX", 4*g.width)
	g.op("DECQ CX")
	g.op("JNZ %s", l)
}

// diagonal sets x = s + d*x for one entry d of the internal diagonal, with scratch u, v, w, tt.
// Small multiples are repeated additions; x*2^-n = hi - t with t = lo*127*2^(24-n) < p (see the file
// comment) takes a mask and VPMULLD on AVX-512, shifts on AVX2.
func (g *gen) diagonal(e diagEntry, x, s, u, v, w, tt string) {
	if e.mul != 0 {
		switch e.mul {
		case 2:
			g.addT(x, x, x, tt)
		case 3:
			g.addT(x, x, u, tt)
			g.addT(u, x, x, tt)
		case 4:
			g.addT(x, x, x, tt)
			g.addT(x, x, x, tt)
		}
		if e.neg {
			g.subT(s, x, x, tt)
		} else {
			g.addT(s, x, x, tt)
		}
		return
	}
	n := e.shift
	g.op("VPSRLD $%d, %s, %s", n, x, u) // hi
	if g.avx2 {
		g.op("VPSLLD $%d, %s, %s", 32-n, x, v)
		g.op("VPSRLD $1, %s, %s", v, w)    // lo << (31-n)
		g.op("VPSRLD $8, %s, %s", v, v)    // lo << (24-n)
		g.op("VPSUBD %s, %s, %s", v, w, w) // t
	} else {
		g.op("VPANDD.BCST shiftK<>+%d(SB), %s, %s", 8*n, x, w)    // lo
		g.op("VPMULLD.BCST shiftK<>+%d(SB), %s, %s", 8*n+4, w, w) // t
	}
	if e.neg {
		// s - (hi - t) = (s + t) - hi
		g.addT(s, w, x, tt)
		g.subT(x, u, x, tt)
	} else {
		g.subT(s, w, x, tt)
		g.addT(x, u, x, tt)
	}
}

// partialRounds emits the loop of partial rounds. The sum of state words 1.. does not depend on
// word 0, so it is computed first and overlaps with word 0's S-box; only the last addition waits.
func (g *gen) partialRounds() {
	g.label++
	l := fmt.Sprintf("partial%d", g.label)
	g.op("MOVQ $%d, CX", g.partial)
	fmt.Fprintf(&g.buf, "%s:\n", l)
	cubeTmp, s := g.tmp[:5], g.tmp[5]
	x0 := z(0)
	// s = s_1 + ... + s_{w-1}: a tree where registers allow, else two interleaved chains.
	if len(g.tmp) >= 14 {
		acc := g.tmp[6:13]
		tt := g.tmp[13]
		var level []string
		for i := 1; i+1 < g.width; i += 2 {
			r := acc[len(level)]
			g.addT(z(i), z(i+1), r, tt)
			level = append(level, r)
		}
		level = append(level, z(g.width-1)) // odd count
		for len(level) > 1 {
			var next []string
			for i := 0; i+1 < len(level); i += 2 {
				g.addT(level[i], level[i+1], level[i], tt)
				next = append(next, level[i])
			}
			if len(level)%2 == 1 {
				next = append(next, level[len(level)-1])
			}
			level = next
		}
		g.op("VMOVDQA32 %s, %s", level[0], s)
	} else {
		a, b, tt := cubeTmp[0], cubeTmp[1], cubeTmp[2]
		g.addT(z(1), z(2), a, tt)
		g.addT(z(3), z(4), b, tt)
		for i := 5; i < g.width; i += 2 {
			g.addT(a, z(i), a, tt)
			if i+1 < g.width {
				g.addT(b, z(i+1), b, tt)
			}
		}
		g.addT(a, b, s, tt)
	}
	tt := cubeTmp[4]
	g.op("VPADDD.BCST (BX), %s, %s", x0, x0)
	g.op("VPSUBD %s, %s, %s", g.p, x0, tt)
	g.op("VPMINUD %s, %s, %s", tt, x0, x0)
	g.cube(x0, cubeTmp)
	g.addT(s, x0, s, tt)
	for i, e := range g.diag {
		g.diagonal(e, z(i), s, g.tmp[0], g.tmp[1], g.tmp[2], g.tmp[3])
	}
	g.op("ADDQ $4, BX")
	g.op("DECQ CX")
	g.op("JNZ %s", l)
}

// permutation calls the shared permutation body for this width (see emitBodies).
func (g *gen) permutation() { g.op("CALL perm%dZ<>(SB)", g.width) }

func (g *gen) prologue(keysArg string) {
	g.op("MOVQ %s, BX", keysArg)
	g.op("MOVL $%#x, AX", modulus)
	g.op("VPBROADCASTD AX, %s", g.p)
	g.op("MOVL $%#x, AX", montNegInv)
	g.op("VPBROADCASTD AX, %s", g.mu)
	g.op("MOVW $0x5555, AX") // even lanes
	g.op("KMOVW AX, K1")
}

func (g *gen) loadState() {
	for i := 0; i < g.width; i++ {
		g.op("VMOVDQU32 %d(DI), %s", 64*i, z(i))
	}
}

func (g *gen) storeState() {
	for i := 0; i < g.width; i++ {
		g.op("VMOVDQU32 %s, %d(DI)", z(i), 64*i)
	}
}

// transpose16 transposes the 16x16 matrix of words held in Z0..Z15 (register r = row r) in place,
// through Z16..Z31: dword then qword interleaves within 128-bit lanes, then two rounds of 128-bit
// lane shuffles (a 4x4 transpose of lanes).
func (g *gen) transpose16() {
	a := func(i int) string { return z(16 + i) }
	for k := 0; k < 8; k++ {
		g.op("VPUNPCKLDQ %s, %s, %s", z(2*k+1), z(2*k), a(2*k))
		g.op("VPUNPCKHDQ %s, %s, %s", z(2*k+1), z(2*k), a(2*k+1))
	}
	// b[4k+e], lane l = rows 4k..4k+3 at column 4l+e
	for k := 0; k < 4; k++ {
		g.op("VPUNPCKLQDQ %s, %s, %s", a(4*k+2), a(4*k), z(4*k))
		g.op("VPUNPCKHQDQ %s, %s, %s", a(4*k+2), a(4*k), z(4*k+1))
		g.op("VPUNPCKLQDQ %s, %s, %s", a(4*k+3), a(4*k+1), z(4*k+2))
		g.op("VPUNPCKHQDQ %s, %s, %s", a(4*k+3), a(4*k+1), z(4*k+3))
	}
	// column 4l+e gathers lane l of b[e], b[4+e], b[8+e], b[12+e]
	for e := 0; e < 4; e++ {
		b0, b1, b2, b3 := z(e), z(4+e), z(8+e), z(12+e)
		t0, t1, t2, t3 := a(4*e), a(4*e+1), a(4*e+2), a(4*e+3)
		g.op("VSHUFI32X4 $0x44, %s, %s, %s", b1, b0, t0)
		g.op("VSHUFI32X4 $0xee, %s, %s, %s", b1, b0, t1)
		g.op("VSHUFI32X4 $0x44, %s, %s, %s", b3, b2, t2)
		g.op("VSHUFI32X4 $0xee, %s, %s, %s", b3, b2, t3)
	}
	for e := 0; e < 4; e++ {
		t0, t1, t2, t3 := a(4*e), a(4*e+1), a(4*e+2), a(4*e+3)
		g.op("VSHUFI32X4 $0x88, %s, %s, %s", t2, t0, z(e))
		g.op("VSHUFI32X4 $0xdd, %s, %s, %s", t2, t0, z(4+e))
		g.op("VSHUFI32X4 $0x88, %s, %s, %s", t3, t1, z(8+e))
		g.op("VSHUFI32X4 $0xdd, %s, %s, %s", t3, t1, z(12+e))
	}
}

// emitRows16 writes the width-16 kernels that take states as rows (one state per 64 bytes, the
// layout of []Digest pairs and [][16]Element) and transpose in registers.
func emitRows16(out *bytes.Buffer) {
	g := newGen("", 16, 20, diag16)
	fmt.Fprintf(&g.buf, "\n// func permute16RowsAVX512(s *[16][16]uint32, keys *uint32)\n")
	fmt.Fprintf(&g.buf, "TEXT ·permute16RowsAVX512(SB), NOSPLIT, $0-16\n")
	g.op("MOVQ s+0(FP), DI")
	g.loadState()
	g.transpose16()
	g.prologue("keys+8(FP)")
	g.permutation()
	g.transpose16()
	g.storeState()
	g.op("VZEROUPPER")
	g.op("RET")
	out.Write(g.buf.Bytes())

	g = newGen("", 16, 20, diag16)
	g.label = 200
	fmt.Fprintf(&g.buf, "\n// func compress16RowsAVX512(out *[16][8]uint32, in *[16][16]uint32, keys *uint32)\n")
	fmt.Fprintf(&g.buf, "TEXT ·compress16RowsAVX512(SB), NOSPLIT, $0-24\n")
	g.op("MOVQ in+8(FP), DI")
	g.loadState()
	g.transpose16()
	g.prologue("keys+16(FP)")
	g.permutation()
	g.transpose16()
	g.op("MOVQ out+0(FP), DI")
	for i := 0; i < 16; i++ {
		g.op("VMOVDQU Y%d, %d(DI)", i, 32*i)
	}
	g.op("VZEROUPPER")
	g.op("RET")
	out.Write(g.buf.Bytes())
}

// emitRows24 writes the width-24 row kernel: 16 states of 24 words (96 bytes each) are transposed
// as a 16x16 block (words 0..15) and a 16x8 block (words 16..23, the upper halves zero) through a
// caller-provided structure-of-arrays scratch block, permuted, and transposed back.
func emitRows24(out *bytes.Buffer) {
	g := newGen("", 24, 23, diag24)
	g.label = 300
	fmt.Fprintf(&g.buf, "\n// func permute24RowsAVX512(s *[16][24]uint32, scratch *[24][16]uint32, keys *uint32)\n")
	fmt.Fprintf(&g.buf, "TEXT ·permute24RowsAVX512(SB), NOSPLIT, $0-24\n")
	g.op("MOVQ s+0(FP), SI")
	g.op("MOVQ scratch+8(FP), DI")
	for r := 0; r < 16; r++ {
		g.op("VMOVDQU32 %d(SI), %s", 96*r, z(r))
	}
	g.transpose16()
	for c := 0; c < 16; c++ {
		g.op("VMOVDQU32 %s, %d(DI)", z(c), 64*c)
	}
	for r := 0; r < 16; r++ {
		g.op("VMOVDQU %d(SI), Y%d", 96*r+64, r) // zeroes the upper half
	}
	g.transpose16()
	for c := 0; c < 8; c++ {
		g.op("VMOVDQU32 %s, %d(DI)", z(c), 64*(16+c))
	}
	g.loadState()
	g.prologue("keys+16(FP)")
	g.permutation()
	g.storeState()
	for c := 0; c < 16; c++ {
		g.op("VMOVDQU32 %d(DI), %s", 64*c, z(c))
	}
	g.transpose16()
	for r := 0; r < 16; r++ {
		g.op("VMOVDQU32 %s, %d(SI)", z(r), 96*r)
	}
	for c := 0; c < 8; c++ {
		g.op("VMOVDQU32 %d(DI), %s", 64*(16+c), z(c))
	}
	for c := 8; c < 16; c++ {
		g.op("VPXORD %s, %s, %s", z(c), z(c), z(c))
	}
	g.transpose16()
	for r := 0; r < 16; r++ {
		g.op("VMOVDQU Y%d, %d(SI)", r, 96*r+64)
	}
	g.op("VZEROUPPER")
	g.op("RET")
	out.Write(g.buf.Bytes())
}

// The AVX2 kernels carry 8 lanes per YMM register. With 16 registers the state cannot stay in
// registers, so it stays in the caller's structure-of-arrays block: word i of lanes 8h..8h+7 is at
// 64*i + 32*h, and each kernel runs its permutation once per half (DI points at the half).

func y(i int) string { return fmt.Sprintf("Y%d", i) }

func mem(i int) string { return fmt.Sprintf("%d(DI)", 64*i) }

func newGen2(width, partial int, diag []diagEntry) *gen {
	return &gen{width: width, partial: partial, diag: diag, p: "Y15", mu: "Y14", avx2: true}
}

func (g *gen) external2() {
	ab, cd, abcd, t1, t2, tt := y(4), y(5), y(6), y(7), y(8), y(9)
	for k := 0; k < g.width; k += 4 {
		a, b, c, d := y(0), y(1), y(2), y(3)
		for j := 0; j < 4; j++ {
			g.op("VMOVDQU %s, %s", mem(k+j), y(j))
		}
		g.addT(a, b, ab, tt)
		g.addT(c, d, cd, tt)
		g.addT(ab, cd, abcd, tt)
		g.addT(abcd, b, t1, tt)
		g.addT(abcd, d, t2, tt)
		g.addT(a, a, d, tt)
		g.addT(d, t2, d, tt)
		g.addT(ab, t1, a, tt)
		g.addT(c, c, b, tt)
		g.addT(b, t1, b, tt)
		g.addT(cd, t2, c, tt)
		for j := 0; j < 4; j++ {
			g.op("VMOVDQU %s, %s", y(j), mem(k+j))
		}
	}
	for j := 0; j < 4; j++ {
		g.op("VMOVDQU %s, %s", mem(j), y(j))
		for k := 4; k < g.width; k += 4 {
			g.addT(y(j), mem(k+j), y(j), tt)
		}
	}
	for i := 0; i < g.width; i++ {
		x := y(4 + i%4)
		g.addT(y(i&3), mem(i), x, y(8+i%4))
		g.op("VMOVDQU %s, %s", x, mem(i))
	}
}

func (g *gen) addKey2(x, tt, key string) {
	g.op("VPBROADCASTD %s, %s", key, tt)
	g.addT(x, tt, x, tt)
}

func (g *gen) fullRounds2() {
	g.label++
	l := fmt.Sprintf("full%d", g.label)
	g.op("MOVQ $%d, CX", 4)
	fmt.Fprintf(&g.buf, "%s:\n", l)
	for i := 0; i < g.width; i++ {
		// Two register sets alternate so that neighbouring words overlap without renaming stalls.
		r := 6 * (i % 2)
		x := y(r)
		g.op("VMOVDQU %s, %s", mem(i), x)
		g.addKey2(x, y(r+1), fmt.Sprintf("%d(BX)", 4*i))
		g.cube(x, []string{y(r + 1), y(r + 2), y(r + 3), y(r + 4), y(r + 5)})
		g.op("VMOVDQU %s, %s", x, mem(i))
	}
	g.external2()
	g.op("ADDQ $%d, BX", 4*g.width)
	g.op("DECQ CX")
	g.op("JNZ %s", l)
}

func (g *gen) partialRounds2() {
	g.label++
	l := fmt.Sprintf("partial%d", g.label)
	g.op("MOVQ $%d, CX", g.partial)
	fmt.Fprintf(&g.buf, "%s:\n", l)
	s := y(13)
	a, b, tt := y(10), y(11), y(12)
	g.op("VMOVDQU %s, %s", mem(1), a)
	g.op("VMOVDQU %s, %s", mem(2), b)
	for i := 3; i < g.width; i += 2 {
		g.addT(a, mem(i), a, tt)
		if i+1 < g.width {
			g.addT(b, mem(i+1), b, tt)
		}
	}
	g.addT(a, b, s, tt)
	x0 := y(0)
	g.op("VMOVDQU %s, %s", mem(0), x0)
	g.addKey2(x0, y(1), "(BX)")
	g.cube(x0, []string{y(1), y(2), y(3), y(4), y(5)})
	g.addT(s, x0, s, y(1))
	for i, e := range g.diag {
		r := 6 * (i % 2)
		x, u, v, w, tt := y(r), y(r+1), y(r+2), y(r+3), y(r+4)
		if i == 0 {
			x, u, v, w, tt = x0, y(1), y(2), y(3), y(4)
		} else {
			g.op("VMOVDQU %s, %s", mem(i), x)
		}
		g.diagonal(e, x, s, u, v, w, tt)
		g.op("VMOVDQU %s, %s", x, mem(i))
	}
	g.op("ADDQ $4, BX")
	g.op("DECQ CX")
	g.op("JNZ %s", l)
}

func (g *gen) permutation2() { g.op("CALL perm%dY<>(SB)", g.width) }

// emitBodies writes each permutation once, as a register-convention subroutine that the exported
// kernels CALL: the state in Z0.. (AVX-512) or at DI (AVX2), round keys at BX, the constants
// (p, -p^-1, the even-lane mask K1) already loaded; it clobbers BX, CX and the scratch registers.
func emitBodies(out *bytes.Buffer) {
	for _, w := range []struct {
		width, partial int
		diag           []diagEntry
	}{{16, 20, diag16}, {24, 23, diag24}} {
		// The four full rounds before and after the partial ones share one subroutine.
		g := newGen("", w.width, w.partial, w.diag)
		fmt.Fprintf(&g.buf, "\nTEXT full%dZ<>(SB), NOSPLIT|NOFRAME, $0-0\n", w.width)
		g.fullRounds()
		g.op("RET")
		fmt.Fprintf(&g.buf, "\nTEXT perm%dZ<>(SB), NOSPLIT|NOFRAME, $0-0\n", w.width)
		g.external()
		g.op("CALL full%dZ<>(SB)", w.width)
		g.partialRounds()
		g.op("CALL full%dZ<>(SB)", w.width)
		g.op("RET")
		out.Write(g.buf.Bytes())

		g = newGen2(w.width, w.partial, w.diag)
		fmt.Fprintf(&g.buf, "\nTEXT full%dY<>(SB), NOSPLIT|NOFRAME, $0-0\n", w.width)
		g.fullRounds2()
		g.op("RET")
		fmt.Fprintf(&g.buf, "\nTEXT perm%dY<>(SB), NOSPLIT|NOFRAME, $0-0\n", w.width)
		g.external2()
		g.op("CALL full%dY<>(SB)", w.width)
		g.partialRounds2()
		g.op("CALL full%dY<>(SB)", w.width)
		g.op("RET")
		out.Write(g.buf.Bytes())
	}
}

func (g *gen) prologue2() {
	g.op("MOVL $%#x, AX", modulus)
	g.op("MOVQ AX, X15")
	g.op("VPBROADCASTD X15, %s", g.p)
	g.op("MOVL $%#x, AX", montNegInv)
	g.op("MOVQ AX, X14")
	g.op("VPBROADCASTD X14, %s", g.mu)
}

func emitAVX2(out *bytes.Buffer) {
	for _, w := range []struct {
		width, partial int
		diag           []diagEntry
	}{{16, 20, diag16}, {24, 23, diag24}} {
		g := newGen2(w.width, w.partial, w.diag)
		fmt.Fprintf(&g.buf, "\n// func permute%dAVX2(s *[%d][16]uint32, keys *uint32)\n", w.width, w.width)
		fmt.Fprintf(&g.buf, "TEXT ·permute%dAVX2(SB), NOSPLIT, $0-16\n", w.width)
		g.op("MOVQ s+0(FP), DI")
		g.prologue2()
		g.op("MOVQ $2, DX")
		fmt.Fprintf(&g.buf, "half:\n")
		g.op("MOVQ keys+8(FP), BX")
		g.permutation2()
		g.op("ADDQ $32, DI")
		g.op("DECQ DX")
		g.op("JNZ half")
		g.op("VZEROUPPER")
		g.op("RET")
		out.Write(g.buf.Bytes())
	}

	g := newGen2(24, 23, diag24)
	g.label = 100
	fmt.Fprintf(&g.buf, "\n// func absorb24AVX2(s *[24][16]uint32, blocks *[16][16]uint32, n int, keys *uint32, toMont int)\n")
	fmt.Fprintf(&g.buf, "TEXT ·absorb24AVX2(SB), NOSPLIT, $0-40\n")
	g.op("MOVQ s+0(FP), DI")
	g.op("MOVQ toMont+32(FP), R8")
	g.prologue2()
	g.op("MOVQ $2, R10")
	g.op("XORQ R11, R11") // byte offset of the half
	fmt.Fprintf(&g.buf, "half:\n")
	g.op("MOVQ blocks+8(FP), SI")
	g.op("ADDQ R11, SI")
	g.op("MOVQ n+16(FP), DX")
	g.op("TESTQ DX, DX")
	g.op("JZ next")
	fmt.Fprintf(&g.buf, "block:\n")
	g.op("TESTQ R8, R8")
	g.op("JNZ convert")
	for i := 0; i < 16; i++ {
		g.op("VMOVDQU %d(SI), Y0", 64*i)
		g.op("VMOVDQU Y0, %s", mem(i))
	}
	g.op("JMP permute")
	fmt.Fprintf(&g.buf, "convert:\n")
	g.op("MOVL $%#x, AX", montR2)
	g.op("MOVQ AX, X13")
	g.op("VPBROADCASTD X13, Y13")
	for i := 0; i < 16; i++ {
		r := 6 * (i % 2)
		g.op("VMOVDQU %d(SI), %s", 64*i, y(r))
		g.montConst(y(r), "Y13", []string{y(r + 1), y(r + 2), y(r + 3), y(r + 4), y(r + 5)})
		g.op("VMOVDQU %s, %s", y(r), mem(i))
	}
	fmt.Fprintf(&g.buf, "permute:\n")
	g.op("MOVQ keys+24(FP), BX")
	g.permutation2()
	g.op("ADDQ $1024, SI")
	g.op("DECQ DX")
	g.op("JNZ block")
	fmt.Fprintf(&g.buf, "next:\n")
	g.op("ADDQ $32, DI")
	g.op("ADDQ $32, R11")
	g.op("DECQ R10")
	g.op("JNZ half")
	g.op("VZEROUPPER")
	g.op("RET")
	out.Write(g.buf.Bytes())
}

func main() {
	out := &bytes.Buffer{}
	fmt.Fprintln(out, "// Code generated by asm_gen.go. DO NOT EDIT.")
	fmt.Fprintln(out)
	fmt.Fprintln(out, "//go:build amd64 && !purego")
	fmt.Fprintln(out)
	fmt.Fprintln(out, "#include \"textflag.h\"")
	// shiftK: for each n, the mask 2^n-1 and the multiplier 127*2^(24-n) of x*2^-n = hi - lo*127*2^(24-n).
	fmt.Fprintln(out)
	for n := 1; n <= 24; n++ {
		fmt.Fprintf(out, "DATA shiftK<>+%d(SB)/4, $%#x\n", 8*n, uint32(1)<<n-1)
		fmt.Fprintf(out, "DATA shiftK<>+%d(SB)/4, $%#x\n", 8*n+4, uint32(127)<<(24-n))
	}
	fmt.Fprintln(out, "GLOBL shiftK<>(SB), RODATA|NOPTR, $200")
	emitBodies(out)

	for _, w := range []struct {
		width, partial int
		diag           []diagEntry
	}{{16, 20, diag16}, {24, 23, diag24}} {
		g := newGen("", w.width, w.partial, w.diag)
		fmt.Fprintf(&g.buf, "\n// func permute%dAVX512(s *[%d][16]uint32, keys *uint32)\n", w.width, w.width)
		fmt.Fprintf(&g.buf, "TEXT ·permute%dAVX512(SB), NOSPLIT, $0-16\n", w.width)
		g.op("MOVQ s+0(FP), DI")
		g.prologue("keys+8(FP)")
		g.loadState()
		g.permutation()
		g.storeState()
		g.op("VZEROUPPER")
		g.op("RET")
		out.Write(g.buf.Bytes())
	}

	// The sponge: overwrite the rate (state words 0..15) with each block, optionally converting
	// raw values < 2^32 to Montgomery form, and permute.
	g := newGen("", 24, 23, diag24)
	g.label = 100
	fmt.Fprintf(&g.buf, "\n// func absorb24AVX512(s *[24][16]uint32, blocks *[16][16]uint32, n int, keys *uint32, toMont int)\n")
	fmt.Fprintf(&g.buf, "TEXT ·absorb24AVX512(SB), NOSPLIT, $0-40\n")
	g.op("MOVQ s+0(FP), DI")
	g.op("MOVQ blocks+8(FP), SI")
	g.op("MOVQ n+16(FP), DX")
	g.op("MOVQ toMont+32(FP), R8")
	g.prologue("keys+24(FP)")
	g.op("MOVQ BX, R9")
	g.loadState()
	g.op("TESTQ DX, DX")
	g.op("JZ done")
	fmt.Fprintf(&g.buf, "block:\n")
	for i := 0; i < 16; i++ {
		g.op("VMOVDQU32 %d(SI), %s", 64*i, z(i))
	}
	g.op("TESTQ R8, R8")
	g.op("JZ permute")
	r2 := g.tmp[5]
	g.op("MOVL $%#x, AX", montR2)
	g.op("VPBROADCASTD AX, %s", r2)
	for i := 0; i < 16; i++ {
		g.montConst(z(i), r2, g.tmp[:5])
	}
	fmt.Fprintf(&g.buf, "permute:\n")
	g.op("MOVQ R9, BX")
	g.permutation()
	g.op("ADDQ $1024, SI")
	g.op("DECQ DX")
	g.op("JNZ block")
	fmt.Fprintf(&g.buf, "done:\n")
	g.storeState()
	g.op("VZEROUPPER")
	g.op("RET")
	out.Write(g.buf.Bytes())

	emitRows16(out)
	emitRows24(out)
	emitAVX2(out)

	if err := os.WriteFile("poseidon2_amd64.s", out.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
