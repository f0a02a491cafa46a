package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

// vmCommand is owned by the issue that builds it; until then it says so.
var vmCommand = &cli.Command{
	Name:  "vm",
	Usage: "not built yet",
	Action: func(*cli.Context) error {
		return errors.New("zkexex vm: not built yet")
	},
}
