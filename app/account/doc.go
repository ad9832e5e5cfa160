// Package account owns Quiver's accounts: their metadata (accounts.json),
// their tokens (a secret store, normally the OS keyring), and which one the
// Codex CLI's auth.json holds. It is the only writer of that state.
//
// # Concurrency
//
// Every change runs under a cross-process lock (accounts.lock in the config
// directory): the change re-reads accounts.json, applies itself, writes the
// file atomically and releases the lock, so the tray app and a CLI call that
// change accounts at the same time never lose each other's update. Within the
// process, the Store's mutex guards its cached copy.
//
// # Subscribers
//
// UI code calls Subscribe and renders the Snapshots it receives; it never
// writes. A subscriber channel holds one Snapshot and the newest wins, so a
// slow subscriber never blocks a change.
package account
