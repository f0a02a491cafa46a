// Package solc compiles Solidity with the compiler pinned in contracts/package-lock.json (the npm
// package "solc", run through node), with the settings every zkexex artifact is built with. The
// generator (contracts/gen) uses it for the committed artifacts, and contracts for verifiers
// generated at run time (gnark's Groth16 verifier for a given key).
package solc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ErrNotInstalled: the pinned solc is not installed under the given contracts directory.
var ErrNotInstalled = errors.New("solc: the pinned compiler is not installed (run `npm ci` in contracts/)")

// Settings are part of the artifacts: the EVM target is cancun so that the bytecode runs on any
// chain from Cancun on, and the CBOR metadata trailer is left out so the bytecode depends only on
// the sources and these settings.
const Settings = `{
  "optimizer": {"enabled": true, "runs": 200},
  "evmVersion": "cancun",
  "metadata": {"appendCBOR": false},
  "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "evm.methodIdentifiers"]}}
}`

// Contract is one compiled contract.
type Contract struct {
	ABI              json.RawMessage
	Bytecode         string // hex, no 0x
	DeployedBytecode string
	// MethodIdentifiers maps a signature to its 4-byte selector (hex).
	MethodIdentifiers map[string]string
}

type stdInput struct {
	Language string                       `json:"language"`
	Sources  map[string]map[string]string `json:"sources"`
	Settings json.RawMessage              `json:"settings"`
}

type stdOutput struct {
	Errors []struct {
		Severity         string `json:"severity"`
		FormattedMessage string `json:"formattedMessage"`
	} `json:"errors"`
	Contracts map[string]map[string]struct {
		ABI json.RawMessage `json:"abi"`
		EVM struct {
			Bytecode          struct{ Object string } `json:"bytecode"`
			DeployedBytecode  struct{ Object string } `json:"deployedBytecode"`
			MethodIdentifiers map[string]string       `json:"methodIdentifiers"`
		} `json:"evm"`
	} `json:"contracts"`
}

// Installed reports whether the pinned solc is installed under dir (the contracts/ directory).
func Installed(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "solc", "package.json")); err != nil {
		return fmt.Errorf("%w: %w", ErrNotInstalled, err)
	}
	return nil
}

// Version returns the compiler's version string, e.g. "0.8.30+commit.73712a01.Emscripten.clang".
func Version(dir string) (string, error) {
	if err := Installed(dir); err != nil {
		return "", err
	}
	v, err := node(dir, versionJS, nil)
	return strings.TrimSpace(v), err
}

// Compile compiles sources (source name -> content) with the pinned solc under dir. Warnings fail
// the compilation like errors: the sources are small enough to keep warning-free. The result maps
// source name and contract name to the contract.
func Compile(dir string, sources map[string]string) (map[string]map[string]Contract, error) {
	if err := Installed(dir); err != nil {
		return nil, err
	}
	in := stdInput{Language: "Solidity", Sources: map[string]map[string]string{}, Settings: json.RawMessage(Settings)}
	for name, content := range sources {
		in.Sources[name] = map[string]string{"content": content}
	}
	input, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	raw, err := node(dir, compileJS, input)
	if err != nil {
		return nil, err
	}
	var out stdOutput
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, fmt.Errorf("solc output: %w", err)
	}
	var msgs []string
	for _, e := range out.Errors {
		msgs = append(msgs, e.FormattedMessage)
	}
	if len(msgs) > 0 {
		return nil, errors.New("solc:\n" + strings.Join(msgs, "\n"))
	}
	res := make(map[string]map[string]Contract, len(out.Contracts))
	for src, cs := range out.Contracts {
		res[src] = make(map[string]Contract, len(cs))
		for name, c := range cs {
			res[src][name] = Contract{
				ABI:               c.ABI,
				Bytecode:          c.EVM.Bytecode.Object,
				DeployedBytecode:  c.EVM.DeployedBytecode.Object,
				MethodIdentifiers: c.EVM.MethodIdentifiers,
			}
		}
	}
	return res, nil
}

// The solc package's JavaScript API is used rather than its CLI, whose --standard-json mode prints
// a banner before the JSON.
const (
	versionJS = `process.stdout.write(require("solc").version())`
	compileJS = `process.stdout.write(require("solc").compile(require("fs").readFileSync(0, "utf8")))`
)

// node runs a script with node in dir, so that require resolves dir/node_modules.
func node(dir, script string, stdin []byte) (string, error) {
	cmd := exec.Command("node", "-e", script)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("node: %w: %s", err, stderr.String())
	}
	return string(out), nil
}
