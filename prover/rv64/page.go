package rv64

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
)

// The page tables page every paged-in page in and out of the memory argument and hash it into its
// start and end leaves.
//
// # Rows
//
// Two tables with the same rows: page_clean holds the pages the segment leaves unchanged, and
// page_written those it changes (some word's last value differs from its page-in value). One row
// per block of four 8-byte words (32 bytes: 16 16-bit limbs, exactly one absorption of the
// width-24 sponge), 128 consecutive rows per page, pages one after the other, then padding. A row
// holds the page number (page[3] as segment.md defines it, constant over the page), the block
// index blk (0 on the page's first row, +1 per row, 127 on the row flagged last), the page's
// fetched flag, the four words' page-in values v_in as limbs with their last timestamps ts_out,
// the BusCode multiplicity of each word and a share of the page's BusPageFlag multiplicity, and
// the state of the page-in sponge over v_in. A written page's row adds the page-out values v_out
// and the state of a second sponge over them; a clean page pages out v_in and its end leaf is its
// start leaf, so it costs half the permutations and 48 fewer columns (most pages a segment touches
// are only read: code, read-only data). Word k of a row has address (page[0]·4096 + 32·blk + 8·k,
// page[1], page[2]). So a page's rows cover exactly its 512 words, each once, in order, and its
// sponges absorb exactly its 2048 limbs in order from the initial state of hash.HashU32s over 1024
// words; the last row's outputs are the leaves, sent on BusMerkle as (0, page, leaf_in, leaf_out).
//
// Messages per row (mult real unless stated; v_out = v_in and o_out = o_in in page_clean):
//
//	sends    BusMem (addr_k, v_in_k, 0)             page-in, k = 0..3
//	receives BusMem (addr_k, v_out_k, ts_out_k)     page-out
//	sends    BusCode (addr_k, v_in_k)               mult code_k (unbounded), 0 unless fetched
//	sends    BusPageFlag (page, fetched)            mult flag (unbounded), 0 on padding
//	sends    BusP24 (v_in‖cap_in, o_in)             the page-in sponge's permutation
//	sends    BusP24 (v_out‖cap_out, o_out)          page_written: the page-out sponge's permutation
//	sends    BusMerkle (0, page, o_in[0..8], o_out[0..8])   mult last
//
// # Why the values are sound without range checks here
//
// v_in is not range-checked: the leaf it hashes to is the start tree's leaf of the page (Merkle
// table), which the executor hashed from bytes, so by collision resistance of the sponge every
// v_in limb is the committed limb, below 2^16; a non-canonical limb would be a second preimage.
// v_out comes off BusMem: it is the value the word's last access sent, which the writer
// range-checked (or v_in when no access wrote it). ts_out needs no check: the offline memory
// argument orders a word's accesses by the gap checks of memAccess, and page-out can only
// receive what the chain's last access sent (any other tuple has no sender). The page number's
// limbs need none either: the Merkle table receives only canonical keys (see merkle.go), so
// page[0] < 16 and addr_k[0] < 2^16.
//
// The page number is unique (merkle.go: a leaf is received at most once), so each word is paged
// in once and paged out once, from whichever table holds its page. A written page placed in
// page_clean pages out v_in, which is not the last value of a word it changed: BusMem does not
// balance.
//
// BusPageFlag and BusCode are stark.SendTable sends: their multiplicities need no bound. Only the
// rows of page P send tuples naming P, with P's one fetched flag and P's page-in values, and a page
// appears once (merkle.go), so every tuple they send is true; whatever counts the rows claim, a
// receiver can only balance tuples that hold (stark.SendTable). Padding rows send no flag (flag = 0
// is enforced there, their page limbs being free). So a page takes any number of store lookups and
// a word any number of decode reads, and the number of pages a segment may touch is bounded by
// the rows its tables may have, not by the buses.

// blocksPerPage is the number of page rows per page: four words, sixteen limbs per row.
const blocksPerPage = vm.PageSize / 32

// ErrPageTrace marks paging inputs no honest paging table can hold: code reads or store lookups
// on pages not paged in, code reads of a page not flagged fetched, a store lookup on a fetched
// page, or more lookups than the table's bounds.
var ErrPageTrace = errors.New("rv64: inconsistent paging inputs")

// Page table columns. Both tables share the first pgCleanCols; the written-page table adds the
// page-out values and sponge.
const (
	pgReal = iota
	pgLast
	pgBlk
	pgFetched
	pgPage      // 3
	pgVin       = pgPage + 3
	pgTsOut     = pgVin + 16  // 4
	pgCode      = pgTsOut + 4 // 4
	pgFlag      = pgCode + 4
	pgCapIn     = pgFlag + 1  // 8: capacity entering this row's page-in permutation
	pgOIn       = pgCapIn + 8 // 24: its output
	pgCleanCols = pgOIn + 24
	pgVout      = pgCleanCols  // 16
	pgCapOut    = pgVout + 16  // 8
	pgOOut      = pgCapOut + 8 // 24
	pgDirtyCols = pgOOut + 24
)

// pageSpongeIV is the capacity of hash.HashU32s's sponge before a page's first block: the
// element count 2048 (low 24 bits, then the rest), the u32 domain tag 3, zeros. TestPageLeaf
// checks the table's leaves against hash.HashU32s.
var pageSpongeIV = [8]uint64{2 * vm.PageSize / 4, 0, 3}

// Table names: the pages the segment left unchanged, and those it changed.
const (
	pageCleanName = "page_clean"
	pageDirtyName = "page_written"
)

// pageTable declares the page table of unchanged pages (dirty = false) or of changed ones (see
// the file comment).
func pageTable(omit map[string]bool, dirty bool) *stark.Table {
	name := pageCleanName
	if dirty {
		name = pageDirtyName
	}
	t := stark.NewTable(name)
	r := &rules{t: t, omit: omit}
	real, last, blk := t.Column("real"), t.Column("last"), t.Column("blk")
	fetched := t.Column("fetched")
	page := t.Columns("page", 3)
	vin, tsOut := t.Columns("v_in", 16), t.Columns("ts_out", 4)
	code, flag := t.Columns("code", 4), t.Column("flag")
	capIn, oIn := t.Columns("cap_in", 8), t.Columns("o_in", 24)
	// A clean page pages out what it paged in, and its end leaf is its start leaf.
	vout, oOut := vin, oIn
	var capOut []stark.Column
	if dirty {
		vout, capOut, oOut = t.Columns("v_out", 16), t.Columns("cap_out", 8), t.Columns("o_out", 24)
	}

	one := stark.Const(1)
	notLast := one.Sub(last.Cur())
	for _, c := range []stark.Column{real, last, fetched} {
		r.boolean("flags boolean", c.Cur())
	}
	// A padding row sends no leaf: its end digest, never hashed in the written-page table, could be
	// anything, for any page.
	r.zero("padding sends nothing", last.Cur().Mul(one.Sub(real.Cur())))
	if !r.omit["real rows first"] {
		t.AssertTransition("real rows first", one.Sub(real.Cur()).Mul(real.Next()))
	}
	// Block sequence: 0 on the first row and after a last row, +1 otherwise, 127 on a last row,
	// and the final real row is a last row.
	if !r.omit["block sequence"] {
		t.AssertFirst("block sequence", blk.Cur())
		t.AssertTransition("block sequence", real.Next().Mul(notLast).Mul(blk.Next().Sub(blk.Cur()).Sub(one)))
		t.AssertTransition("block sequence", last.Cur().Mul(blk.Next()))
		t.AssertZero("block sequence", last.Cur().Mul(blk.Cur().Sub(stark.Const(blocksPerPage-1))))
		t.AssertTransition("block sequence", real.Cur().Mul(one.Sub(real.Next())).Mul(notLast))
		t.AssertLast("block sequence", real.Cur().Mul(notLast))
	}
	// Per-page values stay constant until the page's last row.
	same := func(name string, c stark.Column) {
		if !r.omit[name] {
			t.AssertTransition(name, real.Next().Mul(notLast).Mul(c.Next().Sub(c.Cur())))
		}
	}
	for k := range page {
		same("page constant", page[k])
	}
	same("fetched constant", fetched)
	r.sponge("page-in sponge chain", real, last, capIn, oIn)

	for k := range code {
		c := code[k].Cur()
		r.zero("code only on fetched pages", c.Mul(one.Sub(fetched.Cur())))
	}
	r.zero("no flag on padding", flag.Cur().Mul(one.Sub(real.Cur())))

	// Memory: word k of the row.
	base := page[0].Cur().Mul(stark.Const(vm.PageSize)).Add(blk.Cur().Mul(stark.Const(32)))
	for k := 0; k < 4; k++ {
		addr := [3]stark.Expr{base.Add(stark.Const(uint64(8 * k))), page[1].Cur(), page[2].Cur()}
		in := limbCols(vin[4*k : 4*k+4])
		out := limbCols(vout[4*k : 4*k+4])
		if !r.omit["page-in"] {
			t.Send(BusMem, real.Cur(), memMessage(addr, in, stark.Const(0))...)
			r.interactions++
		}
		if !r.omit["page-out"] {
			t.Receive(BusMem, real.Cur(), memMessage(addr, out, tsOut[k].Cur())...)
			r.interactions++
		}
		if !r.omit["code"] {
			t.SendTable(BusCode, code[k].Cur(), append(addr[:], in[:]...)...)
			r.interactions++
		}
	}
	if !r.omit["page flag"] {
		t.SendTable(BusPageFlag, flag.Cur(), page[0].Cur(), page[1].Cur(), page[2].Cur(), fetched.Cur())
		r.interactions++
	}
	if !r.omit["page-in hash"] {
		t.Send(BusP24, real.Cur(), append(append(cur(vin), cur(capIn)...), cur(oIn)...)...)
		r.interactions++
	}
	if !r.omit["leaf"] {
		key := [3]stark.Expr{page[0].Cur(), page[1].Cur(), page[2].Cur()}
		t.Send(BusMerkle, last.Cur(), merkleMessage(stark.Const(0), key, digestExprs(oIn), digestExprs(oOut))...)
		r.interactions++
	}
	if dirty {
		r.sponge("page-out sponge chain", real, last, capOut, oOut)
		if !r.omit["page-out hash"] {
			t.Send(BusP24, real.Cur(), append(append(cur(vout), cur(capOut)...), cur(oOut)...)...)
			r.interactions++
		}
	}
	return t
}

// sponge chains a page sponge's permutations: the initial capacity on a page's first row, the
// previous output's capacity after.
func (r *rules) sponge(name string, real, last stark.Column, capc, o []stark.Column) {
	if r.omit[name] {
		return
	}
	notLast := stark.Const(1).Sub(last.Cur())
	for k := 0; k < 8; k++ {
		iv := stark.Const(pageSpongeIV[k])
		r.t.AssertFirst(name, real.Cur().Mul(capc[k].Cur().Sub(iv)))
		r.t.AssertTransition(name, real.Next().Mul(last.Cur()).Mul(capc[k].Next().Sub(iv)))
		r.t.AssertTransition(name, real.Next().Mul(notLast).Mul(capc[k].Next().Sub(o[16+k].Cur())))
	}
}

// pagingTraces is what trace generation hands the segment: the three paging tables' traces, the
// roots, and the Poseidon2 permutations the chips must prove (one entry per send; the chips
// deduplicate).
type pagingTraces struct {
	clean, dirty       *stark.Matrix // the page tables of unchanged and of changed pages
	merkle, levels     *stark.Matrix
	startRoot, endRoot hash.Digest
	p24, p16           [][]hash.Element
}

// pagingInputs is what the paging tables need from the rest of the segment's generation.
type pagingInputs struct {
	startRoot hash.Digest
	pages     []vm.PageRecord // the segment's page records (any order)
	// final returns a paged-in word's last value and the timestamp of its last access (0 when
	// never accessed): memTracker.final after every access. It is called concurrently, and more
	// than once per word.
	final   func(addr uint64) (v, ts uint64, err error)
	code    map[uint64]uint64 // word address → BusCode reads (decode rows reading it)
	flags   map[uint64]uint64 // page → BusPageFlag lookups (stores, AMOs, SC words)
	fetched map[uint64]bool   // pages the segment fetches instructions from
	minLog  minLogs           // least log heights of the page and Merkle tables (nil: natural)
}

// absorbBlock writes one sponge block on row: the 16 limbs at column vCol, the capacity before
// the permutation at column capCol and the state after it at column oCol; it advances s and
// returns the permutation's input for the Poseidon2 chip.
func absorbBlock(m *stark.Matrix, row int, limbs []uint64, vCol, capCol, oCol int, s *[24]hash.Element) []hash.Element {
	for j, l := range limbs {
		m.SetUint(row, vCol+j, l)
		s[j].SetUint64(l)
	}
	for k := 0; k < 8; k++ {
		m.Set(row, capCol+k, s[16+k])
	}
	in := slices.Clone(s[:])
	hash.Permute24(s)
	for k := range s {
		m.Set(row, oCol+k, s[k])
	}
	return in
}

func pageLimbs(data *[vm.PageSize]byte) *[vm.PageSize / 2]uint64 {
	var l [vm.PageSize / 2]uint64
	for i := range l {
		l[i] = uint64(data[2*i]) | uint64(data[2*i+1])<<8
	}
	return &l
}

// pagingTrace fills the page, Merkle and level tables for one segment, checks the page records
// against the start root and computes the end root as the executor does.
func pagingTrace(in pagingInputs) (*pagingTraces, error) {
	if in.final == nil {
		return nil, fmt.Errorf("%w: no final memory", ErrPageTrace)
	}
	pages := slices.Clone(in.pages)
	slices.SortFunc(pages, func(a, b vm.PageRecord) int {
		switch {
		case a.Page < b.Page:
			return -1
		case a.Page > b.Page:
			return 1
		}
		return 0
	})
	index := make(map[uint64]int, len(pages))
	for i := range pages {
		if _, dup := index[pages[i].Page]; dup {
			return nil, fmt.Errorf("%w: page %#x recorded twice", ErrPagingRecord, pages[i].Page)
		}
		index[pages[i].Page] = i
	}
	for a := range in.code {
		pn := a / vm.PageSize
		switch _, ok := index[pn]; {
		case a&7 != 0 || !ok:
			return nil, fmt.Errorf("%w: code word %#x is not a word of a paged-in page", ErrPageTrace, a)
		case !in.fetched[pn]:
			return nil, fmt.Errorf("%w: code word %#x on a page not flagged fetched", ErrPageTrace, a)
		}
	}
	for pn, c := range in.flags {
		switch _, ok := index[pn]; {
		case !ok:
			return nil, fmt.Errorf("%w: store lookup on page %#x, not paged in", ErrPageTrace, pn)
		case in.fetched[pn] && c > 0:
			return nil, fmt.Errorf("%w: store into fetched page %#x", ErrPageTrace, pn)
		}
	}
	for pn := range in.fetched {
		if _, ok := index[pn]; !ok && in.fetched[pn] {
			return nil, fmt.Errorf("%w: fetched page %#x not paged in", ErrPageTrace, pn)
		}
	}

	// Which pages changed decides their table; each page's rows are then filled in parallel (its
	// 128 to 256 permutations dominate generation).
	dirty := make([]bool, len(pages))
	var nDirty int
	if err := parallelDo(len(pages), func(i int) error {
		var err error
		dirty[i], err = pageChanged(&pages[i], in.final)
		return err
	}); err != nil {
		return nil, err
	}
	row0 := make([]int, len(pages))
	for i := range pages {
		if dirty[i] {
			row0[i] = nDirty * blocksPerPage
			nDirty++
		} else {
			row0[i] = (i - nDirty) * blocksPerPage
		}
	}
	out := &pagingTraces{
		clean: stark.NewMatrix(pgCleanCols, 1<<uint(padLog((len(pages)-nDirty)*blocksPerPage, in.minLog[pageCleanName]))),
		dirty: stark.NewMatrix(pgDirtyCols, 1<<uint(padLog(nDirty*blocksPerPage, in.minLog[pageDirtyName]))),
	}
	leaves := make([][2]hash.Digest, len(pages))
	p24 := make([][][]hash.Element, len(pages))
	err := parallelDo(len(pages), func(i int) error {
		m := out.clean
		if dirty[i] {
			m = out.dirty
		}
		var err error
		leaves[i], p24[i], err = fillPage(m, row0[i], &pages[i], &in, dirty[i])
		return err
	})
	if err != nil {
		return nil, err
	}
	leafIn := make(map[uint64]hash.Digest, len(pages))
	leafOut := make(map[uint64]hash.Digest, len(pages))
	for i := range pages {
		leafIn[pages[i].Page], leafOut[pages[i].Page] = leaves[i][0], leaves[i][1]
		out.p24 = append(out.p24, p24[i]...)
	}
	u, err := buildUnion(in.startRoot, pages, leafIn, leafOut)
	if err != nil {
		return nil, err
	}
	out.startRoot, out.endRoot = u.startRoot, u.endRoot
	out.merkle, out.levels, out.p16 = merkleTrace(u, in.minLog["page_merkle"])
	return out, nil
}

// pageChanged reports whether any word of the page ends with another value than it started with.
func pageChanged(pr *vm.PageRecord, final func(uint64) (uint64, uint64, error)) (bool, error) {
	for w := uint64(0); w < vm.PageSize/8; w++ {
		v, _, err := final(pr.Page*vm.PageSize + 8*w)
		if err != nil {
			return false, err
		}
		if v != binary.LittleEndian.Uint64(pr.Data[8*w:]) {
			return true, nil
		}
	}
	return false, nil
}

// fillPage fills page pr's 128 rows from row0 of the clean or the written-page table and returns
// its start and end leaves and the permutation inputs its rows send.
func fillPage(m *stark.Matrix, row0 int, pr *vm.PageRecord, in *pagingInputs, dirty bool) (leaves [2]hash.Digest, p24 [][]hash.Element, err error) {
	lin := pageLimbs(&pr.Data)
	var lout [vm.PageSize / 2]uint64
	var ts [vm.PageSize / 8]uint64
	for w := range ts {
		v, t, err := in.final(pr.Page*vm.PageSize + 8*uint64(w))
		if err != nil {
			return leaves, nil, err
		}
		ts[w] = t
		for k := 0; k < 4; k++ {
			lout[4*w+k] = (v >> (16 * k)) & 0xffff
		}
	}
	key := pageKey(pr.Page)
	var sIn, sOut [24]hash.Element
	for k := range pageSpongeIV {
		sIn[16+k].SetUint64(pageSpongeIV[k])
	}
	sOut = sIn
	for b := 0; b < blocksPerPage; b++ {
		row := row0 + b
		m.SetUint(row, pgReal, 1)
		m.SetUint(row, pgLast, b2u(b == blocksPerPage-1))
		m.SetUint(row, pgBlk, uint64(b))
		m.SetUint(row, pgFetched, b2u(in.fetched[pr.Page]))
		for k := 0; k < 3; k++ {
			m.SetUint(row, pgPage+k, key[k])
		}
		for k := 0; k < 4; k++ {
			w := 4*b + k
			m.SetUint(row, pgTsOut+k, ts[w])
			m.SetUint(row, pgCode+k, in.code[pr.Page*vm.PageSize+8*uint64(w)])
		}
		if b == 0 {
			m.SetUint(row, pgFlag, in.flags[pr.Page]) // all of the page's store lookups on its first row
		}
		p24 = append(p24, absorbBlock(m, row, lin[16*b:16*b+16], pgVin, pgCapIn, pgOIn, &sIn))
		if dirty {
			p24 = append(p24, absorbBlock(m, row, lout[16*b:16*b+16], pgVout, pgCapOut, pgOOut, &sOut))
		}
	}
	copy(leaves[0][:], sIn[:8])
	leaves[1] = leaves[0]
	if dirty {
		copy(leaves[1][:], sOut[:8])
	}
	return leaves, p24, nil
}

// parallelDo runs f(0..n-1) on GOMAXPROCS workers and returns the first error.
func parallelDo(n int, f func(i int) error) error {
	workers := min(runtime.GOMAXPROCS(0), n)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				if err := f(i); err != nil {
					errs[w] = err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	return errors.Join(errs...)
}

// pagingTables declares the clean and written page tables, the Merkle table and the level table,
// in the order of pagingTraces.matrices.
func pagingTables(omit map[string]map[string]bool) []*stark.Table {
	return []*stark.Table{pageTable(omit[pageCleanName], false), pageTable(omit[pageDirtyName], true),
		merkleTable(omit["page_merkle"]), merkleLevelTable()}
}

// matrices lists the traces in the order of pagingTables.
func (p *pagingTraces) matrices() []*stark.Matrix {
	return []*stark.Matrix{p.clean, p.dirty, p.merkle, p.levels}
}
