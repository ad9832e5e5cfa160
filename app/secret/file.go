package secret

import (
	"context"
	"errors"
	"fmt"
	"github.com/quiver-app/quiver/app/sealed"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/quiver-app/quiver/app/atomicfile"
	"github.com/quiver-app/quiver/app/filelock"
)

// fileStore keeps every secret in one encrypted file (format in
// fileformat.go). Reads need no lock: writes replace the file atomically.
// Writes read, modify and replace the file under a cross-process lock on
// path+".lock", so two processes never lose each other's keys.
type fileStore struct {
	path       string
	lockPath   string
	passphrase string
	logN       uint8 // scrypt cost for a new file

	mu  sync.Mutex  // guards key
	key *sealed.Key // derived for the file's current salt; nil until needed
}

func filePath(dir string) string {
	return filepath.Join(dir, FileName)
}

// NewFile returns a Store in the encrypted file at path, keyed by
// passphrase. It creates path's directory (mode 0700) if missing, and, if
// the file exists, checks now that the passphrase opens it
// (ErrBadPassphrase) and that it is intact (ErrCorrupt).
func NewFile(path string, passphrase string) (Store, error) {
	return newFileStore(path, passphrase, defaultLogN)
}

func newFileStore(path, passphrase string, logN uint8) (*fileStore, error) {
	if passphrase == "" {
		return nil, fmt.Errorf("the encrypted secrets file needs a passphrase (QUIVER_PASSPHRASE): %w", ErrUnavailable)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating the secrets directory: %w", err)
	}
	s := &fileStore{path: path, lockPath: path + ".lock", passphrase: passphrase, logN: logN}
	if _, _, err := s.load(); err != nil {
		return nil, err
	}
	return s, nil
}

// Describe says where the file is.
func (s *fileStore) Describe() string {
	return "encrypted file " + s.path
}

// Get returns key's secret.
func (s *fileStore) Get(ctx context.Context, key string) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("reading secret %q: %w", key, err)
	}
	secrets, _, err := s.load()
	if err != nil {
		return nil, err
	}
	v, ok := secrets[key]
	if !ok {
		return nil, fmt.Errorf("reading secret %q from %s: %w", key, s.path, ErrNotFound)
	}
	return v, nil
}

// Set stores value under key.
func (s *fileStore) Set(ctx context.Context, key string, value []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	v := append([]byte(nil), value...)
	return s.update(ctx, func(secrets map[string][]byte) bool {
		secrets[key] = v
		return true
	})
}

// Delete removes key's secret; a missing key is not an error.
func (s *fileStore) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	return s.update(ctx, func(secrets map[string][]byte) bool {
		if _, ok := secrets[key]; !ok {
			return false
		}
		delete(secrets, key)
		return true
	})
}

// update applies change to the file's secrets under the cross-process lock
// and writes them back if change reports a change. A file that cannot be
// read (wrong passphrase, damaged) is never replaced.
func (s *fileStore) update(ctx context.Context, change func(map[string][]byte) bool) error {
	lock, err := filelock.Acquire(ctx, s.lockPath)
	if err != nil {
		return fmt.Errorf("locking the secrets file: %w", err)
	}
	defer lock.Unlock()
	secrets, key, err := s.load()
	if err != nil {
		return err
	}
	if !change(secrets) {
		return nil
	}
	if key == nil { // a new file: a fresh salt
		if key, err = sealed.NewKey(s.passphrase, fileParams(s.logN)); err != nil {
			return err
		}
		s.keep(key)
	}
	data, err := seal(key, secrets)
	if err != nil {
		return fmt.Errorf("encrypting %s: %w", s.path, err)
	}
	if err := atomicfile.WriteFile(s.path, data, 0o600); err != nil {
		return fmt.Errorf("writing the secrets file: %w", err)
	}
	return nil
}

// maxSecretsFile bounds what is read of the encrypted secrets file.
const maxSecretsFile = 64 << 20

// load reads and decrypts the whole file, and returns the key that opened
// it. A missing file holds no secrets and has no key yet.
func (s *fileStore) load() (map[string][]byte, *sealed.Key, error) {
	// Bounded, regular files only: a FIFO planted here must not block a
	// caller that holds the accounts lock.
	data, err := atomicfile.ReadFile(s.path, maxSecretsFile)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string][]byte{}, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading the secrets file: %w", err)
	}
	f, err := parseFile(data)
	if err != nil {
		return nil, nil, fmt.Errorf("secrets file %s: %w", s.path, err)
	}
	key, err := s.keyFor(f)
	if err != nil {
		return nil, nil, fmt.Errorf("secrets file %s: %w", s.path, err)
	}
	secrets, err := unseal(key, f)
	if err != nil {
		return nil, nil, fmt.Errorf("secrets file %s: %w", s.path, err)
	}
	return secrets, key, nil
}

// keyFor returns the passphrase's key for f, deriving it (slow) only when
// the kept key is for another salt or cost: the first use, or another
// process created the file.
func (s *fileStore) keyFor(f *sealed.File) (*sealed.Key, error) {
	s.mu.Lock()
	kept := s.key
	s.mu.Unlock()
	if f.Fits(kept) {
		return kept, nil
	}
	key, err := f.Key(s.passphrase)
	if errors.Is(err, sealed.ErrBadPassphrase) {
		return nil, ErrBadPassphrase
	}
	if err != nil {
		return nil, err
	}
	s.keep(key)
	return key, nil
}

// keep remembers key for the next reads and writes.
func (s *fileStore) keep(key *sealed.Key) {
	s.mu.Lock()
	s.key = key
	s.mu.Unlock()
}
