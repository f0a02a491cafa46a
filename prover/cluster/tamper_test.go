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
		pt := &pending{task: Task{Kind: TaskSegment, Index: i, Inputs: in, Outputs: outputNames(TaskSegment, p.ksName, in...)}, claim: r.liftClaim(&c)}
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
	// A segment task's only output is its lift (no segment receipt: check says why).
	for name, outs := range map[string][][]byte{
		"lift of another segment": {b1[0]},
		"lift stored claim":       {flip(b0[0], len(proofMagic)+4+4*recursion.ClaimSegment)},
		"lift stored image ID":    {flip(b0[0], len(proofMagic)+4+4*(recursion.ClaimSegment+1))},
		"lift seal":               {flip(b0[0], len(b0[0])-9)},
		"lift truncated":          {b0[0][:len(b0[0])/2]},
	} {
		if _, err := r.check(pt0, outs); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// A join must prove exactly the join of its children's claims.
	l, err := decodeProof(b0[0])
	if err != nil {
		t.Fatal(err)
	}
	rt, err := decodeProof(b1[0])
	if err != nil {
		t.Fatal(err)
	}
	claim, err := recursion.JoinClaim(l.Claim, rt.Claim)
	if err != nil {
		t.Fatal(err)
	}
	segIn := func(i int) string { return outputNames(TaskSegment, p.ksName, objectName("seg", recs[i]))[0] }
	in := []string{segIn(0), segIn(1)}
	join := &pending{task: Task{Kind: TaskJoin, Level: 1, Inputs: in, Outputs: outputNames(TaskJoin, p.ksName, in...)}, claim: claim}
	jb := blobsOf(join)
	if _, err := r.check(join, jb); err != nil {
		t.Fatalf("honest join: %v", err)
	}
	for name, b := range map[string][]byte{
		"a child instead of the join": b0[0],
		"join seal":                   flip(jb[0], len(jb[0])-9),
	} {
		if _, err := r.check(join, [][]byte{b}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
