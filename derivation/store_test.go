package derivation

import (
	"bytes"
	"errors"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/zkexex/zkexex/stf"
)

func sampleProven() *ProvenBlock {
	return &ProvenBlock{Number: 7, Hash: common.Hash{7}, SpanStart: 5, SpanEnd: 8,
		Claim: stf.Claim{ConfigHash: common.Hash{1}, ParentHash: common.Hash{6}, BlockHash: common.Hash{7}, BlockNumber: 7, OutputRoot: common.Hash{9}}}
}

func TestProvenRecord(t *testing.T) {
	enc, err := EncodeProven(sampleProven())
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeProven(7, enc)
	if err != nil || *got != *sampleProven() {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	bad := func(f func(p *ProvenBlock)) []byte {
		p := sampleProven()
		f(p)
		b, err := EncodeProven(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name string
		n    uint64
		data []byte
	}{
		{"empty", 7, nil},
		{"version", 7, append([]byte{9}, enc[1:]...)},
		{"truncated", 7, enc[:len(enc)-3]},
		{"other number", 8, enc},
		{"hash differs from claim", 7, bad(func(p *ProvenBlock) { p.Hash = common.Hash{1} })},
		{"outside its span", 7, bad(func(p *ProvenBlock) { p.SpanEnd = 6 })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeProven(tt.n, tt.data); !errors.Is(err, ErrCorruptRecord) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func FuzzDecodeProven(f *testing.F) {
	enc, _ := EncodeProven(sampleProven())
	f.Add(uint64(7), enc)
	f.Add(uint64(0), []byte{1, 0xc0})
	f.Fuzz(func(t *testing.T, n uint64, b []byte) {
		p, err := DecodeProven(n, b)
		if err != nil {
			return
		}
		again, err := EncodeProven(p)
		if err != nil {
			t.Fatal(err)
		}
		if q, err := DecodeProven(n, again); err != nil || *q != *p {
			t.Fatalf("re-encoded entry decodes to %+v, %v", q, err)
		}
	})
}

func FuzzDecodeView(f *testing.F) {
	enc, _ := encodeRecord(&viewRecord{Hash: common.Hash{1}, Parent: common.Hash{2}, Input: []byte{0xc0}})
	f.Add(enc)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeView(b)
		if err != nil {
			return
		}
		again, err := encodeRecord(r)
		if err != nil {
			t.Fatal(err)
		}
		if r2, err := decodeView(again); err != nil || r2.Hash != r.Hash || r2.Parent != r.Parent || !bytes.Equal(r2.Input, r.Input) {
			t.Fatalf("re-encoded view record differs")
		}
	})
}

func FuzzDecodeLanding(f *testing.F) {
	enc, _ := encodeRecord(&onL1RLP{L2Hash: common.Hash{1}, OnL1: OnL1{OutputIndex: 3, L1BlockNumber: 9, L1TxHash: common.Hash{2}}})
	f.Add(enc)
	f.Add([]byte{1, 0xc0})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeLanding(b)
		if err != nil {
			if !errors.Is(err, ErrCorruptRecord) {
				t.Fatalf("error %v is not ErrCorruptRecord", err)
			}
			return
		}
		again, err := encodeRecord(r)
		if err != nil {
			t.Fatal(err)
		}
		if r2, err := decodeLanding(again); err != nil || *r2 != *r {
			t.Fatalf("re-encoded landing decodes to %+v, %v", r2, err)
		}
	})
}

// TestTailMarkerTampered: a retention tail marker that is malformed, at the anchor, or above
// every proven block is refused at open.
func TestTailMarkerTampered(t *testing.T) {
	for name, v := range map[string][]byte{"short": {1, 2, 3}, "anchor": be64(0), "no entries": be64(4)} {
		t.Run(name, func(t *testing.T) {
			cfg := Config{Dir: t.TempDir(), STF: &stf.Config{}, Prover: &DevProver{}, SubmissionInterval: 3, Anchor: Anchor{Hash: common.Hash{1}}}
			p, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.st.db.Set(keyTail, v, nil); err != nil {
				t.Fatal(err)
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := New(cfg); !errors.Is(err, ErrCorruptRecord) {
				t.Fatalf("tail %x: New = %v", v, err)
			}
		})
	}
}
