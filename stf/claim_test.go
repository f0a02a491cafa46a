package stf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/params"
)

func testClaim() Claim {
	return Claim{
		ConfigHash:       common.Hash{1},
		ParentHash:       common.Hash{2},
		BlockHash:        common.Hash{3},
		BlockNumber:      0x0102030405060708,
		PreStateRoot:     common.Hash{5},
		PostStateRoot:    common.Hash{6},
		ReceiptsRoot:     common.Hash{7},
		OutputRoot:       common.Hash{8},
		ParentOutputRoot: common.Hash{9},
	}
}

func TestClaimABI(t *testing.T) {
	c := testClaim()
	enc := c.ABI()
	if len(enc) != ClaimSize {
		t.Fatalf("ABI is %d bytes", len(enc))
	}
	// Word 3 is the block number, big-endian in the low 8 bytes.
	if !bytes.Equal(enc[3*32:4*32], common.FromHex("0x0000000000000000000000000000000000000000000000000102030405060708")) {
		t.Fatalf("number word %x", enc[3*32:4*32])
	}
	if enc[0] != 1 || enc[32] != 2 || enc[64] != 3 || enc[128] != 5 || enc[160] != 6 || enc[192] != 7 || enc[224] != 8 || enc[256] != 9 {
		t.Fatal("field order")
	}
	dec, err := DecodeClaim(enc)
	if err != nil || dec != c {
		t.Fatalf("round trip: %+v %v", dec, err)
	}
	if c.Digest() != crypto.Keccak256Hash(enc) {
		t.Fatal("digest")
	}
	bad := slices.Clone(enc)
	bad[3*32] = 1
	for _, b := range [][]byte{nil, enc[:ClaimSize-1], append(slices.Clone(enc), 0), bad} {
		if _, err := DecodeClaim(b); !errors.Is(err, ErrMalformedInput) {
			t.Fatalf("DecodeClaim(%d bytes): %v", len(b), err)
		}
	}
}

func TestClaimJSON(t *testing.T) {
	out, err := json.Marshal(testClaim())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	want := []string{"configHash", "parentHash", "blockHash", "blockNumber", "preStateRoot", "postStateRoot", "receiptsRoot", "outputRoot", "parentOutputRoot"}
	if len(m) != len(want) {
		t.Fatalf("keys %v", m)
	}
	for _, k := range want {
		if _, ok := m[k]; !ok {
			t.Fatalf("key %s missing in %s", k, out)
		}
	}
	var back Claim
	if err := json.Unmarshal(out, &back); err != nil || back != testClaim() {
		t.Fatalf("JSON round trip: %+v %v", back, err)
	}
}

// TestOutputRoot checks the OP version-0 layout against a hand-built preimage.
func TestOutputRoot(t *testing.T) {
	state, mp, block := common.Hash{0xaa}, common.Hash{0xbb}, common.Hash{0xcc}
	pre := make([]byte, 128)
	copy(pre[32:], state[:])
	copy(pre[64:], mp[:])
	copy(pre[96:], block[:])
	if OutputRoot(state, mp, block) != crypto.Keccak256Hash(pre) {
		t.Fatal("output root layout")
	}
}

func TestChainConfigByName(t *testing.T) {
	for name, want := range map[string]*params.ChainConfig{"hoodi": params.HoodiChainConfig, "Mainnet": params.MainnetChainConfig, "sepolia": params.SepoliaChainConfig} {
		got, err := ChainConfigByName(name)
		if err != nil || got != want {
			t.Fatalf("%s: %v", name, err)
		}
	}
	dir := t.TempDir()
	genesisFile := dir + "/genesis.json"
	data, _ := json.Marshal(map[string]any{"config": testChainConfig(), "alloc": map[string]any{}})
	if err := writeFile(genesisFile, data); err != nil {
		t.Fatal(err)
	}
	got, err := ChainConfigByName(genesisFile)
	if err != nil {
		t.Fatal(err)
	}
	if mustHash(t, NewConfig(got)) != mustHash(t, NewConfig(testChainConfig())) {
		t.Fatal("config from a genesis file hashes differently")
	}
	if _, err := ChainConfigByName(dir + "/absent.json"); err == nil {
		t.Fatal("absent file accepted")
	}
}

func writeFile(p string, b []byte) error { return os.WriteFile(p, b, 0o644) }

func TestGuestExitCode(t *testing.T) {
	seen := map[int]bool{}
	for _, err := range []error{nil, ErrMalformedInput, ErrUnsupportedConfig, ErrInvalidWitness, ErrMissingTrieNode, ErrRootMismatch, ErrInvalidBlock, ErrInternal, errors.New("other")} {
		code := GuestExitCode(fmt.Errorf("wrapped: %w", err))
		if err == nil {
			code = GuestExitCode(nil)
		}
		if seen[code] {
			t.Fatalf("%v: exit code %d reused", err, code)
		}
		seen[code] = true
	}
}
