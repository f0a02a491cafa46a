package cluster

import "github.com/zkexex/zkexex/prover/recursion"

// node is a verified proof in the run's join tree: its claim and the object it is stored
// under. The proof itself stays in the store (a run holds thousands at once); only the shrunk
// one, the receipt's seal, is kept.
type node struct {
	claim []recursion.F
	name  string
	proof *recursion.Proof // the shrink's only
}

// tree is the run's join tree as the proofs land: level 0 holds the lifts, node i of level k+1
// joins nodes 2i and 2i+1 of level k, exactly the pairing of recursion's reducePairs (a last
// node without a sibling goes up as it is), so that the root is the proof prove.Aggregate makes.
type tree struct {
	levels   [][]*node
	released map[[2]int]bool // joins handed out, by parent position
}

func (t *tree) put(level, i int, n *node) {
	for len(t.levels) <= level {
		t.levels = append(t.levels, nil)
	}
	for len(t.levels[level]) <= i {
		t.levels[level] = append(t.levels[level], nil)
	}
	t.levels[level][i] = n
}

func (t *tree) get(level, i int) *node {
	if level >= len(t.levels) || i >= len(t.levels[level]) {
		return nil
	}
	return t.levels[level][i]
}

// advance finds the joins that can start: both children verified, wherever the executor is.
// n is the number of segments once the run is executed (-1 before): only then is a node known
// to have no sibling, and carried up, and the root known. It returns the parent positions of
// the new joins and, when the tree is complete, its root.
func (t *tree) advance(n int) (joins [][2]int, root *node) {
	if t.released == nil {
		t.released = map[[2]int]bool{}
	}
	for k := 0; k < len(t.levels); k++ {
		if n >= 0 && 1<<k >= n {
			// Level k is one node wide: the root's level.
			return joins, t.get(k, 0)
		}
		for i := 0; i < len(t.levels[k]); i += 2 {
			up := [2]int{k + 1, i / 2}
			l := t.get(k, i)
			if l == nil || t.released[up] || t.get(up[0], up[1]) != nil {
				continue
			}
			switch {
			case t.get(k, i+1) != nil:
				t.released[up] = true
				joins = append(joins, up)
			case n >= 0 && (i+1)<<k >= n:
				// No sibling will ever come: the node goes up unjoined, as in reducePairs.
				t.put(up[0], up[1], l)
			}
		}
	}
	return joins, nil
}
