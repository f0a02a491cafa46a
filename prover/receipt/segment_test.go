package receipt

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/vm"
)

// digestSealer seals a claim with the digest of its encoding: any change to a sealed claim
// fails VerifySeal, and resealing isolates the composite checks from the seal check.
type digestSealer struct{}

func (digestSealer) seal(c *SegmentClaim) []byte {
	b, _ := c.MarshalBinary()
	d := hash.HashBytes(b).Bytes()
	return d[:]
}

func (s digestSealer) VerifySeal(c *SegmentClaim, seal []byte) error {
	if !bytes.Equal(seal, s.seal(c)) {
		return errors.New("seal is not the claim's digest")
	}
	return nil
}

func digestOf(s string) hash.Digest { return hash.HashBytes([]byte(s)) }

// sampleRun is a three-segment run of a made-up image: continuous, halting with exit code 7,
// journal "ab" + "" + "cde".
func sampleRun() (*CompositeReceipt, hash.Digest) {
	image := vm.State{PC: 0x10078, Root: digestOf("image")}
	id := vm.ImageID(image.Root, image.PC)
	chunks := [][]byte{[]byte("ab"), nil, []byte("cde")}
	states := []vm.State{image, {PC: 0x10100, Root: digestOf("r1")}, {PC: 0xffff00000040, Root: digestOf("r2")}, {PC: 0x10200, Root: digestOf("r3")}}
	var segs []SegmentReceipt
	for i := range chunks {
		c := SegmentClaim{ImageID: id, Start: states[i], End: states[i+1], JournalDigest: hash.HashBytes(chunks[i]), Po2: 20, Index: uint32(i)}
		if i == len(chunks)-1 {
			c.Halted, c.ExitCode = true, 7
		}
		segs = append(segs, SegmentReceipt{Claim: c, Seal: digestSealer{}.seal(&c)})
	}
	r, err := NewComposite(segs, chunks)
	if err != nil {
		panic(err)
	}
	return r, id
}

func reseal(r *CompositeReceipt) {
	for i := range r.Segments {
		r.Segments[i].Seal = digestSealer{}.seal(&r.Segments[i].Claim)
	}
}

func TestCompositeVerify(t *testing.T) {
	r, id := sampleRun()
	if err := r.Verify(id, digestSealer{}); err != nil {
		t.Fatal(err)
	}
	if c, _ := r.Claim(); !c.Halted || c.ExitCode != 7 {
		t.Fatalf("claim %+v", c)
	}
	if err := r.Verify(digestOf("another image"), digestSealer{}); !errors.Is(err, ErrImageMismatch) {
		t.Fatalf("another image: %v", err)
	}
}

// TestCompositeTamper changes one thing at a time. Resealed, the composite check that owns the
// field must reject it; without resealing every claim field is also caught by the seal (or by
// an earlier check).
func TestCompositeTamper(t *testing.T) {
	flip := func(d *hash.Digest) { d[3].SetUint64(d[3].Uint64() + 1) }
	last := 2
	claimTampers := []struct {
		name   string
		seg    int
		tamper func(*SegmentClaim)
		want   error // with the seals recomputed; nil: only the seal binds it
	}{
		{"image id", 1, func(c *SegmentClaim) { flip(&c.ImageID) }, ErrImageMismatch},
		{"first start pc", 0, func(c *SegmentClaim) { c.Start.PC += 4 }, ErrImageMismatch},
		{"first start root", 0, func(c *SegmentClaim) { flip(&c.Start.Root) }, ErrImageMismatch},
		{"start pc", 1, func(c *SegmentClaim) { c.Start.PC += 4 }, ErrDiscontinuity},
		{"start root", 2, func(c *SegmentClaim) { flip(&c.Start.Root) }, ErrDiscontinuity},
		{"end pc", 0, func(c *SegmentClaim) { c.End.PC += 4 }, ErrDiscontinuity},
		{"end root", 1, func(c *SegmentClaim) { flip(&c.End.Root) }, ErrDiscontinuity},
		{"final pc", last, func(c *SegmentClaim) { c.End.PC += 4 }, nil},
		{"final root", last, func(c *SegmentClaim) { flip(&c.End.Root) }, nil},
		{"halted early", 1, func(c *SegmentClaim) { c.Halted = true }, ErrHalt},
		{"not halted", last, func(c *SegmentClaim) { c.Halted, c.ExitCode = false, 0 }, ErrHalt},
		{"exit code", last, func(c *SegmentClaim) { c.ExitCode = 8 }, nil},
		{"exit code without halt", 0, func(c *SegmentClaim) { c.ExitCode = 1 }, ErrMalformed},
		{"journal digest", 1, func(c *SegmentClaim) { flip(&c.JournalDigest) }, ErrJournal},
		{"po2", 1, func(c *SegmentClaim) { c.Po2 = 21 }, nil},
		{"po2 range", 1, func(c *SegmentClaim) { c.Po2 = vm.MaxPo2 + 1 }, ErrMalformed},
		{"index", 2, func(c *SegmentClaim) { c.Index = 3 }, ErrSegmentIndex},
	}
	for _, tc := range claimTampers {
		t.Run(tc.name, func(t *testing.T) {
			r, id := sampleRun()
			tc.tamper(&r.Segments[tc.seg].Claim)
			if err := r.Verify(id, digestSealer{}); err == nil {
				t.Fatal("accepted without resealing")
			} else if tc.want == nil && !errors.Is(err, ErrSeal) {
				t.Fatalf("without resealing: %v, want ErrSeal", err)
			}
			reseal(r)
			err := r.Verify(id, digestSealer{})
			switch {
			case tc.want == nil && err != nil:
				t.Fatalf("resealed: %v (the seal alone binds this field)", err)
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("resealed: %v, want %v", err, tc.want)
			}
		})
	}
	compositeTampers := []struct {
		name   string
		tamper func(*CompositeReceipt)
		want   error
	}{
		{"journal byte", func(r *CompositeReceipt) { r.Journal[3] ^= 1 }, ErrJournal},
		{"journal extra byte", func(r *CompositeReceipt) { r.Journal = append(r.Journal, 'x') }, ErrJournal},
		{"journal short", func(r *CompositeReceipt) { r.Journal = r.Journal[:4] }, ErrJournal},
		{"journal split", func(r *CompositeReceipt) { r.JournalLens[0]--; r.JournalLens[1]++ }, ErrJournal},
		{"journal lens count", func(r *CompositeReceipt) { r.JournalLens = r.JournalLens[:2] }, ErrJournal},
		{"seal byte", func(r *CompositeReceipt) { r.Segments[1].Seal[0] ^= 1 }, ErrSeal},
		{"no seal", func(r *CompositeReceipt) { r.Segments[2].Seal = nil }, ErrSeal},
		{"last segment dropped", func(r *CompositeReceipt) { r.Segments, r.JournalLens = r.Segments[:2], r.JournalLens[:2] }, ErrHalt},
		{"middle segment dropped", func(r *CompositeReceipt) {
			r.Segments = append(r.Segments[:1], r.Segments[2])
			r.JournalLens = append(r.JournalLens[:1], r.JournalLens[2])
		}, ErrSegmentIndex},
		{"segments swapped", func(r *CompositeReceipt) { r.Segments[1], r.Segments[2] = r.Segments[2], r.Segments[1] }, ErrSegmentIndex},
		{"segment repeated", func(r *CompositeReceipt) { r.Segments[2] = r.Segments[1] }, ErrSegmentIndex},
		{"empty", func(r *CompositeReceipt) { r.Segments, r.JournalLens, r.Journal = nil, nil, nil }, ErrEmpty},
	}
	for _, tc := range compositeTampers {
		t.Run(tc.name, func(t *testing.T) {
			r, id := sampleRun()
			tc.tamper(r)
			if err := r.Verify(id, digestSealer{}); !errors.Is(err, tc.want) {
				t.Fatalf("%v, want %v", err, tc.want)
			}
		})
	}
}

func TestReceiptEncoding(t *testing.T) {
	r, id := sampleRun()
	b, err := r.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeCompositeReceipt(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := back.Verify(id, digestSealer{}); err != nil {
		t.Fatalf("decoded receipt: %v", err)
	}
	again, _ := back.MarshalBinary()
	if !bytes.Equal(again, b) {
		t.Fatal("re-encoding differs")
	}
	sb, _ := r.Segments[2].MarshalBinary()
	s, err := DecodeSegmentReceipt(sb)
	if err != nil || s.Claim != r.Segments[2].Claim || !bytes.Equal(s.Seal, r.Segments[2].Seal) {
		t.Fatalf("segment receipt round trip: %v", err)
	}
	if err := s.Verify(digestSealer{}); err != nil {
		t.Fatal(err)
	}
	cb, _ := r.Segments[0].Claim.MarshalBinary()
	if len(cb) != SegmentClaimSize {
		t.Fatalf("claim encoding is %d bytes", len(cb))
	}
	if c, err := DecodeSegmentClaim(cb); err != nil || *c != r.Segments[0].Claim {
		t.Fatalf("claim round trip: %v", err)
	}

	haltedAt := 6 + 2 + 4 + hash.DigestBytes + 8 + hash.DigestBytes + 8 + hash.DigestBytes // in segment 0
	bad := map[string][]byte{
		"empty":         nil,
		"magic":         append([]byte("ZKXSEG"), b[6:]...),
		"version":       append(append([]byte(nil), b[:6]...), append([]byte{2, 0}, b[8:]...)...),
		"truncated":     b[:len(b)-1],
		"trailing":      append(append([]byte(nil), b...), 0),
		"boolean":       patch(b, haltedAt, 2),
		"non-canonical": patch(b, 12, 0xff, 0xff, 0xff, 0xff),
		"segment count": patch(b, 8, 0xff, 0xff, 0xff, 0x7f),
		"lens count":    patch(b, len(b)-4*3-4, 2),
	}
	for name, enc := range bad {
		if _, err := DecodeCompositeReceipt(enc); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := DecodeSegmentClaim(cb[1:]); !errors.Is(err, ErrMalformed) {
		t.Errorf("short claim: %v", err)
	}
	if _, err := DecodeSegmentReceipt(append(sb, 0)); !errors.Is(err, ErrMalformed) {
		t.Errorf("segment receipt with a trailing byte: %v", err)
	}
}

func patch(b []byte, at int, v ...byte) []byte {
	c := append([]byte(nil), b...)
	copy(c[at:], v)
	return c
}

func FuzzDecodeCompositeReceipt(f *testing.F) {
	r, _ := sampleRun()
	b, _ := r.MarshalBinary()
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeCompositeReceipt(data)
		if err != nil {
			return
		}
		again, err := r.MarshalBinary()
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("decoded receipt does not re-encode to its input: %v", err)
		}
		r.Verify(hash.Digest{}, digestSealer{})
	})
}

func FuzzDecodeSegmentReceipt(f *testing.F) {
	r, _ := sampleRun()
	b, _ := r.Segments[0].MarshalBinary()
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := DecodeSegmentReceipt(data)
		if err != nil {
			return
		}
		if again, _ := s.MarshalBinary(); !bytes.Equal(again, data) {
			t.Fatal("decoded receipt does not re-encode to its input")
		}
	})
}

func FuzzDecodeSegmentClaim(f *testing.F) {
	r, _ := sampleRun()
	b, _ := r.Segments[2].Claim.MarshalBinary()
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := DecodeSegmentClaim(data)
		if err != nil {
			return
		}
		if again, _ := c.MarshalBinary(); !bytes.Equal(again, data) {
			t.Fatal("decoded claim does not re-encode to its input")
		}
	})
}

// replaySealer is a real, if not succinct, seal: the segment record itself. VerifySeal replays
// it (prover/vm) and requires that it proves exactly the claim.
type replaySealer struct{}

func (replaySealer) VerifySeal(c *SegmentClaim, seal []byte) error {
	seg, err := vm.DecodeSegment(seal)
	if err != nil {
		return err
	}
	if err := vm.ReplaySegment(context.Background(), seg); err != nil {
		return err
	}
	if ClaimOf(seg) != *c {
		return errors.New("the record proves another claim")
	}
	return nil
}

// journalProgram writes "hello" to the journal, spins through several po2-16 segments,
// writes "world" and exits with status 5.
const journalProgram = `.option norvc
.text
.globl _start
_start:
	li a0, 3
	lla a1, msg
	li a2, 5
	li a7, 64
	ecall
	li t0, 150000
1:	addi t0, t0, -1
	bnez t0, 1b
	li a0, 3
	lla a1, msg2
	li a2, 5
	li a7, 64
	ecall
	li a0, 5
	li a7, 93
	ecall
.data
msg: .ascii "hello"
msg2: .ascii "world"
`

// TestCompositeFromExecution builds a composite receipt from a real run's segment records and
// verifies it against the run's image ID.
func TestCompositeFromExecution(t *testing.T) {
	as, err1 := exec.LookPath("riscv64-linux-gnu-as")
	ld, err2 := exec.LookPath("riscv64-linux-gnu-ld")
	if err1 != nil || err2 != nil {
		t.Skip("riscv64-linux-gnu-as/ld not installed (Debian binutils-riscv64-linux-gnu)")
	}
	dir := t.TempDir()
	base := filepath.Join(dir, "journal")
	if err := os.WriteFile(base+".s", []byte(journalProgram), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range [][]string{{as, "-march=rv64ima", "-o", base + ".o", base + ".s"}, {ld, "-static", "-nostdlib", "--no-relax", "-o", base, base + ".o"}} {
		if out, err := exec.Command(cmd[0], cmd[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", cmd[0], err, out)
		}
	}
	elf, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := vm.LoadELF(elf)
	if err != nil {
		t.Fatal(err)
	}
	var segs []SegmentReceipt
	var chunks [][]byte
	res, err := vm.Execute(context.Background(), prog, vm.Config{Po2: vm.MinPo2, OnSegment: func(s *vm.Segment) error {
		seal, err := s.MarshalBinary()
		segs = append(segs, SegmentReceipt{Claim: ClaimOf(s), Seal: seal})
		chunks = append(chunks, JournalOf(s))
		return err
	}})
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Journal) != "helloworld" || res.ExitCode != 5 || len(segs) < 3 {
		t.Fatalf("journal %q, exit %d, %d segments", res.Journal, res.ExitCode, len(segs))
	}
	r, err := NewComposite(segs, chunks)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Verify(res.ImageID, replaySealer{}); err != nil {
		t.Fatal(err)
	}
	if string(r.Journal) != "helloworld" {
		t.Fatalf("receipt journal %q", r.Journal)
	}
	// a claim that the run exited otherwise is not what the record proves
	r.Segments[len(segs)-1].Claim.ExitCode = 6
	if err := r.Verify(res.ImageID, replaySealer{}); !errors.Is(err, ErrSeal) {
		t.Fatalf("forged exit code: %v", err)
	}
}
