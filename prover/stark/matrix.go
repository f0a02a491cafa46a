package stark

import (
	"fmt"
	"runtime"
	"sync"
)

// Matrix is a column-major matrix over F: Cols[c][r] is row r of column c. Traces are built this
// way because FFTs and constraint evaluation run down columns.
type Matrix struct {
	Height int
	Cols   [][]F
}

// NewMatrix allocates a zero matrix.
func NewMatrix(width, height int) *Matrix {
	m := &Matrix{Height: height, Cols: make([][]F, width)}
	backing := make([]F, width*height)
	for c := range m.Cols {
		m.Cols[c] = backing[c*height : (c+1)*height : (c+1)*height]
	}
	return m
}

// Width is the number of columns.
func (m *Matrix) Width() int { return len(m.Cols) }

// Set writes one cell.
func (m *Matrix) Set(row, col int, v F) { m.Cols[col][row] = v }

// SetUint writes one cell from an integer.
func (m *Matrix) SetUint(row, col int, v uint64) { m.Cols[col][row].SetUint64(v) }

// Get reads one cell.
func (m *Matrix) Get(row, col int) F { return m.Cols[col][row] }

// Row copies row r into dst (appending) and returns it.
func (m *Matrix) Row(r int, dst []F) []F {
	for c := range m.Cols {
		dst = append(dst, m.Cols[c][r])
	}
	return dst
}

func (m *Matrix) check() error {
	if log2Exact(m.Height) < 0 {
		return fmt.Errorf("stark: matrix height %d is not a power of two", m.Height)
	}
	for c, col := range m.Cols {
		if len(col) != m.Height {
			return fmt.Errorf("stark: column %d has %d rows, want %d", c, len(col), m.Height)
		}
	}
	return nil
}

// parallelFor runs f over [0,n) split into contiguous chunks on GOMAXPROCS goroutines.
func parallelFor(n, minChunk int, f func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if n <= minChunk || workers == 1 {
		f(0, n)
		return
	}
	chunk := max(minChunk, (n+workers*4-1)/(workers*4))
	var wg sync.WaitGroup
	sem := make(chan struct{}, workers)
	for lo := 0; lo < n; lo += chunk {
		hi := min(n, lo+chunk)
		wg.Add(1)
		sem <- struct{}{}
		go func(lo, hi int) {
			defer wg.Done()
			f(lo, hi)
			<-sem
		}(lo, hi)
	}
	wg.Wait()
}

// parallelEach runs f(i) for i in [0,n) on GOMAXPROCS goroutines, one item at a time.
func parallelEach(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var wg sync.WaitGroup
	next := make(chan int, n)
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	wg.Wait()
}
