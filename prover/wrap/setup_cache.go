package wrap

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
	cs "github.com/consensys/gnark/constraint/bn254"
)

// KeyCache keeps Groth16 keys on disk, one file per (circuit digest, setup kind), so
// that a process loads keys instead of rerunning a setup. Keys are large (tens of megabytes for the
// binding circuit, far more for the wrap circuit) and derived, so the cache lives outside the
// repository (DefaultKeyCacheDir) and is never committed.
//
// File format (version 1): magic "ZKXG16K1", kind (1 byte), circuit digest (32), then the verifying key and the proving key in
// gnark's raw (uncompressed) encoding, each prefixed by its length as a big-endian uint64, and
// last sha256 of everything before it. The checksum catches a truncated or damaged file before
// gnark parses it; a file that fails any check is ErrKeyCacheCorrupt, and DevKeys regenerates it.
type KeyCache struct {
	Dir string
}

const (
	keyCacheMagic  = "ZKXG16K1"
	keyCacheHeader = len(keyCacheMagic) + 1 + 32
)

var (
	// ErrKeyCacheMiss: no cached keys for the circuit (wraps fs.ErrNotExist).
	ErrKeyCacheMiss = errors.New("wrap: Groth16 keys not in the cache")
	// ErrKeyCacheCorrupt: a cache file that does not decode to the keys it is named for.
	ErrKeyCacheCorrupt = errors.New("wrap: corrupt Groth16 key cache file")
)

// DefaultKeyCacheDir is $ZKEXEX_GROTH16_CACHE if set, else zkexex/groth16 under the user's cache
// directory.
func DefaultKeyCacheDir() (string, error) {
	if d := os.Getenv("ZKEXEX_GROTH16_CACHE"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("wrap: no cache directory for Groth16 keys (set ZKEXEX_GROTH16_CACHE): %w", err)
	}
	return filepath.Join(d, "zkexex", "groth16"), nil
}

// Path is the cache file of the keys of kind for circuit.
func (c KeyCache) Path(circuit CircuitDigest, kind SetupKind) string {
	name := fmt.Sprintf("%s-%s.keys", hex.EncodeToString(circuit[:]), kindName(kind))
	return filepath.Join(c.Dir, name)
}

func kindName(k SetupKind) string {
	switch k {
	case SetupDev:
		return "dev"
	case SetupCeremony:
		return "ceremony"
	}
	return fmt.Sprintf("kind%d", uint8(k))
}

// Load reads the keys of kind for circuit.
func (c KeyCache) Load(circuit CircuitDigest, kind SetupKind) (*Keys, error) {
	path := c.Path(circuit, kind)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s: %w", ErrKeyCacheMiss, path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("wrap: reading %s: %w", path, err)
	}
	k, err := DecodeKeys(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if k.Kind != kind || k.Circuit != circuit {
		return nil, fmt.Errorf("%w: %s holds %s keys for circuit %x", ErrKeyCacheCorrupt, path, k.Kind, k.Circuit[:8])
	}
	return k, nil
}

// Store writes keys to the cache, atomically: a reader sees the old
// file or the whole new one.
func (c KeyCache) Store(k *Keys) error {
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return fmt.Errorf("wrap: key cache: %w", err)
	}
	path := c.Path(k.Circuit, k.Kind)
	tmp, err := os.CreateTemp(c.Dir, ".keys-*")
	if err != nil {
		return fmt.Errorf("wrap: key cache: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename this fails harmlessly
	w := bufio.NewWriterSize(tmp, 1<<20)
	if err := EncodeKeys(w, k); err != nil {
		tmp.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("wrap: key cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("wrap: key cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("wrap: key cache: %w", err)
	}
	return nil
}

// DevKeys returns the dev keys of ccs: from the cache, or made by DevSetup and stored. DevSetup is
// deterministic, so the cache only saves time: loaded or recomputed, on this machine or another,
// the keys are the same. A corrupt cache file is replaced, and so is one whose keys are not
// DevSeed's (made by an earlier version, whose dev setup drew random toxic waste).
func (c KeyCache) DevKeys(ccs *cs.R1CS) (*Keys, error) {
	digest, err := DigestCircuit(ccs)
	if err != nil {
		return nil, err
	}
	k, err := c.Load(digest, SetupDev)
	switch {
	case err == nil:
		seeded, err := seededBy(k.VK, []byte(DevSeed))
		if err != nil {
			return nil, err
		}
		if seeded {
			return k, nil
		}
	case !errors.Is(err, ErrKeyCacheMiss) && !errors.Is(err, ErrKeyCacheCorrupt):
		return nil, err
	}
	if k, err = DevSetup(ccs); err != nil {
		return nil, err
	}
	if err := c.Store(k); err != nil {
		return nil, err
	}
	return k, nil
}

// EncodeKeys writes the cache encoding of k.
func EncodeKeys(w io.Writer, k *Keys) error {
	h := sha256.New()
	mw := io.MultiWriter(w, h)
	head := make([]byte, 0, keyCacheHeader)
	head = append(head, keyCacheMagic...)
	head = append(head, byte(k.Kind))
	head = append(head, k.Circuit[:]...)
	if _, err := mw.Write(head); err != nil {
		return fmt.Errorf("wrap: key cache: %w", err)
	}
	for _, part := range []interface {
		WriteRawTo(io.Writer) (int64, error)
	}{k.VK, k.PK} {
		var buf bytes.Buffer
		if _, err := part.WriteRawTo(&buf); err != nil {
			return fmt.Errorf("wrap: serializing keys: %w", err)
		}
		if _, err := mw.Write(binary.BigEndian.AppendUint64(nil, uint64(buf.Len()))); err != nil {
			return fmt.Errorf("wrap: key cache: %w", err)
		}
		if _, err := mw.Write(buf.Bytes()); err != nil {
			return fmt.Errorf("wrap: key cache: %w", err)
		}
	}
	if _, err := w.Write(h.Sum(nil)); err != nil {
		return fmt.Errorf("wrap: key cache: %w", err)
	}
	return nil
}

// DecodeKeys parses a cache file. The proving key is read without gnark's subgroup checks (they
// dominate loading time), which the checksum makes safe against damage, though not against a
// forged file: the cache directory is trusted like the binary itself.
func DecodeKeys(b []byte) (k *Keys, err error) {
	corrupt := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrKeyCacheCorrupt, fmt.Sprintf(format, args...))
	}
	if len(b) < keyCacheHeader+sha256.Size {
		return nil, corrupt("%d bytes", len(b))
	}
	body, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, corrupt("checksum mismatch")
	}
	if string(body[:len(keyCacheMagic)]) != keyCacheMagic {
		return nil, corrupt("bad magic")
	}
	k = &Keys{Kind: SetupKind(body[len(keyCacheMagic)])}
	if k.Kind != SetupDev && k.Kind != SetupCeremony {
		return nil, corrupt("unknown setup kind %d", body[len(keyCacheMagic)])
	}
	copy(k.Circuit[:], body[len(keyCacheMagic)+1:])
	rest := body[keyCacheHeader:]
	part := func(what string) ([]byte, error) {
		if len(rest) < 8 {
			return nil, corrupt("%s: truncated", what)
		}
		n := binary.BigEndian.Uint64(rest)
		if n > uint64(len(rest)-8) {
			return nil, corrupt("%s: %d bytes, %d left", what, n, len(rest)-8)
		}
		p := rest[8 : 8+n]
		rest = rest[8+n:]
		return p, nil
	}
	vkb, err := part("verifying key")
	if err != nil {
		return nil, err
	}
	pkb, err := part("proving key")
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, corrupt("%d trailing bytes", len(rest))
	}
	defer func() {
		// gnark's decoders may panic on lengths they do not expect.
		if r := recover(); r != nil {
			k, err = nil, corrupt("decoding: %v", r)
		}
	}()
	k.VK, k.PK = new(groth16bn254.VerifyingKey), new(groth16bn254.ProvingKey)
	if n, err := k.VK.ReadFrom(bytes.NewReader(vkb)); err != nil || n != int64(len(vkb)) {
		return nil, corrupt("verifying key (%d of %d bytes): %v", n, len(vkb), err)
	}
	if n, err := k.PK.UnsafeReadFrom(bytes.NewReader(pkb)); err != nil || n != int64(len(pkb)) {
		return nil, corrupt("proving key (%d of %d bytes): %v", n, len(pkb), err)
	}
	if err := k.VK.Precompute(); err != nil {
		return nil, corrupt("verifying key: %v", err)
	}
	return k, nil
}
