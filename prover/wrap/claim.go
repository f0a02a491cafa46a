package wrap

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/constraint/solver"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/std/hash/sha2"
	"github.com/consensys/gnark/std/math/uints"
	"github.com/consensys/gnark/std/rangecheck"
	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/recursion"
)

// The Groth16 statement. The wrap circuit has two public inputs, in this order:
//
//  1. keySetRoot: hash.PackBN254 of the verifying-key set's root (Σ root_i·2^(31·i));
//  2. claimDigest: sha256(abi.encode(bytes32 imageId, bytes32 configHash, bytes32 prevOutputRoot,
//     bytes32 newOutputRoot, uint256 l2BlockNumber)) read as a big-endian integer with its top
//     three bits cleared, so that it is below 2^253 < r (SP1 masks its committed-values digest the
//     same way). imageId's word is hash.Digest.Bytes().
//
// The on-chain verifier holds (1) and recomputes (2) from its verify() arguments, so a proof binds
// exactly the proposal the oracle checks; contracts/src/Groth16OutputVerifier.sol mirrors
// ClaimDigest. sha256 rather than keccak256 because the EVM has it as a precompile and gnark has a
// maintained gadget for it, while a keccak gadget costs several times more constraints.
const (
	// NumPublicInputs is the number of the wrap circuit's public inputs.
	NumPublicInputs = 2
	// PublicKeySetRoot and PublicClaimDigest index the public inputs.
	PublicKeySetRoot  = 0
	PublicClaimDigest = 1

	// ClaimPreimageBytes is the length of the hashed encoding: five ABI words.
	ClaimPreimageBytes = 5 * 32
	// claimMaskBits is how many top bits of the sha256 output are cleared.
	claimMaskBits = 3
)

// koalaBearModulus is p = 2^31 - 2^24 + 1; a canonical value v < p has top seven bits (v >> 24)
// at most 0x7f, and when they equal 0x7f the low 24 bits are zero.
const (
	koalaBearModulus = 1<<31 - 1<<24 + 1
	koalaBearTop     = 0x7f
)

// ErrSpanPublic: span public values that are not a well-formed statement (wrong count, a limb over
// 16 bits, a value that is not canonical KoalaBear, a block-number word that is not a uint64).
var ErrSpanPublic = errors.New("wrap: malformed span public values")

// ClaimDigest is public input (2) for a proposal: the masked sha256 of the claim's ABI encoding,
// as a 32-byte big-endian integer below 2^253.
func ClaimDigest(imageID, configHash, prevOutputRoot, newOutputRoot [32]byte, l2BlockNumber uint64) [32]byte {
	var pre [ClaimPreimageBytes]byte
	copy(pre[0:], imageID[:])
	copy(pre[32:], configHash[:])
	copy(pre[64:], prevOutputRoot[:])
	copy(pre[96:], newOutputRoot[:])
	binary.BigEndian.PutUint64(pre[152:], l2BlockNumber)
	return maskDigest(sha256.Sum256(pre[:]))
}

func maskDigest(d [32]byte) [32]byte {
	d[0] &= 0xff >> claimMaskBits
	return d
}

// KeySetInput is public input (1) for a verifying-key set root.
func KeySetInput(root hash.Digest) fr.Element { return hash.PackBN254(root[:]) }

// PublicInputs returns the two public inputs for a key-set root and a claim digest, in circuit
// order.
func PublicInputs(keySetRoot hash.Digest, claimDigest [32]byte) [NumPublicInputs]fr.Element {
	var out [NumPublicInputs]fr.Element
	out[PublicKeySetRoot] = KeySetInput(keySetRoot)
	// Below 2^253 < r, so SetBytes does not reduce.
	out[PublicClaimDigest].SetBytes(claimDigest[:])
	return out
}

// SpanStatement is what the span program's public values state, decoded.
type SpanStatement struct {
	KeySetRoot     hash.Digest
	ImageID        hash.Digest
	ConfigHash     [32]byte
	PrevOutputRoot [32]byte
	NewOutputRoot  [32]byte
	L2BlockNumber  uint64
}

// ClaimDigest is the statement's public input (2).
func (s SpanStatement) ClaimDigest() [32]byte {
	return ClaimDigest(s.ImageID.Bytes(), s.ConfigHash, s.PrevOutputRoot, s.NewOutputRoot, s.L2BlockNumber)
}

// PublicInputs are the statement's two public inputs.
func (s SpanStatement) PublicInputs() [NumPublicInputs]fr.Element {
	return PublicInputs(s.KeySetRoot, s.ClaimDigest())
}

// SpanPublic encodes the statement as the span program's recursion.NumSpanPublic values.
func (s SpanStatement) SpanPublic() []hash.Element {
	out := make([]hash.Element, recursion.NumSpanPublic)
	copy(out[recursion.SpanPubKeySet:], s.KeySetRoot[:])
	copy(out[recursion.SpanPubImage:], s.ImageID[:])
	putWord := func(at int, w [32]byte) {
		for k := range recursion.WordLimbs {
			out[at+k].SetUint64(uint64(w[2*k]) | uint64(w[2*k+1])<<8)
		}
	}
	putWord(recursion.SpanPubConfig, s.ConfigHash)
	putWord(recursion.SpanPubPrevOutput, s.PrevOutputRoot)
	putWord(recursion.SpanPubNewOutput, s.NewOutputRoot)
	var block [32]byte
	binary.BigEndian.PutUint64(block[24:], s.L2BlockNumber)
	putWord(recursion.SpanPubBlock, block)
	return out
}

// DecodeSpanPublic is SpanPublic's inverse. It accepts exactly what the circuit gadget accepts,
// except that the circuit takes any uint256 block word while this takes only a uint64 one (the
// span program writes a uint64).
func DecodeSpanPublic(pub []hash.Element) (SpanStatement, error) {
	var s SpanStatement
	if len(pub) != recursion.NumSpanPublic {
		return s, fmt.Errorf("%w: %d values, want %d", ErrSpanPublic, len(pub), recursion.NumSpanPublic)
	}
	// Elements are canonical by construction (gnark-crypto's koalabear reduces on every write).
	copy(s.KeySetRoot[:], pub[recursion.SpanPubKeySet:])
	copy(s.ImageID[:], pub[recursion.SpanPubImage:])
	word := func(at int) ([32]byte, error) {
		var w [32]byte
		for k := range recursion.WordLimbs {
			v := pub[at+k].Uint64()
			if v >= 1<<16 {
				return w, fmt.Errorf("%w: limb %d = %d exceeds 16 bits", ErrSpanPublic, at+k, v)
			}
			w[2*k], w[2*k+1] = byte(v), byte(v>>8)
		}
		return w, nil
	}
	var err error
	if s.ConfigHash, err = word(recursion.SpanPubConfig); err != nil {
		return s, err
	}
	if s.PrevOutputRoot, err = word(recursion.SpanPubPrevOutput); err != nil {
		return s, err
	}
	if s.NewOutputRoot, err = word(recursion.SpanPubNewOutput); err != nil {
		return s, err
	}
	block, err := word(recursion.SpanPubBlock)
	if err != nil {
		return s, err
	}
	for _, b := range block[:24] {
		if b != 0 {
			return s, fmt.Errorf("%w: block number word exceeds uint64", ErrSpanPublic)
		}
	}
	s.L2BlockNumber = binary.BigEndian.Uint64(block[24:])
	return s, nil
}

func init() {
	solver.RegisterHint(splitBytesHint, splitTopHint)
}

// splitBytesHint writes input 0 as len(outputs) little-endian bytes.
func splitBytesHint(_ *big.Int, inputs, outputs []*big.Int) error {
	if len(inputs) != 1 {
		return fmt.Errorf("splitBytesHint: %d inputs, want 1", len(inputs))
	}
	v := new(big.Int).Set(inputs[0])
	for i := range outputs {
		outputs[i].SetUint64(uint64(v.Uint64() & 0xff))
		v.Rsh(v, 8)
	}
	return nil
}

// splitTopHint writes input 0 as (low 24 bits, the rest).
func splitTopHint(_ *big.Int, inputs, outputs []*big.Int) error {
	if len(inputs) != 1 || len(outputs) != 2 {
		return fmt.Errorf("splitTopHint: %d inputs, %d outputs, want 1 and 2", len(inputs), len(outputs))
	}
	outputs[0].And(inputs[0], big.NewInt(1<<24-1))
	outputs[1].Rsh(inputs[0], 24)
	return nil
}

// ClaimBinder maps the span program's public values, as circuit variables, to the two public
// inputs. Every value is constrained where it enters: limbs to 16 bits, the key-set root's and
// image ID's elements to canonical KoalaBear, so that the limb and byte decompositions, the radix
// 2^31 packing and hence both public inputs are functions of the statement alone.
type ClaimBinder struct {
	api   frontend.API
	bytes *uints.Bytes
	u32   *uints.BinaryField[uints.U32]
	rc    frontend.Rangechecker
}

// NewClaimBinder returns the gadget for api (BN254's scalar field).
func NewClaimBinder(api frontend.API) (*ClaimBinder, error) {
	b, err := uints.NewBytes(api)
	if err != nil {
		return nil, fmt.Errorf("wrap: bytes gadget: %w", err)
	}
	u32, err := uints.New[uints.U32](api)
	if err != nil {
		return nil, fmt.Errorf("wrap: uint32 gadget: %w", err)
	}
	return &ClaimBinder{api: api, bytes: b, u32: u32, rc: rangecheck.New(api)}, nil
}

// Bind returns (keySetRoot, claimDigest) for the span public values pub (recursion.NumSpanPublic
// variables in span.go's layout).
func (c *ClaimBinder) Bind(pub []frontend.Variable) (keySetRoot, claimDigest frontend.Variable, err error) {
	if len(pub) != recursion.NumSpanPublic {
		return nil, nil, fmt.Errorf("%w: %d values, want %d", ErrSpanPublic, len(pub), recursion.NumSpanPublic)
	}
	api := c.api

	// (1) The key-set root: each element canonical, then the radix-2^31 packing (248 bits < r).
	keySetRoot = frontend.Variable(0)
	for i := range hash.DigestElements {
		v := pub[recursion.SpanPubKeySet+i]
		if err := c.assertCanonicalKoalaBear(v); err != nil {
			return nil, nil, err
		}
		keySetRoot = api.Add(keySetRoot, api.Mul(v, new(big.Int).Lsh(big.NewInt(1), uint(31*i))))
	}

	// (2) The claim's 160-byte preimage. Image elements: four little-endian bytes each (the U32
	// gadget asserts v = Σ b_k·256^k over range-checked bytes), plus the canonical bound on the top
	// byte. Words: two bytes per limb.
	pre := make([]uints.U8, 0, ClaimPreimageBytes)
	for i := range hash.DigestElements {
		le := c.u32.ValueOf(pub[recursion.SpanPubImage+i])
		c.assertCanonicalBytes(le)
		pre = append(pre, le[:]...)
	}
	for _, at := range []int{recursion.SpanPubConfig, recursion.SpanPubPrevOutput, recursion.SpanPubNewOutput, recursion.SpanPubBlock} {
		for k := range recursion.WordLimbs {
			lo, hi, err := c.limbBytes(pub[at+k])
			if err != nil {
				return nil, nil, err
			}
			pre = append(pre, lo, hi)
		}
	}

	h, err := sha2.New(api)
	if err != nil {
		return nil, nil, fmt.Errorf("wrap: sha256 gadget: %w", err)
	}
	h.Write(pre)
	sum := h.Sum()

	// Big-endian integer of the digest with the top three bits of byte 0 cleared.
	top := api.ToBinary(c.bytes.Value(sum[0]), 8)
	claimDigest = api.FromBinary(top[:8-claimMaskBits]...)
	for _, b := range sum[1:] {
		claimDigest = api.Add(api.Mul(claimDigest, 256), c.bytes.Value(b))
	}
	return keySetRoot, claimDigest, nil
}

// limbBytes splits a 16-bit limb into its two bytes, which also range-checks the limb.
func (c *ClaimBinder) limbBytes(limb frontend.Variable) (lo, hi uints.U8, err error) {
	bs, err := c.api.Compiler().NewHint(splitBytesHint, 2, limb)
	if err != nil {
		return lo, hi, fmt.Errorf("wrap: limb hint: %w", err)
	}
	lo, hi = c.bytes.ValueOf(bs[0]), c.bytes.ValueOf(bs[1])
	c.api.AssertIsEqual(limb, c.api.Add(c.bytes.Value(lo), c.api.Mul(c.bytes.Value(hi), 256)))
	return lo, hi, nil
}

// assertCanonicalBytes asserts that the four range-checked little-endian bytes of a value encode
// a number below p: top byte at most 0x7f, and the low three bytes zero when it equals 0x7f.
func (c *ClaimBinder) assertCanonicalBytes(le uints.U32) {
	api := c.api
	top := c.bytes.Value(le[3])
	c.rc.Check(top, 7)
	low := api.Add(c.bytes.Value(le[0]), api.Mul(c.bytes.Value(le[1]), 1<<8), api.Mul(c.bytes.Value(le[2]), 1<<16))
	api.AssertIsEqual(api.Mul(api.IsZero(api.Sub(top, koalaBearTop)), low), 0)
}

// assertCanonicalKoalaBear asserts v < p: v = low + top·2^24 with low < 2^24, top < 2^7, and
// low = 0 when top = 0x7f.
func (c *ClaimBinder) assertCanonicalKoalaBear(v frontend.Variable) error {
	api := c.api
	parts, err := api.Compiler().NewHint(splitTopHint, 2, v)
	if err != nil {
		return fmt.Errorf("wrap: canonical hint: %w", err)
	}
	low, top := parts[0], parts[1]
	c.rc.Check(low, 24)
	c.rc.Check(top, 7)
	api.AssertIsEqual(v, api.Add(low, api.Mul(top, 1<<24)))
	api.AssertIsEqual(api.Mul(api.IsZero(api.Sub(top, koalaBearTop)), low), 0)
	return nil
}

// BindingCircuit is the claim binding alone as a Groth16 circuit: the span public values are
// private witnesses and the two public inputs are the statement's. It stands in for the wrap
// circuit (same public inputs, same on-chain verifier) until the STARK verifier feeds the gadget.
type BindingCircuit struct {
	KeySetRoot  frontend.Variable                          `gnark:",public"`
	ClaimDigest frontend.Variable                          `gnark:",public"`
	Span        [recursion.NumSpanPublic]frontend.Variable `gnark:",secret"`
}

// Define implements frontend.Circuit.
func (b *BindingCircuit) Define(api frontend.API) error {
	binder, err := NewClaimBinder(api)
	if err != nil {
		return err
	}
	keySet, claim, err := binder.Bind(b.Span[:])
	if err != nil {
		return err
	}
	api.AssertIsEqual(b.KeySetRoot, keySet)
	api.AssertIsEqual(b.ClaimDigest, claim)
	return nil
}

// BindingAssignment is the full witness of BindingCircuit for a statement.
func BindingAssignment(s SpanStatement) *BindingCircuit {
	var a BindingCircuit
	in := s.PublicInputs()
	a.KeySetRoot, a.ClaimDigest = in[PublicKeySetRoot], in[PublicClaimDigest]
	for i, v := range s.SpanPublic() {
		a.Span[i] = v.Uint64()
	}
	return &a
}
