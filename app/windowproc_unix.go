//go:build unix

package app

import (
	"os"
	"syscall"
)

// RaiseSignals are the signals that ask the window process to come to the
// front.
func RaiseSignals() []os.Signal { return []os.Signal{syscall.SIGUSR1} }

func raiseWindowProcess(p *os.Process) error { return p.Signal(syscall.SIGUSR1) }

func stopProcess(p *os.Process) error { return p.Signal(syscall.SIGTERM) }
