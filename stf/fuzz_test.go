package stf

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// fuzzSeeds are real inputs: a generated Prague block and, when the shared
// test data is present, the Hoodi block.
func fuzzSeeds(f *testing.F) [][]byte {
	c := newTestChain(f, 3)
	var seeds [][]byte
	for i := range c.blocks {
		enc, err := c.input(f, i).Encode()
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, enc)
	}
	if _, ok := sharedTestdataDir("hoodi-1192c3"); ok {
		enc, err := hoodiInput(f, "hoodi-1192c3").Encode()
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, enc)
	}
	return seeds
}

// FuzzDecodeInput: DecodeInput never panics, fails only with
// ErrMalformedInput or ErrUnsupportedConfig, and what it accepts re-encodes
// to a fixed point.
func FuzzDecodeInput(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
		f.Add(s[:len(s)/3])
	}
	f.Add([]byte{})
	f.Add([]byte{0xc0})
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := DecodeInput(data)
		if err != nil {
			if !errors.Is(err, ErrMalformedInput) && !errors.Is(err, ErrUnsupportedConfig) {
				t.Fatalf("untyped decode error: %v", err)
			}
			return
		}
		enc, err := in.Encode()
		if err != nil {
			t.Fatalf("decoded input does not encode: %v", err)
		}
		again, err := DecodeInput(enc)
		if err != nil {
			t.Fatalf("re-encoded input does not decode: %v", err)
		}
		enc2, err := again.Encode()
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding is not a fixed point: %v", err)
		}
	})
}

// FuzzExecute: Execute on arbitrary bytes never panics (geth panics would
// surface as ErrInternal, which fails the target), every error has a class,
// and a claim is deterministic and consistent with the block's header.
func FuzzExecute(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	classes := []error{ErrMalformedInput, ErrUnsupportedConfig, ErrInvalidWitness, ErrMissingTrieNode, ErrRootMismatch, ErrInvalidBlock}
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := DecodeInput(data)
		if err != nil {
			return
		}
		claim, err := Execute(context.Background(), in)
		if err != nil {
			for _, c := range classes {
				if errors.Is(err, c) {
					return
				}
			}
			t.Fatalf("error outside the typed classes (or a geth panic): %v", err)
		}
		h := in.Block.Header()
		if claim.BlockHash != in.Block.Hash() || claim.PostStateRoot != h.Root || claim.ReceiptsRoot != h.ReceiptHash || claim.ParentHash != h.ParentHash {
			t.Fatalf("claim %+v does not match the header", claim)
		}
		again, err := Execute(context.Background(), in)
		if err != nil || again != claim {
			t.Fatalf("second run differs: %+v %v", again, err)
		}
	})
}

// FuzzDecodeClaim: DecodeClaim never panics, fails only with
// ErrMalformedInput, and what it accepts re-encodes to the same bytes.
func FuzzDecodeClaim(f *testing.F) {
	f.Add(testClaim().ABI())
	f.Add(make([]byte, ClaimSize))
	f.Add(make([]byte, ClaimSize-32)) // the eight-word layout before parentOutputRoot
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeClaim(b)
		if err != nil {
			if !errors.Is(err, ErrMalformedInput) {
				t.Fatalf("error of another class: %v", err)
			}
			return
		}
		if !bytes.Equal(c.ABI(), b) {
			t.Fatalf("claim %+v re-encodes differently", c)
		}
	})
}
