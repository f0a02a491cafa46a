package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/consensys/gnark-crypto/ecc"
	cs "github.com/consensys/gnark/constraint/bn254"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/ethereum/go-ethereum/log"
	"github.com/urfave/cli/v2"
	"github.com/zkexex/zkexex/derivation"
	"github.com/zkexex/zkexex/prover/wrap"
)

// groth16Command sets up Groth16 keys for the wrap circuit (by default the production span
// circuit, wrap.CompileFinal) and exports its Solidity verifier.
var groth16Command = &cli.Command{
	Name:  "groth16",
	Usage: "Groth16 keys of the wrap circuit: dev setup, MPC ceremony, Solidity verifier export",
	Description: `Keys live in a cache directory (--cache, default $ZKEXEX_GROTH16_CACHE or the user cache
directory), keyed by the circuit's digest. A dev setup is INSECURE (one machine saw the toxic
waste): its verifier says isDev() and only an oracle deployed for dev mode accepts it.

A ceremony, contribution files passed from one contributor to the next:
  zkexex groth16 ceremony contribute --phase 1 --out p1a
  zkexex groth16 ceremony contribute --phase 1 --prev p1a --out p1b
  zkexex groth16 ceremony seal --beacon HEX --out srs p1a p1b
  zkexex groth16 ceremony contribute --phase 2 --srs srs --out p2a
  zkexex groth16 ceremony contribute --phase 2 --srs srs --prev p2a --out p2b
  zkexex groth16 ceremony finish --srs srs --beacon HEX p2a p2b
then 'zkexex groth16 export --ceremony --out Verifier.sol'.`,
	Subcommands: []*cli.Command{
		{
			Name:   "setup",
			Usage:  "make (or load) the INSECURE dev keys and print what the on-chain verifier needs, as JSON",
			Flags:  groth16Flags(),
			Action: groth16SetupAction,
		},
		{
			Name:  "export",
			Usage: "write gnark's Solidity verifier for the cached keys",
			Flags: append(groth16Flags(),
				&cli.StringFlag{Name: "out", Usage: "output .sol file", Required: true},
				&cli.BoolFlag{Name: "ceremony", Usage: "export the ceremony keys (default: the dev keys)"},
			),
			Action: groth16ExportAction,
		},
		{
			Name:  "ceremony",
			Usage: "run gnark's MPC setup (phase 1: powers of tau, phase 2: circuit-specific)",
			Subcommands: []*cli.Command{
				{
					Name:  "contribute",
					Usage: "add a contribution on top of --prev (none: the first) and write it to --out",
					Flags: append(groth16Flags(),
						&cli.IntFlag{Name: "phase", Usage: "1 or 2", Required: true},
						&cli.StringFlag{Name: "prev", Usage: "the previous contribution (omit for the first)"},
						&cli.StringFlag{Name: "srs", Usage: "phase 2: the sealed phase-1 output ('ceremony seal')"},
						&cli.StringFlag{Name: "out", Usage: "output file", Required: true},
					),
					Action: groth16ContributeAction,
				},
				{
					Name:      "seal",
					Usage:     "verify the phase-1 contributions (in order) and seal them with a public beacon",
					ArgsUsage: "CONTRIBUTION...",
					Flags: append(groth16Flags(),
						&cli.StringFlag{Name: "beacon", Usage: "public randomness revealed after the last contribution (hex)", Required: true},
						&cli.StringFlag{Name: "out", Usage: "output file (the SRS for phase 2)", Required: true},
					),
					Action: groth16SealAction,
				},
				{
					Name:      "finish",
					Usage:     "verify the phase-2 contributions (in order), seal them with a beacon and cache the keys",
					ArgsUsage: "CONTRIBUTION...",
					Flags: append(groth16Flags(),
						&cli.StringFlag{Name: "srs", Usage: "the sealed phase-1 output", Required: true},
						&cli.StringFlag{Name: "beacon", Usage: "public randomness revealed after the last contribution (hex)", Required: true},
					),
					Action: groth16FinishAction,
				},
			},
		},
	},
}

func groth16Flags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "cache", Usage: "key cache directory (default $ZKEXEX_GROTH16_CACHE or the user cache directory)"},
		&cli.StringFlag{Name: "circuit", Usage: "span (the wrap circuit: a span of --blocks blocks under the production key set, about a minute to compile, minutes to set up), binding (its statement alone) or statement (a tiny stand-in with the same public inputs, for tests)", Value: "span"},
		&cli.IntFlag{Name: "blocks", Usage: "with --circuit span: blocks per span, the oracle's submission interval (the circuit is specialised to it)", Value: 5},
	}
}

func groth16Circuit(ctx *cli.Context) (*cs.R1CS, error) {
	var c frontend.Circuit
	switch name := ctx.String("circuit"); name {
	case "binding":
		c = &wrap.BindingCircuit{}
	case "statement":
		c = &wrap.StatementCircuit{}
	case "span":
		return spanCircuit(ctx.Int("blocks"))
	default:
		return nil, fmt.Errorf("--circuit %q: want span, binding or statement", name)
	}
	ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, c)
	if err != nil {
		return nil, fmt.Errorf("compiling the circuit: %w", err)
	}
	return wrap.R1CS(ccs)
}

// spanCircuit compiles the wrap circuit for spans of blocks blocks under the production key set.
func spanCircuit(blocks int) (*cs.R1CS, error) {
	st, err := derivation.ProductionSpan(blocks)
	if err != nil {
		return nil, err
	}
	log.Info("Setting up the final layer's span program (BN254) and compiling its circuit", "blocks", blocks)
	_, _, ccs, err := wrap.CompileFinal(st)
	return ccs, err
}

func groth16Cache(ctx *cli.Context) (wrap.KeyCache, error) { return keyCache(ctx.String("cache")) }

// keyCache is the Groth16 key cache at dir ("": $ZKEXEX_GROTH16_CACHE or the user cache
// directory).
func keyCache(dir string) (wrap.KeyCache, error) {
	if dir != "" {
		return wrap.KeyCache{Dir: dir}, nil
	}
	d, err := wrap.DefaultKeyCacheDir()
	return wrap.KeyCache{Dir: d}, err
}

// groth16Keys is what 'groth16 setup' prints: the inputs of a Groth16OutputVerifier deployment.
type groth16Keys struct {
	Circuit     string `json:"circuit"`
	Constraints int    `json:"constraints"`
	Setup       string `json:"setup"`
	Insecure    bool   `json:"insecure"`
	ProofLength int    `json:"proofLength"`
	Cache       string `json:"cache"`
}

func printKeys(cache wrap.KeyCache, ccs *cs.R1CS, k *wrap.Keys) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(groth16Keys{
		Circuit:     "0x" + hex.EncodeToString(k.Circuit[:]),
		Constraints: ccs.GetNbConstraints(),
		Setup:       k.Kind.String(),
		Insecure:    k.Kind.Insecure(),
		ProofLength: wrap.ProofBytes(k.NbCommitments()),
		Cache:       cache.Path(k.Circuit, k.Kind),
	})
}

func groth16SetupAction(ctx *cli.Context) error {
	ccs, err := groth16Circuit(ctx)
	if err != nil {
		return err
	}
	cache, err := groth16Cache(ctx)
	if err != nil {
		return err
	}
	k, err := cache.DevKeys(ccs)
	if err != nil {
		return err
	}
	return printKeys(cache, ccs, k)
}

func groth16ExportAction(ctx *cli.Context) error {
	ccs, err := groth16Circuit(ctx)
	if err != nil {
		return err
	}
	cache, err := groth16Cache(ctx)
	if err != nil {
		return err
	}
	digest, err := wrap.DigestCircuit(ccs)
	if err != nil {
		return err
	}
	kind, hint := wrap.SetupDev, "zkexex groth16 setup"
	if ctx.Bool("ceremony") {
		kind, hint = wrap.SetupCeremony, "zkexex groth16 ceremony finish"
	}
	k, err := cache.Load(digest, kind)
	if errors.Is(err, wrap.ErrKeyCacheMiss) {
		return fmt.Errorf("no %s keys for this circuit in %s: run '%s' first", kind, cache.Dir, hint)
	}
	if err != nil {
		return err
	}
	src, err := wrap.ExportSolidity(k)
	if err != nil {
		return err
	}
	return os.WriteFile(ctx.String("out"), []byte(src), 0o644)
}

func groth16ContributeAction(ctx *cli.Context) error {
	ccs, err := groth16Circuit(ctx)
	if err != nil {
		return err
	}
	var prev []byte
	if p := ctx.String("prev"); p != "" {
		if prev, err = os.ReadFile(p); err != nil {
			return err
		}
	}
	c := wrap.NewCeremony(ccs)
	var out []byte
	switch ctx.Int("phase") {
	case 1:
		out, err = c.ContributePhase1(prev)
	case 2:
		if ctx.String("srs") == "" {
			return errors.New("--phase 2 needs --srs (the output of 'ceremony seal')")
		}
		srs, rerr := os.ReadFile(ctx.String("srs"))
		if rerr != nil {
			return rerr
		}
		out, err = c.ContributePhase2(srs, prev)
	default:
		return fmt.Errorf("--phase %d: want 1 or 2", ctx.Int("phase"))
	}
	if err != nil {
		return err
	}
	return os.WriteFile(ctx.String("out"), out, 0o644)
}

func readContributions(ctx *cli.Context) ([][]byte, error) {
	if ctx.NArg() == 0 {
		return nil, errors.New("no contribution files given")
	}
	out := make([][]byte, ctx.NArg())
	for i, p := range ctx.Args().Slice() {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

func parseBeacon(s string) ([]byte, error) {
	b, err := hex.DecodeString(trimHex(s))
	if err != nil || len(b) == 0 {
		return nil, fmt.Errorf("--beacon %q: want non-empty hex", s)
	}
	return b, nil
}

func groth16SealAction(ctx *cli.Context) error {
	ccs, err := groth16Circuit(ctx)
	if err != nil {
		return err
	}
	beacon, err := parseBeacon(ctx.String("beacon"))
	if err != nil {
		return err
	}
	contribs, err := readContributions(ctx)
	if err != nil {
		return err
	}
	srs, err := wrap.NewCeremony(ccs).VerifyPhase1(contribs, beacon)
	if err != nil {
		return err
	}
	return os.WriteFile(ctx.String("out"), srs, 0o644)
}

func groth16FinishAction(ctx *cli.Context) error {
	ccs, err := groth16Circuit(ctx)
	if err != nil {
		return err
	}
	beacon, err := parseBeacon(ctx.String("beacon"))
	if err != nil {
		return err
	}
	srs, err := os.ReadFile(ctx.String("srs"))
	if err != nil {
		return err
	}
	contribs, err := readContributions(ctx)
	if err != nil {
		return err
	}
	cache, err := groth16Cache(ctx)
	if err != nil {
		return err
	}
	k, err := wrap.NewCeremony(ccs).Finish(srs, contribs, beacon)
	if err != nil {
		return err
	}
	if err := cache.Store(k); err != nil {
		return err
	}
	return printKeys(cache, ccs, k)
}
