//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rpc"
	"github.com/zkexex/zkexex/contracts"
	"github.com/zkexex/zkexex/exex/devnet"
	"github.com/zkexex/zkexex/stf"
)

// l1ProcessEnv names the env variable that turns TestL1Process into an L1 dev chain process.
const l1ProcessEnv = "ZKEXEX_TEST_L1_PROCESS"

// TestL1Process is not a test: started as a child with l1ProcessEnv=<datadir>:<port>, it is
// an L1 dev chain (chain ID 900) serving JSON-RPC on 127.0.0.1:<port> until it is killed.
func TestL1Process(t *testing.T) {
	spec := os.Getenv(l1ProcessEnv)
	if spec == "" {
		t.Skip("helper process for TestNodeProcesses")
	}
	dir, portStr, _ := strings.Cut(spec, ":")
	port, err := strconv.Atoi(portStr)
	if err != nil {
		t.Fatal(err)
	}
	l1, err := devnet.Start(devnet.Config{DataDir: dir, ChainID: 900, NoExex: true, HTTPPort: port})
	if err != nil {
		t.Fatal(err)
	}
	defer l1.Close()
	l1.AutoSeal(context.Background())
}

// TestNodeProcesses runs `zkexex node` as its own OS process against an L1 dev chain in
// another, over real sockets: the node reads the oracle over JSON-RPC, checks it against its
// chain (Sepolia's genesis) and its proposer key, serves zkexex_* over HTTP, survives kill -9
// and restarts on its datadir; a node whose chain does not match the oracle refuses to start.
// It does not yet drive blocks into the node (see the report of issue 14).
func TestNodeProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs three processes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "zkexex")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}

	l1Port := freePort(t)
	l1Cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestL1Process$", "-test.timeout=0")
	l1Cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s:%d", l1ProcessEnv, filepath.Join(dir, "l1"), l1Port))
	var l1Log bytes.Buffer
	l1Cmd.Stdout, l1Cmd.Stderr = &l1Log, &l1Log
	if err := l1Cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { l1Cmd.Process.Kill(); l1Cmd.Wait() }()
	l1URL := fmt.Sprintf("http://127.0.0.1:%d", l1Port)
	client := waitClient(ctx, t, l1URL, &l1Log)

	// Oracles for Sepolia's genesis (no message passer: the empty-trie root in its slot), and
	// one whose config hash is another chain's.
	genesis := core.DefaultSepoliaGenesisBlock().ToBlock()
	cfgHash, err := stf.NewL1Config(params.SepoliaChainConfig).Hash()
	if err != nil {
		t.Fatal(err)
	}
	key := devnet.AccountKey(0)
	auth, err := bind.NewKeyedTransactorWithChainID(key, big.NewInt(900))
	if err != nil {
		t.Fatal(err)
	}
	deploy := func(cfgHash common.Hash) common.Address {
		dep, err := contracts.DeployDevOracle(ctx, auth, client, contracts.OracleConfig{
			SubmissionInterval: 5, L2BlockTime: 12, StartingTimestamp: genesis.Time(),
			StartingOutputRoot: stf.OutputRoot(genesis.Root(), types.EmptyRootHash, genesis.Hash()),
			Proposer:           auth.From, Challenger: auth.From, FinalizationPeriodSeconds: 3600, ConfigHash: cfgHash,
		})
		if err != nil {
			t.Fatal(err)
		}
		return dep.Oracle
	}
	oracle, foreign := deploy(cfgHash), deploy(common.Hash{1})
	keyFile := filepath.Join(dir, "proposer.key")
	if err := crypto.SaveECDSA(keyFile, key); err != nil {
		t.Fatal(err)
	}

	datadir := filepath.Join(dir, "node")
	nodeArgs := func(oracle common.Address, httpPort int) []string {
		return []string{"node", "--sepolia", "--datadir", datadir, "--nodiscover", "--maxpeers", "0", "--port", "0",
			"--ipcdisable", "--authrpc.port", strconv.Itoa(freePort(t)), "--http", "--http.port", strconv.Itoa(httpPort),
			"--http.api", "eth,zkexex", "--l1.rpc", l1URL, "--oracle", oracle.Hex(), "--proposer.key", keyFile}
	}

	// A chain the oracle was not deployed for: one line, non-zero exit, before the node runs.
	out, err := exec.CommandContext(ctx, bin, nodeArgs(foreign, freePort(t))...).CombinedOutput()
	if code := exitCode(err); code == 0 {
		t.Fatalf("a mismatched oracle was accepted:\n%s", out)
	}
	if !bytes.Contains(out, []byte("oracle does not match this chain")) {
		t.Fatalf("mismatch: want a clear line, got\n%s", out)
	}

	for run := 0; run < 2; run++ {
		port := freePort(t)
		cmd := exec.CommandContext(ctx, bin, nodeArgs(oracle, port)...)
		var log bytes.Buffer
		cmd.Stdout, cmd.Stderr = &log, &log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		c := waitClient(ctx, t, fmt.Sprintf("http://127.0.0.1:%d", port), &log)
		var head any
		if err := c.Client().CallContext(ctx, &head, "zkexex_provenHead"); err != nil {
			t.Fatalf("run %d: zkexex_provenHead: %v\n%s", run, err, log.String())
		}
		if !strings.Contains(log.String(), "proposing=true") || head != nil {
			t.Fatalf("run %d: proven head %v; log:\n%s", run, head, log.String())
		}
		c.Close()
		// kill -9: the next run starts on the same datadir.
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
	}
}

func exitCode(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// waitClient dials url until it answers eth_chainId (a process is starting behind it).
func waitClient(ctx context.Context, t *testing.T, url string, log *bytes.Buffer) *ethclient.Client {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		rc, err := rpc.DialContext(ctx, url)
		if err == nil {
			c := ethclient.NewClient(rc)
			if _, err = c.ChainID(ctx); err == nil {
				return c
			}
			c.Close()
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer: %v\n%s", url, err, log.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}
