package contracts

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/zkexex/zkexex/contracts/bindings"
	"github.com/zkexex/zkexex/contracts/internal/solc"
)

// gnark's Groth16 verifier is generated per verifying key (prover/wrap.ExportSolidity), so unlike
// the contracts under src/ it is compiled when its key exists: CompileGroth16Verifier runs the
// pinned solc on the exported source. Groth16OutputVerifier (src/, bound) then wraps it as the
// oracle's IOutputVerifier.

// ErrSolcMissing: the pinned solc is not installed (run `npm ci` in contracts/).
var ErrSolcMissing = solc.ErrNotInstalled

// SolcInstalled reports whether the pinned solc is installed under contractsDir (ErrSolcMissing
// otherwise): CompileGroth16Verifier needs it.
func SolcInstalled(contractsDir string) error { return solc.Installed(contractsDir) }

// Groth16VerifierContract is the name of the contract in gnark's exported source.
const Groth16VerifierContract = "Verifier"

// CompileGroth16Verifier compiles gnark's exported verifier source with the pinned solc installed
// under contractsDir (the contracts/ directory, after `npm ci`) and returns its creation bytecode.
func CompileGroth16Verifier(contractsDir, source string) ([]byte, error) {
	const name = "Groth16Verifier.sol"
	out, err := solc.Compile(contractsDir, map[string]string{name: source})
	if err != nil {
		return nil, fmt.Errorf("compile gnark verifier: %w", err)
	}
	c, ok := out[name][Groth16VerifierContract]
	if !ok {
		return nil, fmt.Errorf("compile gnark verifier: no contract %s in the source", Groth16VerifierContract)
	}
	code, err := hex.DecodeString(c.Bytecode)
	if err != nil || len(code) == 0 {
		return nil, fmt.Errorf("compile gnark verifier: bad bytecode: %v", err)
	}
	return code, nil
}

// Groth16Config describes a Groth16OutputVerifier deployment.
type Groth16Config struct {
	// VerifierBytecode is CompileGroth16Verifier's output for the wrap circuit's key.
	VerifierBytecode []byte
	// KeySetRoot is public input 1 (prover/wrap.KeySetInput), below BN254's scalar modulus.
	KeySetRoot *big.Int
	// ProofLength is the circuit's encoded proof length (prover/wrap.ProofBytes).
	ProofLength int
	// Dev must be true for keys from a dev setup: the verifier then says isDev() and only an oracle
	// deployed with AllowDevVerifier accepts it.
	Dev bool
}

// Groth16Deployment is what DeployGroth16Verifier deployed.
type Groth16Deployment struct {
	Gnark    common.Address // gnark's verifier
	Verifier common.Address // the Groth16OutputVerifier: the oracle's verifier
	Binding  *bindings.Groth16OutputVerifier
}

// ErrGroth16Config: a Groth16Config that cannot be deployed.
var ErrGroth16Config = errors.New("contracts: invalid Groth16 verifier config")

// DeployGroth16Verifier deploys gnark's verifier and a Groth16OutputVerifier over it, waiting for
// both to be mined (see DeployOracle for the backend's needs).
func DeployGroth16Verifier(ctx context.Context, auth *bind.TransactOpts, backend Backend, cfg Groth16Config) (*Groth16Deployment, error) {
	if len(cfg.VerifierBytecode) == 0 || cfg.KeySetRoot == nil || cfg.ProofLength <= 0 {
		return nil, fmt.Errorf("%w: bytecode, key-set root and proof length are required", ErrGroth16Config)
	}
	gnarkAddr, tx, _, err := bind.DeployContract(withContext(ctx, auth), abi.ABI{}, cfg.VerifierBytecode, backend)
	if err != nil {
		return nil, fmt.Errorf("deploy gnark verifier: %w", AsRevert(err))
	}
	if err := waitDeployed(ctx, backend, tx, gnarkAddr); err != nil {
		return nil, fmt.Errorf("deploy gnark verifier: %w", err)
	}
	addr, tx, binding, err := bindings.DeployGroth16OutputVerifier(withContext(ctx, auth), backend, gnarkAddr, cfg.KeySetRoot, big.NewInt(int64(cfg.ProofLength)), cfg.Dev)
	if err != nil {
		return nil, fmt.Errorf("deploy Groth16OutputVerifier: %w", AsRevert(err))
	}
	if err := waitDeployed(ctx, backend, tx, addr); err != nil {
		return nil, fmt.Errorf("deploy Groth16OutputVerifier: %w", err)
	}
	return &Groth16Deployment{Gnark: gnarkAddr, Verifier: addr, Binding: binding}, nil
}
