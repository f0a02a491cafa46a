//go:build amd64 && !purego

package hash

import "golang.org/x/sys/cpu"

// bestKernel is the fastest kernel set this CPU runs. The AVX-512 kernels use only AVX-512F
// instructions, the AVX2 ones only AVX2; x/sys/cpu also checks that the OS saves the registers.
var bestKernel = func() kernelSet {
	switch {
	case cpu.X86.HasAVX512F:
		return avx512
	case cpu.X86.HasAVX2:
		return avx2
	}
	return portable
}()

//go:noescape
func permute16AVX512(s *[16][16]uint32, keys *uint32)

//go:noescape
func permute24AVX512(s *[24][16]uint32, keys *uint32)

//go:noescape
func absorb24AVX512(s *[24][16]uint32, blocks *[16][16]uint32, n int, keys *uint32, toMont int)

//go:noescape
func permute16AVX2(s *[16][16]uint32, keys *uint32)

//go:noescape
func permute24AVX2(s *[24][16]uint32, keys *uint32)

//go:noescape
func absorb24AVX2(s *[24][16]uint32, blocks *[16][16]uint32, n int, keys *uint32, toMont int)

// The row kernels take 16 width-16 states as rows (64 bytes each) and transpose in registers.

//go:noescape
func permute16RowsAVX512(s *[16][16]uint32, keys *uint32)

//go:noescape
func compress16RowsAVX512(out *[16][8]uint32, in *[16][16]uint32, keys *uint32)

//go:noescape
func permute24RowsAVX512(s *[16][24]uint32, scratch *[24][16]uint32, keys *uint32)
