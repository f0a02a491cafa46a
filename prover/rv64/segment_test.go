package rv64

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
	"github.com/zkexex/zkexex/prover/vm/vmtest"
)

// assemble builds a static RV64IMA program from assembly with binutils.
func assemble(t testing.TB, src string) *vm.Program {
	t.Helper()
	p, err := vm.LoadELF(vmtest.Build(t, "rv64ima", src))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// journalProgram reads up to 16 input bytes, sums them in a loop with loads, stores and
// multiplications, writes 16 bytes of results to the journal and exits with the sum's low byte.
const journalProgram = `
.option norvc
.text
.globl _start
_start:
	li a0, 0
	lla a1, buf
	li a2, 16
	li a7, 63
	ecall              # read(0, buf, 16)
	mv s1, a0          # n
	lla s0, buf
	li t0, 0           # i
	li t1, 0           # sum
	li t2, 1           # product
1:	bge t0, s1, 2f
	add t3, s0, t0
	lbu t4, 0(t3)
	add t1, t1, t4
	addi t4, t4, 1
	mul t2, t2, t4
	sb t4, 0(t3)
	addi t0, t0, 1
	j 1b
2:	lla s2, out
	sd t1, 0(s2)
	sd t2, 8(s2)
	li a0, 3
	mv a1, s2
	li a2, 16
	li a7, 64
	ecall              # write(3, out, 16): the journal
	andi a0, t1, 0xff
	li a7, 93
	ecall              # exit(sum & 0xff)
.data
.balign 8
buf: .zero 16
out: .zero 16
`

// proveRun executes prog and proves every segment at params, returning the composite receipt.
func proveRun(t *testing.T, prog *vm.Program, cfg vm.Config, params stark.Params) (*receipt.CompositeReceipt, *vm.Result) {
	t.Helper()
	var segs []receipt.SegmentReceipt
	var chunks [][]byte
	cfg.OnSegment = func(seg *vm.Segment) error {
		chunks = append(chunks, receipt.JournalOf(seg))
		r, err := Prove(context.Background(), seg, params)
		if err != nil {
			return err
		}
		segs = append(segs, *r)
		return nil
	}
	res, err := vm.Execute(context.Background(), prog, cfg)
	if err != nil {
		t.Fatal(err)
	}
	comp, err := receipt.NewComposite(segs, chunks)
	if err != nil {
		t.Fatal(err)
	}
	return comp, res
}

// testVerifier accepts TestParams' proofs: it checks everything but the security level.
func testVerifier() *Verifier { return &Verifier{Config: stark.VerifierConfig{}} }

func TestProveJournalProgram(t *testing.T) {
	prog := assemble(t, journalProgram)
	comp, res := proveRun(t, prog, vm.Config{Po2: vm.MinPo2, Stdin: []byte("zkexex proves!")}, stark.TestParams())
	if res.ExitCode == 0 || len(res.Journal) != 16 {
		t.Fatalf("exit %d, journal %x", res.ExitCode, res.Journal)
	}
	if err := comp.Verify(res.ImageID, testVerifier()); err != nil {
		t.Fatal(err)
	}
	// The production verifier refuses the test parameters' proofs: 10 conjectured bits.
	if err := comp.Verify(res.ImageID, NewVerifier()); !errors.Is(err, stark.ErrParams) {
		t.Fatalf("test-parameter receipt under the production verifier: %v", err)
	}
	t.Logf("%d segments, %d cycles, exit %d", len(comp.Segments), res.Cycles, res.ExitCode)
}

// countdownSource counts down from n (two instructions per iteration) and exits with 7.
func countdownSource(n int) string {
	return ".option norvc\n.text\n.globl _start\n_start:\n\tli t0, " + strconv.Itoa(n) + "\n1:\taddi t0, t0, -1\n\tbnez t0, 1b\n\tli a0, 7\n\tli a7, 93\n\tecall\n"
}

// TestProveSegments: a run of several segments proves segment by segment and its composite
// receipt verifies (continuity, image, halt).
func TestProveSegments(t *testing.T) {
	n := 40000 // two segments at po2 16
	if !testing.Short() {
		n = 150000
	}
	prog := assemble(t, countdownSource(n))
	start := time.Now()
	comp, res := proveRun(t, prog, vm.Config{Po2: vm.MinPo2}, stark.TestParams())
	if len(comp.Segments) < 2 || res.ExitCode != 7 {
		t.Fatalf("%d segments, exit %d", len(comp.Segments), res.ExitCode)
	}
	if err := comp.Verify(res.ImageID, testVerifier()); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d segments, %d cycles proven in %v", len(comp.Segments), res.Cycles, time.Since(start))
}

// TestProveRandomPrograms: random RV64IMA programs (every ALU, load/store, LR/SC, AMO, branch
// and AUIPC form, misaligned accesses included; the register file written to stdout) prove and
// verify.
func TestProveRandomPrograms(t *testing.T) {
	programs, length := 12, 400
	if testing.Short() {
		programs, length = 3, 200
	}
	for i := 0; i < programs; i++ {
		r := rand.New(rand.NewPCG(uint64(i), 0xa1))
		prog := assemble(t, vmtest.RandomProgram(r, length))
		comp, res := proveRun(t, prog, vm.Config{Po2: vm.MinPo2}, stark.TestParams())
		if res.ExitCode != 0 || len(res.Stdout) != 256 {
			t.Fatalf("program %d: exit %d, %d bytes out", i, res.ExitCode, len(res.Stdout))
		}
		if err := comp.Verify(res.ImageID, testVerifier()); err != nil {
			t.Fatalf("program %d: %v", i, err)
		}
	}
}

// TestSealBindsClaim: a real segment receipt, proven at the default parameters, verifies under
// NewVerifier; changing any field of its claim, or any byte of a sample of its seal, is rejected.
func TestSealBindsClaim(t *testing.T) {
	prog := assemble(t, journalProgram)
	comp, res := proveRun(t, prog, vm.Config{Po2: vm.MinPo2, Stdin: []byte("abc")}, stark.DefaultParams())
	if err := comp.Verify(res.ImageID, NewVerifier()); err != nil {
		t.Fatal(err)
	}
	seg := comp.Segments[len(comp.Segments)-1]
	v := NewVerifier()
	if err := v.VerifySeal(&seg.Claim, seg.Seal); err != nil {
		t.Fatal(err)
	}
	flip := func(d hash.Digest) hash.Digest { d[3].SetUint64(d[3].Uint64() + 1); return d }
	tampers := map[string]func(c *receipt.SegmentClaim){
		"image":      func(c *receipt.SegmentClaim) { c.ImageID = flip(c.ImageID) },
		"start pc":   func(c *receipt.SegmentClaim) { c.Start.PC += 4 },
		"start root": func(c *receipt.SegmentClaim) { c.Start.Root = flip(c.Start.Root) },
		"end pc":     func(c *receipt.SegmentClaim) { c.End.PC += 4 },
		"end root":   func(c *receipt.SegmentClaim) { c.End.Root = flip(c.End.Root) },
		"halted":     func(c *receipt.SegmentClaim) { c.Halted = !c.Halted },
		"exit code":  func(c *receipt.SegmentClaim) { c.ExitCode ^= 1 },
		"journal":    func(c *receipt.SegmentClaim) { c.JournalDigest = flip(c.JournalDigest) },
		"po2":        func(c *receipt.SegmentClaim) { c.Po2++ },
		"index":      func(c *receipt.SegmentClaim) { c.Index++ },
		"po2 small":  func(c *receipt.SegmentClaim) { c.Po2 = vm.MinPo2 - 1 },
	}
	for name, tamper := range tampers {
		c := seg.Claim
		tamper(&c)
		if err := v.VerifySeal(&c, seg.Seal); err == nil {
			t.Errorf("claim with a changed %s verifies", name)
		}
	}
	for i := 0; i < len(seg.Seal); i += len(seg.Seal)/97 + 1 {
		s := bytes.Clone(seg.Seal)
		s[i] ^= 0x10
		if err := v.VerifySeal(&seg.Claim, s); err == nil {
			t.Errorf("seal with byte %d flipped verifies", i)
		}
	}
	// Each commitment and each kind of opening of the proof, changed alone and re-encoded.
	bumpE := func(e *stark.E) { bump(&e.B0.A0) }
	proofTampers := map[string]func(p *stark.Proof){
		"main root":          func(p *stark.Proof) { bump(&p.MainRoot[0]) },
		"LogUp root":         func(p *stark.Proof) { bump(&p.PermRoot[1]) },
		"quotient root":      func(p *stark.Proof) { bump(&p.QuotRoot[2]) },
		"LogUp nonce":        func(p *stark.Proof) { p.LogUpPoWNonce++ },
		"LogUp sum":          func(p *stark.Proof) { bumpE(&p.LogUpSums[0]) },
		"main opening":       func(p *stark.Proof) { bumpE(&p.Openings[0].Main[0][3]) },
		"next-row opening":   func(p *stark.Proof) { bumpE(&p.Openings[0].Main[1][0]) },
		"LogUp opening":      func(p *stark.Proof) { bumpE(&p.Openings[0].Perm[0][0]) },
		"quotient opening":   func(p *stark.Proof) { bumpE(&p.Openings[0].Quot[0][0]) },
		"FRI root":           func(p *stark.Proof) { bump(&p.FRI.Roots[0][0]) },
		"FRI final poly":     func(p *stark.Proof) { bumpE(&p.FRI.FinalPoly[0]) },
		"FRI nonce":          func(p *stark.Proof) { p.FRI.PoWNonce++ },
		"FRI query row":      func(p *stark.Proof) { bump(&p.FRI.Queries[0].Steps[0].Rows[0][0]) },
		"FRI query path":     func(p *stark.Proof) { bump(&p.FRI.Queries[0].Steps[0].Path[0][0]) },
		"input query row":    func(p *stark.Proof) { bump(&p.Queries[0].Inputs[1].Rows[0][0]) },
		"input query path":   func(p *stark.Proof) { bump(&p.Queries[0].Inputs[1].Path[0][0]) },
		"table height":       func(p *stark.Proof) { p.LogHeights[5]++ },
		"fewer FRI queries":  func(p *stark.Proof) { p.Params.NumQueries-- },
		"no LogUp grinding":  func(p *stark.Proof) { p.Params.LogUpPoWBits = 0 },
		"preprocessed query": func(p *stark.Proof) { bump(&p.Queries[0].Inputs[0].Rows[0][0]) },
	}
	proofTampers["nothing (the re-encoded seal verifies)"] = nil
	for name, tamper := range proofTampers {
		p, err := stark.DecodeProof(seg.Seal)
		if err != nil {
			t.Fatal(err)
		}
		if tamper == nil {
			b, err := p.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if err := v.VerifySeal(&seg.Claim, b); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			continue
		}
		tamper(p)
		b, err := p.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if err := v.VerifySeal(&seg.Claim, b); err == nil {
			t.Errorf("seal with its %s changed verifies", name)
		}
	}
}

// journalSegment executes journalProgram and returns its one segment record.
func journalSegment(t *testing.T) *vm.Segment {
	t.Helper()
	var seg *vm.Segment
	_, err := vm.Execute(context.Background(), assemble(t, journalProgram), vm.Config{Po2: vm.MinPo2, Stdin: []byte("dishonest"),
		OnSegment: func(s *vm.Segment) error { seg = s; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	return seg
}

// column finds a table's trace and column index in a witness by name.
func column(t *testing.T, w *witness, table, col string) (*stark.Matrix, int) {
	t.Helper()
	ts, err := segmentTables()
	if err != nil {
		t.Fatal(err)
	}
	for i, tb := range ts {
		if tb.Name() != table {
			continue
		}
		for j, c := range tb.ColumnNames() {
			if c == col {
				return w.traces[i], j
			}
		}
	}
	t.Fatalf("no column %s.%s", table, col)
	return nil, 0
}

// firstRow is the first row whose column col is nonzero (a real row of a table with a flag).
func firstRow(t *testing.T, m *stark.Matrix, col int) int {
	t.Helper()
	for r := 0; r < m.Height; r++ {
		if !m.Cols[col][r].IsZero() {
			return r
		}
	}
	t.Fatal("no such row")
	return 0
}

// bump adds one to a trace cell or a public value.
func bump(f *stark.F) {
	var one stark.F
	one.SetOne()
	f.Add(f, &one)
}

// TestDishonestProver: the witness of a real segment, changed to describe a wrong execution in
// one place, cannot be proven: the whole AIR (not one table alone) refuses each lie.
func TestDishonestProver(t *testing.T) {
	seg := journalSegment(t)
	pk, err := ProvingKey(stark.TestParams())
	if err != nil {
		t.Fatal(err)
	}
	honest, err := generate(context.Background(), seg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stark.Prove(context.Background(), pk, honest.traces, honest.public); err != nil {
		t.Fatalf("honest witness: %v", err)
	}
	lies := map[string]func(t *testing.T, w *witness){
		"ALU result off by one": func(t *testing.T, w *witness) {
			m, c := column(t, w, "alu_addsub", "r[0]")
			_, f := column(t, w, "alu_addsub", "is_ADD")
			bump(&m.Cols[c][firstRow(t, m, f)])
		},
		"load returns another value": func(t *testing.T, w *witness) {
			m, c := column(t, w, "mem_load", "val[0]")
			bump(&m.Cols[c][0])
		},
		"skipped instruction": func(t *testing.T, w *witness) {
			m, clk := column(t, w, "cpu", "clk")
			for _, col := range m.Cols {
				copy(col[10:], col[11:])
			}
			renumber(m, clk)
		},
		"repeated instruction": func(t *testing.T, w *witness) {
			m, clk := column(t, w, "cpu", "clk")
			for _, col := range m.Cols {
				copy(col[11:], col[10:len(col)-1])
			}
			renumber(m, clk)
		},
		"register read returns another value": func(t *testing.T, w *witness) {
			m, c := column(t, w, "cpu", "rs1v[0]")
			bump(&m.Cols[c][20])
		},
		"page-in byte changed": func(t *testing.T, w *witness) {
			m, c := column(t, w, "page_clean", "v_in[3]")
			bump(&m.Cols[c][0])
		},
		"wrong start root": func(t *testing.T, w *witness) { bump(&w.public[PubStartRoot+2]) },
		"wrong end root":   func(t *testing.T, w *witness) { bump(&w.public[PubEndRoot+5]) },
		"wrong start pc":   func(t *testing.T, w *witness) { bump(&w.public[PubStartPC]) },
		"wrong end pc":     func(t *testing.T, w *witness) { bump(&w.public[PubEndPC]) },
		"forged exit code": func(t *testing.T, w *witness) { bump(&w.public[PubExitCode]) },
		"not halted":       func(t *testing.T, w *witness) { w.public[PubHalted].SetZero() },
		"journal digest":   func(t *testing.T, w *witness) { bump(&w.public[PubJournal]) },
		"journal byte changed": func(t *testing.T, w *witness) {
			// the journal table hashes a byte other than the one sys_io read from memory
			m, c := column(t, w, "journal", "byte[12]")
			bump(&m.Cols[c][0])
		},
		"host call sent as another kind": func(t *testing.T, w *witness) {
			m, c := column(t, w, "sys", "kind")
			bump(&m.Cols[c][0])
		},
	}
	for name, lie := range lies {
		t.Run(name, func(t *testing.T) {
			w := &witness{public: slices.Clone(honest.public)}
			for _, m := range honest.traces {
				c := stark.NewMatrix(m.Width(), m.Height)
				for j := range m.Cols {
					copy(c.Cols[j], m.Cols[j])
				}
				w.traces = append(w.traces, c)
			}
			lie(t, w)
			if _, err := stark.Prove(context.Background(), pk, w.traces, w.public); err == nil {
				t.Fatal("a wrong execution proved")
			} else {
				t.Log(err)
			}
		})
	}
}

// renumber rewrites the CPU's cycle column 0, 1, 2, ... after rows were moved, so that the lie is
// caught by what the cycle means (timestamps, pc continuity), not by the counter itself.
func renumber(m *stark.Matrix, clk int) {
	for r := range m.Cols[clk] {
		m.Cols[clk][r].SetUint64(uint64(r))
	}
}

// goProgram builds one of prover/vm's Go test programs for the guest target.
func goProgram(t *testing.T, name string) *vm.Program {
	t.Helper()
	out := filepath.Join(t.TempDir(), name)
	cmd := exec.Command("go", "build", "-trimpath", "-gcflags=all=-d=compressinstructions=0", "-asmflags=all=-d=compressinstructions=0", "-o", out, "../vm/testdata/"+name)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=riscv64", "CGO_ENABLED=0", "GORISCV64=rva20u64")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", name, err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	p, err := vm.LoadELF(data)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestProveGoPrograms: Go programs (the runtime's start-up, its F/D instructions emulated by the
// kernel, syscalls, goroutines) prove end to end. Minutes of proving: not in -short.
func TestProveGoPrograms(t *testing.T) {
	if testing.Short() {
		t.Skip("proves whole Go programs (minutes)")
	}
	for _, name := range []string{"exitcode", "floats", "goroutines"} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			comp, res := proveRun(t, goProgram(t, name), vm.Config{Po2: 18}, stark.TestParams())
			if err := comp.Verify(res.ImageID, testVerifier()); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d segments, %d cycles, exit %d, proven in %v", name, len(comp.Segments), res.Cycles, res.ExitCode, time.Since(start))
		})
	}
}
