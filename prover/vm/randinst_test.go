package vm

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/zkexex/zkexex/prover/vm/vmtest"
)

func TestRandomInstructionsQEMU(t *testing.T) {
	needQEMU(t)
	as, ld := vmtest.Tools(t)
	programs, length := 200, 400
	if testing.Short() {
		programs, length = 25, 300
	}
	dir := t.TempDir()
	for i := 0; i < programs; i++ {
		r := rand.New(rand.NewPCG(uint64(i), 0x5eed))
		base := filepath.Join(dir, fmt.Sprintf("p%d", i))
		vmtest.Assemble(t, as, ld, "rv64ima", base, vmtest.RandomProgram(r, length))
		want, code := runQEMU(t, base, nil)
		res := execute(t, loadFile(t, base), Config{})
		if len(want) != 256 || code != 0 {
			t.Fatalf("program %d: qemu printed %d bytes, exit %d", i, len(want), code)
		}
		if !bytes.Equal(res.Stdout, want) || res.ExitCode != 0 {
			for reg := 1; reg < 32; reg++ {
				a, b := want[8*reg:8*reg+8], res.Stdout[min(len(res.Stdout), 8*reg):min(len(res.Stdout), 8*reg+8)]
				if !bytes.Equal(a, b) {
					t.Errorf("program %d: x%d = %x, qemu %x", i, reg, b, a)
				}
			}
			t.Fatalf("program %d (seed %d) differs; source kept in %s.s", i, i, base)
		}
	}
}
