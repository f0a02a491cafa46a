package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

// executeCommand is owned by the issue that builds it; until then it says so.
var executeCommand = &cli.Command{
	Name:  "execute",
	Usage: "not built yet",
	Action: func(*cli.Context) error {
		return errors.New("zkexex execute: not built yet")
	},
}
