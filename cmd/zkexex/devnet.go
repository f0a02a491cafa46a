package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

// devnetCommand is owned by the issue that builds it; until then it says so.
var devnetCommand = &cli.Command{
	Name:  "devnet",
	Usage: "not built yet",
	Action: func(*cli.Context) error {
		return errors.New("zkexex devnet: not built yet")
	},
}
