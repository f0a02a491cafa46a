package vm

import (
	"bytes"
	"slices"
	"testing"
)

// TestProfile: a profiled run computes what an unprofiled one does, its samples add up to
// the run's cycles, user stacks reach main.main, and kernel time sits under kernel functions
// called from the trapping user function.
func TestProfile(t *testing.T) {
	p := loadFile(t, corpusELF(t, "floats"))
	plain := execute(t, p, Config{Stdin: []byte("20\n")})
	res := execute(t, p, Config{Stdin: []byte("20\n"), Profile: true})
	if res.Cycles != plain.Cycles || !bytes.Equal(res.Stdout, plain.Stdout) {
		t.Fatalf("profiling changed the run: %d vs %d cycles", res.Cycles, plain.Cycles)
	}
	prof := res.Profile
	if err := prof.CheckValid(); err != nil {
		t.Fatal(err)
	}
	var total int64
	var mainSeen, kernelSeen bool
	for _, s := range prof.Sample {
		total += s.Value[0]
		var names []string
		for _, l := range s.Location {
			names = append(names, l.Line[0].Function.Name)
		}
		if slices.Contains(names, "main.main") {
			mainSeen = true
		}
		if len(names) > 1 && (names[0] == "fp_exec" || names[0] == "trap" || slices.Contains(names, "do_syscall")) {
			kernelSeen = true
		}
	}
	if uint64(total) != res.Cycles {
		t.Errorf("samples hold %d cycles, the run %d", total, res.Cycles)
	}
	if !mainSeen || !kernelSeen {
		t.Errorf("main.main in a stack: %v; a kernel frame: %v", mainSeen, kernelSeen)
	}
}
