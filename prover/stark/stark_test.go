package stark

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/zkexex/zkexex/prover/hash"
)

type statement struct {
	name   string
	air    *AIR
	traces []*Matrix
	public []F
}

func testStatements(t testing.TB) []statement {
	fib, fpub := fibTrace(6, 1, 1)
	return []statement{
		{"fibonacci", fibAIR(t), []*Matrix{fib}, fpub},
		{"range", rangeAIR(t), rangeTraces(7, 1), nil},
		{"memory", memAIR(t), memTraces(6, randomAccesses(50, 3)), nil},
	}
}

func testVerifierConfig() VerifierConfig { return VerifierConfig{MinSecurityBits: 0} }

// bothConfigs runs a test body under each hash configuration, as subtests named after them.
func bothConfigs(t *testing.T, kb func(*testing.T), bn func(*testing.T)) {
	t.Run(ConfigName[hash.Digest](), kb)
	t.Run(ConfigName[hash.BN254Digest](), bn)
}

func mustProve(t testing.TB, s statement, params Params) (*ProvingKey, *Proof) {
	t.Helper()
	return mustProveFor[hash.Digest](t, s, params)
}

func mustProveFor[D Digest](t testing.TB, s statement, params Params) (*ProvingKeyOf[D], *ProofOf[D]) {
	t.Helper()
	pk, err := SetupFor[D](s.air, params)
	if err != nil {
		t.Fatal(err)
	}
	proof, err := Prove(context.Background(), pk, s.traces, s.public)
	if err != nil {
		t.Fatalf("%s: %v", s.name, err)
	}
	return pk, proof
}

func TestProveVerify(t *testing.T) {
	bothConfigs(t, testProveVerify[hash.Digest], testProveVerify[hash.BN254Digest])
}

func testProveVerify[D Digest](t *testing.T) {
	for _, s := range testStatements(t) {
		t.Run(s.name, func(t *testing.T) {
			pk, proof := mustProveFor[D](t, s, TestParams())
			if err := Verify(pk.VerifyingKey(), proof, s.public, testVerifierConfig()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestDefaultParameters proves with the production parameter set and verifies under the default
// 100-bit policy.
func TestDefaultParameters(t *testing.T) {
	for _, s := range testStatements(t) {
		t.Run(s.name, func(t *testing.T) {
			pk, proof := mustProve(t, s, DefaultParams())
			vk := pk.VerifyingKey()
			sound := proof.Params.Soundness(vk.ShapeOf(proof.LogHeights))
			if sound.Total < 100 {
				t.Fatalf("%s", sound)
			}
			if err := Verify(vk, proof, s.public, DefaultVerifierConfig()); err != nil {
				t.Fatal(err)
			}
			t.Logf("%d bytes, %s", proof.Size(), sound)
		})
	}
}

func TestProverRejectsBadWitness(t *testing.T) {
	s := testStatements(t)[0]
	pk, err := Setup(s.air, TestParams())
	if err != nil {
		t.Fatal(err)
	}
	bad := *s.traces[0]
	bad.Cols = [][]F{append([]F(nil), s.traces[0].Cols[0]...), s.traces[0].Cols[1]}
	bad.Cols[0][5].SetUint64(12345)
	if _, err := Prove(context.Background(), pk, []*Matrix{&bad}, s.public); !errors.Is(err, ErrConstraint) {
		t.Fatalf("got %v, want ErrConstraint", err)
	}
}

// TestConstraintCheckNamesLowestRow: the prover's parallel trace check reports the failure on the
// lowest row, whichever worker finds which failure first.
func TestConstraintCheckNamesLowestRow(t *testing.T) {
	air := fibAIR(t)
	tr, pub := fibTrace(12, 1, 1)
	for _, r := range []int{3000, 1500, 2600} {
		tr.Cols[0][r].SetUint64(7)
	}
	// a[1500] changed: the transition a' = b fails first at row 1499.
	err := checkTableConstraints(air, 0, tr, pub)
	if !errors.Is(err, ErrConstraint) || !strings.Contains(err.Error(), "at row 1499") {
		t.Fatalf("got %v, want the failure at row 1499", err)
	}
}

func TestMalformedAIRRejected(t *testing.T) {
	cases := map[string]func() (*AIR, error){
		"no tables": func() (*AIR, error) { return NewAIR("x", 0) },
		"degree 4": func() (*AIR, error) {
			tb := NewTable("t")
			a := tb.Column("a")
			tb.AssertZero("quartic", a.Cur().Mul(a.Cur()).Mul(a.Cur()).Mul(a.Cur()))
			return NewAIR("x", 0, tb)
		},
		"degree 3 on the first row": func() (*AIR, error) {
			tb := NewTable("t")
			a := tb.Column("a")
			tb.AssertFirst("cubic", a.Cur().Mul(a.Cur()).Mul(a.Cur()))
			return NewAIR("x", 0, tb)
		},
		"public value out of range": func() (*AIR, error) {
			tb := NewTable("t")
			a := tb.Column("a")
			tb.AssertZero("p", a.Cur().Sub(Pub(1)))
			return NewAIR("x", 1, tb)
		},
		"bus value of degree 3": func() (*AIR, error) {
			tb := NewTable("t")
			a := tb.Column("a")
			tb.Send(1, Const(1), a.Cur().Mul(a.Cur()).Mul(a.Cur()))
			return NewAIR("x", 0, tb)
		},
		"preprocessed values missing": func() (*AIR, error) {
			tb := NewTable("t")
			tb.Column("a")
			tb.Preprocessed("p")
			return NewAIR("x", 0, tb)
		},
		"no columns": func() (*AIR, error) { return NewAIR("x", 0, NewTable("t")) },
	}
	for name, f := range cases {
		if _, err := f(); !errors.Is(err, ErrAIR) {
			t.Errorf("%s: got %v, want ErrAIR", name, err)
		}
	}
}

func TestTraceShapeRejected(t *testing.T) {
	s := testStatements(t)[2]
	pk, err := Setup(s.air, TestParams())
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]*Matrix{
		"missing table":          s.traces[:2],
		"wrong width":            {NewMatrix(4, 64), s.traces[1], s.traces[2]},
		"not a power of two":     {NewMatrix(5, 48), s.traces[1], s.traces[2]},
		"preprocessed height":    {s.traces[0], s.traces[1], NewMatrix(1, 128)},
		"below the minimum size": {NewMatrix(5, 2), s.traces[1], s.traces[2]},
	}
	for name, tr := range cases {
		if _, err := Prove(context.Background(), pk, tr, nil); !errors.Is(err, ErrTrace) {
			t.Errorf("%s: got %v, want ErrTrace", name, err)
		}
	}
}
