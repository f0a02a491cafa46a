package wrap

import (
	"errors"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fp"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
	"github.com/consensys/gnark/backend/solidity"
	cs "github.com/consensys/gnark/constraint/bn254"
	"github.com/consensys/gnark/frontend"
)

// The on-chain proof encoding is gnark's MarshalSolidity layout, which the exported verifier's
// verifyProof(bytes proof, uint256[2] input) reads, every value a 32-byte big-endian word:
//
//	A.x | A.y | B.x.a1 | B.x.a0 | B.y.a1 | B.y.a0 | C.x | C.y            (256 bytes)
//	[ D_1.x | D_1.y | ... | D_m.x | D_m.y | PoK.x | PoK.y ]               (m commitments)
//
// with the commitment part present only when the circuit has commitments (m = 1 for the wrap
// and binding circuits, whose range checks and byte lookups commit: 384 bytes). The commitment's
// challenge is hashed to the field with keccak256, as the Solidity verifier does.

// proofBaseBytes is the length of (A, B, C).
const proofBaseBytes = 8 * fp.Bytes

var (
	// ErrProofEncoding: proof bytes that do not decode (length, coordinate, point).
	ErrProofEncoding = errors.New("wrap: malformed Groth16 proof bytes")
	// ErrProofInvalid: a well-formed proof that does not verify for the public inputs.
	ErrProofInvalid = errors.New("wrap: Groth16 proof does not verify")
)

// ProofBytes is the length of an encoded proof for a circuit with nbCommitments commitments.
func ProofBytes(nbCommitments int) int {
	if nbCommitments == 0 {
		return proofBaseBytes
	}
	return proofBaseBytes + 2*fp.Bytes*(nbCommitments+1)
}

// EncodeProof returns the on-chain encoding of p.
func EncodeProof(p *groth16bn254.Proof) []byte { return p.MarshalSolidity() }

// DecodeProof parses the on-chain encoding for a circuit with nbCommitments commitments. Every
// coordinate must be canonical (below the base-field modulus) and every point on its curve and in
// its prime-order subgroup; (0, 0) is the point at infinity, as for the EVM's precompiles.
func DecodeProof(b []byte, nbCommitments int) (*groth16bn254.Proof, error) {
	if nbCommitments < 0 || len(b) != ProofBytes(nbCommitments) {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrProofEncoding, len(b), ProofBytes(max(nbCommitments, 0)))
	}
	var p groth16bn254.Proof
	r := proofReader{b: b}
	r.g1(&p.Ar, "A")
	r.g2(&p.Bs, "B")
	r.g1(&p.Krs, "C")
	if nbCommitments > 0 {
		p.Commitments = make([]bn254.G1Affine, nbCommitments)
		for i := range p.Commitments {
			r.g1(&p.Commitments[i], fmt.Sprintf("commitment %d", i))
		}
		r.g1(&p.CommitmentPok, "commitment proof of knowledge")
	}
	if r.err != nil {
		return nil, r.err
	}
	return &p, nil
}

type proofReader struct {
	b   []byte
	err error
}

func (r *proofReader) fp(what string) fp.Element {
	var e fp.Element
	if r.err != nil {
		return e
	}
	var err error
	if e, err = fp.BigEndian.Element((*[fp.Bytes]byte)(r.b[:fp.Bytes])); err != nil {
		r.err = fmt.Errorf("%w: %s: coordinate not below the field modulus", ErrProofEncoding, what)
	}
	r.b = r.b[fp.Bytes:]
	return e
}

func (r *proofReader) g1(p *bn254.G1Affine, what string) {
	p.X, p.Y = r.fp(what), r.fp(what)
	if r.err == nil && !p.IsInfinity() && !(p.IsOnCurve() && p.IsInSubGroup()) {
		r.err = fmt.Errorf("%w: %s is not a point of G1", ErrProofEncoding, what)
	}
}

func (r *proofReader) g2(p *bn254.G2Affine, what string) {
	p.X.A1, p.X.A0, p.Y.A1, p.Y.A0 = r.fp(what), r.fp(what), r.fp(what), r.fp(what)
	if r.err == nil && !p.IsInfinity() && !(p.IsOnCurve() && p.IsInSubGroup()) {
		r.err = fmt.Errorf("%w: %s is not a point of G2", ErrProofEncoding, what)
	}
}

// Prove proves assignment (a full witness of the circuit ccs was compiled from) under keys, with
// the commitment hashed as the Solidity verifier expects.
func Prove(keys *Keys, ccs *cs.R1CS, assignment frontend.Circuit) (*groth16bn254.Proof, error) {
	w, err := frontend.NewWitness(assignment, fr.Modulus())
	if err != nil {
		return nil, fmt.Errorf("wrap: witness: %w", err)
	}
	proof, err := groth16bn254.Prove(ccs, keys.PK, w, solidity.WithProverTargetSolidityVerifier(backend.GROTH16))
	if err != nil {
		return nil, fmt.Errorf("wrap: Groth16 prove: %w", err)
	}
	return proof, nil
}

// Verify checks an encoded proof against the two public inputs with gnark's native verifier,
// as the on-chain verifier would.
func Verify(keys *Keys, proof []byte, public [NumPublicInputs]fr.Element) error {
	p, err := DecodeProof(proof, keys.NbCommitments())
	if err != nil {
		return err
	}
	if err := groth16bn254.Verify(p, keys.VK, fr.Vector(public[:]), solidity.WithVerifierTargetSolidityVerifier(backend.GROTH16)); err != nil {
		return fmt.Errorf("%w: %w", ErrProofInvalid, err)
	}
	return nil
}
