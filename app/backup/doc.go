// Package backup is the encrypted backup file of every Quiver account: its
// metadata and its tokens, sealed with a passphrase.
//
// The file is a fixed header followed by AES-256-GCM ciphertext of a JSON
// Document. The key comes from the passphrase through scrypt with a random
// salt; a passphrase verifier in the header tells a wrong passphrase
// (ErrBadPassphrase) from a damaged file (ErrCorrupt). The whole header is
// the ciphertext's additional data, so no byte of the file can change
// unnoticed.
//
// The package does no account logic: the app core builds a Document from
// its store and merges one back (app.App.Backup and Restore).
package backup
