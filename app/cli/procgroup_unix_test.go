//go:build unix

package cli

import (
	"os/exec"
	"syscall"
)

// inOwnProcessGroup makes cmd the leader of a new process group, so that
// signalGroup reaches whatever it started too (the window process, a
// browser stand-in).
func inOwnProcessGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// signalGroup sends sig to cmd's whole process group.
func signalGroup(cmd *exec.Cmd, sig syscall.Signal) error {
	return syscall.Kill(-cmd.Process.Pid, sig)
}
