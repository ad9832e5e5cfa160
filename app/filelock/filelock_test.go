package filelock

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

func TestAcquireExcludes(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "lock")
	first, err := Acquire(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if l, err := Acquire(ctx, path); err == nil {
		l.Unlock()
		t.Fatal("second Acquire succeeded while the first holds the lock")
	}
	if err := first.Unlock(); err != nil {
		t.Fatal(err)
	}
	second, err := Acquire(context.Background(), path)
	if err != nil {
		t.Fatalf("Acquire after Unlock: %v", err)
	}
	second.Unlock()
	if err := second.Unlock(); err != nil {
		t.Errorf("second Unlock: %v", err)
	}
}

func TestTryAcquire(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "lock")
	first, err := TryAcquire(path)
	if err != nil {
		t.Fatal(err)
	}
	if l, err := TryAcquire(path); err != ErrHeld {
		l.Unlock()
		t.Fatalf("second TryAcquire: %v, want ErrHeld", err)
	}
	first.Unlock()
	second, err := TryAcquire(path)
	if err != nil {
		t.Fatalf("TryAcquire after Unlock: %v", err)
	}
	second.Unlock()
}
