package vm

import (
	"context"
	"testing"
	"time"
)

const (
	insnExit  = 93<<20 | 17<<7 | 0x13 // li a7, 93
	insnEcall = 0x73
)

func FuzzLoadELF(f *testing.F) {
	good := buildRawELF([]uint32{insnExit, insnEcall}, 8192)
	f.Add(good)
	f.Add(good[:100])
	f.Add(buildRawELF([]uint32{0x6f}, 0))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := LoadELF(data)
		if err != nil {
			return
		}
		if p.Entry&3 != 0 || len(p.Segments) == 0 {
			t.Fatalf("accepted a bad program: entry %#x, %d segments", p.Entry, len(p.Segments))
		}
		// whatever loads must run to an end or a typed error, never a panic
		Execute(context.Background(), p, Config{MaxCycles: 1 << 18, MaxMemory: 64 << 20})
	})
}

// FuzzDecodeInstruction decodes any word and executes it (with the FP and integer registers
// holding edge values) followed by exit: no word may panic the decoder or interpreter.
func FuzzDecodeInstruction(f *testing.F) {
	for _, w := range []uint32{0x02b50533, 0x0000007f, 0x00010001, 0xffffffff, 0x22c5f553, 0x0200f0d3, 0xc0051553, 0xe0051553, 0x1005352f, 0x18b5352f, 0x0005b50f, 0x00302573, 0x0ab5f543} {
		f.Add(w)
	}
	f.Fuzz(func(t *testing.T, w uint32) {
		in := decode(w, 0x10078)
		if in.op >= numOps {
			t.Fatalf("op %d out of range", in.op)
		}
		// set registers to interesting values, then the word, then exit
		code := []uint32{
			0xfff00293,           // li t0, -1
			0x00100313,           // li t1, 1
			0xf20280d3 | 1<<7<<0, // fmv.d.x f1, t0
			w,
			insnExit, insnEcall,
		}
		p, err := LoadELF(buildRawELF(code, 1<<16))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		Execute(ctx, p, Config{MaxCycles: 1 << 18, MaxMemory: 64 << 20})
	})
}

func FuzzDecodeSegment(f *testing.F) {
	// read(0, sp-64, 2), then exit
	p, err := LoadELF(buildRawELF([]uint32{0xfc010593, 0x00000513, 0x00200613, 0x03f00893, insnEcall, insnExit, insnEcall}, 1<<13))
	if err != nil {
		f.Fatal(err)
	}
	var seed []byte
	_, err = Execute(context.Background(), p, Config{Po2: MinPo2, Stdin: []byte("in"), OnSegment: func(s *Segment) error {
		seed, err = s.MarshalBinary()
		return err
	}})
	if err != nil || seed == nil {
		f.Fatalf("no seed segment: %v", err)
	}
	f.Add(seed)
	f.Add(seed[:len(seed)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := DecodeSegment(data)
		if err != nil {
			return
		}
		again, err := s.MarshalBinary()
		if err != nil || string(again) != string(data) {
			t.Fatalf("decoded record does not re-encode to its input: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ReplaySegment(ctx, s)
	})
}
