package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/zkexex/zkexex/exex/devnet"
)

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestNodeBadFlags: each bad combination of `zkexex node` flags is one clear line and an
// error, before any node starts (nothing is written to the datadir).
func TestNodeBadFlags(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	if err := crypto.SaveECDSA(keyFile, devnet.AccountKey(0)); err != nil {
		t.Fatal(err)
	}
	ks := keystore.NewKeyStore(filepath.Join(dir, "ks"), keystore.LightScryptN, keystore.LightScryptP)
	acct, err := ks.ImportECDSA(devnet.AccountKey(1), "secret")
	if err != nil {
		t.Fatal(err)
	}
	wrongPass := filepath.Join(dir, "pass")
	if err := os.WriteFile(wrongPass, []byte("not the password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// An L1 with JSON-RPC over HTTP: the oracle address below has no code there.
	port := freePort(t)
	l1, err := devnet.Start(devnet.Config{DataDir: filepath.Join(dir, "l1"), ChainID: 900, NoExex: true, HTTPPort: port})
	if err != nil {
		t.Fatal(err)
	}
	defer l1.Close()
	l1URL := fmt.Sprintf("http://127.0.0.1:%d", port)
	dead := "0x000000000000000000000000000000000000dEaD"
	datadir := filepath.Join(dir, "node")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--proposer.key", keyFile, "--oracle", dead}, "proposing needs L1: a proposer key is set but --l1.rpc is not"},
		{[]string{"--proposer.key", filepath.Join(dir, "missing"), "--l1.rpc", l1URL, "--oracle", dead}, "--proposer.key: open " + filepath.Join(dir, "missing")},
		{[]string{"--proposer.keystore", filepath.Join(dir, "missing.json"), "--l1.rpc", l1URL, "--oracle", dead}, "--proposer.keystore: open"},
		{[]string{"--challenger.key", keyFile, "--l1.rpc", l1URL, "--oracle", dead}, "--challenger.key without a proposer key"},
		{[]string{"--proposer.key", keyFile, "--challenger.key", filepath.Join(dir, "missing"), "--l1.rpc", l1URL, "--oracle", dead}, "--challenger.key: open"},
		{[]string{"--proposer.keystore", acct.URL.Path, "--proposer.password", wrongPass, "--l1.rpc", l1URL, "--oracle", dead}, "could not decrypt key with given password"},
		{[]string{"--proposer.key", keyFile, "--l1.rpc", l1URL}, "proposing needs an oracle"},
		{[]string{"--l1.rpc", l1URL, "--oracle", dead}, "--oracle " + dead + ": no contract at this address on L1"},
		{[]string{"--l1.rpc", l1URL, "--oracle", "0x12"}, `--oracle "0x12": not an address`},
		{[]string{"--oracle", dead}, "--oracle needs --l1.rpc"},
		{[]string{}, "no oracle and no --interval"},
		{[]string{"--interval", "5", "--prover", "gpu"}, `--prover "gpu": want dev, executor, stark or groth16`},
		{[]string{"--l1.rpc", l1URL, "--oracle", dead, "--prover", "groth16"}, "--prover groth16 needs --interval"},
		{[]string{"--interval", "5", "--propose-depth", "0"}, "--propose-depth 0"},
		{[]string{"--interval", "5", "--verbosity", "7"}, "--verbosity 7"},
		{[]string{"--interval", "5", "--prover", "stark", "--prove.po2", "40"}, "--prove.po2 40: want 16..22"},
		{[]string{"--interval", "5", "--prover", "stark", "--prove.workers", "-3"}, "--prove.workers -3"},
		{[]string{"--interval", "5", "--prove.workers", "2"}, `they need --prover stark or groth16, not "dev"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			start := time.Now()
			args := append([]string{"zkexex", "node", "--datadir", datadir}, tc.args...)
			err := newApp().RunContext(context.Background(), args)
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
				t.Fatalf("error %q, want one line containing %q", msg, tc.want)
			}
			if el := time.Since(start); el > 5*time.Second {
				t.Fatalf("took %v", el)
			}
			if _, err := os.Stat(datadir); !os.IsNotExist(err) {
				t.Fatalf("the datadir was created (%v): something started before the flags were checked", err)
			}
		})
	}
}

// TestNodeHelp: `zkexex node --help` lists geth's flags and ours.
func TestNodeHelp(t *testing.T) {
	var names []string
	for _, f := range nodeCommand.Flags {
		names = append(names, f.Names()[0])
	}
	all := " " + strings.Join(names, " ") + " "
	for _, want := range []string{"datadir", "mainnet", "sepolia", "hoodi", "networkid", "override.genesis", "syncmode", "gcmode",
		"http", "ws", "authrpc.addr", "authrpc.port", "authrpc.jwtsecret", "metrics", "verbosity",
		"l1.rpc", "oracle", "proposer.key", "proposer.keystore", "prover", "prove.po2", "prove.workers", "propose-depth", "wal.dir", "zkexex.dir", "retain-depth"} {
		if !strings.Contains(all, " "+want+" ") {
			t.Errorf("flag --%s missing", want)
		}
	}
}
