package cluster

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/consensys/gnark-crypto/field/koalabear"

	"github.com/zkexex/zkexex/prover/recursion"
)

// ErrMessage: a task or result message, or a proof blob, is malformed.
var ErrMessage = errors.New("cluster: malformed message")

// TaskKind is what a task proves.
type TaskKind uint8

// Task kinds.
const (
	// TaskSegment proves one segment record at its menu shape and lifts it (prove.Lift): one
	// input (the record), one output (the lift). The segment receipt stays on the worker: the
	// lift proves that a segment proof of exactly its claim verifies, and nothing else of the
	// run reads the receipt.
	TaskSegment TaskKind = 1 + iota
	// TaskJoin joins two consecutive aggregation proofs (recursion.Aggregator.Join).
	TaskJoin
	// TaskShrink shrinks the run's root proof into a succinct receipt's seal
	// (recursion.Aggregator.Shrink).
	TaskShrink
)

func (k TaskKind) String() string {
	switch k {
	case TaskSegment:
		return "segment"
	case TaskJoin:
		return "join"
	case TaskShrink:
		return "shrink"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// arity is the number of inputs and outputs of a task of kind k.
func (k TaskKind) arity() (in, out int, ok bool) {
	switch k {
	case TaskSegment:
		return 1, 1, true
	case TaskJoin:
		return 2, 1, true
	case TaskShrink:
		return 1, 1, true
	}
	return 0, 0, false
}

// Bounds that keep a decoded message small and its fields meaningful.
const (
	maxAttempts = 64
	maxAvoid    = 64
	maxNameLen  = 128
	maxLevel    = 40
	maxIndex    = 1 << 31
)

// Task is a unit of work on the task stream. Inputs and outputs are object names in the blob
// store; the outputs are derived from the inputs and the key set (outputName), so a task
// proven twice writes the same objects.
type Task struct {
	Run     string   `json:"run"`    // the coordinator's run ID (runIDLen hex digits)
	Kind    TaskKind `json:"kind"`   // what to prove
	KeySet  string   `json:"keyset"` // object holding the key set (keySetName)
	Level   int      `json:"level"`  // position in the join tree: 0 for segments
	Index   int      `json:"index"`  // segment index, or node index in its level
	Inputs  []string `json:"in"`
	Outputs []string `json:"out"`
	Attempt int      `json:"attempt"`         // 0, then one more each time the coordinator re-runs it
	Avoid   []string `json:"avoid,omitempty"` // workers whose result for it was rejected
}

// ID names the task: its last output, unique per task.
func (t *Task) ID() string { return t.Outputs[len(t.Outputs)-1] }

func (t *Task) String() string {
	return fmt.Sprintf("%s task %d/%d (%s, attempt %d)", t.Kind, t.Level, t.Index, t.ID(), t.Attempt)
}

// Validate checks a task's shape: a run ID, a known kind with its number of inputs and
// outputs, well-formed names and bounded counters.
func (t *Task) Validate() error {
	in, out, ok := t.Kind.arity()
	switch {
	case !validRunID(t.Run):
		return fmt.Errorf("%w: run ID %q", ErrMessage, t.Run)
	case !ok:
		return fmt.Errorf("%w: task kind %d", ErrMessage, t.Kind)
	case len(t.Inputs) != in || len(t.Outputs) != out:
		return fmt.Errorf("%w: %s task with %d inputs and %d outputs", ErrMessage, t.Kind, len(t.Inputs), len(t.Outputs))
	case t.Level < 0 || t.Level > maxLevel || t.Index < 0 || t.Index >= maxIndex:
		return fmt.Errorf("%w: tree position %d/%d", ErrMessage, t.Level, t.Index)
	case t.Attempt < 0 || t.Attempt > maxAttempts || len(t.Avoid) > maxAvoid:
		return fmt.Errorf("%w: attempt %d, %d workers to avoid", ErrMessage, t.Attempt, len(t.Avoid))
	}
	for _, n := range append(append([]string{t.KeySet}, t.Inputs...), t.Outputs...) {
		if !validObjectName(n) {
			return fmt.Errorf("%w: object name %q", ErrMessage, n)
		}
	}
	for _, w := range t.Avoid {
		if !validWorkerName(w) {
			return fmt.Errorf("%w: worker name %q", ErrMessage, w)
		}
	}
	return nil
}

// Result is a worker's report on a task, on the run's result subject: success (Err empty; the
// outputs are in the blob store) or failure.
type Result struct {
	Run       string `json:"run"`
	Task      string `json:"task"` // Task.ID
	Attempt   int    `json:"attempt"`
	Worker    string `json:"worker"`
	Delivered int    `json:"delivered"`     // JetStream's delivery count of the task message
	Millis    int64  `json:"ms"`            // time spent on the task
	ProveMs   int64  `json:"proveMs"`       // of which proving
	QueuedMs  int64  `json:"queuedMs"`      // time the task waited in the queue
	Bytes     int64  `json:"bytes"`         // blob bytes the worker read and wrote
	Cached    bool   `json:"cached"`        // the outputs already existed: nothing was proven
	Err       string `json:"err,omitempty"` // why the task failed
	Final     bool   `json:"final"`         // failed on its last delivery: the task is dead
}

// Validate checks a result's shape.
func (r *Result) Validate() error {
	switch {
	case !validRunID(r.Run):
		return fmt.Errorf("%w: run ID %q", ErrMessage, r.Run)
	case !validObjectName(r.Task):
		return fmt.Errorf("%w: task %q", ErrMessage, r.Task)
	case !validWorkerName(r.Worker):
		return fmt.Errorf("%w: worker name %q", ErrMessage, r.Worker)
	case r.Attempt < 0 || r.Attempt > maxAttempts || r.Delivered < 0 || r.Millis < 0 || r.ProveMs < 0 || r.QueuedMs < 0 || r.Bytes < 0:
		return fmt.Errorf("%w: attempt %d, delivery %d, %d ms", ErrMessage, r.Attempt, r.Delivered, r.Millis)
	case r.Final && r.Err == "":
		return fmt.Errorf("%w: a final failure without an error", ErrMessage)
	case len(r.Err) > 4096:
		return fmt.Errorf("%w: error of %d bytes", ErrMessage, len(r.Err))
	}
	return nil
}

// encodeMsg and decodeMsg are the wire form of tasks and results: JSON (small, debuggable
// with the nats CLI), strict on decode.
func encodeMsg(v interface{ Validate() error }) ([]byte, error) {
	if err := v.Validate(); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

func decodeMsg[T any, P interface {
	*T
	Validate() error
}](b []byte) (*T, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	v := P(new(T))
	if err := d.Decode(v); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMessage, err)
	}
	if d.More() {
		return nil, fmt.Errorf("%w: trailing data", ErrMessage)
	}
	if err := v.Validate(); err != nil {
		return nil, err
	}
	return v, nil
}

// DecodeTask parses a task message.
func DecodeTask(b []byte) (*Task, error) { return decodeMsg[Task](b) }

// DecodeResult parses a result message.
func DecodeResult(b []byte) (*Result, error) { return decodeMsg[Result](b) }

const runIDLen = 32

func validRunID(s string) bool {
	if len(s) != runIDLen {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

// Object names: a kind prefix, a dash, 64 hex digits of a SHA-256.
var namePrefixes = []string{"seg", "lift", "join", "shrink", "keyset"}

func validObjectName(s string) bool {
	p, h, ok := strings.Cut(s, "-")
	if !ok || len(h) != 2*sha256.Size || strings.ToLower(h) != h {
		return false
	}
	if _, err := hex.DecodeString(h); err != nil {
		return false
	}
	for _, q := range namePrefixes {
		if p == q {
			return true
		}
	}
	return false
}

// validWorkerName admits names that are safe in a log line and a metric name.
func validWorkerName(s string) bool {
	if s == "" || len(s) > maxNameLen {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// objectName is prefix-SHA256(parts, each length-prefixed): the blob store's content-derived
// names. A segment record is named by its bytes; a task's output by its kind, the key set and
// its inputs' names, so that the same work always lands under the same name.
func objectName(prefix string, parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write(p)
	}
	return prefix + "-" + hex.EncodeToString(h.Sum(nil))
}

// outputNames are the outputs of a task of kind k on inputs under key set ks.
func outputNames(k TaskKind, ks string, inputs ...string) []string {
	parts := func(tag string) [][]byte {
		ps := [][]byte{[]byte(tag), []byte(ks)}
		for _, in := range inputs {
			ps = append(ps, []byte(in))
		}
		return ps
	}
	switch k {
	case TaskSegment:
		return []string{objectName("lift", parts("lift")...)}
	case TaskJoin:
		return []string{objectName("join", parts("join")...)}
	default:
		return []string{objectName("shrink", parts("shrink")...)}
	}
}

// Proof blobs: an aggregation proof with its claim, as stored between tasks (a join needs its
// children's claims). "ZKXCLP", u16 version, u16 claim length, the claim's canonical u32s, the
// seal (recursion.Proof.MarshalSeal). The coordinator never trusts the stored claim: it checks
// it against the claim it expects.
var proofMagic = []byte("ZKXCLP")

const proofVersion = 1

func encodeProof(p *recursion.Proof) ([]byte, error) {
	seal, err := p.MarshalSeal()
	if err != nil {
		return nil, err
	}
	b := append([]byte(nil), proofMagic...)
	b = binary.LittleEndian.AppendUint16(b, proofVersion)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(p.Claim)))
	for _, f := range p.Claim {
		b = binary.LittleEndian.AppendUint32(b, uint32(f.Uint64()))
	}
	return append(b, seal...), nil
}

func decodeProof(b []byte) (*recursion.Proof, error) {
	head := len(proofMagic) + 4
	if len(b) < head || !bytes.HasPrefix(b, proofMagic) {
		return nil, fmt.Errorf("%w: proof blob of %d bytes", ErrMessage, len(b))
	}
	if v := binary.LittleEndian.Uint16(b[len(proofMagic):]); v != proofVersion {
		return nil, fmt.Errorf("%w: proof blob version %d", ErrMessage, v)
	}
	n := int(binary.LittleEndian.Uint16(b[len(proofMagic)+2:]))
	if n != recursion.NumClaim || len(b) < head+4*n {
		return nil, fmt.Errorf("%w: claim of %d values in %d bytes", ErrMessage, n, len(b))
	}
	claim := make([]recursion.F, n)
	q := koalabear.Modulus().Uint64()
	for i := range claim {
		v := uint64(binary.LittleEndian.Uint32(b[head+4*i:]))
		if v >= q {
			return nil, fmt.Errorf("%w: claim value %d not canonical", ErrMessage, i)
		}
		claim[i].SetUint64(v)
	}
	p, err := recursion.DecodeSeal(b[head+4*n:])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMessage, err)
	}
	p.Claim = claim
	return p, nil
}
