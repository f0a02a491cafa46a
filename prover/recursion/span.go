package recursion

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/rv64"
	"github.com/zkexex/zkexex/prover/stark"
)

// The span program (the final layer, issue 13) verifies a succinct receipt's seal (a shrunk
// KindRuns proof) together with the journals it commits to, checks that the journals chain into
// one span of blocks, and exposes what an output oracle checks as its public values, in this
// layout. 32-byte words travel as 16 little-endian 16-bit limbs, limb k = w[2k] | w[2k+1]<<8:
// the encoding hash.HashBytes gives the journal, so the program copies limbs and never splits a
// byte.
const (
	// SpanPubKeySet is the root of the verifying-key set the seal was checked against (8 values).
	SpanPubKeySet = 0
	// SpanPubImage is the image ID (8 values, hash.Digest's elements).
	SpanPubImage = SpanPubKeySet + hash.DigestElements
	// SpanPubConfig is the chain-config hash shared by every block of the span (16 limbs).
	SpanPubConfig = SpanPubImage + hash.DigestElements
	// SpanPubPrevOutput is the output root the span starts from: its first block's parent output
	// root (16 limbs).
	SpanPubPrevOutput = SpanPubConfig + WordLimbs
	// SpanPubNewOutput is the output root of the span's last block (16 limbs).
	SpanPubNewOutput = SpanPubPrevOutput + WordLimbs
	// SpanPubBlock is the ABI word of the last block's number (16 limbs; a big-endian uint64 in
	// its last eight bytes, so limbs 0..11 are zero and limb 12+k holds bytes 24+2k, 25+2k).
	SpanPubBlock = SpanPubNewOutput + WordLimbs
	// NumSpanPublic is the number of the span program's public values.
	NumSpanPublic = SpanPubBlock + WordLimbs
)

// WordLimbs is the number of 16-bit limbs of a 32-byte word.
const WordLimbs = 16

// JournalLayout says where the fields of a block's journal (the STF claim's ABI encoding) are:
// the number of 32-byte words and the word index of each field the span program reads.
// derivation builds it from stf's encoding, which this package does not import.
type JournalLayout struct {
	Words                                                              int
	Config, ParentHash, BlockHash, Number, PreState, PostState, Output int
	ParentOutput                                                       int
}

// SpanStatement fixes a span program: the key set whose shrunk seals it verifies, the number of
// blocks in a span and their journals' layout.
type SpanStatement struct {
	Set     *VKSet
	Blocks  int
	Journal JournalLayout
}

// ErrSpan: a span's seal, journals or statement do not fit the span program.
var ErrSpan = errors.New("recursion: span does not fit the span program")

func (s SpanStatement) check() error {
	l := s.Journal
	if s.Set == nil || s.Blocks < 1 || l.Words < 1 {
		return fmt.Errorf("%w: no set, no blocks or no journal words", ErrSpan)
	}
	for _, w := range []int{l.Config, l.ParentHash, l.BlockHash, l.Number, l.PreState, l.PostState, l.Output, l.ParentOutput} {
		if w < 0 || w >= l.Words {
			return fmt.Errorf("%w: journal word %d of %d", ErrSpan, w, l.Words)
		}
	}
	return s.Set.init()
}

// sealShape is the child shape of a succinct receipt's seal (the shrink program's proofs).
func (s *VKSet) sealShape() ChildShape {
	return ChildShape{VK: s.shrink, Params: s.ShrinkParams, LogHeights: s.ShrinkShape, Config: s.Config}
}

// buildSpan records the span program of st: the seal, a shrunk KindRuns proof of st.Blocks runs
// under the set's shrink key, verifies; the journals in the witness are the runs' (their
// JournalRoot is the claim's journal digest); they chain as derivation.ChainClaims requires (one
// config; each block's parent hash, pre-state and parent output root are the previous block's
// hash, post-state and output root, and its number the previous one's plus one, modulo 2^64 as
// Go's uint64); and the public values (SpanPub*) are the set, the image, the config, the span's
// first parent output root, its last output root and its last block number.
func buildSpan(st SpanStatement) (*Builder, error) {
	if err := st.check(); err != nil {
		return nil, err
	}
	b := NewBuilder()
	pub := make([]Felt, NumSpanPublic)
	for i := range pub {
		pub[i] = b.Public(i)
	}
	c, key := b.verifyWitnessedChild(st.Set.sealShape())
	for j := range key {
		b.AssertEq(key[j], b.Const(st.Set.ShrinkKey[j]))
	}
	b.spanOf(st, pub, c)
	return b, b.err
}

// spanOf records what the span program asks of the seal's claim c: a claim of st.Blocks runs
// whose journals, read from the witness, chain; and it binds the public values pub.
func (b *Builder) spanOf(st SpanStatement, pub, c []Felt) {
	zero := b.Const(F{})
	b.AssertEq(c[ClaimKind], b.Const(feU(KindRuns)))
	b.AssertEq(c[ClaimLast], b.Const(feU(uint64(st.Blocks))))
	for j := range hash.DigestElements {
		b.AssertEq(pub[SpanPubKeySet+j], c[ClaimVKSet+j])
		b.AssertEq(pub[SpanPubImage+j], c[ClaimSegment+rv64.PubImageID+j])
	}

	l := st.Journal
	size := uint64(l.Words * 32)
	journals := make([][]Felt, st.Blocks)
	digests := make([]Digest, st.Blocks)
	for i := range journals {
		journals[i] = make([]Felt, l.Words*WordLimbs)
		for k := range journals[i] {
			journals[i][k] = b.Witness()
		}
		digests[i] = b.HashBytes(size, journals[i])
	}
	root, _ := reducePairs(digests, func(x, y Digest) (Digest, error) { return b.Compress(x, y), nil }, 1)
	for j := range root {
		b.AssertEq(root[j], c[ClaimSegment+rv64.PubJournal+j])
	}

	word := func(i, w int) []Felt { return journals[i][w*WordLimbs : (w+1)*WordLimbs] }
	eq := func(x, y []Felt) {
		for k := range x {
			b.AssertEq(x[k], y[k])
		}
	}
	number := make([][4]chunk16, st.Blocks)
	for i := range journals {
		n := word(i, l.Number)
		for k := range WordLimbs - 4 {
			b.AssertEq(n[k], zero) // a uint64 ABI word
		}
		number[i] = b.numberChunks(n[WordLimbs-4:])
		if i == 0 {
			continue
		}
		eq(word(i, l.Config), word(i-1, l.Config))
		eq(word(i, l.ParentHash), word(i-1, l.BlockHash))
		eq(word(i, l.PreState), word(i-1, l.PostState))
		eq(word(i, l.ParentOutput), word(i-1, l.Output))
		b.assertSuccessor(number[i-1], number[i])
	}
	last := st.Blocks - 1
	eq(pub[SpanPubConfig:SpanPubConfig+WordLimbs], word(0, l.Config))
	eq(pub[SpanPubPrevOutput:SpanPubPrevOutput+WordLimbs], word(0, l.ParentOutput))
	eq(pub[SpanPubNewOutput:SpanPubNewOutput+WordLimbs], word(last, l.Output))
	eq(pub[SpanPubBlock:SpanPubBlock+WordLimbs], word(last, l.Number))
}

// chunk16 is a 16-bit chunk of a block number and whether all its bits are one.
type chunk16 struct{ v, full Felt }

// numberChunks turns the last four limbs of a big-endian uint64 ABI word into the number's four
// 16-bit chunks, most significant first. A limb holds bytes (2k, 2k+1) little-endian, so chunk k
// is the limb with its bytes swapped; the bit decomposition that swaps them also range-checks
// the limb to 16 bits.
func (b *Builder) numberChunks(limbs []Felt) [4]chunk16 {
	var out [4]chunk16
	zero, one := b.Const(F{}), b.Const(feU(1))
	for k, limb := range limbs {
		bits := b.Bits(limb)
		for _, bit := range bits[16:] {
			b.AssertEq(bit, zero)
		}
		v, full := zero, one
		// Most significant bit first: the low byte's bits, then the high byte's.
		for _, i := range []int{7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8} {
			v = b.Add(b.Add(v, v), bits[i])
			full = b.Mul(full, bits[i])
		}
		out[k] = chunk16{v, full}
	}
	return out
}

// assertSuccessor asserts next = prev + 1 modulo 2^64 over the chunks (most significant
// first): the carry into chunk k is one exactly when every less significant chunk of prev is
// 0xffff. Every value is below 2^17, so the field equations are integer ones.
func (b *Builder) assertSuccessor(prev, next [4]chunk16) {
	carry := b.Const(feU(1))
	wrap := b.Const(feU(1 << 16))
	for k := 3; k >= 0; k-- {
		out := b.Mul(carry, prev[k].full)
		b.AssertEq(next[k].v, b.Sub(b.Add(prev[k].v, carry), b.Mul(wrap, out)))
		carry = out
	}
}

// WordLimbsOf returns the 16-bit little-endian limbs of b (len(b) even), limb k = b[2k] |
// b[2k+1]<<8: how the span program holds journal bytes.
func WordLimbsOf(b []byte) []F {
	out := make([]F, len(b)/2)
	for k := range out {
		out[k] = feU(uint64(b[2*k]) | uint64(b[2*k+1])<<8)
	}
	return out
}

// SpanPublic returns the span program's public values for a span of journals proven under the
// key set root and image (the layout of SpanPub*). It does not check the chain: the program does.
func SpanPublic(l JournalLayout, root, image hash.Digest, journals [][]byte) ([]F, error) {
	if err := checkJournals(l, journals); err != nil {
		return nil, err
	}
	word := func(j []byte, w int) []F { return WordLimbsOf(j[32*w : 32*(w+1)]) }
	first, last := journals[0], journals[len(journals)-1]
	pub := make([]F, 0, NumSpanPublic)
	pub = append(pub, root[:]...)
	pub = append(pub, image[:]...)
	pub = append(pub, word(first, l.Config)...)
	pub = append(pub, word(first, l.ParentOutput)...)
	pub = append(pub, word(last, l.Output)...)
	return append(pub, word(last, l.Number)...), nil
}

func checkJournals(l JournalLayout, journals [][]byte) error {
	if len(journals) == 0 {
		return fmt.Errorf("%w: no journals", ErrSpan)
	}
	for i, j := range journals {
		if len(j) != 32*l.Words {
			return fmt.Errorf("%w: journal %d is %d bytes, want %d", ErrSpan, i, len(j), 32*l.Words)
		}
	}
	return nil
}

// FinalLayer proves span programs in the BN254 configuration (Poseidon2 over BN254 for the
// commitments and the transcript): the last STARK layer, the statement the Groth16 wrap
// verifies. One FinalLayer serves one SpanStatement.
type FinalLayer struct {
	st     SpanStatement
	prog   *Program
	pk     *stark.ProvingKeyOf[hash.BN254Digest]
	params stark.Params
	// Config is the policy Prove checks the seal with before proving (the program enforces the
	// set's Config, which is part of its key); stark.DefaultVerifierConfig by default.
	Config stark.VerifierConfig
}

// NewFinalLayer compiles st's span program (each table as short as it allows) and sets it up at
// params in the BN254 configuration.
func NewFinalLayer(st SpanStatement, params stark.Params) (*FinalLayer, error) {
	b, err := buildSpan(st)
	if err != nil {
		return nil, err
	}
	prog, err := b.Compile()
	if err != nil {
		return nil, err
	}
	air, err := prog.AIR(AIRName)
	if err != nil {
		return nil, err
	}
	pk, err := stark.SetupFor[hash.BN254Digest](air, params)
	if err != nil {
		return nil, err
	}
	return &FinalLayer{st: st, prog: prog, pk: pk, params: params, Config: stark.DefaultVerifierConfig()}, nil
}

// VerifyingKey is the span program's key: what the Groth16 circuit is specialised to.
func (f *FinalLayer) VerifyingKey() *stark.VerifyingKeyOf[hash.BN254Digest] {
	return f.pk.VerifyingKey()
}

// Public is the public values a proof of image's span with these journals has (SpanPublic under
// the statement's key set), without proving anything.
func (f *FinalLayer) Public(image hash.Digest, journals [][]byte) ([]F, error) {
	root, err := f.st.Set.Root()
	if err != nil {
		return nil, err
	}
	return SpanPublic(f.st.Journal, root, image, journals)
}

// Params is the parameter set of the final layer's proofs.
func (f *FinalLayer) Params() stark.Params { return f.params }

// Statement is the span statement the layer proves.
func (f *FinalLayer) Statement() SpanStatement { return f.st }

// Shape is the span program's table heights (log2 rows).
func (f *FinalLayer) Shape() Shape { return f.prog.Shape() }

// SpanProof is a final-layer proof and its public values (SpanPub*).
type SpanProof struct {
	Public []F
	Proof  *stark.ProofOf[hash.BN254Digest]
}

// Prove proves that seal, a succinct span seal under the statement's key set, proves runs of
// image that wrote journals (one per block, in order), and that the journals chain into one span.
// The seal is checked natively first; a span that does not chain fails in the program
// (ErrAssertion).
func (f *FinalLayer) Prove(ctx context.Context, image hash.Digest, seal []byte, journals [][]byte) (*SpanProof, error) {
	set := f.st.Set
	if len(journals) != f.st.Blocks {
		return nil, fmt.Errorf("%w: %d journals, the program proves spans of %d blocks", ErrSpan, len(journals), f.st.Blocks)
	}
	if err := (&SuccinctVerifier{Set: set, Config: f.Config}).VerifyRuns(image, journals, seal); err != nil {
		return nil, err
	}
	public, w, err := f.witness(image, seal, journals)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	traces, err := f.prog.Execute(public, w)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSpan, err)
	}
	proof, err := stark.Prove(ctx, f.pk, traces, public)
	if err != nil {
		return nil, err
	}
	record(ctx, ProgramSpan, time.Since(start))
	return &SpanProof{Public: public, Proof: proof}, nil
}

// witness returns the span program's public values and witness for a seal and its journals.
func (f *FinalLayer) witness(image hash.Digest, seal []byte, journals [][]byte) ([]F, []E, error) {
	set := f.st.Set
	p, err := DecodeSeal(seal)
	if err != nil {
		return nil, nil, err
	}
	root, err := set.Root()
	if err != nil {
		return nil, nil, err
	}
	jroot, err := JournalRoot(journals)
	if err != nil {
		return nil, nil, err
	}
	public, err := SpanPublic(f.st.Journal, root, image, journals)
	if err != nil {
		return nil, nil, err
	}
	w := liftAll(runsClaim(root[:], image, jroot, uint64(len(journals))))
	w = append(w, liftAll(p.PreRoot[:])...)
	pw, err := ProofWitness(set.sealShape(), p.Proof)
	if err != nil {
		return nil, nil, err
	}
	return public, append(append(w, pw...), journalWitness(journals)...), nil
}

// journalWitness is the journals' limbs, in the span program's witness order.
func journalWitness(journals [][]byte) []E {
	var w []E
	for _, j := range journals {
		w = append(w, liftAll(WordLimbsOf(j))...)
	}
	return w
}

func liftAll(vs []F) []E {
	out := make([]E, len(vs))
	for i, v := range vs {
		out[i] = Lift(v)
	}
	return out
}

// Verify checks a final-layer proof natively with cfg.
func (f *FinalLayer) Verify(p *SpanProof, cfg stark.VerifierConfig) error {
	if p == nil || p.Proof == nil || len(p.Public) != NumSpanPublic {
		return fmt.Errorf("%w: malformed span proof", stark.ErrInvalidProof)
	}
	return stark.Verify(f.VerifyingKey(), p.Proof, p.Public, cfg)
}
