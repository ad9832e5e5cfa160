package autostart

import (
	"fmt"
	"strings"
)

// Registry paths under HKEY_CURRENT_USER.
const (
	runKeyPath      = `Software\Microsoft\Windows\CurrentVersion\Run`
	approvedKeyPath = `Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run`
)

// RunValue renders e as the command line stored under the Run key: the
// executable always in double quotes, each argument quoted and escaped the
// way CommandLineToArgvW reads it back.
func RunValue(e Entry) string {
	var b strings.Builder
	b.WriteString(`"` + e.Exec + `"`)
	for _, a := range e.Args {
		b.WriteByte(' ')
		b.WriteString(quoteWindowsArg(a))
	}
	return b.String()
}

// quoteWindowsArg quotes an argument for CommandLineToArgvW: backslashes
// are literal except before a double quote, where they are doubled.
func quoteWindowsArg(a string) string {
	if a != "" && !strings.ContainsAny(a, " \t\n\v\"") {
		return a
	}
	var b strings.Builder
	b.WriteByte('"')
	slashes := 0
	for i := 0; i < len(a); i++ {
		switch c := a[i]; c {
		case '\\':
			slashes++
			b.WriteByte(c)
		case '"':
			b.WriteString(strings.Repeat(`\`, slashes+1))
			b.WriteByte(c)
			slashes = 0
		default:
			slashes = 0
			b.WriteByte(c)
		}
	}
	b.WriteString(strings.Repeat(`\`, slashes))
	b.WriteByte('"')
	return b.String()
}

// runValueExec returns the program of a Run command line, read the way
// Windows reads argv[0]: up to the closing quote, or the first space.
func runValueExec(cmd string) string {
	cmd = strings.TrimLeft(cmd, " \t")
	if rest, ok := strings.CutPrefix(cmd, `"`); ok {
		exe, _, _ := strings.Cut(rest, `"`)
		return exe
	}
	exe, _, _ := strings.Cut(cmd, " ")
	exe, _, _ = strings.Cut(exe, "\t")
	return exe
}

// startupApprovedDisabled tells whether a StartupApproved\Run value says
// the user turned the entry off (in Task Manager's Startup tab): its first
// byte is odd (03 disabled, 02 enabled, the rest a timestamp).
func startupApprovedDisabled(data []byte) bool {
	return len(data) > 0 && data[0]&1 == 1
}

// runRegistry is the part of HKCU that the Windows code touches; tests
// stand in a map for the registry.
type runRegistry interface {
	// runValue returns the Run value called name; ok is false when absent.
	runValue(name string) (value string, ok bool, err error)
	setRunValue(name, value string) error
	deleteRunValue(name string) error
	// approvedValue returns the StartupApproved\Run value called name.
	approvedValue(name string) (data []byte, ok bool, err error)
	deleteApprovedValue(name string) error
}

func enableRun(r runRegistry, e Entry) error {
	if strings.Contains(e.Exec, `"`) {
		return fmt.Errorf("%w: executable path %q contains a double quote", ErrInvalidEntry, e.Exec)
	}
	if err := r.setRunValue(e.Name, RunValue(e)); err != nil {
		return fmt.Errorf("writing the Run value: %w", err)
	}
	// A "disabled" mark left by Task Manager would silently keep it off.
	if err := r.deleteApprovedValue(e.Name); err != nil {
		return fmt.Errorf("clearing the StartupApproved value: %w", err)
	}
	return nil
}

func disableRun(r runRegistry, e Entry) error {
	if err := r.deleteRunValue(e.Name); err != nil {
		return fmt.Errorf("deleting the Run value: %w", err)
	}
	if err := r.deleteApprovedValue(e.Name); err != nil {
		return fmt.Errorf("deleting the StartupApproved value: %w", err)
	}
	return nil
}

func statusRun(r runRegistry, e Entry) (State, error) {
	cmd, ok, err := r.runValue(e.Name)
	if err != nil {
		return State{}, fmt.Errorf("reading the Run value: %w", err)
	}
	if !ok {
		return State{}, nil
	}
	st := State{Enabled: true, Path: `HKCU\` + runKeyPath + `\` + e.Name, Exec: runValueExec(cmd)}
	st.Stale = missing(st.Exec)
	data, ok, err := r.approvedValue(e.Name)
	if err != nil {
		return State{}, fmt.Errorf("reading the StartupApproved value: %w", err)
	}
	if ok && startupApprovedDisabled(data) {
		st.Enabled = false
	}
	return st, nil
}
