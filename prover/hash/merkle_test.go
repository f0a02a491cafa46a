package hash

import (
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/field/koalabear/poseidon2"
)

func testLeaves(n int) []Digest {
	leaves := make([]Digest, n)
	for i := range leaves {
		leaves[i] = HashU32s([]uint32{uint32(i)})
	}
	return leaves
}

func TestMerkleProofs(t *testing.T) {
	for _, n := range []int{1, 2, 8, 1 << 12} { // 1<<12 exercises the parallel level path
		tree, err := NewMerkleTree(testLeaves(n))
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range []int{0, n / 2, n - 1} {
			proof := tree.Proof(i)
			if !VerifyProof(tree.Root(), tree.Leaf(i), uint64(i), proof) {
				t.Fatalf("n=%d: proof of leaf %d does not verify", n, i)
			}
			// Each tampering on its own must be rejected.
			for lvl := range proof {
				bad := append([]Digest(nil), proof...)
				bad[lvl][lvl%DigestElements].SetUint64(bad[lvl][lvl%DigestElements].Uint64() + 1)
				if VerifyProof(tree.Root(), tree.Leaf(i), uint64(i), bad) {
					t.Fatalf("n=%d leaf %d: tampered sibling at level %d verifies", n, i, lvl)
				}
				if VerifyProof(tree.Root(), tree.Leaf(i), uint64(i^(1<<lvl)), proof) {
					t.Fatalf("n=%d leaf %d: proof verifies at index with bit %d flipped", n, i, lvl)
				}
			}
			if VerifyProof(tree.Root(), tree.Leaf(i), uint64(i)+uint64(n), proof) {
				t.Fatalf("n=%d: out-of-range index verifies", n)
			}
			other := HashBytes([]byte("not a leaf"))
			if VerifyProof(tree.Root(), other, uint64(i), proof) {
				t.Fatalf("n=%d: wrong leaf verifies", n)
			}
		}
	}
}

func TestMerkleLeafCount(t *testing.T) {
	for _, n := range []int{0, 3, 6, 1000} {
		if _, err := NewMerkleTree(testLeaves(n)); !errors.Is(err, ErrLeafCount) {
			t.Errorf("n=%d: err = %v, want ErrLeafCount", n, err)
		}
	}
}

func TestEmptyRootsMatchFullTree(t *testing.T) {
	empty := HashU32s(make([]uint32, 1024))
	leaves := make([]Digest, 16)
	for i := range leaves {
		leaves[i] = empty
	}
	tree, err := NewMerkleTree(leaves)
	if err != nil {
		t.Fatal(err)
	}
	roots := EmptyRoots(empty, 4)
	if roots[4] != tree.Root() || roots[0] != empty {
		t.Fatalf("EmptyRoots(4) = %v, full tree root %v", roots[4], tree.Root())
	}
}

// BenchmarkMerkleTree builds a tree of 2^16 leaves with each kernel set this CPU runs (the portable
// path included) and, as the baseline, the way it was built before (gnark-crypto's generic
// permutation, one node at a time), reporting the median build's ns/leaf and leaves/s.
func BenchmarkMerkleTree(b *testing.B) {
	leaves := testLeaves(1 << 16)
	for _, k := range availableKernels() {
		b.Run(k.String(), func(b *testing.B) {
			defer func(saved kernelSet) { kernel = saved }(kernel)
			kernel = k
			var d []time.Duration
			for b.Loop() {
				t := time.Now()
				if _, err := NewMerkleTree(leaves); err != nil {
					b.Fatal(err)
				}
				d = append(d, time.Since(t))
			}
			reportLeaves(b, d, len(leaves))
		})
	}
	// The tree as it was built before the batched kernels: gnark-crypto's generic permutation,
	// one compression at a time, levels split over GOMAXPROCS goroutines.
	b.Run("before/gnark-generic", func(b *testing.B) {
		p := poseidon2.NewPermutation(16, FullRounds, PartialRounds16)
		compress := func(l, r Digest) Digest {
			var s [16]Element
			copy(s[:DigestElements], l[:])
			copy(s[DigestElements:], r[:])
			_ = p.Permutation(s[:])
			return digestOf(s[:])
		}
		var d []time.Duration
		for b.Loop() {
			t := time.Now()
			for cur := leaves; len(cur) > 1; {
				next := make([]Digest, len(cur)/2)
				workers := runtime.GOMAXPROCS(0)
				chunk := (len(next) + workers - 1) / workers
				var wg sync.WaitGroup
				for lo := 0; lo < len(next); lo += chunk {
					wg.Add(1)
					go func(lo, hi int) {
						defer wg.Done()
						for i := lo; i < hi; i++ {
							next[i] = compress(cur[2*i], cur[2*i+1])
						}
					}(lo, min(lo+chunk, len(next)))
				}
				wg.Wait()
				cur = next
			}
			d = append(d, time.Since(t))
		}
		reportLeaves(b, d, len(leaves))
	})
}

func reportLeaves(b *testing.B, d []time.Duration, leaves int) {
	perLeaf := float64(median(d).Nanoseconds()) / float64(leaves)
	b.ReportMetric(perLeaf, "ns/leaf")
	b.ReportMetric(1e9/perLeaf, "leaves/s")
}
