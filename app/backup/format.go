package backup

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/quiver-app/quiver/app/sealed"
)

// A backup file is a sealed file (package sealed: scrypt, AES-256-GCM, a
// passphrase verifier) of kind "QVBACKUP" whose payload is the JSON
// Document.
const (
	magic = "QVBACKUP"
	// headerLen is the sealed header before the ciphertext.
	headerLen = sealed.HeaderLen

	// DefaultLogN is the scrypt cost of a new backup: N = 2^17, r = 8
	// (128 MiB, about half a second). A backup sits in cloud folders and on
	// USB sticks, so it gets a higher cost than the local secrets file.
	DefaultLogN = 17
	scryptR     = 8
	scryptP     = 1

	// MinPassphraseLen is the shortest passphrase a new backup accepts.
	MinPassphraseLen = 8
)

// Errors a caller tells the user about. Each leaves nothing changed.
var (
	// ErrBadPassphrase: the passphrase is not the one the file was made with.
	ErrBadPassphrase = errors.New("wrong passphrase for this backup")
	// ErrCorrupt: the file is a Quiver backup but damaged or truncated.
	ErrCorrupt = errors.New("backup file is damaged")
	// ErrNotBackup: the file is not a Quiver backup at all.
	ErrNotBackup = errors.New("not a Quiver backup file")
	// ErrTooNew: written by a newer Quiver.
	ErrTooNew = errors.New("backup was written by a newer version of Quiver; update Quiver to restore it")
	// ErrWeakPassphrase: a new backup needs a passphrase of at least
	// MinPassphraseLen characters.
	ErrWeakPassphrase = fmt.Errorf("the backup passphrase must have at least %d characters", MinPassphraseLen)
)

// IsBadPassphrase reports whether err means the passphrase was wrong.
func IsBadPassphrase(err error) bool { return errors.Is(err, ErrBadPassphrase) }

// IsDamaged reports whether err means the file is damaged, truncated or not
// a backup.
func IsDamaged(err error) bool { return errors.Is(err, ErrCorrupt) || errors.Is(err, ErrNotBackup) }

// seal encrypts plain under passphrase with scrypt cost logN.
func seal(plain []byte, passphrase string, logN uint8) ([]byte, error) {
	if utf8.RuneCountInString(passphrase) < MinPassphraseLen {
		return nil, ErrWeakPassphrase
	}
	key, err := sealed.NewKey(passphrase, sealed.Params{LogN: logN, R: scryptR, P: scryptP})
	if err != nil {
		return nil, fmt.Errorf("deriving the backup key: %w", err)
	}
	return key.Seal(magic, plain)
}

// open decrypts data sealed by seal. The caller clears the result.
func open(data []byte, passphrase string) ([]byte, error) {
	f, err := sealed.Parse(magic, data)
	if err == nil {
		var key *sealed.Key
		if key, err = f.Key(passphrase); err == nil {
			var plain []byte
			if plain, err = f.Open(key); err == nil {
				return plain, nil
			}
		}
	}
	switch {
	case errors.Is(err, sealed.ErrWrongKind):
		return nil, ErrNotBackup
	case errors.Is(err, sealed.ErrTooNew):
		return nil, fmt.Errorf("%v: %w", err, ErrTooNew)
	case errors.Is(err, sealed.ErrBadPassphrase):
		return nil, ErrBadPassphrase
	case errors.Is(err, sealed.ErrCorrupt):
		return nil, fmt.Errorf("%v: %w", err, ErrCorrupt)
	}
	return nil, err
}
