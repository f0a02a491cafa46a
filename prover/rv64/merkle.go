package rv64

import (
	"errors"
	"fmt"
	"slices"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
)

// The Merkle table proves that the page leaves of a segment open the start root and fold, with
// the same untouched siblings, to the end root.
//
// # Rows and messages
//
// One row per internal node of the union U of the paged-in pages' paths to the root (levels 1 to
// vm.PageBits = 36), the root first. A node is named by its level ℓ and its key: the page number
// of its leftmost leaf (the node index shifted left by ℓ), as the three limbs of a page number
// (segment.md: key[0] holds bits 0..3, key[1] bits 4..19, key[2] bits 20..35). Its children are
// (ℓ-1, key) and (ℓ-1, key + 2^(ℓ-1)); pw = 2^(ℓ-1) placed in its limb comes from a 64-row
// lookup table of (ℓ, pw[3]) for ℓ = 1..36 (levels 37..64 map to pw = 0 only to keep the keys
// distinct; no row can reach them, see below). A row holds both children's old (start tree) and
// new (end tree) digests and its own, and
//
//	sends    BusMerkle (ℓ, key, old[8], new[8])               mult real - root (every row but the root)
//	receives BusMerkle (ℓ-1, key, Lold, Lnew)                 mult real - advL
//	receives BusMerkle (ℓ-1, key + pw, Rold, Rnew)            mult real - advR
//	sends    BusP16 (Lold‖Rold, old‖·) and (Lnew‖Rnew, new‖·) mult real (old = Compress(Lold, Rold), …)
//	sends    busMerkleLevel (ℓ, pw[3])                        mult real
//
// A child outside U is an advice sibling (advL or advR): the row holds its digest once, as both
// its old and its new digest, and receives nothing for it. The page table sends each page's leaf
// as (0, page, leaf_in, leaf_out). The first row is the root: level 36, key 0, old = PubStartRoot,
// new = PubEndRoot.
//
// # Why every node appears exactly once
//
// Every real row other than the root sends its node once, and that message must be received;
// only rows of level ℓ+1 receive level-ℓ messages, and every row's level is one of 1..64 (its
// lookup). So from any row, following the receiver of its message climbs one level per step and
// must end, within 64 steps, at a row that sends nothing: the root, which the first-row
// constraints put at row 0, level 36, key 0, and which no other row can be (root is 1 on row 0
// only). No row has a level above 36 (its chain could never reach level 36 again), and a second
// level-36 row would need a level-37 receiver. Keys follow from the root's: a child's key is its
// parent's key or key + pw, so by induction each row's key is its node's leftmost page, with its
// low ℓ bits zero and limbs within their widths, and adding pw = 2^(ℓ-1) carries nothing.
// Uniqueness by induction from the root, which the first-row constraints fix and which no other
// row can be (a second level-36 row would need a level-37 receiver): if every node of level ℓ
// appears in at most one row, then node (ℓ-1, j) is received at most once (only by the one row of
// its parent (ℓ, j with bit ℓ-1 cleared), on the one child slot its bit ℓ-1 selects, with
// multiplicity at most 1), so it is sent at most once, so it has at most one row. At level 0 this
// is the page table: a page's leaf can be sent at most once, so a page appears at most once, and
// a forged second leaf for a page (any contents) cannot be received. A child both marked advice by
// its parent and present as a row would be sent and never received, so advice siblings are
// exactly the children outside U.
//
// # Why the roots are right
//
// Old digests: each row's old = Compress(Lold, Rold), children's old digests being their rows'
// (received) or advice values, and the root's old is PubStartRoot. By collision resistance of
// Compress, each node's old digest is the start tree's node at its (level, key), and each page's
// leaf_in is the start tree's leaf of that page: the page-in contents are the committed memory.
// New digests: each row's new = Compress(Lnew, Rnew), received children's new digests being
// their rows' and advice siblings' new = old, the start tree's node. So the end root is the root
// of the start tree with exactly the paged-in leaves replaced by their leaf_out, and every
// subtree outside U (memory the segment cannot have touched: an access to a word outside the
// paged-in pages has no page-in to balance on BusMem) reused unchanged. Because one column holds
// an advice sibling for both trees, the end tree cannot substitute a different sibling.
//
// # Later
//
// A row whose children are both unchanged (new = old) could skip the new-tree permutation
// (new = old, the second BusP16 send with multiplicity "changed"); read-only pages and the
// untouched halves of the tree would then cost one permutation per node instead of two.

// busMerkleLevel carries (ℓ, pw[3]) from Merkle rows to the level lookup table. An rv64-internal
// bus; the number is this file's (the shared bus map in memarg.go ends at 19).
const busMerkleLevel stark.BusID = 28

// merkleLevelRows is the height of the level table: levels 1..64, 1..36 real.
const merkleLevelRows = 64

// ErrPagingRecord marks segment page records that do not open the start root, or repeat a page.
var ErrPagingRecord = errors.New("rv64: page records do not match the start root")

// Merkle table columns.
const (
	mkReal = iota
	mkRoot
	mkLevel
	mkKey  // 3
	mkPw   = mkKey + 3
	mkAdvL = mkPw + 3
	mkAdvR = mkAdvL + 1
	mkLOld = mkAdvR + 1
	mkLNew = mkLOld + hash.DigestElements
	mkROld = mkLNew + hash.DigestElements
	mkRNew = mkROld + hash.DigestElements
	mkOld  = mkRNew + hash.DigestElements // 16: Permute16(Lold‖Rold)
	mkNew  = mkOld + 16                   // 16: Permute16(Lnew‖Rnew)
	mkCols = mkNew + 16
)

// pageKey splits a page number (below 2^36) into the three limbs the buses carry.
func pageKey(pn uint64) [3]uint64 {
	return [3]uint64{pn & 0xf, (pn >> 4) & 0xffff, (pn >> 20) & 0xffff}
}

// levelPw is 2^(ℓ-1) as key limbs: the offset of a level-ℓ node's right child.
func levelPw(level int) [3]uint64 {
	var pw [3]uint64
	switch b := level - 1; {
	case level > vm.PageBits || level < 1:
	case b < 4:
		pw[0] = 1 << b
	case b < 20:
		pw[1] = 1 << (b - 4)
	default:
		pw[2] = 1 << (b - 20)
	}
	return pw
}

func digestExprs(cs []stark.Column) []stark.Expr { return cur(cs[:hash.DigestElements]) }

// merkleMessage is BusMerkle's tuple: (level, key[3], old[8], new[8]).
func merkleMessage(level stark.Expr, key [3]stark.Expr, old, new []stark.Expr) []stark.Expr {
	m := []stark.Expr{level, key[0], key[1], key[2]}
	m = append(m, old...)
	return append(m, new...)
}

// merkleTable declares the Merkle table (see the file comment).
func merkleTable(omit map[string]bool) *stark.Table {
	t := stark.NewTable("page_merkle")
	r := &rules{t: t, omit: omit}
	real, root, level := t.Column("real"), t.Column("root"), t.Column("level")
	key, pw := t.Columns("key", 3), t.Columns("pw", 3)
	advL, advR := t.Column("adv_l"), t.Column("adv_r")
	lOld, lNew := t.Columns("l_old", 8), t.Columns("l_new", 8)
	rOld, rNew := t.Columns("r_old", 8), t.Columns("r_new", 8)
	old, new := t.Columns("old", 16), t.Columns("new", 16)

	one := stark.Const(1)
	for _, c := range []stark.Column{real, root, advL, advR} {
		r.boolean("flags boolean", c.Cur())
	}
	// Every rule but the root's is per row, so padding rows may sit anywhere (real = 0: they send,
	// receive and look up nothing).
	if !r.omit["root is the first row"] {
		t.AssertFirst("root is the first row", root.Cur().Sub(one))
		t.AssertFirst("root is the first row", real.Cur().Sub(one))
		t.AssertTransition("root is the first row", root.Next())
	}
	if !r.omit["root position"] {
		t.AssertFirst("root position", level.Cur().Sub(stark.Const(vm.PageBits)))
		for k := range key {
			t.AssertFirst("root position", key[k].Cur())
		}
	}
	for k := 0; k < hash.DigestElements; k++ {
		if !r.omit["start root"] {
			t.AssertFirst("start root", old[k].Cur().Sub(stark.Pub(PubStartRoot+k)))
		}
		if !r.omit["end root"] {
			t.AssertFirst("end root", new[k].Cur().Sub(stark.Pub(PubEndRoot+k)))
		}
		r.zero("advice sibling is in both trees", advL.Cur().Mul(lNew[k].Cur().Sub(lOld[k].Cur())))
		r.zero("advice sibling is in both trees", advR.Cur().Mul(rNew[k].Cur().Sub(rOld[k].Cur())))
	}
	// Receive multiplicities real - adv stay in {0, 1}, as the core's bus bounds assume.
	r.zero("advice only on real rows", advL.Cur().Mul(one.Sub(real.Cur())))
	r.zero("advice only on real rows", advR.Cur().Mul(one.Sub(real.Cur())))

	keyE := [3]stark.Expr{key[0].Cur(), key[1].Cur(), key[2].Cur()}
	rKey := [3]stark.Expr{key[0].Cur().Add(pw[0].Cur()), key[1].Cur().Add(pw[1].Cur()), key[2].Cur().Add(pw[2].Cur())}
	child := level.Cur().Sub(one)
	if !r.omit["send node"] {
		t.Send(BusMerkle, real.Cur().Sub(root.Cur()), merkleMessage(level.Cur(), keyE, digestExprs(old), digestExprs(new))...)
		r.interactions++
	}
	if !r.omit["receive left"] {
		t.Receive(BusMerkle, real.Cur().Sub(advL.Cur()), merkleMessage(child, keyE, cur(lOld), cur(lNew))...)
		r.interactions++
	}
	if !r.omit["receive right"] {
		t.Receive(BusMerkle, real.Cur().Sub(advR.Cur()), merkleMessage(child, rKey, cur(rOld), cur(rNew))...)
		r.interactions++
	}
	if !r.omit["old compress"] {
		t.Send(BusP16, real.Cur(), append(append(cur(lOld), cur(rOld)...), cur(old)...)...)
		r.interactions++
	}
	if !r.omit["new compress"] {
		t.Send(BusP16, real.Cur(), append(append(cur(lNew), cur(rNew)...), cur(new)...)...)
		r.interactions++
	}
	if !r.omit["level offset"] {
		t.Send(busMerkleLevel, real.Cur(), level.Cur(), pw[0].Cur(), pw[1].Cur(), pw[2].Cur())
		r.interactions++
	}
	return t
}

// merkleLevelTable is the lookup table of (ℓ, pw[3]) for ℓ = 1..64 (pw = 0 above 36).
func merkleLevelTable() *stark.Table {
	t := stark.NewTable("page_merkle_levels")
	mult := t.Column("mult")
	lv := t.Preprocessed("level")
	pw := []stark.Column{t.Preprocessed("pw[0]"), t.Preprocessed("pw[1]"), t.Preprocessed("pw[2]")}
	pre := stark.NewMatrix(4, merkleLevelRows)
	for i := 0; i < merkleLevelRows; i++ {
		pre.SetUint(i, 0, uint64(i+1))
		p := levelPw(i + 1)
		for k := range p {
			pre.SetUint(i, 1+k, p[k])
		}
	}
	t.SetPreprocessed(pre)
	t.LookupTable(busMerkleLevel, mult.Cur(), lv, pw[0], pw[1], pw[2])
	return t
}

// merkleNode is one row of the Merkle table.
type merkleNode struct {
	level      int
	idx        uint64 // node index at its level
	advL, advR bool
	lOld, lNew hash.Digest
	rOld, rNew hash.Digest
	old, new   [16]hash.Element // full permutation outputs
}

// pageTreeUnion is the paging tables' view of the page Merkle tree: the union of the paged-in pages'
// paths, with old and new digests, built from the page records.
type pageTreeUnion struct {
	nodes              []merkleNode // root first, then level by level downwards
	startRoot, endRoot hash.Digest
}

func permute16(l, r hash.Digest) (in, out [16]hash.Element) {
	copy(in[:8], l[:])
	copy(in[8:], r[:])
	out = in
	hash.Permute16(&out)
	return in, out
}

// buildUnion computes the union of the pages' paths with the old leaves (leafIn) and new leaves
// (leafOut) of the paged-in pages, taking advice siblings from the records' proofs, and checks
// every proof against startRoot.
func buildUnion(startRoot hash.Digest, pages []vm.PageRecord, leafIn, leafOut map[uint64]hash.Digest) (*pageTreeUnion, error) {
	type nodeVal struct {
		old, new hash.Digest
		rep      int // a page record under the node, whose proof holds the node's sibling
	}
	level := make(map[uint64]nodeVal, len(pages))
	for i := range pages {
		pr := &pages[i]
		if len(pr.Proof) != vm.PageBits || pr.Page >= 1<<vm.PageBits {
			return nil, fmt.Errorf("%w: record of page %#x is malformed", ErrPagingRecord, pr.Page)
		}
		if _, dup := level[pr.Page]; dup {
			return nil, fmt.Errorf("%w: page %#x recorded twice", ErrPagingRecord, pr.Page)
		}
		node := leafIn[pr.Page]
		for l, sib := range pr.Proof {
			if (pr.Page>>l)&1 == 0 {
				node = hash.Compress(node, sib)
			} else {
				node = hash.Compress(sib, node)
			}
		}
		if node != startRoot {
			return nil, fmt.Errorf("%w: page %#x opens %s, start root is %s", ErrPagingRecord, pr.Page, node, startRoot)
		}
		level[pr.Page] = nodeVal{leafIn[pr.Page], leafOut[pr.Page], i}
	}
	if len(level) == 0 {
		return nil, fmt.Errorf("%w: no pages", ErrPagingRecord)
	}
	perLevel := make([][]merkleNode, vm.PageBits+1)
	for l := 1; l <= vm.PageBits; l++ {
		idx := make([]uint64, 0, len(level))
		for i := range level {
			idx = append(idx, i>>1)
		}
		slices.Sort(idx)
		idx = slices.Compact(idx)
		next := make(map[uint64]nodeVal, len(idx))
		rows := make([]merkleNode, len(idx))
		for j, p := range idx {
			n := merkleNode{level: l, idx: p}
			lc, lok := level[2*p]
			rc, rok := level[2*p+1]
			switch {
			case !lok:
				sib := pages[rc.rep].Proof[l-1]
				lc = nodeVal{old: sib, new: sib, rep: rc.rep}
				n.advL = true
			case !rok:
				sib := pages[lc.rep].Proof[l-1]
				rc = nodeVal{old: sib, new: sib, rep: lc.rep}
				n.advR = true
			}
			n.lOld, n.lNew, n.rOld, n.rNew = lc.old, lc.new, rc.old, rc.new
			_, n.old = permute16(lc.old, rc.old)
			_, n.new = permute16(lc.new, rc.new)
			var v nodeVal
			copy(v.old[:], n.old[:8])
			copy(v.new[:], n.new[:8])
			v.rep = lc.rep
			next[p] = v
			rows[j] = n
		}
		perLevel[l] = rows
		level = next
	}
	u := &pageTreeUnion{}
	for l := vm.PageBits; l >= 1; l-- {
		u.nodes = append(u.nodes, perLevel[l]...)
	}
	root := level[0]
	u.startRoot, u.endRoot = root.old, root.new
	if u.startRoot != startRoot {
		// Unreachable after the per-page checks unless Compress collides; kept as a guard.
		return nil, fmt.Errorf("%w: union folds to %s", ErrPagingRecord, u.startRoot)
	}
	return u, nil
}

// merkleTrace fills the Merkle table and the level table's multiplicities, and returns the
// width-16 permutation inputs its rows send. The Merkle table has at least 2^minLog rows.
func merkleTrace(u *pageTreeUnion, minLog int) (mk, levels *stark.Matrix, p16 [][]hash.Element) {
	n := 1 << uint(padLog(len(u.nodes), minLog))
	m := stark.NewMatrix(mkCols, n)
	lv := stark.NewMatrix(1, merkleLevelRows)
	var lcount [merkleLevelRows]uint64
	setDigest := func(row, col int, d []hash.Element) {
		for k := range d {
			m.Set(row, col+k, d[k])
		}
	}
	for i, nd := range u.nodes {
		m.SetUint(i, mkReal, 1)
		if i == 0 {
			m.SetUint(i, mkRoot, 1)
		}
		m.SetUint(i, mkLevel, uint64(nd.level))
		key, pw := pageKey(nd.idx<<uint(nd.level)), levelPw(nd.level)
		for k := 0; k < 3; k++ {
			m.SetUint(i, mkKey+k, key[k])
			m.SetUint(i, mkPw+k, pw[k])
		}
		m.SetUint(i, mkAdvL, b2u(nd.advL))
		m.SetUint(i, mkAdvR, b2u(nd.advR))
		setDigest(i, mkLOld, nd.lOld[:])
		setDigest(i, mkLNew, nd.lNew[:])
		setDigest(i, mkROld, nd.rOld[:])
		setDigest(i, mkRNew, nd.rNew[:])
		setDigest(i, mkOld, nd.old[:])
		setDigest(i, mkNew, nd.new[:])
		lcount[nd.level-1]++
		inOld, _ := permute16(nd.lOld, nd.rOld)
		inNew, _ := permute16(nd.lNew, nd.rNew)
		p16 = append(p16, inOld[:], inNew[:])
	}
	for i, c := range lcount {
		lv.SetUint(i, 0, c)
	}
	return m, lv, p16
}
