package derivation

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/recursion"
	"github.com/zkexex/zkexex/stf"
)

// The span program's public values, read through SpanJournal from real claim encodings, are the
// span claim ChainClaims makes of the same claims: the layout names stf's words.
func TestSpanJournal(t *testing.T) {
	h := func(b byte) common.Hash { return common.Hash{b, 0xee, 31: b} }
	first := stf.Claim{ConfigHash: h(1), ParentHash: h(2), BlockHash: h(3), BlockNumber: 0x1_2345_6789, PreStateRoot: h(4),
		PostStateRoot: h(5), ReceiptsRoot: h(6), OutputRoot: h(7), ParentOutputRoot: h(8)}
	second := stf.Claim{ConfigHash: h(1), ParentHash: h(3), BlockHash: h(9), BlockNumber: first.BlockNumber + 1, PreStateRoot: h(5),
		PostStateRoot: h(10), ReceiptsRoot: h(11), OutputRoot: h(12), ParentOutputRoot: h(7)}
	var root, image hash.Digest
	for i := range root {
		root[i].SetUint64(uint64(i + 1))
		image[i].SetUint64(uint64(1000 * (i + 1)))
	}
	sc, err := ChainClaims(common.Hash(image.Bytes()), first.ParentOutputRoot, []stf.Claim{first, second})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := recursion.SpanPublic(SpanJournal(), root, image, [][]byte{first.ABI(), second.ABI()})
	if err != nil {
		t.Fatal(err)
	}
	word := func(at int) []byte {
		var w []byte
		for _, v := range pub[at : at+recursion.WordLimbs] {
			w = append(w, byte(v.Uint64()), byte(v.Uint64()>>8))
		}
		return w
	}
	var number common.Hash
	binary.BigEndian.PutUint64(number[24:], sc.EndBlock)
	for name, c := range map[string]struct{ got, want []byte }{
		"config":          {word(recursion.SpanPubConfig), sc.ConfigHash[:]},
		"previous output": {word(recursion.SpanPubPrevOutput), sc.StartOutputRoot[:]},
		"new output":      {word(recursion.SpanPubNewOutput), sc.EndOutputRoot[:]},
		"block":           {word(recursion.SpanPubBlock), number[:]},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: %x, want %x", name, c.got, c.want)
		}
	}
	if !slices.Equal(pub[recursion.SpanPubImage:recursion.SpanPubImage+hash.DigestElements], image[:]) ||
		!slices.Equal(pub[recursion.SpanPubKeySet:recursion.SpanPubKeySet+hash.DigestElements], root[:]) {
		t.Error("image or key set not in place")
	}
}
