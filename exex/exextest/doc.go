// Package exextest is the test harness for execution extensions: real geth chains built with
// core.GenerateChain and inserted into core.NewBlockChain with varied traffic, a Collector
// extension that applies notifications to a model of the chain, and witness validation.
package exextest
