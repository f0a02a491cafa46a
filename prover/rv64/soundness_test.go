package rv64

import (
	"testing"

	"github.com/zkexex/zkexex/prover/stark"
)

// fixedLogHeights are the tables whose height is their preprocessed columns', whatever the segment.
var fixedLogHeights = map[string]int{"decode_class": classKeyBits, "page_merkle_levels": 6, "bytes": 8, "byte_and": 16, "byte_shift": 12, "range16": 16}

// TestSegmentSoundness: the default parameters give at least 100 conjectured bits for segment
// proofs at every po2, at the worst shape a segment of that po2 can take (every table as tall as
// the CPU's 2^po2 rows, so the most LogUp fractions).
func TestSegmentSoundness(t *testing.T) {
	pk, err := ProvingKey(stark.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	vk := pk.VerifyingKey()
	air := vk.AIR()
	for po2 := 16; po2 <= 22; po2++ {
		logH := make([]int, len(air.Tables()))
		for i, tb := range air.Tables() {
			logH[i] = po2
			if h, ok := fixedLogHeights[tb.Name()]; ok {
				logH[i] = h
			}
		}
		sh := vk.ShapeOf(logH)
		s := stark.DefaultParams().Soundness(sh)
		t.Logf("po2 %d: %d LogUp fractions (2^%d), tuples up to %d wide: %s", po2, 1<<sh.LogLookupTerms, sh.LogLookupTerms, sh.MaxTupleWidth, s)
		if s.Total < 100 {
			t.Errorf("po2 %d: %.1f conjectured bits", po2, s.Total)
		}
	}
}
