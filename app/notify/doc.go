// Package notify decides when Quiver tells the user something through a
// desktop notification, and sends it.
//
// [Rules] watches snapshots of the accounts ([AccountView]) and turns their
// changes into notifications: an account crossing the warn threshold of a
// usage window, an account hitting its limit, every account being limited
// (with the earliest reset), a limit resetting, an account needing a new
// login, and the proxy rotating away from a limited account (coalesced).
// It never repeats itself: one notification per account, window, event and
// window instance (identified by the window's reset time); the first
// snapshot of an account is a baseline that only reports a needed login.
//
// [Beeep] is the [Sender] that shows notifications on the desktop through
// github.com/gen2brain/beeep. Notifications carry labels (an alias or an
// e-mail's local part), percentages and times — never a token or key:
// every title and body is passed through a redaction of token-looking text
// before it leaves the package.
//
// This package does not import the account model; the caller converts its
// state into AccountViews.
package notify
