package stark

import "github.com/zkexex/zkexex/prover/hash"

// ProofVersion is the encoding version written at the head of every proof.
const ProofVersion = 3

// Proof is a STARK proof for one AIR statement. It carries its parameter set; the public values
// are supplied to Verify separately (they are part of the statement, not of the proof).
type Proof struct {
	Params        Params
	LogHeights    []int          // per table
	MainRoot      hash.Digest    // main traces of all tables
	LogUpPoWNonce uint32         // grinding before the LogUp challenges are drawn
	PermRoot      hash.Digest    // LogUp columns (zero when no table has interactions)
	QuotRoot      hash.Digest    // quotient chunks
	LogUpSums     []E            // per table, the final value of its running sum (zero without interactions)
	Openings      []TableOpening // per table
	FRI           FRIProof       // low-degree test of the DEEP quotients
	Queries       []QueryProof   // per FRI query, the committed rows at its index
}

// TableOpening holds one table's polynomials evaluated at the out-of-domain point ζ ([0]) and at
// ζ·ω, the next row ([1]); one value per base column.
type TableOpening struct {
	Pre, Main, Perm, Quot [2][]E
}

// QueryProof opens, at one FRI query position, the rows of every committed matrix, from which the
// verifier recomputes the DEEP quotients that FRI's first round must match.
type QueryProof struct {
	Inputs [numInputRounds]BatchOpening // preprocessed, main, LogUp, quotient
}

const (
	roundPre = iota
	roundMain
	roundPerm
	roundQuot
	numInputRounds
)
