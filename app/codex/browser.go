package codex

import (
	"errors"
	"fmt"
	"net/url"
	"os/exec"
	"runtime"
)

// ErrNotWebURL is returned by OpenBrowser for anything but an http(s) URL:
// the system opener would otherwise run files or take flags.
var ErrNotWebURL = errors.New("not an http or https URL")

// OpenBrowser opens u in the user's browser with the system's opener
// (xdg-open, open, or rundll32 url.dll,FileProtocolHandler). It returns once
// the opener started; it does not wait for it.
func OpenBrowser(u string) error {
	name, args, err := browserCommand(runtime.GOOS, u)
	if err != nil {
		return fmt.Errorf("opening the browser: %w", err)
	}
	cmd := exec.Command(name, args...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("opening the browser with %s: %w", name, err)
	}
	go func() { _ = cmd.Wait() }() // reap the opener; its outcome is not ours to judge
	return nil
}

// browserCommand returns the command that opens u on goos.
func browserCommand(goos, u string) (name string, args []string, err error) {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return "", nil, ErrNotWebURL
	}
	switch goos {
	case "windows":
		return "rundll32", []string{"url.dll,FileProtocolHandler", u}, nil
	case "darwin":
		return "open", []string{u}, nil
	default:
		return "xdg-open", []string{u}, nil
	}
}
