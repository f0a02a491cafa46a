// Command gen compiles contracts/src with the solc pinned in contracts/package-lock.json (through
// contracts/internal/solc) and writes the ABI/bytecode artifacts under contracts/artifacts and the
// abigen Go bindings in contracts/bindings. Run it through `go generate ./contracts/...` after
// `npm ci` in contracts/.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/ethereum/go-ethereum/accounts/abi/abigen"
	"github.com/zkexex/zkexex/contracts/internal/solc"
)

// bound lists the contracts that get Go bindings and artifacts, by source file.
var bound = []struct{ source, name string }{
	{"src/L2OutputOracle.sol", "L2OutputOracle"},
	{"src/DevVerifier.sol", "DevVerifier"},
	{"src/IOutputVerifier.sol", "IOutputVerifier"},
	{"src/Groth16OutputVerifier.sol", "Groth16OutputVerifier"},
}

func main() {
	dir := flag.String("dir", ".", "the contracts/ directory")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "contracts/gen:", err)
		os.Exit(1)
	}
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
	version, err := solc.Version(dir)
	if err != nil {
		return err
	}
	version = "solc " + version

	files, err := filepath.Glob(filepath.Join(dir, "src", "*.sol"))
	if err != nil {
		return err
	}
	slices.Sort(files)
	sources := make(map[string]string, len(files))
	for _, f := range files {
		content, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		sources["src/"+filepath.Base(f)] = string(content)
	}
	out, err := solc.Compile(dir, sources)
	if err != nil {
		return err
	}

	var (
		types, abis, bins []string
		sigs              []map[string]string
	)
	for _, b := range bound {
		c, ok := out[b.source][b.name]
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
			Bytecode:         "0x" + c.Bytecode,
			DeployedBytecode: "0x" + c.DeployedBytecode,
		}
		js, err := json.MarshalIndent(a, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "artifacts", b.name+".json"), append(js, '\n'), 0o644); err != nil {
			return err
		}
		fsig := make(map[string]string, len(c.MethodIdentifiers))
		for sig, id := range c.MethodIdentifiers {
			fsig[id] = sig
		}
		types = append(types, b.name)
		abis = append(abis, compact.String())
		bins = append(bins, c.Bytecode)
		sigs = append(sigs, fsig)
	}
	code, err := abigen.Bind(types, abis, bins, sigs, "bindings", nil, nil)
	if err != nil {
		return fmt.Errorf("abigen: %w", err)
	}
	header := "// Compiled with " + version + " from contracts/src by contracts/gen (go generate ./contracts/...).\n\n"
	return os.WriteFile(filepath.Join(dir, "bindings", "bindings.go"), []byte(header+code), 0o644)
}
