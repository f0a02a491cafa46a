// Command gen compiles contracts/src with the solc pinned in contracts/package-lock.json (npm package
// "solc", run through node) and writes the ABI/bytecode artifacts under contracts/artifacts and the
// abigen Go bindings in contracts/bindings. Run it through `go generate ./contracts/...` after
// `npm ci` in contracts/.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi/abigen"
)

// bound lists the contracts that get Go bindings and artifacts, by source file.
var bound = []struct{ source, name string }{
	{"src/L2OutputOracle.sol", "L2OutputOracle"},
	{"src/DevVerifier.sol", "DevVerifier"},
	{"src/IOutputVerifier.sol", "IOutputVerifier"},
}

// Compiler settings are part of the artifacts: the EVM target is cancun so that the bytecode runs on
// any chain from Cancun on, and the CBOR metadata trailer is left out so the bytecode depends only on
// the sources and these settings.
const settings = `{
  "optimizer": {"enabled": true, "runs": 200},
  "evmVersion": "cancun",
  "metadata": {"appendCBOR": false},
  "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "evm.methodIdentifiers"]}}
}`

func main() {
	dir := flag.String("dir", ".", "the contracts/ directory")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "contracts/gen:", err)
		os.Exit(1)
	}
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

// artifact is the JSON written per contract.
type artifact struct {
	ContractName     string          `json:"contractName"`
	SourceName       string          `json:"sourceName"`
	Compiler         string          `json:"compiler"`
	ABI              json.RawMessage `json:"abi"`
	Bytecode         string          `json:"bytecode"`
	DeployedBytecode string          `json:"deployedBytecode"`
}

func run(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "solc", "package.json")); err != nil {
		return fmt.Errorf("solc not installed (run `npm ci` in %s first): %w", dir, err)
	}
	version, err := node(dir, versionJS, nil)
	if err != nil {
		return err
	}
	version = "solc " + strings.TrimSpace(version)

	files, err := filepath.Glob(filepath.Join(dir, "src", "*.sol"))
	if err != nil {
		return err
	}
	slices.Sort(files)
	in := stdInput{Language: "Solidity", Sources: map[string]map[string]string{}, Settings: json.RawMessage(settings)}
	for _, f := range files {
		content, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		in.Sources["src/"+filepath.Base(f)] = map[string]string{"content": string(content)}
	}
	input, err := json.Marshal(in)
	if err != nil {
		return err
	}

	raw, err := node(dir, compileJS, input)
	if err != nil {
		return err
	}
	var out stdOutput
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return fmt.Errorf("solc output: %w", err)
	}
	var msgs []string
	for _, e := range out.Errors {
		// Warnings fail the build too: the sources are small enough to keep warning-free.
		msgs = append(msgs, e.FormattedMessage)
	}
	if len(msgs) > 0 {
		return errors.New("solc:\n" + strings.Join(msgs, "\n"))
	}

	var (
		types, abis, bins []string
		sigs              []map[string]string
	)
	for _, b := range bound {
		c, ok := out.Contracts[b.source][b.name]
		if !ok {
			return fmt.Errorf("solc output lacks %s:%s", b.source, b.name)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, c.ABI); err != nil {
			return err
		}
		a := artifact{
			ContractName:     b.name,
			SourceName:       b.source,
			Compiler:         version,
			ABI:              compact.Bytes(),
			Bytecode:         "0x" + c.EVM.Bytecode.Object,
			DeployedBytecode: "0x" + c.EVM.DeployedBytecode.Object,
		}
		js, err := json.MarshalIndent(a, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "artifacts", b.name+".json"), append(js, '\n'), 0o644); err != nil {
			return err
		}
		fsig := make(map[string]string, len(c.EVM.MethodIdentifiers))
		for sig, id := range c.EVM.MethodIdentifiers {
			fsig[id] = sig
		}
		types = append(types, b.name)
		abis = append(abis, compact.String())
		bins = append(bins, c.EVM.Bytecode.Object)
		sigs = append(sigs, fsig)
	}
	code, err := abigen.Bind(types, abis, bins, sigs, "bindings", nil, nil)
	if err != nil {
		return fmt.Errorf("abigen: %w", err)
	}
	header := "// Compiled with " + version + " from contracts/src by contracts/gen (go generate ./contracts/...).\n\n"
	return os.WriteFile(filepath.Join(dir, "bindings", "bindings.go"), []byte(header+code), 0o644)
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
