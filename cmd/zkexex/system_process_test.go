//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/beacon/engine"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/ethclient/gethclient"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/rpc"
	"github.com/zkexex/zkexex/contracts"
	"github.com/zkexex/zkexex/exex/devnet"
	"github.com/zkexex/zkexex/stf"
)

// producerEnv turns TestL2ProducerProcess into the producer: <datadir>|<port>|<genesis file>|<blocks>.
const producerEnv = "ZKEXEX_TEST_L2_PRODUCER"

// TestL2ProducerProcess is not a test: as a child it is the L2 producer, a dev chain that
// writes its genesis out, serves JSON-RPC, seals a block with traffic every 150ms up to the
// given number, reorging 1..3 blocks every 7th block, then idles until killed.
func TestL2ProducerProcess(t *testing.T) {
	spec := os.Getenv(producerEnv)
	if spec == "" {
		t.Skip("helper process for TestSystemProcesses")
	}
	parts := strings.Split(spec, "|")
	port, _ := strconv.Atoi(parts[1])
	blocks, _ := strconv.ParseUint(parts[3], 10, 64)
	d, err := devnet.Start(devnet.Config{
		DataDir: parts[0], HTTPPort: port, NoExex: true,
		Genesis: func(g *core.Genesis) {
			// Engine API V5 (Bogota) needs header fields the dev chain does not fill; stop at
			// Osaka so that newPayloadV4 / forkchoiceUpdatedV3 replay its blocks.
			cfg := *g.Config
			cfg.BogotaTime = nil
			g.Config = &cfg
			// The genesis JSON format requires a balance on every account (zero is the same state).
			for addr, acct := range g.Alloc {
				if acct.Balance == nil {
					acct.Balance = new(big.Int)
					g.Alloc[addr] = acct
				}
			}
			raw, err := json.Marshal(g)
			if err == nil {
				err = os.WriteFile(parts[2], raw, 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rng := rand.New(rand.NewSource(7))
	for d.Head().Number.Uint64() < blocks {
		if err := d.SendTraffic(rng, 3); err != nil {
			t.Fatal(err)
		}
		if h := d.Commit(); h.Number.Uint64()%7 == 0 {
			if _, _, err := d.Reorg(context.Background(), rng, 1+rng.Intn(3)); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(150 * time.Millisecond)
	}
	select {}
}

// TestSystemProcesses is the multi-process system test: an L1 process with the oracle, an L2
// producer process, a follower `zkexex node` process importing the producer's blocks through
// its authenticated engine API (this test is the driver: engine_newPayloadV4 and
// engine_forkchoiceUpdatedV3, reorgs replayed as a consensus client would), proposing to L1
// over JSON-RPC. The follower is killed with SIGKILL twice and restarted on its datadir.
// Outputs on L1 must be consecutive, one per interval, equal to the producer's output roots.
func TestSystemProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs four processes")
	}
	const (
		interval = 5
		blocks   = 60
	)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "zkexex")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	child := func(env string, logs *bytes.Buffer) *exec.Cmd {
		name := strings.SplitN(env, "=", 2)[0]
		run := map[string]string{l1ProcessEnv: "^TestL1Process$", producerEnv: "^TestL2ProducerProcess$"}[name]
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run="+run, "-test.timeout=0")
		cmd.Env = append(os.Environ(), env)
		cmd.Stdout, cmd.Stderr = logs, logs
		// The children die with the test process, even when it is killed.
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd
	}
	var l1Log, prodLog bytes.Buffer
	l1Port, prodPort := freePort(t), freePort(t)
	child(fmt.Sprintf("%s=%s:%d", l1ProcessEnv, filepath.Join(dir, "l1"), l1Port), &l1Log)
	genesisFile := filepath.Join(dir, "genesis.json")
	child(fmt.Sprintf("%s=%s|%d|%s|%d", producerEnv, filepath.Join(dir, "producer"), prodPort, genesisFile, blocks), &prodLog)
	l1URL := fmt.Sprintf("http://127.0.0.1:%d", l1Port)
	l1 := waitClient(ctx, t, l1URL, &l1Log)
	prod := waitClient(ctx, t, fmt.Sprintf("http://127.0.0.1:%d", prodPort), &prodLog)

	// The oracle, anchored at the producer's genesis.
	raw, err := os.ReadFile(genesisFile)
	if err != nil {
		t.Fatal(err)
	}
	var genesis core.Genesis
	if err := json.Unmarshal(raw, &genesis); err != nil {
		t.Fatal(err)
	}
	stfCfg := stf.NewConfig(genesis.Config)
	cfgHash, err := stfCfg.Hash()
	if err != nil {
		t.Fatal(err)
	}
	outputRoot := func(n uint64) (common.Hash, common.Hash) {
		h, err := prod.HeaderByNumber(ctx, new(big.Int).SetUint64(n))
		if err != nil {
			t.Fatal(err)
		}
		proof, err := gethclient.New(prod.Client()).GetProof(ctx, *stfCfg.MessagePasser, nil, h.Number)
		if err != nil {
			t.Fatal(err)
		}
		return stf.OutputRoot(h.Root, proof.StorageHash, h.Hash()), h.Hash()
	}
	root0, _ := outputRoot(0)
	g0, err := prod.HeaderByNumber(ctx, big.NewInt(0))
	if err != nil {
		t.Fatal(err)
	}
	key := devnet.AccountKey(0)
	auth, err := bind.NewKeyedTransactorWithChainID(key, big.NewInt(900))
	if err != nil {
		t.Fatal(err)
	}
	dep, err := contracts.DeployDevOracle(ctx, auth, l1, contracts.OracleConfig{
		SubmissionInterval: interval, L2BlockTime: 1, StartingTimestamp: g0.Time, StartingOutputRoot: root0,
		Proposer: auth.From, Challenger: auth.From, FinalizationPeriodSeconds: 3600, ConfigHash: cfgHash,
	})
	if err != nil {
		t.Fatal(err)
	}
	keyFile, jwtFile := filepath.Join(dir, "proposer.key"), filepath.Join(dir, "jwt.hex")
	if err := crypto.SaveECDSA(keyFile, key); err != nil {
		t.Fatal(err)
	}
	var secret [32]byte
	copy(secret[:], crypto.Keccak256([]byte("zkexex system test jwt")))
	if err := os.WriteFile(jwtFile, []byte(hexutil.Encode(secret[:])), 0o600); err != nil {
		t.Fatal(err)
	}

	// The follower.
	datadir := filepath.Join(dir, "follower")
	var (
		follower             *exec.Cmd
		followerLog          bytes.Buffer
		fEth                 *ethclient.Client
		fEngine              *rpc.Client
		kills, reorgs, calls int
	)
	start := func() {
		httpPort, authPort := freePort(t), freePort(t)
		followerLog.Reset()
		follower = exec.CommandContext(ctx, bin, "node", "--override.genesis", genesisFile, "--datadir", datadir,
			"--nodiscover", "--maxpeers", "0", "--port", "0", "--ipcdisable", "--syncmode", "full",
			"--state.scheme", "hash", "--gcmode", "archive",
			"--authrpc.port", strconv.Itoa(authPort), "--authrpc.jwtsecret", jwtFile,
			"--http", "--http.port", strconv.Itoa(httpPort), "--http.api", "eth,zkexex",
			"--l1.rpc", l1URL, "--oracle", dep.Oracle.Hex(), "--proposer.key", keyFile, "--propose-depth", "4")
		follower.Stdout, follower.Stderr = &followerLog, &followerLog
		follower.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := follower.Start(); err != nil {
			t.Fatal(err)
		}
		fEth = waitClient(ctx, t, fmt.Sprintf("http://127.0.0.1:%d", httpPort), &followerLog)
		fEngine, err = rpc.DialOptions(ctx, fmt.Sprintf("http://127.0.0.1:%d", authPort), rpc.WithHTTPAuth(node.NewJWTAuth(secret)))
		if err != nil {
			t.Fatal(err)
		}
	}
	start()
	defer func() { follower.Process.Kill(); follower.Wait() }()

	// drive replays the producer's canonical chain into the follower once: the blocks above
	// the highest one both agree on, then the forkchoice.
	// extra: after a payload was not VALID (a follower restarted by kill -9 may hold a block
	// without its state, and with no peers it cannot fetch it), resend that many blocks below
	// the highest agreed one, as a consensus client backfills; doubled on each failure.
	var lastHead, extra uint64
	drive := func() error {
		head, err := prod.HeaderByNumber(ctx, nil)
		if err != nil {
			return err
		}
		// The follower's current block, not its header chain: after a kill it may keep headers
		// (and canonical hashes) above the last block whose state it holds.
		fHead, err := fEth.BlockNumber(ctx)
		if err != nil {
			return err
		}
		var (
			missing  []*types.Block
			replaced bool // the follower holds another block at a height: a reorg to replay
		)
		for n := head.Number.Uint64(); n > 0; n-- {
			pb, err := prod.BlockByNumber(ctx, new(big.Int).SetUint64(n))
			if err != nil {
				return err
			}
			fh, err := fEth.HeaderByNumber(ctx, new(big.Int).SetUint64(n))
			if err == nil && n <= fHead && fh.Hash() != pb.Hash() {
				replaced = true
			}
			if err == nil && n <= fHead && fh.Hash() == pb.Hash() {
				for k := uint64(1); k <= extra && n > k; k++ {
					if pb, err = prod.BlockByNumber(ctx, new(big.Int).SetUint64(n-k)); err != nil {
						return err
					}
					missing = append(missing, pb)
				}
				break
			}
			missing = append(missing, pb)
		}
		if replaced {
			reorgs++
		}
		for i := len(missing) - 1; i >= 0; i-- {
			b := missing[i]
			env := engine.BlockToExecutableData(b, nil, nil, [][]byte{})
			var st engine.PayloadStatusV1
			if err := fEngine.CallContext(ctx, &st, "engine_newPayloadV4", env.ExecutionPayload, []common.Hash{}, b.BeaconRoot(), []hexutil.Bytes{}); err != nil {
				return err
			}
			calls++
			if st.Status != engine.VALID {
				// After a kill -9 the follower keeps blocks above its last state, and geth
				// answers VALID for any block it knows, state or not; a child of such a block
				// stays ACCEPTED. A consensus client then points forkchoice at the parent, and
				// geth re-executes the ancestors whose state is missing (SetCanonical).
				var fc engine.ForkChoiceResponse
				parent := engine.ForkchoiceStateV1{HeadBlockHash: b.ParentHash()}
				if err := fEngine.CallContext(ctx, &fc, "engine_forkchoiceUpdatedV3", parent, nil); err != nil {
					return err
				}
				extra = min(2*extra+1, head.Number.Uint64())
				return fmt.Errorf("newPayload %d: %s (forkchoice to its parent: %s; resending %d more below)", b.NumberU64(), st.Status, fc.PayloadStatus.Status, extra)
			}
		}
		var fc engine.ForkChoiceResponse
		if err := fEngine.CallContext(ctx, &fc, "engine_forkchoiceUpdatedV3", engine.ForkchoiceStateV1{HeadBlockHash: head.Hash(), SafeBlockHash: head.Hash()}, nil); err != nil {
			return err
		}
		if fc.PayloadStatus.Status != engine.VALID {
			return fmt.Errorf("forkchoice %d: %s", head.Number, fc.PayloadStatus.Status)
		}
		lastHead, extra = head.Number.Uint64(), 0
		return nil
	}
	want := uint64((blocks - 4) / interval * interval)
	for {
		if err := drive(); err != nil {
			t.Logf("driver: %v (retrying)", err)
		}
		// kill -9 mid-span, twice.
		if (kills == 0 && lastHead >= 17) || (kills == 1 && lastHead >= 38) {
			follower.Process.Signal(syscall.SIGKILL)
			follower.Wait()
			kills++
			start()
			continue
		}
		var latest uint64
		if v, err := dep.Binding.LatestBlockNumber(&bind.CallOpts{Context: ctx}); err == nil {
			latest = v.Uint64()
		}
		if latest >= want {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("timed out: oracle at %d, want %d; kills %d, reorgs %d\nfollower:\n%s", latest, want, kills, reorgs, tail(followerLog.String(), 4000))
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Outputs: consecutive, one per interval, equal to the producer's roots.
	oracle := dep.Binding
	n, err := oracle.LatestOutputIndex(&bind.CallOpts{Context: ctx})
	if err != nil {
		t.Fatal(err)
	}
	for i := uint64(0); i <= n.Uint64(); i++ {
		out, err := oracle.GetL2Output(&bind.CallOpts{Context: ctx}, new(big.Int).SetUint64(i))
		if err != nil {
			t.Fatal(err)
		}
		if out.L2BlockNumber.Uint64() != (i+1)*interval {
			t.Fatalf("output %d at L2 block %v, want %d", i, out.L2BlockNumber, (i+1)*interval)
		}
		if root, _ := outputRoot(out.L2BlockNumber.Uint64()); common.Hash(out.OutputRoot) != root {
			t.Fatalf("output %d (block %v): root %x, producer's %x", i, out.L2BlockNumber, out.OutputRoot, root)
		}
	}
	t.Logf("outputs %d, kills %d, reorgs replayed %d, newPayload calls %d", n.Uint64()+1, kills, reorgs, calls)
	if kills < 2 || reorgs < 3 {
		t.Fatalf("kills %d, reorgs %d: want at least 2 and 3", kills, reorgs)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
