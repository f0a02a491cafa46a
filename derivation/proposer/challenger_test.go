package proposer

import (
	"errors"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/metrics"
)

func (e *env) challengerProposer(withKey bool) *Proposer {
	e.t.Helper()
	cfg := Config{Oracle: e.oracleAddr, Key: e.key, PollInterval: 10 * time.Millisecond, BackoffMin: 20 * time.Millisecond,
		BackoffMax: 200 * time.Millisecond, Registry: metrics.NewRegistry()}
	if withKey {
		cfg.ChallengerKey = e.dkey
	}
	p, err := New(ctxT(e.t), cfg, e.client, e.store())
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// TestDeleteFromInsideWindow: deleting from the second of three outputs leaves the first, and the
// oracle then takes another root for the second block.
func TestDeleteFromInsideWindow(t *testing.T) {
	e := newEnv(t, nil)
	ctx := ctxT(t)
	e.autoCommit(10 * time.Millisecond)
	p := e.challengerProposer(true)
	for i := uint64(1); i <= 3; i++ {
		if _, err := p.Propose(ctx, e.output(i)); err != nil {
			t.Fatal(err)
		}
	}
	n, err := p.DeleteFrom(ctx, e.output(2).L2BlockNumber)
	if err != nil || n != 2 {
		t.Fatalf("DeleteFrom = %d, %v; want 2 outputs deleted", n, err)
	}
	latest, root, err := p.Latest(ctx)
	if err != nil || latest != e.output(1).L2BlockNumber || root != e.output(1).OutputRoot {
		t.Fatalf("latest after deletion: block %d root %x (%v), want output 1", latest, root, err)
	}
	// A second call finds nothing to delete.
	if n, err := p.DeleteFrom(ctx, e.output(2).L2BlockNumber); err != nil || n != 0 {
		t.Fatalf("repeated DeleteFrom = %d, %v", n, err)
	}
	other := e.output(2)
	other.OutputRoot = crypto.Keccak256Hash([]byte("the new chain's root"))
	other.Proof = devProof(t, other.PrevOutputRoot, other.OutputRoot, other.L2BlockNumber)
	res, err := p.Propose(ctx, other)
	if err != nil || res.AlreadyProposed || res.OutputIndex != 1 {
		t.Fatalf("re-proposal: %+v, %v", res, err)
	}
	if got := e.held(1).OutputRoot; got != other.OutputRoot {
		t.Fatalf("oracle holds %x for block %d, want the new root", got, other.L2BlockNumber)
	}
}

// TestDeleteFromOutsideWindow: past the finalization window DeleteFrom stops with a
// FinalizedError, sends nothing, and the output stays.
func TestDeleteFromOutsideWindow(t *testing.T) {
	e := newEnv(t, nil)
	ctx := ctxT(t)
	stop := e.autoCommit(10 * time.Millisecond)
	p := e.challengerProposer(true)
	if _, err := p.Propose(ctx, e.output(1)); err != nil {
		t.Fatal(err)
	}
	stop()
	if err := e.sim.AdjustTime(time.Duration(e.cfg.FinalizationPeriodSeconds) * time.Second); err != nil {
		t.Fatal(err)
	}
	e.sim.Commit()
	_, err := p.DeleteFrom(ctx, e.output(1).L2BlockNumber)
	var fe *FinalizedError
	if !errors.As(err, &fe) || !errors.Is(err, ErrPermanent) || !errors.Is(err, ErrOutputFinalized) || fe.OutputIndex != 0 {
		t.Fatalf("DeleteFrom past the window = %v", err)
	}
	t.Log(err)
	if got := e.held(0).OutputRoot; got != e.output(1).OutputRoot {
		t.Fatalf("output deleted anyway: %x", got)
	}
}

// TestDeleteFromWithoutChallenger: no challenger key is a permanent, typed error; a key that is not
// the oracle's challenger is refused at New.
func TestDeleteFromWithoutChallenger(t *testing.T) {
	e := newEnv(t, nil)
	ctx := ctxT(t)
	e.autoCommit(10 * time.Millisecond)
	p := e.challengerProposer(false)
	if _, err := p.Propose(ctx, e.output(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := p.DeleteFrom(ctx, e.output(1).L2BlockNumber); !errors.Is(err, ErrNoChallenger) || !errors.Is(err, ErrPermanent) {
		t.Fatalf("DeleteFrom without a challenger key = %v", err)
	}
	_, err := New(ctx, Config{Oracle: e.oracleAddr, Key: e.key, ChallengerKey: e.key, Registry: metrics.NewRegistry()}, e.client, e.store())
	if !errors.Is(err, ErrNotChallenger) {
		t.Fatalf("New with the wrong challenger key = %v", err)
	}
}
