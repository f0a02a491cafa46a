package wrap

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/consensys/gnark-crypto/ecc"
	cs "github.com/consensys/gnark/constraint/bn254"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/ethereum/go-ethereum/log"
	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/prover/recursion"
	"github.com/zkexex/zkexex/prover/stark"
)

// SpanCircuit is the wrap circuit: a final-layer proof (recursion.FinalLayer's, the span
// program proven in the BN254 configuration) verifies under the span program's key, and its
// public values bind the two public inputs (ClaimBinder): the key-set root and the digest of what
// the oracle checks. Shape (the span program's key, FinalLayerParams, its table heights) is a
// constant of the circuit; the proof is the witness.
type SpanCircuit struct {
	KeySetRoot  frontend.Variable `gnark:",public"`
	ClaimDigest frontend.Variable `gnark:",public"`
	Proof       *ProofVar

	shape Shape
}

// NewSpanCircuit allocates the circuit for final-layer proofs of shape s.
func NewSpanCircuit(s Shape) (*SpanCircuit, error) {
	p, err := NewProofVar(s)
	if err != nil {
		return nil, err
	}
	return &SpanCircuit{Proof: p, shape: s}, nil
}

// Define implements frontend.Circuit.
func (c *SpanCircuit) Define(api frontend.API) error {
	pub, err := VerifyStark(api, c.shape, c.Proof)
	if err != nil {
		return err
	}
	b, err := NewClaimBinder(api)
	if err != nil {
		return err
	}
	keySet, digest, err := b.Bind(pub)
	if err != nil {
		return err
	}
	api.AssertIsEqual(keySet, c.KeySetRoot)
	api.AssertIsEqual(digest, c.ClaimDigest)
	return nil
}

// AssignSpan is the circuit's full witness for a final-layer proof of shape s.
func AssignSpan(s Shape, p *recursion.SpanProof) (*SpanCircuit, error) {
	if p == nil {
		return nil, fmt.Errorf("%w: no span proof", ErrShape)
	}
	st, err := DecodeSpanPublic(p.Public)
	if err != nil {
		return nil, err
	}
	pv, err := AssignProof(s, p.Proof, p.Public)
	if err != nil {
		return nil, err
	}
	in := st.PublicInputs()
	return &SpanCircuit{KeySetRoot: in[0], ClaimDigest: in[1], Proof: pv}, nil
}

// Wrapper turns succinct span seals into Groth16 span receipts: the final layer (the span
// program in BN254) and then the wrap circuit under Groth16 keys. It is built once per final
// layer: compiling the circuit takes a minute and the keys are large.
//
// A wrapper from NewWrapper holds the circuit and the proving key; one from OpenWrapper holds the
// verifying key only and compiles the circuit and loads the proving key from the cache for each
// wrap: they are about 4 GB live for the production circuit, which a node would otherwise hold
// through every block's segment proving (and the garbage collector's target doubles it) for a
// wrap every few blocks, at a cost of about a minute a wrap.
type Wrapper struct {
	final *recursion.FinalLayer
	shape Shape
	// keys has PK only while it is resident (ccs set); open loads both otherwise.
	ccs  *cs.R1CS
	keys *Keys
	open func() (*cs.R1CS, *Keys, error)
}

// ErrWrap marks a span the wrapper cannot wrap (keys for another circuit, a claim the span does
// not prove).
var ErrWrap = errors.New("wrap: cannot wrap the span")

// CompileSpan compiles the wrap circuit for final's proofs, enforcing cfg on them (nil:
// stark.DefaultVerifierConfig; tests on insecure parameters lower it).
func CompileSpan(final *recursion.FinalLayer, cfg *stark.VerifierConfig) (Shape, *cs.R1CS, error) {
	s := Shape{VK: final.VerifyingKey(), Params: final.Params(), LogHeights: final.Shape(), Config: cfg}
	c, err := NewSpanCircuit(s)
	if err != nil {
		return s, nil, err
	}
	start := time.Now()
	ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, c)
	if err != nil {
		return s, nil, fmt.Errorf("wrap: compiling the span circuit: %w", err)
	}
	r, err := R1CS(ccs)
	if err != nil {
		return s, nil, err
	}
	log.Info("Compiled the wrap circuit", "constraints", r.GetNbConstraints(), "took", time.Since(start).Round(time.Millisecond))
	return s, r, nil
}

// CompileFinal builds the production wrap for st's spans: the final layer at
// stark.FinalLayerParams and the span circuit for its proofs at the default verifier policy.
// For the production key set it takes minutes and a few GB.
func CompileFinal(st recursion.SpanStatement) (*recursion.FinalLayer, Shape, *cs.R1CS, error) {
	final, err := recursion.NewFinalLayer(st, stark.FinalLayerParams())
	if err != nil {
		return nil, Shape{}, nil, err
	}
	shape, ccs, err := CompileSpan(final, nil)
	if err != nil {
		return nil, Shape{}, nil, err
	}
	return final, shape, ccs, nil
}

// OpenWrapper is the production wrapper for st's spans (CompileFinal) under keys from cache:
// the ceremony's when the cache holds them; otherwise, with allowDev, the INSECURE dev keys, made
// and cached on a miss (minutes for the production circuit); otherwise ErrKeyCacheMiss.
func OpenWrapper(st recursion.SpanStatement, cache KeyCache, allowDev bool) (*Wrapper, error) {
	final, shape, ccs, err := CompileFinal(st)
	if err != nil {
		return nil, err
	}
	digest, err := DigestCircuit(ccs)
	if err != nil {
		return nil, err
	}
	keys, err := cache.Load(digest, SetupCeremony)
	if errors.Is(err, ErrKeyCacheMiss) && allowDev {
		log.Warn("No ceremony keys for the wrap circuit: using INSECURE dev keys, loaded from the cache or set up now (minutes for the production circuit)",
			"circuit", fmt.Sprintf("%x", digest[:8]), "constraints", ccs.GetNbConstraints(), "cache", cache.Dir)
		start := time.Now()
		keys, err = cache.DevKeys(ccs)
		if err == nil {
			log.Info("Groth16 dev keys ready", "took", time.Since(start).Round(time.Millisecond))
		}
	}
	if err != nil {
		return nil, err
	}
	kind := keys.Kind
	w := &Wrapper{final: final, shape: shape, keys: &Keys{Kind: kind, Circuit: digest, VK: keys.VK}}
	// The closure must not capture keys or ccs: they would stay live.
	w.open = func() (*cs.R1CS, *Keys, error) {
		_, ccs, err := CompileSpan(final, nil)
		if err != nil {
			return nil, nil, err
		}
		if d, err := DigestCircuit(ccs); err != nil || d != digest {
			return nil, nil, fmt.Errorf("%w: the circuit compiled again is %x, not %x (%v)", ErrWrap, d[:8], digest[:8], err)
		}
		loaded, err := cache.Load(digest, kind)
		if err != nil {
			return nil, nil, err
		}
		// The verifier on chain holds the key the wrapper was opened with.
		if loaded.VK.IsDifferent(w.keys.VK) {
			return nil, nil, fmt.Errorf("%w: the cached %s keys of circuit %x changed since the wrapper was opened", ErrWrap, kind, digest[:8])
		}
		return ccs, loaded, nil
	}
	return w, nil
}

// NewWrapper wraps final's proofs with keys, which must be the keys of the circuit CompileSpan
// gives for final (ccs, compiled from it).
func NewWrapper(final *recursion.FinalLayer, shape Shape, ccs *cs.R1CS, keys *Keys) (*Wrapper, error) {
	d, err := DigestCircuit(ccs)
	if err != nil {
		return nil, err
	}
	if keys.Circuit != d {
		return nil, fmt.Errorf("%w: keys are for circuit %x, this one is %x", ErrWrap, keys.Circuit, d)
	}
	return &Wrapper{final: final, shape: shape, ccs: ccs, keys: keys}, nil
}

// Keys are the Groth16 keys the wrapper proves under; PK is nil unless the wrapper holds it
// (NewWrapper), but the verifying key and the kind are always there.
func (w *Wrapper) Keys() *Keys { return w.keys }

// Blocks is the number of blocks in the spans the wrapper wraps: the circuit is specialised to it.
func (w *Wrapper) Blocks() int { return w.final.Statement().Blocks }

// KeySetRoot is the root of the recursion key set whose succinct seals the wrapper wraps: the
// circuit's first public input (KeySetInput), which the on-chain verifier holds.
func (w *Wrapper) KeySetRoot() (hash.Digest, error) { return w.final.Statement().Set.Root() }

// Verifier checks the wrapper's receipts as the on-chain verifier does; dev keys are accepted
// (a prover checks its own receipts; the chain decides whether it takes dev proofs).
func (w *Wrapper) Verifier() (*SealVerifier, error) {
	root, err := w.KeySetRoot()
	if err != nil {
		return nil, err
	}
	return NewSealVerifier(w.keys, root, true)
}

// Wrap proves that the succinct seal of a span (its journals, one per block) proves claim, in
// a Groth16 span receipt: the final layer, then the circuit. The journals' statement must be
// claim's on-chain part (image, config, output roots, end block: ErrWrap otherwise, before any
// proving); the final layer checks the seal and that the journals chain.
func (w *Wrapper) Wrap(ctx context.Context, claim receipt.SpanClaim, seal []byte, journals [][]byte) (*receipt.Receipt, error) {
	image, err := hash.DigestFromBytes(claim.ImageID[:])
	if err != nil {
		return nil, fmt.Errorf("%w: image ID: %w", ErrWrap, err)
	}
	pub, err := w.final.Public(image, journals)
	if err != nil {
		return nil, err
	}
	st, err := DecodeSpanPublic(pub)
	if err != nil {
		return nil, err
	}
	if st.ClaimDigest() != ClaimDigest(claim.ImageID, claim.ConfigHash, claim.StartOutputRoot, claim.EndOutputRoot, claim.EndBlock) {
		return nil, fmt.Errorf("%w: the journals chain into another claim (end block %d, want %d)", ErrWrap, st.L2BlockNumber, claim.EndBlock)
	}
	start := time.Now()
	sp, err := w.final.Prove(ctx, image, seal, journals)
	if err != nil {
		return nil, err
	}
	final := time.Since(start)
	a, err := AssignSpan(w.shape, sp)
	if err != nil {
		return nil, err
	}
	start = time.Now()
	ccs, keys := w.ccs, w.keys
	if ccs == nil {
		if ccs, keys, err = w.open(); err != nil {
			return nil, err
		}
	}
	loaded := time.Since(start)
	start = time.Now()
	proof, err := Prove(keys, ccs, a)
	if err != nil {
		return nil, err
	}
	log.Info("Wrapped a span", "blocks", len(journals), "final", final.Round(time.Millisecond), "load", loaded.Round(time.Millisecond),
		"groth16", time.Since(start).Round(time.Millisecond))
	return NewSpanReceipt(claim, keys, proof)
}
