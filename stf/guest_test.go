package stf

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/core/types"
	"github.com/zkexex/zkexex/prover/vm"
	"github.com/zkexex/zkexex/stf/guestio"
)

// The guest ELF is built once per test binary, into a directory TestMain
// removes; building it takes a minute or more on a small machine.
var (
	guestDir  string
	guestOnce sync.Once
	guestELF  string
	guestErr  error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "stf-guest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	guestDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func buildGuestOnce(t testing.TB) string {
	t.Helper()
	guestOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		out := filepath.Join(guestDir, "guest.elf")
		start := time.Now()
		guestErr = BuildGuest(ctx, out)
		guestELF = out
		t.Logf("built the guest in %v", time.Since(start).Round(time.Millisecond))
	})
	if guestErr != nil {
		t.Fatal(guestErr)
	}
	return guestELF
}

// qemuPath returns qemu-riscv64 or skips the test with the reason.
func qemuPath(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("qemu-riscv64")
	if err != nil {
		t.Skip("qemu-riscv64 not found in PATH (Debian package qemu-user): skipping the guest differential test")
	}
	return p
}

// runGuest runs the guest under qemu with input on fd 0 and returns the
// journal written to fd 3 and the exit code.
func runGuest(t testing.TB, qemu, elfPath string, input []byte) ([]byte, int, time.Duration) {
	t.Helper()
	journal, err := os.CreateTemp(t.TempDir(), "journal")
	if err != nil {
		t.Fatal(err)
	}
	defer journal.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, qemu, elfPath)
	cmd.Stdin = bytes.NewReader(input)
	cmd.ExtraFiles = []*os.File{journal} // becomes fd 3
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err = cmd.Run()
	elapsed := time.Since(start)
	code := 0
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	out, err := os.ReadFile(journal.Name())
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 {
		t.Logf("guest exit %d (%s): %s", code, guestio.ExitName(code), bytes.TrimSpace(stderr.Bytes()))
	}
	return out, code, elapsed
}

var (
	guestImageOnce sync.Once
	guestImage     *vm.Image
	guestProg      *vm.Program
	guestImageErr  error
)

// runGuestExecutor runs the guest ELF on the zkVM executor from its image (built once: the
// state at the guest's READY call) and returns the run's result.
func runGuestExecutor(t testing.TB, elfPath string, input []byte) *vm.Result {
	t.Helper()
	guestImageOnce.Do(func() {
		elf, err := os.ReadFile(elfPath)
		if err != nil {
			guestImageErr = err
			return
		}
		if guestProg, guestImageErr = vm.LoadELF(elf); guestImageErr != nil {
			return
		}
		guestImage, _, guestImageErr = vm.BuildImage(context.Background(), guestProg, vm.Config{})
	})
	if guestImageErr != nil {
		t.Fatal(guestImageErr)
	}
	res, err := vm.ExecuteImage(context.Background(), guestImage, guestProg, vm.Config{Stdin: input})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestGuestMatchesNative: the riscv64 guest under qemu and on the zkVM executor writes the same
// journal bytes as native Execute (and exits with the code of the native
// error class when there is no claim), for generated blocks of every fork,
// the real Hoodi blocks and broken inputs.
func TestGuestMatchesNative(t *testing.T) {
	qemu := qemuPath(t)
	elfPath := buildGuestOnce(t)
	c := newTestChain(t, testBlocks)
	type guestCase struct {
		name  string
		input []byte
	}
	var cases []guestCase
	for i, b := range c.blocks {
		// In -short mode one block per fork: Shanghai, Cancun, Prague, Osaka, BPO1.
		if testing.Short() && i%4 != 1 {
			continue
		}
		enc, err := c.input(t, i).Encode()
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, guestCase{fmt.Sprintf("block %d (%s)", b.NumberU64(), c.cfg.Chain.LatestFork(b.Time())), enc})
	}
	tampered := cloneInput(c.input(t, 9))
	withHeader(tampered, func(h *types.Header) { h.Root[0] ^= 1 })
	enc, err := tampered.Encode()
	if err != nil {
		t.Fatal(err)
	}
	cases = append(cases, guestCase{"tampered state root", enc}, guestCase{"truncated input", enc[:len(enc)/2]})
	hoodi := []string{"hoodi-1192c3"}
	if !testing.Short() {
		hoodi = append(hoodi, "hoodi-1265656", "hoodi-1281069")
	}
	for _, name := range hoodi {
		if _, ok := sharedTestdataDir(name); !ok {
			continue
		}
		enc, err := hoodiInput(t, name).Encode()
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, guestCase{name, enc})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var (
				claim Claim
				err   error
			)
			start := time.Now()
			in, err := DecodeInput(tc.input)
			if err == nil {
				claim, err = Execute(context.Background(), in)
			}
			native := time.Since(start)
			wantCode := GuestExitCode(err)
			var want []byte
			if err == nil {
				want = claim.ABI()
			}
			journal, code, elapsed := runGuest(t, qemu, elfPath, tc.input)
			if code != wantCode {
				t.Fatalf("qemu: guest exit %d (%s), native %d (%v)", code, guestio.ExitName(code), wantCode, err)
			}
			if !bytes.Equal(journal, want) {
				t.Fatalf("qemu: journal differs:\nguest  %x\nnative %x", journal, want)
			}
			msg := fmt.Sprintf("input %d bytes: native %v, qemu %v, exit %d", len(tc.input), native.Round(time.Microsecond), elapsed.Round(time.Millisecond), code)
			// The zkVM executor runs the proven machine (syscalls and F/D served by its kernel,
			// from the guest's image). The real Hoodi blocks take billions of cycles there; they
			// run through the executor in cmd/zkexex's TestHoodiExecutor.
			if !strings.HasPrefix(tc.name, "hoodi-12") {
				res := runGuestExecutor(t, elfPath, tc.input)
				if res.ExitCode != wantCode {
					t.Fatalf("executor: guest exit %d (%s), native %d (%v)", res.ExitCode, guestio.ExitName(res.ExitCode), wantCode, err)
				}
				if !bytes.Equal(res.Journal, want) {
					t.Fatalf("executor: journal differs:\nguest  %x\nnative %x", res.Journal, want)
				}
				msg += fmt.Sprintf(", executor %d cycles in %v", res.Cycles, res.Duration.Round(time.Millisecond))
			}
			t.Log(msg)
		})
	}
}

// TestGuestELF: the guest is a static riscv64 ELF whose code holds no
// compressed (16-bit) instructions, as the zkVM's RV64IMA decoder requires.
func TestGuestELF(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil && !fileExists(goTool()) {
		t.Skip("no go command to build the guest")
	}
	elfPath := buildGuestOnce(t)
	f, err := elf.Open(elfPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Machine != elf.EM_RISCV || f.Class != elf.ELFCLASS64 {
		t.Fatalf("machine %v class %v", f.Machine, f.Class)
	}
	const efRISCVRVC = 0x1
	if f.FileHeader.Entry == 0 {
		t.Fatal("no entry point")
	}
	text := f.Section(".text")
	if text == nil {
		t.Fatal("no .text")
	}
	data, err := text.Data()
	if err != nil {
		t.Fatal(err)
	}
	for off := 0; off+4 <= len(data); off += 4 {
		w := binary.LittleEndian.Uint32(data[off:])
		// Zero words are inter-function padding; every instruction is 32-bit
		// (low bits 11) when compressed instructions are off.
		if w != 0 && w&3 != 3 {
			t.Fatalf("compressed instruction %#08x at %#x", w, text.Addr+uint64(off))
		}
	}
	if elfFlags(t, elfPath)&efRISCVRVC != 0 {
		t.Fatal("ELF header claims the C extension")
	}
	fi, _ := os.Stat(elfPath)
	t.Logf("guest ELF: %d bytes, .text %d bytes", fi.Size(), len(data))
}

func elfFlags(t testing.TB, p string) uint32 {
	b, err := os.ReadFile(p)
	if err != nil || len(b) < 0x34 {
		t.Fatalf("read ELF header: %v", err)
	}
	return binary.LittleEndian.Uint32(b[0x30:]) // e_flags of a 64-bit ELF
}
