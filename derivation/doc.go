// Package derivation decides what to prove and post: it follows exex notifications, keeps a
// canonical view and a proven-block index in pebble, groups blocks into spans aligned with the
// oracle's submission interval, proves them, proposes their output roots, and on a reorg or
// revert cancels and retracts what the dropped blocks touched, then re-derives.
package derivation
