package contracts

import (
	"context"
	"errors"
	"math/big"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	cs "github.com/consensys/gnark/constraint/bn254"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/params"
	"github.com/zkexex/zkexex/contracts/bindings"
	"github.com/zkexex/zkexex/contracts/internal/solc"
	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/wrap"
)

// groth16Circuit is a circuit with the wrap circuit's two public inputs, set up and with its
// gnark verifier compiled: what a Groth16OutputVerifier deployment needs.
type groth16Circuit struct {
	ccs      *cs.R1CS
	keys     *wrap.Keys
	bytecode []byte
	// assign returns a full witness for the public inputs.
	assign func(in [wrap.NumPublicInputs]fr.Element) frontend.Circuit
}

func (c *groth16Circuit) prove(t testing.TB, in [wrap.NumPublicInputs]fr.Element) []byte {
	t.Helper()
	p, err := wrap.Prove(c.keys, c.ccs, c.assign(in))
	if err != nil {
		t.Fatal(err)
	}
	return wrap.EncodeProof(p)
}

func requireSolc(t testing.TB) {
	t.Helper()
	if err := solc.Installed("."); err != nil {
		t.Skipf("needs the pinned solc to compile gnark's verifier: %v", err)
	}
}

func setUpCircuit(circuit frontend.Circuit, assign func([wrap.NumPublicInputs]fr.Element) frontend.Circuit, ceremony bool) (*groth16Circuit, error) {
	compiled, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, circuit)
	if err != nil {
		return nil, err
	}
	ccs, err := wrap.R1CS(compiled)
	if err != nil {
		return nil, err
	}
	var keys *wrap.Keys
	if ceremony {
		keys, err = tinyCeremony(ccs)
	} else {
		keys, err = wrap.DevSetup(ccs)
	}
	if err != nil {
		return nil, err
	}
	return withVerifier(ccs, keys, assign)
}

func withVerifier(ccs *cs.R1CS, keys *wrap.Keys, assign func([wrap.NumPublicInputs]fr.Element) frontend.Circuit) (*groth16Circuit, error) {
	src, err := wrap.ExportSolidity(keys)
	if err != nil {
		return nil, err
	}
	code, err := CompileGroth16Verifier(".", src)
	if err != nil {
		return nil, err
	}
	return &groth16Circuit{ccs: ccs, keys: keys, bytecode: code, assign: assign}, nil
}

// tinyCeremony runs a two-contributor ceremony for a small circuit.
func tinyCeremony(ccs *cs.R1CS) (*wrap.Keys, error) {
	c := wrap.NewCeremony(ccs)
	a, err := c.ContributePhase1(nil)
	if err != nil {
		return nil, err
	}
	b, err := c.ContributePhase1(a)
	if err != nil {
		return nil, err
	}
	srs, err := c.VerifyPhase1([][]byte{a, b}, []byte("test beacon 1"))
	if err != nil {
		return nil, err
	}
	q1, err := c.ContributePhase2(srs, nil)
	if err != nil {
		return nil, err
	}
	q2, err := c.ContributePhase2(srs, q1)
	if err != nil {
		return nil, err
	}
	return c.Finish(srs, [][]byte{q1, q2}, []byte("test beacon 2"))
}

func commitAssign(in [wrap.NumPublicInputs]fr.Element) frontend.Circuit {
	var prod fr.Element
	prod.Mul(&in[0], &in[1])
	return &wrap.StatementCommitCircuit{KeySetRoot: in[0], ClaimDigest: in[1], Product: prod, Byte: 7}
}

func plainAssign(in [wrap.NumPublicInputs]fr.Element) frontend.Circuit {
	var prod fr.Element
	prod.Mul(&in[0], &in[1])
	return &wrap.StatementCircuit{KeySetRoot: in[0], ClaimDigest: in[1], Product: prod}
}

// The circuits are set up and their verifiers compiled once per test binary.
var (
	commitCircuit = sync.OnceValues(func() (*groth16Circuit, error) {
		return setUpCircuit(&wrap.StatementCommitCircuit{}, commitAssign, false)
	})
	plainCircuit = sync.OnceValues(func() (*groth16Circuit, error) {
		return setUpCircuit(&wrap.StatementCircuit{}, plainAssign, false)
	})
	ceremonyCircuit = sync.OnceValues(func() (*groth16Circuit, error) {
		return setUpCircuit(&wrap.StatementCircuit{}, plainAssign, true)
	})
)

func mustCircuit(t testing.TB, get func() (*groth16Circuit, error)) *groth16Circuit {
	t.Helper()
	requireSolc(t)
	c, err := get()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var testKeySet = func() hash.Digest {
	var d hash.Digest
	for i := range d {
		d[i].SetUint64(uint64(0x01020304 * (i + 1)))
	}
	return d
}()

// groth16Fixture is a simulated L1 with a Groth16OutputVerifier and an oracle using it.
type groth16Fixture struct {
	*fixture
	circuit *groth16Circuit
	gnark   common.Address
	g16     *bindings.Groth16OutputVerifier
}

// newGroth16Fixture deploys gnark's verifier for c, a Groth16OutputVerifier over it (isDev =
// c.keys.Kind.Insecure()) and an oracle that allows dev verifiers when allowDev.
func newGroth16Fixture(t testing.TB, c *groth16Circuit, config *params.ChainConfig, allowDev bool) *groth16Fixture {
	t.Helper()
	f := &fixture{}
	_, f.deployer = newKey(t)
	_, f.proposer = newKey(t)
	_, f.challenger = newKey(t)
	_, f.other = newKey(t)
	f.sim = newSimWith(t, config, f.deployer, f.proposer, f.challenger, f.other)
	f.client = f.sim.Client()
	stop := autoCommit(f.sim, 20*time.Millisecond)
	d, err := DeployGroth16Verifier(context.Background(), f.deployer, f.client, Groth16Config{
		VerifierBytecode: c.bytecode,
		KeySetRoot:       keySetBig(testKeySet),
		ProofLength:      wrap.ProofBytes(c.keys.NbCommitments()),
		Dev:              c.keys.Kind.Insecure(),
	})
	stop()
	if err != nil {
		t.Fatal(err)
	}
	head := f.head(t)
	f.verifier = d.Verifier
	f.cfg = OracleConfig{
		SubmissionInterval: 10, L2BlockTime: 1, StartingBlockNumber: 100, StartingTimestamp: head.Time - 10_000,
		StartingOutputRoot: testStartRoot, Proposer: f.proposer.From, Challenger: f.challenger.From,
		FinalizationPeriodSeconds: 600, Verifier: d.Verifier, ImageID: testImageID, ConfigHash: testConfigHash,
		AllowDevVerifier: allowDev,
	}
	f.oracleAddr, _, f.oracle, err = bindings.DeployL2OutputOracle(f.deployer, f.client, f.cfg.params())
	if err != nil {
		t.Fatalf("deploy oracle: %v", AsRevert(err))
	}
	f.sim.Commit()
	return &groth16Fixture{fixture: f, circuit: c, gnark: d.Gnark, g16: d.Binding}
}

func keySetBig(d hash.Digest) *big.Int {
	k := wrap.KeySetInput(d)
	return k.BigInt(new(big.Int))
}

// proofFor proves the proposal (image, config, prev -> root at block) under the fixture's key set.
func (g *groth16Fixture) proofFor(t testing.TB, image, config, prev, root common.Hash, block uint64) []byte {
	t.Helper()
	var in [wrap.NumPublicInputs]fr.Element
	in[wrap.PublicKeySetRoot] = wrap.KeySetInput(testKeySet)
	d := wrap.ClaimDigest(image, config, prev, root, block)
	in[wrap.PublicClaimDigest].SetBytes(d[:])
	return g.circuit.prove(t, in)
}

func (g *groth16Fixture) proposeWith(t testing.TB, root common.Hash, block uint64, proof []byte) (*types.Receipt, error) {
	t.Helper()
	return g.send(t, func() (*types.Transaction, error) {
		return g.oracle.ProposeL2Output(g.proposer, root, big64(block), common.Hash{}, common.Big0, proof)
	})
}

// gnarkErrors are the reasons gnark's verifier gives for a bad proof.
var gnarkErrors = map[string]bool{"ProofInvalid": true, "CommitmentInvalid": true, "PublicInputNotInField": true}

func TestGroth16ClaimDigestMatchesGo(t *testing.T) {
	g := newGroth16Fixture(t, mustCircuit(t, plainCircuit), nil, true)
	r := rand.New(rand.NewPCG(1, 2))
	for range 8 {
		var image, config, prev, root common.Hash
		for _, h := range []*common.Hash{&image, &config, &prev, &root} {
			for i := range h {
				h[i] = byte(r.Uint32())
			}
		}
		block := r.Uint64()
		got, err := g.g16.ClaimDigest(nil, image, config, prev, root, big64(block))
		if err != nil {
			t.Fatal(err)
		}
		want := wrap.ClaimDigest(image, config, prev, root, block)
		if got.Cmp(new(big.Int).SetBytes(want[:])) != 0 {
			t.Fatalf("Solidity claimDigest %x, Go %x", got, want)
		}
	}
}

func TestGroth16ProposeAccepts(t *testing.T) {
	for _, tc := range []struct {
		name string
		get  func() (*groth16Circuit, error)
	}{{"commitment", commitCircuit}, {"no commitment", plainCircuit}} {
		t.Run(tc.name, func(t *testing.T) {
			g := newGroth16Fixture(t, mustCircuit(t, tc.get), nil, true)
			prev := testStartRoot
			for i := range 3 {
				block := g.cfg.StartingBlockNumber + uint64(i+1)*g.cfg.SubmissionInterval
				root := outputRoot(i)
				if _, err := g.proposeWith(t, root, block, g.proofFor(t, testImageID, testConfigHash, prev, root, block)); err != nil {
					t.Fatalf("proposal %d: %v", i, err)
				}
				prev = root
			}
			latest, err := g.oracle.LatestOutputRoot(nil)
			if err != nil {
				t.Fatal(err)
			}
			if latest != prev {
				t.Fatalf("latest output root %s, want %s", latest, prev)
			}
		})
	}
}

// TestGroth16ProposeRejects tampers with a proof of the circuit without a commitment, the shape
// of the binding circuit's proofs (256 bytes).
func TestGroth16ProposeRejects(t *testing.T) {
	g := newGroth16Fixture(t, mustCircuit(t, plainCircuit), nil, true)
	first := g.cfg.StartingBlockNumber + g.cfg.SubmissionInterval
	root := outputRoot(1)
	good := g.proofFor(t, testImageID, testConfigHash, testStartRoot, root, first)
	other := common.HexToHash("0x0123")

	propose := func(t *testing.T, root common.Hash, proof []byte) *RevertError {
		t.Helper()
		_, err := g.proposeWith(t, root, first, proof)
		re := wantRevert(t, err, "ProofRejected")
		if re.Inner == nil || re.Inner.Name == "" {
			t.Fatalf("verifier's reason not decoded: %v", err)
		}
		return re
	}

	t.Run("every proof byte", func(t *testing.T) {
		for i := range good {
			bad := flip(good, i)
			if re := propose(t, root, bad); !gnarkErrors[re.Inner.Name] {
				t.Fatalf("byte %d: %s", i, re.Reason())
			}
		}
	})
	t.Run("length", func(t *testing.T) {
		withCommitment := append(append([]byte{}, good...), make([]byte, 128)...)
		for _, bad := range [][]byte{nil, good[:len(good)-1], append(append([]byte{}, good...), 0), good[:192], withCommitment} {
			if re := propose(t, root, bad); re.Inner.Name != "ProofLengthMismatch" {
				t.Fatalf("%d bytes: %s", len(bad), re.Reason())
			}
		}
	})
	t.Run("output root", func(t *testing.T) {
		if re := propose(t, outputRoot(2), good); re.Inner.Name != "ProofInvalid" {
			t.Fatal(re.Reason())
		}
	})
	// The oracle fixes the block number, image, config and previous root, so proofs made for other
	// values than the proposal's are what a proposer could try.
	for _, tc := range []struct {
		name                string
		image, config, prev common.Hash
		block               uint64
	}{
		{"block number", testImageID, testConfigHash, testStartRoot, first + 1},
		{"image ID", other, testConfigHash, testStartRoot, first},
		{"config hash", testImageID, other, testStartRoot, first},
		{"previous output", testImageID, testConfigHash, other, first},
	} {
		t.Run("proof for another "+tc.name, func(t *testing.T) {
			proof := g.proofFor(t, tc.image, tc.config, tc.prev, root, tc.block)
			if re := propose(t, root, proof); re.Inner.Name != "ProofInvalid" {
				t.Fatal(re.Reason())
			}
		})
	}
	// And verify() itself, called with each argument changed.
	t.Run("verify arguments", func(t *testing.T) {
		args := []struct {
			name                      string
			image, config, prev, root common.Hash
			block                     uint64
		}{
			{"image ID", other, testConfigHash, testStartRoot, root, first},
			{"config hash", testImageID, other, testStartRoot, root, first},
			{"previous output", testImageID, testConfigHash, other, root, first},
			{"output root", testImageID, testConfigHash, testStartRoot, other, first},
			{"block number", testImageID, testConfigHash, testStartRoot, root, first + 1},
		}
		if err := g.g16.Verify(nil, testImageID, testConfigHash, testStartRoot, root, big64(first), good); err != nil {
			t.Fatalf("the unchanged call: %v", AsRevert(err))
		}
		for _, a := range args {
			err := AsRevert(g.g16.Verify(nil, a.image, a.config, a.prev, a.root, big64(a.block), good))
			wantRevert(t, err, "ProofInvalid")
		}
		// A block number beyond uint64 (the span program writes a uint64 word) is refused too.
		huge := new(big.Int).Lsh(big.NewInt(1), 64)
		wantRevert(t, AsRevert(g.g16.Verify(nil, testImageID, testConfigHash, testStartRoot, root, huge.Add(huge, big64(first)), good)), "ProofInvalid")
	})
	t.Run("key-set root", func(t *testing.T) {
		// The same gnark verifier under a Groth16OutputVerifier holding another key-set root.
		stop := autoCommit(g.sim, 20*time.Millisecond)
		defer stop()
		otherSet := testKeySet
		otherSet[3].SetUint64(42)
		addr, tx, v, err := bindings.DeployGroth16OutputVerifier(g.deployer, g.client, g.gnark, keySetBig(otherSet), big.NewInt(int64(len(good))), true)
		if err != nil {
			t.Fatal(AsRevert(err))
		}
		if err := waitDeployed(context.Background(), g.client, tx, addr); err != nil {
			t.Fatal(err)
		}
		err = AsRevert(v.Verify(nil, testImageID, testConfigHash, testStartRoot, root, big64(first), good))
		wantRevert(t, err, "ProofInvalid")
	})
	// Nothing above was accepted: the good proof still goes through.
	if _, err := g.proposeWith(t, root, first, good); err != nil {
		t.Fatal(err)
	}
}

func TestGroth16DevGuards(t *testing.T) {
	dev := mustCircuit(t, plainCircuit)
	// A dev-setup verifier is refused by an oracle not deployed for dev mode.
	_, deployer := newKey(t)
	sim := newSim(t, deployer)
	client := sim.Client()
	stop := autoCommit(sim, 20*time.Millisecond)
	defer stop()
	ctx := context.Background()
	cfg := Groth16Config{VerifierBytecode: dev.bytecode, KeySetRoot: keySetBig(testKeySet), ProofLength: wrap.ProofBytes(dev.keys.NbCommitments()), Dev: true}
	d, err := DeployGroth16Verifier(ctx, deployer, client, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if isDev, err := d.Binding.IsDev(nil); err != nil || !isDev {
		t.Fatalf("isDev() = %v, %v", isDev, err)
	}
	head, err := client.HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	oc := OracleConfig{SubmissionInterval: 1, L2BlockTime: 1, StartingTimestamp: head.Time, Proposer: deployer.From,
		Challenger: deployer.From, Verifier: d.Verifier, ImageID: testImageID, ConfigHash: testConfigHash}
	_, _, err = DeployOracle(ctx, deployer, client, oc)
	wantRevert(t, err, "DevVerifierNotAllowed")
	oc.AllowDevVerifier = true
	if _, _, err := DeployOracle(ctx, deployer, client, oc); err != nil {
		t.Fatalf("dev oracle refused the dev verifier: %v", err)
	}

	// Constructor guards.
	for _, tc := range []struct {
		name  string
		tweak func(*Groth16Config)
	}{
		{"key-set root not below r", func(c *Groth16Config) { c.KeySetRoot = fr.Modulus() }},
		{"proof length", func(c *Groth16Config) { c.ProofLength = 300 }},
	} {
		c := cfg
		tc.tweak(&c)
		_, err := DeployGroth16Verifier(ctx, deployer, client, c)
		wantRevert(t, err, "InvalidParams")
	}
	_, _, _, err = bindings.DeployGroth16OutputVerifier(deployer, client, common.HexToAddress("0xdead"), keySetBig(testKeySet), big.NewInt(384), false)
	wantRevert(t, AsRevert(err), "InvalidParams")
	if _, err := DeployGroth16Verifier(ctx, deployer, client, Groth16Config{}); !errors.Is(err, ErrGroth16Config) {
		t.Fatalf("empty config: %v", err)
	}
}

// TestGroth16CeremonyKeys: keys from a (small) MPC ceremony make a non-dev verifier, which a
// production oracle accepts and which accepts real proofs.
func TestGroth16CeremonyKeys(t *testing.T) {
	g := newGroth16Fixture(t, mustCircuit(t, ceremonyCircuit), nil, false)
	if isDev, err := g.g16.IsDev(nil); err != nil || isDev {
		t.Fatalf("isDev() = %v, %v", isDev, err)
	}
	first := g.cfg.StartingBlockNumber + g.cfg.SubmissionInterval
	root := outputRoot(1)
	proof := g.proofFor(t, testImageID, testConfigHash, testStartRoot, root, first)
	if _, err := g.proposeWith(t, root, first, proof); err != nil {
		t.Fatal(err)
	}
}

// proposalGas returns the gas of the second proposal (the first also pays for the array's first
// length write) under Osaka rules.
func proposalGas(t testing.TB, c *groth16Circuit) uint64 {
	g := newGroth16Fixture(t, c, osakaConfig(), true)
	prev := testStartRoot
	var gas uint64
	for i := range 2 {
		block := g.cfg.StartingBlockNumber + uint64(i+1)*g.cfg.SubmissionInterval
		root := outputRoot(i)
		receipt, err := g.proposeWith(t, root, block, g.proofFor(t, testImageID, testConfigHash, prev, root, block))
		if err != nil {
			t.Fatal(err)
		}
		gas, prev = receipt.GasUsed, root
	}
	return gas
}

// BenchmarkGroth16ProposeGas reports the gas of one proposal through the oracle and a
// Groth16OutputVerifier under Osaka rules, for a circuit with and one without a commitment.
func BenchmarkGroth16ProposeGas(b *testing.B) {
	for _, tc := range []struct {
		name string
		get  func() (*groth16Circuit, error)
	}{{"commitment", commitCircuit}, {"no-commitment", plainCircuit}} {
		b.Run(tc.name, func(b *testing.B) {
			c := mustCircuit(b, tc.get)
			var gas uint64
			for range b.N {
				gas = proposalGas(b, c)
			}
			b.ReportMetric(float64(gas), "gas/proposal")
			b.ReportMetric(float64(wrap.ProofBytes(c.keys.NbCommitments())), "proof-bytes")
		})
	}
}

// TestGroth16BindingCircuit is the end-to-end check with the real statement: the claim-binding
// circuit (the span public values as witnesses), dev keys from the cache (set up the first
// time), a real proof accepted by gnark's native verifier and by the oracle in
// the EVM, a flipped one rejected by both.
func TestGroth16BindingCircuit(t *testing.T) {
	if testing.Short() {
		t.Skip("sets up and proves the 80k-constraint binding circuit")
	}
	requireSolc(t)
	dir, err := wrap.DefaultKeyCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	compiled, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, &wrap.BindingCircuit{})
	if err != nil {
		t.Fatal(err)
	}
	ccs, err := wrap.R1CS(compiled)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("binding circuit: %d constraints", ccs.GetNbConstraints())
	start := time.Now()
	keys, err := wrap.KeyCache{Dir: dir}.DevKeys(ccs)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("dev keys (cached in %s): %v", dir, time.Since(start))

	var stmt wrap.SpanStatement
	stmt.KeySetRoot = testKeySet
	for i := range stmt.ImageID {
		stmt.ImageID[i].SetUint64(uint64(0x11111111 * (i + 1) % 0x7f000001))
	}
	stmt.ConfigHash = testConfigHash
	stmt.PrevOutputRoot = testStartRoot
	stmt.NewOutputRoot = outputRoot(1)
	assign := func([wrap.NumPublicInputs]fr.Element) frontend.Circuit { return wrap.BindingAssignment(stmt) }
	c, err := withVerifier(ccs, keys, assign)
	if err != nil {
		t.Fatal(err)
	}

	image := common.Hash(stmt.ImageID.Bytes())
	f := newGroth16Fixture(t, c, osakaConfig(), true)
	f.cfg.ImageID = image
	// Redeploy the oracle for the statement's image ID.
	f.oracleAddr, _, f.oracle, err = bindings.DeployL2OutputOracle(f.deployer, f.client, f.cfg.params())
	if err != nil {
		t.Fatal(AsRevert(err))
	}
	f.sim.Commit()
	stmt.L2BlockNumber = f.cfg.StartingBlockNumber + f.cfg.SubmissionInterval

	var mem runtime.MemStats
	runtime.GC()
	start = time.Now()
	proof := c.prove(t, [wrap.NumPublicInputs]fr.Element{})
	runtime.ReadMemStats(&mem)
	t.Logf("prove: %v (Go heap in use after: %d MiB), proof %d bytes", time.Since(start), mem.HeapInuse>>20, len(proof))

	if err := wrap.Verify(keys, proof, stmt.PublicInputs()); err != nil {
		t.Fatalf("gnark's verifier: %v", err)
	}
	bad := flip(proof, 70)
	if err := wrap.Verify(keys, bad, stmt.PublicInputs()); err == nil {
		t.Fatal("gnark's verifier accepted a flipped proof")
	}
	_, err = f.proposeWith(t, stmt.NewOutputRoot, stmt.L2BlockNumber, bad)
	re := wantRevert(t, err, "ProofRejected")
	if re.Inner == nil || !gnarkErrors[re.Inner.Name] {
		t.Fatalf("flipped proof: %v", err)
	}
	receipt, err := f.proposeWith(t, stmt.NewOutputRoot, stmt.L2BlockNumber, proof)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first proposal with the binding circuit's proof, Osaka rules: %d gas", receipt.GasUsed)
}
