package recursion

import (
	"context"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/stark"
)

// testLayout is the STF claim's ABI layout (stf.Claim.ABI; derivation pins its own copy against
// stf): nine words, the receipts root (word 6) unread.
var testLayout = JournalLayout{Words: 9, Config: 0, ParentHash: 1, BlockHash: 2, Number: 3, PreState: 4, PostState: 5, Output: 7, ParentOutput: 8}

// testJournal is a journal in testLayout for block number with fields drawn from rng.
func testJournal(rng *rand.Rand, number uint64) []byte {
	j := make([]byte, 32*testLayout.Words)
	for i := range j {
		j[i] = byte(rng.Uint32())
	}
	setNumber(j, number)
	return j
}

func setNumber(j []byte, n uint64) {
	w := j[32*testLayout.Number : 32*(testLayout.Number+1)]
	clear(w)
	binary.BigEndian.PutUint64(w[24:], n)
}

func field(j []byte, w int) []byte { return j[32*w : 32*(w+1)] }

// chainAfter makes the journal of the block after prev: it builds on prev's hash, state and output.
func chainAfter(rng *rand.Rand, prev []byte) []byte {
	l := testLayout
	j := testJournal(rng, binary.BigEndian.Uint64(field(prev, l.Number)[24:])+1)
	copy(field(j, l.Config), field(prev, l.Config))
	copy(field(j, l.ParentHash), field(prev, l.BlockHash))
	copy(field(j, l.PreState), field(prev, l.PostState))
	copy(field(j, l.ParentOutput), field(prev, l.Output))
	return j
}

// spanRules runs the span program's journal checks (spanOf, the seal's claim a witness made
// from the journals) on journals: nil when they chain, ErrAssertion when a rule refuses them.
func spanRules(journals [][]byte) error {
	b := NewBuilder()
	st := SpanStatement{Blocks: len(journals), Journal: testLayout}
	pub := make([]Felt, NumSpanPublic)
	for i := range pub {
		pub[i] = b.Public(i)
	}
	c := make([]Felt, NumClaim)
	for i := range c {
		c[i] = b.Witness()
	}
	b.spanOf(st, pub, c)
	prog, err := b.Compile()
	if err != nil {
		return err
	}
	var root, image hash.Digest
	for i := range root {
		root[i], image[i] = feU(uint64(i+1)), feU(uint64(100+i))
	}
	j, err := JournalRoot(journals)
	if err != nil {
		return err
	}
	public, err := SpanPublic(testLayout, root, image, journals)
	if err != nil {
		return err
	}
	w := liftAll(runsClaim(root[:], image, j, uint64(len(journals))))
	w = append(w, journalWitness(journals)...)
	_, err = prog.Execute(public, w)
	return err
}

// Each rule of derivation.ChainClaims, in the span program: journals that chain pass, and a
// journal that breaks exactly one rule is refused.
func TestSpanRules(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	l := testLayout
	for _, n := range []uint64{0, 7, 0xffff, 0xffffffff, 0xffff_ffff_ffff, 1<<63 - 1, ^uint64(0)} {
		a := testJournal(rng, n)
		js := [][]byte{a, chainAfter(rng, a), nil}
		js[2] = chainAfter(rng, js[1])
		if err := spanRules(js); err != nil {
			t.Fatalf("a span from block %#x: %v", n, err)
		}
	}
	a := testJournal(rng, 0x1_ffff)
	// What the span does not constrain: the receipts roots.
	b := chainAfter(rng, a)
	field(b, 6)[9] ^= 1
	if err := spanRules([][]byte{a, b}); err != nil {
		t.Errorf("another receipts root: %v", err)
	}
	for name, breakIt := range map[string]func(j []byte){
		"another config":        func(j []byte) { field(j, l.Config)[31] ^= 1 },
		"another parent":        func(j []byte) { field(j, l.ParentHash)[0] ^= 1 },
		"another pre-state":     func(j []byte) { field(j, l.PreState)[17] ^= 0x80 },
		"another parent output": func(j []byte) { field(j, l.ParentOutput)[5] ^= 1 },
		"number + 2":            func(j []byte) { setNumber(j, 0x2_0001) },
		"number, no carry":      func(j []byte) { setNumber(j, 0x1_0000) },
		"same number":           func(j []byte) { setNumber(j, 0x1_ffff) },
		"number's high word":    func(j []byte) { field(j, l.Number)[3] = 1 },
	} {
		b := chainAfter(rng, a)
		breakIt(b)
		if err := spanRules([][]byte{a, b}); !errors.Is(err, ErrAssertion) {
			t.Errorf("%s: %v, want ErrAssertion", name, err)
		}
	}
	// A number word with a high byte is refused in the first block too.
	b = chainAfter(rng, a)
	field(a, l.Number)[0] = 1
	if err := spanRules([][]byte{a, b}); !errors.Is(err, ErrAssertion) {
		t.Errorf("a first block's number with a high byte: %v, want ErrAssertion", err)
	}
}

// echoJournal reads a 288-byte journal from its input, writes it to the journal and exits 0: a
// run of it stands for one block's STF run.
const echoJournal = `
.option norvc
.text
.globl _start
_start:
	li a0, 0
	lla a1, buf
	li a2, 288
	li a7, 63
	ecall              # read(0, buf, 288)
	li a0, 3
	lla a1, buf
	li a2, 288
	li a7, 64
	ecall              # write(3, buf, 288): the journal
	li a0, 0
	li a7, 93
	ecall
.data
.balign 8
buf: .zero 288
`

// testSpan is a span of two blocks proven at test parameters into a succinct seal.
type testSpan struct {
	set      *VKSet
	image    hash.Digest
	seal     []byte
	journals [][]byte
}

// proveSpan proves two runs of echoJournal (two chained journals), seals, chains and shrinks
// them (the shrink at shrink), with a key set of its own at params.
func proveSpan(t testing.TB, params, shrink stark.Params) *testSpan {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 4))
	j0 := testJournal(rng, 41)
	journals := [][]byte{j0, chainAfter(rng, j0)}
	runs := []*aggRun{proveAggRun(t, params, echoJournal, string(journals[0])), proveAggRun(t, params, echoJournal, string(journals[1]))}
	set, agg := testSetShrunk(t, params, shrink, runs...)
	var sealed []*Proof
	for i, r := range runs {
		if !slices.Equal(r.res.Journal, journals[i]) {
			t.Fatalf("run %d wrote %d journal bytes, want its input", i, len(r.res.Journal))
		}
		whole, err := agg.Aggregate(ctx, r.lifts(t, agg), 1)
		if err != nil {
			t.Fatal(err)
		}
		s, err := agg.Seal(ctx, whole)
		if err != nil {
			t.Fatal(err)
		}
		sealed = append(sealed, s)
	}
	seal, err := agg.SpanSeal(ctx, sealed, 1)
	if err != nil {
		t.Fatal(err)
	}
	return &testSpan{set: set, image: runs[0].res.ImageID, seal: seal, journals: journals}
}

// A real span: two runs sealed, chained and shrunk at test parameters, proven again by the span
// program in the BN254 configuration. The proof verifies with the public values an oracle
// checks; the program refuses a seal of other journals, and the proof any other public value.
func TestFinalLayer(t *testing.T) {
	ctx := context.Background()
	params := stark.TestParams()
	sp := proveSpan(t, params, params)
	set, image, seal, journals := sp.set, sp.image, sp.seal, sp.journals
	rng := rand.New(rand.NewPCG(5, 6))
	j0 := journals[0]

	insecure := stark.VerifierConfig{}
	fl, err := NewFinalLayer(SpanStatement{Set: set, Blocks: 2, Journal: testLayout}, params)
	if err != nil {
		t.Fatal(err)
	}
	fl.Config = insecure
	t.Logf("span program shape %v", fl.Shape())
	costs := &Costs{}
	p, err := fl.Prove(WithCosts(ctx, costs), image, seal, journals)
	if err != nil {
		t.Fatal(err)
	}
	if c := costs.Of(ProgramSpan); c.Proofs != 1 {
		t.Errorf("span proofs counted: %d, want 1", c.Proofs)
	}
	if err := fl.Verify(p, insecure); err != nil {
		t.Fatal(err)
	}
	root, _ := set.Root()
	want, _ := SpanPublic(testLayout, root, image, journals)
	if !slices.Equal(p.Public, want) {
		t.Fatal("public values are not the span's")
	}
	l := testLayout
	for name, at := range map[string]int{
		"key set": SpanPubKeySet + 3, "image": SpanPubImage, "config": SpanPubConfig + 15,
		"previous output": SpanPubPrevOutput + 1, "new output": SpanPubNewOutput + 8, "block": SpanPubBlock + 15,
	} {
		bad := &SpanProof{Public: slices.Clone(p.Public), Proof: p.Proof}
		bad.Public[at] = feU(bad.Public[at].Uint64() ^ 1)
		if err := fl.Verify(bad, insecure); !errors.Is(err, stark.ErrInvalidProof) {
			t.Errorf("%s changed: %v, want ErrInvalidProof", name, err)
		}
	}
	// The new output root is the last block's, the previous one the first block's parent's.
	if got := p.Public[SpanPubNewOutput : SpanPubNewOutput+WordLimbs]; !slices.Equal(got, WordLimbsOf(field(journals[1], l.Output))) {
		t.Error("new output root is not the last block's")
	}

	// Journals the seal does not prove: refused natively, and by the program when forced.
	other := [][]byte{j0, chainAfter(rng, j0)}
	if _, err := fl.Prove(ctx, image, seal, other); !errors.Is(err, stark.ErrInvalidProof) {
		t.Errorf("other journals: %v, want ErrInvalidProof", err)
	}
	public, w, err := fl.witness(image, seal, other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fl.prog.Execute(public, w); !errors.Is(err, ErrAssertion) {
		t.Errorf("other journals forced into the program: %v, want ErrAssertion", err)
	}
	if _, err := fl.Prove(ctx, image, seal, journals[:1]); !errors.Is(err, ErrSpan) {
		t.Errorf("one journal for a two-block program: %v, want ErrSpan", err)
	}
}

// The production span program, for the devnet's span of five blocks and for one block: the final
// layer must stay within FinalLayerParams' reach (tables of at most 2^19 rows, 100 conjectured
// bits for the statement's actual shape).
func TestProductionSpanProgram(t *testing.T) {
	set, err := ProductionSet()
	if err != nil {
		t.Fatal(err)
	}
	for _, blocks := range []int{1, 5} {
		b, err := buildSpan(SpanStatement{Set: set, Blocks: blocks, Journal: testLayout})
		if err != nil {
			t.Fatal(err)
		}
		prog, err := b.Compile()
		if err != nil {
			t.Fatal(err)
		}
		air, err := prog.AIR(AIRName)
		if err != nil {
			t.Fatal(err)
		}
		// The statement's soundness depends on the AIR and the heights, not on the hash: the
		// KoalaBear key checks it in seconds where the BN254 setup takes a minute here.
		var vk interface {
			CheckStatement(stark.Params, []int, int, stark.VerifierConfig) error
		}
		if testing.Short() {
			pk, err := stark.Setup(air, stark.FinalLayerParams())
			if err != nil {
				t.Fatal(err)
			}
			vk = pk.VerifyingKey()
		} else {
			pk, err := stark.SetupFor[hash.BN254Digest](air, stark.FinalLayerParams())
			if err != nil {
				t.Fatal(err)
			}
			vk = pk.VerifyingKey()
		}
		shape := prog.Shape()
		if err := vk.CheckStatement(stark.FinalLayerParams(), shape, NumSpanPublic, stark.DefaultVerifierConfig()); err != nil {
			t.Errorf("%d blocks, shape %v: %v", blocks, shape, err)
		}
		rows := 0
		for _, n := range prog.Rows() {
			rows += n
		}
		t.Logf("span program of %d blocks: shape %v, %d rows in all", blocks, shape, rows)
	}
}

// BenchmarkFinalLayer proves the span program of a two-block span whose seal is at production
// ShrinkParams (its children at test parameters, so the program is a little smaller than
// production's) at FinalLayerParams, in the BN254 configuration and, as the baseline of the same
// run, in the KoalaBear one.
func BenchmarkFinalLayer(b *testing.B) {
	sp := proveSpan(b, stark.TestParams(), ShrinkParams())
	fl, err := NewFinalLayer(SpanStatement{Set: sp.set, Blocks: 2, Journal: testLayout}, stark.FinalLayerParams())
	if err != nil {
		b.Fatal(err)
	}
	public, w, err := fl.witness(sp.image, sp.seal, sp.journals)
	if err != nil {
		b.Fatal(err)
	}
	traces, err := fl.prog.Execute(public, w)
	if err != nil {
		b.Fatal(err)
	}
	air, err := fl.prog.AIR(AIRName)
	if err != nil {
		b.Fatal(err)
	}
	kb, err := stark.Setup(air, stark.FinalLayerParams())
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("span program shape %v", fl.Shape())
	b.Run("bn254", func(b *testing.B) {
		for b.Loop() {
			p, err := stark.Prove(context.Background(), fl.pk, traces, public)
			if err != nil {
				b.Fatal(err)
			}
			enc, _ := p.MarshalBinary()
			b.ReportMetric(float64(len(enc)), "proof-bytes")
		}
	})
	b.Run("koalabear", func(b *testing.B) {
		for b.Loop() {
			p, err := stark.Prove(context.Background(), kb, traces, public)
			if err != nil {
				b.Fatal(err)
			}
			enc, _ := p.MarshalBinary()
			b.ReportMetric(float64(len(enc)), "proof-bytes")
		}
	})
}
