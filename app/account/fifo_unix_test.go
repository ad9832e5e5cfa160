//go:build unix

package account

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A FIFO where auth.json (or the usage history) belongs must not block a
// process that holds the accounts lock: every read is of a regular file
// only. (A blocked open never returns, so the bound below only turns a
// hang into a failure.)
func TestAFIFOInPlaceOfAFileDoesNotBlock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	r, err := e.store.ImportLogin(ctx, login(t, alice, time.Now().Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(e.codexHome, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(e.store.AuthPath(), 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	hist := e.store.historyPath(r.Account.ID)
	os.MkdirAll(filepath.Dir(hist), 0o700)
	if err := syscall.Mkfifo(hist, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		if err := e.store.Reload(ctx); err != nil {
			done <- err
			return
		}
		_ = e.store.RecordUsage(ctx, r.Account.ID, Usage{FetchedAt: time.Now()})
		_, err := e.store.History(r.Account.ID)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Error("reading a FIFO as the usage history gave no error")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("a FIFO in place of auth.json or the history blocked the store")
	}
	if _, err := e.store.Switch(ctx, "alice"); err == nil {
		t.Error("switching onto a FIFO auth.json succeeded")
	}
}
