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
