package contracts

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/zkexex/zkexex/contracts/bindings"
)

func packError(t testing.TB, contractABI, name string, args ...any) []byte {
	t.Helper()
	parsed, err := bindings.L2OutputOracleMetaData.GetAbi()
	if contractABI == "dev" {
		parsed, err = bindings.DevVerifierMetaData.GetAbi()
	}
	if err != nil {
		t.Fatal(err)
	}
	e := parsed.Errors[name]
	data, err := e.Inputs.Pack(args...)
	if err != nil {
		t.Fatal(err)
	}
	return append(append([]byte{}, e.ID[:4]...), data...)
}

// rpcDataError is what a node's eth_call / eth_estimateGas error looks like to a client.
type rpcDataError struct{ data string }

func (e rpcDataError) Error() string          { return "execution reverted" }
func (e rpcDataError) ErrorCode() int         { return 3 }
func (e rpcDataError) ErrorData() interface{} { return e.data }

func TestDecodeRevert(t *testing.T) {
	inner := packError(t, "dev", "InvalidDevReceipt")
	requireString, _ := abi.Arguments{{Type: mustType("string")}}.Pack("boom")
	tests := []struct {
		name   string
		data   []byte
		want   string
		reason string
	}{
		{"custom", packError(t, "oracle", "UnexpectedBlockNumber", big.NewInt(20), big.NewInt(30)), "UnexpectedBlockNumber", "UnexpectedBlockNumber(expected=20, got=30)"},
		{"nested", packError(t, "oracle", "ProofRejected", inner), "ProofRejected", "ProofRejected(InvalidDevReceipt())"},
		{"nested empty", packError(t, "oracle", "ProofRejected", []byte{}), "ProofRejected", "ProofRejected(no reason given)"},
		{"require", append(hexutil.MustDecode("0x08c379a0"), requireString...), "Error", "Error(boom)"},
		{"unknown selector", hexutil.MustDecode("0xdeadbeef"), "", "unknown revert data 0xdeadbeef"},
		{"short", []byte{1, 2}, "", "unknown revert data 0x0102"},
		{"empty", nil, "", "no reason given"},
		{"truncated args", packError(t, "oracle", "UnexpectedBlockNumber", big.NewInt(1), big.NewInt(2))[:40], "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := DecodeRevert(tc.data)
			if r.Name != tc.want {
				t.Fatalf("name %q, want %q", r.Name, tc.want)
			}
			if tc.reason != "" && r.Reason() != tc.reason {
				t.Fatalf("reason %q, want %q", r.Reason(), tc.reason)
			}
			// Through an RPC error, too.
			src := rpcDataError{hexutil.Encode(tc.data)}
			err := AsRevert(fmt.Errorf("estimate: %w", src))
			var re *RevertError
			if !errors.As(err, &re) || re.Name != tc.want || !bytes.Equal(re.Data, r.Data) {
				t.Fatalf("AsRevert: %v", err)
			}
			if !errors.Is(err, src) {
				t.Fatal("AsRevert lost the node's error")
			}
		})
	}
	plain := errors.New("connection refused")
	if AsRevert(plain) != plain {
		t.Fatal("AsRevert changed an error without revert data")
	}
	if errors.Is(DecodeRevert(packError(t, "oracle", "NotProposer", common.Address{})), Revert("NotChallenger")) {
		t.Fatal("Revert pattern matched another error")
	}
}

func mustType(s string) abi.Type {
	ty, err := abi.NewType(s, "", nil)
	if err != nil {
		panic(err)
	}
	return ty
}

// FuzzDecodeRevert: any revert data decodes without panicking, and a decoded custom error's
// selector is the one in the data.
func FuzzDecodeRevert(f *testing.F) {
	f.Add([]byte{})
	f.Add(hexutil.MustDecode("0x08c379a0"))
	f.Add(packError(f, "oracle", "UnexpectedBlockNumber", big.NewInt(20), big.NewInt(30)))
	f.Add(packError(f, "oracle", "ProofRejected", packError(f, "dev", "InvalidDevReceipt")))
	f.Add(packError(f, "oracle", "ProofRejected", packError(f, "oracle", "ProofRejected", []byte{1, 2, 3})))
	f.Add(packError(f, "oracle", "InvalidParams", "verifier"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := DecodeRevert(data)
		_ = r.Error()
		if !bytes.Equal(r.Data, data) {
			t.Fatal("Data is not the input")
		}
		if r.Name != "" && r.Name != "Error" && r.Name != "Panic" {
			e, ok := errorTable()[[4]byte(data[:4])]
			if !ok || e.Name != r.Name {
				t.Fatalf("decoded %s from selector %x", r.Name, data[:4])
			}
		}
	})
}
