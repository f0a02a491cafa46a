// Command zkexex is the single zkexex binary: it runs an embedded geth node with the
// execution extension (devnet, node), the stateless STF (stf), the zkVM executor
// (vm, execute), its image (image) and the prover (prove, verify).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	gnarklog "github.com/consensys/gnark/logger"
	"github.com/ethereum/go-ethereum/log"
	"github.com/urfave/cli/v2"
)

// gitCommit can be set at build time (-ldflags "-X main.gitCommit=..."); otherwise the VCS
// revision the go command stamped into the binary, if any, is reported.
var gitCommit string

func newApp() *cli.App {
	app := &cli.App{
		Name:    "zkexex",
		Usage:   "zero-knowledge execution extension for go-ethereum",
		Version: versionString(),
		Commands: []*cli.Command{
			devnetCommand,
			nodeCommand,
			stfCommand,
			vmCommand,
			executeCommand,
			imageCommand,
			proveCommand,
			verifyCommand,
			workerCommand,
			groth16Command,
		},
	}
	app.Action = unknownCommand(app.Commands)
	for _, c := range app.Commands {
		oneLineErrors(c)
	}
	app.OnUsageError = usageError
	return app
}

// oneLineErrors gives every command a one-line usage error, and every command with
// subcommands an unknown-subcommand error, instead of urfave/cli's help dump and its
// "No help topic" message.
func oneLineErrors(c *cli.Command) {
	if c.OnUsageError == nil {
		c.OnUsageError = usageError
	}
	if len(c.Subcommands) > 0 && c.Action == nil {
		c.Action = unknownCommand(c.Subcommands)
	}
	for _, s := range c.Subcommands {
		oneLineErrors(s)
	}
}

func usageError(c *cli.Context, err error, _ bool) error {
	return fmt.Errorf("%w (see '%s --help')", err, c.Command.HelpName)
}

// unknownCommand shows the help when no command is given and otherwise names the unknown one
// and the closest known.
func unknownCommand(cmds []*cli.Command) cli.ActionFunc {
	return func(c *cli.Context) error {
		if !c.Args().Present() {
			return cli.ShowSubcommandHelp(c)
		}
		name := c.Args().First()
		where := c.App.Name
		if c.Command != nil && c.Command.Name != "" {
			where = c.Command.HelpName
		}
		msg := fmt.Sprintf("unknown command %q for '%s'", name, where)
		if s := closestCommand(cmds, name); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		return errors.New(msg)
	}
}

// closestCommand is the command name (or alias) nearest to name by edit distance, when it is
// near enough to be a typo.
func closestCommand(cmds []*cli.Command, name string) string {
	best, bestDist := "", len(name)/2+2
	for _, c := range cmds {
		for _, n := range c.Names() {
			if d := editDistance(strings.ToLower(name), n); d < bestDist {
				best, bestDist = n, d
			}
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// versionString is the module version and commit this binary was built from.
func versionString() string {
	version, commit, modified := "(devel)", gitCommit, false
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if commit == "" {
					commit = s.Value
				}
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if commit == "" {
		commit = "unknown"
	} else if modified {
		commit += "-dirty"
	}
	return fmt.Sprintf("%s (commit %s, %s)", version, commit, runtime.Version())
}

// printVersion is cli.VersionPrinter: the version line, then the STF guest's image ID, which
// names what this binary's proofs prove (it builds the guest; Go's cache makes that quick
// after the first time).
func printVersion(c *cli.Context) {
	printVersionTo(c.Context, c.App.Writer, c.App.Version)
}

func printVersionTo(ctx context.Context, w io.Writer, version string) {
	if ctx == nil {
		ctx = context.Background()
	}
	fmt.Fprintf(w, "zkexex %s\n", version)
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	quiet := log.NewLogger(log.DiscardHandler())
	elf, err := loadGuest(ctx, "", quiet)
	if err == nil {
		var id fmt.Stringer
		if id, err = guestImageID(ctx, elf); err == nil {
			fmt.Fprintf(w, "guest image ID %s\n", id)
			return
		}
	}
	fmt.Fprintf(w, "guest image ID unavailable: %v\n", err)
}

func main() {
	cli.VersionPrinter = printVersion
	// gnark logs its compile and prove steps to stdout, where 'groth16 setup' writes its JSON;
	// the wrap logs those steps itself.
	gnarklog.Disable()
	if err := newApp().Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "zkexex:", err)
		os.Exit(1)
	}
}
