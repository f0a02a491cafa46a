package recursion

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/prover/rv64"
	"github.com/zkexex/zkexex/prover/stark"
)

// ErrSeal marks a malformed aggregation seal.
var ErrSeal = errors.New("recursion: malformed aggregation seal")

// SealVersion versions the seal encoding.
const SealVersion = 1

var sealMagic = []byte("ZKXAGG")

// MarshalSeal encodes the proof as a succinct receipt's seal: "ZKXAGG", u16 version, the
// program's preprocessed root (32 bytes), the STARK proof. The claim is not in it: the receipt
// carries it.
func (p *Proof) MarshalSeal() ([]byte, error) {
	enc, err := p.Proof.MarshalBinary()
	if err != nil {
		return nil, err
	}
	b := append([]byte(nil), sealMagic...)
	b = binary.LittleEndian.AppendUint16(b, SealVersion)
	r := p.PreRoot.Bytes()
	b = append(b, r[:]...)
	return append(b, enc...), nil
}

// DecodeSeal parses MarshalSeal's output; the claim is left empty.
func DecodeSeal(b []byte) (*Proof, error) {
	head := len(sealMagic) + 2 + hash.DigestBytes
	if len(b) < head || !bytes.HasPrefix(b, sealMagic) {
		return nil, fmt.Errorf("%w: %d bytes", ErrSeal, len(b))
	}
	if v := binary.LittleEndian.Uint16(b[len(sealMagic):]); v != SealVersion {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrSeal, v, SealVersion)
	}
	root, err := hash.DigestFromBytes(b[len(sealMagic)+2 : head])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSeal, err)
	}
	proof, err := stark.DecodeProof(b[head:])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSeal, err)
	}
	return &Proof{PreRoot: root, Proof: proof}, nil
}

// runClaim is the aggregation claim of segments 0..segments-1 of the run c describes.
func runClaim(root hash.Digest, c *receipt.SegmentClaim, segments uint32) []F {
	claim := make([]F, 0, NumClaim)
	claim = append(claim, root[:]...)
	claim = append(claim, feU(KindSegments))
	claim = append(claim, rv64.PublicValues(c)...)
	return append(claim, feU(uint64(segments)-1))
}

// SuccinctVerifier checks succinct receipts' seals against a trusted key set
// (receipt.SuccinctVerifier).
type SuccinctVerifier struct {
	Set    *VKSet
	Config stark.VerifierConfig
}

// NewSuccinctVerifier trusts set and requires stark.DefaultVerifierConfig's security.
func NewSuccinctVerifier(set *VKSet) *SuccinctVerifier {
	return &SuccinctVerifier{Set: set, Config: stark.DefaultVerifierConfig()}
}

// VerifySuccinct implements receipt.SuccinctVerifier.
func (v *SuccinctVerifier) VerifySuccinct(c *receipt.SegmentClaim, segments uint32, seal []byte) error {
	return v.verifySeal(seal, func(root hash.Digest) []F { return runClaim(root, c, segments) })
}

// verifySeal checks that seal, a shrunk aggregation proof, proves the claim claimOf gives for the
// set's root.
func (v *SuccinctVerifier) verifySeal(seal []byte, claimOf func(root hash.Digest) []F) error {
	p, err := DecodeSeal(seal)
	if err != nil {
		return err
	}
	root, err := v.Set.Root()
	if err != nil {
		return err
	}
	p.Claim = claimOf(root)
	return v.Set.VerifyShrunk(p, v.Config)
}

// Succinct makes the succinct receipt of a run from its aggregated, shrunk proof (Shrink of the
// proof of all its segments), the segment claims' first and last, and the journal; the proof's
// claim must be that run's.
func Succinct(p *Proof, first, last *receipt.SegmentClaim, journal []byte) (*receipt.SuccinctReceipt, error) {
	c := *last
	c.Start, c.Index = first.Start, 0
	c.JournalDigest = hash.HashBytes(journal)
	root, err := rootOf(p.Claim)
	if err != nil {
		return nil, err
	}
	want := runClaim(root, &c, last.Index+1)
	for i := range want {
		if !want[i].Equal(&p.Claim[i]) {
			return nil, fmt.Errorf("%w: the proof's claim value %d is not the run's", ErrJoin, i)
		}
	}
	seal, err := p.MarshalSeal()
	if err != nil {
		return nil, err
	}
	return &receipt.SuccinctReceipt{Claim: c, Segments: last.Index + 1, Journal: journal, Seal: seal}, nil
}

func rootOf(claim []F) (hash.Digest, error) {
	var d hash.Digest
	if len(claim) != NumClaim {
		return d, fmt.Errorf("%w: claim of %d values", ErrJoin, len(claim))
	}
	copy(d[:], claim[ClaimVKSet:])
	return d, nil
}

// VerifyRuns checks that seal, a shrunk aggregation proof of runs (Seal, Chain, Shrink), proves that
// len(journals) runs of image, each from the image's state to exit code 0, wrote these journals
// in this order.
func (v *SuccinctVerifier) VerifyRuns(image hash.Digest, journals [][]byte, seal []byte) error {
	if len(journals) == 0 {
		return fmt.Errorf("%w: no runs", ErrJoin)
	}
	j, err := JournalRoot(journals)
	if err != nil {
		return err
	}
	return v.verifySeal(seal, func(root hash.Digest) []F { return runsClaim(root[:], image, j, uint64(len(journals))) })
}
