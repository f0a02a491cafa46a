package rv64

import (
	"fmt"
	"math/bits"
	"runtime"
	"sync"

	"github.com/zkexex/zkexex/prover/stark"
)

// chips lists the ALU chips in table order; the lookup tables follow them.
var chips = []*chip{&addSubChip, &bitwiseChip, &ltChip, &mulChip, &shiftChip, &divChip}

// chipOf maps each operation to its chip's index in chips.
var chipOf = func() map[Op]int {
	m := map[Op]int{}
	for i, c := range chips {
		for _, o := range c.ops {
			m[o] = i
		}
	}
	return m
}()

// ALUTables declares the ALU chips followed by the lookup tables (lookupTables), in the order
// GenerateALUTraces fills them. The chips receive on BusALU; the AIR that includes them must contain
// the table that sends those messages (the CPU).
func ALUTables() []*stark.Table { return aluTables(nil) }

// aluTables is ALUTables with rules left out, per table name (tests only).
func aluTables(omit map[string]map[string]bool) []*stark.Table {
	return append(aluChips(omit), lookupTables()...)
}

// aluChips declares the ALU chips alone.
func aluChips(omit map[string]map[string]bool) []*stark.Table {
	var out []*stark.Table
	for _, c := range chips {
		t := stark.NewTable(c.name)
		c.build(&rules{t: t, omit: omit[c.name]})
		out = append(out, t)
	}
	return out
}

// lookupTables declares the byte, byte-AND, byte-shift and 16-bit range tables that every table
// of the segment AIR looks values up in; counts.traces fills them.
func lookupTables() []*stark.Table {
	return []*stark.Table{byteTable(), andTable(), shiftTable(), range16Table()}
}

// minLogRows is log2 of the smallest chip height: the stark core needs 2^max(2, LogFinalPolyLen)
// rows, and DefaultParams' final polynomial has 2^3 coefficients.
const minLogRows = 3

// logRows returns log2 of the height that holds n rows (at least 2^minLogRows).
func logRows(n int) int {
	if n <= 1<<minLogRows {
		return minLogRows
	}
	return bits.Len(uint(n - 1))
}

// padLog returns log2 of the height a trace of n rows gets when its shape asks for at least
// 2^minLog rows (0: its natural height).
func padLog(n, minLog int) int { return max(logRows(n), minLog) }

// GenerateALUTraces fills the traces of ALUTables from the executor's ALU events: each chip gets
// its events in order, padded to a power of two; the lookup tables count every lookup the chips
// make.
func GenerateALUTraces(events []Event) ([]*stark.Matrix, error) {
	out, cnt, err := aluChipTraces(events, nil)
	if err != nil {
		return nil, err
	}
	lt, err := cnt.traces()
	if err != nil {
		return nil, err
	}
	return append(out, lt...), nil
}

// aluChipTraces fills the chips' traces (aluChips order), each at least as tall as ml asks, and
// returns the lookups they make.
func aluChipTraces(events []Event, ml minLogs) ([]*stark.Matrix, *counts, error) {
	per := make([][]Event, len(chips))
	for _, e := range events {
		i, ok := chipOf[e.Op]
		if !ok {
			return nil, nil, fmt.Errorf("%w: %d", ErrUnknownOp, e.Op)
		}
		per[i] = append(per[i], e)
	}
	total := new(counts)
	var out []*stark.Matrix
	for i, c := range chips {
		m, cnt := c.trace(per[i], ml[c.name])
		out = append(out, m)
		total.add(cnt)
	}
	return out, total, nil
}

// width returns the chip's number of main columns.
func (c *chip) width() int {
	main, _ := c.cells()
	return main
}

// cells returns the chip's cells per row: main columns, and extension cells (the LogUp columns
// the stark core adds, 4 base cells each: one per group of batched fractions, and the running
// sum).
func (c *chip) cells() (main, ext int) {
	r := &rules{t: stark.NewTable(c.name)}
	c.build(r)
	return r.t.Width(), 4 * r.t.LogUpColumns()
}

// unbatchedExtCells is what the extension cells would be with one LogUp column per interaction.
func (c *chip) unbatchedExtCells() int {
	r := &rules{t: stark.NewTable(c.name)}
	c.build(r)
	if r.interactions == 0 {
		return 0
	}
	return 4 * (r.interactions + 1)
}

// parallelRows is the number of rows below which one goroutine fills a chip alone.
const parallelRows = 1 << 12

func (c *chip) trace(events []Event, minLog int) (*stark.Matrix, *counts) {
	n := 1 << uint(padLog(len(events), minLog))
	m := stark.NewMatrix(c.width(), n)
	workers := runtime.GOMAXPROCS(0)
	if len(events) < parallelRows {
		workers = 1
	}
	chunk := (n + workers - 1) / workers
	cnts := make([]*counts, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min(n, (w+1)*chunk)
		cnts[w] = new(counts)
		wg.Add(1)
		go func(cnt *counts) {
			defer wg.Done()
			for row := lo; row < hi; row++ {
				switch {
				case row < len(events):
					c.fill(m, row, events[row], cnt)
				case c.pad != nil:
					c.pad(m, row)
				}
			}
		}(cnts[w])
	}
	wg.Wait()
	for _, cnt := range cnts[1:] {
		cnts[0].add(cnt)
	}
	return m, cnts[0]
}
