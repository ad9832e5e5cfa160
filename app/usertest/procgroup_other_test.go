//go:build !unix

package usertest

import (
	"os/exec"
	"syscall"
)

// inOwnProcessGroup does nothing where there are no process groups; these
// tests run the Linux binary and are vetted elsewhere only to build.
func inOwnProcessGroup(*exec.Cmd) {}

// signalGroup kills cmd itself.
func signalGroup(cmd *exec.Cmd, _ syscall.Signal) error { return cmd.Process.Kill() }
