package stf

import (
	"context"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/stateless"
	"github.com/ethereum/go-ethereum/core/vm"
)

// BenchmarkExecute reports the native stf.Execute time and the input size
// per block over the generated chain (all forks, full traffic), next to
// geth's core.ExecuteStateless on the same blocks and witnesses as the
// baseline: the difference is what the STF's extra checks and the
// message-passer proof cost.
func BenchmarkExecute(b *testing.B) {
	c := newTestChain(b, testBlocks)
	inputs := make([]*Input, len(c.blocks))
	var inputBytes int
	for i := range c.blocks {
		inputs[i] = c.input(b, i)
		enc, err := inputs[i].Encode()
		if err != nil {
			b.Fatal(err)
		}
		inputBytes += len(enc)
	}
	ctx := context.Background()
	b.Run("stf.Execute", func(b *testing.B) {
		for b.Loop() {
			for _, in := range inputs {
				if _, err := Execute(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
		}
		perBlock := float64(b.Elapsed()) / float64(b.N*len(inputs))
		b.ReportMetric(perBlock/float64(time.Microsecond), "µs/block")
		b.ReportMetric(float64(inputBytes)/float64(len(inputs)), "input-bytes/block")
		b.ReportMetric(0, "ns/op")
	})
	b.Run("geth.ExecuteStateless", func(b *testing.B) {
		for b.Loop() {
			for _, in := range inputs {
				w := new(stateless.Witness)
				if err := w.FromExtWitness(in.Witness); err != nil {
					b.Fatal(err)
				}
				if _, _, err := core.ExecuteStateless(ctx, c.cfg.Chain, vm.Config{}, in.Block, w); err != nil {
					b.Fatal(err)
				}
			}
		}
		perBlock := float64(b.Elapsed()) / float64(b.N*len(inputs))
		b.ReportMetric(perBlock/float64(time.Microsecond), "µs/block")
		b.ReportMetric(0, "ns/op")
	})
	b.Run("DecodeInput", func(b *testing.B) {
		encs := make([][]byte, len(inputs))
		for i, in := range inputs {
			encs[i], _ = in.Encode()
		}
		for b.Loop() {
			for _, e := range encs {
				if _, err := DecodeInput(e); err != nil {
					b.Fatal(err)
				}
			}
		}
		perBlock := float64(b.Elapsed()) / float64(b.N*len(inputs))
		b.ReportMetric(perBlock/float64(time.Microsecond), "µs/block")
		b.ReportMetric(float64(inputBytes)*1e3/(perBlock*float64(len(inputs))), "MB/s")
		b.ReportMetric(0, "ns/op")
	})
}

// BenchmarkGuestQEMU reports the wall time of the riscv64 guest under
// qemu-riscv64 per generated block, for comparison with BenchmarkExecute
// (qemu is an emulator, not the zkVM: this is a sanity figure only).
func BenchmarkGuestQEMU(b *testing.B) {
	qemu := qemuPath(b)
	elfPath := buildGuestOnce(b)
	c := newTestChain(b, testBlocks)
	encs := make([][]byte, len(c.blocks))
	for i := range c.blocks {
		var err error
		if encs[i], err = c.input(b, i).Encode(); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		for _, e := range encs {
			if _, code, _ := runGuest(b, qemu, elfPath, e); code != 0 {
				b.Fatalf("guest exit %d", code)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N*len(encs))/float64(time.Millisecond), "ms/block")
	b.ReportMetric(0, "ns/op")
}
