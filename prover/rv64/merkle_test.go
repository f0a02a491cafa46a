package rv64

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/zkexex/zkexex/prover/vm"
)

func TestLevelOffsets(t *testing.T) {
	for l := 1; l <= vm.PageBits; l++ {
		pw := levelPw(l)
		if got := pw[0] | pw[1]<<4 | pw[2]<<20; got != 1<<(l-1) {
			t.Fatalf("level %d: offset %#x", l, got)
		}
		if k := pageKey(1 << (l - 1)); k != pw {
			t.Fatalf("level %d: key %v, offset %v", l, k, pw)
		}
	}
	for _, l := range []int{0, vm.PageBits + 1, merkleLevelRows} {
		if levelPw(l) != [3]uint64{} {
			t.Fatalf("level %d has an offset", l)
		}
	}
	if k := pageKey(1<<vm.PageBits - 1); k != [3]uint64{0xf, 0xffff, 0xffff} {
		t.Fatalf("top page key %v", k)
	}
}

// Tiny RV64I encoder for the executor test below.
func iType(op, f3, rd, rs1 uint32, imm int32) uint32 {
	return uint32(imm)<<20 | rs1<<15 | f3<<12 | rd<<7 | op
}

func sType(rs1, rs2 uint32, imm int32) uint32 {
	u := uint32(imm)
	return (u>>5)<<25 | rs2<<20 | rs1<<15 | 3<<12 | (u&31)<<7 | 0x23
}

func bne(rs1, rs2 uint32, off int32) uint32 {
	u := uint32(off) & 0x1fff
	return (u>>12)<<31 | (u>>5&0x3f)<<25 | rs2<<20 | rs1<<15 | 1<<12 | (u>>1&0xf)<<8 | (u>>11&1)<<7 | 0x63
}

// loopProgram runs a loop that increments a counter word and stores the loop index next to it,
// n times, then exits through the kernel. Every segment but the first and last touches the
// same pages: its code, its data page and the machine page.
func loopProgram(n int32) *vm.Program {
	const (
		t0, t1, s0, a0, a7 = 5, 6, 8, 10, 17
		code, data         = 0x10000, 0x20000
	)
	ins := []uint32{
		0x20<<12 | s0<<7 | 0x37,          // lui s0, 0x20
		uint32(n>>12)<<12 | t0<<7 | 0x37, // lui t0, n>>12
		iType(0x13, 0, t0, t0, n&0xfff),  // addi t0, t0, n&0xfff
		iType(0x03, 3, t1, s0, 0),        // loop: ld t1, 0(s0)
		iType(0x13, 0, t1, t1, 1),        // addi t1, t1, 1
		sType(s0, t1, 0),                 // sd t1, 0(s0)
		sType(s0, t0, 8),                 // sd t0, 8(s0)
		iType(0x13, 0, t0, t0, -1),       // addi t0, t0, -1
		bne(t0, 0, -20),                  // bnez t0, loop
		iType(0x13, 0, a0, 0, 0),         // li a0, 0
		iType(0x13, 0, a7, 0, 93),        // li a7, 93 (exit)
		0x73,                             // ecall
	}
	b := make([]byte, 4*len(ins))
	for i, w := range ins {
		binary.LittleEndian.PutUint32(b[4*i:], w)
	}
	return &vm.Program{Entry: code, Segments: []vm.LoadSegment{
		{Vaddr: code, MemSize: vm.PageSize, Data: b, Exec: true},
		{Vaddr: data, MemSize: vm.PageSize},
	}}
}

// TestPagingEndRootMatchesExecutor runs a real program and, for a middle segment, builds the
// paging tables from its records: the start root must be the record's, the end root the
// executor's, and the paging tables prove (with prover/p2air's chips and a memory stand-in that
// moves each written word from its page-in value to its last one). The segment's final memory is
// the next segment's page-in (it touches the same pages).
func TestPagingEndRootMatchesExecutor(t *testing.T) {
	var segs []*vm.Segment
	res, err := vm.Execute(context.Background(), loopProgram(30000), vm.Config{Po2: vm.MinPo2,
		OnSegment: func(s *vm.Segment) error { segs = append(segs, s); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 || len(segs) < 3 {
		t.Fatalf("exit %d, %d segments", res.ExitCode, len(segs))
	}
	seg, next := segs[1], segs[2]
	later := map[uint64]*[vm.PageSize]byte{}
	for i := range next.Pages {
		later[next.Pages[i].Page] = &next.Pages[i].Data
	}
	start := map[uint64]*[vm.PageSize]byte{}
	for i := range seg.Pages {
		start[seg.Pages[i].Page] = &seg.Pages[i].Data
	}
	final := func(a uint64) (uint64, uint64, error) {
		p := later[a/vm.PageSize]
		if p == nil {
			return 0, 0, fmt.Errorf("page %#x of segment 1 not paged in by segment 2", a/vm.PageSize)
		}
		if v := wordOf(p, a); v != wordOf(start[a/vm.PageSize], a) {
			return v, 1, nil
		}
		return wordOf(p, a), 0, nil
	}
	// The memory stand-in moves each changed word from its page-in value to its last one.
	var rows []pgMemRow
	for pn, p := range start {
		for w := uint64(0); w < vm.PageSize/8; w++ {
			a := pn*vm.PageSize + 8*w
			if v, ts, err := final(a); err != nil {
				t.Fatal(err)
			} else if ts > 0 {
				rows = append(rows, pgMemRow{kind: tmAcc, acc: Access{Addr: a, Prev: wordOf(p, a), Next: v, Ts: ts}})
			}
		}
	}
	changed := len(rows)
	// The middle segment runs only the loop body (pcs 0x1000c..0x10020): the decode table reads
	// the words holding them once per distinct pc.
	code := map[uint64]uint64{0x10008: 1, 0x10010: 2, 0x10018: 2, 0x10020: 1}
	for a, n := range code {
		for i := uint64(0); i < n; i++ {
			rows = append(rows, pgMemRow{kind: tmCode, acc: Access{Addr: a, Prev: wordOf(start[a/vm.PageSize], a)}})
		}
	}
	pt, err := pagingTrace(pagingInputs{startRoot: seg.Start.Root, pages: seg.Pages, final: final,
		code: code, fetched: map[uint64]bool{0x10: true}})
	if err != nil {
		t.Fatal(err)
	}
	if changed == 0 {
		t.Fatal("the segment wrote nothing")
	}
	if pt.startRoot != seg.Start.Root || pt.endRoot != seg.End.Root {
		t.Fatalf("roots %s → %s, executor %s → %s", pt.startRoot, pt.endRoot, seg.Start.Root, seg.End.Root)
	}
	st := &pgStatement{pt: pt, memRows: rows, public: publicRoots(pt.startRoot, pt.endRoot), realChip: true}
	if err := st.prove(t, nil); err != nil {
		t.Fatal(err)
	}
	t.Logf("segment 1: %d pages, %d words changed, %d Merkle rows, %d + %d permutations",
		len(seg.Pages), changed, len(pt.p16)/2, len(pt.p24), len(pt.p16))
}
