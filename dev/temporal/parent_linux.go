//go:build linux

package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// initialPPID is the parent we were started by.
var initialPPID = os.Getppid()

// Ask the kernel to send us SIGTERM when our parent dies (handled like a
// normal SIGTERM: clean, quick stop). This runs during package init, i.e. on
// the main OS thread, which lives as long as the process.
func init() {
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGTERM), 0, 0, 0); err != nil {
		fmt.Fprintln(os.Stderr, "temporal-dev: warning: prctl(PR_SET_PDEATHSIG) failed:", err)
	}
	// The parent may have died before prctl took effect.
	if os.Getppid() != initialPPID {
		fmt.Fprintln(os.Stderr, "temporal-dev: parent process exited before startup")
		os.Exit(1)
	}
}
