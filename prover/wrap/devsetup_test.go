package wrap

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	curve "github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fp"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/fft"
	"github.com/consensys/gnark/backend/groth16"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
	"github.com/consensys/gnark/constraint"
	cs "github.com/consensys/gnark/constraint/bn254"
	"github.com/consensys/gnark/frontend"
)

// devTestCircuit has public and secret inputs, internal wires, and wires missing from the left
// or the right side of every constraint, so that a setup must prune points at infinity from
// both A and B: Y and Out appear only as outputs, X only on the left, S only on the right.
type devTestCircuit struct {
	X   frontend.Variable `gnark:",public"`
	Y   frontend.Variable `gnark:",public"`
	S   frontend.Variable `gnark:",secret"`
	T   frontend.Variable `gnark:",secret"`
	Out frontend.Variable `gnark:",secret"`
}

// Define implements frontend.Circuit: Y = X·T + 3, Out = (T + 1)·S·S.
func (c *devTestCircuit) Define(api frontend.API) error {
	api.AssertIsEqual(api.Add(api.Mul(c.X, c.T), 3), c.Y)
	api.AssertIsEqual(api.Mul(api.Add(c.T, 1), c.S, c.S), c.Out)
	return nil
}

func devTestAssignment(x, s, t uint64) *devTestCircuit {
	var y, out, tt fr.Element
	y.SetUint64(x).Mul(&y, new(fr.Element).SetUint64(t)).Add(&y, new(fr.Element).SetUint64(3))
	tt.SetUint64(t + 1)
	out.SetUint64(s).Square(&out).Mul(&out, &tt)
	return &devTestCircuit{X: x, Y: y, S: s, T: t, Out: out}
}

func encodeKeys(t testing.TB, k *Keys) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := EncodeKeys(&buf, k); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func rawVK(t testing.TB, vk *groth16bn254.VerifyingKey) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := vk.WriteRawTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// devAndOtherKeys returns the dev keys of ccs and keys from another seed.
func devAndOtherKeys(t *testing.T, ccs *cs.R1CS) (dev, other *Keys) {
	t.Helper()
	dev, err := DevSetup(ccs)
	if err != nil {
		t.Fatal(err)
	}
	if other, err = SeededSetup(ccs, []byte("another seed")); err != nil {
		t.Fatal(err)
	}
	return dev, other
}

// TestSeededSetupProves: gnark's own prover and verifier accept proofs under seeded keys, for
// several witnesses, and reject them for other public inputs.
func TestSeededSetupProves(t *testing.T) {
	ccs := compileSystem(t, &devTestCircuit{})
	keys, err := DevSetup(ccs)
	if err != nil {
		t.Fatal(err)
	}
	if keys.PK.NbInfinityA == 0 || keys.PK.NbInfinityB == 0 {
		t.Fatalf("test circuit prunes %d A and %d B points, want some of each", keys.PK.NbInfinityA, keys.PK.NbInfinityB)
	}
	for _, w := range [][3]uint64{{2, 3, 5}, {0, 0, 0}, {1 << 40, 7, 1<<63 - 1}, {9, 1, 0}} {
		good := devTestAssignment(w[0], w[1], w[2])
		full, err := frontend.NewWitness(good, fr.Modulus())
		if err != nil {
			t.Fatal(err)
		}
		proof, err := groth16.Prove(ccs, keys.PK, full)
		if err != nil {
			t.Fatalf("witness %v: %v", w, err)
		}
		public, err := full.Public()
		if err != nil {
			t.Fatal(err)
		}
		if err := groth16.Verify(proof, keys.VK, public); err != nil {
			t.Fatalf("witness %v: %v", w, err)
		}
		// The same proof for Y + 1 fails.
		bad := *good
		y := good.Y.(fr.Element)
		bad.Y = *y.Add(&y, new(fr.Element).SetOne())
		badPublic, err := frontend.NewWitness(&bad, fr.Modulus(), frontend.PublicOnly())
		if err != nil {
			t.Fatal(err)
		}
		if err := groth16.Verify(proof, keys.VK, badPublic); err == nil {
			t.Fatalf("witness %v: proof verifies for another public Y", w)
		}
	}
}

// TestSeededSetupPackageProveVerify: the package's Prove and Verify (the Solidity verifier's
// hashing) accept seeded keys, with and without a Pedersen commitment; a changed public input or
// a proof under another seed's keys is rejected; ExportSolidity writes a verifier for them.
func TestSeededSetupPackageProveVerify(t *testing.T) {
	for _, tc := range []struct {
		name    string
		circuit frontend.Circuit
		assign  func(in [NumPublicInputs]fr.Element) frontend.Circuit
		commits int
	}{
		{"StatementCircuit", &StatementCircuit{}, func(in [NumPublicInputs]fr.Element) frontend.Circuit {
			var p fr.Element
			p.Mul(&in[0], &in[1])
			return &StatementCircuit{KeySetRoot: in[0], ClaimDigest: in[1], Product: p}
		}, 0},
		{"StatementCommitCircuit", &StatementCommitCircuit{}, func(in [NumPublicInputs]fr.Element) frontend.Circuit {
			return statementAssignment(in)
		}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ccs := compileSystem(t, tc.circuit)
			keys, other := devAndOtherKeys(t, ccs)
			if keys.NbCommitments() != tc.commits {
				t.Fatalf("%d commitments, want %d", keys.NbCommitments(), tc.commits)
			}
			for seed := uint64(20); seed < 23; seed++ {
				in := testInputs(seed)
				p, err := Prove(keys, ccs, tc.assign(in))
				if err != nil {
					t.Fatal(err)
				}
				enc := EncodeProof(p)
				if len(enc) != ProofBytes(tc.commits) {
					t.Fatalf("proof of %d bytes, want %d", len(enc), ProofBytes(tc.commits))
				}
				if err := Verify(keys, enc, in); err != nil {
					t.Fatal(err)
				}
				for k := range NumPublicInputs {
					bad := in
					bad[k].Add(&bad[k], new(fr.Element).SetOne())
					if err := Verify(keys, enc, bad); !errors.Is(err, ErrProofInvalid) {
						t.Fatalf("public input %d + 1: %v", k, err)
					}
				}
				if err := Verify(other, enc, in); !errors.Is(err, ErrProofInvalid) {
					t.Fatalf("proof checked under another seed's keys: %v", err)
				}
			}
			src, err := ExportSolidity(keys)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(src, "contract "+SolidityContractName) {
				t.Fatal("exported Solidity has no verifier contract")
			}
		})
	}
}

// TestSeededSetupDeterministic: one circuit and seed give byte-identical keys, however many
// goroutines compute them; another seed gives another verifying key.
func TestSeededSetupDeterministic(t *testing.T) {
	for _, c := range []frontend.Circuit{&StatementCircuit{}, &StatementCommitCircuit{}, &devTestCircuit{}} {
		ccs := compileSystem(t, c)
		a, err := DevSetup(ccs)
		if err != nil {
			t.Fatal(err)
		}
		prev := runtime.GOMAXPROCS(1)
		b, err := DevSetup(ccs)
		runtime.GOMAXPROCS(prev)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(encodeKeys(t, a), encodeKeys(t, b)) {
			t.Fatalf("%T: two dev setups differ", c)
		}
		o, err := SeededSetup(ccs, []byte(DevSeed+"!"))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(rawVK(t, a.VK), rawVK(t, o.VK)) || a.VK.G1.Alpha.Equal(&o.VK.G1.Alpha) {
			t.Fatalf("%T: another seed gave the same verifying key", c)
		}
	}
}

// devStatementVKDigest is sha256 of the raw verifying key of StatementCircuit under DevSeed. It
// changes when the seed, the derivation of the toxic waste, the key layout, or gnark's
// compilation of the circuit changes. If that change is intended, update it from the failure
// message: every dev verifier deployed before the change rejects proofs made after it.
const devStatementVKDigest = "5647bd082d398124721640050c9c681cb2622d8cf23d8f2fc4de58f8873ab92c"

func TestDevSetupGolden(t *testing.T) {
	keys, err := DevSetup(compileSystem(t, &StatementCircuit{}))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(rawVK(t, keys.VK))
	if got := hex.EncodeToString(sum[:]); got != devStatementVKDigest {
		t.Fatalf("dev verifying key of StatementCircuit: sha256 %s, want %s", got, devStatementVKDigest)
	}
}

// sameShape fails unless our keys have the structure gnark's Setup gives the same circuit: the
// same lengths of every key slice, the same points at infinity pruned, the same domain and
// commitment layout. Only the values (from another τ, α, β, γ, δ) may differ.
func sameShape(t *testing.T, ccs *cs.R1CS, ours *Keys) {
	t.Helper()
	pk, vk, err := groth16.Setup(ccs)
	if err != nil {
		t.Fatal(err)
	}
	gpk, gvk := pk.(*groth16bn254.ProvingKey), vk.(*groth16bn254.VerifyingKey)
	opk, ovk := ours.PK, ours.VK
	lens := func(what string, a, b int) {
		if a != b {
			t.Errorf("%s: %d, gnark %d", what, a, b)
		}
	}
	lens("pk.G1.A", len(opk.G1.A), len(gpk.G1.A))
	lens("pk.G1.B", len(opk.G1.B), len(gpk.G1.B))
	lens("pk.G1.Z", len(opk.G1.Z), len(gpk.G1.Z))
	lens("pk.G1.K", len(opk.G1.K), len(gpk.G1.K))
	lens("pk.G2.B", len(opk.G2.B), len(gpk.G2.B))
	lens("vk.G1.K", len(ovk.G1.K), len(gvk.G1.K))
	lens("pk.NbInfinityA", int(opk.NbInfinityA), int(gpk.NbInfinityA))
	lens("pk.NbInfinityB", int(opk.NbInfinityB), int(gpk.NbInfinityB))
	lens("pk.CommitmentKeys", len(opk.CommitmentKeys), len(gpk.CommitmentKeys))
	lens("vk.CommitmentKeys", len(ovk.CommitmentKeys), len(gvk.CommitmentKeys))
	for i := range min(len(opk.CommitmentKeys), len(gpk.CommitmentKeys)) {
		lens("pk.CommitmentKeys.Basis", len(opk.CommitmentKeys[i].Basis), len(gpk.CommitmentKeys[i].Basis))
		lens("pk.CommitmentKeys.BasisExpSigma", len(opk.CommitmentKeys[i].BasisExpSigma), len(gpk.CommitmentKeys[i].BasisExpSigma))
	}
	if !slices.Equal(opk.InfinityA, gpk.InfinityA) || !slices.Equal(opk.InfinityB, gpk.InfinityB) {
		t.Error("InfinityA or InfinityB differs from gnark's")
	}
	var od, gd bytes.Buffer
	if _, err := opk.Domain.WriteTo(&od); err != nil {
		t.Fatal(err)
	}
	if _, err := gpk.Domain.WriteTo(&gd); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(od.Bytes(), gd.Bytes()) {
		t.Error("FFT domain differs from gnark's")
	}
	if !slices.EqualFunc(ovk.PublicAndCommitmentCommitted, gvk.PublicAndCommitmentCommitted, slices.Equal[[]int]) {
		t.Error("PublicAndCommitmentCommitted differs from gnark's")
	}
	// Same serialized length: nothing gnark writes is missing or extra.
	var ob, gb bytes.Buffer
	if _, err := opk.WriteRawTo(&ob); err != nil {
		t.Fatal(err)
	}
	if _, err := gpk.WriteRawTo(&gb); err != nil {
		t.Fatal(err)
	}
	lens("raw proving key bytes", ob.Len(), gb.Len())
}

func TestSeededSetupShapeMatchesGnark(t *testing.T) {
	circuits := []frontend.Circuit{&devTestCircuit{}, &StatementCircuit{}, &StatementCommitCircuit{}}
	if !testing.Short() {
		circuits = append(circuits, &BindingCircuit{}) // 80k constraints: gnark's setup takes about 30 s here
	}
	for _, c := range circuits {
		ccs := compileSystem(t, c)
		keys, err := DevSetup(ccs)
		if err != nil {
			t.Fatal(err)
		}
		sameShape(t, ccs, keys)
	}
}

// TestFixedBase checks the comb against plain scalar multiplication in both groups, at several
// digit widths, for scalars that stress the signed-digit recoding: zero, one, r − 1, digits at
// the carry boundary, all-ones words, and random ones.
func TestFixedBase(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var scalars []fr.Element
	for _, v := range []int64{0, 1, 2, -1, -2} {
		var e fr.Element
		e.SetInt64(v)
		scalars = append(scalars, e)
	}
	for _, s := range []string{"ffffffffffffffff", "8000", "7fff8000", "ffffffffffffffffffffffffffffffff", "2000000000000000000000000000000000000000000000000000000000000000"} {
		b, _ := new(big.Int).SetString(s, 16)
		var e fr.Element
		e.SetBigInt(b)
		scalars = append(scalars, e)
	}
	for range 40 {
		var e fr.Element
		e.SetUint64(rng.Uint64()).Mul(&e, new(fr.Element).SetUint64(rng.Uint64())).Exp(e, big.NewInt(5))
		scalars = append(scalars, e)
	}
	_, _, g1, g2 := curve.Generators()
	for _, c := range []uint{2, 5, 8, 11} {
		f1 := buildFixedBase[curve.G1Affine, fp.Element](xy[fp.Element]{g1.X, g1.Y}, c, setG1)
		f2 := buildFixedBase[curve.G2Affine, curve.E2](xy[curve.E2]{g2.X, g2.Y}, c, setG2)
		got1, got2 := f1.mul(scalars), f2.mul(scalars)
		for i := range scalars {
			var b big.Int
			scalars[i].BigInt(&b)
			var w1 curve.G1Affine
			var w2 curve.G2Affine
			w1.ScalarMultiplication(&g1, &b)
			w2.ScalarMultiplication(&g2, &b)
			if !got1[i].Equal(&w1) || !got2[i].Equal(&w2) {
				t.Fatalf("width %d, scalar %s: wrong multiple", c, b.Text(16))
			}
		}
	}
}

// TestSumInto: the four cases of adding a table entry to a partial sum, each against gnark's
// Jacobian arithmetic.
func TestSumInto(t *testing.T) {
	_, _, g, _ := curve.Generators()
	pt := func(k int64) xy[fp.Element] {
		var p curve.G1Affine
		p.ScalarMultiplication(&g, big.NewInt(k))
		return xy[fp.Element]{p.X, p.Y}
	}
	three, five, minusThree := pt(3), pt(5), pt(-3)
	for _, tc := range []struct {
		name    string
		p       xy[fp.Element]
		inf     bool
		q       xy[fp.Element]
		want    xy[fp.Element]
		wantInf bool
		queued  bool
	}{
		{"infinity + q", xy[fp.Element]{}, true, five, five, false, false},
		{"3P + 5P", three, false, five, pt(8), false, true},
		{"3P + 3P", three, false, three, pt(6), false, false},
		{"3P + (−3P)", three, false, minusThree, xy[fp.Element]{}, true, false},
	} {
		p, inf := tc.p, tc.inf
		ps, qs := sumInto[fp.Element](&p, &inf, &tc.q, nil, nil)
		if (len(ps) == 1) != tc.queued {
			t.Fatalf("%s: queued %d additions", tc.name, len(ps))
		}
		addAffine[fp.Element](ps, qs, make([]fp.Element, len(ps)))
		if inf != tc.wantInf || (!inf && p != tc.want) {
			t.Fatalf("%s: wrong sum", tc.name)
		}
	}
}

// TestDevKeysCache: DevKeys loads cached keys rather than recomputing them (the file is not
// rewritten), computes from an empty cache the same keys as another cache holds, and replaces
// cached dev keys that are not DevSeed's (an earlier version's random ones, here another seed's).
func TestDevKeysCache(t *testing.T) {
	ccs := compileSystem(t, &StatementCircuit{})
	want, err := DevSetup(ccs)
	if err != nil {
		t.Fatal(err)
	}
	a := KeyCache{Dir: filepath.Join(t.TempDir(), "a")}
	b := KeyCache{Dir: filepath.Join(t.TempDir(), "b")}
	ka, err := a.DevKeys(ccs)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := b.DevKeys(ccs)
	if err != nil {
		t.Fatal(err)
	}
	path := a.Path(want.Circuit, SetupDev)
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	la, err := a.DevKeys(ccs)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || !fi.ModTime().Equal(old) {
		t.Fatalf("DevKeys rewrote cached keys (%v)", err)
	}
	for _, k := range []*Keys{ka, kb, la} {
		if !bytes.Equal(encodeKeys(t, k), encodeKeys(t, want)) {
			t.Fatal("cached or recomputed dev keys differ from DevSetup's")
		}
	}

	stale, err := SeededSetup(ccs, []byte("an earlier dev setup"))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Store(stale); err != nil {
		t.Fatal(err)
	}
	got, err := a.DevKeys(ccs)
	if err != nil {
		t.Fatal(err)
	}
	reloaded, err := a.Load(want.Circuit, SetupDev)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []*Keys{got, reloaded} {
		if !bytes.Equal(encodeKeys(t, k), encodeKeys(t, want)) {
			t.Fatal("DevKeys kept cached dev keys that are not DevSeed's")
		}
	}
}

// TestSeedScalarRejects: a rejected value is drawn again under the next counter, and a τ in the
// FFT domain is rejected.
func TestSeedScalarRejects(t *testing.T) {
	seed := []byte(DevSeed)
	first, err := seedScalar(seed, "tau", nil)
	if err != nil {
		t.Fatal(err)
	}
	second, err := seedScalar(seed, "tau", func(e *fr.Element) bool { return e.Equal(&first) })
	if err != nil {
		t.Fatal(err)
	}
	if second.Equal(&first) || second.IsZero() {
		t.Fatal("rejected value returned again")
	}
	if _, err := seedScalar(seed, "tau", func(*fr.Element) bool { return true }); err == nil {
		t.Fatal("a seed with every value rejected gave a value")
	}
	d := fft.NewDomain(1 << 10)
	w := d.Generator
	if !vanishes(&w, d.Cardinality) || vanishes(&w, d.Cardinality/2) || vanishes(&first, d.Cardinality) {
		t.Fatal("vanishes disagrees with the domain")
	}
}

// TestSeededBy: seededBy recognises keys of its seed and rejects another seed's, and keys that
// differ from its seed's in any one blinder.
func TestSeededBy(t *testing.T) {
	ccs := compileSystem(t, &StatementCircuit{})
	keys, other := devAndOtherKeys(t, ccs)
	if ok, err := seededBy(keys.VK, []byte(DevSeed)); !ok || err != nil {
		t.Fatalf("DevSeed keys: %v, %v", ok, err)
	}
	if ok, _ := seededBy(other.VK, []byte(DevSeed)); ok {
		t.Fatal("another seed's keys taken for DevSeed's")
	}
	for i, swap := range []func(vk *groth16bn254.VerifyingKey){
		func(vk *groth16bn254.VerifyingKey) { vk.G1.Alpha = other.VK.G1.Alpha },
		func(vk *groth16bn254.VerifyingKey) { vk.G2.Beta = other.VK.G2.Beta },
		func(vk *groth16bn254.VerifyingKey) { vk.G2.Gamma = other.VK.G2.Gamma },
		func(vk *groth16bn254.VerifyingKey) { vk.G2.Delta = other.VK.G2.Delta },
	} {
		vk := *keys.VK
		swap(&vk)
		if ok, _ := seededBy(&vk, []byte(DevSeed)); ok {
			t.Fatalf("blinder %d of another seed not noticed", i)
		}
	}
}

// TestSeededSetupRefuses: a system whose commitment info names a public wire as committed is
// ErrCircuit, not keys.
func TestSeededSetupRefuses(t *testing.T) {
	ccs := compileSystem(t, &StatementCommitCircuit{})
	info := ccs.CommitmentInfo.(constraint.Groth16Commitments)
	bad := make(constraint.Groth16Commitments, len(info))
	copy(bad, info)
	bad[0].PrivateCommitted = append([]int{0}, bad[0].PrivateCommitted...)
	ccs.CommitmentInfo = bad
	if _, err := DevSetup(ccs); !errors.Is(err, ErrCircuit) {
		t.Fatalf("public wire committed as private: %v", err)
	}
	ccs.CommitmentInfo = info
	bad[0].PrivateCommitted = append([]int{info[0].CommitmentIndex}, info[0].PrivateCommitted...)
	ccs.CommitmentInfo = bad
	if _, err := DevSetup(ccs); !errors.Is(err, ErrCircuit) {
		t.Fatalf("commitment wire committed: %v", err)
	}
}

// BenchmarkDevSetup times this package's seeded setup and gnark's groth16.Setup on the binding
// circuit (80k constraints) in the same run: setup-s and gnark-s, their ratio, and each one's
// peak live heap above what was live before it (sampled every 5 ms). Half a minute on a 2-core
// machine: run with -benchtime=1x.
func BenchmarkDevSetup(b *testing.B) {
	ccs := compileSystem(b, &BindingCircuit{})
	var ours, theirs time.Duration
	var oursPeak, theirsPeak uint64
	for range b.N {
		d, peak := timeAndPeakHeap(b, func() error { _, err := DevSetup(ccs); return err })
		ours += d
		oursPeak = max(oursPeak, peak)
		d, peak = timeAndPeakHeap(b, func() error { _, _, err := groth16.Setup(ccs); return err })
		theirs += d
		theirsPeak = max(theirsPeak, peak)
	}
	n := float64(b.N)
	b.ReportMetric(ours.Seconds()/n, "setup-s")
	b.ReportMetric(theirs.Seconds()/n, "gnark-s")
	b.ReportMetric(theirs.Seconds()/ours.Seconds(), "speedup")
	b.ReportMetric(float64(oursPeak>>20), "peak-heap-MiB")
	b.ReportMetric(float64(theirsPeak>>20), "gnark-peak-heap-MiB")
	b.ReportMetric(float64(ccs.GetNbConstraints()), "constraints")
}

// timeAndPeakHeap runs fn and returns its duration and the peak of the live heap over the
// baseline, from runtime/metrics (no stop-the-world).
func timeAndPeakHeap(b *testing.B, fn func() error) (time.Duration, uint64) {
	b.Helper()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	runtime.GC()
	base := read()
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			if h := read(); h > peak.Load() {
				peak.Store(h)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	start := time.Now()
	err := fn()
	d := time.Since(start)
	close(done)
	wg.Wait()
	if err != nil {
		b.Fatal(err)
	}
	return d, peak.Load() - min(base, peak.Load())
}
