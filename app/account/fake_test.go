package account

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
)

var errFakeNotFound = errors.New("fake secrets: not found")

// memSecrets is an in-memory Secrets for tests.
type memSecrets struct {
	mu sync.Mutex
	m  map[string][]byte
}

func newMemSecrets() *memSecrets { return &memSecrets{m: map[string][]byte{}} }

func (m *memSecrets) Get(_ context.Context, k string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.m[k]
	if !ok {
		return nil, errFakeNotFound
	}
	return append([]byte(nil), v...), nil
}

func (m *memSecrets) Set(_ context.Context, k string, v []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[k] = append([]byte(nil), v...)
	return nil
}

func (m *memSecrets) Delete(_ context.Context, k string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, k)
	return nil
}

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
