package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWorkerBadInvocations: the cluster flags are checked before anything connects.
func TestWorkerBadInvocations(t *testing.T) {
	elf := filepath.Join(t.TempDir(), "prog")
	if err := os.WriteFile(elf, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "r")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"worker"}, "--nats is required"},
		{[]string{"worker", "--nats", "nats://127.0.0.1:1", "--workers", "0"}, "--workers 0"},
		{[]string{"prove", "--elf", elf, "--out", out, "--nats", "nats://127.0.0.1:1"}, "they need --succinct"},
		{[]string{"prove", "--elf", elf, "--out", out, "--nats-listen", "127.0.0.1:1"}, "they need --succinct"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			err := newApp().Run(append([]string{"zkexex"}, tc.args...))
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v, want one line containing %q", err, tc.want)
			}
		})
	}
}
