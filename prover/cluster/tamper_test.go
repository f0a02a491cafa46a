package cluster

import (
	"bytes"
	"context"
	"testing"

	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/prover/recursion"
	"github.com/zkexex/zkexex/prover/vm"
)

// tamperChecks runs the coordinator's checks on the stored outputs of a finished run of the
// fixture, each tampered in one way: a worker's result passes only as the honest bytes.
func tamperChecks(t *testing.T, p *Prover, f *slowFixture) {
	ctx := context.Background()
	var (
		recs   [][]byte
		claims []receipt.SegmentClaim
	)
	if _, err := vm.ExecuteImage(ctx, f.img, f.prog, vm.Config{Po2: vm.MinPo2, Stdin: f.input, OnSegment: func(seg *vm.Segment) error {
		rec, err := seg.MarshalBinary()
		recs, claims = append(recs, rec), append(claims, receipt.ClaimOf(seg))
		return err
	}}); err != nil {
		t.Fatal(err)
	}
	r := &run{p: p}
	blobsOf := func(pt *pending) [][]byte {
		var out [][]byte
		for _, o := range pt.task.Outputs {
			b, err := p.st.getBlob(ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
		return out
	}
	segment := func(i int) (*pending, [][]byte) {
		in := []string{objectName("seg", recs[i])}
		c := claims[i]
		pt := &pending{task: Task{Kind: TaskSegment, Index: i, Inputs: in, Outputs: outputNames(TaskSegment, p.ksName, in...)}, seg: &c, claim: r.liftClaim(&c)}
		return pt, blobsOf(pt)
	}
	pt0, b0 := segment(0)
	_, b1 := segment(1)
	if _, err := r.check(pt0, b0); err != nil {
		t.Fatalf("honest segment outputs: %v", err)
	}
	flip := func(b []byte, at int) []byte {
		b = bytes.Clone(b)
		b[at] ^= 1
		return b
	}
	wrongIndex := func() []byte {
		sr, err := receipt.DecodeSegmentReceipt(b0[0])
		if err != nil {
			t.Fatal(err)
		}
		sr.Claim.Index++
		b, _ := sr.MarshalBinary()
		return b
	}()
	for name, outs := range map[string][][]byte{
		"receipt of another segment": {b1[0], b0[1]},
		"receipt claim":              {wrongIndex, b0[1]},
		"receipt seal":               {flip(b0[0], len(b0[0])-9), b0[1]},
		"lift of another segment":    {b0[0], b1[1]},
		"lift stored claim":          {b0[0], flip(b0[1], len(proofMagic)+4+4*recursion.ClaimSegment)},
		"lift seal":                  {b0[0], flip(b0[1], len(b0[1])-9)},
		"lift truncated":             {b0[0], b0[1][:len(b0[1])/2]},
	} {
		if _, err := r.check(pt0, outs); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// A join must prove exactly the join of its children's claims.
	l, err := decodeProof(b0[1])
	if err != nil {
		t.Fatal(err)
	}
	rt, err := decodeProof(b1[1])
	if err != nil {
		t.Fatal(err)
	}
	claim, err := recursion.JoinClaim(l.Claim, rt.Claim)
	if err != nil {
		t.Fatal(err)
	}
	segIn := func(i int) string { return outputNames(TaskSegment, p.ksName, objectName("seg", recs[i]))[1] }
	in := []string{segIn(0), segIn(1)}
	join := &pending{task: Task{Kind: TaskJoin, Level: 1, Inputs: in, Outputs: outputNames(TaskJoin, p.ksName, in...)}, claim: claim}
	jb := blobsOf(join)
	if _, err := r.check(join, jb); err != nil {
		t.Fatalf("honest join: %v", err)
	}
	for name, b := range map[string][]byte{
		"a child instead of the join": b0[1],
		"join seal":                   flip(jb[0], len(jb[0])-9),
	} {
		if _, err := r.check(join, [][]byte{b}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
