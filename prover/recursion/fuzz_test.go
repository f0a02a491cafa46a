package recursion

import (
	"errors"
	"testing"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/stark"
)

// FuzzProgram builds a program from the input (three bytes an instruction: opcode and two operand
// choices), runs it on a witness drawn from the input, and requires that execution either fails
// with one of Execute's typed errors or yields traces that prove and verify: the AIR accepts every
// honest run (completeness), whatever the mix of instructions, fan-out copies and padding.
func FuzzProgram(f *testing.F) {
	// Every instruction kind, on values that satisfy the program.
	f.Add([]byte{0, 0, 1, 1, 1, 2, 2, 3, 0, 3, 2, 0, 5, 0, 1, 6, 1, 2, 7, 2, 3, 8, 0, 0, 9, 1, 0,
		11, 0, 1, 12, 1, 1, 13, 0, 0, 14, 0, 1, 4, 2, 2, 10, 1, 1})
	// Fan-out past MaxReads.
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0})
	// A failing assertion.
	f.Add([]byte{4, 0, 1})
	// Horner evaluations of one row, two partial rows, and interleaved witness values.
	f.Add([]byte{15, 11, 0, 16, 0, 0, 15, 1, 12, 16, 1, 1, 15, 3, 5, 8, 1, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 3*48 {
			data = data[:3*48]
		}
		b := NewBuilder()
		var w []E
		seed := uint64(1)
		next := func() uint64 {
			seed = seed*6364136223846793005 + 1442695040888963407
			return seed >> 33
		}
		base := []Felt{b.Witness(), b.Witness(), b.Const(fe(1))}
		w = append(w, Lift(fe(next())), Lift(fe(next())))
		ext := []Ext{b.WitnessExt()}
		w = append(w, fromCoeffs([]F{fe(next()), fe(next()), fe(next()), fe(next())}))
		for i := 0; i+2 < len(data); i += 3 {
			x, y := base[int(data[i+1])%len(base)], base[int(data[i+2])%len(base)]
			ex, ey := ext[int(data[i+1])%len(ext)], ext[int(data[i+2])%len(ext)]
			switch data[i] % 17 {
			case 0:
				base = append(base, b.Add(x, y))
			case 1:
				base = append(base, b.Sub(x, y))
			case 2:
				base = append(base, b.Mul(x, y))
			case 3:
				base = append(base, b.Inv(x))
			case 4:
				b.AssertEq(x, y)
			case 5:
				ext = append(ext, b.ExtAdd(ex, ey))
			case 6:
				ext = append(ext, b.ExtSub(ex, ey))
			case 7:
				ext = append(ext, b.ExtMul(ex, b.Lift(y)))
			case 8:
				ext = append(ext, b.ExtMul(ex, ey))
			case 9:
				ext = append(ext, b.ExtInv(ex))
			case 10:
				b.AssertEqExt(ex, ey)
			case 11:
				bits := b.Bits(x)
				l, r := b.Select(bits[0], x, y)
				base = append(base, l, r)
			case 12:
				var s [Width]Felt
				for j := range s {
					s[j] = base[(int(data[i+1])+j)%len(base)]
				}
				out := b.Poseidon2Swap(b.Bits(y)[0], s)
				base = append(base, out[0], out[7])
			case 13:
				c := b.Unpack(ex)
				base = append(base, c[:]...)
				ext = append(ext, b.Pack([4]Felt{x, y, c[1], c[2]}))
			case 15:
				// A Horner evaluation over up to 2·HornerWidth+1 of the recent base values.
				n := 1 + (int(data[i+1])+int(data[i+2]))%(2*HornerWidth+1)
				xs := make([]Felt, n)
				for j := range xs {
					xs[j] = base[(len(base)-1-j+len(base)*n)%len(base)]
				}
				ext = append(ext, b.HornerBase(ey, xs))
			case 16:
				ext = append(ext, b.ConstExt(fromCoeffs([]F{fe(next()), {}, fe(next()), {}})), b.WitnessExt())
				w = append(w, fromCoeffs([]F{fe(next()), fe(next()), fe(next()), fe(next())}))
				base = append(base, b.Witness())
				w = append(w, Lift(fe(next())))
			case 14:
				var s [hash.SpongeRate]Felt
				for j := range s {
					s[j] = base[(int(data[i+2])+j)%len(base)]
				}
				c := Capacity{ex, b.ConstExt(fromCoeffs([]F{fe(next()), {}, {}, fe(next())}))}
				out, oc := b.Poseidon2x24(s, c)
				base = append(base, out[3])
				ext = append(ext, oc[1])
			}
		}
		prog, err := b.Compile()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := prog.Execute(nil, w); err != nil {
			if errors.Is(err, ErrAssertion) || errors.Is(err, ErrInverseZero) || errors.Is(err, ErrNotBoolean) {
				t.Log(err)
				return
			}
			t.Fatal(err)
		}
		if err := (statement{prog, nil, w}).proveAndVerify(t, nil, nil); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzProofWitness decodes a child proof from the input and runs the verifier program of the
// test AIR's shape on it: ProofWitness either refuses the proof's shape (ErrShape) or lists a
// witness that the program executes or refuses with a typed error, never a panic; and the program
// accepts only proofs that stark.Verify accepts.
func FuzzProofWitness(f *testing.F) {
	vk, proof, public := childProof(f, 4)
	s := shapeOf(vk, proof)
	prog, _ := verifierProgram(f, s, proof, false)
	enc, err := proof.MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(enc)
	f.Add(enc[:len(enc)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := stark.DecodeProof(data)
		if err != nil {
			return
		}
		w, err := ProofWitness(s, p)
		if err != nil {
			if !errors.Is(err, ErrShape) {
				t.Fatalf("ProofWitness: %v", err)
			}
			return
		}
		_, err = prog.Execute(public, w)
		verr := stark.Verify(vk, p, public, stark.VerifierConfig{})
		switch {
		case err == nil && verr != nil:
			t.Fatalf("the program accepts a proof stark.Verify refuses: %v", verr)
		case err != nil && !rejected(err):
			t.Fatalf("Execute: %v", err)
		case err != nil && verr == nil:
			t.Fatalf("the program refuses a proof stark.Verify accepts: %v", err)
		}
	})
}
