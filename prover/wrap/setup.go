package wrap

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"

	"github.com/consensys/gnark-crypto/ecc"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
	"github.com/consensys/gnark/backend/groth16/bn254/mpcsetup"
	"github.com/consensys/gnark/constraint"
	cs "github.com/consensys/gnark/constraint/bn254"
)

// Groth16 keys come one of two ways:
//
//   - SetupDev: this package's one-party setup (DevSetup, SeededSetup in devsetup.go), whose toxic
//     waste (τ, α, β, γ, δ) is derived from a seed: the project's dev keys all come from the public
//     DevSeed, so the same circuit gives byte-identical keys on every machine, and anyone can
//     recompute τ and forge proofs. These keys are dev mode: marked insecure here (Keys.Kind), in
//     the key cache, and on chain (the Groth16OutputVerifier's isDev flag, which an oracle refuses
//     unless deployed for dev mode).
//   - SetupCeremony: gnark's MPC ceremony (backend/groth16/bn254/mpcsetup): phase 1 (powers of τ,
//     circuit-independent) and phase 2 (circuit-specific) contributions, each verified against its
//     predecessor, then sealed by a public beacon. The keys are sound if one contributor of each
//     phase destroyed its randomness.
//
// The dev setup is our own code rather than gnark's groth16.Setup because gnark draws the toxic
// waste from crypto/rand with no way to inject a source; running the ceremony code from a seed
// instead was measured far too slow for a dev loop (phase 2 spends one scalar multiplication per
// constraint term: it did not finish in eight minutes for the 80k-constraint binding circuit,
// which groth16.Setup sets up in 30 s).

// SetupKind says how a key pair was made.
type SetupKind uint8

const (
	// SetupDev keys come from a public seed: INSECURE.
	SetupDev SetupKind = 1
	// SetupCeremony keys come from a verified MPC ceremony.
	SetupCeremony SetupKind = 2
)

// Insecure reports whether proofs under keys of this kind can be forged by anyone.
func (k SetupKind) Insecure() bool { return k != SetupCeremony }

func (k SetupKind) String() string {
	switch k {
	case SetupDev:
		return "dev (INSECURE)"
	case SetupCeremony:
		return "ceremony"
	}
	return fmt.Sprintf("SetupKind(%d)", uint8(k))
}

var (
	// ErrDevSetup: dev-setup keys offered where dev mode is refused.
	ErrDevSetup = errors.New("wrap: Groth16 keys from a dev setup (insecure) refused: not in dev mode")
	// ErrCeremony: a ceremony contribution or transcript that does not verify or does not parse.
	ErrCeremony = errors.New("wrap: Groth16 ceremony")
	// ErrCircuit: a constraint system this package cannot set up (not a BN254 R1CS).
	ErrCircuit = errors.New("wrap: unsupported constraint system")
)

// CircuitDigest is sha256 of the constraint system's serialization: the identity keys are made
// for and cached under.
type CircuitDigest [32]byte

// Keys is a Groth16 key pair for one circuit.
type Keys struct {
	Kind    SetupKind
	Circuit CircuitDigest
	PK      *groth16bn254.ProvingKey
	VK      *groth16bn254.VerifyingKey
}

// RequireSecure returns ErrDevSetup unless the keys come from a ceremony or dev mode is allowed.
func (k *Keys) RequireSecure(allowDev bool) error {
	if k.Kind.Insecure() && !allowDev {
		return fmt.Errorf("%w (%s keys for circuit %x)", ErrDevSetup, k.Kind, k.Circuit[:8])
	}
	return nil
}

// NbCommitments is the number of Pedersen commitments of the circuit (gnark adds one when a
// gadget uses its lookup or range-check arguments); it fixes the proof's length.
func (k *Keys) NbCommitments() int { return len(k.VK.PublicAndCommitmentCommitted) }

// R1CS returns ccs as a BN254 R1CS.
func R1CS(ccs constraint.ConstraintSystem) (*cs.R1CS, error) {
	r, ok := ccs.(*cs.R1CS)
	if !ok {
		return nil, fmt.Errorf("%w: %T, want a BN254 R1CS (frontend.Compile with r1cs.NewBuilder over ecc.BN254)", ErrCircuit, ccs)
	}
	return r, nil
}

// DigestCircuit returns the circuit's digest.
func DigestCircuit(ccs *cs.R1CS) (CircuitDigest, error) {
	h := sha256.New()
	if _, err := ccs.WriteTo(h); err != nil {
		return CircuitDigest{}, fmt.Errorf("wrap: serializing the constraint system: %w", err)
	}
	var d CircuitDigest
	h.Sum(d[:0])
	return d, nil
}

// domainSize is the FFT domain of the ceremony: the constraints rounded up to a power of two, as
// gnark's own setup sizes it.
func domainSize(ccs *cs.R1CS) uint64 { return ecc.NextPowerOfTwo(uint64(ccs.GetNbConstraints())) }

func keysOf(kind SetupKind, digest CircuitDigest, pk any, vk any) (*Keys, error) {
	p, ok1 := pk.(*groth16bn254.ProvingKey)
	v, ok2 := vk.(*groth16bn254.VerifyingKey)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%w: keys of type %T, %T", ErrCircuit, pk, vk)
	}
	if err := v.Precompute(); err != nil {
		return nil, fmt.Errorf("wrap: verifying key: %w", err)
	}
	return &Keys{Kind: kind, Circuit: digest, PK: p, VK: v}, nil
}

// Ceremony drives gnark's MPC setup for one circuit. A coordinator keeps the transcript (the
// serialized contributions, in order) and hands the latest one to the next contributor; anyone
// can rerun the verification from the transcript alone. Contributions travel as bytes, as they
// would between machines.
//
//	c := NewCeremony(ccs)
//	p1, _ := c.ContributePhase1(nil)   // first contributor
//	p1b, _ := c.ContributePhase1(p1)   // second contributor
//	srs, _ := c.VerifyPhase1([][]byte{p1, p1b}, beacon1)
//	q1, _ := c.ContributePhase2(srs, nil)
//	q2, _ := c.ContributePhase2(srs, q1)
//	keys, _ := c.Finish(srs, [][]byte{q1, q2}, beacon2)
type Ceremony struct {
	ccs *cs.R1CS
	n   uint64
}

// NewCeremony starts a ceremony for ccs.
func NewCeremony(ccs *cs.R1CS) *Ceremony { return &Ceremony{ccs: ccs, n: domainSize(ccs)} }

// ContributePhase1 adds a phase-1 contribution on top of prev (nil for the first contributor) and
// returns it serialized. The contributor's randomness comes from crypto/rand and is discarded.
func (c *Ceremony) ContributePhase1(prev []byte) ([]byte, error) {
	var p mpcsetup.Phase1
	if prev == nil {
		p.Initialize(c.n)
	} else if err := readCeremony(&p, prev); err != nil {
		return nil, err
	}
	p.Contribute()
	return writeCeremony(&p)
}

// VerifyPhase1 checks the phase-1 contributions in order and seals them with beacon (public
// randomness revealed after the last contribution), returning the serialized SRS for phase 2.
func (c *Ceremony) VerifyPhase1(contributions [][]byte, beacon []byte) ([]byte, error) {
	ps := make([]*mpcsetup.Phase1, len(contributions))
	for i, b := range contributions {
		ps[i] = new(mpcsetup.Phase1)
		if err := readCeremony(ps[i], b); err != nil {
			return nil, fmt.Errorf("phase-1 contribution %d: %w", i, err)
		}
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("%w: no phase-1 contribution", ErrCeremony)
	}
	commons, err := mpcsetup.VerifyPhase1(c.n, beacon, ps...)
	if err != nil {
		return nil, fmt.Errorf("%w: phase 1: %w", ErrCeremony, err)
	}
	return writeCeremony(&commons)
}

// ContributePhase2 adds a phase-2 contribution for the ceremony's circuit on top of prev (nil for
// the first contributor), over the sealed phase-1 SRS.
func (c *Ceremony) ContributePhase2(srs, prev []byte) ([]byte, error) {
	var p mpcsetup.Phase2
	if prev == nil {
		var commons mpcsetup.SrsCommons
		if err := readCeremony(&commons, srs); err != nil {
			return nil, fmt.Errorf("phase-1 SRS: %w", err)
		}
		p.Initialize(c.ccs, &commons)
	} else if err := readCeremony(&p, prev); err != nil {
		return nil, err
	}
	p.Contribute()
	return writeCeremony(&p)
}

// Finish checks the phase-2 contributions in order, seals them with beacon and extracts the
// keys.
func (c *Ceremony) Finish(srs []byte, contributions [][]byte, beacon []byte) (*Keys, error) {
	var commons mpcsetup.SrsCommons
	if err := readCeremony(&commons, srs); err != nil {
		return nil, fmt.Errorf("phase-1 SRS: %w", err)
	}
	if len(commons.G1.AlphaTau) != int(c.n) {
		return nil, fmt.Errorf("%w: SRS for domain %d, circuit needs %d", ErrCeremony, len(commons.G1.AlphaTau), c.n)
	}
	if len(contributions) == 0 {
		return nil, fmt.Errorf("%w: no phase-2 contribution", ErrCeremony)
	}
	ps := make([]*mpcsetup.Phase2, len(contributions))
	for i, b := range contributions {
		ps[i] = new(mpcsetup.Phase2)
		if err := readCeremony(ps[i], b); err != nil {
			return nil, fmt.Errorf("phase-2 contribution %d: %w", i, err)
		}
	}
	pk, vk, err := mpcsetup.VerifyPhase2(c.ccs, &commons, beacon, ps...)
	if err != nil {
		return nil, fmt.Errorf("%w: phase 2: %w", ErrCeremony, err)
	}
	digest, err := DigestCircuit(c.ccs)
	if err != nil {
		return nil, err
	}
	return keysOf(SetupCeremony, digest, pk, vk)
}

func writeCeremony(v io.WriterTo) ([]byte, error) {
	var buf bytes.Buffer
	if _, err := v.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("%w: serializing: %w", ErrCeremony, err)
	}
	return buf.Bytes(), nil
}

// readCeremony decodes one ceremony object, which must span all of b. gnark's decoders check
// that points are on the curve and in the subgroup; a panic inside one (on bytes it does not
// expect) comes back as an error too, since a contribution is untrusted input.
func readCeremony(v io.ReaderFrom, b []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: malformed contribution: %v", ErrCeremony, r)
		}
	}()
	n, err := v.ReadFrom(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("%w: malformed contribution: %w", ErrCeremony, err)
	}
	if n != int64(len(b)) {
		return fmt.Errorf("%w: malformed contribution: %d trailing bytes", ErrCeremony, int64(len(b))-n)
	}
	return nil
}
