package stf

import (
	"errors"

	"github.com/zkexex/zkexex/stf/guestio"
)

// The failure classes of the STF. Every error Execute, DecodeInput and
// DecodeConfig return wraps exactly one of them (errors.Is), so callers (the
// guest's exit code, the CLI, the prover) branch on the class, not the text.
var (
	// ErrMalformedInput: the input bytes do not decode (bad RLP, wrong version,
	// non-canonical encoding, truncated data).
	ErrMalformedInput = errors.New("stf: malformed input")
	// ErrUnsupportedConfig: the chain config or the block's fork is one the STF
	// does not execute (pre-merge, pre-Shanghai, clique, UBT, Amsterdam and later).
	ErrUnsupportedConfig = errors.New("stf: unsupported chain config or fork")
	// ErrInvalidWitness: the witness's header chain is not a contiguous chain
	// ending at the block's parent.
	ErrInvalidWitness = errors.New("stf: invalid witness")
	// ErrMissingTrieNode: execution or the output-root proof needed a trie
	// node or a contract code that the witness does not contain.
	ErrMissingTrieNode = errors.New("stf: missing trie node")
	// ErrRootMismatch: a computed root (state, receipts, requests) differs from
	// the header's.
	ErrRootMismatch = errors.New("stf: root mismatch")
	// ErrInvalidBlock: the block breaks a consensus rule (header against its
	// parent, body against header, transaction validity, gas, bloom).
	ErrInvalidBlock = errors.New("stf: invalid block")
	// ErrInternal: geth panicked while executing the input. It means a bug or
	// an input geth itself does not guard against; it is never a valid claim.
	ErrInternal = errors.New("stf: internal error")
)

// GuestExitCode is the exit status the guest reports for the result of
// Execute (nil: guestio.ExitOK), per the table in package guestio.
func GuestExitCode(err error) int {
	if err == nil {
		return guestio.ExitOK
	}
	classes := []struct {
		err  error
		code int
	}{
		{ErrMalformedInput, guestio.ExitMalformedInput},
		{ErrUnsupportedConfig, guestio.ExitUnsupportedConfig},
		{ErrInvalidWitness, guestio.ExitInvalidWitness},
		{ErrMissingTrieNode, guestio.ExitMissingTrieNode},
		{ErrRootMismatch, guestio.ExitRootMismatch},
		{ErrInvalidBlock, guestio.ExitInvalidBlock},
		{ErrInternal, guestio.ExitInternal},
	}
	for _, c := range classes {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return guestio.ExitUnclassified
}
