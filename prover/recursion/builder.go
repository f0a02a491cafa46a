package recursion

import (
	"errors"
	"fmt"

	"github.com/zkexex/zkexex/prover/hash"
)

// ErrProgram means the builder was misused: a zero or foreign variable, a negative public index.
var ErrProgram = errors.New("recursion: malformed program")

// Felt is a base-field variable of a program; Ext an extension-field one. The zero value of
// either is invalid (it belongs to no builder).
type (
	Felt struct{ id int32 }
	Ext  struct{ id int32 }
)

// initSlot is one value of an init row: a constant or the witness value index.
type initSlot struct {
	konst bool
	c     E
	index int
}

// kind is what an address holds.
type kind uint8

const (
	kindBase kind = iota
	kindExt
)

// instr is one recorded instruction: its chip, its opcode (for the ALUs), its input and output
// addresses, for an init row its values, for a public row its index.
type instr struct {
	chip  chipKind
	op    aluOp
	in    []uint32
	out   []uint32
	index int
	base  bool       // an init row of base values (else of extension values)
	slots []initSlot // an init row's values, one per output
	row   int        // the instruction's row in its chip's table
	// A Horner row: whether it reads an accumulator (in[0]), and how many of its leading value
	// slots read nothing.
	hasAcc bool
	lead   int
	// A width-16 Poseidon2 row whose input's high half is advice: its witness indices.
	adv []int
}

// Builder records a program for the recursion machine. Each operation appends an instruction and
// returns its result variables; a variable's value lives at a fresh address, written once. Reads
// are counted so that Compile can give each write its multiplicity.
type Builder struct {
	cur     []uint32 // per variable, the address currently holding its value
	kinds   []kind   // per address
	reads   []uint32 // per address
	instrs  []instr
	rows    [numChips]int
	witness []kind
	public  int // 1 + the largest public index read
	consts  map[constKey]int32
	powers  map[int32][]Ext   // per extension variable x, x^0, x^1, ... computed so far (extPowers)
	squares map[int32][]Ext   // per extension variable x, x^(2^0), x^(2^1), ... (extSquarings)
	limbs   map[int32][4]Felt // per extension variable, its limbs once unpacked (Unpack)
	adv     map[int32]int     // per advice variable not yet in memory, its witness index
	// openInit and openInitExt are 1 + the index in instrs of the init row that new base
	// (extension) values join while it has room, 0 for none.
	openInit, openInitExt int
	err                   error
}

type constKey struct {
	k kind
	c [4]F
}

// NewBuilder starts an empty program.
func NewBuilder() *Builder { return &Builder{} }

func (b *Builder) fail(format string, args ...any) {
	if b.err == nil {
		b.err = fmt.Errorf("%w: "+format, append([]any{ErrProgram}, args...)...)
	}
}

// alloc returns a fresh variable at a fresh address.
func (b *Builder) alloc(k kind) (int32, uint32) {
	addr := uint32(len(b.kinds))
	b.kinds = append(b.kinds, k)
	b.reads = append(b.reads, 0)
	b.cur = append(b.cur, addr)
	return int32(len(b.cur)), addr
}

// read returns the address to read variable id from, counting the read. A value read MaxReads-1
// times is first copied to a fresh address (the copy is its last read), so that no write's
// multiplicity exceeds MaxReads.
func (b *Builder) read(id int32) uint32 {
	if id <= 0 || int(id) > len(b.cur) {
		b.fail("variable %d unknown to this builder", id)
		return 0
	}
	if w, ok := b.adv[id]; ok {
		// An advice value read as memory is written by an init row first.
		delete(b.adv, id)
		b.initAt(kindBase, b.cur[id-1], initSlot{index: w})
	}
	addr := b.cur[id-1]
	if b.reads[addr] == MaxReads-1 {
		k := b.kinds[addr]
		b.reads[addr]++
		fresh := uint32(len(b.kinds))
		b.kinds = append(b.kinds, k)
		b.reads = append(b.reads, 0)
		chip := chipBaseALU
		if k == kindExt {
			chip = chipExtALU
		}
		b.emit(instr{chip: chip, op: opCopy, in: []uint32{addr, 0}, out: []uint32{fresh}})
		b.cur[id-1], addr = fresh, fresh
	}
	b.reads[addr]++
	return addr
}

func (b *Builder) emit(in instr) {
	in.row = b.rows[in.chip]
	b.rows[in.chip]++
	b.instrs = append(b.instrs, in)
}

// Const is the constant c. Each constant is written once per program, however often it is used.
func (b *Builder) Const(c F) Felt { return Felt{b.constant(kindBase, liftF(c))} }

// ConstExt is the constant c.
func (b *Builder) ConstExt(c E) Ext { return Ext{b.constant(kindExt, c)} }

func (b *Builder) constant(k kind, c E) int32 {
	key := constKey{k, coeffs(&c)}
	if id, ok := b.consts[key]; ok {
		return id
	}
	id := b.initValue(k, initSlot{konst: true, c: c})
	if b.consts == nil {
		b.consts = map[constKey]int32{}
	}
	b.consts[key] = id
	return id
}

// Witness is the next base-field advice value (Execute's witness, in order of these calls).
func (b *Builder) Witness() Felt {
	id := b.initValue(kindBase, initSlot{index: len(b.witness)})
	b.witness = append(b.witness, kindBase)
	return Felt{id}
}

// WitnessExt is the next extension-field advice value.
func (b *Builder) WitnessExt() Ext {
	id := b.initValue(kindExt, initSlot{index: len(b.witness)})
	b.witness = append(b.witness, kindExt)
	return Ext{id}
}

// initValue writes a value of kind k from an init row: the open row of its kind while it has
// room (a row runs before any reader of a value added to it later, since readers are recorded
// later still), else a new one.
func (b *Builder) initValue(k kind, s initSlot) int32 {
	id, addr := b.alloc(k)
	b.initAt(k, addr, s)
	return id
}

func (b *Builder) initAt(k kind, addr uint32, s initSlot) {
	open, room := &b.openInit, InitWidth
	if k == kindExt {
		open, room = &b.openInitExt, InitWidth/4
	}
	if *open == 0 || len(b.instrs[*open-1].out) == room {
		b.emit(instr{chip: chipInit, base: k == kindBase})
		*open = len(b.instrs)
	}
	in := &b.instrs[*open-1]
	in.out = append(in.out, addr)
	in.slots = append(in.slots, s)
}

// advice is the next base witness value as advice for the permutation that takes it: a
// Merkle sibling, which the width-16 Poseidon2 row holds as the free high half of its input
// (Poseidon2Swap) without an init row or a memory read. Any other reader first has it written
// to memory by an init row.
func (b *Builder) advice() Felt {
	id, _ := b.alloc(kindBase)
	if b.adv == nil {
		b.adv = map[int32]int{}
	}
	b.adv[id] = len(b.witness)
	b.witness = append(b.witness, kindBase)
	return Felt{id}
}

// Public is the proof's public value i.
func (b *Builder) Public(i int) Felt {
	if i < 0 || i >= 1<<16 {
		b.fail("public index %d", i)
		i = 0
	}
	b.public = max(b.public, i+1)
	id, addr := b.alloc(kindBase)
	b.emit(instr{chip: chipPublic, out: []uint32{addr}, index: i})
	return Felt{id}
}

// alu records a base (k = kindBase) or extension ALU instruction; y = 0 when the op reads one
// operand (x for copy, y for inv).
func (b *Builder) alu(k kind, op aluOp, x, y int32) int32 {
	in := []uint32{0, 0}
	if op != opInv {
		in[0] = b.read(x)
	}
	if op != opCopy {
		in[1] = b.read(y)
	}
	chip := chipBaseALU
	if k == kindExt {
		chip = chipExtALU
	}
	if op == opEq {
		b.emit(instr{chip: chip, op: op, in: in})
		return 0
	}
	id, addr := b.alloc(k)
	b.emit(instr{chip: chip, op: op, in: in, out: []uint32{addr}})
	return id
}

// Add is x + y.
func (b *Builder) Add(x, y Felt) Felt { return Felt{b.alu(kindBase, opAdd, x.id, y.id)} }

// Sub is x - y.
func (b *Builder) Sub(x, y Felt) Felt { return Felt{b.alu(kindBase, opSub, x.id, y.id)} }

// Mul is x · y.
func (b *Builder) Mul(x, y Felt) Felt { return Felt{b.alu(kindBase, opMul, x.id, y.id)} }

// Inv is 1/x; a program that inverts zero has no valid trace.
func (b *Builder) Inv(x Felt) Felt { return Felt{b.alu(kindBase, opInv, 0, x.id)} }

// Div is x / y (y ≠ 0).
func (b *Builder) Div(x, y Felt) Felt { return b.Mul(x, b.Inv(y)) }

// AssertEq requires x = y.
func (b *Builder) AssertEq(x, y Felt) { b.alu(kindBase, opEq, x.id, y.id) }

// Lift is x as an extension element. It costs nothing: a base value is stored with zero upper
// limbs, so an extension instruction reads it as it is.
func (b *Builder) Lift(x Felt) Ext { return Ext(x) }

// ExtAdd is x + y.
func (b *Builder) ExtAdd(x, y Ext) Ext { return Ext{b.alu(kindExt, opAdd, x.id, y.id)} }

// ExtSub is x - y.
func (b *Builder) ExtSub(x, y Ext) Ext { return Ext{b.alu(kindExt, opSub, x.id, y.id)} }

// ExtMul is x · y.
func (b *Builder) ExtMul(x, y Ext) Ext { return Ext{b.alu(kindExt, opMul, x.id, y.id)} }

// ExtInv is 1/x (x ≠ 0).
func (b *Builder) ExtInv(x Ext) Ext { return Ext{b.alu(kindExt, opInv, 0, x.id)} }

// ExtDiv is x / y (y ≠ 0).
func (b *Builder) ExtDiv(x, y Ext) Ext { return b.ExtMul(x, b.ExtInv(y)) }

// AssertEqExt requires x = y.
func (b *Builder) AssertEqExt(x, y Ext) { b.alu(kindExt, opEq, x.id, y.id) }

// Select is (x, y) when bit = 0 and (y, x) when bit = 1; bit must be 0 or 1.
func (b *Builder) Select(bit, x, y Felt) (Felt, Felt) {
	in := []uint32{b.read(bit.id), b.read(x.id), b.read(y.id)}
	id1, a1 := b.alloc(kindBase)
	id2, a2 := b.alloc(kindBase)
	b.emit(instr{chip: chipSelect, in: in, out: []uint32{a1, a2}})
	return Felt{id1}, Felt{id2}
}

// Poseidon2 is the first half of prover/hash's width-16 permutation of in: all that Compress
// keeps, so the chip writes no other (see p2Outs).
func (b *Builder) Poseidon2(in [Width]Felt) Digest {
	var out Digest
	b.permute(chipPoseidon2, in[:], out[:])
	return out
}

// Poseidon2Swap is Poseidon2 of in with its halves swapped when bit = 1 (bit must be 0 or 1).
func (b *Builder) Poseidon2Swap(bit Felt, in [Width]Felt) Digest {
	var out Digest
	b.permute(chipPoseidon2, append(in[:], bit), out[:])
	return out
}

// Capacity is the last eight elements of a width-24 sponge state, as two extension-shaped
// values of four elements each (in prover/stark's limb order): nothing reads the capacity but
// the next permutation, so it travels as two memory values rather than eight.
type Capacity [capacityWords]Ext

// ConstCapacity is the capacity c.
func (b *Builder) ConstCapacity(c [Width24 - hash.SpongeRate]F) Capacity {
	var out Capacity
	for k := range out {
		out[k] = b.ConstExt(fromCoeffs(c[4*k : 4*k+4]))
	}
	return out
}

// Poseidon2x24 is prover/hash's width-24 permutation of the state rate ‖ capacity.
func (b *Builder) Poseidon2x24(rate [hash.SpongeRate]Felt, c Capacity) ([hash.SpongeRate]Felt, Capacity) {
	ins := make([]uint32, 0, hash.SpongeRate+capacityWords)
	for _, x := range rate {
		ins = append(ins, b.read(x.id))
	}
	for _, x := range c {
		ins = append(ins, b.read(x.id))
	}
	var outRate [hash.SpongeRate]Felt
	var outCap Capacity
	outs := make([]uint32, 0, hash.SpongeRate+capacityWords)
	for i := range outRate {
		id, addr := b.alloc(kindBase)
		outRate[i] = Felt{id}
		outs = append(outs, addr)
	}
	for k := range outCap {
		id, addr := b.alloc(kindExt)
		outCap[k] = Ext{id}
		outs = append(outs, addr)
	}
	b.emit(instr{chip: chipPoseidon2x24, in: ins, out: outs})
	return outRate, outCap
}

// permute records a permutation of in (followed, for a swap, by the bit) into out. A width-16
// input whose high half is all advice (not yet in memory) takes it as advice.
func (b *Builder) permute(chip chipKind, in, out []Felt) {
	var adv []int
	if chip == chipPoseidon2 {
		for _, x := range in[Width/2 : Width] {
			w, ok := b.adv[x.id]
			if !ok {
				adv = nil
				break
			}
			adv = append(adv, w)
		}
	}
	ins := make([]uint32, len(in))
	for i, x := range in {
		if adv == nil || i < Width/2 || i >= Width {
			ins[i] = b.read(x.id)
		}
	}
	outs := make([]uint32, len(out))
	for i := range out {
		id, addr := b.alloc(kindBase)
		out[i], outs[i] = Felt{id}, addr
	}
	b.emit(instr{chip: chip, in: ins, out: outs, adv: adv})
}

// HornerBase is Σ_k xs[k]·α^k, the polynomial with base-field coefficients xs at alpha (zero for
// no coefficients): ⌈len(xs)/HornerWidth⌉ rows of the Horner chip, the highest coefficients
// first, the first row's leading slots empty.
func (b *Builder) HornerBase(alpha Ext, xs []Felt) Ext {
	if len(xs) == 0 {
		return b.ConstExt(E{})
	}
	lead := (HornerWidth - len(xs)%HornerWidth) % HornerWidth
	var acc int32
	next := len(xs) - 1 // the next coefficient, highest first
	for first := true; next >= 0; first = false {
		in := make([]uint32, 2+HornerWidth)
		if !first {
			in[0] = b.read(acc)
		}
		in[1] = b.read(alpha.id)
		skip := 0
		if first {
			skip = lead
		}
		for j := skip; j < HornerWidth; j++ {
			in[2+j] = b.read(xs[next].id)
			next--
		}
		id, addr := b.alloc(kindExt)
		b.emit(instr{chip: chipHorner, in: in, out: []uint32{addr}, hasAcc: !first, lead: skip})
		acc = id
	}
	return Ext{acc}
}

// Bits is the canonical little-endian bit decomposition of x.
func (b *Builder) Bits(x Felt) [NumBits]Felt {
	in := []uint32{b.read(x.id)}
	var out [NumBits]Felt
	outs := make([]uint32, NumBits)
	for i := range out {
		id, addr := b.alloc(kindBase)
		out[i], outs[i] = Felt{id}, addr
	}
	b.emit(instr{chip: chipBits, in: in, out: outs})
	return out
}

// Compile freezes the program recorded so far, each table as short as its instructions allow.
// The builder may go on recording; a later Compile includes the new instructions.
func (b *Builder) Compile() (*Program, error) { return b.CompileShape(nil) }

// CompileShape is Compile with every table padded to the heights of shape (nil: the natural
// ones). A table whose instructions do not fit is ErrProgramShape.
func (b *Builder) CompileShape(shape Shape) (*Program, error) {
	if b.err != nil {
		return nil, b.err
	}
	p := &Program{
		instrs:    append([]instr(nil), b.instrs...),
		mult:      append([]uint32(nil), b.reads...),
		kinds:     append([]kind(nil), b.kinds...),
		witness:   append([]kind(nil), b.witness...),
		numPublic: b.public,
		rows:      b.rows,
	}
	for c := range numChips {
		p.logRows[c] = minLogRows
		for 1<<uint(p.logRows[c]) < p.rows[c] {
			p.logRows[c]++
		}
	}
	if shape == nil {
		return p, nil
	}
	if err := shape.check(); err != nil {
		return nil, err
	}
	for c := range numChips {
		if shape[c] < p.logRows[c] {
			return nil, fmt.Errorf("%w: %s needs 2^%d rows, the shape has 2^%d", ErrProgramShape, c, p.logRows[c], shape[c])
		}
		p.logRows[c] = shape[c]
	}
	return p, nil
}
