package recursion

import (
	"context"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/metrics"
)

// Program names, the kinds of Costs and the names of metrics.
const (
	ProgramLift   = "lift"
	ProgramJoin   = "join"
	ProgramSeal   = "seal"
	ProgramChain  = "chain"
	ProgramShrink = "shrink"
	// ProgramSpan is the final layer (FinalLayer): a span's seal and journals, in BN254.
	ProgramSpan = "span"
)

// programName names key i of a set (keyShrink included).
func programName(i int) string {
	switch {
	case i == keyShrink:
		return ProgramShrink
	case i == keyJoin:
		return ProgramJoin
	case i == keySeal:
		return ProgramSeal
	case i == keyChain:
		return ProgramChain
	default:
		return ProgramLift
	}
}

// programTimers export every aggregation proof's time (witness execution and proving) to the
// node's metrics, by program.
var programTimers = map[string]*metrics.Timer{}

func init() {
	for _, n := range []string{ProgramLift, ProgramJoin, ProgramSeal, ProgramChain, ProgramShrink, ProgramSpan} {
		programTimers[n] = metrics.NewRegisteredTimer("zkexex/recursion/"+n, nil)
	}
}

// Cost is the number of proofs of one kind and the time spent making them, summed over the
// goroutines that made them: the work they cost, whatever the parallelism.
type Cost struct {
	Proofs int
	Time   time.Duration
}

// Add counts one more proof that took d.
func (c *Cost) Add(d time.Duration) {
	c.Proofs++
	c.Time += d
}

// Costs collects what the proofs made under a context cost, by kind (the way httptrace collects
// a request's events): WithCosts attaches it, and every Aggregator proof made with that context
// adds to it under its program's name; a caller adds its own kinds (prove adds the segment
// proofs). Safe for concurrent use.
type Costs struct {
	mu        sync.Mutex
	byProgram map[string]Cost
}

// Of is the cost of the named program's proofs so far.
func (c *Costs) Of(program string) Cost {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byProgram[program]
}

// Total is the cost of the proofs of the given kinds so far.
func (c *Costs) Total(kinds ...string) Cost {
	c.mu.Lock()
	defer c.mu.Unlock()
	var t Cost
	for _, k := range kinds {
		t.Proofs += c.byProgram[k].Proofs
		t.Time += c.byProgram[k].Time
	}
	return t
}

// Add counts one more proof of kind that took d.
func (c *Costs) Add(kind string, d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byProgram == nil {
		c.byProgram = map[string]Cost{}
	}
	p := c.byProgram[kind]
	p.Add(d)
	c.byProgram[kind] = p
}

type costsKey struct{}

// WithCosts returns a context under which aggregation proofs add their cost to c.
func WithCosts(ctx context.Context, c *Costs) context.Context {
	return context.WithValue(ctx, costsKey{}, c)
}

// CostsFrom is the Costs attached to ctx, or nil.
func CostsFrom(ctx context.Context) *Costs {
	c, _ := ctx.Value(costsKey{}).(*Costs)
	return c
}

// record reports one proof of program that took d to the metrics and to the context's Costs.
func record(ctx context.Context, program string, d time.Duration) {
	programTimers[program].Update(d)
	if c := CostsFrom(ctx); c != nil {
		c.Add(program, d)
	}
}
