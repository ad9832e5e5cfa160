//go:build windows

package app

import (
	"os"
)

// RaiseSignals is empty on Windows: a second "Open Quiver…" leaves the
// open window where it is.
func RaiseSignals() []os.Signal { return nil }

func raiseWindowProcess(*os.Process) error { return nil }

func stopProcess(p *os.Process) error { return p.Kill() }
