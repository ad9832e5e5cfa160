//go:build !((linux || freebsd || openbsd || netbsd) && !android)

package tray

import "fyne.io/systray"

// runSystray runs the OS's tray loop until stop is closed and shutdown has
// run (the icon stays meanwhile). setUp and started run once the icon is
// in place. On macOS it must be called on the main goroutine.
func runSystray(setUp, started func(), stop <-chan struct{}, shutdown func()) {
	go func() {
		<-stop
		shutdown()
		systray.Quit()
	}()
	systray.Run(func() {
		setUp()
		started()
	}, nil)
}

// sessionBusAddress is true: only Linux and the BSDs need a session bus.
func sessionBusAddress() bool { return true }
