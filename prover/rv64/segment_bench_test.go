package rv64

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
	"github.com/zkexex/zkexex/stf"
)

// stfGuest builds the STF guest and its image, and reads stf/testdata/generated-10's input.
func stfGuest(b testing.TB) (*vm.Program, *vm.Image, []byte) {
	b.Helper()
	elf := filepath.Join(b.TempDir(), "guest")
	if err := stf.BuildGuest(context.Background(), elf); err != nil {
		b.Skip("STF guest does not build here: ", err)
	}
	data, err := os.ReadFile(elf)
	if err != nil {
		b.Fatal(err)
	}
	prog, err := vm.LoadELF(data)
	if err != nil {
		b.Fatal(err)
	}
	img, _, err := vm.BuildImage(context.Background(), prog, vm.Config{})
	if err != nil {
		b.Fatal(err)
	}
	input, err := os.ReadFile("../../stf/testdata/generated-10/input.bin")
	if err != nil {
		b.Fatal(err)
	}
	return prog, img, input
}

// segmentFor runs a workload at po2 and returns a representative full segment: a compute loop's
// first, or, of the STF guest's first six from its image, the one with the most instructions.
func segmentFor(b *testing.B, workload string, po2 int) *vm.Segment {
	b.Helper()
	var (
		prog *vm.Program
		img  *vm.Image
		cfg  = vm.Config{Po2: po2}
	)
	switch workload {
	case "loop":
		prog = assemble(b, countdownSource(1<<po2))
	case "stf":
		prog, img, cfg.Stdin = stfGuest(b)
	}
	// The STF's first segments after the image mostly page memory in; take the segment with the
	// most instructions among the first few full ones, which is what the bulk of a block looks like.
	var seg *vm.Segment
	seen := 0
	errFound := fmt.Errorf("found")
	cfg.OnSegment = func(s *vm.Segment) error {
		if seg == nil || s.Instructions > seg.Instructions {
			seg = s
		}
		if seen++; seen == 6 || workload == "loop" {
			return errFound
		}
		return nil
	}
	var err error
	if img != nil {
		_, err = vm.ExecuteImage(context.Background(), img, prog, cfg)
	} else {
		_, err = vm.Execute(context.Background(), prog, cfg)
	}
	if seg == nil {
		b.Fatalf("no segment: %v", err)
	}
	return seg
}

// segTableCells is one table's share of a witness: padded rows × (main + 4 per LogUp column).
type segTableCells struct {
	name        string
	rows        int
	main, ext   int
	mainC, extC int
}

func witnessCells(b *testing.B, w *witness) []segTableCells {
	ts, err := segmentTables()
	if err != nil {
		b.Fatal(err)
	}
	out := make([]segTableCells, len(ts))
	for i, t := range ts {
		h := w.traces[i].Height
		out[i] = segTableCells{name: t.Name(), rows: h, main: t.Width(), ext: 4 * t.LogUpColumns()}
		out[i].mainC, out[i].extC = h*out[i].main, h*out[i].ext
	}
	return out
}

// BenchmarkSegment proves one full segment of a compute loop and of the STF guest (on
// stf/testdata/generated-10, from its image) at po2 18, 20 and 22, with the default parameters.
// Figures: kHz (cycles proven per second), cells per cycle (main + extension, all tables, padded),
// trace-generation time, proof size, verify time and peak heap. The per-table breakdown is logged.
// Run: go test -run XXX -bench Segment -benchtime 1x ./prover/rv64/ (minutes at po2 22).
func BenchmarkSegment(b *testing.B) {
	for _, workload := range []string{"loop", "stf"} {
		for _, po2 := range []int{18, 20, 22} {
			b.Run(fmt.Sprintf("%s/po2=%d", workload, po2), func(b *testing.B) {
				seg := segmentFor(b, workload, po2)
				pk, err := ProvingKey(stark.DefaultParams())
				if err != nil {
					b.Fatal(err)
				}
				var peak atomic.Uint64
				stop := make(chan struct{})
				go func() {
					var ms runtime.MemStats
					for {
						select {
						case <-stop:
							return
						case <-time.After(50 * time.Millisecond):
						}
						runtime.ReadMemStats(&ms)
						if ms.HeapInuse > peak.Load() {
							peak.Store(ms.HeapInuse)
						}
					}
				}()
				defer close(stop)
				b.ResetTimer()
				var genT, proveT, verT time.Duration
				var size int
				var cells []segTableCells
				for i := 0; i < b.N; i++ {
					t0 := time.Now()
					w, err := generate(context.Background(), seg)
					if err != nil {
						b.Fatal(err)
					}
					genT += time.Since(t0)
					cells = witnessCells(b, w)
					t1 := time.Now()
					proof, err := stark.Prove(context.Background(), pk, w.traces, w.public)
					if err != nil {
						b.Fatal(err)
					}
					proveT += time.Since(t1)
					size = proof.Size()
					t2 := time.Now()
					if err := stark.Verify(pk.VerifyingKey(), proof, w.public, stark.DefaultVerifierConfig()); err != nil {
						b.Fatal(err)
					}
					verT += time.Since(t2)
				}
				n := float64(b.N)
				cyc := float64(seg.Cycles())
				total := 0
				for _, c := range cells {
					total += c.mainC + c.extC
				}
				b.ReportMetric(cyc*n/(genT+proveT).Seconds()/1e3, "kHz")
				b.ReportMetric(float64(total)/cyc, "cells/cycle")
				b.ReportMetric(genT.Seconds()/n, "gen-s")
				b.ReportMetric(proveT.Seconds()/n, "prove-s")
				b.ReportMetric(verT.Seconds()*1e3/n, "verify-ms")
				b.ReportMetric(float64(size)/1024, "proof-KiB")
				b.ReportMetric(float64(peak.Load())/(1<<20), "peak-MiB")
				sort.Slice(cells, func(i, j int) bool { return cells[i].mainC+cells[i].extC > cells[j].mainC+cells[j].extC })
				var sb strings.Builder
				fmt.Fprintf(&sb, "%d cycles (%d instructions), %d pages; cells per cycle by table (rows, main + ext):\n", seg.Cycles(), seg.Instructions, len(seg.Pages))
				for _, c := range cells {
					fmt.Fprintf(&sb, "  %-20s 2^%-2d  %6.2f + %6.2f\n", c.name, log2(c.rows), float64(c.mainC)/cyc, float64(c.extC)/cyc)
				}
				fmt.Print(sb.String())
			})
		}
	}
}

func log2(n int) int {
	k := 0
	for 1<<k < n {
		k++
	}
	return k
}

// BenchmarkProveSTFBlock proves the STF guest's whole run on stf/testdata/generated-10 (every
// segment, from the image, default parameters), verifies the composite receipt and checks that
// its journal is the claim the native STF gives. Figures: cycles, segments, kHz over the whole
// block. Run: go test -run XXX -bench ProveSTFBlock -benchtime 1x ./prover/rv64/ (tens of minutes
// on 2 cores).
func BenchmarkProveSTFBlock(b *testing.B) {
	prog, img, input := stfGuest(b)
	in, err := stf.DecodeInput(input)
	if err != nil {
		b.Fatal(err)
	}
	native, err := stf.Execute(context.Background(), in)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		var segs []receipt.SegmentReceipt
		var chunks [][]byte
		res, err := vm.ExecuteImage(context.Background(), img, prog, vm.Config{Po2: vm.DefaultPo2, Stdin: input,
			OnSegment: func(seg *vm.Segment) error {
				r, err := Prove(context.Background(), seg, stark.DefaultParams())
				if err != nil {
					return err
				}
				segs = append(segs, *r)
				chunks = append(chunks, receipt.JournalOf(seg))
				fmt.Printf("segment %d: %d cycles, %v elapsed\n", seg.Index, seg.Cycles(), time.Since(start).Round(time.Second))
				return nil
			}})
		if err != nil {
			b.Fatal(err)
		}
		comp, err := receipt.NewComposite(segs, chunks)
		if err != nil {
			b.Fatal(err)
		}
		if err := comp.Verify(res.ImageID, NewVerifier()); err != nil {
			b.Fatal(err)
		}
		claim, err := stf.DecodeClaim(res.Journal)
		if err != nil {
			b.Fatal(err)
		}
		if claim != native {
			b.Fatalf("proven claim %+v, native %+v", claim, native)
		}
		el := time.Since(start)
		b.ReportMetric(float64(res.Cycles), "cycles")
		b.ReportMetric(float64(len(segs)), "segments")
		b.ReportMetric(float64(res.Cycles)/el.Seconds()/1e3, "kHz")
	}
}
