package recursion

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/prover/rv64"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
	"github.com/zkexex/zkexex/prover/vm/vmtest"
)

// loopJournal counts down 80,000 iterations (a few po2-16 segments), writes 8 bytes to the
// journal and exits with 5.
const loopJournal = `
.option norvc
.text
.globl _start
_start:
	li t0, 80000
1:	addi t0, t0, -1
	bnez t0, 1b
	lla a1, out
	li t1, 0x6a6f75726e616c21
	sd t1, 0(a1)
	li a0, 3
	li a2, 8
	li a7, 64
	ecall              # write(3, out, 8): the journal
	li a0, 5
	li a7, 93
	ecall
.data
.balign 8
out: .zero 8
`

// aggRun is a run proven segment by segment, with everything aggregation needs.
type aggRun struct {
	comp    *receipt.CompositeReceipt
	res     *vm.Result
	proofs  []*stark.Proof
	publics [][]F
	shapes  []SegmentShape
}

func proveAggRun(t testing.TB, params stark.Params) *aggRun {
	t.Helper()
	prog, err := vm.LoadELF(vmtest.Build(t, "rv64ima", loopJournal))
	if err != nil {
		t.Fatal(err)
	}
	run := &aggRun{}
	var segs []receipt.SegmentReceipt
	var chunks [][]byte
	cfg := vm.Config{Po2: vm.MinPo2, OnSegment: func(seg *vm.Segment) error {
		chunks = append(chunks, receipt.JournalOf(seg))
		r, err := rv64.Prove(context.Background(), seg, params)
		if err != nil {
			return err
		}
		segs = append(segs, *r)
		p, err := stark.DecodeProof(r.Seal)
		if err != nil {
			return err
		}
		run.proofs = append(run.proofs, p)
		run.publics = append(run.publics, rv64.PublicValues(&r.Claim))
		run.shapes = append(run.shapes, SegmentShape{Po2: int(seg.Po2), LogHeights: p.LogHeights})
		return nil
	}}
	if run.res, err = vm.Execute(context.Background(), prog, cfg); err != nil {
		t.Fatal(err)
	}
	if run.comp, err = receipt.NewComposite(segs, chunks); err != nil {
		t.Fatal(err)
	}
	if len(segs) < 3 {
		t.Fatalf("%d segments, want at least 3", len(segs))
	}
	return run
}

// testSet builds a key set for the run's segment shapes at test parameters (segments and
// aggregation), with the aggregator that built it.
func testSet(t testing.TB, run *aggRun, params stark.Params) (*VKSet, *Aggregator) {
	t.Helper()
	segPK, err := rv64.ProvingKey(params)
	if err != nil {
		t.Fatal(err)
	}
	var shapes []SegmentShape
	for _, s := range run.shapes {
		if !slices.ContainsFunc(shapes, func(o SegmentShape) bool { return o.Po2 == s.Po2 && slices.Equal(o.LogHeights, s.LogHeights) }) {
			shapes = append(shapes, s)
		}
	}
	insecure := stark.VerifierConfig{}
	set, agg, err := BuildVKSet(context.Background(), segPK.VerifyingKey(), &VKSet{Params: params, SegmentParams: params, Segments: shapes, Config: &insecure})
	if err != nil {
		t.Fatal(err)
	}
	return set, agg
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
	params := stark.TestParams()
	run := proveAggRun(t, params)
	set, agg := testSet(t, run, params)
	cfg := stark.VerifierConfig{}
	lifts := run.lifts(t, agg)
	for i, l := range lifts {
		if err := set.Verify(l, cfg); err != nil {
			t.Fatalf("lift %d: %v", i, err)
		}
	}
	final, err := agg.Aggregate(context.Background(), lifts)
	if err != nil {
		t.Fatal(err)
	}
	if err := set.Verify(final, cfg); err != nil {
		t.Fatal(err)
	}
	segs := run.comp.Segments
	sr, err := Succinct(final, &segs[0].Claim, &segs[len(segs)-1].Claim, run.res.Journal)
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

// forceJoin runs the join program on l and r with the claim the prover would want (l's start,
// r's end), bypassing JoinClaim.
func forceJoin(a *Aggregator, l, r *Proof) error {
	rec := a.set.recShape()
	kp, err := a.program(0, func() (*Builder, error) { return buildJoin(rec, depthFor(len(a.set.Keys))) })
	if err != nil {
		return err
	}
	claim := slices.Clone(r.Claim)
	copy(claim[ClaimSegment+rv64.PubStartPC:], l.Claim[ClaimSegment+rv64.PubStartPC:ClaimSegment+rv64.PubStartRoot+hash.DigestElements])
	claim[ClaimSegment+rv64.PubIndex] = l.Claim[ClaimSegment+rv64.PubIndex]
	w, err := joinWitness(rec, a.set, l, r)
	if err != nil {
		return err
	}
	_, err = kp.prog.Execute(claim, w)
	return err
}

// A child whose key is not in the set (a program of the prover's own that checks nothing and
// claims what it likes): the aggregator and the native verifier refuse it, and a membership proof
// in another set that holds its key does not satisfy the join program.
func TestJoinRefusesOutsideKeys(t *testing.T) {
	params := stark.TestParams()
	run := proveAggRun(t, params)
	set, agg := testSet(t, run, params)
	lifts := run.lifts(t, agg)

	evil := NewBuilder()
	claimVars(evil)
	kp, err := setupProgram(evil, set.Shape, set.Params)
	if err != nil {
		t.Fatal(err)
	}
	outsider, err := agg.prove(context.Background(), kp, slices.Clone(lifts[1].Claim), nil)
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
