package wrap

import (
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/std/rangecheck"
)

// StatementCircuit is the smallest circuit with the wrap circuit's two public inputs: it proves
// knowledge of their product, which ties both inputs into the proof (a public input that no
// constraint touches would be unbound). Tests of the on-chain verifier use it where the binding
// circuit's setup would cost minutes, and it measures the verifier's gas without a commitment.
type StatementCircuit struct {
	KeySetRoot  frontend.Variable `gnark:",public"`
	ClaimDigest frontend.Variable `gnark:",public"`
	Product     frontend.Variable `gnark:",secret"`
}

// Define implements frontend.Circuit.
func (c *StatementCircuit) Define(api frontend.API) error {
	api.AssertIsEqual(c.Product, api.Mul(c.KeySetRoot, c.ClaimDigest))
	return nil
}

// StatementCommitCircuit is StatementCircuit plus one 8-bit range check, which makes gnark's
// Groth16 backend add a Pedersen commitment, as the binding and wrap circuits have: the proof
// grows by 128 bytes and the verifier by a commitment check.
type StatementCommitCircuit struct {
	KeySetRoot  frontend.Variable `gnark:",public"`
	ClaimDigest frontend.Variable `gnark:",public"`
	Product     frontend.Variable `gnark:",secret"`
	Byte        frontend.Variable `gnark:",secret"`
}

// Define implements frontend.Circuit.
func (c *StatementCommitCircuit) Define(api frontend.API) error {
	api.AssertIsEqual(c.Product, api.Mul(c.KeySetRoot, c.ClaimDigest))
	rangecheck.New(api).Check(c.Byte, 8)
	return nil
}
