package vm

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// Encoders for the few RV64I forms the misaligned-jump tests need.
func encAddi(rd, rs1 uint32, imm int32) uint32 {
	return uint32(imm)&0xfff<<20 | rs1<<15 | rd<<7 | 0x13
}

func encJAL(rd uint32, off int32) uint32 {
	o := uint32(off)
	return o>>20&1<<31 | o>>1&0x3ff<<21 | o>>11&1<<20 | o>>12&0xff<<12 | rd<<7 | 0x6f
}

func encJALR(rd, rs1 uint32, imm int32) uint32 {
	return uint32(imm)&0xfff<<20 | rs1<<15 | rd<<7 | 0x67
}

func encBranch(f3, rs1, rs2 uint32, off int32) uint32 {
	o := uint32(off)
	return o>>12&1<<31 | o>>5&0x3f<<25 | rs2<<20 | rs1<<15 | f3<<12 | o>>1&0xf<<8 | o>>11&1<<7 | 0x63
}

func encAUIPC(rd uint32) uint32 { return rd<<7 | 0x17 }

const (
	regRA = 1
	regT0 = 5
	regT1 = 6
	regA0 = 10
)

// misalignedCase is a program whose run ends in ErrMisalignedPC at word fault, or (fault < 0)
// exits with status 7.
type misalignedCase struct {
	name  string
	code  []uint32
	fault int
}

func misalignedCases() []misalignedCase {
	exit7 := []uint32{encAddi(regA0, 0, 7), insnExit, insnEcall}
	cases := []misalignedCase{
		{"jal", []uint32{encJAL(regRA, 6)}, 0},
		{"jal-x0", []uint32{encJAL(0, -2)}, 0},
		{"jalr", []uint32{encAUIPC(regT0), encJALR(regRA, regT0, 10)}, 1},
		{"jalr-x0", []uint32{encAUIPC(regT0), encJALR(0, regT0, 6)}, 1},
		// a target with only bit 0 set is aligned once JALR clears that bit
		{"jalr-odd", append([]uint32{encAUIPC(regT0), encJALR(0, regT0, 13), 0xffffffff}, exit7...), -1},
		// jalr x0, 0(ra): a return (the profiler decodes it apart)
		{"ret", []uint32{encAUIPC(regRA), encAddi(regRA, regRA, 10), encJALR(0, regRA, 0)}, 2},
		{"jal-aligned", append([]uint32{encJAL(0, 8), 0xffffffff}, exit7...), -1},
	}
	// Each branch compares t0 with t1 and jumps 6 bytes ahead; the word after it is a JAL to
	// a misaligned target, so a not-taken branch faults one word later, on that JAL. The
	// operand pairs tell signed from unsigned comparisons apart (-1 against 1).
	branches := []struct {
		name           string
		f3             uint32
		taken, nottake [2]int32
	}{
		{"beq", 0, [2]int32{1, 1}, [2]int32{1, 2}},
		{"bne", 1, [2]int32{1, 2}, [2]int32{1, 1}},
		{"blt", 4, [2]int32{-1, 1}, [2]int32{1, -1}},
		{"bge", 5, [2]int32{1, -1}, [2]int32{-1, 1}},
		{"bltu", 6, [2]int32{1, -1}, [2]int32{-1, 1}},
		{"bgeu", 7, [2]int32{-1, 1}, [2]int32{1, -1}},
	}
	for _, b := range branches {
		for _, taken := range []bool{true, false} {
			ops, name, fault := b.nottake, b.name+"-not-taken", 3
			if taken {
				ops, name, fault = b.taken, b.name+"-taken", 2
			}
			cases = append(cases, misalignedCase{name, []uint32{
				encAddi(regT0, 0, ops[0]),
				encAddi(regT1, 0, ops[1]),
				encBranch(b.f3, regT0, regT1, 6),
				encJAL(0, 6),
			}, fault})
		}
		// a backward branch whose target is misaligned, not taken: the program exits
		cases = append(cases, misalignedCase{b.name + "-back-not-taken", append([]uint32{
			encAddi(regT0, 0, b.nottake[0]),
			encAddi(regT1, 0, b.nottake[1]),
			encBranch(b.f3, regT0, regT1, -6),
		}, exit7...), -1})
	}
	return cases
}

// checkMisaligned requires err to be ErrMisalignedPC naming pc, or nil when wantPC is absent.
func checkMisaligned(err error, wantPC uint64, fault bool) error {
	if !fault {
		return err
	}
	var f *Fault
	if !errors.Is(err, ErrMisalignedPC) || !errors.As(err, &f) || f.PC != wantPC {
		return fmt.Errorf("got %v, want %v at %#x", err, ErrMisalignedPC, wantPC)
	}
	return nil
}

// TestMisalignedJump checks that a taken jump or branch to an address that is not 4-aligned
// faults on the jump itself (RISC-V without C raises instruction-address-misaligned there, and
// the RV64 AIR has no row for such a step), that a not-taken branch with such a target goes
// on, and that JALR's cleared low bit is not a misalignment. Before the check the executor
// ran the aligned word below the target whenever the jump stayed within its page.
func TestMisalignedJump(t *testing.T) {
	const entry = 0x10000 + 64 + 56
	for _, tc := range misalignedCases() {
		for _, profile := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/profile=%v", tc.name, profile), func(t *testing.T) {
				p, err := LoadELF(buildRawELF(tc.code, 0))
				if err != nil {
					t.Fatal(err)
				}
				res, err := Execute(context.Background(), p, Config{Profile: profile})
				if err := checkMisaligned(err, entry+4*uint64(tc.fault), tc.fault >= 0); err != nil {
					t.Fatal(err)
				}
				if tc.fault < 0 && res.ExitCode != 7 {
					t.Fatalf("exit code %d, want 7", res.ExitCode)
				}
			})
		}
	}
}

// TestReplayMisalignedJump runs the faulting cases of TestMisalignedJump as segment records
// through ReplaySegment and TraceSegment, which share the interpreter: both must fault on the
// same instruction, and the tracer must not emit a step for it.
func TestReplayMisalignedJump(t *testing.T) {
	const base = 0x10000
	for _, tc := range misalignedCases() {
		if tc.fault < 0 {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			code := new([PageSize]byte)
			for i, w := range tc.code {
				code[4*i], code[4*i+1], code[4*i+2], code[4*i+3] = byte(w), byte(w>>8), byte(w>>16), byte(w>>24)
			}
			seg := syntheticSegment(base, map[uint64]*[PageSize]byte{machinePN: new([PageSize]byte), base >> pageShift: code})
			want := base + 4*uint64(tc.fault)
			if err := checkMisaligned(ReplaySegment(context.Background(), seg), want, true); err != nil {
				t.Fatalf("replay: %v", err)
			}
			steps := 0
			err := TraceSegment(context.Background(), seg, func(s *Step) error {
				if s.NextPC&3 != 0 {
					return fmt.Errorf("step at %#x goes to %#x", s.PC, s.NextPC)
				}
				steps++
				return nil
			})
			if err := checkMisaligned(err, want, true); err != nil {
				t.Fatalf("trace: %v", err)
			}
			if steps != tc.fault {
				t.Fatalf("%d steps before the fault, want %d", steps, tc.fault)
			}
		})
	}
}
