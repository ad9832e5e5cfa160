// Package app is Quiver's application core. It builds the long-lived pieces
// (secret store, account store, auth.json watcher; later the refresher,
// usage poller and proxy), owns the settings, and offers the actions that
// the CLI, the tray and the window call. UI packages read state through
// Subscribe and act through App's methods; they do no I/O themselves.
package app
