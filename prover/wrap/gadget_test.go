package wrap

import (
	"context"
	"math/big"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/constraint/solver"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/test"
	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/stark"
)

var field = ecc.BN254.ScalarField()

// transcriptScript drives a transcript through every operation: labels, packs that fill, cross
// and do not fill an element, a digest between pending values, samples of every kind, and a
// proof of work. The circuit and the native test run the same steps.
const scriptPoWBits = 8

func koala(v uint64) stark.F {
	var x stark.F
	x.SetUint64(v % hash.Modulus)
	return x
}

// scriptValues are the observed values: 13 in all, split 5 then 8 around the digest.
func scriptValues() []stark.F {
	vs := make([]stark.F, 13)
	for i := range vs {
		vs[i] = koala(uint64(i)*0x9e3779b1 + 7)
	}
	return vs
}

// nativeScript runs the script natively and returns the nonce it ground and every sampled value
// (extension coordinates, the index, base elements) in order.
func nativeScript(t *testing.T, digest hash.BN254Digest) (uint32, []uint64) {
	t.Helper()
	vs := scriptValues()
	tr := stark.NewBN254Transcript("wrap/test")
	var out []uint64
	ext := func(e stark.E) {
		out = append(out, e.B0.A0.Uint64(), e.B0.A1.Uint64(), e.B1.A0.Uint64(), e.B1.A1.Uint64())
	}
	tr.ObserveLabel("script")
	tr.ObserveBase(vs[:5]...)
	ext(tr.SampleExt())
	tr.ObserveDigest(digest)
	idx, err := tr.SampleBits(20)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, idx)
	tr.ObserveBase(vs[5:]...)
	ext(tr.SampleExt())
	nonce, err := tr.Grind(context.Background(), scriptPoWBits)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		x := tr.SampleBase()
		out = append(out, x.Uint64())
	}
	return nonce, out
}

type challengerCircuit struct {
	Values [13]frontend.Variable
	Digest frontend.Variable
	Nonce  frontend.Variable
	Want   [14]frontend.Variable `gnark:",public"`
}

func (c *challengerCircuit) Define(api frontend.API) error {
	h, err := NewHasher(api)
	if err != nil {
		return err
	}
	tr := NewChallenger(api, h, "wrap/test")
	var got []frontend.Variable
	ext := func() error {
		e, err := tr.SampleExt()
		got = append(got, e[:]...)
		return err
	}
	tr.ObserveLabel("script")
	tr.ObserveBase(c.Values[:5]...)
	if err := ext(); err != nil {
		return err
	}
	tr.ObserveDigest(c.Digest)
	idx, err := tr.SampleBits(20)
	if err != nil {
		return err
	}
	got = append(got, api.FromBinary(idx...))
	tr.ObserveBase(c.Values[5:]...)
	if err := ext(); err != nil {
		return err
	}
	tr.CheckPoW(scriptPoWBits, c.Nonce)
	for range 5 {
		x, err := tr.SampleBase()
		if err != nil {
			return err
		}
		got = append(got, x)
	}
	for i := range c.Want {
		api.AssertIsEqual(got[i], c.Want[i])
	}
	return nil
}

func challengerAssignment(digest hash.BN254Digest, nonce uint32, want []uint64) *challengerCircuit {
	a := &challengerCircuit{Digest: digest.BigInt(new(big.Int)), Nonce: nonce}
	for i, v := range scriptValues() {
		a.Values[i] = v.Uint64()
	}
	for i, w := range want {
		a.Want[i] = w
	}
	return a
}

// TestChallengerMatchesNative: the circuit's transcript yields exactly the native transcript's
// challenges and accepts its proof of work; a different challenge, nonce or observed value is
// refused.
func TestChallengerMatchesNative(t *testing.T) {
	digest := hash.HashElementsBN254(scriptValues())
	nonce, want := nativeScript(t, digest)
	if len(want) != 14 {
		t.Fatalf("%d samples", len(want))
	}
	if err := test.IsSolved(&challengerCircuit{}, challengerAssignment(digest, nonce, want), field); err != nil {
		t.Fatalf("native transcript refused: %v", err)
	}
	for i := range want {
		bad := append([]uint64(nil), want...)
		bad[i]++
		if test.IsSolved(&challengerCircuit{}, challengerAssignment(digest, nonce, bad), field) == nil {
			t.Errorf("sample %d changed: accepted", i)
		}
	}
	// The smallest nonce passes, so every smaller one fails.
	for n := uint32(0); n < nonce; n++ {
		if test.IsSolved(&challengerCircuit{}, challengerAssignment(digest, n, want), field) == nil {
			t.Errorf("nonce %d below the ground one %d accepted", n, nonce)
		}
	}
	other := challengerAssignment(digest, nonce, want)
	other.Values[12] = 1
	if test.IsSolved(&challengerCircuit{}, other, field) == nil {
		t.Error("an observed value changed: accepted")
	}
	var d2 hash.BN254Digest
	d2.SetOne()
	d2.Add(&d2, &digest)
	if test.IsSolved(&challengerCircuit{}, challengerAssignment(d2, nonce, want), field) == nil {
		t.Error("the digest changed: accepted")
	}
}

// TestChallengerRejectsAliasedWords: a squeeze decomposition of x + r instead of x (the same field
// element, other words) is refused, as is a PoW word whose low bits are claimed zero by a shifted
// split.
func TestChallengerRejectsAliasedWords(t *testing.T) {
	digest := hash.HashElementsBN254(scriptValues())
	nonce, want := nativeScript(t, digest)
	good := challengerAssignment(digest, nonce, want)
	aliased := func(m *big.Int, in, out []*big.Int) error {
		return wordsHint(m, []*big.Int{new(big.Int).Add(in[0], bn254R)}, out)
	}
	if test.IsSolved(&challengerCircuit{}, good, field, test.WithReplacementHint(solver.GetHintID(wordsHint), aliased)) == nil {
		t.Error("words of x + r accepted")
	}
	shifted := func(m *big.Int, in, out []*big.Int) error {
		if err := splitLowHint(m, in, out); err != nil {
			return err
		}
		out[0].Add(out[0], big.NewInt(1))
		return nil
	}
	if test.IsSolved(&challengerCircuit{}, good, field, test.WithReplacementHint(solver.GetHintID(splitLowHint), shifted)) == nil {
		t.Error("a wrong low/high split accepted")
	}
}

// TestChallengerRejectsWrongSamples: a base sample's hint that lies is refused even when the
// expected samples are the lie's, so that only the sample's own checks can refuse it: the
// remainder r + p with the quotient q - 1 (congruent, not canonical), and the remainder r + 1
// with the quotient that solves w = q·p + r in BN254's field (about 2^254, not below 2^66).
func TestChallengerRejectsWrongSamples(t *testing.T) {
	digest := hash.HashElementsBN254(scriptValues())
	nonce, want := nativeScript(t, digest)
	pInv := new(big.Int).ModInverse(koalaBear, field)
	// want holds two extension samples, the index (want[4]), two more, then five base samples.
	sampled := func(i int) bool { return i != 4 }
	for name, c := range map[string]struct {
		rem func(r uint64) uint64
		quo func(m, w, q, rem *big.Int) *big.Int
	}{
		"remainder+p, quotient-1": {
			func(r uint64) uint64 { return r + hash.Modulus },
			func(_, _, q, _ *big.Int) *big.Int { return q.Sub(q, big.NewInt(1)) },
		},
		"remainder+1, quotient solved mod r": {
			func(r uint64) uint64 { return r + 1 },
			func(m, w, _, rem *big.Int) *big.Int {
				q := new(big.Int).Sub(w, rem)
				return q.Mul(q, pInv).Mod(q, m)
			},
		},
	} {
		lied := append([]uint64(nil), want...)
		for i := range lied {
			if sampled(i) {
				lied[i] = c.rem(lied[i])
			}
		}
		h := func(m *big.Int, in, out []*big.Int) error {
			if err := divModP(m, in, out); err != nil {
				return err
			}
			out[1].SetUint64(c.rem(out[1].Uint64()))
			out[0].Set(c.quo(m, in[0], out[0], out[1]))
			return nil
		}
		if test.IsSolved(&challengerCircuit{}, challengerAssignment(digest, nonce, lied), field, test.WithReplacementHint(solver.GetHintID(divModP), h)) == nil {
			t.Errorf("sample hint %q accepted", name)
		}
	}
}
