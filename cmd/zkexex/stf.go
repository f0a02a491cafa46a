package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

// stfCommand is owned by the issue that builds it; until then it says so.
var stfCommand = &cli.Command{
	Name:  "stf",
	Usage: "not built yet",
	Action: func(*cli.Context) error {
		return errors.New("zkexex stf: not built yet")
	},
}
