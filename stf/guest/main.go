//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0

// Command guest is the zkexex STF program the zkVM proves, built for
// linux/riscv64 (see stf.BuildGuest): it reads an stf.Input from fd 0, runs
// stf.Execute and writes the claim's ABI encoding to fd 3. The I/O ABI and the
// exit codes are documented in package stf/guestio.
//
// The go:debug settings above stop the runtime from sizing GOMAXPROCS by cgroup
// limits and from re-checking them while it runs: the zkVM has one hart, and
// a periodic file read would be one more thing to emulate. (The runtime still
// probes the cgroup files once at start-up; failing those reads is harmless.)
package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime/debug"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/zkexex/zkexex/stf"
	"github.com/zkexex/zkexex/stf/guestio"
)

func main() {
	// Collection only costs cycles in a run this short; memory is plentiful.
	debug.SetGCPercent(-1)
	warmUp()
	// The image snapshot: the runtime start-up, package initialisation and the warm-up
	// above happen once, in the image, instead of in every block's proof.
	guestio.Ready()
	os.Exit(run())
}

// warmUp does once what every block needs, so that it lands in the image: the first
// secp256k1 signature (and recovery) builds the curve's precomputed tables.
func warmUp() {
	key, err := crypto.ToECDSA(bytes.Repeat([]byte{0x5a}, 32))
	if err != nil {
		return
	}
	hash := crypto.Keccak256([]byte("zkexex image warm-up"))
	sig, err := crypto.Sign(hash, key)
	if err != nil {
		return
	}
	_, _ = crypto.Ecrecover(hash, sig)
}

func run() int {
	input, err := guestio.ReadAll(guestio.InputFD)
	if err != nil {
		return fail(guestio.ExitIO, err)
	}
	in, err := stf.DecodeInput(input)
	if err != nil {
		return fail(stf.GuestExitCode(err), err)
	}
	claim, err := stf.Execute(context.Background(), in)
	if err != nil {
		return fail(stf.GuestExitCode(err), err)
	}
	if err := guestio.WriteAll(guestio.JournalFD, claim.ABI()); err != nil {
		return fail(guestio.ExitIO, err)
	}
	return guestio.ExitOK
}

func fail(code int, err error) int {
	// Best effort: stderr is informational and may be closed.
	_ = guestio.WriteAll(guestio.StderrFD, fmt.Appendf(nil, "stf guest: %s: %v\n", guestio.ExitName(code), err))
	return code
}
