package stark

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/zkexex/zkexex/prover/hash"
)

// Proof encoding (version 3), all integers little-endian u32, field elements as their canonical
// u32, extension elements as their four coordinates (extFromCoeffs order), digests as 32 bytes
// (KoalaBear: eight canonical u32; BN254: the canonical big-endian element). The version word
// carries the hash configuration in its high 16 bits (0 for KoalaBear, so its encoding is the one
// from before the package was generic; 1 for BN254): a decoder refuses another configuration's
// proof with ErrConfig.
//
//	magic "ZKXS" | version | params (log blowup, queries, PoW bits, log final len, LogUp PoW bits)
//	| T | T log heights | main root | LogUp PoW nonce | perm root | quot root | T LogUp sums
//	| T × 2 points × (pre, main, perm, quot): count, values
//	| FRI proof | Q | Q × 4 input openings
//
// A FRI proof (also encoded alone by FRIProof.MarshalBinary) is:
//
//	R | R roots | final count, coefficients | PoW nonce | Q | Q × (S, S step openings)
//
// An opening is: row count, each row (count, elements), path length, digests.
// Encoding is deterministic; decoding rejects non-canonical elements, trailing bytes and lengths
// that the remaining input cannot hold.

var proofMagic = [4]byte{'Z', 'K', 'X', 'S'}

// ErrDecode is wrapped by every decoding failure.
var ErrDecode = errors.New("stark: malformed proof encoding")

type encoder[D Digest] struct {
	b   []byte
	cfg scheme[D]
}

func (e *encoder[D]) u32(v uint32) { e.b = binary.LittleEndian.AppendUint32(e.b, v) }
func (e *encoder[D]) f(x F)        { e.u32(uint32(x.Uint64())) }
func (e *encoder[D]) ext(x E) {
	for _, c := range extCoeffs(&x) {
		e.f(c)
	}
}
func (e *encoder[D]) digest(d D) { e.b = e.cfg.appendDigest(e.b, d) }
func (e *encoder[D]) exts(xs []E) {
	e.u32(uint32(len(xs)))
	for _, x := range xs {
		e.ext(x)
	}
}
func (e *encoder[D]) opening(o *BatchOpeningOf[D]) {
	e.u32(uint32(len(o.Rows)))
	for _, r := range o.Rows {
		e.u32(uint32(len(r)))
		for _, x := range r {
			e.f(x)
		}
	}
	e.u32(uint32(len(o.Path)))
	for _, d := range o.Path {
		e.digest(d)
	}
}

// MarshalBinary encodes the proof.
func (p *ProofOf[D]) MarshalBinary() ([]byte, error) {
	e := &encoder[D]{cfg: configOf[D]()}
	e.b = append(e.b, proofMagic[:]...)
	e.u32(ProofVersion | e.cfg.id()<<16)
	e.u32(uint32(p.Params.LogBlowup))
	e.u32(uint32(p.Params.NumQueries))
	e.u32(uint32(p.Params.PoWBits))
	e.u32(uint32(p.Params.LogFinalPolyLen))
	e.u32(uint32(p.Params.LogUpPoWBits))
	e.u32(uint32(len(p.LogHeights)))
	for _, h := range p.LogHeights {
		e.u32(uint32(h))
	}
	e.digest(p.MainRoot)
	e.u32(p.LogUpPoWNonce)
	e.digest(p.PermRoot)
	e.digest(p.QuotRoot)
	e.exts(p.LogUpSums)
	e.u32(uint32(len(p.Openings)))
	for i := range p.Openings {
		o := &p.Openings[i]
		for pt := 0; pt < 2; pt++ {
			e.exts(o.Pre[pt])
			e.exts(o.Main[pt])
			e.exts(o.Perm[pt])
			e.exts(o.Quot[pt])
		}
	}
	e.fri(&p.FRI)
	e.u32(uint32(len(p.Queries)))
	for i := range p.Queries {
		for r := range p.Queries[i].Inputs {
			e.opening(&p.Queries[i].Inputs[r])
		}
	}
	return e.b, nil
}

func (e *encoder[D]) fri(p *FRIProofOf[D]) {
	e.u32(uint32(len(p.Roots)))
	for _, d := range p.Roots {
		e.digest(d)
	}
	e.exts(p.FinalPoly)
	e.u32(p.PoWNonce)
	e.u32(uint32(len(p.Queries)))
	for i := range p.Queries {
		q := &p.Queries[i]
		e.u32(uint32(len(q.Steps)))
		for s := range q.Steps {
			e.opening(&q.Steps[s])
		}
	}
}

// MarshalBinary encodes a FRI proof on its own.
func (p *FRIProofOf[D]) MarshalBinary() ([]byte, error) {
	e := &encoder[D]{cfg: configOf[D]()}
	e.fri(p)
	return e.b, nil
}

// Size is the length of the proof's encoding in bytes.
func (p *ProofOf[D]) Size() int {
	b, _ := p.MarshalBinary()
	return len(b)
}

type decoder[D Digest] struct {
	b   []byte
	err error
	cfg scheme[D]
}

func (d *decoder[D]) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrDecode, fmt.Sprintf(format, args...))
	}
}

func (d *decoder[D]) u32() uint32 {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 4 {
		d.fail("truncated")
		return 0
	}
	v := binary.LittleEndian.Uint32(d.b)
	d.b = d.b[4:]
	return v
}

// small reads a u32 that must be at most lim.
func (d *decoder[D]) small(lim uint32, what string) int {
	v := d.u32()
	if v > lim {
		d.fail("%s %d exceeds %d", what, v, lim)
		return 0
	}
	return int(v)
}

// count reads a length whose items take at least itemBytes each, bounded by what is left.
func (d *decoder[D]) count(itemBytes int, what string) int {
	v := d.u32()
	if d.err == nil && uint64(v)*uint64(itemBytes) > uint64(len(d.b)) {
		d.fail("%s count %d larger than the input", what, v)
		return 0
	}
	return int(v)
}

func (d *decoder[D]) f() F {
	v := d.u32()
	var x F
	if v >= modulus {
		d.fail("non-canonical field element")
		return x
	}
	x.SetUint64(uint64(v))
	return x
}

func (d *decoder[D]) ext() E {
	a, b, c, e := d.f(), d.f(), d.f(), d.f()
	return extFromCoeffs(a, b, c, e)
}

func (d *decoder[D]) exts() []E {
	n := d.count(16, "extension vector")
	out := make([]E, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		out = append(out, d.ext())
	}
	return out
}

func (d *decoder[D]) digest() D {
	var zero D
	if d.err != nil {
		return zero
	}
	n := d.cfg.digestSize()
	if len(d.b) < n {
		d.fail("truncated digest")
		return zero
	}
	dg, err := d.cfg.digestFromBytes(d.b[:n])
	if err != nil {
		d.fail("digest: %v", err)
	}
	d.b = d.b[n:]
	return dg
}

func (d *decoder[D]) opening() BatchOpeningOf[D] {
	var o BatchOpeningOf[D]
	rows := d.count(4, "rows")
	for i := 0; i < rows && d.err == nil; i++ {
		w := d.count(4, "row width")
		r := make([]F, 0, w)
		for j := 0; j < w && d.err == nil; j++ {
			r = append(r, d.f())
		}
		o.Rows = append(o.Rows, r)
	}
	pl := d.count(32, "path")
	for i := 0; i < pl && d.err == nil; i++ {
		o.Path = append(o.Path, d.digest())
	}
	return o
}

// UnmarshalBinary decodes a proof. It never panics; structural validity against a statement is
// the verifier's job.
func (p *ProofOf[D]) UnmarshalBinary(b []byte) error {
	d := &decoder[D]{b: b, cfg: configOf[D]()}
	if len(b) < 4 || [4]byte(b[:4]) != proofMagic {
		return fmt.Errorf("%w: bad magic", ErrDecode)
	}
	d.b = d.b[4:]
	if v := d.u32(); d.err == nil {
		if v&0xffff != ProofVersion {
			return fmt.Errorf("%w: version %d, want %d", ErrDecode, v&0xffff, ProofVersion)
		}
		if c := v >> 16; c != d.cfg.id() {
			return fmt.Errorf("%w: %w: configuration %d, decoder of %s", ErrDecode, ErrConfig, c, d.cfg.name())
		}
	}
	var q ProofOf[D]
	q.Params.LogBlowup = d.small(maxLogBlowup, "log blowup")
	q.Params.NumQueries = d.small(maxQueries, "queries")
	q.Params.PoWBits = d.small(maxPoWBits, "PoW bits")
	q.Params.LogFinalPolyLen = d.small(maxLogFinalPolyLen, "log final length")
	q.Params.LogUpPoWBits = d.small(maxPoWBits, "LogUp PoW bits")
	nt := d.count(4, "tables")
	for i := 0; i < nt && d.err == nil; i++ {
		q.LogHeights = append(q.LogHeights, d.small(maxTwoAdicity, "log height"))
	}
	q.MainRoot = d.digest()
	q.LogUpPoWNonce = d.u32()
	q.PermRoot, q.QuotRoot = d.digest(), d.digest()
	q.LogUpSums = d.exts()
	no := d.count(32, "openings")
	for i := 0; i < no && d.err == nil; i++ {
		var o TableOpening
		for pt := 0; pt < 2; pt++ {
			o.Pre[pt], o.Main[pt], o.Perm[pt], o.Quot[pt] = d.exts(), d.exts(), d.exts(), d.exts()
		}
		q.Openings = append(q.Openings, o)
	}
	q.FRI = d.fri()
	nq := d.count(4*numInputRounds, "queries")
	for i := 0; i < nq && d.err == nil; i++ {
		var qp QueryProofOf[D]
		for r := range qp.Inputs {
			qp.Inputs[r] = d.opening()
		}
		q.Queries = append(q.Queries, qp)
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail("%d trailing bytes", len(d.b))
	}
	if d.err != nil {
		return d.err
	}
	*p = q
	return nil
}

func (d *decoder[D]) fri() FRIProofOf[D] {
	var p FRIProofOf[D]
	nr := d.count(32, "FRI roots")
	for i := 0; i < nr && d.err == nil; i++ {
		p.Roots = append(p.Roots, d.digest())
	}
	p.FinalPoly = d.exts()
	p.PoWNonce = d.u32()
	nq := d.count(4, "FRI queries")
	for i := 0; i < nq && d.err == nil; i++ {
		var fq FRIQueryOf[D]
		ns := d.count(8, "FRI steps")
		for s := 0; s < ns && d.err == nil; s++ {
			fq.Steps = append(fq.Steps, d.opening())
		}
		p.Queries = append(p.Queries, fq)
	}
	return p
}

// UnmarshalBinary decodes a FRI proof encoded alone. It never panics.
func (p *FRIProofOf[D]) UnmarshalBinary(b []byte) error {
	d := &decoder[D]{b: b, cfg: configOf[D]()}
	q := d.fri()
	if d.err == nil && len(d.b) != 0 {
		d.fail("%d trailing bytes", len(d.b))
	}
	if d.err != nil {
		return d.err
	}
	*p = q
	return nil
}

// DecodeProof decodes a proof of the default configuration.
func DecodeProof(b []byte) (*Proof, error) { return DecodeProofFor[hash.Digest](b) }

// DecodeProofFor decodes a proof of D's configuration. An encoding made under another
// configuration is refused with an error wrapping both ErrDecode and ErrConfig.
func DecodeProofFor[D Digest](b []byte) (*ProofOf[D], error) {
	p := new(ProofOf[D])
	if err := p.UnmarshalBinary(b); err != nil {
		return nil, err
	}
	return p, nil
}
