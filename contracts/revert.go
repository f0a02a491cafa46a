package contracts

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"
	"github.com/zkexex/zkexex/contracts/bindings"
)

// RevertError is an EVM revert from the oracle or its verifier, decoded. Name is the custom error
// (e.g. "UnexpectedBlockNumber"), "Error" for a require string, "Panic" for a Solidity panic, or ""
// when the data matches nothing known. ProofRejected carries the verifier's own revert in Inner.
type RevertError struct {
	Name  string
	Args  []any
	Inner *RevertError
	Data  []byte
	Err   error // the node's error the data came from, if any
}

// Error names the revert and its arguments, e.g. "reverted: UnexpectedBlockNumber(expected=20, got=30)".
func (e *RevertError) Error() string {
	return "reverted: " + e.Reason()
}

// Reason is the decoded revert without the "reverted:" prefix.
func (e *RevertError) Reason() string {
	switch {
	case e.Name == "":
		if len(e.Data) == 0 {
			return "no reason given"
		}
		return "unknown revert data " + hexutil.Encode(e.Data)
	case e.Inner != nil:
		return e.Name + "(" + e.Inner.Reason() + ")"
	}
	return e.Name + "(" + e.formatArgs() + ")"
}

func (e *RevertError) Unwrap() error { return e.Err }

// Is reports whether the revert is the named custom error, so that callers can write
// errors.Is(err, contracts.Revert("NotProposer")).
func (e *RevertError) Is(target error) bool {
	t, ok := target.(*RevertError)
	return ok && t.Data == nil && t.Name == e.Name
}

// Revert returns a pattern matching any revert with the given error name, for errors.Is.
func Revert(name string) error { return &RevertError{Name: name} }

func (e *RevertError) formatArgs() string {
	names := argNames(e.Name, e.Data)
	parts := make([]string, len(e.Args))
	for i, a := range e.Args {
		var v string
		switch a := a.(type) {
		case [32]byte:
			v = common.Hash(a).Hex()
		case common.Address:
			v = a.Hex()
		case *big.Int:
			v = a.String()
		case []byte:
			v = hexutil.Encode(a)
		default:
			v = fmt.Sprint(a)
		}
		if i < len(names) && names[i] != "" {
			v = names[i] + "=" + v
		}
		parts[i] = v
	}
	return strings.Join(parts, ", ")
}

// errorTable maps 4-byte selectors to the custom errors of every bound contract.
var errorTable = sync.OnceValue(func() map[[4]byte]abi.Error {
	table := make(map[[4]byte]abi.Error)
	for _, js := range []string{bindings.L2OutputOracleMetaData.ABI, bindings.DevVerifierMetaData.ABI, bindings.Groth16OutputVerifierMetaData.ABI} {
		parsed, err := abi.JSON(strings.NewReader(js))
		if err != nil {
			// The ABIs are generated and compiled into the binary: failing to parse them is a build defect.
			panic(fmt.Sprintf("contracts: generated ABI does not parse: %v", err))
		}
		for _, e := range parsed.Errors {
			table[[4]byte(e.ID[:4])] = e
		}
	}
	return table
})

var (
	selectorError = [4]byte{0x08, 0xc3, 0x79, 0xa0} // Error(string)
	selectorPanic = [4]byte{0x4e, 0x48, 0x7b, 0x71} // Panic(uint256)
)

func argNames(name string, data []byte) []string {
	if len(data) < 4 {
		return nil
	}
	e, ok := errorTable()[[4]byte(data[:4])]
	if !ok || e.Name != name {
		return nil
	}
	names := make([]string, len(e.Inputs))
	for i, in := range e.Inputs {
		names[i] = in.Name
	}
	return names
}

// maxInnerDepth bounds the recursion into ProofRejected(bytes) payloads.
const maxInnerDepth = 4

// DecodeRevert decodes revert data. It never fails: data it cannot decode gives Name "".
func DecodeRevert(data []byte) *RevertError {
	return decodeRevert(data, 0)
}

func decodeRevert(data []byte, depth int) *RevertError {
	r := &RevertError{Data: bytes.Clone(data)}
	if r.Data == nil {
		r.Data = []byte{}
	}
	if len(data) < 4 {
		return r
	}
	sel := [4]byte(data[:4])
	switch sel {
	case selectorError, selectorPanic:
		reason, err := abi.UnpackRevert(data)
		if err != nil {
			return r
		}
		if sel == selectorError {
			r.Name, r.Args = "Error", []any{reason}
		} else {
			r.Name, r.Args = "Panic", []any{reason}
		}
		return r
	}
	e, ok := errorTable()[sel]
	if !ok {
		return r
	}
	args, err := e.Inputs.Unpack(data[4:])
	if err != nil {
		return r
	}
	r.Name, r.Args = e.Name, args
	if e.Name == "ProofRejected" && depth < maxInnerDepth && len(args) == 1 {
		if inner, ok := args[0].([]byte); ok {
			r.Inner = decodeRevert(inner, depth+1)
		}
	}
	return r
}

// RevertData extracts the revert data a node attached to an RPC error (eth_call / eth_estimateGas
// answer a revert with error code 3 and the data as hex).
func RevertData(err error) ([]byte, bool) {
	var de rpc.DataError
	if !errors.As(err, &de) {
		return nil, false
	}
	s, ok := de.ErrorData().(string)
	if !ok {
		return nil, false
	}
	data, derr := hexutil.Decode(s)
	if derr != nil {
		return nil, false
	}
	return data, true
}

// AsRevert returns err as a *RevertError (wrapping err) when it carries revert data, else err.
func AsRevert(err error) error {
	if err == nil {
		return nil
	}
	var re *RevertError
	if errors.As(err, &re) {
		return err
	}
	data, ok := RevertData(err)
	if !ok {
		return err
	}
	r := DecodeRevert(data)
	r.Err = err
	return r
}
