package cluster

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/zkexex/zkexex/prover/recursion"
)

func testTask() *Task {
	in := []string{objectName("seg", []byte("record"))}
	ks := keySetName([]byte("set"))
	return &Task{Run: strings.Repeat("ab", runIDLen/2), Kind: TaskSegment, KeySet: ks, Index: 3, Inputs: in, Outputs: outputNames(TaskSegment, ks, in...)}
}

func TestTaskRoundTrip(t *testing.T) {
	want := testTask()
	want.Avoid = []string{"host-1"}
	enc, err := encodeMsg(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeTask(enc)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID() != want.ID() || got.Kind != want.Kind || got.Index != 3 || got.Avoid[0] != "host-1" {
		t.Fatalf("decoded %+v, want %+v", got, want)
	}
	// Outputs are a function of kind, key set and inputs: the same work, the same names.
	if a, b := outputNames(TaskJoin, "k", "x", "y"), outputNames(TaskJoin, "k", "x", "y"); a[0] != b[0] {
		t.Fatal("output names not deterministic")
	}
	if a, b := outputNames(TaskJoin, "k", "x", "y"), outputNames(TaskJoin, "k", "y", "x"); a[0] == b[0] {
		t.Fatal("join of (x, y) and of (y, x) share a name")
	}
	if a, b := outputNames(TaskJoin, "k", "xy", ""), outputNames(TaskJoin, "k", "x", "y"); a[0] == b[0] {
		t.Fatal("names are not length-prefixed")
	}
}

// TestTaskInvalid: each field out of its domain is refused, on encode and on decode.
func TestTaskInvalid(t *testing.T) {
	for name, mut := range map[string]func(*Task){
		"run":      func(t *Task) { t.Run = "xyz" },
		"run case": func(t *Task) { t.Run = strings.ToUpper(t.Run) },
		"kind":     func(t *Task) { t.Kind = 9 },
		"arity":    func(t *Task) { t.Inputs = append(t.Inputs, t.Inputs[0]) },
		"outputs":  func(t *Task) { t.Outputs = append(t.Outputs, t.Outputs[0]) },
		"name":     func(t *Task) { t.Inputs[0] = "seg-../../etc" },
		"prefix":   func(t *Task) { t.Inputs[0] = "evil" + t.Inputs[0][3:] },
		"keyset":   func(t *Task) { t.KeySet = "" },
		"level":    func(t *Task) { t.Level = -1 },
		"attempt":  func(t *Task) { t.Attempt = maxAttempts + 1 },
		"avoid":    func(t *Task) { t.Avoid = []string{"a b"} },
	} {
		task := testTask()
		good, err := encodeMsg(task)
		if err != nil {
			t.Fatal(err)
		}
		mut(task)
		if _, err := encodeMsg(task); !errors.Is(err, ErrMessage) {
			t.Errorf("%s: encoded: %v", name, err)
		}
		// The same task as the decoder sees it.
		bad := task
		b, _ := jsonOf(bad)
		if _, err := DecodeTask(b); !errors.Is(err, ErrMessage) {
			t.Errorf("%s: decoded: %v", name, err)
		}
		if _, err := DecodeTask(good); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range [][]byte{nil, []byte("{}"), []byte(`{"run":1}`), []byte(`{"x":1}`)} {
		if _, err := DecodeTask(b); !errors.Is(err, ErrMessage) {
			t.Errorf("%q: %v", b, err)
		}
	}
	good, _ := encodeMsg(testTask())
	if _, err := DecodeTask(append(good, []byte(" {}")...)); !errors.Is(err, ErrMessage) {
		t.Errorf("trailing data: %v", err)
	}
}

func TestResultValidate(t *testing.T) {
	good := Result{Run: testTask().Run, Task: testTask().ID(), Worker: "w-1", Delivered: 1}
	enc, err := encodeMsg(&good)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := DecodeResult(enc); err != nil || *r != good {
		t.Fatalf("%+v, %v", r, err)
	}
	for name, mut := range map[string]func(*Result){
		"worker":   func(r *Result) { r.Worker = "" },
		"task":     func(r *Result) { r.Task = "x" },
		"final":    func(r *Result) { r.Final = true },
		"negative": func(r *Result) { r.Millis = -1 },
		"error":    func(r *Result) { r.Err = strings.Repeat("e", 5000) },
	} {
		r := good
		mut(&r)
		b, _ := jsonOf(&r)
		if _, err := DecodeResult(b); !errors.Is(err, ErrMessage) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestDecodeProofInvalid: a proof blob's header, claim length and claim values are checked
// before the seal is parsed.
func TestDecodeProofInvalid(t *testing.T) {
	head := func(version, n uint16) []byte {
		b := append([]byte(nil), proofMagic...)
		return append(b, byte(version), byte(version>>8), byte(n), byte(n>>8))
	}
	claim := func(v byte) []byte { return bytes.Repeat([]byte{v, v, v, v}, recursion.NumClaim) }
	for name, b := range map[string][]byte{
		"empty":     nil,
		"magic":     append([]byte("ZKXXXX"), 1, 0, 0, 0),
		"version":   head(2, recursion.NumClaim),
		"short":     head(1, recursion.NumClaim),
		"length":    append(head(1, 3), claim(0)...),
		"canonical": append(head(1, recursion.NumClaim), claim(0xff)...),
		"seal":      append(head(1, recursion.NumClaim), claim(1)...),
	} {
		if _, err := decodeProof(b); !errors.Is(err, ErrMessage) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestKeySetRoundTrip: the production set survives its encoding with its root; a changed key
// changes the set's name, and a malformed set is refused.
func TestKeySetRoundTrip(t *testing.T) {
	set, err := recursion.ProductionSet()
	if err != nil {
		t.Fatal(err)
	}
	enc, err := encodeKeySet(set)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeKeySet(enc)
	if err != nil {
		t.Fatal(err)
	}
	r1, _ := set.Root()
	r2, _ := got.Root()
	if r1 != r2 || got.ShrinkKey != set.ShrinkKey {
		t.Fatalf("root %s after the round trip, want %s", r2, r1)
	}
	bad := bytes.Replace(enc, []byte(`"keys":["`), []byte(`"keys":["00`), 1)
	if _, err := decodeKeySet(bad); !errors.Is(err, ErrMessage) {
		t.Fatalf("malformed key: %v", err)
	}
	if _, err := decodeKeySet([]byte(`{"params":{}}`)); !errors.Is(err, ErrMessage) {
		t.Fatalf("empty set: %v", err)
	}
}

func FuzzDecodeTask(f *testing.F) {
	enc, _ := encodeMsg(testTask())
	f.Add(enc)
	f.Add([]byte(`{"run":"00"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		task, err := DecodeTask(b)
		if err != nil {
			return
		}
		again, err := encodeMsg(task)
		if err != nil {
			t.Fatalf("a decoded task does not encode: %v", err)
		}
		if _, err := DecodeTask(again); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzDecodeResult(f *testing.F) {
	enc, _ := encodeMsg(&Result{Run: testTask().Run, Task: testTask().ID(), Worker: "w", Err: "boom", Final: true})
	f.Add(enc)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeResult(b)
		if err != nil {
			return
		}
		if _, err := encodeMsg(r); err != nil {
			t.Fatalf("a decoded result does not encode: %v", err)
		}
	})
}

func FuzzDecodeProof(f *testing.F) {
	f.Add(append(append([]byte(nil), proofMagic...), 1, 0, recursion.NumClaim, 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodeProof(b)
		if err != nil {
			return
		}
		if _, err := encodeProof(p); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzDecodeKeySet(f *testing.F) {
	if set, err := recursion.ProductionSet(); err == nil {
		if enc, err := encodeKeySet(set); err == nil {
			f.Add(enc)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		set, err := decodeKeySet(b)
		if err != nil {
			return
		}
		if _, err := encodeKeySet(set); err != nil {
			t.Fatal(err)
		}
	})
}

// jsonOf encodes v without validating it: what a faulty peer could send.
func jsonOf(v any) ([]byte, error) { return json.Marshal(v) }
