package wrap

import (
	"fmt"
	"math/big"
	"runtime"
	"sync"
	"sync/atomic"

	curve "github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fp"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/fft"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/pedersen"
	"github.com/consensys/gnark-crypto/utils"
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
//
// It is also faster than groth16.Setup, whose fixed-base multiplications double every scalar
// 254 times: on this project's 2-core machine, 7 to 10 times on the 80k-constraint binding
// circuit and 12 times on a 250k-constraint one, measured in the same run (BenchmarkDevSetup).
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

// deriveTrapdoor expands seed into the trapdoor, one labelled value at a time (seedScalar), so
// that adding a value never changes the others. τ must also lie outside the FFT domain of size n
// (Z(τ) ≠ 0, else the Lagrange basis at τ is undefined).
func deriveTrapdoor(seed []byte, n uint64, nbCommitments int) (trapdoor, error) {
	var td trapdoor
	var err error
	inDomain := func(t *fr.Element) bool { return vanishes(t, n) }
	if td.tau, err = seedScalar(seed, "tau", inDomain); err != nil {
		return td, err
	}
	if td.alpha, td.beta, td.gamma, td.delta, err = seedBlinders(seed); err != nil {
		return td, err
	}
	if td.rho, err = seedScalar(seed, "pedersen-g2", nil); err != nil {
		return td, err
	}
	td.sigma = make([]fr.Element, nbCommitments)
	for i := range td.sigma {
		if td.sigma[i], err = seedScalar(seed, fmt.Sprintf("pedersen-sigma-%d", i), nil); err != nil {
			return td, err
		}
	}
	return td, nil
}

// vanishes reports whether tⁿ = 1: t is a point of the FFT domain of size n.
func vanishes(t *fr.Element, n uint64) bool {
	var tn fr.Element
	tn.Exp(*t, new(big.Int).SetUint64(n))
	return tn.IsOne()
}

func seedBlinders(seed []byte) (alpha, beta, gamma, delta fr.Element, err error) {
	for _, v := range []struct {
		label string
		dst   *fr.Element
	}{{"alpha", &alpha}, {"beta", &beta}, {"gamma", &gamma}, {"delta", &delta}} {
		if *v.dst, err = seedScalar(seed, v.label, nil); err != nil {
			return
		}
	}
	return
}

// seedScalar derives the value named label from seed: RFC 9380's hash_to_field
// (expand_message_xmd with SHA-256, through fr.Hash) of label ‖ 0 ‖ counter ‖ seed, the counter
// from 0 up until the value is neither zero nor rejected. For a fixed seed a retry happens with
// probability about (domain size)/r, and never for DevSeed.
func seedScalar(seed []byte, label string, reject func(*fr.Element) bool) (fr.Element, error) {
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

// seededBy reports whether vk's blinders [α]₁, [β]₂, [γ]₂, [δ]₂ are those SeededSetup derives
// from seed. It tells keys of this dev setup from those of an earlier, random one (or another
// seed) in four scalar multiplications.
func seededBy(vk *groth16bn254.VerifyingKey, seed []byte) (bool, error) {
	alpha, beta, gamma, delta, err := seedBlinders(seed)
	if err != nil {
		return false, err
	}
	_, _, g1, g2 := curve.Generators()
	var b big.Int
	var p1 curve.G1Affine
	if !p1.ScalarMultiplication(&g1, alpha.BigInt(&b)).Equal(&vk.G1.Alpha) {
		return false, nil
	}
	for _, v := range []struct {
		s    *fr.Element
		want *curve.G2Affine
	}{{&beta, &vk.G2.Beta}, {&gamma, &vk.G2.Gamma}, {&delta, &vk.G2.Delta}} {
		var p2 curve.G2Affine
		if !p2.ScalarMultiplication(&g2, v.s.BigInt(&b)).Equal(v.want) {
			return false, nil
		}
	}
	return true, nil
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

// seededKeys computes the keys in two steps: the discrete logarithm of every key point
// (keyScalarsOf), then the points, by fixed-base multiplication of the generators.
func seededKeys(ccs *cs.R1CS, seed []byte) (*groth16bn254.ProvingKey, *groth16bn254.VerifyingKey, error) {
	l, err := setupWiresOf(ccs)
	if err != nil {
		return nil, nil, err
	}
	domain := fft.NewDomain(uint64(ccs.GetNbConstraints()))
	td, err := deriveTrapdoor(seed, domain.Cardinality, len(l.commitments))
	if err != nil {
		return nil, nil, err
	}
	s, err := keyScalarsOf(ccs, l, domain, &td)
	if err != nil {
		return nil, nil, err
	}

	var nbG1 int
	for _, x := range [][]fr.Element{s.a, s.b, s.z, s.vkK, s.pkK} {
		nbG1 += len(x)
	}
	for i := range s.ck {
		nbG1 += 2 * len(s.ck[i])
	}
	g1 := newFixedBaseG1(nbG1 + 3)
	g2 := newFixedBaseG2(len(s.b) + 4 + len(l.commitments))

	pk := new(groth16bn254.ProvingKey)
	vk := new(groth16bn254.VerifyingKey)
	pk.Domain = *domain
	g1Blind := g1.mul([]fr.Element{td.alpha, td.beta, td.delta})
	pk.G1.Alpha, pk.G1.Beta, pk.G1.Delta = g1Blind[0], g1Blind[1], g1Blind[2]
	// Each scalar slice is dropped once its points exist: at the wrap circuit's size they are
	// hundreds of megabytes each.
	pk.G1.A, s.a = g1.mul(s.a), nil
	pk.G1.B = g1.mul(s.b)
	pk.G2.B, s.b = g2.mul(s.b), nil
	pk.G1.Z, s.z = g1.mul(s.z), nil
	pk.G1.K, s.pkK = g1.mul(s.pkK), nil
	vk.G1.K = g1.mul(s.vkK)
	g2Blind := g2.mul([]fr.Element{td.beta, td.delta, td.gamma})
	pk.G2.Beta, pk.G2.Delta = g2Blind[0], g2Blind[1]
	pk.InfinityA, pk.InfinityB = s.infA, s.infB
	pk.NbInfinityA = uint64(l.nbWires - len(pk.G1.A))
	pk.NbInfinityB = uint64(l.nbWires - len(pk.G1.B))

	vk.G1.Alpha, vk.G1.Beta, vk.G1.Delta = pk.G1.Alpha, pk.G1.Beta, pk.G1.Delta
	vk.G2.Beta, vk.G2.Delta, vk.G2.Gamma = g2Blind[0], g2Blind[1], g2Blind[2]

	// Pedersen commitment i: basis [ckᵢ]₁ and [σᵢ·ckᵢ]₁, and in G2 the point G = [ρ]₂ shared by
	// all commitments (gnark's batch check of the knowledge proofs needs one G) with [−σᵢ]G.
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
			pk.CommitmentKeys[i].Basis = g1.mul(s.ck[i])
			pk.CommitmentKeys[i].BasisExpSigma = g1.mul(s.ckSigma[i])
			vk.CommitmentKeys[i] = pedersen.VerifyingKey{G: g2PedPts[0], GSigmaNeg: g2PedPts[1+i]}
		}
	}
	vk.PublicAndCommitmentCommitted = l.commitments.GetPublicAndCommitmentCommitted(l.commitments.CommitmentIndexes(), l.nbPublic)
	return pk, vk, nil
}

// keyScalars are the discrete logarithms of the key points that depend on the circuit.
type keyScalars struct {
	a, b       []fr.Element // uᵢ(τ), vᵢ(τ) of the wires where they are not zero
	infA, infB []bool       // the wires where they are zero
	z          []fr.Element // τ^rev(i)·Z(τ)/δ, i < n − 1
	vkK, pkK   []fr.Element // kᵢ/γ of the verifying key's wires, kᵢ/δ of the proving key's
	ck         [][]fr.Element
	ckSigma    [][]fr.Element // σ·ck of each commitment
}

func keyScalarsOf(ccs *cs.R1CS, l *setupWires, domain *fft.Domain, td *trapdoor) (*keyScalars, error) {
	n := domain.Cardinality
	var zTau fr.Element // Z(τ) = τⁿ − 1, the vanishing polynomial of the domain
	zTau.Exp(td.tau, new(big.Int).SetUint64(n))
	one := fr.One()
	zTau.Sub(&zTau, &one)

	u, v, w, err := qapAt(ccs, domain, &td.tau, &zTau, l.nbWires)
	if err != nil {
		return nil, err
	}
	s := new(keyScalars)

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
		out := make([]fr.Element, len(wires))
		parallelChunks(len(out), 1<<14, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				out[i].Mul(&k[wires[i]], scale)
			}
		})
		return out
	}
	public := make([]int, 0, l.nbPublic+len(l.commitments))
	for i := range l.nbPublic {
		public = append(public, i)
	}
	public = append(public, l.commitments.CommitmentIndexes()...)
	s.vkK = pick(public, &gammaInv)
	s.pkK = pick(l.private, &deltaInv)
	s.ck = make([][]fr.Element, len(l.commitments))
	s.ckSigma = make([][]fr.Element, len(l.commitments))
	for i, c := range l.commitments {
		s.ck[i] = pick(c.PrivateCommitted, &gammaInv)
		s.ckSigma[i] = make([]fr.Element, len(s.ck[i]))
		for j := range s.ck[i] {
			s.ckSigma[i][j].Mul(&s.ck[i][j], &td.sigma[i])
		}
	}

	// The prover's quotient h comes out of its inverse FFT in bit-reversed order, of degree at
	// most n−2: the key holds [τ^rev(i)·Z(τ)/δ]₁ for i < n−1, so that the MSM pairs hᵢ with it.
	s.z = tauPowers(&td.tau, int(n))
	var zOverDelta fr.Element
	zOverDelta.Mul(&zTau, &deltaInv)
	parallelChunks(len(s.z), 1<<14, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			s.z[i].Mul(&s.z[i], &zOverDelta)
		}
	})
	utils.BitReverse(s.z)
	s.z = s.z[:n-1]

	// A wire with uᵢ(τ) = 0 (in no constraint's left side) would contribute the point at infinity:
	// the key leaves it out and marks it, and the prover skips its value.
	s.infA, s.a = splitZero(u)
	s.infB, s.b = splitZero(v)
	return s, nil
}

// qapAt returns uᵢ(τ), vᵢ(τ), wᵢ(τ) for every wire i: the sums, over the constraints j in which
// the wire appears on the left, right or output side with coefficient c, of c·Lⱼ(τ), where Lⱼ is
// the Lagrange polynomial of the j-th point of the domain.
func qapAt(ccs *cs.R1CS, domain *fft.Domain, tau, zTau *fr.Element, nbWires int) (u, v, w []fr.Element, err error) {
	lag := lagrangeAt(domain, tau, zTau, ccs.GetNbConstraints())
	u = make([]fr.Element, nbWires)
	v = make([]fr.Element, nbWires)
	w = make([]fr.Element, nbWires)
	coeffs := ccs.Coefficients
	// add adds c·l to dst[wire] for every term c·wire, false if a wire is out of range.
	add := func(dst []fr.Element, terms []constraint.Term, l *fr.Element) bool {
		for _, t := range terms {
			if int(t.WireID()) >= len(dst) {
				return false
			}
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
		return true
	}
	it := ccs.GetR1CIterator()
	j := 0
	for c := it.Next(); c != nil; c = it.Next() {
		if j == len(lag) {
			return nil, nil, nil, fmt.Errorf("%w: more R1C constraints than the %d it counts", ErrCircuit, len(lag))
		}
		if !add(u, c.L, &lag[j]) || !add(v, c.R, &lag[j]) || !add(w, c.O, &lag[j]) {
			return nil, nil, nil, fmt.Errorf("%w: constraint %d names a wire beyond the %d it counts", ErrCircuit, j, nbWires)
		}
		j++
	}
	return u, v, w, nil
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

// coordinate is the field operations the comb needs from the coordinates of G1 (fp.Element) and
// G2 (E2) points.
type coordinate[F any] interface {
	*F
	Add(x, y *F) *F
	Sub(x, y *F) *F
	Mul(x, y *F) *F
	Square(x *F) *F
	Double(x *F) *F
	Neg(x *F) *F
	Inverse(x *F) *F
	Equal(x *F) bool
	SetOne() *F
}

// xy is a finite affine point of a curve y² = x³ + b (both BN254 groups have this form).
type xy[F any] struct{ x, y F }

// addAffine sets *p[i] = *p[i] + q[i] for every i, with one field inversion for all of them
// (Montgomery's trick): about five multiplications and a squaring an addition, against eleven
// for a mixed Jacobian addition. Every p[i] and q[i] must have distinct x (neither equal nor
// opposite points); scratch must hold len(p) elements.
func addAffine[F any, PF coordinate[F]](p []*xy[F], q []xy[F], scratch []F) {
	var acc, dx, inv, lambda, t F
	PF(&acc).SetOne()
	for i := range p {
		scratch[i] = acc
		PF(&acc).Mul(&acc, PF(&dx).Sub(&q[i].x, &p[i].x))
	}
	PF(&acc).Inverse(&acc)
	for i := len(p) - 1; i >= 0; i-- {
		a, b := p[i], &q[i]
		PF(&dx).Sub(&b.x, &a.x)
		PF(&inv).Mul(&scratch[i], &acc) // 1/dxᵢ
		PF(&acc).Mul(&acc, &dx)
		PF(&lambda).Mul(PF(&t).Sub(&b.y, &a.y), &inv)
		PF(&t).Square(&lambda)
		PF(&t).Sub(&t, &a.x)
		PF(&t).Sub(&t, &b.x) // x₃ = λ² − x₁ − x₂
		PF(&a.x).Sub(&a.x, &t)
		PF(&a.y).Sub(PF(&a.x).Mul(&a.x, &lambda), &a.y) // y₃ = λ(x₁ − x₃) − y₁
		a.x = t
	}
}

// doubleAffine sets *p = 2·p with its own inversion: the comb meets a doubling only when a
// partial sum equals the multiple it adds, which is rare, and in the table's first entries.
func doubleAffine[F any, PF coordinate[F]](p *xy[F]) {
	var lambda, t, x3 F
	PF(&t).Double(&p.y)
	PF(&t).Inverse(&t)
	PF(&lambda).Square(&p.x)
	PF(&lambda).Add(PF(&x3).Double(&lambda), &lambda) // 3x²
	PF(&lambda).Mul(&lambda, &t)                      // λ = 3x² / 2y
	PF(&x3).Square(&lambda)
	PF(&x3).Sub(&x3, PF(&t).Double(&p.x)) // x₃ = λ² − 2x
	PF(&p.x).Sub(&p.x, &x3)
	PF(&p.y).Sub(PF(&p.x).Mul(&p.x, &lambda), &p.y)
	p.x = x3
}

// sumInto adds q to the partial sum *p (inf says p is the point at infinity), queueing the
// generic case on ps/qs for addAffine and settling the others at once.
func sumInto[F any, PF coordinate[F]](p *xy[F], inf *bool, q *xy[F], ps []*xy[F], qs []xy[F]) ([]*xy[F], []xy[F]) {
	switch {
	case *inf:
		*p, *inf = *q, false
	case !PF(&p.x).Equal(&q.x):
		ps, qs = append(ps, p), append(qs, *q)
	case PF(&p.y).Equal(&q.y):
		doubleAffine[F, PF](p)
	default: // p = −q
		*inf = true
	}
	return ps, qs
}

// fixedBase multiplies one point by many scalars with a comb of precomputed multiples: row j
// holds d·2^(c·j)·P for d = 1 … 2^(c−1), and a scalar, recoded into signed c-bit digits, costs
// one affine addition per row (batched: addAffine) and no doubling. gnark-crypto's
// BatchScalarMultiplication instead doubles 254 times a scalar in Jacobian coordinates.
type fixedBase[A, F any, PF coordinate[F]] struct {
	c       uint      // digit width
	rows    [][]xy[F] // rows[j][d−1] = d·2^(c·j)·P
	set     func(*A, *F, *F)
	scratch sync.Pool // of *combScratch[F]
}

// scalarBits is the number of bits a signed-digit recoding of a scalar below r < 2²⁵⁴ needs: one
// more than the scalar, for the last carry.
const scalarBits = fr.Bits + 1

func newFixedBaseG1(count int) *fixedBase[curve.G1Affine, fp.Element, *fp.Element] {
	_, _, g, _ := curve.Generators()
	return buildFixedBase[curve.G1Affine, fp.Element](xy[fp.Element]{g.X, g.Y}, combWidth(count), setG1)
}

func setG1(p *curve.G1Affine, x, y *fp.Element) { p.X, p.Y = *x, *y }

func setG2(p *curve.G2Affine, x, y *curve.E2) { p.X, p.Y = *x, *y }

func newFixedBaseG2(count int) *fixedBase[curve.G2Affine, curve.E2, *curve.E2] {
	_, _, _, g := curve.Generators()
	return buildFixedBase[curve.G2Affine, curve.E2](xy[curve.E2]{g.X, g.Y}, combWidth(count), setG2)
}

// combWidth is the digit width that minimises the cost of the rows (⌈255/c⌉·2^(c−1) additions)
// plus that of count multiplications (⌈255/c⌉ each), at most 16 bits (a 64 MiB table in G2).
func combWidth(count int) uint {
	best, bestCost := uint(2), ^uint64(0)
	for c := uint(2); c <= 16; c++ {
		nbRows := uint64((scalarBits + c - 1) / c)
		if cost := nbRows<<(c-1) + nbRows*uint64(count); cost < bestCost {
			best, bestCost = c, cost
		}
	}
	return best
}

// buildFixedBase builds the rows of p for digits of c bits. Row j's base is p doubled c·j times;
// its multiples come in rounds, round k adding the 2^k-th multiple to each of the first 2^k
// (all independent, so one batch), its first addition being a doubling.
func buildFixedBase[A, F any, PF coordinate[F]](p xy[F], c uint, set func(*A, *F, *F)) *fixedBase[A, F, PF] {
	nbRows := (scalarBits + int(c) - 1) / int(c)
	f := &fixedBase[A, F, PF]{c: c, set: set}
	f.scratch.New = func() any { return newCombScratch[F](nbRows) }
	half := 1 << (c - 1)
	f.rows = make([][]xy[F], nbRows)
	base := p
	for j := range f.rows {
		f.rows[j] = make([]xy[F], half)
		f.rows[j][0] = base
		for range c {
			doubleAffine[F, PF](&base)
		}
	}
	parallelChunks(nbRows, 1, func(lo, hi int) {
		scratch := make([]F, half/2)
		ps := make([]*xy[F], 0, half/2)
		qs := make([]xy[F], 0, half/2)
		for _, row := range f.rows[lo:hi] {
			for s := 1; s < half; s *= 2 {
				ps, qs = ps[:0], qs[:0]
				for i := 1; i <= s && i+s <= half; i++ {
					row[i+s-1] = row[i-1]
					if i == s {
						doubleAffine[F, PF](&row[i+s-1])
						continue
					}
					ps, qs = append(ps, &row[i+s-1]), append(qs, row[s-1])
				}
				addAffine[F, PF](ps, qs, scratch)
			}
		}
	})
	return f
}

// mul returns sᵢ·P for every scalar (the zero value, gnark's encoding of the point at infinity,
// for a zero scalar).
func (f *fixedBase[A, F, PF]) mul(scalars []fr.Element) []A {
	out := make([]A, len(scalars))
	parallelChunks(len(scalars), combBatch, func(lo, hi int) {
		w := f.scratch.Get().(*combScratch[F])
		defer f.scratch.Put(w)
		m := hi - lo
		f.digits(scalars[lo:hi], w.digits)
		acc, inf := w.acc[:m], w.inf[:m]
		for i := range inf {
			inf[i] = true
		}
		for j, row := range f.rows {
			ps, qs := w.ps[:0], w.qs[:0]
			for i, d := range w.digits[j*m : (j+1)*m] {
				switch {
				case d > 0:
					ps, qs = sumInto[F, PF](&acc[i], &inf[i], &row[d-1], ps, qs)
				case d < 0:
					w.neg.x = row[-d-1].x
					PF(&w.neg.y).Neg(&row[-d-1].y)
					ps, qs = sumInto[F, PF](&acc[i], &inf[i], &w.neg, ps, qs)
				}
			}
			addAffine[F, PF](ps, qs, w.inv)
		}
		for i := range acc {
			if !inf[i] {
				f.set(&out[lo+i], &acc[i].x, &acc[i].y)
			}
		}
	})
	return out
}

// combBatch is the number of multiplications that share a batched inversion: enough to make
// the inversion's cost per addition small, few enough to stay in cache.
const combBatch = 1 << 11

// combScratch is one worker's buffers for a batch of multiplications, reused across batches so
// that a large setup does not churn through garbage of the size of its keys.
type combScratch[F any] struct {
	digits []int32
	acc    []xy[F]
	inf    []bool
	inv    []F
	ps     []*xy[F]
	qs     []xy[F]
	neg    xy[F] // the negated table entry being added (sumInto copies it)
}

func newCombScratch[F any](nbRows int) *combScratch[F] {
	return &combScratch[F]{
		digits: make([]int32, combBatch*nbRows),
		acc:    make([]xy[F], combBatch),
		inf:    make([]bool, combBatch),
		inv:    make([]F, combBatch),
		ps:     make([]*xy[F], 0, combBatch),
		qs:     make([]xy[F], 0, combBatch),
	}
}

// digits recodes scalars into signed digits in (−2^(c−1), 2^(c−1)], row by row: out[j·m + i]
// is scalar i's digit of weight 2^(c·j), m = len(scalars).
func (f *fixedBase[A, F, PF]) digits(scalars []fr.Element, out []int32) {
	m := len(scalars)
	half := int64(1) << (f.c - 1)
	mask := uint64(1)<<f.c - 1
	for i := range scalars {
		bits := scalars[i].Bits()
		carry := int64(0)
		for j := range f.rows {
			d := int64(digitBits(&bits, uint(j)*f.c, f.c, mask)) + carry
			carry = 0
			if d > half {
				d -= 2 * half
				carry = 1
			}
			out[j*m+i] = int32(d)
		}
	}
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
