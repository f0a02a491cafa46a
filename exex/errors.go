package exex

import "errors"

var (
	// ErrInvalidNotification marks a notification whose chains do not fit its kind.
	ErrInvalidNotification = errors.New("exex: invalid notification")
	// ErrCorruptEntry marks a WAL entry that is truncated, fails its checksum or does not decode.
	ErrCorruptEntry = errors.New("exex: corrupt WAL entry")
	// ErrUnknownVersion marks a WAL entry written by an unknown (newer) format version.
	ErrUnknownVersion = errors.New("exex: unknown WAL entry version")
	// ErrMissingState means a block cannot be witnessed because the node no longer has (or
	// never had) its parent state; the error names the block.
	ErrMissingState = errors.New("exex: parent state not available")
	// ErrMissingBlock means a block the manager needs is in neither the chain database nor
	// the WAL.
	ErrMissingBlock = errors.New("exex: block not available")
	// ErrStopped is returned by calls on a stopped manager.
	ErrStopped = errors.New("exex: manager stopped")
)
