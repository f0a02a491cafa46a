package receipt

import (
	"bytes"
	"errors"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"math/big"
)

func sampleClaim() SpanClaim {
	return SpanClaim{
		ConfigHash:      common.Hash{1},
		StartParentHash: common.Hash{2},
		EndBlockHash:    common.Hash{3},
		StartBlock:      11,
		EndBlock:        20,
		StartOutputRoot: common.Hash{4},
		EndOutputRoot:   common.Hash{5},
		ImageID:         common.Hash{6},
	}
}

// TestDevProofMatchesABI checks the dev proof bytes against geth's ABI encoder for the shared
// format abi.encode(bytes32, bytes32, bytes32, bytes32, bytes32, uint256).
func TestDevProofMatchesABI(t *testing.T) {
	c := sampleClaim()
	b32, _ := abi.NewType("bytes32", "", nil)
	u256, _ := abi.NewType("uint256", "", nil)
	args := abi.Arguments{{Type: b32}, {Type: b32}, {Type: b32}, {Type: b32}, {Type: b32}, {Type: u256}}
	want, err := args.Pack([32]byte(crypto.Keccak256Hash([]byte("zkexex.dev-receipt.v1"))), [32]byte(c.ImageID), [32]byte(c.ConfigHash),
		[32]byte(c.StartOutputRoot), [32]byte(c.EndOutputRoot), new(big.Int).SetUint64(c.EndBlock))
	if err != nil {
		t.Fatal(err)
	}
	if got := DevProof(c); !bytes.Equal(got, want) {
		t.Fatalf("dev proof\n%x\nwant\n%x", got, want)
	}
	f, err := DecodeDevProof(want)
	if err != nil {
		t.Fatal(err)
	}
	if f != (DevProofFields{c.ImageID, c.ConfigHash, c.StartOutputRoot, c.EndOutputRoot, c.EndBlock}) {
		t.Fatalf("decoded %+v", f)
	}
	u64, _ := abi.NewType("uint64", "", nil)
	cargs := abi.Arguments{{Type: b32}, {Type: b32}, {Type: b32}, {Type: u64}, {Type: u64}, {Type: b32}, {Type: b32}, {Type: b32}}
	wantClaim, err := cargs.Pack([32]byte(c.ConfigHash), [32]byte(c.StartParentHash), [32]byte(c.EndBlockHash), c.StartBlock, c.EndBlock,
		[32]byte(c.StartOutputRoot), [32]byte(c.EndOutputRoot), [32]byte(c.ImageID))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c.ABI(), wantClaim) {
		t.Fatal("span claim ABI differs from geth's encoder")
	}
}

func TestReceiptRoundTripAndVerify(t *testing.T) {
	c := sampleClaim()
	r := NewDev(c)
	dec, err := Decode(r.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if dec.Claim != c || !dec.IsDev() || dec.Seal != nil {
		t.Fatalf("round trip: %+v", dec)
	}
	other := c
	other.EndOutputRoot = common.Hash{9}
	tests := []struct {
		name string
		want SpanClaim
		opts VerifierOptions
		err  error
	}{
		{"dev mode accepts", c, VerifierOptions{ImageID: c.ImageID, AllowDev: true}, nil},
		{"production rejects dev", c, VerifierOptions{ImageID: c.ImageID}, ErrDevReceipt},
		{"wrong image", c, VerifierOptions{ImageID: common.Hash{7}, AllowDev: true}, ErrClaimMismatch},
		{"other claim", other, VerifierOptions{ImageID: c.ImageID, AllowDev: true}, ErrClaimMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Verify(dec, tt.want, tt.opts); !errors.Is(err, tt.err) {
				t.Fatalf("got %v, want %v", err, tt.err)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	good := NewDev(sampleClaim()).Encode()
	mut := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"truncated", good[:len(good)-1]},
		{"version", mut(func(b []byte) []byte { b[0] = 2; return b })},
		{"kind", mut(func(b []byte) []byte { b[1] = 0; return b })},
		{"dev with seal", mut(func(b []byte) []byte { b[len(b)-1] = 1; return append(b, 0xaa) })},
		{"start after end", mut(func(b []byte) []byte { b[2+3*32+31] = 99; return b })},
		{"wide number", mut(func(b []byte) []byte { b[2+4*32] = 1; return b })},
		{"trailing", append(bytes.Clone(good), 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Decode(tt.data); !errors.Is(err, ErrMalformed) {
				t.Fatalf("got %v", err)
			}
		})
	}
	bad := DevProof(sampleClaim())
	bad[0] ^= 1
	if _, err := DecodeDevProof(bad); !errors.Is(err, ErrMalformed) {
		t.Fatalf("dev proof with a wrong tag: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(NewDev(sampleClaim()).Encode())
	f.Add([]byte{1, 1})
	f.Add(sampleSpan(f).Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Decode(b)
		if err != nil {
			return
		}
		if !bytes.Equal(r.Encode(), b) {
			t.Fatal("accepted a non-canonical encoding")
		}
	})
}

func FuzzDecodeDevProof(f *testing.F) {
	f.Add(DevProof(sampleClaim()))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeDevProof(b)
		if err != nil {
			return
		}
		c := SpanClaim{ImageID: p.ImageID, ConfigHash: p.ConfigHash, StartOutputRoot: p.PrevOutputRoot, EndOutputRoot: p.NewOutputRoot, EndBlock: p.L2BlockNumber}
		if !bytes.Equal(DevProof(c), b) {
			t.Fatal("accepted a non-canonical dev proof")
		}
	})
}
