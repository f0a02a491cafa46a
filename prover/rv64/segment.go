package rv64

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/p2air"
	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
)

// The segment AIR: every table above in one statement, proved from a segment record and checked
// against a receipt.SegmentClaim through the public values.

// segmentTables lists the segment AIR's tables in the order generate fills them.
func segmentTables() ([]*stark.Table, error) {
	p16, err := p2air.Table("p2_16", 16, BusP16)
	if err != nil {
		return nil, err
	}
	p24, err := p2air.Table("p2_24", 24, BusP24)
	if err != nil {
		return nil, err
	}
	ts := []*stark.Table{newCPUTable(nil), newModeTable(nil), newDecodeTable(nil), classTable()}
	ts = append(ts, MemoryTables()...)
	ts = append(ts, systemTables(nil)...)
	ts = append(ts, JournalTable())
	ts = append(ts, pagingTables(nil)...)
	ts = append(ts, p16, p24)
	ts = append(ts, aluChips(nil)...)
	return append(ts, lookupTables()...), nil
}

// cpuTableIndex is the CPU table's place in segmentTables: its height bounds the segment's cycles.
const cpuTableIndex = 0

// SegmentAIR is the statement every segment proof is of; it does not depend on the program, the
// segment or its size (table heights are part of each proof).
var SegmentAIR = sync.OnceValues(func() (*stark.AIR, error) {
	ts, err := segmentTables()
	if err != nil {
		return nil, err
	}
	return stark.NewAIR("zkexex/rv64/segment/v1", NumPublic, ts...)
})

// keys caches the proving key per parameter set (Setup commits the preprocessed tables).
var keys sync.Map // stark.Params -> *stark.ProvingKey

// ProvingKey returns the segment AIR's proving key for params.
func ProvingKey(params stark.Params) (*stark.ProvingKey, error) {
	if pk, ok := keys.Load(params); ok {
		return pk.(*stark.ProvingKey), nil
	}
	air, err := SegmentAIR()
	if err != nil {
		return nil, err
	}
	pk, err := stark.Setup(air, params)
	if err != nil {
		return nil, err
	}
	keys.Store(params, pk)
	return pk, nil
}

// claimPublic writes the public values a claim fixes outside the system tables.
func claimPublic(pub []stark.F, image hash.Digest, start, end vm.State, po2 uint8, index uint32) {
	copy(pub[PubImageID:PubImageID+8], image[:])
	setPC := func(at int, pc uint64) {
		for k, l := range addrLimbs(pc) {
			pub[at+k].SetUint64(l)
		}
	}
	setPC(PubStartPC, start.PC)
	copy(pub[PubStartRoot:PubStartRoot+8], start.Root[:])
	setPC(PubEndPC, end.PC)
	copy(pub[PubEndRoot:PubEndRoot+8], end.Root[:])
	pub[PubPo2].SetUint64(uint64(po2))
	pub[PubIndex].SetUint64(uint64(index))
}

// PublicValues are the segment proof's public values for a claim.
func PublicValues(c *receipt.SegmentClaim) []stark.F {
	pub := make([]stark.F, NumPublic)
	claimPublic(pub, c.ImageID, c.Start, c.End, c.Po2, c.Index)
	pub[PubHalted].SetUint64(b2u(c.Halted))
	pub[PubExitCode].SetUint64(uint64(c.ExitCode))
	copy(pub[PubJournal:PubJournal+8], c.JournalDigest[:])
	return pub
}

// ErrClaim marks a segment proof whose public values are not its claim's.
var ErrClaim = errors.New("rv64: proof does not match the claim")

// Prove proves one segment and returns its receipt. The segment is re-executed from its record;
// a record the executor did not produce fails here, before any proving.
func Prove(ctx context.Context, seg *vm.Segment, params stark.Params) (*receipt.SegmentReceipt, error) {
	w, err := generate(ctx, seg)
	if err != nil {
		return nil, err
	}
	return proveWitness(ctx, seg, params, w)
}

// proveWitness proves seg's generated witness w, at whatever table heights w has.
func proveWitness(ctx context.Context, seg *vm.Segment, params stark.Params, w *witness) (*receipt.SegmentReceipt, error) {
	pk, err := ProvingKey(params)
	if err != nil {
		return nil, err
	}
	claim := receipt.ClaimOf(seg)
	want := PublicValues(&claim)
	for i := range want {
		if !want[i].Equal(&w.public[i]) {
			return nil, fmt.Errorf("%w: public value %d of the trace differs from the record's claim", ErrClaim, i)
		}
	}
	proof, err := stark.Prove(ctx, pk, w.traces, w.public)
	if err != nil {
		return nil, err
	}
	seal, err := proof.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return &receipt.SegmentReceipt{Claim: claim, Seal: seal}, nil
}

// Verifier checks segment seals: a STARK proof of the segment AIR, at the verifier config's
// security, whose public values are the claim's and whose CPU table fits the claimed po2.
type Verifier struct {
	Config stark.VerifierConfig
}

// NewVerifier requires stark.DefaultVerifierConfig's security.
func NewVerifier() *Verifier { return &Verifier{Config: stark.DefaultVerifierConfig()} }

// VerifySeal implements receipt.SealVerifier.
func (v *Verifier) VerifySeal(c *receipt.SegmentClaim, seal []byte) error {
	proof, err := stark.DecodeProof(seal)
	if err != nil {
		return err
	}
	// The key depends on the parameters only through the blowup, which stark.Verify checks
	// against the proof's: one key serves every parameter set of DefaultParams' blowup, and a
	// proof cannot make the verifier set up keys of its choosing.
	pk, err := ProvingKey(stark.DefaultParams())
	if err != nil {
		return err
	}
	if c.Po2 < vm.MinPo2 || c.Po2 > vm.MaxPo2 {
		return fmt.Errorf("%w: po2 %d", ErrClaim, c.Po2)
	}
	// The CPU table has one row per cycle: a taller table would prove a longer segment than the
	// claim's po2, and past 2^22 rows the memory argument's timestamp bound fails.
	if len(proof.LogHeights) <= cpuTableIndex || proof.LogHeights[cpuTableIndex] > int(c.Po2) {
		return fmt.Errorf("%w: CPU table taller than 2^%d rows", ErrClaim, c.Po2)
	}
	return stark.Verify(pk.VerifyingKey(), proof, PublicValues(c), v.Config)
}
