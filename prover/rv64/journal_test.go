package rv64

import (
	"errors"
	"testing"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/p2air"
	"github.com/zkexex/zkexex/prover/stark"
	"github.com/zkexex/zkexex/prover/vm"
)

// TestSystemLongJournal spans several sponge blocks, ending on an odd byte.
func TestSystemLongJournal(t *testing.T) {
	s := newScenario(t)
	var want []byte
	for _, w := range []struct{ addr, n uint64 }{{bufPage + 7, 61}, {bufPage + 0x300, 32}, {bufPage + 0x1f00, 40}} {
		e := s.host(vm.KernelBase, hostWrite, fdJournal, w.addr, w.n, nil)
		for _, a := range e.Words {
			for k := uint64(0); k < 8; k++ {
				if b := a.Addr + k; b >= w.addr && b < w.addr+w.n {
					want = append(want, byte(a.Prev>>(8*k)))
				}
			}
		}
	}
	ss := s.statement(s.evs, nil)
	if hash.Digest(ss.st.Digest) != hash.HashBytes(want) {
		t.Fatal("digest mismatch")
	}
	if err := ss.prove(t, true); err != nil {
		t.Fatal(err)
	}
}

// responge recomputes the journal table's sponge from its bytes and row 0's capacity, as a
// prover hashing what it put in the table would, and makes the public digest and the Poseidon2
// stand-in follow.
func responge(ss *sysStatement) {
	m := ss.traces[sJournal]
	c := buildJournal(&rules{t: stark.NewTable("journal")})
	var state [24]stark.F
	var ins [][24]stark.F
	for row := 0; row < m.Height && m.Cols[c.isReal.Index()][row].Uint64() == 1; row++ {
		for k := 0; k < 16; k++ {
			var hi stark.F
			hi.SetUint64(256)
			hi.Mul(&hi, &m.Cols[c.b[2*k+1].Index()][row])
			state[k].Add(&m.Cols[c.b[2*k].Index()][row], &hi)
		}
		for k := range c.cap {
			if row == 0 {
				state[16+k] = m.Cols[c.cap[k].Index()][row]
			} else {
				m.Cols[c.cap[k].Index()][row] = state[16+k]
			}
		}
		ins = append(ins, state)
		hash.Permute24(&state)
		for k := range c.out {
			m.Cols[c.out[k].Index()][row] = state[k]
		}
	}
	copy(ss.public[PubJournal:], state[:8])
	ss.tables[sP24] = testP24(ins)
	ss.traces[sP24] = testP24Trace(ins)
}

func journalTampers() []sysTamper {
	omit := func(rules ...string) map[string]map[string]bool {
		m := map[string]bool{}
		for _, r := range rules {
			m[r] = true
		}
		return map[string]map[string]bool{"journal": m}
	}
	col := func(ss *sysStatement, name string) int { return colIdx(ss.tables[sJournal], name) }
	return []sysTamper{
		{name: "sponge in another domain", build: journalScenario, want: stark.ErrConstraint, rule: "sponge", omit: omit("sponge"),
			post: func(ss *sysStatement, _ bool) {
				ss.traces[sJournal].SetUint(0, col(ss, "cap_in[2]"), 1)
				responge(ss)
			}},
		{name: "length claims two more bytes", build: journalScenario, want: stark.ErrConstraint, rule: "length", omit: omit("length"),
			post: func(ss *sysStatement, _ bool) {
				m := ss.traces[sJournal]
				l := uint64(len(ss.st.JournalBytes))
				for r := 0; r < m.Height; r++ {
					m.SetUint(r, col(ss, "len"), l+2)
				}
				m.SetUint(0, col(ss, "byte[0]"), l+2)
				bumpCount(ss.traces[sBytes], int(l), -1)
				bumpCount(ss.traces[sBytes], int(l+2), 1)
				responge(ss)
			}},
		{name: "length prefix encodes another length", build: journalScenario, want: stark.ErrConstraint, rule: "length prefix", omit: omit("length prefix"),
			post: func(ss *sysStatement, _ bool) {
				ss.traces[sJournal].SetUint(0, col(ss, "byte[2]"), 1) // len + 2^16
				bumpCount(ss.traces[sBytes], 0, -1)
				bumpCount(ss.traces[sBytes], 1, 1)
				responge(ss)
			}},
		{name: "padding byte absorbed", build: journalScenario, want: stark.ErrConstraint, rule: "padding bytes are zero", omit: omit("padding bytes are zero"),
			post: func(ss *sysStatement, _ bool) {
				// 8 + 15 bytes occupy slots 0..22 of row 0.
				ss.traces[sJournal].SetUint(0, col(ss, "byte[30]"), 5)
				responge(ss)
			}},
	}
}

func TestJournalTampers(t *testing.T) {
	for _, tc := range journalTampers() {
		t.Run(tc.name, func(t *testing.T) { runTamper(t, tc) })
	}
}

// withChip replaces the Poseidon2 stand-in by the real chip (prover/p2air) proving the journal's
// permutations.
func withChip(t *testing.T, ss *sysStatement, ins [][24]stark.F) {
	t.Helper()
	chip, err := p2air.Table("p24", 24, BusP24)
	if err != nil {
		t.Fatal(err)
	}
	req := make([][]stark.F, len(ins))
	for i := range ins {
		req[i] = ins[i][:]
	}
	tr, err := p2air.Trace(24, req, nil, 1<<minLogRows)
	if err != nil {
		t.Fatal(err)
	}
	ss.tables[sP24], ss.traces[sP24] = chip, tr
}

// TestJournalWithPoseidon2Chip proves the journal's sponge against the real Poseidon2 chip, and
// shows that the chip refuses a block whose output is not the permutation of its input.
func TestJournalWithPoseidon2Chip(t *testing.T) {
	s := newScenario(t)
	journalScenario(s)
	s.host(vm.KernelBase, hostWrite, fdJournal, bufPage+0x801, 70, nil)
	ss := s.statement(s.evs, nil)
	withChip(t, ss, ss.st.P24)
	if err := ss.prove(t, true); err != nil {
		t.Fatal(err)
	}

	// The last block's digest part replaced (and claimed as the public digest).
	ss = s.statement(s.evs, nil)
	withChip(t, ss, ss.st.P24)
	m := ss.traces[sJournal]
	c := buildJournal(&rules{t: stark.NewTable("journal")})
	last := len(ss.st.P24) - 1
	m.SetUint(last, c.out[0].Index(), 12345)
	ss.public[PubJournal].SetUint64(12345)
	if err := ss.prove(t, false); !errors.Is(err, stark.ErrUnbalancedBus) {
		t.Fatalf("got %v, want an unbalanced bus", err)
	}
}
