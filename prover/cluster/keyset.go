package cluster

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/zkexex/zkexex/prover/hash"
	"github.com/zkexex/zkexex/prover/recursion"
	"github.com/zkexex/zkexex/prover/stark"
)

// keySetSpec is a key set as the coordinator hands it to workers (in the blob store, under
// keySetName): everything recursion.NewAggregator needs, so that a worker proves for the
// coordinator's set (the production set, or a test set) without being configured for it. A
// worker gains nothing by trusting it: the coordinator checks every proof against its own set.
type keySetSpec struct {
	Params        stark.Params             `json:"params"`
	SegmentParams stark.Params             `json:"segmentParams"`
	ShrinkParams  stark.Params             `json:"shrinkParams"`
	Shape         []int                    `json:"shape"`
	ShrinkShape   []int                    `json:"shrinkShape"`
	Segments      []recursion.SegmentShape `json:"segments"`
	Keys          []string                 `json:"keys"`
	ShrinkKey     string                   `json:"shrinkKey"`
	MinSecurity   *float64                 `json:"minSecurityBits,omitempty"` // VKSet.Config, when set
}

func encodeKeySet(s *recursion.VKSet) ([]byte, error) {
	spec := keySetSpec{
		Params: s.Params, SegmentParams: s.SegmentParams, ShrinkParams: s.ShrinkParams,
		Shape: s.Shape, ShrinkShape: s.ShrinkShape, Segments: s.Segments, ShrinkKey: hexDigest(s.ShrinkKey),
	}
	for _, k := range s.Keys {
		spec.Keys = append(spec.Keys, hexDigest(k))
	}
	if s.Config != nil {
		bits := s.Config.MinSecurityBits
		spec.MinSecurity = &bits
	}
	return json.Marshal(&spec)
}

func hexDigest(d hash.Digest) string {
	b := d.Bytes()
	return hex.EncodeToString(b[:])
}

func digestFromHex(s string) (hash.Digest, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		return hash.Digest{}, err
	}
	return hash.DigestFromBytes(b)
}

// decodeKeySet parses encodeKeySet's output into a set whose root is computed (a malformed set
// is refused here, not at the first proof).
func decodeKeySet(b []byte) (*recursion.VKSet, error) {
	var spec keySetSpec
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&spec); err != nil {
		return nil, fmt.Errorf("%w: key set: %w", ErrMessage, err)
	}
	if d.More() {
		return nil, fmt.Errorf("%w: key set: trailing data", ErrMessage)
	}
	s := &recursion.VKSet{
		Params: spec.Params, SegmentParams: spec.SegmentParams, ShrinkParams: spec.ShrinkParams,
		Shape: spec.Shape, ShrinkShape: spec.ShrinkShape, Segments: spec.Segments,
	}
	for _, p := range []stark.Params{s.Params, s.SegmentParams, s.ShrinkParams} {
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("%w: key set: %w", ErrMessage, err)
		}
	}
	for _, k := range spec.Keys {
		d, err := digestFromHex(k)
		if err != nil {
			return nil, fmt.Errorf("%w: key set key %q: %w", ErrMessage, k, err)
		}
		s.Keys = append(s.Keys, d)
	}
	var err error
	if s.ShrinkKey, err = digestFromHex(spec.ShrinkKey); err != nil {
		return nil, fmt.Errorf("%w: key set shrink key: %w", ErrMessage, err)
	}
	if spec.MinSecurity != nil {
		s.Config = &stark.VerifierConfig{MinSecurityBits: *spec.MinSecurity}
	}
	if _, err := s.Root(); err != nil {
		return nil, fmt.Errorf("%w: key set: %w", ErrMessage, err)
	}
	return s, nil
}

// keySetName is the key set's object name: derived from its encoding, so that a worker that
// fetches it by name gets exactly the set the coordinator published.
func keySetName(enc []byte) string { return objectName("keyset", enc) }

// verifierConfig is the policy proofs under s are checked with: the set's own (a test set's
// lowered one) or the default.
func verifierConfig(s *recursion.VKSet) stark.VerifierConfig {
	if s.Config != nil {
		return *s.Config
	}
	return stark.DefaultVerifierConfig()
}
