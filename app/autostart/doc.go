// Package autostart makes Quiver start when the user logs in, the way each
// desktop expects it:
//
//   - Linux and the BSDs: an XDG autostart entry,
//     $XDG_CONFIG_HOME/autostart/<ID>.desktop (default ~/.config).
//   - macOS: a LaunchAgent, ~/Library/LaunchAgents/<Label>.plist, loaded by
//     launchd at the next login (nothing is loaded or unloaded now).
//   - Windows: a value named after the app under
//     HKCU\Software\Microsoft\Windows\CurrentVersion\Run.
//
// Enable refuses a binary that will vanish, such as one built by `go run`
// ([ErrTemporaryBinary]): start at login must point at an installed binary.
//
// Disable removes what Enable wrote. On Linux, when the system also ships
// an entry with the same ID ($XDG_CONFIG_DIRS/autostart, e.g. from a
// distribution package), removing the user's file would let the system entry
// start Quiver again, so Disable writes a user entry with Hidden=true instead,
// as the XDG autostart specification prescribes. On Windows, Enable also
// clears a "disabled" mark that Task Manager's Startup tab keeps under
// Explorer\StartupApproved\Run, and Status reports that mark as disabled.
//
// The renderers (DesktopEntry, LaunchAgentPlist, RunValue) are pure and
// work on every OS, so what each platform gets is tested everywhere.
package autostart
