// Package window is Quiver's Fyne window: the account list (search, sort,
// usage bars, the recommended account), an account's details and actions,
// the OpenCode export dialog, backup and restore, settings, and the log.
//
// The tray makes one Manager with New and calls Show to open or raise the
// window; closing the window hides it (Quiver keeps running in the tray).
//
// The window reads the app's State (app.App.Subscribe) and calls app
// methods to act. It does no I/O on the UI goroutine: every action runs in
// its own goroutine and hands its result back through fyne.Do.
//
// What the widgets show is computed by plain functions (rows.go, format.go,
// sparkline.go, logview.go) that are tested without a display; the widgets
// stay thin.
package window
