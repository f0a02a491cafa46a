package vm

import (
	"bytes"
	"context"
	"errors"
	"github.com/zkexex/zkexex/prover/hash"
	"os"
	"testing"
)

// TestCorpusQEMU runs every corpus program on the executor and on qemu-riscv64 and requires
// identical stdout and exit status.
func TestCorpusQEMU(t *testing.T) {
	needQEMU(t)
	for _, name := range corpusPrograms {
		if name == "oom" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			path := corpusELF(t, name)
			stdin := []byte("20\n")
			res := execute(t, loadFile(t, path), Config{Stdin: stdin})
			want, code := runQEMU(t, path, stdin)
			if !bytes.Equal(res.Stdout, want) {
				t.Errorf("stdout differs\nvm:   %q\nqemu: %q", res.Stdout, want)
			}
			if res.ExitCode != code {
				t.Errorf("exit code %d, qemu %d", res.ExitCode, code)
			}
			if len(want) == 0 {
				t.Error("program printed nothing")
			}
		})
	}
}

func TestExitCodeAndStreams(t *testing.T) {
	res := execute(t, loadFile(t, corpusELF(t, "exitcode")), Config{ProfileFP: true})
	if res.ExitCode != 7 || string(res.Stdout) != "stdout line\n" || string(res.Stderr) != "about to exit with 7\n" {
		t.Fatalf("exit %d stdout %q stderr %q", res.ExitCode, res.Stdout, res.Stderr)
	}
	if res.CyclesBeforeMain == 0 || res.CyclesBeforeMain >= res.Instructions {
		t.Errorf("cycles before main %d of %d", res.CyclesBeforeMain, res.Instructions)
	}
	var sum uint64
	for _, n := range res.FPByFunc {
		sum += n
	}
	if res.FPOps == 0 || sum != res.FPOps {
		t.Errorf("FP ops %d, by function %v", res.FPOps, res.FPByFunc)
	}
}

func TestDeterminism(t *testing.T) {
	p := loadFile(t, corpusELF(t, "goroutines"))
	a := execute(t, p, Config{Merkle: true})
	b := execute(t, p, Config{Merkle: true})
	if a.Cycles != b.Cycles || !bytes.Equal(a.Stdout, b.Stdout) || a.Final != b.Final || a.FinalRoot != b.FinalRoot {
		t.Fatalf("two runs differ: %d vs %d cycles", a.Cycles, b.Cycles)
	}
}

// TestSegmentsPo2 checks that segmentation is invisible to the result, that segments chain
// from the image to the halt, that records survive encoding, and that every segment replays
// from its record alone.
func TestSegmentsPo2(t *testing.T) {
	p := loadFile(t, corpusELF(t, "goroutines"))
	type run struct {
		res  *Result
		segs []*Segment
	}
	runs := map[int]run{}
	for _, po2 := range []int{16, 18, 20} {
		var segs []*Segment
		res := execute(t, p, Config{Po2: po2, Stdin: []byte("input bytes"), OnSegment: func(s *Segment) error {
			b, err := s.MarshalBinary()
			if err != nil {
				return err
			}
			d, err := DecodeSegment(b)
			if err != nil {
				return err
			}
			b2, _ := d.MarshalBinary()
			if !bytes.Equal(b, b2) {
				t.Errorf("segment %d: encoding is not canonical", s.Index)
			}
			segs = append(segs, d)
			return nil
		}})
		runs[po2] = run{res, segs}
		if res.Segments != len(segs) || len(segs) == 0 {
			t.Fatalf("po2 %d: %d segments reported, %d records", po2, res.Segments, len(segs))
		}
		if got := ImageID(segs[0].Start.Root, segs[0].Start.PC); got != res.ImageID {
			t.Errorf("po2 %d: first segment does not start from the image", po2)
		}
		for i, s := range segs {
			if s.Cycles() > 1<<po2 {
				t.Errorf("po2 %d segment %d: %d cycles", po2, i, s.Cycles())
			}
			if s.Index != uint32(i) || s.Halted != (i == len(segs)-1) {
				t.Errorf("po2 %d segment %d: index %d halted %v", po2, i, s.Index, s.Halted)
			}
			if i > 0 && segs[i-1].End != s.Start {
				t.Errorf("po2 %d: segment %d does not start where %d ended", po2, i, i-1)
			}
		}
		if last := segs[len(segs)-1]; last.End.Root != res.FinalRoot {
			t.Errorf("po2 %d: last segment's end root is not the final root", po2)
		}
		t.Logf("po2 %d: %d segments, %d cycles (%d paging)", po2, len(segs), res.Cycles, res.PagingCycles)
	}
	ref := runs[20].res
	for po2, r := range runs {
		if !bytes.Equal(r.res.Stdout, ref.Stdout) || !bytes.Equal(r.res.Journal, ref.Journal) || r.res.ExitCode != ref.ExitCode {
			t.Errorf("po2 %d: output differs from po2 20", po2)
		}
		if r.res.Final != ref.Final || r.res.FinalRoot != ref.FinalRoot || r.res.Instructions != ref.Instructions {
			t.Errorf("po2 %d: final state differs from po2 20", po2)
		}
	}
	if len(runs[16].segs) <= len(runs[20].segs) {
		t.Errorf("po2 16 gave %d segments, po2 20 %d", len(runs[16].segs), len(runs[20].segs))
	}
	segs := runs[18].segs
	for _, s := range segs {
		if err := ReplaySegment(context.Background(), s); err != nil {
			t.Fatalf("replaying segment %d: %v", s.Index, err)
		}
	}
	// tampering with a record must be caught
	s := segs[len(segs)/2]
	bad := *s
	bad.Pages = append([]PageRecord(nil), s.Pages...)
	bad.Pages[0].Data[100] ^= 1
	if err := ReplaySegment(context.Background(), &bad); !errors.Is(err, ErrReplayMismatch) {
		t.Errorf("tampered page: %v", err)
	}
	// Every level of a page's authentication path is checked against the start root.
	for _, lvl := range []int{0, PageBits / 2, PageBits - 1} {
		bad = *s
		bad.Pages = append([]PageRecord(nil), s.Pages...)
		bad.Pages[0].Proof = append([]hash.Digest(nil), s.Pages[0].Proof...)
		bad.Pages[0].Proof[lvl][0].SetUint64(bad.Pages[0].Proof[lvl][0].Uint64() + 1)
		if err := ReplaySegment(context.Background(), &bad); !errors.Is(err, ErrReplayMismatch) {
			t.Errorf("tampered proof node at level %d: %v", lvl, err)
		}
	}
	bad = *s
	bad.End.PC += 4
	if err := ReplaySegment(context.Background(), &bad); !errors.Is(err, ErrReplayMismatch) {
		t.Errorf("tampered end state: %v", err)
	}
	bad = *s
	bad.Pages = s.Pages[1:]
	if err := ReplaySegment(context.Background(), &bad); !errors.Is(err, ErrReplayMismatch) {
		t.Errorf("missing page: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	const entry = 0x10000 + 64 + 56
	real, err := os.ReadFile(corpusELF(t, "exitcode"))
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.ReadFile("/proc/self/exe")
	if err != nil {
		t.Skip("no /proc/self/exe")
	}
	dyn := bytes.Clone(real)
	dyn[16] = 3 // ET_DYN
	loads := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrBadELF},
		{"truncated", real[:200], ErrBadELF},
		{"garbage", bytes.Repeat([]byte{0x7f, 'E', 'L', 'F', 9}, 40), ErrBadELF},
		{"host", self, ErrNotRISCV},
		{"dynamic", dyn, ErrDynamicELF},
	}
	for _, tc := range loads {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := LoadELF(tc.data); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	const ecall = 0x73
	li := func(rd, imm uint32) uint32 { return imm<<20 | rd<<7 | 0x13 }
	runs := []struct {
		name string
		code []uint32
		cfg  Config
		want error
		pc   uint64
	}{
		{"illegal", []uint32{li(5, 1), 0xffffffff}, Config{}, ErrIllegalInstr, entry + 4},
		{"compressed", []uint32{0x00010001}, Config{}, ErrCompressedInstr, entry},
		{"cycles", []uint32{0x6f}, Config{MaxCycles: 1 << 20}, ErrCycleLimit, entry},
		{"nil", []uint32{0x00003283}, Config{}, ErrMemoryFault, entry}, // ld t0, 0(x0)
	}
	for _, tc := range runs {
		t.Run(tc.name, func(t *testing.T) {
			p, err := LoadELF(buildRawELF(tc.code, 0))
			if err != nil {
				t.Fatal(err)
			}
			_, err = Execute(context.Background(), p, tc.cfg)
			var f *Fault
			if !errors.Is(err, tc.want) || !errors.As(err, &f) || f.PC != tc.pc {
				t.Fatalf("got %v, want %v at %#x", err, tc.want, tc.pc)
			}
		})
	}
	t.Run("enosys", func(t *testing.T) {
		// an unknown system call returns -ENOSYS, as Linux does; exit_group(-38) exits with 218
		p, err := LoadELF(buildRawELF([]uint32{li(17, 999), ecall, li(17, 94), ecall}, 0))
		if err != nil {
			t.Fatal(err)
		}
		res, err := Execute(context.Background(), p, Config{})
		if err != nil || res.ExitCode != 256-38 {
			t.Fatalf("exit %v, %v", res, err)
		}
	})
	t.Run("oom", func(t *testing.T) {
		_, err := Execute(context.Background(), loadFile(t, corpusELF(t, "oom")), Config{MaxMemory: 64 << 20})
		if !errors.Is(err, ErrOutOfMemory) {
			t.Fatalf("got %v", err)
		}
	})
}

// TestGCEnabled runs guests with the garbage collector on (its background workers run as
// cooperatively scheduled guest threads) and requires the output of the GC-off run.
func TestGCEnabled(t *testing.T) {
	for _, name := range []string{"goroutines", "sorting", "jsonenc"} {
		p := loadFile(t, corpusELF(t, name))
		off := execute(t, p, Config{})
		on := execute(t, p, Config{Env: []string{"GOGC=5"}})
		if !bytes.Equal(on.Stdout, off.Stdout) || on.ExitCode != off.ExitCode {
			t.Errorf("%s: GC on gives %q, off %q", name, on.Stdout, off.Stdout)
		}
		if on.Instructions == off.Instructions {
			t.Errorf("%s: GOGC=5 changed nothing; was the environment passed?", name)
		}
	}
}
