//go:build amd64 && !purego

package hash

import "golang.org/x/sys/cpu"

// haveAVX512 reports whether the AVX-512 kernels in poseidon2_amd64.s can run: they use only
// AVX-512F instructions, and x/sys/cpu also checks that the OS saves the ZMM and mask registers.
var haveAVX512 = cpu.X86.HasAVX512F

//go:noescape
func permute16AVX512(s *[16][16]uint32, keys *uint32)

//go:noescape
func permute24AVX512(s *[24][16]uint32, keys *uint32)

//go:noescape
func absorb24AVX512(s *[24][16]uint32, blocks *[16][16]uint32, n int, keys *uint32, toMont int)
