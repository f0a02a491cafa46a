package main

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/cmd/utils"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/catalyst"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/log"
	"github.com/ethereum/go-ethereum/metrics"
	"github.com/ethereum/go-ethereum/node"
	"github.com/mattn/go-isatty"
	"github.com/urfave/cli/v2"
	"github.com/zkexex/zkexex/derivation/proposer"
	"github.com/zkexex/zkexex/derivation/service"
	"github.com/zkexex/zkexex/exex"
)

// Our flags; geth's come from cmd/utils so that `zkexex node` reads like `geth`.
var (
	l1RPCFlag          = &cli.StringFlag{Name: "l1.rpc", Usage: "JSON-RPC endpoint of the settlement chain (L1) holding the oracle", Category: "ZKEXEX"}
	oracleFlag         = &cli.StringFlag{Name: "oracle", Usage: "address of the L2OutputOracle on L1", Category: "ZKEXEX"}
	proposerKeyFlag    = &cli.StringFlag{Name: "proposer.key", Usage: "file holding the proposer's hex private key (enables proposing)", Category: "ZKEXEX"}
	proposerKSFlag     = &cli.StringFlag{Name: "proposer.keystore", Usage: "geth keystore file of the proposer account (enables proposing)", Category: "ZKEXEX"}
	challengerKeyFlag  = &cli.StringFlag{Name: "challenger.key", Usage: "file holding the oracle challenger's hex private key: outputs whose L2 blocks a reorg drops are deleted and proposed again (without it such an output stops proposing)", Category: "ZKEXEX"}
	proposerPassFlag   = &cli.StringFlag{Name: "proposer.password", Usage: "file holding the keystore's password", Category: "ZKEXEX"}
	proverFlag         = &cli.StringFlag{Name: "prover", Usage: "dev (the STF natively, unproven receipts), executor (the STF guest in the zkVM executor, unproven receipts) stark (every segment proven) or groth16 (stark, every span wrapped in a Groth16 proof for the oracle's Groth16OutputVerifier)", Value: "dev", Category: "ZKEXEX"}
	proposeDepthFlag   = &cli.Uint64Flag{Name: "propose-depth", Usage: "blocks past a span's end before its output is proposed (above the deepest expected reorg)", Value: service.DefaultProposeDepth, Category: "ZKEXEX"}
	intervalFlag       = &cli.Uint64Flag{Name: "interval", Usage: "L2 blocks per output when no oracle is named (with an oracle: read from it; --prover groth16 needs it, checked against the oracle's)", Category: "ZKEXEX"}
	storeDirFlag       = &cli.StringFlag{Name: "zkexex.dir", Usage: "derivation and proposer stores (default: <datadir>/zkexex)", Category: "ZKEXEX"}
	walDirFlag         = &cli.StringFlag{Name: "wal.dir", Usage: "the extension WAL (default: <datadir>/zkexex-wal)", Category: "ZKEXEX"}
	walBufferFlag      = &cli.IntFlag{Name: "wal.buffer", Usage: "notifications buffered per extension (0: default 16)", Category: "ZKEXEX"}
	walPruneFlag       = &cli.Uint64Flag{Name: "wal.prune-depth", Usage: "finished WAL entries are pruned this far below the head (0: default 64)", Category: "ZKEXEX"}
	retainDepthFlag    = &cli.Uint64Flag{Name: "retain-depth", Usage: "STF inputs kept this far below the proven head (0: default 256)", Category: "ZKEXEX"}
	nodeVerbosityFlag  = &cli.IntFlag{Name: "verbosity", Usage: "log level: 0 crit .. 5 trace", Value: 3, Category: "LOGGING AND DEBUGGING"}
	l1DialTimeoutValue = 15 * time.Second
)

// gethNodeFlags are the flags of geth's own node command (cmd/geth's nodeFlags and rpcFlags)
// that utils.SetNodeConfig and utils.SetEthConfig read, less what `zkexex node` does not
// wire up (--dev, the beacon light client, external signers, GraphQL, ethstats, VM tracing):
// the utils setters read many flags without IsSet, so a missing one would be a zero value.
var gethNodeFlags = []cli.Flag{
	utils.IdentityFlag, utils.BootnodesFlag, utils.MinFreeDiskSpaceFlag, utils.KeyStoreDirFlag,
	utils.OverrideOsaka, utils.OverrideAmsterdam, utils.OverrideBPO1, utils.OverrideBPO2, utils.OverrideUBT, utils.OverrideGenesisFlag,
	utils.TxPoolLocalsFlag, utils.TxPoolNoLocalsFlag, utils.TxPoolJournalFlag, utils.TxPoolRejournalFlag, utils.TxPoolPriceLimitFlag,
	utils.TxPoolPriceBumpFlag, utils.TxPoolAccountSlotsFlag, utils.TxPoolGlobalSlotsFlag, utils.TxPoolAccountQueueFlag,
	utils.TxPoolGlobalQueueFlag, utils.TxPoolLifetimeFlag,
	utils.BlobPoolDataDirFlag, utils.BlobPoolDataCapFlag, utils.BlobPoolPriceBumpFlag, utils.BlobPoolFetchProbabilityFlag,
	utils.SyncModeFlag, utils.GCModeFlag, utils.SnapshotFlag, utils.SnapV2Flag, utils.TransactionHistoryFlag, utils.ChainHistoryFlag,
	utils.LogHistoryFlag, utils.LogNoHistoryFlag, utils.LogExportCheckpointsFlag, utils.StateHistoryFlag, utils.TrienodeHistoryFlag,
	utils.TrienodeHistoryFullValueCheckpointFlag, utils.BinTrieGroupDepthFlag, utils.EthRequiredBlocksFlag,
	utils.CacheFlag, utils.CacheDatabaseFlag, utils.CacheTrieFlag, utils.CacheGCFlag, utils.CacheSnapshotFlag, utils.CacheNoPrefetchFlag,
	utils.CacheNoPrecompileFlag, utils.CachePreimagesFlag, utils.CacheLogSizeFlag, utils.FDLimitFlag, utils.MemoryLimitFlag, utils.GOGCFlag,
	utils.CryptoKZGFlag, utils.ListenPortFlag, utils.DiscoveryPortFlag, utils.MaxPeersFlag, utils.MaxPendingPeersFlag,
	utils.MinerGasLimitFlag, utils.MinerGasPriceFlag, utils.MinerExtraDataFlag, utils.MinerMaxBlobsFlag, utils.MinerRecommitIntervalFlag,
	utils.MinerPendingFeeRecipientFlag, utils.NATFlag, utils.NoDiscoverFlag, utils.DiscoveryV4Flag, utils.DiscoveryV5Flag,
	utils.NetrestrictFlag, utils.NodeKeyFileFlag, utils.NodeKeyHexFlag, utils.DNSDiscoveryFlag, utils.NetworkIdFlag,
	utils.GpoBlocksFlag, utils.GpoPercentileFlag, utils.GpoMaxGasPriceFlag, utils.GpoIgnoreGasPriceFlag, utils.LogSlowBlockFlag,
	utils.HTTPEnabledFlag, utils.HTTPListenAddrFlag, utils.HTTPPortFlag, utils.HTTPCORSDomainFlag, utils.HTTPVirtualHostsFlag,
	utils.HTTPApiFlag, utils.HTTPPathPrefixFlag, utils.AuthListenFlag, utils.AuthPortFlag, utils.AuthVirtualHostsFlag, utils.JWTSecretFlag,
	utils.WSEnabledFlag, utils.WSListenAddrFlag, utils.WSPortFlag, utils.WSApiFlag, utils.WSAllowedOriginsFlag, utils.WSPathPrefixFlag,
	utils.IPCDisabledFlag, utils.IPCPathFlag, utils.RPCGlobalGasCapFlag, utils.RPCGlobalEVMTimeoutFlag, utils.RPCGlobalTxFeeCapFlag,
	utils.RPCGlobalLogQueryLimit, utils.EngineMaxReorgDepthFlag, utils.AllowUnprotectedTxs, utils.BatchRequestLimit,
	utils.BatchResponseMaxSize, utils.HTTPBodyLimitFlag, utils.RPCTxSyncDefaultTimeoutFlag, utils.RPCTxSyncMaxTimeoutFlag,
	utils.RPCGlobalRangeLimitFlag,
}

// nodeCommand is a geth node built from geth's own flags with the whole system installed.
var nodeCommand = &cli.Command{
	Name:  "node",
	Usage: "run a geth node with the execution extension, derivation and (optionally) proposals to L1",
	Description: `A full geth node, driven by its consensus client (or rollup node) over the
authenticated engine API (--authrpc.*, --authrpc.jwtsecret), with zkexex installed: every
canonical block is witnessed, proven per span and, with a proposer key, its output root is
proposed to the oracle on L1 (--l1.rpc, --oracle).`,
	Flags: slices.Concat(gethNodeFlags, utils.NetworkFlags, utils.DatabaseFlags, utils.MetricsFlags, []cli.Flag{
		nodeVerbosityFlag,
		l1RPCFlag, oracleFlag, proposerKeyFlag, proposerKSFlag, proposerPassFlag, challengerKeyFlag, proverFlag, proposeDepthFlag,
		intervalFlag, storeDirFlag, walDirFlag, walBufferFlag, walPruneFlag, retainDepthFlag,
	}, proveFlags("ZKEXEX")),
	Action: runNode,
}

// nodeOptions are our flags after the checks that need no network.
type nodeOptions struct {
	L1RPC  string
	Oracle common.Address
	Key    *ecdsa.PrivateKey
	// Challenger is the oracle's challenger account (nil: reorged outputs stop proposing).
	Challenger *ecdsa.PrivateKey
	Prover     string
	// Prove sizes the STARK prover (--prover stark and groth16 only).
	Prove    proveConfig
	Depth    uint64
	Interval uint64
}

// parseNodeOptions checks our flags before anything starts, one line per problem.
func parseNodeOptions(c *cli.Context) (*nodeOptions, error) {
	o := &nodeOptions{L1RPC: c.String(l1RPCFlag.Name), Prover: c.String(proverFlag.Name), Prove: parseProveConfig(c), Depth: c.Uint64(proposeDepthFlag.Name), Interval: c.Uint64(intervalFlag.Name)}
	var errs []error
	if v := c.Int(nodeVerbosityFlag.Name); v < 0 || v > 5 {
		errs = append(errs, fmt.Errorf("--verbosity %d: want 0 (crit) .. 5 (trace)", v))
	}
	switch o.Prover {
	case "dev", "native", "executor", "stark":
	case "groth16":
		if o.Interval == 0 {
			errs = append(errs, errors.New("--prover groth16 needs --interval: the wrap circuit is specialised to the oracle's submission interval (checked against the oracle)"))
		}
	default:
		errs = append(errs, fmt.Errorf("--prover %q: want dev, executor, stark or groth16", o.Prover))
	}
	errs = append(errs, o.Prove.validate(o.Prover)...)
	if s := c.String(oracleFlag.Name); s != "" {
		if !common.IsHexAddress(s) {
			errs = append(errs, fmt.Errorf("--oracle %q: not an address", s))
		} else {
			o.Oracle = common.HexToAddress(s)
		}
	}
	keyFile, ksFile := c.String(proposerKeyFlag.Name), c.String(proposerKSFlag.Name)
	switch {
	case keyFile != "" && ksFile != "":
		errs = append(errs, errors.New("--proposer.key and --proposer.keystore: give one"))
	case keyFile != "":
		k, err := crypto.LoadECDSA(keyFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("--proposer.key: %w", err))
		}
		o.Key = k
	case ksFile != "":
		k, err := loadKeystore(ksFile, c.String(proposerPassFlag.Name))
		if err != nil {
			errs = append(errs, err)
		}
		o.Key = k
	}
	if f := c.String(challengerKeyFlag.Name); f != "" {
		k, err := crypto.LoadECDSA(f)
		if err != nil {
			errs = append(errs, fmt.Errorf("--challenger.key: %w", err))
		}
		o.Challenger = k
		if keyFile == "" && ksFile == "" {
			errs = append(errs, errors.New("--challenger.key without a proposer key: the challenger only acts for the proposer"))
		}
	}
	// One line for the first missing piece of the L1 side, not one per consequence.
	proposing, hasOracle := keyFile != "" || ksFile != "", c.String(oracleFlag.Name) != ""
	switch {
	case proposing && o.L1RPC == "":
		errs = append(errs, errors.New("proposing needs L1: a proposer key is set but --l1.rpc is not"))
	case proposing && !hasOracle:
		errs = append(errs, errors.New("proposing needs an oracle: a proposer key is set but --oracle is not"))
	case hasOracle && o.L1RPC == "":
		errs = append(errs, errors.New("--oracle needs --l1.rpc to reach it"))
	case !hasOracle && o.Interval == 0:
		errs = append(errs, errors.New("no oracle and no --interval: name the oracle (--l1.rpc, --oracle) or give the submission interval"))
	}
	if o.Depth == 0 {
		errs = append(errs, errors.New("--propose-depth 0: want at least 1 block"))
	}
	return o, errors.Join(errs...)
}

func loadKeystore(file, passFile string) (*ecdsa.PrivateKey, error) {
	js, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--proposer.keystore: %w", err)
	}
	var pass string
	if passFile != "" {
		raw, err := os.ReadFile(passFile)
		if err != nil {
			return nil, fmt.Errorf("--proposer.password: %w", err)
		}
		pass = strings.TrimRight(string(raw), "\r\n")
	}
	k, err := keystore.DecryptKey(js, pass)
	if err != nil {
		return nil, fmt.Errorf("--proposer.keystore %s: %w", file, err)
	}
	return k.PrivateKey, nil
}

// checkL1 reaches L1 and the oracle's code before the node starts.
func checkL1(ctx context.Context, o *nodeOptions) (*ethclient.Client, error) {
	if o.L1RPC == "" {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, l1DialTimeoutValue)
	defer cancel()
	client, err := ethclient.DialContext(ctx, o.L1RPC)
	if err != nil {
		return nil, fmt.Errorf("--l1.rpc %s: %w", o.L1RPC, err)
	}
	if _, err := client.ChainID(ctx); err != nil {
		client.Close()
		return nil, fmt.Errorf("--l1.rpc %s: %w", o.L1RPC, err)
	}
	if o.Oracle != (common.Address{}) {
		code, err := client.CodeAt(ctx, o.Oracle, nil)
		if err != nil {
			client.Close()
			return nil, fmt.Errorf("--oracle %s: %w", o.Oracle, err)
		}
		if len(code) == 0 {
			client.Close()
			return nil, fmt.Errorf("--oracle %s: no contract at this address on L1 (%s)", o.Oracle, o.L1RPC)
		}
	}
	return client, nil
}

func runNode(c *cli.Context) error {
	opts, err := parseNodeOptions(c)
	if err != nil {
		return err
	}
	ctx, cancel := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer cancel()
	client, err := checkL1(ctx, opts)
	if err != nil {
		return err
	}
	if client != nil {
		defer client.Close()
	}
	log.SetDefault(log.NewLogger(log.NewTerminalHandlerWithLevel(os.Stderr, log.FromLegacyLevel(c.Int(nodeVerbosityFlag.Name)), isatty.IsTerminal(os.Stderr.Fd()))))

	// As geth's makeConfigNode / makeFullNode do, less what zkexex does not serve.
	nodeCfg := node.DefaultConfig
	// geth's instance name: `zkexex node --datadir` on an existing geth datadir reuses its chain.
	nodeCfg.Name = "geth"
	nodeCfg.Version = versionString()
	nodeCfg.HTTPModules = append(nodeCfg.HTTPModules, "eth", "zkexex")
	nodeCfg.WSModules = append(nodeCfg.WSModules, "eth", "zkexex")
	nodeCfg.IPCPath = "geth.ipc"
	utils.SetNodeConfig(c, &nodeCfg)
	stack, err := node.New(&nodeCfg)
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	defer stack.Close()
	ethCfg := ethconfig.Defaults
	utils.SetEthConfig(c, stack, &ethCfg)
	metricsCfg := metrics.DefaultConfig
	utils.SetMetricsConfig(c, &metricsCfg)
	utils.SetupMetrics(&metricsCfg)
	_, backend := utils.RegisterEthService(stack, &ethCfg)
	if err := catalyst.Register(stack, backend); err != nil {
		return fmt.Errorf("engine API: %w", err)
	}

	kind := opts.Prover
	if kind == "dev" {
		kind = "native"
	}
	tracker := newSpanTracker(nil, kind, 10*time.Second)
	prover, err := newProver(ctx, kind, opts.Prove, tracker, opts.Interval)
	if err != nil {
		return err
	}
	defer prover.Close()
	tracker.inner = prover.Prover
	cfg := service.Config{
		Dir: c.String(storeDirFlag.Name), Prover: tracker, ImageID: prover.ImageID, SpanVerifier: prover.Verifier,
		Oracle: opts.Oracle, ProposerKey: opts.Key, SubmissionInterval: opts.Interval,
		Proposer:     proposer.Config{ChallengerKey: opts.Challenger},
		ProposeDepth: opts.Depth, RetainDepth: c.Uint64(retainDepthFlag.Name),
		Exex: exex.Config{Dir: c.String(walDirFlag.Name), BufferSize: c.Int(walBufferFlag.Name), PruneDepth: c.Uint64(walPruneFlag.Name)},
	}
	if client != nil {
		cfg.L1 = client
	}
	svc, err := service.Install(ctx, stack, backend, cfg)
	if err != nil {
		return err
	}
	defer svc.Close()
	if err := stack.Start(); err != nil {
		return fmt.Errorf("start node: %w", err)
	}
	var runErr error
	select {
	case <-ctx.Done():
		log.Info("Shutting down")
	case <-svc.Manager.Done():
		// exex.Install's OnFatal closes the node too; say why here.
		runErr = svc.Manager.Err()
	}
	// The node first: it stops the manager and with it the pipeline, whose stores
	// svc.Close (deferred) may then close.
	return errors.Join(runErr, stack.Close())
}
