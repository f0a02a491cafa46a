package wrap

import (
	"bytes"
	"fmt"

	"github.com/consensys/gnark/backend/solidity"
)

// SolidityPragma is the compiler version the exported verifier is pinned to: the one
// contracts/package-lock.json pins for every zkexex contract.
const SolidityPragma = "0.8.30"

// SolidityContractName is the name of the contract ExportSolidity writes.
const SolidityContractName = "Verifier"

// ExportSolidity returns gnark's Solidity verifier for the keys' verifying key: a contract named
// Verifier whose verifyProof(bytes proof, uint256[2] input) reverts unless proof (EncodeProof's
// encoding) verifies for the two public inputs. Its commitment challenge is hashed with
// keccak256, which Prove and Verify match. contracts/src/Groth16OutputVerifier.sol calls it.
func ExportSolidity(keys *Keys) (string, error) {
	var buf bytes.Buffer
	if err := keys.VK.ExportSolidity(&buf, solidity.WithPragmaVersion(SolidityPragma)); err != nil {
		return "", fmt.Errorf("wrap: exporting the Solidity verifier: %w", err)
	}
	return buf.String(), nil
}
