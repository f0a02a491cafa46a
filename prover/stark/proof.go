package stark

import "github.com/zkexex/zkexex/prover/hash"

// ProofVersion is the encoding version written at the head of every proof.
const ProofVersion = 3

// ProofOf is a STARK proof for one AIR statement under the hash configuration of D. It carries its
// parameter set; the public values are supplied to Verify separately (they are part of the
// statement, not of the proof).
type ProofOf[D Digest] struct {
	Params        Params
	LogHeights    []int             // per table
	MainRoot      D                 // main traces of all tables
	LogUpPoWNonce uint32            // grinding before the LogUp challenges are drawn
	PermRoot      D                 // LogUp columns (zero when no table has interactions)
	QuotRoot      D                 // quotient chunks
	LogUpSums     []E               // per table, the final value of its running sum (zero without interactions)
	Openings      []TableOpening    // per table
	FRI           FRIProofOf[D]     // low-degree test of the DEEP quotients
	Queries       []QueryProofOf[D] // per FRI query, the committed rows at its index
}

// Proof is a proof in the default (KoalaBear Poseidon2) configuration.
type Proof = ProofOf[hash.Digest]

// BN254Proof is a proof in the BN254 Poseidon2 configuration.
type BN254Proof = ProofOf[hash.BN254Digest]

// TableOpening holds one table's polynomials evaluated at the out-of-domain point ζ ([0]) and at
// ζ·ω, the next row ([1]); one value per base column.
type TableOpening struct {
	Pre, Main, Perm, Quot [2][]E
}

// QueryProofOf opens, at one FRI query position, the rows of every committed matrix, from which
// the verifier recomputes the DEEP quotients that FRI's first round must match.
type QueryProofOf[D Digest] struct {
	Inputs [numInputRounds]BatchOpeningOf[D] // preprocessed, main, LogUp, quotient
}

// QueryProof is a QueryProofOf in the default configuration.
type QueryProof = QueryProofOf[hash.Digest]

const (
	roundPre = iota
	roundMain
	roundPerm
	roundQuot
	numInputRounds
)
