//go:build !((linux || freebsd || openbsd || netbsd) && !android)

package tray

import "fyne.io/systray"

// runSystray runs the OS's tray loop until stop is closed: setUp and
// started run once the icon is in place. On macOS it must be called on
// the main goroutine.
func runSystray(setUp, started func(), stop <-chan struct{}) {
	go func() {
		<-stop
		systray.Quit()
	}()
	systray.Run(func() {
		setUp()
		started()
	}, nil)
}

// sessionBusAddress is true: only Linux and the BSDs need a session bus.
func sessionBusAddress() bool { return true }
