package secret

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

// probeKey is read (never written) to learn whether the keyring answers.
const probeKey = "_quiver_probe"

// Open returns the Store that o selects:
//
//   - Mode "keyring": the OS keyring, or the reason it cannot be used.
//   - Mode "file": the encrypted file in o.Dir; needs o.Passphrase.
//   - Mode "": the encrypted file if it already exists and o.Passphrase is
//     set (secrets stay where they were put); else the OS keyring if it
//     answers; else the encrypted file if o.Passphrase is set; else
//     ErrUnavailable. A keyring that answers but is locked (ErrLocked) or
//     does not answer in time (ErrTimeout) is reported, not silently
//     replaced by the file.
//
// The choice and its reason are logged to o.Logger.
func Open(ctx context.Context, o Options) (Store, error) {
	return open(ctx, o, backends{newKeyring: newOSKeyring, fileLogN: defaultLogN})
}

// backends are Open's constructors; tests replace them.
type backends struct {
	newKeyring func(service string, timeout time.Duration) *keyringStore
	fileLogN   uint8 // scrypt cost of a new encrypted file
}

func open(ctx context.Context, o Options, b backends) (Store, error) {
	o = o.withDefaults()
	log := o.Logger
	switch o.Mode {
	case ModeKeyring:
		kr := b.newKeyring(o.Service, o.Timeout)
		if err := probe(ctx, kr); err != nil {
			return nil, fmt.Errorf("checking the OS keyring (QUIVER_SECRETS=keyring): %w", err)
		}
		log.Info("secret storage chosen", "backend", kr.Describe(), "reason", "QUIVER_SECRETS=keyring")
		return kr, nil

	case ModeFile:
		if o.Passphrase == "" {
			return nil, fmt.Errorf("QUIVER_SECRETS=file needs QUIVER_PASSPHRASE: %w", ErrUnavailable)
		}
		return openFile(o, b, "QUIVER_SECRETS=file")

	case ModeAuto:
		fileExists := false
		if o.Dir != "" {
			_, err := os.Stat(o.FilePath())
			fileExists = err == nil
		}
		if fileExists && o.Passphrase != "" {
			return openFile(o, b, "the encrypted file exists and QUIVER_PASSPHRASE is set")
		}
		kr := b.newKeyring(o.Service, o.Timeout)
		err := probe(ctx, kr)
		switch {
		case err == nil:
			if fileExists {
				log.Warn("secret storage: the encrypted file exists but QUIVER_PASSPHRASE is not set; its secrets are not used",
					"path", o.FilePath())
			}
			log.Info("secret storage chosen", "backend", kr.Describe(), "reason", "the OS keyring answers")
			return kr, nil
		case errors.Is(err, ErrUnavailable) && o.Passphrase != "" && o.Dir != "":
			log.Warn("secret storage: the OS keyring is unavailable, falling back to the encrypted file", "error", err)
			return openFile(o, b, "the OS keyring is unavailable and QUIVER_PASSPHRASE is set")
		default:
			return nil, fmt.Errorf("checking the OS keyring: %w", err)
		}

	default:
		return nil, fmt.Errorf("QUIVER_SECRETS=%q: want %q or %q (or unset to choose automatically)",
			o.Mode, ModeKeyring, ModeFile)
	}
}

// probe tells whether kr works: a read of a key that normally does not
// exist, within kr's timeout.
func probe(ctx context.Context, kr *keyringStore) error {
	err := kr.call(ctx, func() error {
		_, err := kr.api.Get(kr.service, probeKey)
		return err
	})
	if err == nil || errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

func openFile(o Options, b backends, reason string) (Store, error) {
	if o.Dir == "" {
		return nil, errors.New("opening the encrypted secrets file: no config directory given")
	}
	f, err := newFileStore(o.FilePath(), o.Passphrase, b.fileLogN)
	if err != nil {
		return nil, err
	}
	o.Logger.Info("secret storage chosen", "backend", f.Describe(), "reason", reason)
	return f, nil
}
