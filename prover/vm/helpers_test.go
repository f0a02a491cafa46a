package vm

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// corpusPrograms are the Go guests under testdata, built once per test binary.
var corpusPrograms = []string{"maps", "goroutines", "panics", "fmtstr", "bigmath", "hashes", "sorting", "jsonenc", "floats", "exitcode", "compute", "oom"}

var corpusOnce = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "zkexex-vm-corpus-")
	if err != nil {
		return "", err
	}
	args := []string{"build", "-trimpath", "-gcflags=all=-d=compressinstructions=0", "-asmflags=all=-d=compressinstructions=0", "-o", dir + "/"}
	for _, p := range corpusPrograms {
		args = append(args, "./testdata/"+p)
	}
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=riscv64", "CGO_ENABLED=0", "GORISCV64=rva20u64")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", &buildError{out: string(out), err: err}
	}
	return dir, nil
})

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

func TestMain(m *testing.M) {
	code := m.Run()
	if dir, err := corpusOnce(); err == nil && dir != "" {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

// corpusELF returns the path of a built corpus program.
func corpusELF(t testing.TB, name string) string {
	t.Helper()
	dir, err := corpusOnce()
	if err != nil {
		t.Fatalf("building the guest corpus: %v", err)
	}
	return filepath.Join(dir, name)
}

func loadFile(t testing.TB, path string) *Program {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := LoadELF(data)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func execute(t testing.TB, p *Program, cfg Config) *Result {
	t.Helper()
	res, err := Execute(context.Background(), p, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// runQEMU runs path under qemu-riscv64, returning stdout and the exit status.
func runQEMU(t testing.TB, path string, stdin []byte) ([]byte, int) {
	t.Helper()
	cmd := exec.Command("qemu-riscv64", path)
	cmd.Stdin = bytes.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout = &out
	err := cmd.Run()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("qemu: %v", err)
		}
	}
	return out.Bytes(), cmd.ProcessState.ExitCode()
}

func needQEMU(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("qemu-riscv64"); err != nil {
		t.Skip("qemu-riscv64 not installed (Debian package qemu-user): differential test skipped")
	}
}

// buildRawELF makes a minimal static RV64 executable: one RWX PT_LOAD at base holding code
// followed by memSize-len(code) zero bytes.
func buildRawELF(code []uint32, memSize uint64) []byte {
	const base = 0x10000
	const hdr = 64 + 56
	var b bytes.Buffer
	le := binary.LittleEndian
	ident := []byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	b.Write(ident)
	binary.Write(&b, le, uint16(2))        // ET_EXEC
	binary.Write(&b, le, uint16(243))      // EM_RISCV
	binary.Write(&b, le, uint32(1))        // version
	binary.Write(&b, le, uint64(base+hdr)) // entry
	binary.Write(&b, le, uint64(64))       // phoff
	binary.Write(&b, le, uint64(0))        // shoff
	binary.Write(&b, le, uint32(0))        // flags
	binary.Write(&b, le, uint16(64))       // ehsize
	binary.Write(&b, le, uint16(56))       // phentsize
	binary.Write(&b, le, uint16(1))        // phnum
	binary.Write(&b, le, uint16(64))       // shentsize
	binary.Write(&b, le, uint16(0))        // shnum
	binary.Write(&b, le, uint16(0))        // shstrndx
	fileSize := uint64(hdr + 4*len(code))
	binary.Write(&b, le, uint32(1))    // PT_LOAD
	binary.Write(&b, le, uint32(7))    // RWX
	binary.Write(&b, le, uint64(0))    // offset
	binary.Write(&b, le, uint64(base)) // vaddr
	binary.Write(&b, le, uint64(base)) // paddr
	binary.Write(&b, le, fileSize)
	binary.Write(&b, le, max(fileSize, memSize))
	binary.Write(&b, le, uint64(PageSize))
	for _, w := range code {
		binary.Write(&b, le, w)
	}
	return b.Bytes()
}
