// Package derivation decides what to prove and post: it follows exex notifications, keeps a
// canonical view and a proven-block index in pebble, groups blocks into spans aligned with the
// oracle's submission interval, proves them, proposes their output roots, and on a reorg or
// revert cancels and retracts what the dropped blocks touched, then re-derives.
//
// The units, one file each: pipeline.go holds the public types and Run, the one goroutine that
// consumes notifications and job results; view.go the canonical view (canonicalView) and how a
// notification changes it and the index; scheduler.go the scheduler, which owns every
// background job and goroutine (stopped when Run returns) and the proving and proposing logic
// they run; store.go the pebble layout; retention.go what is pruned and when. With a proposer
// that is an Oracle, what to propose is derived from the L1 oracle, not from the store.
package derivation
