package wrap

import (
	"errors"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	cs "github.com/consensys/gnark/constraint/bn254"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
)

func compileSystem(t testing.TB, c frontend.Circuit) *cs.R1CS {
	t.Helper()
	ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, c)
	if err != nil {
		t.Fatal(err)
	}
	r, err := R1CS(ccs)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// statementAssignment is a full witness of StatementCommitCircuit for public inputs in.
func statementAssignment(in [NumPublicInputs]fr.Element) *StatementCommitCircuit {
	var prod fr.Element
	prod.Mul(&in[0], &in[1])
	return &StatementCommitCircuit{KeySetRoot: in[0], ClaimDigest: in[1], Product: prod, Byte: 0xa5}
}

var commitKeys = sync.OnceValues(func() (*Keys, error) {
	ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, &StatementCommitCircuit{})
	if err != nil {
		return nil, err
	}
	return DevSetup(ccs.(*cs.R1CS))
})

func testInputs(seed uint64) [NumPublicInputs]fr.Element {
	return randomStatement(rand.New(rand.NewPCG(seed, 1))).PublicInputs()
}

func TestProveVerify(t *testing.T) {
	keys, err := commitKeys()
	if err != nil {
		t.Fatal(err)
	}
	if keys.NbCommitments() != 1 {
		t.Fatalf("%d commitments, want 1", keys.NbCommitments())
	}
	if keys.Kind != SetupDev || !keys.Kind.Insecure() {
		t.Fatalf("dev setup gave %v keys", keys.Kind)
	}
	if err := keys.RequireSecure(false); !errors.Is(err, ErrDevSetup) {
		t.Fatalf("RequireSecure(false) = %v", err)
	}
	if err := keys.RequireSecure(true); err != nil {
		t.Fatalf("RequireSecure(true) = %v", err)
	}
	ccs := compileSystem(t, &StatementCommitCircuit{})
	in := testInputs(1)
	p, err := Prove(keys, ccs, statementAssignment(in))
	if err != nil {
		t.Fatal(err)
	}
	enc := EncodeProof(p)
	if len(enc) != ProofBytes(1) || ProofBytes(1) != 384 {
		t.Fatalf("proof is %d bytes, want ProofBytes(1) = 384", len(enc))
	}
	if err := Verify(keys, enc, in); err != nil {
		t.Fatal(err)
	}
	// Every byte matters: a flip makes the bytes undecodable or the proof invalid.
	for i := range enc {
		bad := append([]byte(nil), enc...)
		bad[i] ^= 1 << (i % 8)
		err := Verify(keys, bad, in)
		if !errors.Is(err, ErrProofEncoding) && !errors.Is(err, ErrProofInvalid) {
			t.Fatalf("flipped byte %d: %v", i, err)
		}
	}
	for k := range NumPublicInputs {
		bad := in
		bad[k].Add(&bad[k], new(fr.Element).SetOne())
		if err := Verify(keys, enc, bad); !errors.Is(err, ErrProofInvalid) {
			t.Fatalf("public input %d + 1: %v", k, err)
		}
	}
	if err := Verify(keys, enc[:len(enc)-1], in); !errors.Is(err, ErrProofEncoding) {
		t.Fatalf("short proof: %v", err)
	}
}

func TestDecodeProofRoundTrip(t *testing.T) {
	keys, err := commitKeys()
	if err != nil {
		t.Fatal(err)
	}
	in := testInputs(2)
	p, err := Prove(keys, compileSystem(t, &StatementCommitCircuit{}), statementAssignment(in))
	if err != nil {
		t.Fatal(err)
	}
	enc := EncodeProof(p)
	q, err := DecodeProof(enc, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !q.Ar.Equal(&p.Ar) || !q.Bs.Equal(&p.Bs) || !q.Krs.Equal(&p.Krs) || !q.Commitments[0].Equal(&p.Commitments[0]) || !q.CommitmentPok.Equal(&p.CommitmentPok) {
		t.Fatal("decoded proof differs")
	}
	if _, err := DecodeProof(enc, 0); !errors.Is(err, ErrProofEncoding) {
		t.Fatalf("wrong commitment count: %v", err)
	}
	// A coordinate at the field modulus is refused rather than reduced.
	bad := append([]byte(nil), enc...)
	copy(bad[:32], fpModulusBytes())
	if _, err := DecodeProof(bad, 1); !errors.Is(err, ErrProofEncoding) {
		t.Fatalf("non-canonical coordinate: %v", err)
	}
}

func fpModulusBytes() []byte {
	// The BN254 base-field modulus, big-endian.
	m, _ := new(big.Int).SetString("21888242871839275222246405745257275088696311157297823662689037894645226208583", 10)
	return m.FillBytes(make([]byte, 32))
}

func FuzzDecodeProof(f *testing.F) {
	if keys, err := commitKeys(); err == nil {
		ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, &StatementCommitCircuit{})
		if err == nil {
			if p, err := Prove(keys, ccs.(*cs.R1CS), statementAssignment(testInputs(3))); err == nil {
				f.Add(EncodeProof(p), uint8(1))
				f.Add(EncodeProof(p)[:256], uint8(0))
			}
		}
	}
	f.Add(make([]byte, 384), uint8(1))
	f.Fuzz(func(t *testing.T, b []byte, nb uint8) {
		p, err := DecodeProof(b, int(nb%3))
		if err != nil {
			if !errors.Is(err, ErrProofEncoding) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		// What decodes re-encodes to the same bytes.
		if got := EncodeProof(p); string(got) != string(b) {
			t.Fatalf("re-encoding differs")
		}
	})
}

func TestKeyCache(t *testing.T) {
	keys, err := commitKeys()
	if err != nil {
		t.Fatal(err)
	}
	ccs := compileSystem(t, &StatementCommitCircuit{})
	digest, err := DigestCircuit(ccs)
	if err != nil {
		t.Fatal(err)
	}
	if digest != keys.Circuit {
		t.Fatal("circuit digest differs between two compilations")
	}
	c := KeyCache{Dir: filepath.Join(t.TempDir(), "keys")}
	if _, err := c.Load(digest, SetupDev); !errors.Is(err, ErrKeyCacheMiss) {
		t.Fatalf("empty cache: %v", err)
	}
	if err := c.Store(keys); err != nil {
		t.Fatal(err)
	}
	got, err := c.Load(digest, SetupDev)
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != SetupDev || got.Circuit != digest || got.VK.IsDifferent(keys.VK) {
		t.Fatal("loaded keys differ")
	}
	// Loaded keys prove and verify.
	in := testInputs(4)
	p, err := Prove(got, ccs, statementAssignment(in))
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(keys, EncodeProof(p), in); err != nil {
		t.Fatalf("proof under cached keys, checked with the originals: %v", err)
	}
	if _, err := c.Load(digest, SetupCeremony); !errors.Is(err, ErrKeyCacheMiss) {
		t.Fatalf("dev keys served as ceremony keys: %v", err)
	}

	path := c.Path(digest, SetupDev)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, damage := range []struct {
		name string
		b    []byte
	}{
		{"flipped byte", func() []byte { b := append([]byte(nil), orig...); b[len(b)/2] ^= 1; return b }()},
		{"truncated", orig[:len(orig)-100]},
		{"empty", nil},
	} {
		if err := os.WriteFile(path, damage.b, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Load(digest, SetupDev); !errors.Is(err, ErrKeyCacheCorrupt) {
			t.Fatalf("%s: %v", damage.name, err)
		}
	}
	// A file named for another circuit or kind is corrupt too, even with a valid checksum.
	other := *keys
	other.Circuit[0] ^= 1
	if err := c.Store(&other); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(c.Path(other.Circuit, SetupDev), path); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Load(digest, SetupDev); !errors.Is(err, ErrKeyCacheCorrupt) {
		t.Fatalf("misnamed file: %v", err)
	}
	// DevKeys replaces the corrupt file with fresh keys.
	fresh, err := c.DevKeys(ccs)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.Circuit != digest {
		t.Fatal("DevKeys made keys for another circuit")
	}
	if _, err := c.Load(digest, SetupDev); err != nil {
		t.Fatalf("after regeneration: %v", err)
	}
	// Dev keys are deterministic, so whether DevKeys loads rather than recomputes cannot be seen
	// from its keys: TestDevKeysCache checks it by the cache file's modification time.
}

func FuzzDecodeKeys(f *testing.F) {
	f.Add([]byte(keyCacheMagic))
	f.Add(make([]byte, keyCacheHeader+32))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := DecodeKeys(b); err != nil && !errors.Is(err, ErrKeyCacheCorrupt) {
			t.Fatalf("untyped error %v", err)
		}
	})
}

func TestCeremony(t *testing.T) {
	ccs := compileSystem(t, &StatementCommitCircuit{})
	c := NewCeremony(ccs)
	p1a, err := c.ContributePhase1(nil)
	if err != nil {
		t.Fatal(err)
	}
	p1b, err := c.ContributePhase1(p1a)
	if err != nil {
		t.Fatal(err)
	}
	beacon1, beacon2 := []byte("beacon 1"), []byte("beacon 2")
	// Out of order, or a tampered contribution, does not verify.
	if _, err := c.VerifyPhase1([][]byte{p1b, p1a}, beacon1); !errors.Is(err, ErrCeremony) {
		t.Fatalf("phase 1 out of order: %v", err)
	}
	bad := append([]byte(nil), p1b...)
	bad[len(bad)/2] ^= 1
	if _, err := c.VerifyPhase1([][]byte{p1a, bad}, beacon1); !errors.Is(err, ErrCeremony) {
		t.Fatalf("tampered phase 1: %v", err)
	}
	srs, err := c.VerifyPhase1([][]byte{p1a, p1b}, beacon1)
	if err != nil {
		t.Fatal(err)
	}
	q1, err := c.ContributePhase2(srs, nil)
	if err != nil {
		t.Fatal(err)
	}
	q2, err := c.ContributePhase2(srs, q1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Finish(srs, [][]byte{q2}, beacon2); !errors.Is(err, ErrCeremony) {
		t.Fatalf("phase 2 missing its first contribution: %v", err)
	}
	bad = append([]byte(nil), q2...)
	bad[len(bad)-40] ^= 1
	if _, err := c.Finish(srs, [][]byte{q1, bad}, beacon2); !errors.Is(err, ErrCeremony) {
		t.Fatalf("tampered phase 2: %v", err)
	}
	keys, err := c.Finish(srs, [][]byte{q1, q2}, beacon2)
	if err != nil {
		t.Fatal(err)
	}
	if keys.Kind != SetupCeremony || keys.Kind.Insecure() || keys.RequireSecure(false) != nil {
		t.Fatalf("ceremony keys: kind %v", keys.Kind)
	}
	in := testInputs(5)
	p, err := Prove(keys, ccs, statementAssignment(in))
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(keys, EncodeProof(p), in); err != nil {
		t.Fatal(err)
	}
	// The same transcript gives the same keys to anyone who verifies it.
	again, err := c.Finish(srs, [][]byte{q1, q2}, beacon2)
	if err != nil {
		t.Fatal(err)
	}
	if again.VK.IsDifferent(keys.VK) {
		t.Fatal("re-verifying the transcript gave other keys")
	}
	if _, err := c.ContributePhase1([]byte("junk")); !errors.Is(err, ErrCeremony) {
		t.Fatalf("junk contribution: %v", err)
	}
}
