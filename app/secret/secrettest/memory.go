// Package secrettest provides an in-memory secret.Store for tests that are
// not about the keyring (package secret tests the real backends, and the
// desktop-session tests run Quiver against gnome-keyring).
package secrettest

import (
	"context"
	"fmt"
	"sync"

	"github.com/quiver-app/quiver/app/secret"
)

// Memory is a secret.Store in memory, safe for concurrent use.
type Memory struct {
	mu sync.Mutex
	m  map[string][]byte
}

// NewMemory returns an empty store.
func NewMemory() *Memory { return &Memory{m: map[string][]byte{}} }

// Get implements secret.Store.
func (s *Memory) Get(_ context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	if !ok {
		return nil, fmt.Errorf("%w: %s", secret.ErrNotFound, key)
	}
	return append([]byte(nil), v...), nil
}

// Set implements secret.Store.
func (s *Memory) Set(_ context.Context, key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = append([]byte(nil), value...)
	return nil
}

// Delete implements secret.Store.
func (s *Memory) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	return nil
}

// Describe implements secret.Store.
func (s *Memory) Describe() string { return "memory (tests)" }

// Keys returns the stored keys, for assertions.
func (s *Memory) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.m))
	for k := range s.m {
		keys = append(keys, k)
	}
	return keys
}
