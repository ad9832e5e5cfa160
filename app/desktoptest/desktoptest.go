// Package desktoptest lets a test say which parts of a desktop session it
// needs — the session D-Bus, a Secret Service, an X display — and decides
// what happens when one is missing:
//
//   - inside the headless session `make test` starts
//     (scripts/desktop-session.sh sets QUIVER_DESKTOP_SESSION=1), a missing
//     component is a failure: the session is broken;
//   - anywhere else (a plain `go test` on a laptop, a machine without X) the
//     test is skipped, with the reason.
//
// It never starts anything: with DBUS_SESSION_BUS_ADDRESS unset there is no
// bus (godbus would otherwise run dbus-launch and leave a stray bus).
//
// Only tests import this package.
package desktoptest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// SessionEnv is the environment variable the headless test session sets to
// "1". With it, a missing component fails the test instead of skipping it.
const SessionEnv = "QUIVER_DESKTOP_SESSION"

// probeTimeout bounds each component check: a bus or X server that does not
// answer in this time counts as missing rather than hanging the test.
const probeTimeout = 5 * time.Second

// Component is a part of a desktop session a test can require.
type Component int

const (
	// SessionBus is a reachable session D-Bus at DBUS_SESSION_BUS_ADDRESS.
	SessionBus Component = iota + 1
	// SecretService is an org.freedesktop.secrets provider on the session
	// bus whose login (or default) collection is unlocked, so keyring calls
	// do not wait for a password prompt.
	SecretService
	// Display is an X server listening at DISPLAY (Fyne's GLFW driver needs
	// X, even for a tray-only app).
	Display
)

// String names the component as the skip and failure messages do.
func (c Component) String() string {
	switch c {
	case SessionBus:
		return "session D-Bus"
	case SecretService:
		return "Secret Service"
	case Display:
		return "X display"
	default:
		return fmt.Sprintf("Component(%d)", int(c))
	}
}

// InSession reports whether the test runs inside the headless desktop
// session (QUIVER_DESKTOP_SESSION=1), where every component must be there.
func InSession() bool {
	return os.Getenv(SessionEnv) == "1"
}

// Require checks that every component in what is there. When one is
// missing it fails the test inside the desktop session (InSession) and
// skips it otherwise; either way the message says what is missing and why.
func Require(t testing.TB, what ...Component) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), probeTimeout)
	defer cancel()

	var missing []string
	for _, c := range what {
		if err := probe(ctx, c); err != nil {
			missing = append(missing, fmt.Sprintf("%s: %v", c, err))
		}
	}
	if len(missing) == 0 {
		return
	}
	why := strings.Join(missing, "; ")
	if InSession() {
		t.Fatalf("the desktop session (%s=1) is incomplete: %s", SessionEnv, why)
	}
	t.Skipf("needs a desktop session: %s (run `make test`, or scripts/desktop-session.sh go test ...)", why)
}

// probe returns why c is not usable, or nil when it is.
func probe(ctx context.Context, c Component) error {
	switch c {
	case SessionBus:
		return probeSessionBus(ctx)
	case SecretService:
		return probeSecretService(ctx)
	case Display:
		return probeDisplay(ctx, os.Getenv("DISPLAY"))
	default:
		return fmt.Errorf("unknown component")
	}
}
