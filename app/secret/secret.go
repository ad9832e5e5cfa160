// Package secret stores Quiver's secrets (each account's OAuth tokens, the
// proxy key) by key: in the OS keyring when one is reachable (service
// "quiver", user = the key), otherwise in one AES-256-GCM encrypted file
// whose key comes from a passphrase (QUIVER_PASSPHRASE).
//
// Open picks the backend. QUIVER_SECRETS=keyring or QUIVER_SECRETS=file
// forces one; otherwise the keyring is probed and the encrypted file is the
// fallback. With neither usable, Open returns ErrUnavailable, whose message
// tells the user both ways out.
//
// Values are opaque bytes (Quiver stores JSON). No value, and no passphrase,
// ever appears in an error or a log line.
package secret

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"time"
)

// Errors for the expected cases; test with errors.Is.
var (
	// ErrNotFound means the key has no secret.
	ErrNotFound = errors.New("secret not found")

	// ErrUnavailable means no secret storage can be used.
	ErrUnavailable = errors.New("no secret storage available: start or unlock " +
		"a Secret Service (such as gnome-keyring) in your desktop session, or set " +
		"QUIVER_PASSPHRASE to keep secrets in an encrypted file instead " +
		"(QUIVER_SECRETS=keyring or QUIVER_SECRETS=file forces one)")

	// ErrLocked means the OS keyring is reachable but locked.
	ErrLocked = errors.New("the OS keyring is locked: unlock it (log in to " +
		"the desktop session, or unlock the \"Login\" keyring in your keyring " +
		"manager, e.g. Seahorse) and try again")

	// ErrTimeout means the OS keyring did not answer within the timeout;
	// most often a locked keyring waiting on a password prompt.
	ErrTimeout = errors.New("the OS keyring did not answer in time: it may be " +
		"locked and waiting for its password prompt; unlock it, or set " +
		"QUIVER_SECRETS=file and QUIVER_PASSPHRASE to use the encrypted file")

	// ErrBadPassphrase means the passphrase does not open the encrypted file.
	ErrBadPassphrase = errors.New("wrong passphrase for the encrypted secrets " +
		"file (check QUIVER_PASSPHRASE)")

	// ErrCorrupt means the encrypted file is damaged; it is left untouched.
	ErrCorrupt = errors.New("the encrypted secrets file is damaged: Quiver " +
		"leaves it untouched; restore it from a backup, or move it away to " +
		"start an empty one (its secrets are then lost)")
)

// Store keeps secrets by key. Implementations are safe for concurrent use.
type Store interface {
	// Get returns the secret of key, or an error matching ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, error)
	// Set stores value under key, replacing any previous value.
	Set(ctx context.Context, key string, value []byte) error
	// Delete removes key's secret; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// Describe says where the secrets live, for `quiver status`.
	Describe() string
}

// Backend modes, as QUIVER_SECRETS spells them.
const (
	ModeAuto    = ""
	ModeKeyring = "keyring"
	ModeFile    = "file"
)

// Defaults for Options.
const (
	DefaultService = "quiver"
	DefaultTimeout = 5 * time.Second
	// FileName is the encrypted file's name inside Options.Dir.
	FileName = "secrets.enc"
)

// Options configures Open.
type Options struct {
	Service    string        // keyring service name; default "quiver"
	Dir        string        // config directory holding the encrypted file
	Mode       string        // ModeAuto, ModeKeyring or ModeFile (QUIVER_SECRETS)
	Passphrase string        // key for the encrypted file (QUIVER_PASSPHRASE)
	Timeout    time.Duration // bound on each keyring call; default 5s
	Logger     *slog.Logger  // default: discard
}

// OptionsFromEnv returns the default Options for the config directory dir,
// with Mode from QUIVER_SECRETS and Passphrase from QUIVER_PASSPHRASE.
func OptionsFromEnv(dir string) Options {
	return Options{
		Service:    DefaultService,
		Dir:        dir,
		Mode:       strings.ToLower(strings.TrimSpace(os.Getenv("QUIVER_SECRETS"))),
		Passphrase: os.Getenv("QUIVER_PASSPHRASE"),
		Timeout:    DefaultTimeout,
	}
}

func (o Options) withDefaults() Options {
	if o.Service == "" {
		o.Service = DefaultService
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.Mode = strings.ToLower(strings.TrimSpace(o.Mode))
	return o
}

// FilePath returns where the encrypted file lives for these options.
func (o Options) FilePath() string {
	return filePath(o.Dir)
}
