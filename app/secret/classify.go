package secret

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

// D-Bus error names that mean nobody provides the Secret Service.
var unavailableDBusErrors = map[string]bool{
	"org.freedesktop.DBus.Error.ServiceUnknown":        true,
	"org.freedesktop.DBus.Error.NameHasNoOwner":        true,
	"org.freedesktop.DBus.Error.Spawn.ExecFailed":      true,
	"org.freedesktop.DBus.Error.Spawn.ChildExited":     true,
	"org.freedesktop.DBus.Error.Spawn.ServiceNotFound": true,
}

// classify maps go-keyring's errors to this package's sentinels, keeping
// the original error in the chain (and in the message) for diagnosis.
// go-keyring's errors never contain the secret's value.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, keyring.ErrNotFound) {
		return ErrNotFound
	}
	if errors.Is(err, keyring.ErrSetDataTooBig) {
		return fmt.Errorf("the secret is too big for the OS keyring: %w", err)
	}
	if name, ok := dbusErrorName(err); ok {
		switch {
		case unavailableDBusErrors[name]:
			return fmt.Errorf("no Secret Service on the session bus (%w): %w", err, ErrUnavailable)
		case name == "org.freedesktop.Secret.Error.IsLocked":
			return fmt.Errorf("%w: %w", err, ErrLocked)
		}
	}
	var execErr *exec.Error
	if errors.As(err, &execErr) {
		return fmt.Errorf("no D-Bus session bus (starting %s: %w): %w", execErr.Name, err, ErrUnavailable)
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		// godbus ran dbus-launch to find a session bus, and it failed.
		return fmt.Errorf("no D-Bus session bus (dbus-launch: %w): %w", err, ErrUnavailable)
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return fmt.Errorf("cannot connect to the D-Bus session bus (%w): %w", err, ErrUnavailable)
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "failed to unlock correct collection"):
		return fmt.Errorf("%w: %w", err, ErrLocked)
	case strings.HasPrefix(msg, "dbus: couldn't determine address of session bus"),
		strings.HasPrefix(msg, "dbus: invalid bus address"),
		strings.HasPrefix(msg, "dbus: unsupported transport"),
		strings.HasPrefix(msg, "dbus: authentication failed"):
		return fmt.Errorf("no usable D-Bus session bus (%w): %w", err, ErrUnavailable)
	}
	return err
}

// dbusErrorName returns the D-Bus error name in err's chain, if any.
func dbusErrorName(err error) (string, bool) {
	var value dbus.Error
	if errors.As(err, &value) {
		return value.Name, true
	}
	var ptr *dbus.Error
	if errors.As(err, &ptr) && ptr != nil {
		return ptr.Name, true
	}
	return "", false
}

// sessionBusReachable reports ErrUnavailable when, on a Secret Service
// platform, there is no session bus to find: no DBUS_SESSION_BUS_ADDRESS,
// no bus socket in /run/user/<uid>, and no X display for dbus-launch to
// autolaunch against. Left to itself, godbus would then run dbus-launch,
// which fails or starts a stray bus. It only inspects the environment and
// the file system; it never connects.
func sessionBusReachable() error {
	return sessionBusFound(runtime.GOOS, os.Getenv, userRuntimeDir, fileExists)
}

func sessionBusFound(goos string, getenv func(string) string, runtimeDir func() string, exists func(string) bool) error {
	if goos == "darwin" || goos == "windows" {
		return nil
	}
	if addr := getenv("DBUS_SESSION_BUS_ADDRESS"); addr != "" && addr != "autolaunch:" {
		return nil
	}
	if dir := runtimeDir(); dir != "" {
		if exists(filepath.Join(dir, "bus")) || exists(filepath.Join(dir, "dbus-session")) {
			return nil
		}
	}
	if getenv("DISPLAY") != "" {
		return nil
	}
	return fmt.Errorf("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set): %w", ErrUnavailable)
}

// userRuntimeDir is where godbus looks for a session bus socket.
func userRuntimeDir() string {
	u, err := user.Current()
	if err != nil {
		return ""
	}
	return "/run/user/" + u.Uid
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
