// Package tray is Quiver's system tray: a badge icon, a tooltip and a menu,
// all built from the app's State, and click handlers that call the app.
//
// The pure parts are plain functions of an app.State: BuildMenu (the menu's
// labels, order, check marks and star), Tooltip, and BadgeFor (what the
// icon shows). Run is the thin Fyne adapter around them: it subscribes to
// the app, pushes a new menu, icon or tooltip to the tray only when one of
// them really changed, and runs every click's action on its own goroutine,
// never on the UI thread. The tray does no file or network I/O itself.
//
// On Linux the tray is a StatusNotifierItem (fyne.io/systray). Run checks
// that a StatusNotifierWatcher (the tray host) is on the session bus; when
// none is, it says so in the log, with what to install, and opens the
// window so the user still has something to click. tray/traytest is a
// test tray host.
package tray
