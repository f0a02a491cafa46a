package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/big"
	"math/rand"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/log"
	"github.com/urfave/cli/v2"
	"github.com/zkexex/zkexex/contracts"
	"github.com/zkexex/zkexex/contracts/bindings"
	"github.com/zkexex/zkexex/derivation"
	"github.com/zkexex/zkexex/derivation/proposer"
	"github.com/zkexex/zkexex/derivation/service"
	"github.com/zkexex/zkexex/exex"
	"github.com/zkexex/zkexex/exex/devnet"
	"github.com/zkexex/zkexex/prover/vm"
	"github.com/zkexex/zkexex/prover/wrap"
	"github.com/zkexex/zkexex/stf"
)

// devnetCommand runs the whole system in one process: the L2 dev chain with the execution
// extension and the derivation pipeline, a second dev chain as L1 with the output oracle and
// the dev verifier, and the proposer; traffic and optional injected reorgs.
var devnetCommand = &cli.Command{
	Name:  "devnet",
	Usage: "run an in-process L2 dev chain with the execution extension, derivation and proposals to an in-process L1",
	Flags: append([]cli.Flag{
		&cli.StringFlag{Name: "datadir", Usage: "data directory (default: a fresh temporary directory, removed on exit)"},
		&cli.DurationFlag{Name: "block-time", Usage: "time between blocks (0: as fast as possible)", Value: time.Second},
		&cli.Uint64Flag{Name: "blocks", Usage: "stop cleanly once the chain has this many blocks (0: run until interrupted)"},
		&cli.Uint64Flag{Name: "reorg-every", Usage: "inject a reorg of random depth 1..3 every K blocks (0: never)"},
		&cli.Int64Flag{Name: "seed", Usage: "seed for traffic and reorg depths", Value: 1},
		&cli.IntFlag{Name: "txs", Usage: "transactions submitted per block", Value: 8},
		&cli.Uint64Flag{Name: "interval", Usage: "the oracle's submission interval (L2 blocks per output)", Value: 5},
		&cli.StringFlag{Name: "prover", Usage: "native or executor (dev receipts: the STF natively, or the STF guest in the zkVM executor), stark (every segment proven; minutes per block), or groth16 (stark, and every span wrapped in a Groth16 proof that the L1 oracle verifies; the circuit is specialised to --interval)", Value: "native"},
		&cli.StringFlag{Name: "solc", Usage: "with --prover groth16: the contracts/ directory holding the pinned solc (run `npm ci` there), which compiles gnark's verifier for the keys", Value: "contracts"},
		&cli.IntFlag{Name: "http.port", Usage: "serve JSON-RPC (eth, net, web3, zkexex) on 127.0.0.1 at this port (0: no RPC)"},
		&cli.IntFlag{Name: "verbosity", Usage: "log level: 0 crit .. 5 trace; 3 (info) hides geth's per-block lines, 4 shows them", Value: 3},
		&cli.DurationFlag{Name: "stall-timeout", Usage: "fail when nothing moves (blocks, proving, proposals) for this long", Value: 10 * time.Minute},
		&cli.DurationFlag{Name: "progress-interval", Usage: "time between progress lines while a span proves", Value: 10 * time.Second},
	}, proveFlags("")...),
	Action: runDevnet,
}

// devnetOptions are the devnet's knobs (the command's flags).
type devnetOptions struct {
	DataDir    string
	BlockTime  time.Duration
	Blocks     uint64
	ReorgEvery uint64
	Seed       int64
	Txs        int
	Interval   uint64
	Prover     string
	// Prove sizes the STARK prover (--prover stark and groth16 only).
	Prove proveConfig
	// Solc is the contracts/ directory with the pinned solc (--prover groth16 only; "":
	// "contracts", the checkout's).
	Solc     string
	HTTPPort int
	// StallTimeout: the final waits fail only when nothing moved for this long (default 10m).
	StallTimeout time.Duration
	// ProgressInterval: time between progress lines while a span proves (default 10s).
	ProgressInterval time.Duration
}

// maxTxsPerBlock bounds --txs: the dev accounts' pool slots and the block gas limit hold
// a few thousand of the traffic's transactions.
const maxTxsPerBlock = 2000

// validate checks the options before anything starts, with one line per problem.
func (o *devnetOptions) validate() error {
	var errs []error
	switch o.Prover {
	case "", "native", "executor", "stark":
	case "groth16":
		// Before the keys' setup (minutes), not after it.
		if err := contracts.SolcInstalled(cmp.Or(o.Solc, "contracts")); err != nil {
			errs = append(errs, fmt.Errorf("--prover groth16 compiles gnark's verifier for its keys: --solc %q: %w", cmp.Or(o.Solc, "contracts"), err))
		}
	default:
		errs = append(errs, fmt.Errorf("--prover %q: want native, executor, stark or groth16", o.Prover))
	}
	errs = append(errs, o.Prove.validate(cmp.Or(o.Prover, "native"))...)
	if o.Txs < 0 || o.Txs > maxTxsPerBlock {
		errs = append(errs, fmt.Errorf("--txs %d: want 0..%d transactions per block", o.Txs, maxTxsPerBlock))
	}
	if o.BlockTime < 0 {
		errs = append(errs, fmt.Errorf("--block-time %v: want 0 or more", o.BlockTime))
	}
	if o.HTTPPort < 0 || o.HTTPPort > 65535 {
		errs = append(errs, fmt.Errorf("--http.port %d: want 0 (no RPC) or a TCP port", o.HTTPPort))
	}
	if o.StallTimeout < 0 || o.ProgressInterval < 0 {
		errs = append(errs, errors.New("--stall-timeout and --progress-interval must not be negative"))
	}
	return errors.Join(errs...)
}

// devnetSummary is what a devnet run did.
type devnetSummary struct {
	Head      uint64
	Reorgs    int
	Counts    map[exex.Kind]int
	Proposals []proposalRecord
	Oracle    common.Address
	Binding   *bindings.L2OutputOracle
	L1, L2    *devnet.Devnet
	STF       *stf.Config
}

type proposalRecord struct {
	Proposal derivation.Proposal
	Proposed derivation.Proposed
}

func runDevnet(c *cli.Context) error {
	opts := devnetOptions{
		DataDir: c.String("datadir"), BlockTime: c.Duration("block-time"), Blocks: c.Uint64("blocks"),
		ReorgEvery: c.Uint64("reorg-every"), Seed: c.Int64("seed"), Txs: c.Int("txs"), Interval: c.Uint64("interval"),
		Prover: c.String("prover"), Prove: parseProveConfig(c), Solc: c.String("solc"), HTTPPort: c.Int("http.port"),
		StallTimeout: c.Duration("stall-timeout"), ProgressInterval: c.Duration("progress-interval"),
	}
	if v := c.Int("verbosity"); v < 0 || v > 5 {
		return fmt.Errorf("--verbosity %d: want 0 (crit) .. 5 (trace)", v)
	}
	if c.IsSet("interval") && opts.Interval == 0 {
		return errors.New("--interval 0: want at least 1 L2 block per output")
	}
	if err := opts.validate(); err != nil {
		return err
	}
	log.SetDefault(newDevnetLogger(c.Int("verbosity"), os.Stderr, os.Stderr))
	if opts.DataDir == "" {
		dir, err := os.MkdirTemp("", "zkexex-devnet-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		opts.DataDir = dir
	}
	ctx, cancel := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer cancel()
	_, err := runSystem(ctx, opts, nil)
	return err
}

// settlementRules gives the devnet's L1 the rules of Ethereum mainnet today (Osaka). geth's dev
// preset also turns on Bogota, a fork still in development whose state-access repricing
// (EIP-8037, EIP-8038) nearly doubles a proposal's gas (564,529 against 299,657 for a first
// Groth16 proposal with the binding circuit's proof on the simulated backend), so that gas
// figures read off the devnet would not be mainnet's.
func settlementRules(g *core.Genesis) { g.Config.BogotaTime = nil }

// proposalLog records what landed on L1 (the service's OnProposed hook).
type proposalLog struct {
	mu     sync.Mutex
	record []proposalRecord
}

func (l *proposalLog) add(p derivation.Proposal, out derivation.Proposed) {
	l.mu.Lock()
	l.record = append(l.record, proposalRecord{Proposal: p, Proposed: out})
	l.mu.Unlock()
}

func (l *proposalLog) records() []proposalRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]proposalRecord(nil), l.record...)
}

// runSystem runs the devnet until opts.Blocks (or ctx ends) and returns what happened; check,
// when set, runs before shutdown with everything still up.
func runSystem(ctx context.Context, opts devnetOptions, check func(*devnetSummary) error) (*devnetSummary, error) {
	if opts.Interval == 0 {
		opts.Interval = 5
	}
	if opts.StallTimeout == 0 {
		opts.StallTimeout = 10 * time.Minute
	}
	if opts.ProgressInterval == 0 {
		opts.ProgressInterval = 10 * time.Second
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	sum := &devnetSummary{}
	// The prover first: building the guest is the slow, failure-prone step, and nothing
	// needs to run before it.
	tracker := newSpanTracker(nil, opts.Prover, opts.ProgressInterval)
	if c := opts.Prove.Cluster; c != nil && c.URL == "" && c.Dir == "" {
		// The embedded server's queue and blobs live with the devnet's other data.
		dir := *c
		dir.Dir = filepath.Join(opts.DataDir, "nats")
		opts.Prove.Cluster = &dir
	}
	prover, err := newProver(ctx, opts.Prover, opts.Prove, tracker, opts.Interval)
	if err != nil {
		return nil, err
	}
	defer prover.Close()
	tracker.inner = prover.Prover
	imageID := prover.ImageID
	// L1: a plain dev chain with its own chain ID, sealing whenever a transaction arrives.
	l1, err := devnet.Start(devnet.Config{DataDir: filepath.Join(opts.DataDir, "l1"), ChainID: 900, NoExex: true, Genesis: settlementRules})
	if err != nil {
		return nil, fmt.Errorf("devnet: L1: %w", err)
	}
	defer l1.Close()
	sum.L1 = l1
	l1ctx, l1cancel := context.WithCancel(ctx)
	defer l1cancel()
	go l1.AutoSeal(l1ctx)
	client := ethclient.NewClient(l1.Stack.Attach())
	defer client.Close()

	// The L2 genesis and its output root anchor the oracle; the pipeline is built once the L2
	// chain exists and before its node starts.
	key := devnet.AccountKey(0)
	auth, err := bind.NewKeyedTransactorWithChainID(key, big.NewInt(900))
	if err != nil {
		return nil, err
	}
	var (
		svc    *service.Service
		prop   = &proposalLog{}
		logger = devnet.NewLogger()
	)
	l2, err := devnet.Start(devnet.Config{
		DataDir:  filepath.Join(opts.DataDir, "l2"),
		HTTPPort: opts.HTTPPort,
		// The service installs the extension manager (and the logger next to the pipeline).
		NoExex: true,
		Prepare: func(d *devnet.Devnet) ([]exex.Extension, error) {
			bc := d.Eth.BlockChain()
			cfg := stf.NewConfig(d.Config)
			// A datadir that already holds a devnet reuses its oracle (the L1 chain persists).
			depFile := filepath.Join(opts.DataDir, "oracle.txt")
			var oracleAddr common.Address
			if raw, err := os.ReadFile(depFile); err == nil {
				oracleAddr = common.HexToAddress(strings.TrimSpace(string(raw)))
				log.Info("Reusing the L2 output oracle of this datadir", "oracle", oracleAddr)
			} else {
				cfgHash, err := cfg.Hash()
				if err != nil {
					return nil, err
				}
				anchor, err := derivation.AnchorFromChain(bc, cfg, 0)
				if err != nil {
					return nil, err
				}
				oc := contracts.OracleConfig{
					SubmissionInterval: opts.Interval, L2BlockTime: 1,
					StartingBlockNumber: 0, StartingTimestamp: bc.Genesis().Time(), StartingOutputRoot: anchor.OutputRoot,
					Proposer: auth.From, Challenger: auth.From, FinalizationPeriodSeconds: 3600,
					ImageID: imageID, ConfigHash: cfgHash,
				}
				if oracleAddr, err = deployOracle(ctx, auth, client, oc, prover.Wrapper, cmp.Or(opts.Solc, "contracts")); err != nil {
					return nil, fmt.Errorf("devnet: deploy the oracle on L1: %w", err)
				}
				if err := os.WriteFile(depFile, []byte(oracleAddr.Hex()+"\n"), 0o644); err != nil {
					return nil, err
				}
				log.Info("Deployed the L2 output oracle on L1", "oracle", oracleAddr, "interval", opts.Interval, "startingOutputRoot", anchor.OutputRoot, "imageID", imageID)
			}
			var err error
			svc, err = service.Install(ctx, d.Stack, d.Eth, service.Config{
				Dir: opts.DataDir, STF: cfg, Prover: tracker, ImageID: imageID, SpanVerifier: prover.Verifier,
				L1: client, Oracle: oracleAddr, ProposerKey: key,
				// The devnet deploys the oracle with the proposer key as its challenger too, so
				// outputs whose L2 blocks a reorg drops are deleted and proposed again.
				Proposer:     proposer.Config{ChallengerKey: key, PollInterval: 50 * time.Millisecond, BackoffMin: 100 * time.Millisecond},
				ProposeDepth: 4,
				// The driver below notices the failure through Manager.Done and closes the node.
				Exex:       exex.Config{OnFatal: func(error) {}},
				Extensions: []exex.Extension{logger.Extension()},
				OnProposed: prop.add,
			})
			if err != nil {
				return nil, err
			}
			d.Manager = svc.Manager
			sum.Oracle, sum.Binding, sum.STF = oracleAddr, svc.Oracle, cfg
			return nil, nil
		},
	})
	if err != nil {
		if svc != nil {
			svc.Close()
		}
		return nil, err
	}
	pipeline := svc.Pipeline
	defer func() {
		l2.Close()
		svc.Close()
	}()
	sum.L2 = l2
	log.Info("Devnet started", "datadir", opts.DataDir, "chainID", l2.Config.ChainID, "accounts", len(l2.Keys), "prover", opts.Prover)

	var (
		rng   = rand.New(rand.NewSource(opts.Seed))
		start = time.Now()
	)
	// summary logs where the run stands: at the end, and on an interrupt.
	summary := func(msg string) {
		head := l2.Head().Number.Uint64()
		var proven uint64
		if ph, _ := pipeline.ProvenHead(); ph != nil {
			proven = ph.Number
		}
		counts := logger.Counts()
		log.Info(msg, "head", head, "provenHead", proven, "proposedThrough", pipeline.Proposed(), "proposals", len(prop.records()),
			"reorgs", sum.Reorgs, "committed", counts[exex.Committed], "reorged", counts[exex.Reorged], "reverted", counts[exex.Reverted],
			"oracle", sum.Oracle, "elapsed", time.Since(start).Round(time.Millisecond))
	}
	for opts.Blocks == 0 || l2.Head().Number.Uint64() < opts.Blocks {
		if err := l2.SendTraffic(rng, opts.Txs); err != nil {
			return nil, err
		}
		before := l2.Head().Number.Uint64()
		head := l2.Commit()
		if head.Number.Uint64() == before {
			log.Warn("Devnet block not sealed; retrying", "head", before)
		} else if opts.ReorgEvery > 0 && head.Number.Uint64()%opts.ReorgEvery == 0 && head.Number.Uint64() > 3 {
			if _, _, err := l2.Reorg(ctx, rng, 1+rng.Intn(3)); err != nil {
				return nil, err
			}
			sum.Reorgs++
		}
		select {
		case <-ctx.Done():
			summary("Devnet interrupted")
			return sum, nil
		case <-l2.Manager.Done():
			return nil, l2.Manager.Err()
		case <-time.After(opts.BlockTime):
		}
	}
	// Let the extensions catch up and the pipeline prove and propose what is deep enough. A
	// loaded machine may take long over a span, so the wait fails only when nothing moves
	// (notifications, executor cycles, proven blocks, proposals) for StallTimeout.
	head := l2.Head()
	tip := exex.BlockID{Number: head.Number.Uint64(), Hash: head.Hash()}
	want := uint64(0)
	if n := head.Number.Uint64(); n >= 4 {
		want = (n - 4) / opts.Interval * opts.Interval
	}
	progress := func() any {
		var proven uint64
		if ph, _ := pipeline.ProvenHead(); ph != nil {
			proven = ph.Number
		}
		return [5]any{l2.Manager.Head(), logger.Tip(), proven, pipeline.Proposed(), tracker.Moves()}
	}
	done := func() (bool, error) {
		if err := pipeline.ProposeErr(); err != nil {
			return false, err
		}
		return l2.Manager.Head() == tip && logger.Tip() == tip && pipeline.Proposed() >= want, nil
	}
	if err := waitProgress(ctx, l2.Manager.Done(), opts.StallTimeout, progress, done); err != nil {
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			summary("Devnet interrupted")
			return sum, nil
		}
		if errors.Is(err, errStalled) {
			return nil, fmt.Errorf("devnet: waiting for proposals through L2 block %d (at %d, extension at %d, head %d): %w",
				want, pipeline.Proposed(), l2.Manager.Head().Number, tip.Number, err)
		}
		if err := l2.Manager.Err(); err != nil {
			return nil, err
		}
		return nil, err
	}
	sum.Head, sum.Counts, sum.Proposals = head.Number.Uint64(), logger.Counts(), prop.records()
	summary("Devnet done")
	if check != nil {
		if err := check(sum); err != nil {
			return sum, err
		}
	}
	return sum, l2.Manager.Err()
}

// deployOracle deploys the oracle cfg describes and its verifier: with a wrapper, gnark's
// verifier for the wrapper's keys (compiled by the pinned solc under solcDir) behind a
// Groth16OutputVerifier, accepted as dev mode when the keys are dev keys; without one, the
// DevVerifier, which checks nothing.
func deployOracle(ctx context.Context, auth *bind.TransactOpts, client *ethclient.Client, cfg contracts.OracleConfig, w *wrap.Wrapper, solcDir string) (common.Address, error) {
	if w == nil {
		dep, err := contracts.DeployDevOracle(ctx, auth, client, cfg)
		if err != nil {
			return common.Address{}, err
		}
		log.Warn("The oracle's verifier is the DevVerifier: proofs are NOT checked on L1", "verifier", dep.Verifier)
		return dep.Oracle, nil
	}
	keys := w.Keys()
	src, err := wrap.ExportSolidity(keys)
	if err != nil {
		return common.Address{}, err
	}
	code, err := contracts.CompileGroth16Verifier(solcDir, src)
	if err != nil {
		return common.Address{}, err
	}
	root, err := w.KeySetRoot()
	if err != nil {
		return common.Address{}, err
	}
	in := wrap.KeySetInput(root)
	dep, err := contracts.DeployGroth16Verifier(ctx, auth, client, contracts.Groth16Config{
		VerifierBytecode: code, KeySetRoot: in.BigInt(new(big.Int)), ProofLength: wrap.ProofBytes(keys.NbCommitments()), Dev: keys.Kind.Insecure(),
	})
	if err != nil {
		return common.Address{}, err
	}
	cfg.Verifier, cfg.AllowDevVerifier = dep.Verifier, keys.Kind.Insecure()
	oracle, _, err := contracts.DeployOracle(ctx, auth, client, cfg)
	if err != nil {
		return common.Address{}, err
	}
	log.Info("The oracle's verifier checks Groth16 proofs of the span", "verifier", dep.Verifier, "gnark", dep.Gnark, "setup", keys.Kind, "keySetRoot", root)
	return oracle, nil
}

// devProver returns the dev prover: the STF natively, or the STF guest in the zkVM executor
// (built from this binary's source), whose image ID then names the receipts. Each block's
// run reports to the tracker.
func devProver(ctx context.Context, kind string, tr *spanTracker) (*derivation.DevProver, error) {
	switch kind {
	case "", "native":
		log.Warn("Dev prover runs the STF natively: image ID is zero (no guest built)")
		return &derivation.DevProver{Execute: func(ctx context.Context, in *stf.Input) (stf.Claim, error) {
			c, err := stf.Execute(ctx, in)
			tr.blockDone(0)
			return c, err
		}}, nil
	case "executor":
		elf, err := loadGuest(ctx, "", log.Root())
		if err != nil {
			return nil, err
		}
		imageID, err := guestImageID(ctx, elf)
		if err != nil {
			return nil, fmt.Errorf("devnet: %w", err)
		}
		p := &derivation.DevProver{ImageID: imageID}
		p.Execute = func(ctx context.Context, in *stf.Input) (stf.Claim, error) {
			enc, err := in.Encode()
			if err != nil {
				return stf.Claim{}, err
			}
			run, err := runGuest(ctx, elf, enc, vm.Config{ImageID: true, Progress: tr.executorProgress})
			if err != nil {
				return stf.Claim{}, err
			}
			tr.blockDone(run.Result.Cycles)
			if common.Hash(run.Result.ImageID.Bytes()) != p.ImageID {
				return stf.Claim{}, errors.New("devnet: guest image ID changed")
			}
			return run.Claim, nil
		}
		return p, nil
	}
	return nil, fmt.Errorf("devnet: unknown prover %q (native, executor)", kind)
}
