package tray

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/godbus/dbus/v5"
)

// WatcherName is the D-Bus name of the tray host on Linux: the
// StatusNotifierWatcher that fyne.io/systray registers its item with.
const WatcherName = "org.kde.StatusNotifierWatcher"

// ErrNoTrayHost means the desktop shows no StatusNotifierItem icons: the
// tray icon would be invisible.
var ErrNoTrayHost = errors.New("no system tray found")

// NoTrayHostAdvice says what to do when ErrNoTrayHost: what to install and
// how to reach Quiver meanwhile.
const NoTrayHostAdvice = "this desktop shows no StatusNotifierItem tray icons. " +
	"On GNOME install the \"AppIndicator and KStatusNotifierItem Support\" extension " +
	"(Debian/Ubuntu: gnome-shell-extension-appindicator, then log out and in); " +
	"on other desktops enable their StatusNotifier/AppIndicator tray " +
	"(Xfce: xfce4-statusnotifier-plugin; i3/sway: a bar with a tray such as waybar). " +
	"Quiver keeps running: use its window, `quiver open`, the CLI or the proxy"

// hostTimeout bounds the tray host check: a bus that does not answer counts
// as no host rather than holding up the start.
const hostTimeout = 3 * time.Second

// CheckTrayHost reports whether a tray host is there to show Quiver's
// icon: nil when it is, an error wrapping ErrNoTrayHost when it is not
// (with the reason), or another error when it could not tell. Off Linux and
// the BSDs the tray is part of the OS, and it always returns nil.
func CheckTrayHost(ctx context.Context) error {
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
	default:
		return nil
	}
	address := os.Getenv("DBUS_SESSION_BUS_ADDRESS")
	if address == "" {
		// godbus would otherwise start a stray bus with dbus-launch.
		return fmt.Errorf("%w: DBUS_SESSION_BUS_ADDRESS is not set (no session bus)", ErrNoTrayHost)
	}
	ctx, cancel := context.WithTimeout(ctx, hostTimeout)
	defer cancel()
	conn, err := dbus.Connect(address, dbus.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("%w: connecting to the session bus: %v", ErrNoTrayHost, err)
	}
	defer conn.Close()
	var owned bool
	err = conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, WatcherName).Store(&owned)
	if err != nil {
		return fmt.Errorf("asking the session bus for %s: %w", WatcherName, err)
	}
	if !owned {
		return fmt.Errorf("%w: nobody owns %s on the session bus", ErrNoTrayHost, WatcherName)
	}
	return nil
}
