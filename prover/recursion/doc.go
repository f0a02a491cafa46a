// Package recursion owns the recursion machine.
package recursion
