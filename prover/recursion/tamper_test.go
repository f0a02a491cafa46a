package recursion

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/stark"
)

// A tamper case claims something false: its witness fails the program at generation (gen), and a
// prover that forges one row to make the claim hold is caught by exactly one rule, without which
// the forgery proves and verifies.
type tamper struct {
	name    string
	build   func(b *Builder)
	public  []F
	witness []E
	gen     error // Execute's error on the false witness (nil: the forgery is in the row only)
	chip    chipKind
	op      aluOp // for the ALU chips
	forge   func(row []F)
	want    error
	table   string // the rule's table and name, omitted in the weak AIR
	rule    string
	// unsent adjusts the weak program's multiplicities when the rule is a memory read: the writes
	// it read from count the reads that are gone.
	unsent func(p *Program)
}

func tampers() []tamper {
	rng := rand.New(rand.NewPCG(5, 6))
	x, y := randE(rng), randE(rng)
	xLimb0 := x
	xLimb0.B0.A0.Add(&xLimb0.B0.A0, ptr(fe(1)))
	xLimb2 := x // limb 2 is coeffs' third, B1.A0
	xLimb2.B1.A0.Add(&xLimb2.B1.A0, ptr(fe(1)))
	yLimb1 := y // limb 1 is coeffs' second, B0.A1
	yLimb1.B0.A1.Add(&yLimb1.B0.A1, ptr(fe(1)))
	var xy, xyPlus1 E
	xy.Mul(&x, &y)
	xyPlus1 = xy
	xyPlus1.B0.A0.Add(&xyPlus1.B0.A0, ptr(fe(1)))
	var st [Width]F
	for i := range st {
		st[i] = fe(uint64(3 * i))
	}
	perm := st
	hash.Permute16(&perm)
	var p0Plus1 F
	p0Plus1.Add(&perm[0], ptr(fe(1)))
	swapped := st
	swapHalves(&swapped, fe(1))
	hash.Permute16(&swapped)
	twice := st
	swapHalves(&twice, fe(2))
	hash.Permute16(&twice)
	// The zero width-24 state with capacity element 5 (in its second four-element word) set.
	var capForged [Width24]F
	capForged[hash.SpongeRate+5] = fe(7)
	hash.Permute24(&capForged)
	hiForged := st
	hiForged[Width/2] = fe(1000)
	hash.Permute16(&hiForged)
	permInput := func(b *Builder) [Width]Felt {
		var in [Width]Felt
		for i := range in {
			in[i] = b.Const(st[i])
		}
		return in
	}
	// Bits of p + 5, a non-canonical decomposition of 5.
	nonCanonical := func(row []F) {
		v := uint64(hash.Modulus + 5)
		for i := range NumBits {
			row[1+i].SetUint64(v >> uint(i) & 1)
		}
		top := row[1+NumBits-topBits]
		for k := range topBits - 1 {
			top.Mul(&top, &row[1+NumBits-topBits+1+k])
			row[1+NumBits+k] = top
		}
	}
	// Horner rows over one value f: honest, the output is f; a row that starts from a nonzero
	// accumulator or holds a value in an unread slot outputs acc·α^8 + f or α^7 + f.
	f1 := fe(9)
	var alpha8, alpha7 E
	alpha8.Exp(x, big.NewInt(HornerWidth))
	alpha7.Exp(x, big.NewInt(HornerWidth-1))
	alpha8.B0.A0.Add(&alpha8.B0.A0, &f1)
	alpha7.B0.A0.Add(&alpha7.B0.A0, &f1)
	horner := func(b *Builder) {
		b.AssertEqExt(b.HornerBase(b.WitnessExt(), []Felt{b.Witness()}), b.WitnessExt())
	}
	hornerOut := func(row []F) []F { return row[hornMainWidth-4:] }
	return []tamper{
		{
			name: "memory read returns another value",
			build: func(b *Builder) {
				b.AssertEq(b.Add(b.Witness(), b.Witness()), b.Witness())
			},
			witness: []E{Lift(fe(1)), Lift(fe(2)), Lift(fe(4))}, gen: ErrAssertion,
			chip: chipBaseALU, op: opAdd,
			forge: func(row []F) { row[0] = fe(2); row[2] = fe(4) },
			want:  stark.ErrUnbalancedBus, table: "base_alu", rule: "read a",
			unsent: func(p *Program) {
				// Without the rule no base ALU row reads its a operand.
				for _, in := range p.instrs {
					if in.chip == chipBaseALU && in.op != opInv {
						p.mult[in.in[0]]--
					}
				}
			},
		},
		{
			name: "ext mul off by one",
			build: func(b *Builder) {
				b.AssertEqExt(b.ExtMul(b.WitnessExt(), b.WitnessExt()), b.WitnessExt())
			},
			witness: []E{x, y, xyPlus1}, gen: ErrAssertion,
			chip: chipExtALU, op: opMul,
			forge: func(row []F) { row[8].Add(&row[8], ptr(fe(1))) },
			want:  stark.ErrConstraint, table: "ext_alu", rule: "mul, limb 0",
		},
		{
			name: "base mul forged",
			build: func(b *Builder) {
				b.AssertEq(b.Mul(b.Witness(), b.Witness()), b.Witness())
			},
			witness: []E{Lift(fe(3)), Lift(fe(5)), Lift(fe(16))}, gen: ErrAssertion,
			chip: chipBaseALU, op: opMul,
			forge: func(row []F) { row[2] = fe(16) },
			want:  stark.ErrConstraint, table: "base_alu", rule: "mul, limb 0",
		},
		{
			name: "ext assert_eq of unequal values",
			build: func(b *Builder) {
				b.AssertEqExt(b.WitnessExt(), b.WitnessExt())
			},
			witness: []E{x, xLimb0}, gen: ErrAssertion,
			chip: chipExtALU, op: opEq,
			forge: func([]F) {},
			want:  stark.ErrConstraint, table: "ext_alu", rule: "assert_eq, limb 0",
		},
		{
			name: "inverse of zero",
			build: func(b *Builder) {
				b.AssertEq(b.Inv(b.Witness()), b.Witness())
			},
			witness: []E{Lift(F{}), Lift(fe(7))}, gen: ErrInverseZero,
			chip: chipBaseALU, op: opInv,
			forge: func(row []F) { row[2] = fe(7) },
			want:  stark.ErrConstraint, table: "base_alu", rule: "inv, limb 0",
		},
		{
			name: "Poseidon2 output forged",
			build: func(b *Builder) {
				b.AssertEq(b.Poseidon2(permInput(b))[0], b.Witness())
			},
			witness: []E{Lift(p0Plus1)}, gen: ErrAssertion,
			chip:  chipPoseidon2,
			forge: func(row []F) { row[Width] = p0Plus1 },
			want:  stark.ErrUnbalancedBus, table: "poseidon2_io", rule: "permutation",
		},
		{
			name: "Poseidon2 high half read as another value",
			build: func(b *Builder) {
				b.AssertEq(b.Poseidon2(permInput(b))[0], b.Witness())
			},
			witness: []E{Lift(hiForged[0])}, gen: ErrAssertion,
			chip: chipPoseidon2,
			forge: func(row []F) {
				row[Width/2] = fe(1000)
				copy(row[Width:2*Width], hiForged[:])
			},
			want: stark.ErrUnbalancedBus, table: "poseidon2_io", rule: fmt.Sprintf("read in[%d]", Width/2),
			unsent: func(p *Program) {
				for _, in := range p.instrs {
					if in.chip == chipPoseidon2 && in.adv == nil {
						p.mult[in.in[Width/2]]--
					}
				}
			},
		},
		{
			name: "Poseidon2 swap by a non-boolean bit",
			build: func(b *Builder) {
				b.AssertEq(b.Poseidon2Swap(b.Witness(), permInput(b))[0], b.Witness())
			},
			witness: []E{Lift(fe(2)), Lift(twice[0])}, gen: ErrNotBoolean,
			chip:  chipPoseidon2,
			forge: func([]F) {},
			want:  stark.ErrConstraint, table: "poseidon2_io", rule: "bit is boolean",
		},
		{
			name: "Poseidon2 swap without a bit",
			build: func(b *Builder) {
				b.AssertEq(b.Poseidon2(permInput(b))[0], b.Witness())
			},
			witness: []E{Lift(swapped[0])}, gen: ErrAssertion,
			chip: chipPoseidon2,
			forge: func(row []F) {
				row[2*Width] = fe(1)
				copy(row[Width:], swapped[:])
			},
			want: stark.ErrConstraint, table: "poseidon2_io", rule: "no swap without a bit",
		},
		{
			name: "width-24 Poseidon2 output forged",
			build: func(b *Builder) {
				var in [hash.SpongeRate]Felt
				for i := range in {
					in[i] = b.Const(F{})
				}
				out, _ := b.Poseidon2x24(in, b.ConstCapacity([8]F{}))
				b.AssertEq(out[5], b.Const(F{}))
			},
			gen:   ErrAssertion,
			chip:  chipPoseidon2x24,
			forge: func(row []F) { row[Width24+5] = F{} },
			want:  stark.ErrUnbalancedBus, table: "poseidon2_24_io", rule: "permutation",
		},
		{
			name: "width-24 capacity read as another value",
			build: func(b *Builder) {
				var in [hash.SpongeRate]Felt
				for i := range in {
					in[i] = b.Const(F{})
				}
				out, _ := b.Poseidon2x24(in, b.ConstCapacity([8]F{}))
				b.AssertEq(out[0], b.Witness())
			},
			witness: []E{Lift(capForged[0])}, gen: ErrAssertion,
			chip: chipPoseidon2x24,
			forge: func(row []F) {
				row[hash.SpongeRate+5] = fe(7)
				copy(row[Width24:], capForged[:])
			},
			want: stark.ErrUnbalancedBus, table: "poseidon2_24_io", rule: fmt.Sprintf("read in[%d]", hash.SpongeRate+1),
			unsent: func(p *Program) {
				for _, in := range p.instrs {
					if in.chip == chipPoseidon2x24 {
						p.mult[in.in[hash.SpongeRate+1]]--
					}
				}
			},
		},
		{
			name: "select with a non-boolean bit",
			build: func(b *Builder) {
				l, _ := b.Select(b.Witness(), b.Const(fe(10)), b.Const(fe(20)))
				b.AssertEq(l, b.Witness())
			},
			// bit 2 selects 10 + 2·(20 - 10) = 30, neither operand.
			witness: []E{Lift(fe(2)), Lift(fe(30))}, gen: ErrNotBoolean,
			chip:  chipSelect,
			forge: func([]F) {},
			want:  stark.ErrConstraint, table: "select", rule: "bit is boolean",
		},
		{
			name: "non-canonical bits",
			build: func(b *Builder) {
				b.AssertEq(b.Bits(b.Const(fe(5)))[0], b.Const(F{}))
			},
			gen:  ErrAssertion,
			chip: chipBits, forge: nonCanonical,
			want: stark.ErrConstraint, table: "bits", rule: "canonical",
		},
		{
			name: "constant forged",
			build: func(b *Builder) {
				b.AssertEq(b.Const(fe(1)), b.Witness())
			},
			witness: []E{Lift(fe(2))}, gen: ErrAssertion,
			chip:  chipInit,
			forge: func(row []F) { row[0] = fe(2) },
			want:  stark.ErrConstraint, table: "init", rule: "constant 0",
		},
		{
			name: "extension constant forged",
			build: func(b *Builder) {
				b.AssertEqExt(b.ConstExt(x), b.WitnessExt())
			},
			witness: []E{xLimb2}, gen: ErrAssertion,
			chip:  chipInit,
			forge: func(row []F) { row[2] = xLimb2.B1.A0 },
			want:  stark.ErrConstraint, table: "init", rule: "constant 2",
		},
		{
			name: "second extension constant of a row forged",
			build: func(b *Builder) {
				b.ConstExt(x)
				b.AssertEqExt(b.ConstExt(y), b.WitnessExt())
			},
			witness: []E{yLimb1}, gen: ErrAssertion,
			chip:  chipInit,
			forge: func(row []F) { row[5] = yLimb1.B0.A1 },
			want:  stark.ErrConstraint, table: "init", rule: "constant 5",
		},
		{
			name: "Horner step forged",
			build: func(b *Builder) {
				b.AssertEqExt(b.HornerBase(b.WitnessExt(), []Felt{b.Witness(), b.Witness()}), b.WitnessExt())
			},
			// f0 + f1·α, claimed one more.
			witness: []E{x, Lift(fe(1)), Lift(fe(2)), func() E {
				var e E
				e.MulByElement(&x, ptr(fe(2)))
				e.B0.A0.Add(&e.B0.A0, ptr(fe(2)))
				return e
			}()},
			gen:   ErrAssertion,
			chip:  chipHorner,
			forge: func(row []F) { hornerOut(row)[0].Add(&hornerOut(row)[0], ptr(fe(1))) },
			want:  stark.ErrConstraint, table: "horner", rule: fmt.Sprintf("step %d, limb 0", HornerWidth-1),
		},
		{
			name:  "Horner row from a forged accumulator",
			build: horner, witness: []E{x, Lift(f1), alpha8}, gen: ErrAssertion,
			chip:  chipHorner,
			forge: func(row []F) { row[0] = fe(1); recomputeHorner(row) },
			want:  stark.ErrConstraint, table: "horner", rule: "no accumulator, limb 0",
		},
		{
			name:  "Horner value in an unread slot",
			build: horner, witness: []E{x, Lift(f1), alpha7}, gen: ErrAssertion,
			chip:  chipHorner,
			forge: func(row []F) { row[hornF] = fe(1); recomputeHorner(row) },
			want:  stark.ErrConstraint, table: "horner", rule: "unread value 0 is zero",
		},
		{
			name:  "Horner value read as another",
			build: horner, witness: []E{x, Lift(f1), Lift(fe(10))}, gen: ErrAssertion,
			chip:  chipHorner,
			forge: func(row []F) { row[hornF+HornerWidth-1] = fe(10); recomputeHorner(row) },
			want:  stark.ErrUnbalancedBus, table: "horner", rule: fmt.Sprintf("read f[%d]", HornerWidth-1),
			unsent: func(p *Program) {
				for _, in := range p.instrs {
					if in.chip == chipHorner {
						p.mult[in.in[2+HornerWidth-1]]--
					}
				}
			},
		},
		{
			name: "public value forged",
			build: func(b *Builder) {
				b.AssertEq(b.Public(0), b.Const(fe(9)))
			},
			public: []F{fe(8)}, gen: ErrAssertion,
			chip:  chipPublic,
			forge: func(row []F) { row[0] = fe(9) },
			want:  stark.ErrConstraint, table: "public", rule: "public value 0",
		},
		{
			name: "unpacked limb forged",
			build: func(b *Builder) {
				b.AssertEq(b.Unpack(b.WitnessExt())[0], b.Witness())
			},
			witness: []E{x, Lift(xLimb0.B0.A0)}, gen: ErrAssertion,
			chip:  chipLimbs,
			forge: func(row []F) { row[0].Add(&row[0], ptr(fe(1))) },
			want:  stark.ErrUnbalancedBus, table: "limbs", rule: "read ext",
			unsent: func(p *Program) {
				for _, in := range p.instrs {
					if in.chip == chipLimbs && len(in.in) == 1 {
						p.mult[in.in[0]]--
					}
				}
			},
		},
		{
			name: "packed value forged",
			build: func(b *Builder) {
				b.AssertEqExt(b.Pack([4]Felt{b.Witness(), b.Witness(), b.Witness(), b.Witness()}), b.WitnessExt())
			},
			witness: []E{Lift(fe(1)), Lift(fe(2)), Lift(fe(3)), Lift(fe(4)), fromCoeffs([]F{fe(2), fe(2), fe(3), fe(4)})},
			gen:     ErrAssertion,
			chip:    chipLimbs,
			forge:   func(row []F) { row[0] = fe(2) },
			want:    stark.ErrUnbalancedBus, table: "limbs", rule: "read limb 0",
			unsent: func(p *Program) {
				for _, in := range p.instrs {
					if in.chip == chipLimbs && len(in.in) == 4 {
						p.mult[in.in[0]]--
					}
				}
			},
		},
	}
}

func ptr(f F) *F { return &f }

// recomputeHorner refills a Horner row's accumulators from its acc_in, α and values.
func recomputeHorner(row []F) {
	acc, alpha := fromCoeffs(row[0:4]), fromCoeffs(row[hornAlpha:hornAlpha+4])
	for j := range HornerWidth {
		acc.Mul(&acc, &alpha)
		acc.B0.A0.Add(&acc.B0.A0, &row[hornF+j])
		copy(row[hornAcc+4*j:], coeffsSlice(&acc))
	}
}

// TestTampers: each false claim fails at generation; forged, it is refused by its rule, and
// passes once that rule is left out (so the rule is what catches it).
func TestTampers(t *testing.T) {
	for _, tc := range tampers() {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBuilder()
			tc.build(b)
			prog, err := b.Compile()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := prog.Execute(tc.public, tc.witness); !errors.Is(err, tc.gen) {
				t.Fatalf("generation: got %v, want %v", err, tc.gen)
			}
			target := -1
			for k, in := range prog.instrs {
				if in.chip == tc.chip && (in.op == tc.op || (tc.chip != chipBaseALU && tc.chip != chipExtALU)) {
					target = k
					break
				}
			}
			if target < 0 {
				t.Fatal("no instruction to forge")
			}
			forge := func(k int, _ chipKind, row []F) {
				if k == target {
					tc.forge(row)
				}
			}
			s := statement{prog, tc.public, tc.witness}
			_, _, err = s.prove(t, nil, forge)
			if !errors.Is(err, tc.want) {
				t.Fatalf("forgery: got %v, want %v", err, tc.want)
			}
			if errors.Is(err, stark.ErrConstraint) && !strings.Contains(err.Error(), fmt.Sprintf("table %s, constraint %q", tc.table, tc.rule)) {
				t.Fatalf("forgery caught by another rule: %v", err)
			}

			weak := statement{prog, tc.public, tc.witness}
			if tc.unsent != nil {
				cp := *prog
				cp.mult = append([]uint32(nil), prog.mult...)
				tc.unsent(&cp)
				weak.prog = &cp
			}
			if err := weak.proveAndVerify(t, map[string]map[string]bool{tc.table: {tc.rule: true}}, forge); err != nil {
				t.Fatalf("without %q the forgery should pass, got %v", tc.rule, err)
			}
		})
	}
}

// TestMultiplicityLies: a write whose preprocessed multiplicity counts one read more, or one
// fewer, than the program makes leaves the memory bus unbalanced.
func TestMultiplicityLies(t *testing.T) {
	s := everyChip(t, rand.New(rand.NewPCG(7, 8)))
	for _, delta := range []int{1, -1} {
		for c := range numChips {
			t.Run(fmt.Sprintf("%s %+d", c, delta), func(t *testing.T) {
				cp := *s.prog
				cp.mult = append([]uint32(nil), s.prog.mult...)
				found := false
				for _, in := range cp.instrs {
					if in.chip == c && len(in.out) > 0 && (delta > 0 || cp.mult[in.out[0]] > 0) {
						cp.mult[in.out[0]] = uint32(int(cp.mult[in.out[0]]) + delta)
						found = true
						break
					}
				}
				if !found {
					t.Fatal("no write to alter")
				}
				lie := statement{&cp, s.public, s.witness}
				if _, _, err := lie.prove(t, nil, nil); !errors.Is(err, stark.ErrUnbalancedBus) {
					t.Fatalf("got %v", err)
				}
			})
		}
	}
}
