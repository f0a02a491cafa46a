package exex

import (
	"fmt"

	"github.com/ethereum/go-ethereum/log"
)

// PebbleLogger routes a pebble database's own log lines into geth's log, prefixed with the
// store's name: its chatter at debug level, its errors at error level. Every pebble store of
// zkexex (the WAL, the derivation store, the proposer's records) opens with one, so no store
// drops pebble's errors.
type PebbleLogger struct{ Store string }

func (l PebbleLogger) Infof(format string, args ...any) {
	log.Debug(l.Store + ": " + fmt.Sprintf(format, args...))
}

func (l PebbleLogger) Errorf(format string, args ...any) {
	log.Error(l.Store + ": " + fmt.Sprintf(format, args...))
}

// Fatalf must not return (pebble's contract); log.Crit exits the process.
func (l PebbleLogger) Fatalf(format string, args ...any) {
	log.Crit(l.Store + ": " + fmt.Sprintf(format, args...))
}
