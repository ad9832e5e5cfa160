//go:build (linux || freebsd || openbsd || netbsd) && !android

package tray

import (
	"os"

	"fyne.io/systray"
)

// runSystray exports the StatusNotifierItem on the session bus and keeps
// it there until stop is closed; then it runs shutdown and removes the
// item. setUp gives the item its first title, icon, tooltip and menu
// before it is exported, so a tray host never sees it empty; started runs
// once it is exported (updates from then on are sent as signals). There
// is no event loop to run: godbus serves the item's methods on its own
// goroutines.
func runSystray(setUp, started func(), stop <-chan struct{}, shutdown func()) {
	setUp()
	start, end := systray.RunWithExternalLoop(nil, nil)
	start()
	started()
	<-stop
	shutdown()
	defer func() {
		// systray closes its connection without checking it was made: a
		// bus that refused the item must not crash the way out.
		_ = recover()
	}()
	end()
}

// sessionBusAddress reports whether a session bus is named. Without one,
// godbus would start a stray bus with dbus-launch.
func sessionBusAddress() bool {
	return os.Getenv("DBUS_SESSION_BUS_ADDRESS") != ""
}
