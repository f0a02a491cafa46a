package rv64

import "testing"

// BenchmarkCPUCells reports the CPU table's cells per cycle (one row per cycle) and the decode
// table's per distinct instruction: main columns and the extension cells of their LogUp columns.
func BenchmarkCPUCells(b *testing.B) {
	for _, c := range []struct {
		name  string
		cells func() (int, int)
		unit  string
	}{{"cpu", cpuCells, "cycle"}, {"decode", decodeCells, "insn"}, {"cpu_mode", modeCells, "segment"}} {
		b.Run(c.name, func(b *testing.B) {
			var main, ext int
			for i := 0; i < b.N; i++ {
				main, ext = c.cells()
			}
			b.ReportMetric(float64(main), "main_cells/"+c.unit)
			b.ReportMetric(float64(ext), "ext_cells/"+c.unit)
			b.ReportMetric(float64(main+ext), "cells/"+c.unit)
		})
	}
}

// BenchmarkCPUTrace generates the CPU and decode traces of a loop of ALU ops, loads, stores and a
// branch (the test machine's events), and reports nanoseconds per cycle.
func BenchmarkCPUTrace(b *testing.B) {
	loop := []uint32{
		cpuEncI(1, 5, 0, 5, 0x13),    // addi x5, x5, 1
		cpuEncR(0, 5, 6, 0, 6, 0x33), // add x6, x6, x5
		cpuEncS(8, 6, 2, 3),          // sd x6, 8(x2)
		cpuEncI(8, 2, 3, 7, 0x03),    // ld x7, 8(x2)
		cpuEncR(1, 7, 6, 0, 8, 0x33), // mul x8, x6, x7
		cpuEncB(-20, 0, 0, 1),        // bne x0, x0: never taken
		cpuEncB(-24, 9, 5, 4),        // blt x5, x9, loop
	}
	m := newCPUMachine(b, map[uint64][]uint32{cpuUserCode: loop}, cpuUserCode, 0)
	m.run(1 << 15)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, _, err := cpuTraceOf(m.evs, 0); err != nil {
			b.Fatal(err)
		}
		if _, err := decodeTrace(m.evs, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(m.evs)), "ns/cycle")
}
