package service_test

import (
	"context"
	"errors"
	"math/big"
	"math/rand"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/zkexex/zkexex/contracts"
	"github.com/zkexex/zkexex/derivation"
	"github.com/zkexex/zkexex/derivation/proposer"
	"github.com/zkexex/zkexex/derivation/service"
	"github.com/zkexex/zkexex/exex"
	"github.com/zkexex/zkexex/exex/devnet"
	"github.com/zkexex/zkexex/stf"
)

// l1WithOracle starts an L1 dev chain and deploys an oracle for a devnet L2 of chain ID 1337
// (the L2 genesis is deterministic, so its anchor is known before the L2 starts).
func l1WithOracle(t *testing.T, mutate func(*contracts.OracleConfig)) (*ethclient.Client, common.Address) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	l1, err := devnet.Start(devnet.Config{DataDir: filepath.Join(t.TempDir(), "l1"), ChainID: 900, NoExex: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l1.Close() })
	go l1.AutoSeal(ctx)
	client := ethclient.NewClient(l1.Stack.Attach())
	t.Cleanup(client.Close)

	// A throwaway L2 with the same genesis gives the anchor and the config hash.
	probe, err := devnet.Start(devnet.Config{DataDir: filepath.Join(t.TempDir(), "probe"), NoExex: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg := stf.NewConfig(probe.Config)
	cfgHash, err := cfg.Hash()
	if err != nil {
		t.Fatal(err)
	}
	anchor, err := derivation.AnchorFromChain(probe.Eth.BlockChain(), cfg, 0)
	genesisTime := probe.Eth.BlockChain().Genesis().Time()
	probe.Close()
	if err != nil {
		t.Fatal(err)
	}
	auth, err := bind.NewKeyedTransactorWithChainID(devnet.AccountKey(0), big.NewInt(900))
	if err != nil {
		t.Fatal(err)
	}
	oc := contracts.OracleConfig{
		SubmissionInterval: 3, L2BlockTime: 1, StartingTimestamp: genesisTime, StartingOutputRoot: anchor.OutputRoot,
		Proposer: auth.From, Challenger: auth.From, FinalizationPeriodSeconds: 3600, ConfigHash: cfgHash,
	}
	if mutate != nil {
		mutate(&oc)
	}
	dep, err := contracts.DeployDevOracle(ctx, auth, client, oc)
	if err != nil {
		t.Fatal(err)
	}
	return client, dep.Oracle
}

func nativeProver() *derivation.DevProver {
	return &derivation.DevProver{Execute: stf.Execute}
}

// installInto starts a devnet L2 with the service installed by Install.
func installInto(t *testing.T, cfg service.Config) (*devnet.Devnet, *service.Service, error) {
	t.Helper()
	var svc *service.Service
	l2, err := devnet.Start(devnet.Config{
		DataDir: filepath.Join(t.TempDir(), "l2"),
		NoExex:  true,
		Prepare: func(d *devnet.Devnet) ([]exex.Extension, error) {
			var err error
			svc, err = service.Install(context.Background(), d.Stack, d.Eth, cfg)
			if err != nil {
				return nil, err
			}
			d.Manager = svc.Manager
			return nil, nil
		},
	})
	if err != nil {
		return nil, nil, err
	}
	t.Cleanup(func() {
		l2.Close()
		svc.Close()
	})
	return l2, svc, nil
}

func TestInstallProposes(t *testing.T) {
	client, oracle := l1WithOracle(t, nil)
	var (
		mu     sync.Mutex
		landed []uint64
	)
	l2, svc, err := installInto(t, service.Config{
		Prover: nativeProver(), L1: client, Oracle: oracle, ProposerKey: devnet.AccountKey(0),
		Proposer:     proposer.Config{PollInterval: 20 * time.Millisecond, BackoffMin: 50 * time.Millisecond},
		ProposeDepth: 2, Exex: exex.Config{OnFatal: func(error) {}},
		OnProposed: func(p derivation.Proposal, _ derivation.Proposed) {
			mu.Lock()
			landed = append(landed, p.L2BlockNumber)
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if svc.Interval != 3 || svc.Anchor.Number != 0 {
		t.Fatalf("interval %d anchor %d: want 3 and 0 from the oracle", svc.Interval, svc.Anchor.Number)
	}
	rng := rand.New(rand.NewSource(1))
	for l2.Head().Number.Uint64() < 9 {
		if err := l2.SendTraffic(rng, 3); err != nil {
			t.Fatal(err)
		}
		l2.Commit()
	}
	deadline := time.Now().Add(time.Minute)
	for svc.Pipeline.Proposed() < 6 {
		if err := svc.Pipeline.ProposeErr(); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("proposed through %d, want 6", svc.Pipeline.Proposed())
		}
		time.Sleep(20 * time.Millisecond)
	}
	latest, err := svc.Oracle.LatestBlockNumber(&bind.CallOpts{})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if latest.Uint64() < 6 || len(landed) < 2 || landed[0] != 3 || landed[1] != 6 {
		t.Fatalf("oracle latest %v, proposals %v: want 3, 6", latest, landed)
	}
}

func TestInstallRejects(t *testing.T) {
	client, oracle := l1WithOracle(t, nil)
	clientF, foreign := l1WithOracle(t, func(c *contracts.OracleConfig) { c.ConfigHash = common.Hash{1} })
	clientB, badRoot := l1WithOracle(t, func(c *contracts.OracleConfig) { c.StartingOutputRoot = common.Hash{2} })
	key := devnet.AccountKey(0)
	tests := []struct {
		name string
		cfg  service.Config
		want error
	}{
		{"no prover", service.Config{SubmissionInterval: 1}, service.ErrConfig},
		{"key without L1", service.Config{Prover: nativeProver(), ProposerKey: key, Oracle: oracle}, service.ErrConfig},
		{"no interval and no oracle", service.Config{Prover: nativeProver()}, service.ErrConfig},
		{"oracle without code", service.Config{Prover: nativeProver(), L1: client, Oracle: common.Address{0xde, 0xad}}, service.ErrConfig},
		{"other chain's oracle", service.Config{Prover: nativeProver(), L1: clientF, Oracle: foreign}, service.ErrOracleMismatch},
		{"other starting root", service.Config{Prover: nativeProver(), L1: clientB, Oracle: badRoot}, service.ErrOracleMismatch},
		{"interval disagrees", service.Config{Prover: nativeProver(), L1: client, Oracle: oracle, SubmissionInterval: 4}, service.ErrOracleMismatch},
		{"image ID disagrees", service.Config{Prover: nativeProver(), L1: client, Oracle: oracle, ImageID: common.Hash{3}}, service.ErrOracleMismatch},
		{"wrong proposer key", service.Config{Prover: nativeProver(), L1: client, Oracle: oracle, ProposerKey: devnet.AccountKey(5)}, proposer.ErrNotProposer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := installInto(t, tc.cfg)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
		})
	}
}
