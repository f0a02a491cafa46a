package recursion

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/prover/rv64"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
	"github.com/zkexex/zkexex/prover/vm/vmtest"
)

// loopJournal reads up to 8 bytes of input, counts down 80,000 iterations (a few po2-16
// segments), writes the input to the journal and exits with the input's first byte.
const loopJournal = `
.option norvc
.text
.globl _start
_start:
	li a0, 0
	lla a1, out
	li a2, 8
	li a7, 63
	ecall              # read(0, out, 8)
	li t0, 80000
1:	addi t0, t0, -1
	bnez t0, 1b
	lla a1, out
	li a0, 3
	li a2, 8
	li a7, 64
	ecall              # write(3, out, 8): the journal
	lla a1, out
	lbu a0, 0(a1)
	li a7, 93
	ecall
.data
.balign 8
out: .zero 8
`

// aggRun is a run proven segment by segment, with everything aggregation needs.
type aggRun struct {
	segs    []receipt.SegmentReceipt
	comp    *receipt.CompositeReceipt
	res     *vm.Result
	proofs  []*stark.Proof
	publics [][]F
	shapes  []SegmentShape
}

// proveAggRun proves the run of the guest src (RV64 assembly) on stdin.
func proveAggRun(t testing.TB, params stark.Params, src, stdin string) *aggRun {
	t.Helper()
	prog, err := vm.LoadELF(vmtest.Build(t, "rv64ima", src))
	if err != nil {
		t.Fatal(err)
	}
	run := &aggRun{}
	var chunks [][]byte
	cfg := vm.Config{Po2: vm.MinPo2, Stdin: []byte(stdin), OnSegment: func(seg *vm.Segment) error {
		chunks = append(chunks, receipt.JournalOf(seg))
		return run.add(seg, params)
	}}
	if run.res, err = vm.Execute(context.Background(), prog, cfg); err != nil {
		t.Fatal(err)
	}
	if run.comp, err = receipt.NewComposite(run.segs, chunks); err != nil {
		t.Fatal(err)
	}
	return run
}

// testSet builds a key set for the runs' segment shapes at test parameters (segments and
// aggregation), with the aggregator that built it.
func testSet(t testing.TB, params stark.Params, runs ...*aggRun) (*VKSet, *Aggregator) {
	t.Helper()
	return testSetShrunk(t, params, params, runs...)
}

// testSetShrunk is testSet with the shrink proven at shrink.
func testSetShrunk(t testing.TB, params, shrink stark.Params, runs ...*aggRun) (*VKSet, *Aggregator) {
	t.Helper()
	segPK, err := rv64.ProvingKey(params)
	if err != nil {
		t.Fatal(err)
	}
	shapes := distinctShapes(runs...)
	insecure := stark.VerifierConfig{}
	set, agg, err := BuildVKSet(context.Background(), segPK.VerifyingKey(), &VKSet{Params: params, SegmentParams: params, ShrinkParams: shrink, Segments: shapes, Config: &insecure})
	if err != nil {
		t.Fatal(err)
	}
	return set, agg
}

// distinctShapes lists the runs' segment shapes, each once.
func distinctShapes(runs ...*aggRun) []SegmentShape {
	var shapes []SegmentShape
	for _, run := range runs {
		for _, s := range run.shapes {
			if !slices.ContainsFunc(shapes, func(o SegmentShape) bool { return o.Po2 == s.Po2 && slices.Equal(o.LogHeights, s.LogHeights) }) {
				shapes = append(shapes, s)
			}
		}
	}
	return shapes
}

// aggFixture is three runs of loopJournal at test parameters (two exit with 0, the third with
// 7), their lifts, and the key set: built once, shared by the aggregation tests.
type aggFixture struct {
	runs  [3]*aggRun
	lifts [3][]*Proof
	set   *VKSet
	agg   *Aggregator
}

var (
	fixtureOnce sync.Once
	fixture     *aggFixture
)

func getFixture(t *testing.T) *aggFixture {
	fixtureOnce.Do(func() {
		params := stark.TestParams()
		f := &aggFixture{}
		for i, in := range []string{"\x00zkexex", "\x00second", "\x07failed"} {
			f.runs[i] = proveAggRun(t, params, loopJournal, in)
			if n := len(f.runs[i].segs); n < 3 {
				t.Fatalf("%d segments, want at least 3", n)
			}
		}
		f.set, f.agg = testSet(t, params, f.runs[:]...)
		for i, r := range f.runs {
			f.lifts[i] = r.lifts(t, f.agg)
		}
		fixture = f
	})
	if fixture == nil {
		t.Fatal("the aggregation fixture failed to build")
	}
	return fixture
}

func (r *aggRun) lifts(t testing.TB, agg *Aggregator) []*Proof {
	t.Helper()
	var out []*Proof
	for i := range r.proofs {
		p, err := agg.Lift(context.Background(), r.proofs[i], r.publics[i])
		if err != nil {
			t.Fatalf("lift %d: %v", i, err)
		}
		out = append(out, p)
	}
	return out
}

// A run's segments lifted and joined give one proof that verifies natively, and a succinct
// receipt that verifies with the run's claim; every step refuses what does not follow.
func TestAggregateRun(t *testing.T) {
	f := getFixture(t)
	run, set, agg, lifts := f.runs[0], f.set, f.agg, f.lifts[0]
	cfg := stark.VerifierConfig{}
	for i, l := range lifts {
		if err := set.Verify(l, cfg); err != nil {
			t.Fatalf("lift %d: %v", i, err)
		}
	}
	final, err := agg.Aggregate(context.Background(), lifts, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := set.Verify(final, cfg); err != nil {
		t.Fatal(err)
	}
	shrunk, err := agg.Shrink(context.Background(), final)
	if err != nil {
		t.Fatal(err)
	}
	if err := set.VerifyShrunk(shrunk, cfg); err != nil {
		t.Fatal(err)
	}
	if err := set.VerifyShrunk(final, cfg); !errors.Is(err, ErrKeySet) {
		t.Fatalf("an unshrunk proof as a receipt's seal: %v", err)
	}
	if err := set.Verify(shrunk, cfg); !errors.Is(err, ErrKeySet) {
		t.Fatalf("a shrunk proof as a join's child: %v", err)
	}
	// The shrink repeats its child's claim and nothing else: another claim does not execute.
	for name, change := range map[string]func(c []F){
		"exit code": func(c []F) { c[ClaimSegment+rv64.PubExitCode] = feU(1) },
		"last":      func(c []F) { c[ClaimLast] = feU(7) },
		"kind":      func(c []F) { c[ClaimKind] = feU(KindRuns) },
	} {
		claim := slices.Clone(final.Claim)
		change(claim)
		w, err := childrenWitness(set.recShape(), set, final)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := agg.progs[keyShrink].prog.Execute(claim, w); !rejected(err) {
			t.Errorf("shrink claiming another %s: %v", name, err)
		}
	}
	segs := run.comp.Segments
	sr, err := Succinct(shrunk, &segs[0].Claim, &segs[len(segs)-1].Claim, run.res.Journal)
	if err != nil {
		t.Fatal(err)
	}
	v := &SuccinctVerifier{Set: set, Config: cfg}
	if err := sr.Verify(run.res.ImageID, v); err != nil {
		t.Fatal(err)
	}
	enc, err := sr.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d segments, succinct receipt %d bytes", len(segs), len(enc))

	// The receipt's claim is bound: another exit code, end state or segment count fails the seal.
	for name, change := range map[string]func(r *receipt.SuccinctReceipt){
		"exit code":     func(r *receipt.SuccinctReceipt) { r.Claim.ExitCode++ },
		"end pc":        func(r *receipt.SuccinctReceipt) { r.Claim.End.PC += 4 },
		"segment count": func(r *receipt.SuccinctReceipt) { r.Segments-- },
		"po2":           func(r *receipt.SuccinctReceipt) { r.Claim.Po2++ },
		"seal root":     func(r *receipt.SuccinctReceipt) { r.Seal[len(sealMagic)+2] ^= 1 },
		"seal proof":    func(r *receipt.SuccinctReceipt) { r.Seal[len(r.Seal)-40] ^= 1 },
	} {
		c := *sr
		c.Seal = slices.Clone(sr.Seal)
		change(&c)
		if err := c.Verify(run.res.ImageID, v); !errors.Is(err, receipt.ErrSeal) {
			t.Errorf("%s: %v", name, err)
		}
	}

	// Joins that do not follow: out of order, a segment dropped, a segment repeated.
	n := len(lifts)
	for name, pair := range map[string][2]*Proof{
		"reversed":  {lifts[1], lifts[0]},
		"dropped":   {lifts[0], lifts[2]},
		"repeated":  {lifts[0], lifts[0]},
		"past halt": {lifts[n-1], lifts[0]},
	} {
		if _, err := agg.Join(context.Background(), pair[0], pair[1]); !errors.Is(err, ErrJoin) {
			t.Errorf("%s: native check: %v", name, err)
		}
		// The same join with the native check skipped: the program itself refuses.
		if err := forceJoin(agg, pair[0], pair[1]); !rejected(err) {
			t.Errorf("%s: the join program accepts it: %v", name, err)
		}
	}
}

// force runs the program of key (built by build) on the children cs with claim, bypassing the
// native checks the aggregator makes first: it reports whether the program itself refuses.
func force(a *Aggregator, key int, build func(ChildShape, int) (*Builder, error), claim []F, cs ...*Proof) error {
	rec := a.set.recShape()
	kp, err := a.program(key, func() (*Builder, error) { return build(rec, depthFor(len(a.set.Keys))) })
	if err != nil {
		return err
	}
	var w []E
	if key == keyJoin {
		w, err = joinWitness(rec, a.set, cs[0], cs[1])
	} else {
		w, err = childrenWitness(rec, a.set, cs...)
	}
	if err != nil {
		return err
	}
	_, err = kp.prog.Execute(claim, w)
	return err
}

// forceJoin runs the join program on l and r with the claim the prover would want (l's start,
// r's end).
func forceJoin(a *Aggregator, l, r *Proof) error {
	claim := slices.Clone(r.Claim)
	copy(claim[ClaimSegment+rv64.PubStartPC:], l.Claim[ClaimSegment+rv64.PubStartPC:ClaimSegment+rv64.PubStartRoot+hash.DigestElements])
	claim[ClaimSegment+rv64.PubIndex] = l.Claim[ClaimSegment+rv64.PubIndex]
	return force(a, keyJoin, buildJoin, claim, l, r)
}

// Whole runs sealed and chained prove a sequence of journals, which the verifier checks against
// the journals themselves; partial runs, failed runs, and sequences out of order are refused.
func TestAggregateRuns(t *testing.T) {
	f := getFixture(t)
	ctx := context.Background()
	whole := make([]*Proof, 3)
	for i := range whole {
		var err error
		if whole[i], err = f.agg.Aggregate(ctx, f.lifts[i], 1); err != nil {
			t.Fatal(err)
		}
	}
	var sealed []*Proof
	for i := range 2 {
		s, err := f.agg.Seal(ctx, whole[i])
		if err != nil {
			t.Fatal(err)
		}
		sealed = append(sealed, s)
	}
	chain, err := f.agg.Aggregate(ctx, sealed, 1)
	if err != nil {
		t.Fatal(err)
	}
	shrunk, err := f.agg.Shrink(ctx, chain)
	if err != nil {
		t.Fatal(err)
	}
	seal, err := shrunk.MarshalSeal()
	if err != nil {
		t.Fatal(err)
	}
	v := &SuccinctVerifier{Set: f.set, Config: stark.VerifierConfig{}}
	image := f.runs[0].res.ImageID
	journals := [][]byte{f.runs[0].res.Journal, f.runs[1].res.Journal}
	if err := v.VerifyRuns(image, journals, seal); err != nil {
		t.Fatal(err)
	}
	for name, js := range map[string][][]byte{
		"swapped":        {journals[1], journals[0]},
		"one missing":    journals[:1],
		"one repeated":   {journals[0], journals[1], journals[1]},
		"changed":        {journals[0], append([]byte{1}, journals[1][1:]...)},
		"the failed run": {journals[0], f.runs[2].res.Journal},
	} {
		if err := v.VerifyRuns(image, js, seal); !errors.Is(err, stark.ErrInvalidProof) {
			t.Errorf("%s journals: %v", name, err)
		}
	}
	if err := v.VerifyRuns(hash.HashBytes([]byte("other image")), journals, seal); !errors.Is(err, stark.ErrInvalidProof) {
		t.Errorf("other image: %v", err)
	}

	// Seals of what is not a whole clean run: natively refused, and the program refuses too.
	for name, p := range map[string]*Proof{
		"partial run":     f.lifts[0][1],
		"exit code 7":     whole[2],
		"a claim of runs": sealed[0],
	} {
		if _, err := f.agg.Seal(ctx, p); !errors.Is(err, ErrJoin) {
			t.Errorf("seal of %s: %v", name, err)
		}
		if p.Claim[ClaimKind].IsOne() {
			continue // the child is refused by kind before any claim is formed
		}
		var j hash.Digest
		copy(j[:], p.Claim[ClaimSegment+rv64.PubJournal:])
		claim := runsClaim(p.Claim[:ClaimKind], image, j, 1)
		if err := force(f.agg, keySeal, buildSeal, claim, p); !rejected(err) {
			t.Errorf("the seal program accepts %s: %v", name, err)
		}
	}
	if err := force(f.agg, keySeal, buildSeal, sealed[0].Claim, sealed[0]); !rejected(err) {
		t.Errorf("the seal program accepts a claim of runs: %v", err)
	}
	// A chain of a run and a range of segments.
	if _, err := f.agg.Join(ctx, sealed[0], whole[1]); !errors.Is(err, ErrJoin) {
		t.Errorf("chain of a run and segments: %v", err)
	}
	if err := force(f.agg, keyChain, buildChain, chain.Claim, sealed[0], whole[1]); !rejected(err) {
		t.Errorf("the chain program accepts a range of segments: %v", err)
	}
}

// A child whose key is not in the set (a program of the prover's own that checks nothing and
// claims what it likes): the aggregator and the native verifier refuse it, and a membership proof
// in another set that holds its key does not satisfy the join program.
func TestJoinRefusesOutsideKeys(t *testing.T) {
	f := getFixture(t)
	set, agg, lifts := f.set, f.agg, f.lifts[0]

	evil := NewBuilder()
	claimVars(evil)
	kp, err := setupProgram(evil, set.Shape, set.Params)
	if err != nil {
		t.Fatal(err)
	}
	outsider, err := agg.prove(context.Background(), keyJoin, kp, slices.Clone(lifts[1].Claim), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := agg.Join(context.Background(), lifts[0], outsider); !errors.Is(err, ErrKeySet) {
		t.Fatalf("join with an outside key: %v", err)
	}
	if err := set.Verify(outsider, stark.VerifierConfig{}); !errors.Is(err, ErrKeySet) {
		t.Fatalf("verifying an outside key: %v", err)
	}
	// Forced: membership proven in a set of the same depth that also holds the outsider's key.
	if depthFor(len(set.Keys)+1) != depthFor(len(set.Keys)) {
		t.Fatalf("the test needs room for one more key in a set of %d", len(set.Keys))
	}
	wider := &VKSet{Params: set.Params, SegmentParams: set.SegmentParams, Shape: set.Shape, Config: set.Config,
		ShrinkParams: set.ShrinkParams, ShrinkShape: set.ShrinkShape, ShrinkKey: set.ShrinkKey,
		Segments: append(slices.Clone(set.Segments), set.Segments[0]),
		Keys:     append(slices.Clone(set.Keys), kp.pk.VerifyingKey().Digest())}
	rec := set.recShape()
	join, err := agg.program(0, func() (*Builder, error) { return buildJoin(rec, depthFor(len(set.Keys))) })
	if err != nil {
		t.Fatal(err)
	}
	w, err := joinWitness(rec, wider, lifts[0], outsider)
	if err != nil {
		t.Fatal(err)
	}
	claim, err := JoinClaim(lifts[0].Claim, outsider.Claim)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := join.prog.Execute(claim, w); !rejected(err) {
		t.Fatalf("the join program accepts a key outside its set: %v", err)
	}
	// The same forced witness with the outsider's proof replaced by the genuine lift passes
	// everything but the membership: the refusal above is the membership check.
	w, err = joinWitness(rec, set, lifts[0], lifts[1])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := join.prog.Execute(claim, w); err != nil {
		t.Fatalf("the genuine join: %v", err)
	}
}
