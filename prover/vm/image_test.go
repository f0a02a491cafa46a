package vm

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// Raw programs around the READY system call.
var (
	insnReady = []uint32{0x5a4b0<<12 | 17<<7 | 0x37, 1<<20 | 17<<15 | 17<<7 | 0x13} // li a7, 0x5a4b0001
	insnRead  = []uint32{0x00000513, 0xfc010593, 0x00200613, 0x03f00893}            // read(0, sp-64, 2)
	insnWrite = []uint32{0x00100513, 0xfc010593, 0x00100613, 0x04000893}            // write(1, sp-64, 1)
)

func rawProgram(t testing.TB, parts ...[]uint32) *Program {
	t.Helper()
	var code []uint32
	for _, p := range parts {
		code = append(code, p...)
	}
	p, err := LoadELF(buildRawELF(code, 1<<13))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadyRules(t *testing.T) {
	ecall := []uint32{insnEcall}
	exit := []uint32{insnExit, insnEcall}
	cases := []struct {
		name string
		prog []([]uint32)
		want error
	}{
		{"read first", [][]uint32{insnRead, ecall, insnReady, ecall, exit}, ErrInputBeforeReady},
		{"write first", [][]uint32{insnWrite, ecall, insnReady, ecall, exit}, ErrOutputBeforeReady},
		{"twice", [][]uint32{insnReady, ecall, insnReady, ecall, exit}, ErrSecondReady},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Execute(context.Background(), rawProgram(t, tc.prog...), Config{Stdin: []byte("ab")})
			var f *Fault
			if !errors.Is(err, tc.want) || !errors.As(err, &f) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// TestImage: the image is the state at READY; it is deterministic, survives encoding, and
// running from it gives what running from the ELF gives.
func TestImage(t *testing.T) {
	p := loadFile(t, corpusELF(t, "exitcode"))
	raw := rawProgram(t, insnReady, []uint32{insnEcall}, insnRead, []uint32{insnEcall, insnExit, insnEcall})
	for name, prog := range map[string]*Program{"go": p, "ready": raw} {
		t.Run(name, func(t *testing.T) {
			a, bootA, err := BuildImage(context.Background(), prog, Config{})
			if err != nil {
				t.Fatal(err)
			}
			b, _, err := BuildImage(context.Background(), prog, Config{})
			if err != nil {
				t.Fatal(err)
			}
			if a.ID() != b.ID() {
				t.Fatal("two image builds differ")
			}
			enc, err := a.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			dec, err := DecodeImage(enc)
			if err != nil {
				t.Fatal(err)
			}
			if dec.ID() != a.ID() {
				t.Fatal("decoded image has another ID")
			}
			if name == "ready" && (!bootA.Ready || bootA.Instructions == 0 || a.PC < KernelBase) {
				t.Errorf("boot %+v, pc %#x: not the READY state", bootA, a.PC)
			}
			if name == "go" && (bootA.Ready || a.PC != prog.Entry) {
				t.Errorf("boot %+v, pc %#x: not the entry state", bootA, a.PC)
			}
			cfg := Config{Stdin: []byte("xy"), Merkle: true}
			fromELF := execute(t, prog, cfg)
			fromImage, err := ExecuteImage(context.Background(), dec, prog, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if fromELF.ImageID != a.ID() || fromImage.ImageID != a.ID() {
				t.Errorf("image IDs: run from ELF %s, from image %s, image %s", fromELF.ImageID, fromImage.ImageID, a.ID())
			}
			if fromELF.FinalRoot != fromImage.FinalRoot || fromELF.Cycles != fromImage.Cycles || fromELF.ExitCode != fromImage.ExitCode ||
				!bytes.Equal(fromELF.Stdout, fromImage.Stdout) {
				t.Errorf("from the ELF: %d cycles, exit %d; from the image: %d cycles, exit %d", fromELF.Cycles, fromELF.ExitCode, fromImage.Cycles, fromImage.ExitCode)
			}
		})
	}
}

func TestDecodeImageRejects(t *testing.T) {
	img, _, err := BuildImage(context.Background(), rawProgram(t, insnReady, []uint32{insnEcall, insnExit, insnEcall}), Config{})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := img.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	zeroPage := bytes.Clone(enc)
	clear(zeroPage[len(imageMagic)+14+8 : len(imageMagic)+14+8+PageSize])
	swapped := bytes.Clone(enc)
	copy(swapped[len(imageMagic)+14:], enc[len(imageMagic)+14+8+PageSize:len(imageMagic)+14+16+PageSize])
	for name, b := range map[string][]byte{
		"empty":     nil,
		"magic":     append([]byte("ZKXIMX"), enc[6:]...),
		"truncated": enc[:len(enc)-1],
		"trailing":  append(bytes.Clone(enc), 0),
		"zero page": zeroPage,
		"order":     swapped,
		"pc":        append(append(bytes.Clone(enc[:8]), 2, 0, 0, 0, 0, 0, 0, 0), enc[16:]...),
	} {
		if _, err := DecodeImage(b); !errors.Is(err, ErrBadImage) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func FuzzDecodeImage(f *testing.F) {
	img, _, err := BuildImage(context.Background(), rawProgram(f, insnReady, []uint32{insnEcall, insnExit, insnEcall}), Config{})
	if err != nil {
		f.Fatal(err)
	}
	seed, err := img.MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add(seed[:len(seed)/3])
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := DecodeImage(data)
		if err != nil {
			return
		}
		again, err := img.MarshalBinary()
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("decoded image does not re-encode to its input: %v", err)
		}
	})
}

// TestReplayInput: a segment's input is advice, but replay binds what the program did with
// it: other bytes change the end root, fewer bytes are missing from the record.
func TestReplayInput(t *testing.T) {
	prog := rawProgram(t, insnRead, []uint32{insnEcall, insnExit, insnEcall})
	var seg *Segment
	if _, err := Execute(context.Background(), prog, Config{Po2: MinPo2, Stdin: []byte("in"), OnSegment: func(s *Segment) error {
		seg = s
		return nil
	}}); err != nil || seg == nil {
		t.Fatalf("no segment: %v", err)
	}
	if err := ReplaySegment(context.Background(), seg); err != nil {
		t.Fatalf("untampered: %v", err)
	}
	for name, in := range map[string][]byte{"other bytes": []byte("IN"), "short": []byte("i")} {
		bad := *seg
		bad.Input = in
		if err := ReplaySegment(context.Background(), &bad); !errors.Is(err, ErrReplayMismatch) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
