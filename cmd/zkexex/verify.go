package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/prover/recursion"
	"github.com/zkexex/zkexex/prover/rv64"
	"github.com/zkexex/zkexex/stf"
	"github.com/zkexex/zkexex/stf/guestio"
)

// verifyCommand checks a receipt written by 'zkexex prove'.
var verifyCommand = &cli.Command{
	Name:  "verify",
	Usage: "verify a composite or succinct receipt ('zkexex prove --out') and print its claim as JSON; exit 0 only when it verifies",
	Description: `A succinct receipt ('zkexex prove --succinct') is checked against the production key set
compiled into this binary; its root is printed as keySet.`,
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "receipt", Usage: "composite or succinct receipt file", Required: true},
		&cli.StringFlag{Name: "image-id", Usage: "require a run of this image (0x-prefixed hex, as 'zkexex image' prints it)"},
	},
	Action: verifyAction,
}

// verifiedRun is what verify prints: the proven run's claim.
type verifiedRun struct {
	Kind     string     `json:"kind"`
	ImageID  string     `json:"imageId"`
	Segments int        `json:"segments"`
	Po2      uint8      `json:"po2"`
	ExitCode uint8      `json:"exitCode"`
	Journal  string     `json:"journal"`
	KeySet   string     `json:"keySet,omitempty"`
	STF      *stf.Claim `json:"stfClaim,omitempty"`
}

// parseImageID parses an image ID: 32 bytes of hex, the canonical encoding of a digest.
func parseImageID(s string) (hash.Digest, error) {
	b, err := hex.DecodeString(trimHex(s))
	if err != nil {
		return hash.Digest{}, fmt.Errorf("--image-id %q: %w", s, err)
	}
	d, err := hash.DigestFromBytes(b)
	if err != nil {
		return hash.Digest{}, fmt.Errorf("--image-id %q: %w", s, err)
	}
	return d, nil
}

func verifyAction(ctx *cli.Context) error {
	var want *hash.Digest
	if s := ctx.String("image-id"); s != "" {
		d, err := parseImageID(s)
		if err != nil {
			return err
		}
		want = &d
	}
	raw, err := os.ReadFile(ctx.String("receipt"))
	if err != nil {
		return err
	}
	var out *verifiedRun
	if receipt.IsSuccinct(raw) {
		out, err = verifySuccinct(raw, want)
	} else {
		out, err = verifyComposite(raw, want)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", ctx.String("receipt"), err)
	}
	// A journal of a claim's size from a clean exit reads as the STF guest's claim.
	if journal, _ := hex.DecodeString(trimHex(out.Journal)); out.ExitCode == guestio.ExitOK && len(journal) == stf.ClaimSize {
		if c, err := stf.DecodeClaim(journal); err == nil {
			out.STF = &c
		}
	}
	enc, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	fmt.Fprintln(ctx.App.Writer, string(enc))
	fmt.Fprintln(ctx.App.ErrWriter, "receipt verifies")
	return nil
}

// checkImage refuses a receipt of another image than the one required (when one is).
func checkImage(image hash.Digest, want *hash.Digest) error {
	if want != nil && *want != image {
		return fmt.Errorf("%w: the receipt proves a run of image %s, not of %s", receipt.ErrImageMismatch, image, *want)
	}
	return nil
}

// verifyComposite checks a composite receipt. Without a required image it is checked against
// the image it names: it then proves a run of that image, whichever it is.
func verifyComposite(raw []byte, want *hash.Digest) (*verifiedRun, error) {
	comp, err := receipt.DecodeCompositeReceipt(raw)
	if err != nil {
		return nil, err
	}
	last, err := comp.Claim()
	if err != nil {
		return nil, err
	}
	image := comp.Segments[0].Claim.ImageID
	if err := checkImage(image, want); err != nil {
		return nil, err
	}
	if err := comp.Verify(image, rv64.NewVerifier()); err != nil {
		return nil, fmt.Errorf("the receipt does not verify: %w", err)
	}
	return &verifiedRun{
		Kind: "composite", ImageID: image.String(), Segments: len(comp.Segments), Po2: last.Po2, ExitCode: last.ExitCode,
		Journal: "0x" + hex.EncodeToString(comp.Journal),
	}, nil
}

// verifySuccinct checks a succinct receipt against the production key set.
func verifySuccinct(raw []byte, want *hash.Digest) (*verifiedRun, error) {
	r, err := receipt.DecodeSuccinctReceipt(raw)
	if err != nil {
		return nil, err
	}
	image := r.Claim.ImageID
	if err := checkImage(image, want); err != nil {
		return nil, err
	}
	v, err := recursion.ProductionVerifier()
	if err != nil {
		return nil, err
	}
	root, err := v.Set.Root()
	if err != nil {
		return nil, err
	}
	if err := r.Verify(image, v); err != nil {
		return nil, fmt.Errorf("the receipt does not verify: %w", err)
	}
	return &verifiedRun{
		Kind: "succinct", ImageID: image.String(), Segments: int(r.Segments), Po2: r.Claim.Po2, ExitCode: r.Claim.ExitCode,
		Journal: "0x" + hex.EncodeToString(r.Journal), KeySet: root.String(),
	}, nil
}
