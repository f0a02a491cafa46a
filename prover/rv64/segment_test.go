package rv64

import (
	"context"
	"testing"

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
	t.Logf("%d segments, %d cycles, exit %d", len(comp.Segments), res.Cycles, res.ExitCode)
}
