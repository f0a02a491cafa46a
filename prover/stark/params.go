package stark

import (
	"errors"
	"fmt"
	"math"
)

// Params is the FRI parameter set a proof was made with. It travels inside every proof, is bound
// into the transcript, and the verifier recomputes its soundness before trusting the proof.
type Params struct {
	LogBlowup       int // rate ρ = 2^-LogBlowup; must cover the constraint degree (2^LogBlowup >= maxDegree-1)
	NumQueries      int // FRI query repetitions
	PoWBits         int // grinding before the query phase
	LogFinalPolyLen int // FRI stops when the folded polynomial has fewer than 2^LogFinalPolyLen coefficients
	LogUpPoWBits    int // grinding before the LogUp challenges (β, γ) are drawn
}

// FRI is the FRI parameter set within p.
func (p Params) FRI() FRIParams {
	return FRIParams{LogBlowup: p.LogBlowup, NumQueries: p.NumQueries, PoWBits: p.PoWBits, LogFinalPolyLen: p.LogFinalPolyLen}
}

// DefaultParams is the production set: rate 1/2, 100 queries and 16 bits of grinding give 116
// conjectured FRI bits; 16 bits of grinding before the LogUp challenges (SP1 grinds 12, OpenVM
// 18) keep the LogUp term above 100 bits up to 2^31 fractions of 48-element tuples, which the
// RISC-V segment AIR reaches at po2 22 (prover/rv64 TestSegmentSoundness). At the reference shapes (ReferenceShapes, the
// table in the package documentation) the extension-field terms cap the total at 100 to 103 bits.
// TestSoundnessFigures pins the figures.
func DefaultParams() Params {
	return Params{LogBlowup: 1, NumQueries: 100, PoWBits: 16, LogFinalPolyLen: 3, LogUpPoWBits: 16}
}

// FinalLayerParams is the set for the last STARK layer, the BN254-configured one that the Groth16
// wrap verifies. In the circuit the cost is the queries' Merkle paths, so it trades prover time
// (a rate-1/16 LDE of a small recursion statement) for few queries: 4·22 + 16 = 104 conjectured FRI
// bits (SP1 wraps at log blowup 3 to 4 as well: WRAP_LOG_BLOWUP in its FRI configurations). At
// rate 1/16 the folding term, |E| against the LDE domain, is what limits the statement: it stays
// at or above 100 bits up to 2^19-row tables (SP1's SHRINK_MAX_LOG_ROW_COUNT is 19), which
// FinalLayerShapes holds it to; TestFinalLayerSoundness pins the figures. The calculator counts
// no hash term: a BN254 digest is one ≈254-bit element, about 127 bits against collisions (the
// KoalaBear digest's eight 31-bit elements give 124), above every term it does count.
// FRI stops at 2^5 coefficients (no term of the calculator depends on it): in the circuit a FRI
// round costs its Merkle path and opened pair in every query, a coefficient only its range check
// and a product per query, so the span circuit is 105k constraints smaller than at 2^3 (2^6 would
// save 53k more, but every table of a proven statement must then have 2^6 rows, the span
// program's smallest).
func FinalLayerParams() Params {
	return Params{LogBlowup: 4, NumQueries: 22, PoWBits: 16, LogFinalPolyLen: 5, LogUpPoWBits: 16}
}

// FinalLayerShapes are the statement sizes FinalLayerParams is held to: tables of 2^16 to 2^19
// rows with the reference constraint, opening and LogUp counts (2^24 fractions).
func FinalLayerShapes() []Shape {
	var out []Shape
	for rows := 16; rows <= 19; rows++ {
		out = append(out, referenceShape(rows, 24))
	}
	return out
}

// TestParams is a fast, insecure set for tests about protocol logic (not about soundness).
func TestParams() Params {
	return Params{LogBlowup: 1, NumQueries: 8, PoWBits: 2, LogFinalPolyLen: 1, LogUpPoWBits: 2}
}

// ErrParams marks a parameter set that is malformed or too weak.
var ErrParams = errors.New("stark: unacceptable parameters")

// Parameter limits: they bound the work a malicious proof can make the verifier do.
const (
	maxLogBlowup       = 4
	maxQueries         = 1024
	maxPoWBits         = 30
	maxLogFinalPolyLen = 8
)

// Validate checks structural sanity (not security; see Soundness).
func (p Params) Validate() error {
	switch {
	case p.LogBlowup < 1 || p.LogBlowup > maxLogBlowup:
		return fmt.Errorf("%w: log blowup %d not in [1,%d]", ErrParams, p.LogBlowup, maxLogBlowup)
	case p.NumQueries < 1 || p.NumQueries > maxQueries:
		return fmt.Errorf("%w: %d queries not in [1,%d]", ErrParams, p.NumQueries, maxQueries)
	case p.PoWBits < 0 || p.PoWBits > maxPoWBits:
		return fmt.Errorf("%w: %d PoW bits not in [0,%d]", ErrParams, p.PoWBits, maxPoWBits)
	case p.LogFinalPolyLen < 0 || p.LogFinalPolyLen > maxLogFinalPolyLen:
		return fmt.Errorf("%w: log final poly len %d not in [0,%d]", ErrParams, p.LogFinalPolyLen, maxLogFinalPolyLen)
	case p.LogUpPoWBits < 0 || p.LogUpPoWBits > maxPoWBits:
		return fmt.Errorf("%w: %d LogUp PoW bits not in [0,%d]", ErrParams, p.LogUpPoWBits, maxPoWBits)
	}
	return nil
}

// Shape is what the soundness of a proof depends on besides Params: the size of the statement.
type Shape struct {
	MaxLogHeight    int // log2 of the tallest table
	MaxDegree       int // largest constraint degree (selectors included)
	NumConstraints  int // constraints batched by the composition challenge (LogUp ones included)
	NumOpenings     int // (polynomial, point) pairs batched into the DEEP quotient
	LogLookupTerms  int // ceil(log2) of the number of LogUp fractions (Σ rows × interactions over tables)
	MaxTupleWidth   int // widest tuple sent or received on a bus
	HasInteractions bool
}

// DefaultShape is the reference statement size for the default parameter set: a 2^20-row segment
// (DESIGN.md's default po2), degree-3 constraints, and up to 2^21 LogUp fractions of width <= 8.
func DefaultShape() Shape { return referenceShape(20, 21) }

// ReferenceShapes are the statement sizes the default parameters are held to (each >= 100 bits):
// segments of 2^20 and 2^22 rows, each with 2^21, 2^24 and 2^26 LogUp fractions (interactions ×
// rows) of tuples up to 8 wide, 512 degree-3 constraints and 1024 opened columns.
func ReferenceShapes() []Shape {
	var out []Shape
	for _, rows := range []int{20, 22} {
		for _, lookups := range []int{21, 24, 26} {
			out = append(out, referenceShape(rows, lookups))
		}
	}
	return out
}

func referenceShape(logRows, logLookups int) Shape {
	return Shape{MaxLogHeight: logRows, MaxDegree: 3, NumConstraints: 512, NumOpenings: 1024,
		LogLookupTerms: logLookups, MaxTupleWidth: 8, HasInteractions: true}
}

// Soundness itemises the conjectured security of a parameter set for a statement shape.
//
// FRI follows the ethSTARK conjecture (Conjecture 1 in ethSTARK documentation v1.2: each query
// against a rate-ρ code catches a far word with probability 1-ρ, so q queries plus g grinding bits
// give q·log2(1/ρ) + g bits). The remaining terms are Schwartz-Zippel bounds over E, |E| = p^4 ≈
// 2^123.9, each a union over the bad events of one random challenge; they cap the total.
type Soundness struct {
	FieldBits       float64 // log2 |E|
	FRIQueryBits    float64 // LogBlowup · NumQueries
	PoWBits         float64
	FRIBits         float64 // FRIQueryBits + PoWBits
	FoldBits        float64 // per-round folding challenge: |E| against the largest FRI domain
	CompositionBits float64 // constraint-batching challenge α: NumConstraints / |E|
	OODBits         float64 // out-of-domain point ζ: degree of the composition / |E|
	DEEPBatchBits   float64 // batching of opened polynomials: NumOpenings / |E|
	LogUpBits       float64 // bus challenges (β, γ): 2·fractions·tuple width / |E|, plus LogUp grinding
	Total           float64 // the minimum of all of the above
}

func (s Soundness) String() string {
	return fmt.Sprintf("total %.1f bits (FRI %.1f = %.0f query + %.0f PoW; fold %.1f; composition %.1f; OOD %.1f; DEEP batch %.1f; LogUp %.1f with grinding; |E| = 2^%.1f)",
		s.Total, s.FRIBits, s.FRIQueryBits, s.PoWBits, s.FoldBits, s.CompositionBits, s.OODBits, s.DEEPBatchBits, s.LogUpBits, s.FieldBits)
}

// Soundness computes the conjectured bits of p for statements of shape sh.
func (p Params) Soundness(sh Shape) Soundness {
	fieldBits := 4 * math.Log2(modulus)
	lg := func(x float64) float64 { return math.Log2(math.Max(x, 1)) }
	s := Soundness{FieldBits: fieldBits}
	s.FRIQueryBits = float64(p.LogBlowup * p.NumQueries)
	s.PoWBits = float64(p.PoWBits)
	s.FRIBits = s.FRIQueryBits + s.PoWBits
	s.FoldBits = fieldBits - float64(sh.MaxLogHeight+p.LogBlowup)
	s.CompositionBits = fieldBits - lg(float64(sh.NumConstraints))
	s.OODBits = fieldBits - lg(float64(max(sh.MaxDegree, 1))) - float64(sh.MaxLogHeight)
	s.DEEPBatchBits = fieldBits - lg(float64(sh.NumOpenings))
	s.LogUpBits = fieldBits
	if sh.HasInteractions {
		// With N fractions whose denominators β - fp_i(γ) have total degree w = max(width, 1) in
		// (β, γ), unequal multisets leave Σ ±m_i/D_i a nonzero rational function whose cleared
		// numerator has degree < N·w: Schwartz-Zippel gives N·w/|E|, and a zero denominator has the
		// same bound, hence 2·N·w/|E|. Each try at (β, γ) costs 2^LogUpPoWBits hashes.
		s.LogUpBits = fieldBits + float64(p.LogUpPoWBits) - float64(sh.LogLookupTerms) - 1 - lg(float64(max(sh.MaxTupleWidth, 1)))
	}
	s.Total = math.Min(s.FRIBits, math.Min(s.FoldBits, math.Min(s.CompositionBits,
		math.Min(s.OODBits, math.Min(s.DEEPBatchBits, s.LogUpBits)))))
	return s
}
