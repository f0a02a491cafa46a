package cluster

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// pairs is recursion's reducePairs, sequentially, on labels: the oracle the tree must match.
func pairs(xs []string) string {
	for len(xs) > 1 {
		next := make([]string, (len(xs)+1)/2)
		for i := range next {
			if 2*i+1 == len(xs) {
				next[i] = xs[2*i]
			} else {
				next[i] = "(" + xs[2*i] + " " + xs[2*i+1] + ")"
			}
		}
		xs = next
	}
	return xs[0]
}

// TestTreeMirrorsReducePairs: whatever the order proofs land in, and whenever the segment count
// becomes known, the tree releases exactly reducePairs' joins, each once, and its root is
// reducePairs' root.
func TestTreeMirrorsReducePairs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= 37; n++ {
		for trial := range 4 {
			leaves := make([]string, n)
			for i := range leaves {
				leaves[i] = fmt.Sprint(i)
			}
			var tr tree
			known := -1
			order := rng.Perm(n)
			if trial == 0 {
				for i := range order {
					order[i] = i // in emission order, the executor's
				}
			}
			knownAt := rng.IntN(n + 1) // how many leaves land before the count is known
			var queue [][2]int         // released joins, proven in random order
			var root *node
			step := func() {
				joins, r := tr.advance(known)
				queue = append(queue, joins...)
				if r != nil {
					if root != nil {
						t.Fatalf("n=%d: root released twice", n)
					}
					root = r
				}
			}
			landed := 0
			for landed < n || len(queue) > 0 {
				if landed == knownAt && known < 0 {
					known = n
					step()
					continue
				}
				if landed < n && (len(queue) == 0 || rng.IntN(2) == 0) {
					i := order[landed]
					tr.put(0, i, &node{name: leaves[i]})
					landed++
				} else if len(queue) > 0 {
					j := rng.IntN(len(queue))
					up := queue[j]
					queue = append(queue[:j], queue[j+1:]...)
					l, r := tr.get(up[0]-1, 2*up[1]), tr.get(up[0]-1, 2*up[1]+1)
					tr.put(up[0], up[1], &node{name: "(" + l.name + " " + r.name + ")"})
				}
				step()
			}
			if known < 0 {
				known = n
				step()
			}
			if root == nil {
				t.Fatalf("n=%d trial %d: no root", n, trial)
			}
			if want := pairs(leaves); root.name != want {
				t.Fatalf("n=%d: root %s, reducePairs gives %s", n, root.name, want)
			}
		}
	}
}
