package stark

import "github.com/zkexex/zkexex/prover/hash"

// ProofVersion is the encoding version written at the head of every proof.
const ProofVersion = 1

// Proof is a STARK proof for one AIR statement. It carries its parameter set; the public values
// are supplied to Verify separately (they are part of the statement, not of the proof).
type Proof struct {
	Params     Params
	LogHeights []int          // per table
	MainRoot   hash.Digest    // main traces of all tables
	PermRoot   hash.Digest    // LogUp columns (zero when no table has interactions)
	QuotRoot   hash.Digest    // quotient chunks
	LogUpSums  []E            // per table, the final value of its running sum (zero without interactions)
	Openings   []TableOpening // per table
	FRIRoots   []hash.Digest  // one per folding round
	FinalPoly  []E            // coefficients, 2^LogFinalPolyLen of them
	PoWNonce   uint32
	Queries    []QueryProof
}

// TableOpening holds one table's polynomials evaluated at the out-of-domain point ζ ([0]) and at
// ζ·ω, the next row ([1]); one value per base column.
type TableOpening struct {
	Pre, Main, Perm, Quot [2][]E
}

// QueryProof answers one FRI query: the rows of every committed matrix at the query position and
// the pair of folded values of every FRI round, each with its Merkle path.
type QueryProof struct {
	Inputs [numInputRounds]BatchOpening // preprocessed, main, LogUp, quotient
	Steps  []BatchOpening
}

const (
	roundPre = iota
	roundMain
	roundPerm
	roundQuot
	numInputRounds
)
