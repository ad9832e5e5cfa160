package autostart

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Entry describes the program to start at login.
type Entry struct {
	Name    string   // shown to the user, and the Windows Run value's name: "Quiver"
	ID      string   // Linux file name without ".desktop": "quiver"
	Label   string   // macOS LaunchAgent label, reverse-DNS: "io.github.quiver"; empty means ID
	Exec    string   // absolute path of the installed binary
	Args    []string // arguments; none starts the tray app
	Comment string   // a short description (Linux)
	Icon    string   // icon name or absolute path (Linux)
}

// State is what the system will do at the next login.
type State struct {
	Enabled bool   // an entry exists and is not disabled
	Path    string // where the entry lives: a file, or a registry value on Windows
	Exec    string // the binary the entry starts
	Stale   bool   // Exec does not exist (any more)
}

var (
	// ErrTemporaryBinary means the binary is a temporary build (`go run`,
	// `go test`) that will vanish, so it must not start at login.
	ErrTemporaryBinary = errors.New("this is a temporary build (go run or go test) that will vanish: " +
		"install Quiver with `make install` and turn on start at login from the installed binary")
	// ErrInvalidEntry means the Entry cannot be written as given.
	ErrInvalidEntry = errors.New("invalid autostart entry")
	// ErrUnsupported means this OS has no start-at-login mechanism here.
	ErrUnsupported = errors.New("start at login is not supported on this system")
)

// Enable makes e start at login, replacing an earlier entry with the same
// ID. It refuses an Exec that is missing, not executable or temporary.
func Enable(e Entry) error {
	if err := validate(e); err != nil {
		return err
	}
	if err := CheckExecutable(e.Exec); err != nil {
		return fmt.Errorf("enabling start at login: %w", err)
	}
	if err := enable(e); err != nil {
		return fmt.Errorf("enabling start at login: %w", err)
	}
	return nil
}

// Disable stops e from starting at login. Disabling what is not enabled is
// not an error.
func Disable(e Entry) error {
	if err := validateNames(e); err != nil {
		return err
	}
	if err := disable(e); err != nil {
		return fmt.Errorf("disabling start at login: %w", err)
	}
	return nil
}

// Status reports whether e starts at login, and what it starts.
func Status(e Entry) (State, error) {
	if err := validateNames(e); err != nil {
		return State{}, err
	}
	st, err := status(e)
	if err != nil {
		return State{}, fmt.Errorf("reading start at login: %w", err)
	}
	return st, nil
}

// idPattern keeps IDs and labels usable as file names everywhere.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

func validateNames(e Entry) error {
	if !idPattern.MatchString(e.ID) {
		return fmt.Errorf("%w: ID %q must be letters, digits, '.', '_' or '-'", ErrInvalidEntry, e.ID)
	}
	if e.Label != "" && !idPattern.MatchString(e.Label) {
		return fmt.Errorf("%w: label %q must be letters, digits, '.', '_' or '-'", ErrInvalidEntry, e.Label)
	}
	if strings.TrimSpace(e.Name) == "" || strings.ContainsAny(e.Name, "\x00\r\n\\") {
		return fmt.Errorf("%w: name %q must be a non-empty single line without backslashes", ErrInvalidEntry, e.Name)
	}
	return nil
}

func validate(e Entry) error {
	if err := validateNames(e); err != nil {
		return err
	}
	for _, s := range append([]string{e.Exec, e.Comment, e.Icon}, e.Args...) {
		if strings.ContainsRune(s, 0) {
			return fmt.Errorf("%w: NUL character", ErrInvalidEntry)
		}
	}
	return nil
}

// label is the macOS LaunchAgent label.
func (e Entry) label() string {
	if e.Label != "" {
		return e.Label
	}
	return e.ID
}
