package stark

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/consensys/gnark-crypto/field/koalabear/fft"
)

// friFixture is a FRI statement on its own: random polynomials of the claimed degrees evaluated
// over subgroups of strictly decreasing heights (bit-reversed), so that roll-ins are exercised.
type friFixture struct {
	params     FRIParams
	logHeights []int
	inputs     [][]E
}

func newFRIFixture(t testing.TB, params FRIParams, logHeights []int, seed uint64) *friFixture {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 9))
	doms := newDomains()
	f := &friFixture{params: params, logHeights: logHeights}
	for _, l := range logHeights {
		n := 1 << uint(l)
		deg := n >> uint(params.LogBlowup)
		coords := make([][]F, 4)
		for j := range coords {
			coords[j] = make([]F, n)
			for i := 0; i < deg; i++ {
				coords[j][i].SetUint64(rng.Uint64N(modulus))
			}
			doms.get(l).FFT(coords[j], fft.DIF, fft.WithNbTasks(1))
		}
		in := make([]E, n)
		for i := range in {
			in[i] = extFromCoeffs(coords[0][i], coords[1][i], coords[2][i], coords[3][i])
		}
		f.inputs = append(f.inputs, in)
	}
	return f
}

func (f *friFixture) prove(t testing.TB, skipDegreeCheck bool) FRIProof {
	t.Helper()
	var st Stats
	p, idx, err := friProve(context.Background(), f.params, NewTranscript("fri test"), f.inputs, newDomains(), &st, skipDegreeCheck)
	if err != nil {
		t.Fatal(err)
	}
	if len(idx) != f.params.NumQueries {
		t.Fatalf("%d query indices, want %d", len(idx), f.params.NumQueries)
	}
	return p
}

func (f *friFixture) verify(p *FRIProof) error {
	return friVerify(f.params, f.logHeights, NewTranscript("fri test"), p, func(_ int, idx uint64) ([]E, error) {
		out := make([]E, len(f.inputs))
		for i, in := range f.inputs {
			out[i] = in[idx>>uint(f.logHeights[0]-f.logHeights[i])]
		}
		return out, nil
	})
}

func cloneFRI(t testing.TB, p *FRIProof) *FRIProof {
	t.Helper()
	b, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var q FRIProof
	if err := q.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	return &q
}

func testFRIParams() FRIParams {
	return FRIParams{LogBlowup: 1, NumQueries: 6, PoWBits: 10, LogFinalPolyLen: 2}
}

// TestFRITampering changes one value of a valid FRI proof at a time: every root, every node of
// every query path, every fold value, every final coefficient, the PoW nonce.
func TestFRITampering(t *testing.T) {
	f := newFRIFixture(t, testFRIParams(), []int{9, 7, 6}, 1)
	proof := f.prove(t, false)
	if err := f.verify(&proof); err != nil {
		t.Fatalf("valid FRI proof rejected: %v", err)
	}
	var ms []struct {
		name string
		f    func(p *FRIProof)
	}
	add := func(name string, fn func(p *FRIProof)) {
		ms = append(ms, struct {
			name string
			f    func(p *FRIProof)
		}{name, fn})
	}
	for r := range proof.Roots {
		add(fmt.Sprintf("root %d", r), func(p *FRIProof) { bump(&p.Roots[r][3]) })
	}
	for q := range proof.Queries {
		for s, st := range proof.Queries[q].Steps {
			for c := range st.Rows[0] {
				add(fmt.Sprintf("query %d round %d fold value cell %d", q, s, c), func(p *FRIProof) { bump(&p.Queries[q].Steps[s].Rows[0][c]) })
			}
			for l := range st.Path {
				add(fmt.Sprintf("query %d round %d path node %d", q, s, l), func(p *FRIProof) { bump(&p.Queries[q].Steps[s].Path[l][0]) })
			}
		}
	}
	for c := range proof.FinalPoly {
		add(fmt.Sprintf("final coefficient %d", c), func(p *FRIProof) { bumpExt(&p.FinalPoly[c]) })
	}
	add("PoW nonce", func(p *FRIProof) { p.PoWNonce++ })
	for _, m := range ms {
		p := cloneFRI(t, &proof)
		m.f(p)
		err := f.verify(p)
		if !errors.Is(err, ErrInvalidProof) {
			t.Errorf("%s: tampered FRI proof accepted (%v)", m.name, err)
		}
		if m.name == "PoW nonce" && !errors.Is(err, ErrPoW) {
			t.Errorf("PoW nonce: got %v, want ErrPoW", err)
		}
	}
	t.Logf("%d single-value tamperings rejected", len(ms))
}

// TestFRIRejectsFarInputs: FRI on a codeword that is not low-degree (a random word rolled in)
// fails, and so does a valid proof checked against input values other than the proven ones.
func TestFRIRejectsFarInputs(t *testing.T) {
	f := newFRIFixture(t, testFRIParams(), []int{9, 6}, 2)
	rng := rand.New(rand.NewPCG(3, 3))
	for i := range f.inputs[1] {
		f.inputs[1][i] = extFromCoeffs(F{}, F{}, F{}, F{})
		f.inputs[1][i].B0.A0.SetUint64(rng.Uint64N(modulus))
	}
	p := f.prove(t, true)
	if err := f.verify(&p); !errors.Is(err, ErrFRI) {
		t.Fatalf("random rolled-in input: got %v, want ErrFRI", err)
	}

	// A valid proof checked against other (equally low-degree) input values.
	f = newFRIFixture(t, testFRIParams(), []int{8}, 4)
	good := f.prove(t, false)
	f.inputs = newFRIFixture(t, testFRIParams(), []int{8}, 5).inputs
	if err := f.verify(&good); !errors.Is(err, ErrFRI) {
		t.Fatalf("wrong input values: got %v, want ErrFRI", err)
	}
}

// TestFRIShapeErrors: every count in a FRI proof is checked, with a typed error naming it.
func TestFRIShapeErrors(t *testing.T) {
	f := newFRIFixture(t, testFRIParams(), []int{8, 6}, 5)
	proof := f.prove(t, false)
	cases := []struct {
		what string
		f    func(p *FRIProof)
	}{
		{"FRI rounds", func(p *FRIProof) { p.Roots = p.Roots[1:] }},
		{"FRI final polynomial length", func(p *FRIProof) { p.FinalPoly = append(p.FinalPoly, E{}) }},
		{"FRI queries", func(p *FRIProof) { p.Queries = p.Queries[1:] }},
		{"FRI query 2 steps", func(p *FRIProof) { p.Queries[2].Steps = p.Queries[2].Steps[:1] }},
	}
	for _, c := range cases {
		p := cloneFRI(t, &proof)
		c.f(p)
		err := f.verify(p)
		var se *ShapeError
		if !errors.As(err, &se) || se.What != c.what || !errors.Is(err, ErrInvalidProof) {
			t.Errorf("%s: got %v", c.what, err)
			continue
		}
		if se.Expected == se.Got {
			t.Errorf("%s: shape error with equal counts %d", c.what, se.Got)
		}
	}
	if err := friVerify(f.params, []int{6, 8}, NewTranscript("fri test"), &proof, nil); !errors.Is(err, ErrInvalidProof) {
		t.Errorf("increasing input heights: %v", err)
	}
}

// FuzzDecodeFRIProof: decoding arbitrary bytes never panics, and a decoded mutation of a valid FRI
// proof never verifies (unless it decodes to the very same proof).
func FuzzDecodeFRIProof(f *testing.F) {
	params := testFRIParams()
	params.PoWBits = 2
	fx := newFRIFixture(f, params, []int{6, 4}, 6)
	proof := fx.prove(f, false)
	valid, _ := proof.MarshalBinary()
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add([]byte{})
	f.Add([]byte{1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var p FRIProof
		if err := p.UnmarshalBinary(b); err != nil {
			if !errors.Is(err, ErrDecode) {
				t.Fatalf("untyped decode error %v", err)
			}
			return
		}
		re, _ := p.MarshalBinary()
		if !bytes.Equal(re, b) {
			t.Fatal("decoded FRI proof re-encodes differently")
		}
		err := fx.verify(&p)
		if bytes.Equal(b, valid) {
			if err != nil {
				t.Fatalf("valid proof rejected: %v", err)
			}
			return
		}
		if err == nil {
			t.Fatal("mutated FRI proof verified")
		}
	})
}
