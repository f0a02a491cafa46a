package stark

import (
	"errors"
	"fmt"

	"github.com/zkexex/zkexex/prover/hash"
)

// ErrMerkle is returned when an opening does not authenticate against its commitment.
var ErrMerkle = errors.New("stark: Merkle opening does not match commitment")

// mmcsTree commits to several matrices of power-of-two heights at once (a "mixed matrix
// commitment"). The leaves are the rows of the tallest matrices, hashed together with the width-24
// sponge; going up, nodes are compressed with width-16 Poseidon2, and when a level has as many
// nodes as some shorter matrices have rows, those rows are hashed and compressed into the node.
// One path therefore authenticates one row of every matrix.
type mmcsTree[D Digest] struct {
	cfg       scheme[D]
	mats      []*Matrix
	logH      []int
	maxLogH   int
	levels    [][]D         // levels[0] = leaves, last = root
	byHeight  map[int][]int // log height -> matrix indices (in commitment order)
	emptyRoot bool
}

// columnsOf lists the columns of the matrices idx, in commitment order: the rows of a tree level
// are hashed column-wise in batches (hash.HashColumns) without being copied out.
func columnsOf(mats []*Matrix, idx []int) [][]F {
	var cols [][]F
	for _, i := range idx {
		cols = append(cols, mats[i].Cols...)
	}
	return cols
}

// sliceColumns returns cols[c][lo:hi] for every column, reusing *buf.
func sliceColumns(cols [][]F, lo, hi int, buf *[][]F) [][]F {
	b := (*buf)[:0]
	for _, c := range cols {
		b = append(b, c[lo:hi])
	}
	*buf = b
	return b
}

// commitMatrices builds the tree. A commitment to no matrices has the zero root.
func commitMatrices[D Digest](mats []*Matrix) (*mmcsTree[D], error) {
	cfg := configOf[D]()
	t := &mmcsTree[D]{cfg: cfg, mats: mats, byHeight: map[int][]int{}}
	if len(mats) == 0 {
		t.emptyRoot = true
		return t, nil
	}
	for i, m := range mats {
		if err := m.check(); err != nil {
			return nil, err
		}
		lh := log2Exact(m.Height)
		t.logH = append(t.logH, lh)
		t.byHeight[lh] = append(t.byHeight[lh], i)
		t.maxLogH = max(t.maxLogH, lh)
	}
	L := t.maxLogH
	leaves := make([]D, 1<<uint(L))
	topCols := columnsOf(mats, t.byHeight[L])
	parallelFor(len(leaves), 64, func(lo, hi int) {
		var buf [][]F
		cfg.hashColumns(leaves[lo:hi], sliceColumns(topCols, lo, hi, &buf))
	})
	t.levels = append(t.levels, leaves)
	for lvl := 1; lvl <= L; lvl++ {
		prev := t.levels[lvl-1]
		cur := make([]D, len(prev)/2)
		injCols := columnsOf(mats, t.byHeight[L-lvl])
		inject := len(t.byHeight[L-lvl]) > 0
		parallelFor(len(cur), 64, func(lo, hi int) {
			cfg.compressPairs(cur[lo:hi], prev[2*lo:2*hi])
			if inject {
				var buf [][]F
				rows := make([]D, hi-lo)
				cfg.hashColumns(rows, sliceColumns(injCols, lo, hi, &buf))
				cfg.compressBatch(cur[lo:hi], cur[lo:hi], rows)
			}
		})
		t.levels = append(t.levels, cur)
	}
	return t, nil
}

func (t *mmcsTree[D]) root() D {
	if t.emptyRoot {
		var zero D
		return zero
	}
	return t.levels[len(t.levels)-1][0]
}

// BatchOpeningOf is one row of every matrix of a commitment plus the row's authentication path.
type BatchOpeningOf[D Digest] struct {
	Rows [][]F // per matrix, in commitment order
	Path []D   // siblings, leaf level first
}

// BatchOpening is a BatchOpeningOf in the default configuration.
type BatchOpening = BatchOpeningOf[hash.Digest]

// open opens the rows at index idx of a domain of size 2^globalLogH >= the tallest matrix.
func (t *mmcsTree[D]) open(idx uint64, globalLogH int) BatchOpeningOf[D] {
	var o BatchOpeningOf[D]
	if t.emptyRoot {
		return o
	}
	leaf := idx >> uint(globalLogH-t.maxLogH)
	for i, m := range t.mats {
		r := int(leaf >> uint(t.maxLogH-t.logH[i]))
		o.Rows = append(o.Rows, m.Row(r, nil))
	}
	for lvl := 0; lvl < t.maxLogH; lvl++ {
		o.Path = append(o.Path, t.levels[lvl][(leaf>>uint(lvl))^1])
	}
	return o
}

// matrixShape is what a verifier knows about a committed matrix before seeing the proof.
type matrixShape struct {
	LogHeight int
	Width     int
}

// verifyBatch checks an opening of the matrices `shapes` at index idx of the 2^globalLogH domain.
func verifyBatch[D Digest](root D, shapes []matrixShape, idx uint64, globalLogH int, o *BatchOpeningOf[D]) error {
	cfg := configOf[D]()
	if len(shapes) == 0 {
		var zero D
		if len(o.Rows) != 0 || len(o.Path) != 0 || root != zero {
			return fmt.Errorf("%w: opening of an empty commitment", ErrMerkle)
		}
		return nil
	}
	if len(o.Rows) != len(shapes) {
		return fmt.Errorf("%w: %d rows for %d matrices", ErrMerkle, len(o.Rows), len(shapes))
	}
	maxLogH := 0
	byHeight := map[int][]int{}
	for i, s := range shapes {
		if len(o.Rows[i]) != s.Width {
			return fmt.Errorf("%w: row of width %d for matrix of width %d", ErrMerkle, len(o.Rows[i]), s.Width)
		}
		maxLogH = max(maxLogH, s.LogHeight)
		byHeight[s.LogHeight] = append(byHeight[s.LogHeight], i)
	}
	if len(o.Path) != maxLogH || globalLogH < maxLogH {
		return fmt.Errorf("%w: path of length %d, want %d", ErrMerkle, len(o.Path), maxLogH)
	}
	hashRows := func(idx []int) D {
		var buf []F
		for _, i := range idx {
			buf = append(buf, o.Rows[i]...)
		}
		return cfg.hashElements(buf)
	}
	leaf := idx >> uint(globalLogH-maxLogH)
	node := hashRows(byHeight[maxLogH])
	for lvl := 0; lvl < maxLogH; lvl++ {
		if (leaf>>uint(lvl))&1 == 0 {
			node = cfg.compress(node, o.Path[lvl])
		} else {
			node = cfg.compress(o.Path[lvl], node)
		}
		if inj := byHeight[maxLogH-lvl-1]; len(inj) > 0 {
			node = cfg.compress(node, hashRows(inj))
		}
	}
	if node != root {
		return ErrMerkle
	}
	return nil
}
