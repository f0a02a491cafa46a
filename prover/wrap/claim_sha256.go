package wrap

import (
	"math/big"

	"github.com/consensys/gnark/frontend"
)

// A SHA-256 over bits, for the claim digest. gnark's std/hash/sha2 works on bytes through
// lookup tables (xor, and, or over byte pairs: 2^16 entries each), which cost about 130k R1CS
// constraints before the first block and need a Pedersen commitment under Groth16. The
// commitment alone adds a second pairing check to the Solidity verifier (about 120k gas, the
// difference between meeting and missing the 300k-gas goal), so the claim gadget computes
// SHA-256 (FIPS 180-4) on boolean variables instead: rotations are free, XOR, Ch and Maj cost one
// or two constraints per bit, and a sum mod 2^32 is one bit decomposition of the integer sum.

// bitWord is a 32-bit word as boolean variables, least significant bit first.
type bitWord [32]frontend.Variable

// sha256K are the round constants (FIPS 180-4, 4.2.2).
var sha256K = [64]uint32{
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}

// sha256IV is the initial hash value (FIPS 180-4, 5.3.3).
var sha256IV = [8]uint32{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}

func constWord(v uint32) bitWord {
	var w bitWord
	for i := range w {
		w[i] = (v >> i) & 1
	}
	return w
}

type sha256Bits struct{ api frontend.API }

func (s sha256Bits) xor(a, b frontend.Variable) frontend.Variable {
	api := s.api
	return api.Sub(api.Add(a, b), api.Mul(2, api.Mul(a, b)))
}

func (s sha256Bits) xor3(a, b, c bitWord) bitWord {
	var w bitWord
	for i := range w {
		w[i] = s.xor(s.xor(a[i], b[i]), c[i])
	}
	return w
}

func rotr(a bitWord, n int) bitWord {
	var w bitWord
	for i := range w {
		w[i] = a[(i+n)%32]
	}
	return w
}

func shr(a bitWord, n int) bitWord {
	var w bitWord
	for i := range w {
		if i+n < 32 {
			w[i] = a[i+n]
		} else {
			w[i] = 0
		}
	}
	return w
}

// ch = e ? f : g, per bit g + e·(f − g).
func (s sha256Bits) ch(e, f, g bitWord) bitWord {
	api := s.api
	var w bitWord
	for i := range w {
		w[i] = api.Add(g[i], api.Mul(e[i], api.Sub(f[i], g[i])))
	}
	return w
}

// maj = majority of a, b, c, per bit b·c + a·(b + c − 2·b·c).
func (s sha256Bits) maj(a, b, c bitWord) bitWord {
	api := s.api
	var w bitWord
	for i := range w {
		bc := api.Mul(b[i], c[i])
		w[i] = api.Add(bc, api.Mul(a[i], api.Sub(api.Add(b[i], c[i]), api.Mul(2, bc))))
	}
	return w
}

// value is the word's integer value (a linear combination, no constraint).
func (s sha256Bits) value(a bitWord) frontend.Variable {
	v := frontend.Variable(0)
	for i := range a {
		v = s.api.Add(v, s.api.Mul(a[i], uint64(1)<<i))
	}
	return v
}

// add returns the sum of the words mod 2^32: the integer sum, below 2^35 for up to eight terms,
// decomposed into bits of which the low 32 are kept.
func (s sha256Bits) add(terms ...bitWord) bitWord {
	sum := frontend.Variable(0)
	for _, t := range terms {
		sum = s.api.Add(sum, s.value(t))
	}
	extra := 0
	for n := len(terms) - 1; n > 0; n >>= 1 {
		extra++
	}
	bits := s.api.ToBinary(sum, 32+extra)
	var w bitWord
	copy(w[:], bits[:32])
	return w
}

// compress applies the compression function to state with one 16-word block.
func (s sha256Bits) compress(state [8]bitWord, block [16]bitWord) [8]bitWord {
	var w [64]bitWord
	copy(w[:], block[:])
	for t := 16; t < 64; t++ {
		s0 := s.xor3(rotr(w[t-15], 7), rotr(w[t-15], 18), shr(w[t-15], 3))
		s1 := s.xor3(rotr(w[t-2], 17), rotr(w[t-2], 19), shr(w[t-2], 10))
		w[t] = s.add(s1, w[t-7], s0, w[t-16])
	}
	a, b, c, d, e, f, g, h := state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7]
	for t := range 64 {
		sigma1 := s.xor3(rotr(e, 6), rotr(e, 11), rotr(e, 25))
		sigma0 := s.xor3(rotr(a, 2), rotr(a, 13), rotr(a, 22))
		k := constWord(sha256K[t])
		chv := s.ch(e, f, g)
		majv := s.maj(a, b, c)
		// T1 = h + Σ1 + Ch + K + W; e' = d + T1, a' = T1 + Σ0 + Maj, each reduced once.
		newE := s.add(d, h, sigma1, chv, k, w[t])
		newA := s.add(h, sigma1, chv, k, w[t], sigma0, majv)
		h, g, f, e, d, c, b, a = g, f, e, newE, c, b, a, newA
	}
	next := [8]bitWord{a, b, c, d, e, f, g, h}
	for i := range next {
		next[i] = s.add(state[i], next[i])
	}
	return next
}

// sum hashes msg, bytes each given as eight boolean variables least significant bit first, and
// returns the digest's eight words.
func (s sha256Bits) sum(msg [][8]frontend.Variable) [8]bitWord {
	n := len(msg)
	padded := append([][8]frontend.Variable{}, msg...)
	padded = append(padded, constByte(0x80))
	for len(padded)%64 != 56 {
		padded = append(padded, constByte(0))
	}
	bitLen := uint64(n) * 8
	for i := 7; i >= 0; i-- {
		padded = append(padded, constByte(byte(bitLen>>(8*i))))
	}
	var state [8]bitWord
	for i := range state {
		state[i] = constWord(sha256IV[i])
	}
	for blk := 0; blk < len(padded); blk += 64 {
		var block [16]bitWord
		for j := range block {
			// Big-endian words: byte 4j is the most significant.
			for m := range 4 {
				copy(block[j][8*(3-m):8*(4-m)], padded[blk+4*j+m][:])
			}
		}
		state = s.compress(state, block)
	}
	return state
}

func constByte(b byte) [8]frontend.Variable {
	var out [8]frontend.Variable
	for i := range out {
		out[i] = (b >> i) & 1
	}
	return out
}

// digestInteger is the 256-bit big-endian integer of the digest words with the top maskBits bits
// left out.
func (s sha256Bits) digestInteger(words [8]bitWord, maskBits int) frontend.Variable {
	v := frontend.Variable(0)
	for j, w := range words {
		for i, b := range w {
			pos := 32*(7-j) + i
			if pos >= 256-maskBits {
				continue
			}
			v = s.api.Add(v, s.api.Mul(b, new(big.Int).Lsh(big.NewInt(1), uint(pos))))
		}
	}
	return v
}
