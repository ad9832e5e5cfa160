package autostart

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/quiver-app/quiver/app/atomicfile"
)

// xdgDirs are the autostart directories of the XDG autostart specification:
// the user's, which wins, and the system's, in order of preference.
type xdgDirs struct {
	user   string   // $XDG_CONFIG_HOME/autostart
	system []string // each of $XDG_CONFIG_DIRS, plus /autostart
}

func (d xdgDirs) userFile(e Entry) string { return filepath.Join(d.user, e.ID+".desktop") }

func (d xdgDirs) enable(e Entry) error {
	if err := os.MkdirAll(d.user, 0o700); err != nil {
		return fmt.Errorf("creating autostart directory: %w", err)
	}
	return atomicfile.WriteFile(d.userFile(e), DesktopEntry(e), 0o644)
}

func (d xdgDirs) disable(e Entry) error {
	if d.systemFile(e) != "" {
		// Removing the user's file would unmask the system's entry.
		if err := os.MkdirAll(d.user, 0o700); err != nil {
			return fmt.Errorf("creating autostart directory: %w", err)
		}
		return atomicfile.WriteFile(d.userFile(e), hiddenDesktopEntry(e), 0o644)
	}
	if err := os.Remove(d.userFile(e)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing autostart entry: %w", err)
	}
	return nil
}

// systemFile is the path of a system entry with e's ID, or "".
func (d xdgDirs) systemFile(e Entry) string {
	for _, dir := range d.system {
		p := filepath.Join(dir, e.ID+".desktop")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

func (d xdgDirs) status(e Entry) (State, error) {
	path := d.userFile(e)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if path = d.systemFile(e); path == "" {
			return State{}, nil
		}
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return State{}, fmt.Errorf("reading autostart entry: %w", err)
	}
	fields, err := parseDesktopEntry(data)
	if err != nil {
		return State{}, fmt.Errorf("parsing %s: %w", path, err)
	}
	args, err := splitExec(fields["Exec"])
	if err != nil {
		return State{}, fmt.Errorf("parsing %s: %w", path, err)
	}
	st := State{Enabled: fields.enabled(), Path: path}
	if len(args) > 0 {
		st.Exec = args[0]
	}
	st.Stale = missing(st.Exec)
	return st, nil
}
