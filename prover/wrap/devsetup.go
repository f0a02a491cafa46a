package wrap

import (
	"fmt"
	"math/big"
	"runtime"
	"sync"
	"sync/atomic"

	curve "github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/fft"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/pedersen"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
	"github.com/consensys/gnark/constraint"
	cs "github.com/consensys/gnark/constraint/bn254"
)

// DevSeed is the one public seed of every dev setup in this project (tests, the devnet, the
// Groth16 command). Anyone can recompute the toxic waste from it, so keys made from it prove
// nothing: they are SetupDev keys, refused wherever dev mode is refused. Changing it changes every
// dev verifying key (and TestDevSetupGolden's digest).
const DevSeed = "zkexex insecure dev setup v1"

// devSetupDST separates this derivation's hash-to-field from every other use of SHA-256.
const devSetupDST = "zkexex/prover/wrap: Groth16 dev setup toxic waste v1"

// DevSetup returns INSECURE keys for ccs, derived from DevSeed (see SeededSetup).
func DevSetup(ccs *cs.R1CS) (*Keys, error) { return SeededSetup(ccs, []byte(DevSeed)) }

// SeededSetup returns INSECURE Groth16 keys for ccs whose toxic waste is derived from seed alone:
// the same circuit and seed give byte-identical keys on every machine, so a dev verifier
// deployed from one machine accepts proofs made on another. The keys have gnark's layout (the
// fields of groth16bn254.ProvingKey and VerifyingKey that gnark's prover and verifier read), so
// gnark proves and verifies with them unchanged.
//
// Circuits with Pedersen commitments (gnark's lookups and range checks) are supported: the
// commitment keys' G2 point and σ come from the seed too. The wrap circuit itself has none.
func SeededSetup(ccs *cs.R1CS, seed []byte) (*Keys, error) {
	digest, err := DigestCircuit(ccs)
	if err != nil {
		return nil, err
	}
	pk, vk, err := seededKeys(ccs, seed)
	if err != nil {
		return nil, err
	}
	return keysOf(SetupDev, digest, pk, vk)
}

// trapdoor is the toxic waste of a setup: τ the evaluation point, α, β, γ, δ the Groth16
// blinders, and for Pedersen commitment i the G2 point [ρ]₂ and σᵢ.
type trapdoor struct {
	tau, alpha, beta, gamma, delta fr.Element
	rho                            fr.Element
	sigma                          []fr.Element
}

// deriveTrapdoor expands seed into the trapdoor, one labelled hash-to-field per value
// (RFC 9380's expand_message_xmd with SHA-256 through fr.Hash), so that adding a value never
// changes the others. A value that is zero, or a τ in the FFT domain (Z(τ) = 0, where the
// Lagrange basis is undefined), is drawn again under the next counter: for any fixed seed this
// happens with probability about n/r, and never for DevSeed.
func deriveTrapdoor(seed []byte, n uint64, nbCommitments int) (trapdoor, error) {
	var td trapdoor
	var err error
	draw := func(label string, reject func(*fr.Element) bool) (fr.Element, error) {
		for ctr := 0; ctr < 256; ctr++ {
			msg := make([]byte, 0, len(label)+2+len(seed))
			msg = append(msg, label...)
			msg = append(msg, 0, byte(ctr))
			msg = append(msg, seed...)
			e, err := fr.Hash(msg, []byte(devSetupDST), 1)
			if err != nil {
				return fr.Element{}, fmt.Errorf("wrap: dev setup: deriving %s: %w", label, err)
			}
			if !e[0].IsZero() && (reject == nil || !reject(&e[0])) {
				return e[0], nil
			}
		}
		return fr.Element{}, fmt.Errorf("wrap: dev setup: no valid %s from this seed", label)
	}
	inDomain := func(t *fr.Element) bool {
		var tn fr.Element
		tn.Exp(*t, new(big.Int).SetUint64(n))
		return tn.IsOne()
	}
	for _, v := range []struct {
		label  string
		dst    *fr.Element
		reject func(*fr.Element) bool
	}{
		{"tau", &td.tau, inDomain},
		{"alpha", &td.alpha, nil},
		{"beta", &td.beta, nil},
		{"gamma", &td.gamma, nil},
		{"delta", &td.delta, nil},
		{"pedersen-g2", &td.rho, nil},
	} {
		if *v.dst, err = draw(v.label, v.reject); err != nil {
			return td, err
		}
	}
	td.sigma = make([]fr.Element, nbCommitments)
	for i := range td.sigma {
		if td.sigma[i], err = draw(fmt.Sprintf("pedersen-sigma-%d", i), nil); err != nil {
			return td, err
		}
	}
	return td, nil
}

// setupWires sorts the circuit's wires into the four places a K point can go: the verifying key
// (public wires, the constant-one wire first, then the commitment wires, which the verifier
// recomputes from the proof and so treats as public), the commitment keys (private wires that a
// commitment commits to), and the proving key (all other private wires, in wire order: gnark's
// prover drops the committed and commitment wires from the witness the same way).
type setupWires struct {
	nbWires, nbPublic int
	commitments       constraint.Groth16Commitments
	private           []int // wires of the proving key's K, ascending
}

func setupWiresOf(ccs *cs.R1CS) (*setupWires, error) {
	l := &setupWires{
		nbWires:  ccs.NbInternalVariables + ccs.GetNbPublicVariables() + ccs.GetNbSecretVariables(),
		nbPublic: ccs.GetNbPublicVariables(),
	}
	var ok bool
	if l.commitments, ok = ccs.CommitmentInfo.(constraint.Groth16Commitments); !ok {
		return nil, fmt.Errorf("%w: commitment info %T, want Groth16 commitments", ErrCircuit, ccs.CommitmentInfo)
	}
	taken := make([]bool, l.nbWires)
	take := func(w int) error {
		if w < l.nbPublic || w >= l.nbWires || taken[w] {
			return fmt.Errorf("%w: commitment wire %d out of range or committed twice", ErrCircuit, w)
		}
		taken[w] = true
		return nil
	}
	for _, c := range l.commitments {
		if err := take(c.CommitmentIndex); err != nil {
			return nil, err
		}
		for _, w := range c.PrivateCommitted {
			if err := take(w); err != nil {
				return nil, err
			}
		}
	}
	l.private = make([]int, 0, l.nbWires-l.nbPublic)
	for w := l.nbPublic; w < l.nbWires; w++ {
		if !taken[w] {
			l.private = append(l.private, w)
		}
	}
	return l, nil
}

// seededKeys computes the keys in three steps: the QAP's polynomials evaluated at τ, wire by
// wire (uᵢ(τ), vᵢ(τ), wᵢ(τ): gnark's A, B, C); the scalars of every key point from them and the
// trapdoor; and the points, by fixed-base multiplication of the generators.
func seededKeys(ccs *cs.R1CS, seed []byte) (*groth16bn254.ProvingKey, *groth16bn254.VerifyingKey, error) {
	l, err := setupWiresOf(ccs)
	if err != nil {
		return nil, nil, err
	}
	domain := fft.NewDomain(uint64(ccs.GetNbConstraints()))
	n := domain.Cardinality
	td, err := deriveTrapdoor(seed, n, len(l.commitments))
	if err != nil {
		return nil, nil, err
	}
	var zTau fr.Element // Z(τ) = τⁿ − 1, the vanishing polynomial of the domain
	zTau.Exp(td.tau, new(big.Int).SetUint64(n))
	one := fr.One()
	zTau.Sub(&zTau, &one)

	u, v, w := qapAt(ccs, domain, &td.tau, &zTau, l.nbWires)

	// kᵢ = β·uᵢ(τ) + α·vᵢ(τ) + wᵢ(τ), over γ for public and committed wires, over δ for the rest.
	var gammaInv, deltaInv fr.Element
	gammaInv.Inverse(&td.gamma)
	deltaInv.Inverse(&td.delta)
	k := w
	parallelChunks(len(k), 1<<14, func(lo, hi int) {
		var t fr.Element
		for i := lo; i < hi; i++ {
			k[i].Add(&k[i], t.Mul(&u[i], &td.beta))
			k[i].Add(&k[i], t.Mul(&v[i], &td.alpha))
		}
	})
	pick := func(wires []int, scale *fr.Element) []fr.Element {
		s := make([]fr.Element, len(wires))
		parallelChunks(len(s), 1<<14, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				s[i].Mul(&k[wires[i]], scale)
			}
		})
		return s
	}
	public := make([]int, 0, l.nbPublic+len(l.commitments))
	for i := range l.nbPublic {
		public = append(public, i)
	}
	public = append(public, l.commitments.CommitmentIndexes()...)
	vkK := pick(public, &gammaInv)
	pkK := pick(l.private, &deltaInv)
	ckK := make([][]fr.Element, len(l.commitments))
	ckKSigma := make([][]fr.Element, len(l.commitments))
	for i, c := range l.commitments {
		ckK[i] = pick(c.PrivateCommitted, &gammaInv)
		ckKSigma[i] = make([]fr.Element, len(ckK[i]))
		for j := range ckK[i] {
			ckKSigma[i][j].Mul(&ckK[i][j], &td.sigma[i])
		}
	}

	// The prover's quotient h comes out of its inverse FFT in bit-reversed order, of degree at
	// most n−2: the key holds [τ^rev(i)·Z(τ)/δ]₁ for i < n−1, so that the MSM pairs hᵢ with it.
	z := tauPowers(&td.tau, int(n))
	var zOverDelta fr.Element
	zOverDelta.Mul(&zTau, &deltaInv)
	parallelChunks(len(z), 1<<14, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			z[i].Mul(&z[i], &zOverDelta)
		}
	})
	fft.BitReverse(z)
	z = z[:n-1]

	// A wire with uᵢ(τ) = 0 (in no constraint's left side) would contribute the point at infinity:
	// the key leaves it out and marks it, and the prover skips its value.
	infA, aNZ := splitZero(u)
	infB, bNZ := splitZero(v)

	var nbG1 int
	for _, s := range [][]fr.Element{aNZ, bNZ, z, vkK, pkK} {
		nbG1 += len(s)
	}
	for i := range ckK {
		nbG1 += 2 * len(ckK[i])
	}
	_, _, g1Gen, g2Gen := curve.Generators()
	g1 := newFixedBase[curve.G1Affine, curve.G1Jac](&g1Gen, nbG1+3, curve.BatchJacobianToAffineG1)
	g2 := newFixedBase[curve.G2Affine, curve.G2Jac](&g2Gen, len(bNZ)+4+len(l.commitments), batchJacobianToAffineG2)

	pk := new(groth16bn254.ProvingKey)
	vk := new(groth16bn254.VerifyingKey)
	pk.Domain = *domain
	g1Blind := g1.mul([]fr.Element{td.alpha, td.beta, td.delta})
	pk.G1.Alpha, pk.G1.Beta, pk.G1.Delta = g1Blind[0], g1Blind[1], g1Blind[2]
	pk.G1.A = g1.mul(aNZ)
	pk.G1.B = g1.mul(bNZ)
	pk.G1.Z = g1.mul(z)
	pk.G1.K = g1.mul(pkK)
	vk.G1.K = g1.mul(vkK)
	pk.G2.B = g2.mul(bNZ)
	g2Blind := g2.mul([]fr.Element{td.beta, td.delta, td.gamma})
	pk.G2.Beta, pk.G2.Delta = g2Blind[0], g2Blind[1]
	pk.InfinityA, pk.InfinityB = infA, infB
	pk.NbInfinityA = uint64(l.nbWires - len(aNZ))
	pk.NbInfinityB = uint64(l.nbWires - len(bNZ))

	vk.G1.Alpha, vk.G1.Beta, vk.G1.Delta = pk.G1.Alpha, pk.G1.Beta, pk.G1.Delta
	vk.G2.Beta, vk.G2.Delta, vk.G2.Gamma = g2Blind[0], g2Blind[1], g2Blind[2]

	// Pedersen commitment i: basis [ckKᵢ]₁, basis·σᵢ, and in G2 the point G = [ρ]₂ shared by all
	// commitments (gnark's batch check of the knowledge proofs needs one G) with G·(−σᵢ).
	if len(l.commitments) > 0 {
		g2Ped := make([]fr.Element, 1+len(l.commitments))
		g2Ped[0] = td.rho
		for i := range l.commitments {
			g2Ped[1+i].Mul(&td.rho, &td.sigma[i]).Neg(&g2Ped[1+i])
		}
		g2PedPts := g2.mul(g2Ped)
		pk.CommitmentKeys = make([]pedersen.ProvingKey, len(l.commitments))
		vk.CommitmentKeys = make([]pedersen.VerifyingKey, len(l.commitments))
		for i := range l.commitments {
			pk.CommitmentKeys[i].Basis = g1.mul(ckK[i])
			pk.CommitmentKeys[i].BasisExpSigma = g1.mul(ckKSigma[i])
			vk.CommitmentKeys[i] = pedersen.VerifyingKey{G: g2PedPts[0], GSigmaNeg: g2PedPts[1+i]}
		}
	}
	vk.PublicAndCommitmentCommitted = l.commitments.GetPublicAndCommitmentCommitted(l.commitments.CommitmentIndexes(), l.nbPublic)
	return pk, vk, nil
}

// qapAt returns uᵢ(τ), vᵢ(τ), wᵢ(τ) for every wire i: the sums, over the constraints j in which
// the wire appears on the left, right or output side with coefficient c, of c·Lⱼ(τ), where Lⱼ is
// the Lagrange polynomial of the j-th point of the domain.
func qapAt(ccs *cs.R1CS, domain *fft.Domain, tau, zTau *fr.Element, nbWires int) (u, v, w []fr.Element) {
	lag := lagrangeAt(domain, tau, zTau, ccs.GetNbConstraints())
	u = make([]fr.Element, nbWires)
	v = make([]fr.Element, nbWires)
	w = make([]fr.Element, nbWires)
	coeffs := ccs.Coefficients
	add := func(dst []fr.Element, terms []constraint.Term, l *fr.Element) {
		for _, t := range terms {
			d := &dst[t.WireID()]
			switch t.CoeffID() {
			case constraint.CoeffIdZero:
			case constraint.CoeffIdOne:
				d.Add(d, l)
			case constraint.CoeffIdMinusOne:
				d.Sub(d, l)
			default:
				var p fr.Element
				d.Add(d, p.Mul(&coeffs[t.CoeffID()], l))
			}
		}
	}
	it := ccs.GetR1CIterator()
	for j, c := 0, it.Next(); c != nil; j, c = j+1, it.Next() {
		add(u, c.L, &lag[j])
		add(v, c.R, &lag[j])
		add(w, c.O, &lag[j])
	}
	return u, v, w
}

// lagrangeAt returns Lⱼ(τ) = ωʲ·Z(τ) / (n·(τ − ωʲ)) for the first m points ωʲ of the domain.
func lagrangeAt(domain *fft.Domain, tau, zTau *fr.Element, m int) []fr.Element {
	out := make([]fr.Element, m)
	var c fr.Element
	c.Mul(zTau, &domain.CardinalityInv)
	parallelChunks(m, 1<<14, func(lo, hi int) {
		den := make([]fr.Element, hi-lo)
		var wj fr.Element
		wj.Exp(domain.Generator, big.NewInt(int64(lo)))
		for j := range den {
			out[lo+j].Mul(&wj, &c)
			den[j].Sub(tau, &wj)
			wj.Mul(&wj, &domain.Generator)
		}
		inv := fr.BatchInvert(den)
		for j := range inv {
			out[lo+j].Mul(&out[lo+j], &inv[j])
		}
	})
	return out
}

// tauPowers returns 1, x, …, x^(n−1).
func tauPowers(x *fr.Element, n int) []fr.Element {
	out := make([]fr.Element, n)
	parallelChunks(n, 1<<14, func(lo, hi int) {
		var p fr.Element
		p.Exp(*x, big.NewInt(int64(lo)))
		for i := lo; i < hi; i++ {
			out[i] = p
			p.Mul(&p, x)
		}
	})
	return out
}

// splitZero returns which of s are zero and the others, in order.
func splitZero(s []fr.Element) (zero []bool, nonZero []fr.Element) {
	zero = make([]bool, len(s))
	nonZero = make([]fr.Element, 0, len(s))
	for i := range s {
		if s[i].IsZero() {
			zero[i] = true
		} else {
			nonZero = append(nonZero, s[i])
		}
	}
	return zero, nonZero
}

// jacobianPoint and affinePoint are the operations fixedBase needs from gnark-crypto's G1 and
// G2 types.
type jacobianPoint[J, A any] interface {
	*J
	FromAffine(*A) *J
	AddMixed(*A) *J
	DoubleAssign() *J
}

type affinePoint[A any] interface {
	*A
	Neg(*A) *A
}

// fixedBase multiplies one point by many scalars with a comb of precomputed multiples: row j
// holds d·2^(c·j)·P for d = 1 … 2^(c−1), and a scalar, recoded into signed c-bit digits, costs
// one mixed addition per row and no doubling. gnark-crypto's BatchScalarMultiplication doubles
// 254 times a scalar instead, roughly ten times the work once the rows are built.
type fixedBase[A, J any, PA affinePoint[A], PJ jacobianPoint[J, A]] struct {
	c        uint  // digit width
	rows     [][]A // rows[j][d−1] = d·2^(c·j)·P
	toAffine func([]J) []A
}

// scalarBits is the number of bits a signed-digit recoding of a scalar below r < 2²⁵⁴ needs: one
// more than the scalar, for the last carry.
const scalarBits = fr.Bits + 1

// newFixedBase builds the rows for about count multiplications, with the digit width that
// minimises the rows' cost (⌈255/c⌉·2^(c−1) additions) plus the multiplications' (⌈255/c⌉ each),
// at most 16 bits (a 64 MiB table in G2).
func newFixedBase[A, J any, PA affinePoint[A], PJ jacobianPoint[J, A]](p *A, count int, toAffine func([]J) []A) *fixedBase[A, J, PA, PJ] {
	best, bestCost := uint(2), ^uint64(0)
	for c := uint(2); c <= 16; c++ {
		nbRows := uint64((scalarBits + c - 1) / c)
		if cost := nbRows<<(c-1) + nbRows*uint64(count); cost < bestCost {
			best, bestCost = c, cost
		}
	}
	return buildFixedBase[A, J, PA, PJ](p, best, toAffine)
}

// buildFixedBase builds the rows for digits of c bits.
func buildFixedBase[A, J any, PA affinePoint[A], PJ jacobianPoint[J, A]](p *A, c uint, toAffine func([]J) []A) *fixedBase[A, J, PA, PJ] {
	f := &fixedBase[A, J, PA, PJ]{c: c, toAffine: toAffine}
	nbRows := (scalarBits + int(c) - 1) / int(c)
	bases := make([]J, nbRows) // 2^(c·j)·P
	PJ(&bases[0]).FromAffine(p)
	for j := 1; j < nbRows; j++ {
		bases[j] = bases[j-1]
		for range c {
			PJ(&bases[j]).DoubleAssign()
		}
	}
	basesAff := toAffine(bases)
	f.rows = make([][]A, nbRows)
	parallelChunks(nbRows, 1, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			row := make([]J, 1<<(c-1))
			PJ(&row[0]).FromAffine(&basesAff[j])
			for d := 1; d < len(row); d++ {
				row[d] = row[d-1]
				PJ(&row[d]).AddMixed(&basesAff[j])
			}
			f.rows[j] = toAffine(row)
		}
	})
	return f
}

// mul returns sᵢ·P for every scalar, in affine form ((0, 0) for a zero scalar).
func (f *fixedBase[A, J, PA, PJ]) mul(scalars []fr.Element) []A {
	out := make([]A, len(scalars))
	half := int64(1) << (f.c - 1)
	mask := uint64(1)<<f.c - 1
	parallelChunks(len(scalars), 1<<12, func(lo, hi int) {
		acc := make([]J, hi-lo)
		var neg A
		for i := lo; i < hi; i++ {
			bits := scalars[i].Bits()
			a := PJ(&acc[i-lo])
			carry := int64(0)
			for j := range f.rows {
				d := int64(digitBits(&bits, uint(j)*f.c, f.c, mask)) + carry
				carry = 0
				if d > half {
					d -= 2 * half
					carry = 1
				}
				switch {
				case d > 0:
					a.AddMixed(&f.rows[j][d-1])
				case d < 0:
					PA(&neg).Neg(&f.rows[j][-d-1])
					a.AddMixed(&neg)
				}
			}
		}
		copy(out[lo:hi], f.toAffine(acc))
	})
	return out
}

// digitBits returns the c bits of the little-endian limbs b from bit offset o on.
func digitBits(b *[4]uint64, o, c uint, mask uint64) uint64 {
	limb, shift := o/64, o%64
	if limb >= 4 {
		return 0
	}
	x := b[limb] >> shift
	if shift+c > 64 && limb+1 < 4 {
		x |= b[limb+1] << (64 - shift)
	}
	return x & mask
}

// batchJacobianToAffineG2 converts points to affine form with one field inversion (Montgomery's
// trick), which gnark-crypto has for G1 only; the point at infinity becomes (0, 0).
func batchJacobianToAffineG2(points []curve.G2Jac) []curve.G2Affine {
	out := make([]curve.G2Affine, len(points))
	// prefix[i] = Z₀·…·Zᵢ₋₁ over the finite points, kept in out[i].X until the inverse is known.
	var acc curve.E2
	acc.SetOne()
	for i := range points {
		if points[i].Z.IsZero() {
			continue
		}
		out[i].X = acc
		acc.Mul(&acc, &points[i].Z)
	}
	acc.Inverse(&acc)
	for i := len(points) - 1; i >= 0; i-- {
		p := &points[i]
		if p.Z.IsZero() {
			continue
		}
		var zInv, zInv2 curve.E2
		zInv.Mul(&out[i].X, &acc) // 1/Zᵢ
		acc.Mul(&acc, &p.Z)
		zInv2.Square(&zInv)
		out[i].X.Mul(&p.X, &zInv2)
		out[i].Y.Mul(&p.Y, &zInv2).Mul(&out[i].Y, &zInv)
	}
	return out
}

// parallelChunks calls fn on consecutive ranges of [0, n) of at most chunk indices, on
// GOMAXPROCS goroutines.
func parallelChunks(n, chunk int, fn func(lo, hi int)) {
	nbChunks := (n + chunk - 1) / chunk
	workers := min(runtime.GOMAXPROCS(0), nbChunks)
	if workers <= 1 {
		for lo := 0; lo < n; lo += chunk {
			fn(lo, min(lo+chunk, n))
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= nbChunks {
					return
				}
				fn(i*chunk, min((i+1)*chunk, n))
			}
		}()
	}
	wg.Wait()
}
