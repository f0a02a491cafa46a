package recursion

import "github.com/zkexex/zkexex/prover/hash"

// The span program (the final layer, issue 13) verifies a succinct receipt's seal (a shrunk
// KindRuns proof) together with the journals it commits to, checks that the journals chain into
// one span of blocks, and exposes what an output oracle checks as its public values, in this
// layout. 32-byte words travel as 16 little-endian 16-bit limbs, limb k = w[2k] | w[2k+1]<<8:
// the encoding hash.HashBytes gives the journal, so the program copies limbs and never splits a
// byte.
const (
	// SpanPubKeySet is the root of the verifying-key set the seal was checked against (8 values).
	SpanPubKeySet = 0
	// SpanPubImage is the image ID (8 values, hash.Digest's elements).
	SpanPubImage = SpanPubKeySet + hash.DigestElements
	// SpanPubConfig is the chain-config hash shared by every block of the span (16 limbs).
	SpanPubConfig = SpanPubImage + hash.DigestElements
	// SpanPubPrevOutput is the output root the span starts from: its first block's parent output
	// root (16 limbs).
	SpanPubPrevOutput = SpanPubConfig + WordLimbs
	// SpanPubNewOutput is the output root of the span's last block (16 limbs).
	SpanPubNewOutput = SpanPubPrevOutput + WordLimbs
	// SpanPubBlock is the ABI word of the last block's number (16 limbs; a big-endian uint64 in
	// its last eight bytes, so limbs 0..11 are zero and limb 12+k holds bytes 24+2k, 25+2k).
	SpanPubBlock = SpanPubNewOutput + WordLimbs
	// NumSpanPublic is the number of the span program's public values.
	NumSpanPublic = SpanPubBlock + WordLimbs
)

// WordLimbs is the number of 16-bit limbs of a 32-byte word.
const WordLimbs = 16
