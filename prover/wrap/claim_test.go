package wrap

import (
	"crypto/sha256"
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/test"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/recursion"
)

func randomStatement(r *rand.Rand) SpanStatement {
	var s SpanStatement
	for i := range s.KeySetRoot {
		s.KeySetRoot[i].SetUint64(r.Uint64N(koalaBearModulus))
		s.ImageID[i].SetUint64(r.Uint64N(koalaBearModulus))
	}
	for _, w := range []*[32]byte{&s.ConfigHash, &s.PrevOutputRoot, &s.NewOutputRoot} {
		for i := range w {
			w[i] = byte(r.Uint32())
		}
	}
	s.L2BlockNumber = r.Uint64()
	return s
}

// edgeStatements are the extremes of every field: zeros, p-1 elements, all-ones words, max block.
func edgeStatements() []SpanStatement {
	var zero, max SpanStatement
	for i := range max.KeySetRoot {
		max.KeySetRoot[i].SetUint64(koalaBearModulus - 1)
		max.ImageID[i].SetUint64(koalaBearModulus - 1)
	}
	for _, w := range []*[32]byte{&max.ConfigHash, &max.PrevOutputRoot, &max.NewOutputRoot} {
		for i := range w {
			w[i] = 0xff
		}
	}
	max.L2BlockNumber = math.MaxUint64
	// 0x7effffff: the largest value whose top byte is below 0x7f, with non-zero low bytes.
	mid := max
	for i := range mid.ImageID {
		mid.ImageID[i].SetUint64(0x7effffff)
		mid.KeySetRoot[i].SetUint64(0x7effffff)
	}
	return []SpanStatement{zero, max, mid}
}

// TestClaimDigestABI checks ClaimDigest against go-ethereum's ABI encoder, the encoding the
// Solidity verifier hashes.
func TestClaimDigestABI(t *testing.T) {
	b32, _ := abi.NewType("bytes32", "", nil)
	u256, _ := abi.NewType("uint256", "", nil)
	args := abi.Arguments{{Type: b32}, {Type: b32}, {Type: b32}, {Type: b32}, {Type: u256}}
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range append(edgeStatements(), randomStatement(r), randomStatement(r)) {
		enc, err := args.Pack(s.ImageID.Bytes(), s.ConfigHash, s.PrevOutputRoot, s.NewOutputRoot, new(big.Int).SetUint64(s.L2BlockNumber))
		if err != nil {
			t.Fatal(err)
		}
		want := sha256.Sum256(enc)
		want[0] &= 0x1f
		if got := s.ClaimDigest(); got != want {
			t.Fatalf("ClaimDigest = %x, want %x", got, want)
		}
		in := s.PublicInputs()
		if in[PublicClaimDigest].BigInt(new(big.Int)).Cmp(new(big.Int).SetBytes(want[:])) != 0 {
			t.Fatal("claim public input is not the digest's integer")
		}
		if in[PublicClaimDigest].BigInt(new(big.Int)).BitLen() > 253 {
			t.Fatal("claim public input exceeds 253 bits")
		}
		if k := KeySetInput(s.KeySetRoot); !k.Equal(&in[PublicKeySetRoot]) {
			t.Fatal("key-set public input differs from KeySetInput")
		}
	}
}

func TestSpanPublicRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, s := range append(edgeStatements(), randomStatement(r), randomStatement(r)) {
		pub := s.SpanPublic()
		if len(pub) != recursion.NumSpanPublic {
			t.Fatalf("%d values", len(pub))
		}
		got, err := DecodeSpanPublic(pub)
		if err != nil {
			t.Fatal(err)
		}
		if got != s {
			t.Fatalf("round trip: %+v != %+v", got, s)
		}
	}
}

func TestDecodeSpanPublicRejects(t *testing.T) {
	s := randomStatement(rand.New(rand.NewPCG(5, 6)))
	if _, err := DecodeSpanPublic(s.SpanPublic()[1:]); !errors.Is(err, ErrSpanPublic) {
		t.Fatalf("short: %v", err)
	}
	pub := s.SpanPublic()
	pub[recursion.SpanPubNewOutput+3].SetUint64(1 << 16)
	if _, err := DecodeSpanPublic(pub); !errors.Is(err, ErrSpanPublic) {
		t.Fatalf("wide limb: %v", err)
	}
	pub = s.SpanPublic()
	pub[recursion.SpanPubBlock].SetUint64(1)
	if _, err := DecodeSpanPublic(pub); !errors.Is(err, ErrSpanPublic) {
		t.Fatalf("block over uint64: %v", err)
	}
}

// rawAssignment builds a witness from raw integers, without reducing or range-checking anything,
// and public inputs computed from them the way the gadget would if it lacked its range checks
// (elements as 4 little-endian bytes, limbs as their low two bytes). A tampered raw value then
// fails only through the check that guards it.
func rawAssignment(vals []uint64) *BindingCircuit {
	var a BindingCircuit
	keySet := new(big.Int)
	for i := range hash.DigestElements {
		keySet.Add(keySet, new(big.Int).Lsh(new(big.Int).SetUint64(vals[recursion.SpanPubKeySet+i]), uint(31*i)))
	}
	var pre []byte
	for i := range hash.DigestElements {
		v := vals[recursion.SpanPubImage+i]
		pre = append(pre, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
	}
	for i := recursion.SpanPubConfig; i < recursion.NumSpanPublic; i++ {
		pre = append(pre, byte(vals[i]), byte(vals[i]>>8))
	}
	d := maskDigest(sha256.Sum256(pre))
	a.KeySetRoot = new(big.Int).Mod(keySet, fr.Modulus())
	a.ClaimDigest = new(big.Int).SetBytes(d[:])
	for i, v := range vals {
		a.Span[i] = v
	}
	return &a
}

func rawValues(s SpanStatement) []uint64 {
	out := make([]uint64, recursion.NumSpanPublic)
	for i, v := range s.SpanPublic() {
		out[i] = v.Uint64()
	}
	return out
}

func checkSolved(t *testing.T, a *BindingCircuit, wantOK bool, what string) {
	t.Helper()
	err := test.IsSolved(&BindingCircuit{}, a, ecc.BN254.ScalarField())
	if wantOK && err != nil {
		t.Fatalf("%s: not solved: %v", what, err)
	}
	if !wantOK && err == nil {
		t.Fatalf("%s: solved, want a failure", what)
	}
}

func TestBindingCircuitMatchesNative(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for i, s := range append(edgeStatements(), randomStatement(r), randomStatement(r)) {
		checkSolved(t, BindingAssignment(s), true, "statement")
		// The raw model agrees with the native statement on canonical values.
		raw := rawAssignment(rawValues(s))
		in := s.PublicInputs()
		if raw.KeySetRoot.(*big.Int).Cmp(in[0].BigInt(new(big.Int))) != 0 || raw.ClaimDigest.(*big.Int).Cmp(in[1].BigInt(new(big.Int))) != 0 {
			t.Fatalf("statement %d: raw model differs from the native public inputs", i)
		}
	}
}

func TestBindingCircuitRejects(t *testing.T) {
	s := randomStatement(rand.New(rand.NewPCG(9, 10)))

	// Any changed witness value with the public inputs kept: the digest or packing no longer
	// matches.
	for _, at := range []int{recursion.SpanPubKeySet + 3, recursion.SpanPubImage + 7, recursion.SpanPubConfig, recursion.SpanPubPrevOutput + 15, recursion.SpanPubNewOutput + 8, recursion.SpanPubBlock + 15, recursion.SpanPubBlock} {
		a := BindingAssignment(s)
		a.Span[at] = (a.Span[at].(uint64) + 1) & 0xffff
		checkSolved(t, a, false, "changed value")
	}
	// Changed public inputs.
	a := BindingAssignment(s)
	in := s.PublicInputs()
	a.ClaimDigest = new(big.Int).Add(in[PublicClaimDigest].BigInt(new(big.Int)), big.NewInt(1))
	checkSolved(t, a, false, "claim digest +1")
	a = BindingAssignment(s)
	a.KeySetRoot = new(big.Int).Add(in[PublicKeySetRoot].BigInt(new(big.Int)), big.NewInt(1))
	checkSolved(t, a, false, "key-set root +1")

	// Range checks, each against public inputs that would match without it.
	tamper := func(what string, at int, v uint64) {
		t.Helper()
		vals := rawValues(s)
		vals[at] = v
		checkSolved(t, rawAssignment(vals), false, what)
	}
	tamper("limb 2^16", recursion.SpanPubConfig+4, 1<<16)
	tamper("limb 2^16+v", recursion.SpanPubBlock+2, 1<<16|0x1234)
	tamper("image element p", recursion.SpanPubImage+2, koalaBearModulus)
	tamper("image element 2^31", recursion.SpanPubImage, 1<<31)
	tamper("key-set element p", recursion.SpanPubKeySet+5, koalaBearModulus)
	tamper("key-set element 2^31", recursion.SpanPubKeySet, 1<<31)
	// The same raw model accepts the largest canonical values, so the failures above are the bound.
	vals := rawValues(s)
	vals[recursion.SpanPubImage+2] = koalaBearModulus - 1
	vals[recursion.SpanPubKeySet+5] = koalaBearModulus - 1
	vals[recursion.SpanPubConfig+4] = 1<<16 - 1
	checkSolved(t, rawAssignment(vals), true, "largest canonical values")
}

func TestBindRejectsWrongCount(t *testing.T) {
	c := &countCircuit{}
	_, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, c)
	if !errors.Is(err, ErrSpanPublic) {
		t.Fatalf("Bind with %d values: %v", recursion.NumSpanPublic-1, err)
	}
}

type countCircuit struct {
	Span [recursion.NumSpanPublic - 1]frontend.Variable
}

func (c *countCircuit) Define(api frontend.API) error {
	b, err := NewClaimBinder(api)
	if err != nil {
		return err
	}
	_, _, err = b.Bind(c.Span[:])
	return err
}

// shaBitsCircuit checks the bit-level SHA-256 against a digest given as public bytes.
type shaBitsCircuit struct {
	Msg    []frontend.Variable
	Digest [32]frontend.Variable `gnark:",public"`
}

func (c *shaBitsCircuit) Define(api frontend.API) error {
	msg := make([][8]frontend.Variable, len(c.Msg))
	for i, b := range c.Msg {
		copy(msg[i][:], api.ToBinary(b, 8))
	}
	s := sha256Bits{api: api}
	words := s.sum(msg)
	for j, w := range words {
		for m := range 4 {
			// Digest byte 4j+m is bits 8(3-m)..8(4-m) of word j.
			v := frontend.Variable(0)
			for t := range 8 {
				v = api.Add(v, api.Mul(w[8*(3-m)+t], 1<<t))
			}
			api.AssertIsEqual(c.Digest[4*j+m], v)
		}
	}
	return nil
}

// TestSHA256Bits checks the gadget against crypto/sha256 at the padding boundaries (55, 56 and
// 64 bytes), the claim's length and across blocks, and that a wrong digest fails.
func TestSHA256Bits(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, n := range []int{0, 3, 55, 56, 64, 119, ClaimPreimageBytes} {
		msg := make([]byte, n)
		for i := range msg {
			msg[i] = byte(r.Uint32())
		}
		want := sha256.Sum256(msg)
		a := &shaBitsCircuit{Msg: make([]frontend.Variable, n)}
		for i, b := range msg {
			a.Msg[i] = b
		}
		for i, b := range want {
			a.Digest[i] = b
		}
		if err := test.IsSolved(&shaBitsCircuit{Msg: make([]frontend.Variable, n)}, a, ecc.BN254.ScalarField()); err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		a.Digest[31] = want[31] ^ 1
		if test.IsSolved(&shaBitsCircuit{Msg: make([]frontend.Variable, n)}, a, ecc.BN254.ScalarField()) == nil {
			t.Fatalf("%d bytes: wrong digest accepted", n)
		}
	}
}

// TestBindingCircuitWithoutCommitment: the binding circuit uses no lookup or commitment-based
// range check, so its Groth16 proofs are 256 bytes and the verifier needs no commitment check.
func TestBindingCircuitWithoutCommitment(t *testing.T) {
	ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, &BindingCircuit{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := R1CS(ccs)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(r.CommitmentInfo.(constraint.Groth16Commitments)); n != 0 {
		t.Fatalf("binding circuit has %d commitments", n)
	}
	t.Logf("binding circuit: %d R1CS constraints", ccs.GetNbConstraints())
}
