package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/log"
)

// TestDevnetHandler: at the default verbosity geth's Info lines and its expected start-up
// warnings are dropped (except where a chain restarts) and its other warnings, its errors and
// all of zkexex's lines are kept; at verbosity 4 everything passes.
func TestDevnetHandler(t *testing.T) {
	geth := func(h slog.Handler, level slog.Level, msg string) {
		// PC 0 stands for a call site outside this module, as geth's are.
		if err := h.Handle(context.Background(), slog.NewRecord(time.Now(), level, msg, 0)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		verbosity int
		kept      []string
		dropped   []string
	}{
		{3, []string{"ours", "Loaded most recent local block", "Unexpected warning", "Some error"},
			[]string{"Imported new potential chain segment", "Head block is not reachable", "Failed to load snapshot", "ours at debug"}},
		{4, []string{"ours", "ours at debug", "Imported new potential chain segment", "Head block is not reachable", "Some error"}, nil},
	} {
		var buf bytes.Buffer
		h := newDevnetHandler(&buf, tc.verbosity, false)
		l := log.NewLogger(h)
		l.Info("ours")
		l.Debug("ours at debug")
		geth(h, slog.LevelInfo, "Imported new potential chain segment")
		geth(h, slog.LevelInfo, "Loaded most recent local block")
		geth(h, slog.LevelWarn, "Head block is not reachable")
		geth(h, slog.LevelWarn, "Failed to load snapshot")
		geth(h, slog.LevelWarn, "Unexpected warning")
		geth(h, slog.LevelError, "Some error")
		out := buf.String()
		for _, m := range tc.kept {
			if !strings.Contains(out, m+" ") && !strings.Contains(out, m+"\n") {
				t.Errorf("verbosity %d: %q dropped", tc.verbosity, m)
			}
		}
		for _, m := range tc.dropped {
			if strings.Contains(out, m) {
				t.Errorf("verbosity %d: %q kept", tc.verbosity, m)
			}
		}
	}
}
