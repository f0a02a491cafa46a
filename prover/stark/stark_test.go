package stark

import (
	"context"
	"errors"
	"testing"
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

func mustProve(t testing.TB, s statement, params Params) (*ProvingKey, *Proof) {
	t.Helper()
	pk, err := Setup(s.air, params)
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
	for _, s := range testStatements(t) {
		t.Run(s.name, func(t *testing.T) {
			pk, proof := mustProve(t, s, TestParams())
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
