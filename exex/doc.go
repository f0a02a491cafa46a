// Package exex is the execution-extension framework: it follows a geth BlockChain, turns head
// changes into Committed / Reorged / Reverted notifications carrying receipts and execution
// witnesses, makes them durable in a pebble WAL and delivers them at-least-once to extensions.
package exex
