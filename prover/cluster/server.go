package cluster

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// ErrServer: the embedded nats-server did not start.
var ErrServer = errors.New("cluster: embedded nats-server")

// Auth is a user/password pair or a token: the embedded server requires it, clients present
// it. The zero value is no authentication (a server on a loopback address only).
type Auth struct {
	User, Password string
	Token          string
}

// TLS names PEM files: the server's or client's certificate and key, and the CA that verifies
// the other side (for a server: client certificates are then required).
type TLS struct {
	Cert, Key, CA string
}

func (t TLS) enabled() bool { return t.Cert != "" || t.Key != "" || t.CA != "" }

// ServerConfig configures the embedded nats-server.
type ServerConfig struct {
	// Dir holds JetStream's file storage: the task queue, results and blobs survive a restart.
	Dir string
	// Host and Port are where it listens (default 127.0.0.1; port 0: any free port). Workers
	// on other machines need a routable Host.
	Host string
	Port int
	Auth Auth
	TLS  TLS
	// MaxStore bounds JetStream's disk use in bytes (0: the server's default, a share of the
	// disk).
	MaxStore int64
}

// Server is an in-process nats-server with JetStream.
type Server struct {
	s *server.Server
}

// StartServer starts an embedded nats-server with JetStream on file storage in cfg.Dir.
func StartServer(cfg ServerConfig) (*Server, error) {
	if cfg.Dir == "" {
		return nil, fmt.Errorf("%w: no data directory", ErrServer)
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrServer, err)
	}
	host, port := cfg.Host, cfg.Port
	if host == "" {
		host = "127.0.0.1"
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	opts := &server.Options{
		ServerName: "zkexex",
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   cfg.Dir,
		// The binary owns signals and logging; nats-server's own handlers would fight geth's.
		NoSigs: true,
		NoLog:  true,
		// A segment record is up to a few MB at po2 22; blobs travel in object-store chunks,
		// but task and result messages stay small.
		MaxPayload:        8 << 20,
		JetStreamMaxStore: cfg.MaxStore,
		Username:          cfg.Auth.User,
		Password:          cfg.Auth.Password,
		Authorization:     cfg.Auth.Token,
	}
	if cfg.TLS.enabled() {
		tc, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: cfg.TLS.Cert, KeyFile: cfg.TLS.Key, CaFile: cfg.TLS.CA, Verify: cfg.TLS.CA != ""})
		if err != nil {
			return nil, fmt.Errorf("%w: TLS: %w", ErrServer, err)
		}
		opts.TLSConfig, opts.TLS, opts.TLSVerify, opts.TLSTimeout = tc, true, cfg.TLS.CA != "", 2
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrServer, err)
	}
	go s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		s.Shutdown()
		return nil, fmt.Errorf("%w: not ready after 30s on %s", ErrServer, net.JoinHostPort(host, strconv.Itoa(port)))
	}
	return &Server{s: s}, nil
}

// URL is the server's client URL (nats://host:port).
func (s *Server) URL() string { return s.s.ClientURL() }

// Port is the port the server listens on.
func (s *Server) Port() int { return s.s.Addr().(*net.TCPAddr).Port }

// Close shuts the server down and waits for it: JetStream's files are flushed.
func (s *Server) Close() {
	s.s.Shutdown()
	s.s.WaitForShutdown()
}

// ConnConfig is how a coordinator or a worker connects.
type ConnConfig struct {
	Name string // shown in the server's connection list
	Auth Auth
	// Creds is a JWT credentials file (user JWT and nkey seed), NKey an nkey seed file: the
	// operator-mode and nkey-only ways of a managed NATS cluster.
	Creds, NKey string
	TLS         TLS
	// Wait keeps trying when no server answers yet (a worker started before its coordinator)
	// instead of failing.
	Wait bool
}

// Connect dials url. It reconnects for as long as it takes (a restarted server comes back
// with its JetStream state); callers retry the operations that fail meanwhile.
func Connect(url string, c ConnConfig) (*nats.Conn, error) {
	opts := []nats.Option{
		nats.Name(c.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.RetryOnFailedConnect(c.Wait),
	}
	switch {
	case c.Auth.Token != "":
		opts = append(opts, nats.Token(c.Auth.Token))
	case c.Auth.User != "":
		opts = append(opts, nats.UserInfo(c.Auth.User, c.Auth.Password))
	}
	if c.Creds != "" {
		opts = append(opts, nats.UserCredentials(c.Creds))
	}
	if c.NKey != "" {
		o, err := nats.NkeyOptionFromSeed(c.NKey)
		if err != nil {
			return nil, fmt.Errorf("cluster: nkey %s: %w", c.NKey, err)
		}
		opts = append(opts, o)
	}
	if c.TLS.Cert != "" || c.TLS.Key != "" {
		opts = append(opts, nats.ClientCert(c.TLS.Cert, c.TLS.Key))
	}
	if c.TLS.CA != "" {
		opts = append(opts, nats.RootCAs(c.TLS.CA))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("cluster: connecting to %s: %w", url, err)
	}
	return nc, nil
}

// Endpoint is where a cluster is: an external NATS (URL), or, when URL is empty, an embedded
// server to start (Embedded), which workers on other processes or machines join at its URL.
type Endpoint struct {
	URL      string
	Embedded ServerConfig
	Conn     ConnConfig
}

// Open connects to the endpoint, first starting the embedded server when no URL is given
// (connecting to it with its own credentials and TLS CA unless Conn names others). closeFn
// closes the connection, then the server.
func Open(e Endpoint) (nc *nats.Conn, srv *Server, closeFn func(), err error) {
	url := e.URL
	if url == "" {
		if srv, err = StartServer(e.Embedded); err != nil {
			return nil, nil, nil, err
		}
		url = srv.URL()
		if e.Conn.Auth == (Auth{}) && e.Conn.Creds == "" && e.Conn.NKey == "" {
			e.Conn.Auth = e.Embedded.Auth
		}
		if !e.Conn.TLS.enabled() {
			e.Conn.TLS.CA = e.Embedded.TLS.CA
		}
	}
	if nc, err = Connect(url, e.Conn); err != nil {
		if srv != nil {
			srv.Close()
		}
		return nil, nil, nil, err
	}
	return nc, srv, func() {
		nc.Close()
		if srv != nil {
			srv.Close()
		}
	}, nil
}
