package account

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"github.com/quiver-app/quiver/app/secret/secrettest"
)

var errFakeNotFound = errors.New("fake secrets: not found")

// newMemSecrets is the shared in-memory store.
func newMemSecrets() *secrettest.Memory { return secrettest.NewMemory() }

// dirSecrets keeps one file per key so several processes share it. It is a
// test stand-in only: the real stores are package secret's.
type dirSecrets struct{ dir string }

func (d dirSecrets) Get(_ context.Context, k string) ([]byte, error) {
	v, err := os.ReadFile(filepath.Join(d.dir, k))
	if errors.Is(err, os.ErrNotExist) {
		return nil, errFakeNotFound
	}
	return v, err
}

func (d dirSecrets) Set(_ context.Context, k string, v []byte) error {
	tmp := filepath.Join(d.dir, "."+k+".tmp")
	if err := os.WriteFile(tmp, v, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(d.dir, k))
}

func (d dirSecrets) Delete(_ context.Context, k string) error {
	err := os.Remove(filepath.Join(d.dir, k))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}
