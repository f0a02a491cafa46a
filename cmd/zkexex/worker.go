package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"

	"github.com/ethereum/go-ethereum/cmd/utils"
	"github.com/ethereum/go-ethereum/log"
	"github.com/ethereum/go-ethereum/metrics"
	"github.com/mattn/go-isatty"
	"github.com/urfave/cli/v2"

	"github.com/zkexex/zkexex/prover/cluster"
	"github.com/zkexex/zkexex/prover/prove"
	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/prover/recursion"
	"github.com/zkexex/zkexex/prover/vm"
)

// Flags of the proving cluster (prover/cluster), shared by 'worker' and 'prove --succinct'.
var (
	natsFlag         = &cli.StringFlag{Name: "nats", Usage: "NATS server URL of the proving cluster (nats://host:4222)"}
	natsListenFlag   = &cli.StringFlag{Name: "nats-listen", Usage: "start an embedded nats-server on this host:port and prove through it ('zkexex worker --nats nats://host:port' joins it)"}
	natsDirFlag      = &cli.StringFlag{Name: "nats-dir", Usage: "JetStream storage of the embedded server (default: zkexex-nats in the temporary directory)"}
	natsUserFlag     = &cli.StringFlag{Name: "nats-user", Usage: "NATS user (with --nats-password); the embedded server requires it"}
	natsPasswordFlag = &cli.StringFlag{Name: "nats-password", Usage: "NATS password", EnvVars: []string{"ZKEXEX_NATS_PASSWORD"}}
	natsTokenFlag    = &cli.StringFlag{Name: "nats-token", Usage: "NATS token; the embedded server requires it", EnvVars: []string{"ZKEXEX_NATS_TOKEN"}}
	natsCredsFlag    = &cli.StringFlag{Name: "nats-creds", Usage: "NATS credentials file (user JWT and nkey seed)"}
	natsNKeyFlag     = &cli.StringFlag{Name: "nats-nkey", Usage: "NATS nkey seed file"}
	natsCertFlag     = &cli.StringFlag{Name: "nats-tls-cert", Usage: "TLS certificate (PEM): the client's, or the embedded server's"}
	natsKeyFlag      = &cli.StringFlag{Name: "nats-tls-key", Usage: "TLS key (PEM) of --nats-tls-cert"}
	natsCAFlag       = &cli.StringFlag{Name: "nats-tls-ca", Usage: "TLS CA (PEM) that verifies the other side (an embedded server then requires client certificates, and connects to itself with --nats-tls-cert)"}

	clusterFlags = []cli.Flag{natsFlag, natsListenFlag, natsDirFlag, natsUserFlag, natsPasswordFlag, natsTokenFlag, natsCredsFlag, natsNKeyFlag, natsCertFlag, natsKeyFlag, natsCAFlag}
)

// workerCommand runs a proving worker of the cluster.
var workerCommand = &cli.Command{
	Name:  "worker",
	Usage: "prove segment, join and shrink tasks for a proving cluster (--nats URL)",
	Description: `Pulls tasks from the cluster's JetStream queue and proves them: any number of workers,
on any machine, share the queue. The coordinator ('zkexex prove --succinct --nats URL' or
--nats-listen, 'zkexex devnet|node --prover stark --prove.cluster') verifies every result
before using it.`,
	Flags: slices.Concat([]cli.Flag{
		natsFlag, natsUserFlag, natsPasswordFlag, natsTokenFlag, natsCredsFlag, natsNKeyFlag, natsCertFlag, natsKeyFlag, natsCAFlag,
		&cli.IntFlag{Name: "workers", Usage: "tasks proven at once (each holds a segment's or a recursion program's traces)", Value: 1},
		&cli.StringFlag{Name: "name", Usage: "worker name in results, logs and metrics (default: host-pid)"},
	}, utils.MetricsFlags),
	Action: workerAction,
}

func workerAction(c *cli.Context) error {
	if c.String(natsFlag.Name) == "" {
		return errors.New("--nats is required (the URL of the coordinator's or the cluster's NATS server)")
	}
	if c.Int("workers") < 1 {
		return fmt.Errorf("--workers %d: want 1 or more", c.Int("workers"))
	}
	logger := log.NewLogger(log.NewTerminalHandler(os.Stderr, isatty.IsTerminal(os.Stderr.Fd())))
	metricsCfg := metrics.DefaultConfig
	utils.SetMetricsConfig(c, &metricsCfg)
	utils.SetupMetrics(&metricsCfg)
	ctx, cancel := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer cancel()
	e, err := clusterEndpoint(c)
	if err != nil {
		return err
	}
	e.Conn.Wait = true
	nc, _, closeFn, err := cluster.Open(e)
	if err != nil {
		return err
	}
	defer closeFn()
	w, err := cluster.NewWorker(ctx, nc, cluster.WorkerConfig{Name: c.String("name"), Workers: c.Int("workers"), Logger: logger})
	if err != nil {
		return err
	}
	if err := w.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// clusterWanted: the flags ask to prove through a cluster.
func clusterWanted(c *cli.Context) bool {
	return c.String(natsFlag.Name) != "" || c.String(natsListenFlag.Name) != ""
}

// clusterOptions are the cluster flags as given: where the cluster's NATS server is, or where
// to start the embedded one, and the credentials.
type clusterOptions struct {
	URL, Listen, Dir                   string
	User, Password, Token, Creds, NKey string
	Cert, Key, CA                      string
}

func parseClusterOptions(c *cli.Context) clusterOptions {
	return clusterOptions{
		URL: c.String(natsFlag.Name), Listen: c.String(natsListenFlag.Name), Dir: c.String(natsDirFlag.Name),
		User: c.String(natsUserFlag.Name), Password: c.String(natsPasswordFlag.Name), Token: c.String(natsTokenFlag.Name),
		Creds: c.String(natsCredsFlag.Name), NKey: c.String(natsNKeyFlag.Name),
		Cert: c.String(natsCertFlag.Name), Key: c.String(natsKeyFlag.Name), CA: c.String(natsCAFlag.Name),
	}
}

// endpoint is where the options say to connect: the server at URL, or, without one, an
// embedded server listening on Listen (host:port).
func (o clusterOptions) endpoint() (cluster.Endpoint, error) {
	auth := cluster.Auth{User: o.User, Password: o.Password, Token: o.Token}
	tls := cluster.TLS{Cert: o.Cert, Key: o.Key, CA: o.CA}
	e := cluster.Endpoint{URL: o.URL, Conn: cluster.ConnConfig{Name: "zkexex", Auth: auth, Creds: o.Creds, NKey: o.NKey, TLS: tls}}
	if e.URL == "" {
		dir := o.Dir
		if dir == "" {
			dir = filepath.Join(os.TempDir(), "zkexex-nats")
		}
		e.Embedded = cluster.ServerConfig{Dir: dir, Auth: auth, TLS: tls}
		host, port, err := net.SplitHostPort(o.Listen)
		if err != nil {
			return e, fmt.Errorf("--nats-listen: %w", err)
		}
		if e.Embedded.Port, err = strconv.Atoi(port); err != nil || e.Embedded.Port < 0 || e.Embedded.Port > 65535 {
			return e, fmt.Errorf("--nats-listen: port %q", port)
		}
		e.Embedded.Host = host
	}
	return e, nil
}

func clusterEndpoint(c *cli.Context) (cluster.Endpoint, error) {
	return parseClusterOptions(c).endpoint()
}

// clusterSuccinct is proveSuccinct through the cluster the flags name: the production key set,
// the segments and joins proven by 'zkexex worker' processes.
func clusterSuccinct(c *cli.Context, logger log.Logger) func(context.Context, *vm.Image, *vm.Program, []byte, prove.Options) (*receipt.SuccinctReceipt, *vm.Result, error) {
	return func(ctx context.Context, img *vm.Image, prog *vm.Program, input []byte, opts prove.Options) (*receipt.SuccinctReceipt, *vm.Result, error) {
		set, err := recursion.ProductionSet()
		if err != nil {
			return nil, nil, err
		}
		e, err := clusterEndpoint(c)
		if err != nil {
			return nil, nil, err
		}
		nc, srv, closeFn, err := cluster.Open(e)
		if err != nil {
			return nil, nil, err
		}
		defer closeFn()
		if srv != nil {
			logger.Info("Embedded NATS server started: join it with 'zkexex worker --nats URL'", "url", srv.URL())
		}
		p, err := cluster.NewProver(ctx, nc, set, cluster.Config{Logger: logger})
		if err != nil {
			return nil, nil, err
		}
		return p.Succinct(ctx, img, prog, input, opts)
	}
}
