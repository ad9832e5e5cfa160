// Package filelock provides an exclusive advisory lock on a file, shared by
// every process of Quiver's (the tray app and CLI calls) so that writers of
// accounts.json, the keyring and auth.json never interleave.
//
// The lock belongs to the open file description: it is released when Unlock
// is called or when the process dies, so a crash never leaves it held.
package filelock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

// Lock is a held lock. Unlock releases it.
type Lock struct {
	f *os.File
}

// pollInterval is how often a blocked Acquire retries.
const pollInterval = 10 * time.Millisecond

// Acquire blocks until it holds the exclusive lock on path (created with
// mode 0600 if missing) or ctx ends.
func Acquire(ctx context.Context, path string) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening lock file: %w", err)
	}
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		if ok {
			return &Lock{f: f}, nil
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for lock %s: %w", path, ctx.Err())
		case <-time.After(pollInterval):
		}
	}
}

// Unlock releases the lock. It is safe to call more than once.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unlock(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

// ErrHeld is returned by TryAcquire when another holder has the lock.
var ErrHeld = errors.New("lock is held by another process")

// TryAcquire takes the lock on path if it is free, without waiting.
func TryAcquire(path string) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening lock file: %w", err)
	}
	ok, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	if !ok {
		f.Close()
		return nil, ErrHeld
	}
	return &Lock{f: f}, nil
}
