//go:build !linux

package main

import "os"

// No PR_SET_PDEATHSIG outside Linux: rely on --parent-pid.
var initialPPID = os.Getppid()
