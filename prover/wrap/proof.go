package wrap

import (
	"errors"
	"fmt"
	"math/big"

	"github.com/consensys/gnark/frontend"
	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/stark"
)

// ErrShape means a proof (or proof variables) does not have the shape a circuit was built for, or
// the shape is one stark.Verify would refuse.
var ErrShape = errors.New("wrap: proof does not match the circuit's shape")

// Shape is what a verifying circuit is specialised to, as prover/recursion's ChildShape: the
// key (AIR, preprocessed root, blowup), the parameter set and the table heights, all fixed when
// the circuit is compiled. The proof itself is the witness.
type Shape struct {
	VK         *stark.VerifyingKeyOf[hash.BN254Digest]
	Params     stark.Params
	LogHeights []int
	// Config is the policy the circuit enforces when it is built, as stark.Verify's; nil is
	// stark.DefaultVerifierConfig(). Tests on fast, insecure parameter sets lower it.
	Config *stark.VerifierConfig
}

func (s Shape) config() stark.VerifierConfig {
	if s.Config != nil {
		return *s.Config
	}
	return stark.DefaultVerifierConfig()
}

// ExtVar is an extension element's four coordinates, in stark's extFromCoeffs order.
type ExtVar = [4]frontend.Variable

// OpeningVar is a stark.TableOpening: one table's values at ζ ([0]) and ζ·ω ([1]).
type OpeningVar struct {
	Pre, Main, Perm, Quot [2][]ExtVar
}

// QueryVar is one query of a proof: the four input commitments' openings at its index
// (preprocessed, main, LogUp, quotient; no rows and no path for an empty commitment) and, per
// FRI round, the opened pair with its path.
type QueryVar struct {
	Inputs [numRounds]MerkleOpening
	FRI    []MerkleOpening
}

// ProofVar is a stark.BN254Proof and its public values as circuit variables: everything
// stark.Verify reads. Parameters and heights are not here: the Shape fixes them.
type ProofVar struct {
	Public                       []frontend.Variable
	MainRoot, PermRoot, QuotRoot frontend.Variable
	LogUpPoWNonce                frontend.Variable
	LogUpSums                    []ExtVar
	Openings                     []OpeningVar
	FRIRoots                     []frontend.Variable
	FinalPoly                    []ExtVar
	FRIPoWNonce                  frontend.Variable
	Queries                      []QueryVar
}

// The input rounds of a stark proof, in commitment order.
const (
	roundPre  = stark.RoundPre
	roundMain = stark.RoundMain
	roundPerm = stark.RoundPerm
	roundQuot = stark.RoundQuot
	numRounds = stark.NumRounds
)

// layout is a proof's shape as the verifier knows it before reading the proof: stark's commitment
// layout for the key, the parameters and the heights.
type layout struct {
	*stark.CommitLayout
	numPublic int
}

func layoutOf(s Shape) (*layout, error) {
	if s.VK == nil {
		return nil, fmt.Errorf("%w: no key", ErrShape)
	}
	air := s.VK.AIR()
	if err := s.VK.CheckStatement(s.Params, s.LogHeights, air.NumPublic(), s.config()); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrShape, err)
	}
	cl, err := s.VK.CommitLayout(s.Params, s.LogHeights)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrShape, err)
	}
	l := &layout{CommitLayout: cl, numPublic: air.NumPublic()}
	if pre := s.VK.PreRoot(); len(l.Matrices[roundPre]) == 0 && !pre.IsZero() {
		return nil, fmt.Errorf("%w: a key without preprocessed columns has a nonzero preprocessed root", ErrShape)
	}
	return l, nil
}

// pathLen is the authentication path length of round r (its tallest matrix), 0 when empty.
func (l *layout) pathLen(r int) int {
	m := 0
	for _, s := range l.Matrices[r] {
		m = max(m, s.LogHeight)
	}
	return m
}

func (l *layout) logHeights(r int) []int {
	hs := make([]int, len(l.Matrices[r]))
	for i, s := range l.Matrices[r] {
		hs[i] = s.LogHeight
	}
	return hs
}

// NewProofVar allocates the variables of a proof of shape s, for a circuit's definition.
func NewProofVar(s Shape) (*ProofVar, error) {
	l, err := layoutOf(s)
	if err != nil {
		return nil, err
	}
	exts := func(n int) []ExtVar { return make([]ExtVar, n) }
	batch := func(shapes []stark.MatrixShape, pathLen int) MerkleOpening {
		var o MerkleOpening
		for _, sh := range shapes {
			o.Rows = append(o.Rows, make([]frontend.Variable, sh.Width))
		}
		o.Path = make([]frontend.Variable, pathLen)
		return o
	}
	p := &ProofVar{
		Public:    make([]frontend.Variable, l.numPublic),
		LogUpSums: exts(len(l.Views)),
		FRIRoots:  make([]frontend.Variable, l.FRIRounds),
		FinalPoly: exts(1 << uint(s.Params.LogFinalPolyLen)),
	}
	for _, v := range l.Views {
		var o OpeningVar
		for pt := range 2 {
			o.Pre[pt], o.Main[pt], o.Perm[pt], o.Quot[pt] = exts(v.PreWidth), exts(v.Width), exts(4*v.NumPerm), exts(4*v.QuotientChunks)
		}
		p.Openings = append(p.Openings, o)
	}
	for range s.Params.NumQueries {
		var q QueryVar
		for r := range q.Inputs {
			q.Inputs[r] = batch(l.Matrices[r], l.pathLen(r))
		}
		for r := range l.FRIRounds {
			lh := l.LogLDE - r - 1
			q.FRI = append(q.FRI, batch([]stark.MatrixShape{{LogHeight: lh, Width: 8}}, lh))
		}
		p.Queries = append(p.Queries, q)
	}
	return p, nil
}

// AssignProof is the witness of proof with its public values for a circuit built for s. A proof
// of another shape (parameters, heights, counts, widths, path lengths) is an ErrShape error; its
// values are not checked, which is the circuit's job.
func AssignProof(s Shape, proof *stark.BN254Proof, public []stark.F) (*ProofVar, error) {
	l, err := layoutOf(s)
	if err != nil {
		return nil, err
	}
	if err := proof.CheckShape(s.Params, s.LogHeights); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrShape, err)
	}
	var bad error
	count := func(what string, got, want int) bool {
		if bad == nil && got != want {
			bad = fmt.Errorf("%w: %s: %d, want %d", ErrShape, what, got, want)
		}
		return bad == nil
	}
	digest := func(d hash.BN254Digest) frontend.Variable { return d.BigInt(new(big.Int)) }
	exts := func(what string, vals []stark.E, want int) []ExtVar {
		if !count(what, len(vals), want) {
			return nil
		}
		out := make([]ExtVar, len(vals))
		for i, e := range vals {
			out[i] = ExtVar{e.B0.A0.Uint64(), e.B0.A1.Uint64(), e.B1.A0.Uint64(), e.B1.A1.Uint64()}
		}
		return out
	}
	batch := func(what string, o *stark.BatchOpeningOf[hash.BN254Digest], shapes []stark.MatrixShape, pathLen int) MerkleOpening {
		var m MerkleOpening
		if !count(what+" rows", len(o.Rows), len(shapes)) || !count(what+" path", len(o.Path), pathLen) {
			return m
		}
		for i, sh := range shapes {
			if !count(what+" row width", len(o.Rows[i]), sh.Width) {
				return m
			}
			row := make([]frontend.Variable, sh.Width)
			for j, x := range o.Rows[i] {
				row[j] = x.Uint64()
			}
			m.Rows = append(m.Rows, row)
		}
		m.Path = make([]frontend.Variable, len(o.Path))
		for j, d := range o.Path {
			m.Path[j] = digest(d)
		}
		return m
	}
	if !count("public values", len(public), l.numPublic) {
		return nil, bad
	}
	p := &ProofVar{
		MainRoot: digest(proof.MainRoot), PermRoot: digest(proof.PermRoot), QuotRoot: digest(proof.QuotRoot),
		LogUpPoWNonce: uint64(proof.LogUpPoWNonce), FRIPoWNonce: uint64(proof.FRI.PoWNonce),
	}
	for _, x := range public {
		p.Public = append(p.Public, x.Uint64())
	}
	p.LogUpSums = exts("LogUp totals", proof.LogUpSums, len(l.Views))
	if !count("table openings", len(proof.Openings), len(l.Views)) {
		return nil, bad
	}
	for i, v := range l.Views {
		o := &proof.Openings[i]
		var ov OpeningVar
		for pt := range 2 {
			ov.Pre[pt] = exts(v.Name+" preprocessed openings", o.Pre[pt], v.PreWidth)
			ov.Main[pt] = exts(v.Name+" main openings", o.Main[pt], v.Width)
			ov.Perm[pt] = exts(v.Name+" LogUp openings", o.Perm[pt], 4*v.NumPerm)
			ov.Quot[pt] = exts(v.Name+" quotient openings", o.Quot[pt], 4*v.QuotientChunks)
		}
		p.Openings = append(p.Openings, ov)
	}
	if !count("FRI roots", len(proof.FRI.Roots), l.FRIRounds) {
		return nil, bad
	}
	for _, d := range proof.FRI.Roots {
		p.FRIRoots = append(p.FRIRoots, digest(d))
	}
	p.FinalPoly = exts("FRI final polynomial", proof.FRI.FinalPoly, 1<<uint(s.Params.LogFinalPolyLen))
	if !count("query openings", len(proof.Queries), s.Params.NumQueries) || !count("FRI queries", len(proof.FRI.Queries), s.Params.NumQueries) {
		return nil, bad
	}
	for q := range proof.Queries {
		var qv QueryVar
		for r := range numRounds {
			qv.Inputs[r] = batch(fmt.Sprintf("query %d round %d", q, r), &proof.Queries[q].Inputs[r], l.Matrices[r], l.pathLen(r))
		}
		steps := proof.FRI.Queries[q].Steps
		if !count(fmt.Sprintf("query %d FRI steps", q), len(steps), l.FRIRounds) {
			return nil, bad
		}
		for r := range steps {
			lh := l.LogLDE - r - 1
			qv.FRI = append(qv.FRI, batch(fmt.Sprintf("query %d FRI round %d", q, r), &steps[r], []stark.MatrixShape{{LogHeight: lh, Width: 8}}, lh))
		}
		p.Queries = append(p.Queries, qv)
	}
	if bad != nil {
		return nil, bad
	}
	return p, nil
}

// matches reports whether p has the counts of l (NewProofVar's variables do).
func (l *layout) matches(s Shape, p *ProofVar) bool {
	if p == nil || len(p.Public) != l.numPublic || len(p.LogUpSums) != len(l.Views) || len(p.Openings) != len(l.Views) ||
		len(p.FRIRoots) != l.FRIRounds || len(p.FinalPoly) != 1<<uint(s.Params.LogFinalPolyLen) || len(p.Queries) != s.Params.NumQueries {
		return false
	}
	for i, v := range l.Views {
		o := &p.Openings[i]
		for pt := range 2 {
			if len(o.Pre[pt]) != v.PreWidth || len(o.Main[pt]) != v.Width || len(o.Perm[pt]) != 4*v.NumPerm || len(o.Quot[pt]) != 4*v.QuotientChunks {
				return false
			}
		}
	}
	okBatch := func(o *MerkleOpening, shapes []stark.MatrixShape, pathLen int) bool {
		if len(o.Rows) != len(shapes) || len(o.Path) != pathLen {
			return false
		}
		for i, sh := range shapes {
			if len(o.Rows[i]) != sh.Width {
				return false
			}
		}
		return true
	}
	for _, q := range p.Queries {
		if len(q.FRI) != l.FRIRounds {
			return false
		}
		for r := range numRounds {
			if !okBatch(&q.Inputs[r], l.Matrices[r], l.pathLen(r)) {
				return false
			}
		}
		for r := range q.FRI {
			lh := l.LogLDE - r - 1
			if !okBatch(&q.FRI[r], []stark.MatrixShape{{LogHeight: lh, Width: 8}}, lh) {
				return false
			}
		}
	}
	return true
}
