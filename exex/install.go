package exex

import (
	"github.com/ethereum/go-ethereum/eth"
	"github.com/ethereum/go-ethereum/log"
	"github.com/ethereum/go-ethereum/node"
)

// lifecycle adapts a Manager to node.Lifecycle.
type lifecycle struct{ m *Manager }

func (l lifecycle) Start() error { return l.m.Start() }
func (l lifecycle) Stop() error  { return l.m.Stop() }

// Install creates a Manager following backend's chain and registers it with stack, which
// starts and stops it with the node. The WAL goes to cfg.Dir, or to "zkexex-wal" in the node's
// data directory. Unless cfg.OnFatal is set, an error that stops the manager (an extension
// failed without Restart) logs it and closes the node: the operator installed the extension,
// and a node silently running without it is worse. Manager.Err says why afterwards.
func Install(stack *node.Node, backend *eth.Ethereum, cfg Config, exts ...Extension) (*Manager, error) {
	if cfg.Dir == "" {
		cfg.Dir = stack.ResolvePath("zkexex-wal")
	}
	if cfg.OnFatal == nil {
		cfg.OnFatal = func(err error) {
			log.Error("Closing the node: an execution extension failed", "err", err)
			if cerr := stack.Close(); cerr != nil {
				log.Warn("Closing the node failed", "err", cerr)
			}
		}
	}
	m, err := New(backend.BlockChain(), cfg, exts...)
	if err != nil {
		return nil, err
	}
	stack.RegisterLifecycle(lifecycle{m})
	return m, nil
}
