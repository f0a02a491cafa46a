package main

import (
	"context"
	"io"
	"log/slog"
	"runtime"
	"strings"

	"github.com/ethereum/go-ethereum/log"
	"github.com/mattn/go-isatty"
)

// devnetHandler is the devnet's log handler. Two geth nodes share one process and one global
// logger: at the default verbosity (info) their per-block Info chatter (payload building,
// imports, head updates, the start-up banner) goes to debug, so what remains is zkexex's own
// account of blocks, spans and proposals. A few geth warnings that every fresh dev chain
// prints are expected and go to debug too (see expectedWarnings). --verbosity 4 or more shows
// everything as geth logs it.
type devnetHandler struct {
	inner slog.Handler
	level slog.Level
}

// expectedWarnings are geth warnings a devnet prints on every start and that mean nothing
// wrong here: a fresh datadir has no snapshot and no head state yet ("Head block is not
// reachable" and "Failed to load snapshot" are geth's start-up probes of a chain it has
// just created, both regenerated at once); slow-RPC notices come from the proposer's own
// polling on a loaded machine.
var expectedWarnings = []string{"Head block is not reachable", "Failed to load snapshot", "Served "}

// gethHeadLoaded is the one geth Info line kept: where each chain starts again from its
// datadir (first L1, then L2), which an operator restarting a devnet wants to see.
const gethHeadLoaded = "Loaded most recent local block"

func newDevnetHandler(w io.Writer, verbosity int, color bool) *devnetHandler {
	return &devnetHandler{
		inner: log.NewTerminalHandlerWithLevel(w, log.LevelTrace, color),
		level: log.FromLegacyLevel(verbosity),
	}
}

func newDevnetLogger(verbosity int, w io.Writer, f interface{ Fd() uintptr }) log.Logger {
	return log.NewLogger(newDevnetHandler(w, verbosity, isatty.IsTerminal(f.Fd())))
}

func (h *devnetHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *devnetHandler) Handle(ctx context.Context, r slog.Record) error {
	if h.level <= log.LevelDebug || fromZkexex(r.PC) {
		return h.inner.Handle(ctx, r)
	}
	switch {
	case r.Level < slog.LevelWarn:
		if r.Message == gethHeadLoaded {
			break
		}
		return nil // geth's Info chatter
	case r.Level < slog.LevelError:
		for _, w := range expectedWarnings {
			if strings.HasPrefix(r.Message, w) {
				return nil
			}
		}
	}
	return h.inner.Handle(ctx, r)
}

func (h *devnetHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &devnetHandler{inner: h.inner.WithAttrs(attrs), level: h.level}
}

func (h *devnetHandler) WithGroup(name string) slog.Handler {
	return &devnetHandler{inner: h.inner.WithGroup(name), level: h.level}
}

// fromZkexex reports whether the log call at pc is in this module's code. The PC may stand
// for several frames when geth's logging methods were inlined into the caller; the first
// frame outside geth's log package is the call site.
func fromZkexex(pc uintptr) bool {
	if pc == 0 {
		return false
	}
	frames := runtime.CallersFrames([]uintptr{pc})
	for {
		f, more := frames.Next()
		if !strings.HasPrefix(f.Function, "github.com/ethereum/go-ethereum/log.") {
			return strings.HasPrefix(f.Function, "github.com/zkexex/zkexex/") || strings.HasPrefix(f.Function, "main.")
		}
		if !more {
			return false
		}
	}
}
