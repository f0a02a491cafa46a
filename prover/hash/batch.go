package hash

import (
	"fmt"
	"unsafe"
)

//go:generate go run asm_gen.go

// The batched forms below hash many independent inputs at once. Inside, states are kept as
// structures of arrays: word i of 16 states side by side, which is one 512-bit register per state
// word for the AVX-512 kernels (poseidon2_amd64.s). Every batched function returns exactly what its
// scalar counterpart returns for each input; only the speed differs.

// lanes is the number of states one kernel call carries.
const lanes = 16

// scalarBelow is the group size under which the scalar path is used. A kernel call costs the same
// for 1 lane as for 16: measured on Zen 5, 16 width-16 lanes take about 0.95 µs with AVX-512 and
// 2.4 µs with AVX2, one scalar permutation 1.25 µs. The portable set runs lane by lane and gains
// nothing from grouping, but it keeps the grouping code (staging, padding, tags) in use and tested
// where no assembly runs.
func scalarBelow() int {
	if kernel == avx512 {
		return 2
	}
	return 3
}

// kernelSet names an implementation of the 16-lane permutations.
type kernelSet int

const (
	portable kernelSet = iota // Go, one lane at a time
	avx2                      // two passes of 8 lanes, state in memory
	avx512                    // 16 lanes, state in registers
)

func (k kernelSet) String() string { return [...]string{"portable", "avx2", "avx512"}[k] }

// kernel selects the implementation in use: the best this build and CPU can run. Tests set it to
// each available one in turn (availableKernels) to check them against each other.
var kernel = bestKernel

// Structure-of-arrays blocks: [word][lane].
type (
	soa16 [16][lanes]uint32
	soa24 [24][lanes]uint32
)

// absorbChunk is how many rate blocks are staged per kernel call (16 KiB of scratch).
const absorbChunk = 16

var _ = [1]uint32(Element{}) // the kernels rely on Element being one Montgomery-form uint32

func permuteSoA16(s *soa16) {
	c16, _ := constants()
	switch kernel {
	case avx512:
		permute16AVX512((*[16][16]uint32)(s), &c16.keys[0])
		return
	case avx2:
		permute16AVX2((*[16][16]uint32)(s), &c16.keys[0])
		return
	}
	permuteLanes(s[:], c16)
}

func permuteSoA24(s *soa24) {
	_, c24 := constants()
	switch kernel {
	case avx512:
		permute24AVX512((*[24][16]uint32)(s), &c24.keys[0])
		return
	case avx2:
		permute24AVX2((*[24][16]uint32)(s), &c24.keys[0])
		return
	}
	permuteLanes(s[:], c24)
}

// permuteLanes is the portable path: each lane of a structure-of-arrays state in turn.
func permuteLanes(s [][lanes]uint32, c *roundConstants) {
	var st [24]uint32
	for l := range lanes {
		for i := range s {
			st[i] = s[i][l]
		}
		permuteScalar(st[:len(s)], c)
		for i := range s {
			s[i][l] = st[i]
		}
	}
}

// absorbSoA24 overwrites the rate of s with each block in turn and permutes, converting raw
// values (< 2^32) to Montgomery form first if toMont.
func absorbSoA24(s *soa24, blocks []soa16, toMont bool) {
	if len(blocks) == 0 {
		return
	}
	_, c24 := constants()
	mont := 0
	if toMont {
		mont = 1
	}
	switch kernel {
	case avx512:
		absorb24AVX512((*[24][16]uint32)(s), (*[16][16]uint32)(&blocks[0]), len(blocks), &c24.keys[0], mont)
		return
	case avx2:
		absorb24AVX2((*[24][16]uint32)(s), (*[16][16]uint32)(&blocks[0]), len(blocks), &c24.keys[0], mont)
		return
	}
	var st [24]uint32
	for l := range lanes {
		for i := range st {
			st[i] = s[i][l]
		}
		for b := range blocks {
			for i := range SpongeRate {
				v := blocks[b][i][l]
				if toMont {
					v = montMul(v, montR2)
				}
				st[i] = v
			}
			permuteScalar(st[:], c24)
		}
		for i := range st {
			s[i][l] = st[i]
		}
	}
}

func words(e []Element) []uint32 {
	if len(e) == 0 {
		return nil
	}
	return unsafe.Slice((*uint32)(unsafe.Pointer(&e[0])), len(e))
}

// Permute16Batch applies Permute16 to every state.
func Permute16Batch(states [][16]Element) {
	c16, _ := constants()
	var s soa16
	for lo := 0; lo < len(states); lo += lanes {
		g := states[lo:min(lo+lanes, len(states))]
		if kernel == avx512 && len(g) == lanes {
			permute16RowsAVX512((*[lanes][16]uint32)(unsafe.Pointer(&g[0])), &c16.keys[0])
			continue
		}
		if len(g) < scalarBelow() {
			for i := range g {
				Permute16(&g[i])
			}
			continue
		}
		for l := range g {
			for i := range g[l] {
				s[i][l&(lanes-1)] = g[l][i][0]
			}
		}
		permuteSoA16(&s)
		for l := range g {
			for i := range g[l] {
				g[l][i][0] = s[i][l&(lanes-1)]
			}
		}
	}
}

// Permute24Batch applies Permute24 to every state.
func Permute24Batch(states [][24]Element) {
	_, c24 := constants()
	var s soa24
	for lo := 0; lo < len(states); lo += lanes {
		g := states[lo:min(lo+lanes, len(states))]
		if kernel == avx512 && len(g) == lanes {
			permute24RowsAVX512((*[lanes][24]uint32)(unsafe.Pointer(&g[0])), (*[24][16]uint32)(&s), &c24.keys[0])
			continue
		}
		if len(g) < scalarBelow() {
			for i := range g {
				Permute24(&g[i])
			}
			continue
		}
		for l := range g {
			for i := range g[l] {
				s[i][l&(lanes-1)] = g[l][i][0]
			}
		}
		permuteSoA24(&s)
		for l := range g {
			for i := range g[l] {
				g[l][i][0] = s[i][l&(lanes-1)]
			}
		}
	}
}

// CompressBatch sets out[i] = Compress(left[i], right[i]). out may be left or right itself. It
// panics unless all three have the same length.
func CompressBatch(out, left, right []Digest) {
	if len(left) != len(out) || len(right) != len(out) {
		panic(fmt.Sprintf("hash: CompressBatch of %d and %d digests into %d", len(left), len(right), len(out)))
	}
	compressBatch(out, left, right, 1)
}

// CompressPairs sets out[i] = Compress(in[2i], in[2i+1]): one level of a Merkle tree. It panics
// unless len(in) == 2*len(out).
func CompressPairs(out, in []Digest) {
	if len(in) != 2*len(out) {
		panic(fmt.Sprintf("hash: CompressPairs of %d digests into %d", len(in), len(out)))
	}
	compressBatch(out, in, in[min(1, len(in)):], 2)
}

// compressBatch sets out[i] = Compress(left[i*stride], right[i*stride]); stride 2 means right is
// left[1:], so the pairs are contiguous rows.
func compressBatch(out, left, right []Digest, stride int) {
	c16, _ := constants()
	var s soa16
	var rows [lanes][16]uint32
	for lo := 0; lo < len(out); lo += lanes {
		n := min(lanes, len(out)-lo)
		if n < scalarBelow() {
			for i := lo; i < lo+n; i++ {
				out[i] = Compress(left[i*stride], right[i*stride])
			}
			continue
		}
		if kernel == avx512 && n == lanes {
			src := &rows
			if stride == 2 {
				src = (*[lanes][16]uint32)(unsafe.Pointer(&left[2*lo]))
			} else {
				for l := range rows {
					*(*Digest)(unsafe.Pointer(&rows[l][0])) = left[lo+l]
					*(*Digest)(unsafe.Pointer(&rows[l][DigestElements])) = right[lo+l]
				}
			}
			compress16RowsAVX512((*[lanes][8]uint32)(unsafe.Pointer(&out[lo])), src, &c16.keys[0])
			continue
		}
		for l := range n {
			a, b := &left[(lo+l)*stride], &right[(lo+l)*stride]
			for k := range DigestElements {
				s[k][l&(lanes-1)] = a[k][0]
				s[DigestElements+k][l&(lanes-1)] = b[k][0]
			}
		}
		permuteSoA16(&s)
		for l := range n {
			d := &out[lo+l]
			for k := range DigestElements {
				d[k][0] = s[k][l&(lanes-1)]
			}
		}
	}
}

// spongeGroup hashes up to 16 inputs of n elements each, like sponge does one. fill writes rate
// block b (input elements 16b..16b+15) of every lane into dst, zero past n and in unused lanes;
// toMont says fill writes raw values < 2^32 rather than Montgomery-form ones.
func spongeGroup(out []Digest, domain uint64, n int, toMont bool, scratch []soa16, fill func(dst *soa16, b int)) {
	var s soa24
	var tag [3]Element
	tag[0].SetUint64(uint64(n) & 0xffffff)
	tag[1].SetUint64(uint64(n) >> 24)
	tag[2].SetUint64(domain)
	for k, t := range tag {
		for l := range lanes {
			s[SpongeRate+k][l] = t[0]
		}
	}
	if n == 0 {
		permuteSoA24(&s)
	}
	nb := (n + SpongeRate - 1) / SpongeRate
	for b := 0; b < nb; b += len(scratch) {
		chunk := scratch[:min(len(scratch), nb-b)]
		for i := range chunk {
			fill(&chunk[i], b+i)
		}
		absorbSoA24(&s, chunk, toMont)
	}
	for l := range out {
		for k := range DigestElements {
			out[l][k][0] = s[k][l]
		}
	}
}

// equalRun returns the length of the run of inputs from lo (at most lanes) that share the length
// of input lo.
func equalRun(count, lo int, length func(i int) int) int {
	n := length(lo)
	hi := lo + 1
	for hi < count && hi-lo < lanes && length(hi) == n {
		hi++
	}
	return hi - lo
}

// HashElementsBatch sets out[i] = HashElements(in[i]). Inputs of equal length are hashed together,
// so it is fastest when runs of 16 share a length (Merkle leaves do). It panics unless
// len(out) == len(in).
func HashElementsBatch(out []Digest, in [][]Element) {
	if len(out) != len(in) {
		panic(fmt.Sprintf("hash: HashElementsBatch of %d inputs into %d digests", len(in), len(out)))
	}
	scratch := make([]soa16, absorbChunk)
	for lo := 0; lo < len(in); {
		k := equalRun(len(in), lo, func(i int) int { return len(in[i]) })
		if k < scalarBelow() {
			for i := lo; i < lo+k; i++ {
				out[i] = HashElements(in[i])
			}
			lo += k
			continue
		}
		g := in[lo : lo+k]
		n := len(g[0])
		spongeGroup(out[lo:lo+k], domainElements, n, false, scratch, func(dst *soa16, b int) {
			*dst = soa16{}
			base := b * SpongeRate
			for l, row := range g {
				for j := range min(SpongeRate, n-base) {
					dst[j][l] = row[base+j][0]
				}
			}
		})
		lo += k
	}
}

// HashColumns hashes rows given column by column: out[i] = HashElements of the row
// (cols[0][i], cols[1][i], ...). This is the layout of a column-major matrix, and it needs no
// transposition. It panics if some column is shorter than out.
func HashColumns(out []Digest, cols [][]Element) {
	for c, col := range cols {
		if len(col) < len(out) {
			panic(fmt.Sprintf("hash: HashColumns column %d has %d rows, want %d", c, len(col), len(out)))
		}
	}
	n := len(cols)
	scratch := make([]soa16, min(absorbChunk, (n+SpongeRate-1)/SpongeRate))
	for lo := 0; lo < len(out); lo += lanes {
		k := min(lanes, len(out)-lo)
		if k < scalarBelow() {
			row := make([]Element, n)
			for i := lo; i < lo+k; i++ {
				for c := range cols {
					row[c] = cols[c][i]
				}
				out[i] = HashElements(row)
			}
			continue
		}
		spongeGroup(out[lo:lo+k], domainElements, n, false, scratch, func(dst *soa16, b int) {
			*dst = soa16{}
			base := b * SpongeRate
			for j := range min(SpongeRate, n-base) {
				if k == lanes {
					// one 64-byte move rather than a memmove call
					dst[j] = *(*[lanes]uint32)(unsafe.Pointer(&cols[base+j][lo]))
				} else {
					copy(dst[j][:k], words(cols[base+j][lo:lo+k]))
				}
			}
		})
	}
}

// HashU32sBatch sets out[i] = HashU32s(in[i]); memory pages are hashed this way. Inputs of equal
// length are hashed together. It panics unless len(out) == len(in).
func HashU32sBatch(out []Digest, in [][]uint32) {
	if len(out) != len(in) {
		panic(fmt.Sprintf("hash: HashU32sBatch of %d inputs into %d digests", len(in), len(out)))
	}
	scratch := make([]soa16, absorbChunk)
	for lo := 0; lo < len(in); {
		k := equalRun(len(in), lo, func(i int) int { return len(in[i]) })
		if k < scalarBelow() {
			for i := lo; i < lo+k; i++ {
				out[i] = HashU32s(in[i])
			}
			lo += k
			continue
		}
		g := in[lo : lo+k]
		n := 2 * len(g[0])
		const wordsPerBlock = SpongeRate / 2
		spongeGroup(out[lo:lo+k], domainU32s, n, true, scratch, func(dst *soa16, b int) {
			base := b * wordsPerBlock
			if k < lanes || len(g[0])-base < wordsPerBlock {
				*dst = soa16{} // zero padding: unused lanes, short last block
			}
			for l, ws := range g {
				l &= lanes - 1
				if len(ws)-base >= wordsPerBlock {
					src := (*[wordsPerBlock]uint32)(ws[base:])
					for j, w := range src {
						dst[2*j][l] = w & 0xffff
						dst[2*j+1][l] = w >> 16
					}
					continue
				}
				for j, w := range ws[base:] {
					dst[2*j][l] = w & 0xffff
					dst[2*j+1][l] = w >> 16
				}
			}
		})
		lo += k
	}
}
