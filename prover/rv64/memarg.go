package rv64

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
)

// Buses of the segment AIR beyond the ALU slice. Message layouts, values in F; an address is the
// byte address as three 16-bit limbs (addresses are below 2^48), a 64-bit value four 16-bit limbs,
// little-endian:
//
//	BusMem      (addr[3], v[4], ts)           the memory argument (memAccess): every access receives the
//	                                          word's previous (v, ts) and sends (v', ts); page-in sends
//	                                          (addr, v, 0) for every word of a paged-in page, page-out
//	                                          receives the last (addr, v, ts). addr is 8-aligned.
//	BusLS       (op, addr[3], ts, in[4], out[4])
//	                                          CPU sends a load, store, AMO, LR or SC; the memory chip
//	                                          receives (op: the instruction's LSOp; addr: the effective
//	                                          byte address; in: the value stored or the AMO/SC operand;
//	                                          out: the value written to rd)
//	BusSys      (kind, ts, pc[3], next_pc[3]) CPU sends a trap, mret or host call; the system table
//	                                          receives and does its memory accesses at slot SlotMem
//	BusDecode   (pc[3], fields…)              decode table sends with multiplicity, CPU receives
//	BusCode     (addr[3], v[4])               page-in rows of fetched pages send a word with the
//	                                          number of times it is decoded; the decode table receives
//	BusPageFlag (page[3], fetched)            page table sends each page's fetched flag with the number
//	                                          of lookups; every store looks its page up with fetched = 0
//	                                          (page[3]: addr[0] >> 12, addr[1], addr[2])
//	BusP16, BusP24  (in[W], out[W])           Poseidon2 chips (prover/p2air) receive
//	BusMerkle   (tree-internal)               paging's Merkle table
const (
	BusMem      stark.BusID = 10
	BusLS       stark.BusID = 11
	BusSys      stark.BusID = 12
	BusDecode   stark.BusID = 13
	BusCode     stark.BusID = 14
	BusPageFlag stark.BusID = 15
	BusP16      stark.BusID = 16
	BusP24      stark.BusID = 17
	BusMerkle   stark.BusID = 18
	BusJournal  stark.BusID = 19
)

// Public values of a segment proof (NumPublic elements), in this order.
const (
	PubImageID   = 0  // 8: the image the run started from (carried; the composite receipt checks it)
	PubStartPC   = 8  // 3 limbs
	PubStartRoot = 11 // 8
	PubEndPC     = 19 // 3 limbs
	PubEndRoot   = 22 // 8
	PubHalted    = 30 // 1: 0 or 1
	PubExitCode  = 31 // 1: the HALT host call's exit code (0..255), 0 unless halted
	PubJournal   = 32 // 8: hash.HashBytes of the journal bytes this segment wrote
	PubPo2       = 40 // 1
	PubIndex     = 41 // 1: the segment's index in its run (carried, as the image ID)
	NumPublic    = 42
)

// Memory-access slots within a cycle (prover/vm defines them with the steps it reports): each
// cycle owns four timestamps, so that an instruction whose rd is also rs1 reads before it writes.
// Accesses to different words may share a timestamp; two accesses to one word in one cycle must not.
const (
	SlotRs1 = vm.SlotRs1
	SlotRs2 = vm.SlotRs2
	SlotMem = vm.SlotMem // the load/store operand, AMOs, traps, mret and host calls
	SlotRd  = vm.SlotRd
)

// Timestamp is the memory argument's clock (vm.Timestamp: 4·cycle + slot + 1); page-in values
// carry timestamp 0. With cycles below 2^22 every timestamp is at most 2^24, so the gap
// ts - prevTs - 1 of a valid access lies in [0, 2^24) and a 16-bit limb plus a byte bound it; a
// prevTs after ts would make the gap wrap to about p > 2^24, which no such pair can show.
func Timestamp(cycle uint64, slot int) uint64 { return vm.Timestamp(cycle, uint8(slot)) }

// maxCycles is the most cycles a segment may have for Timestamp's bound to hold.
const maxCycles = 1 << 22

// addrLimbs splits a byte address below 2^48 into the three 16-bit limbs the buses carry.
func addrLimbs(a uint64) [3]uint64 {
	return [3]uint64{a & 0xffff, (a >> 16) & 0xffff, (a >> 32) & 0xffff}
}

// RegAddr is the byte address of register r's word in the bank of mode (0 user, 1 kernel): ABI v1
// keeps registers on the machine page (vm.RegAddr).
func RegAddr(mode, r uint64) uint64 { return vm.RegAddr(uint8(mode), uint8(r)) }

// regAddrExpr is RegAddr as limbs of expressions in mode and r (columns, or constants): the low
// limb is affine in both and the two high limbs are 0xffff, so a register access costs no columns.
func regAddrExpr(mode, r stark.Expr) [3]stark.Expr {
	lo := uint64(vm.MachineBase & 0xffff)
	return [3]stark.Expr{
		stark.Const(lo).Add(mode.Mul(stark.Const(0x100))).Add(r.Mul(stark.Const(8))),
		stark.Const((vm.MachineBase >> 16) & 0xffff),
		stark.Const((vm.MachineBase >> 32) & 0xffff),
	}
}

// accessCols are the columns one memory access adds to a row: the word's previous timestamp and the
// gap ts - prevTs - 1 as a 16-bit limb and a byte. The previous and new values are the caller's (a
// read passes the same limbs for both, so it adds no value columns).
type accessCols struct {
	prevTs, gapLo, gapHi stark.Column
}

// memAccess declares one read-modify-write of the 8-aligned word at addr at timestamp ts on rows
// where mult is 1 (mult must be boolean, and 0 on padding rows): the word's previous value prev
// with its timestamp comes off BusMem, (next, ts) goes back, and ts - prevTs - 1 is range-checked to
// [0, 2^24). prefix names the three columns it declares. The caller guarantees that next's limbs are
// 16-bit (prev's are, by induction from page-in, whose values the page hash binds).
func (r *rules) memAccess(prefix string, mult stark.Expr, addr [3]stark.Expr, prev, next [4]stark.Expr, ts stark.Expr) accessCols {
	c := accessCols{
		prevTs: r.t.Column(prefix + "_prev_ts"),
		gapLo:  r.t.Column(prefix + "_gap_lo"),
		gapHi:  r.t.Column(prefix + "_gap_hi"),
	}
	gap := ts.Sub(c.prevTs.Cur()).Sub(stark.Const(1))
	r.zero(prefix+" gap", mult.Mul(gap.Sub(c.gapLo.Cur()).Sub(c.gapHi.Cur().Mul(stark.Const(1<<16)))))
	r.sendRange16(prefix+" gap lo", mult, c.gapLo.Cur())
	r.sendByte(prefix+" gap hi", mult, c.gapHi.Cur())
	if !r.omit[prefix+" receive"] {
		r.t.Receive(BusMem, mult, memMessage(addr, prev, c.prevTs.Cur())...)
		r.interactions++
	}
	if !r.omit[prefix+" send"] {
		r.t.Send(BusMem, mult, memMessage(addr, next, ts)...)
		r.interactions++
	}
	return c
}

// memMessage is BusMem's tuple.
func memMessage(addr [3]stark.Expr, v [4]stark.Expr, ts stark.Expr) []stark.Expr {
	return []stark.Expr{addr[0], addr[1], addr[2], v[0], v[1], v[2], v[3], ts}
}

// Access is one resolved access as trace generation sees it: the word, its value before and after,
// its timestamp and the timestamp of the word's previous access (0: the page-in value).
type Access struct {
	Addr       uint64 // 8-aligned
	Prev, Next uint64
	PrevTs, Ts uint64
}

// fill writes the access's columns on row and counts its range-check lookups.
func (c accessCols) fill(m *stark.Matrix, row int, a Access, cnt *counts) {
	gap := a.Ts - a.PrevTs - 1
	m.SetUint(row, c.prevTs.Index(), a.PrevTs)
	m.SetUint(row, c.gapLo.Index(), gap&0xffff)
	m.SetUint(row, c.gapHi.Index(), gap>>16)
	cnt.limbs[gap&0xffff]++
	cnt.bytes[gap>>16]++
}

// ErrMemoryTrace marks an access sequence no honest memory argument can hold: a word outside the
// paged-in pages, a misaligned word, a timestamp not after the word's last, or a value that does
// not match the word's current contents.
var ErrMemoryTrace = errors.New("rv64: inconsistent memory trace")

type wordState struct{ v, ts uint64 }

// memTracker replays the segment's memory in timestamp order to resolve each access's previous
// value and timestamp, starting from the paged-in pages at timestamp 0; after the last access it
// holds what page-out receives.
type memTracker struct {
	pages map[uint64]*[vm.PageSize / 8]wordState
}

func newMemTracker(pages []vm.PageRecord) *memTracker {
	t := &memTracker{pages: make(map[uint64]*[vm.PageSize / 8]wordState, len(pages))}
	for i := range pages {
		var ws [vm.PageSize / 8]wordState
		for j := range ws {
			ws[j].v = binary.LittleEndian.Uint64(pages[i].Data[8*j:])
		}
		t.pages[pages[i].Page] = &ws
	}
	return t
}

func (t *memTracker) word(addr uint64) (*wordState, error) {
	if addr&7 != 0 {
		return nil, fmt.Errorf("%w: access to %#x is not 8-aligned", ErrMemoryTrace, addr)
	}
	p := t.pages[addr/vm.PageSize]
	if p == nil {
		return nil, fmt.Errorf("%w: word %#x is on a page the segment did not page in", ErrMemoryTrace, addr)
	}
	return &p[addr%vm.PageSize/8], nil
}

// access resolves an access to the word at addr at timestamp ts that leaves it holding next; old is
// the value the executor saw, checked against the tracker's.
func (t *memTracker) access(addr, old, next, ts uint64) (Access, error) {
	w, err := t.word(addr)
	if err != nil {
		return Access{}, err
	}
	switch {
	case ts > Timestamp(maxCycles-1, SlotRd):
		return Access{}, fmt.Errorf("%w: word %#x accessed at %d, past a segment's last timestamp", ErrMemoryTrace, addr, ts)
	case ts <= w.ts:
		return Access{}, fmt.Errorf("%w: word %#x accessed at %d after %d", ErrMemoryTrace, addr, ts, w.ts)
	case old != w.v:
		return Access{}, fmt.Errorf("%w: word %#x read as %#x, memory holds %#x", ErrMemoryTrace, addr, old, w.v)
	}
	a := Access{Addr: addr, Prev: w.v, Next: next, PrevTs: w.ts, Ts: ts}
	w.v, w.ts = next, ts
	return a, nil
}

// final returns the word's last value and timestamp, for page-out.
func (t *memTracker) final(addr uint64) (v, ts uint64, err error) {
	w, err := t.word(addr)
	if err != nil {
		return 0, 0, err
	}
	return w.v, w.ts, nil
}
