package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/receipt"
	"github.com/zkexex/zkexex/prover/rv64"
	"github.com/zkexex/zkexex/stf"
	"github.com/zkexex/zkexex/stf/guestio"
)

// verifyCommand checks a composite receipt written by 'zkexex prove'.
var verifyCommand = &cli.Command{
	Name:  "verify",
	Usage: "verify a composite receipt ('zkexex prove --out') and print its claim as JSON; exit 0 only when it verifies",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "receipt", Usage: "composite receipt file", Required: true},
		&cli.StringFlag{Name: "image-id", Usage: "require a run of this image (0x-prefixed hex, as 'zkexex image' prints it)"},
	},
	Action: verifyAction,
}

// verifiedRun is what verify prints: the proven run's claim.
type verifiedRun struct {
	ImageID  string     `json:"imageId"`
	Segments int        `json:"segments"`
	Po2      uint8      `json:"po2"`
	ExitCode uint8      `json:"exitCode"`
	Journal  string     `json:"journal"`
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
	comp, err := receipt.DecodeCompositeReceipt(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", ctx.String("receipt"), err)
	}
	if len(comp.Segments) == 0 {
		return receipt.ErrEmpty
	}
	// Without --image-id the receipt is checked against the image it names: it then proves
	// a run of that image, whichever it is.
	image := comp.Segments[0].Claim.ImageID
	if want != nil && *want != image {
		return fmt.Errorf("%w: the receipt proves a run of image %s, not of %s", receipt.ErrImageMismatch, image, *want)
	}
	if err := comp.Verify(image, rv64.NewVerifier()); err != nil {
		return fmt.Errorf("the receipt does not verify: %w", err)
	}
	last, err := comp.Claim()
	if err != nil {
		return err
	}
	out := verifiedRun{
		ImageID: image.String(), Segments: len(comp.Segments), Po2: last.Po2, ExitCode: last.ExitCode,
		Journal: "0x" + hex.EncodeToString(comp.Journal),
	}
	// A journal of a claim's size from a clean exit reads as the STF guest's claim.
	if last.ExitCode == guestio.ExitOK && len(comp.Journal) == stf.ClaimSize {
		if c, err := stf.DecodeClaim(comp.Journal); err == nil {
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
