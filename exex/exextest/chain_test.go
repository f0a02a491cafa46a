package exextest

import (
	"fmt"
	"runtime"
	"testing"
)

// TestChainTxsPerBlock checks the traffic options: the default of four transactions per
// block, an explicit count, and EmptyBlocks.
func TestChainTxsPerBlock(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		want int
	}{
		{"default", Options{Seed: 1}, 4},
		{"explicit", Options{Seed: 1, TxsPerBlock: 2}, 2},
		{"empty", Options{Seed: 1, EmptyBlocks: true}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			chain := NewChain(t, tc.opts)
			for _, b := range chain.Extend(2) {
				if n := len(b.Transactions()); n != tc.want {
					t.Fatalf("block %d has %d transactions, want %d", b.NumberU64(), n, tc.want)
				}
			}
		})
	}
}

// fatalTB records the first Fatalf and stops the calling goroutine, as testing.T does.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// TestChainBadOptions checks that contradictory traffic options are refused rather than read
// as some default.
func TestChainBadOptions(t *testing.T) {
	for _, opts := range []Options{{TxsPerBlock: -1}, {TxsPerBlock: 3, EmptyBlocks: true}} {
		tb := &fatalTB{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			NewChain(tb, opts)
		}()
		<-done
		if tb.msg == "" {
			t.Errorf("%+v: accepted", opts)
		}
	}
}
