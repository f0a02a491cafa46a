//go:build !amd64 || purego

package hash

const bestKernel = portable

func permute16AVX512(*[16][16]uint32, *uint32) { panic("hash: no AVX-512 kernel in this build") }

func permute24AVX512(*[24][16]uint32, *uint32) { panic("hash: no AVX-512 kernel in this build") }

func absorb24AVX512(*[24][16]uint32, *[16][16]uint32, int, *uint32, int) {
	panic("hash: no AVX-512 kernel in this build")
}

func permute16AVX2(*[16][16]uint32, *uint32) { panic("hash: no AVX2 kernel in this build") }

func permute24AVX2(*[24][16]uint32, *uint32) { panic("hash: no AVX2 kernel in this build") }

func absorb24AVX2(*[24][16]uint32, *[16][16]uint32, int, *uint32, int) {
	panic("hash: no AVX2 kernel in this build")
}

func permute16RowsAVX512(*[16][16]uint32, *uint32) { panic("hash: no AVX-512 kernel in this build") }

func compress16RowsAVX512(*[16][8]uint32, *[16][16]uint32, *uint32) {
	panic("hash: no AVX-512 kernel in this build")
}

func permute24RowsAVX512(*[16][24]uint32, *[24][16]uint32, *uint32) {
	panic("hash: no AVX-512 kernel in this build")
}
