// Package tray is Quiver's system tray: a badge icon, a tooltip and a menu,
// all built from the app's State, and click handlers that call the app.
//
// The pure parts are plain functions of an app.State: BuildMenu (the menu's
// labels, order, check marks and star), Tooltip, and BadgeFor (what the
// icon shows). Run is the thin fyne.io/systray adapter around them: it
// subscribes to the app, updates the menu's items in place and sends a new
// icon or tooltip only when one of them really changed, and runs every
// click's action on its own goroutine. The tray does no file or network
// I/O itself.
//
// The tray process runs no UI toolkit: no Fyne driver, no frame loop, no
// X display. Idle, it sleeps until D-Bus or a timer wakes it. Quiver's
// window is a process of its own, which the tray starts or raises through
// Options.OpenWindow.
//
// On Linux the tray is a StatusNotifierItem (fyne.io/systray). Run checks
// that a StatusNotifierWatcher (the tray host) is on the session bus; when
// none is, it says so in the log, with what to install, and opens the
// window so the user still has something to click; the item registers
// itself when a tray host appears later. tray/traytest is a
// test tray host.
package tray
