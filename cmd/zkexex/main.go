// Command zkexex is the single zkexex binary: it runs an embedded geth node with the
// execution extension (devnet, node), the stateless STF (stf), the zkVM executor
// (vm, execute) and, later, the prover commands.
package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
)

func newApp() *cli.App {
	return &cli.App{
		Name:  "zkexex",
		Usage: "zero-knowledge execution extension for go-ethereum",
		Commands: []*cli.Command{
			devnetCommand,
			stfCommand,
			vmCommand,
			executeCommand,
			imageCommand,
		},
	}
}

func main() {
	if err := newApp().Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "zkexex:", err)
		os.Exit(1)
	}
}
