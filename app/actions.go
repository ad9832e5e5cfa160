package app

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/quiver-app/quiver/app/account"
)

// The actions below are what the tray and the window call. Each does its
// I/O on the caller's goroutine: UI code calls them off the UI thread.

// Rename gives account id a new alias.
func (a *App) Rename(ctx context.Context, id, alias string) (account.Account, error) {
	return a.store.Rename(ctx, id, alias)
}

// Remove deletes account id and its tokens. When auth.json holds its
// login, that login is remembered as removed: it is not imported again
// from auth.json (at the next start, or by the watcher) until a new login
// of the account is written there.
func (a *App) Remove(ctx context.Context, id string) (account.Account, error) {
	res, err := a.RemoveAccount(ctx, id)
	return res.Account, err
}

// RemoveResult says what RemoveAccount did.
type RemoveResult struct {
	Account account.Account
	// Forgotten says auth.json holds the removed login, which Quiver now
	// remembers not to import again.
	Forgotten bool
}

// RemoveAccount is Remove, saying whether auth.json held the login.
func (a *App) RemoveAccount(ctx context.Context, id string) (RemoveResult, error) {
	acc, forgotten, err := a.store.RemoveAndForget(ctx, id)
	return RemoveResult{Account: acc, Forgotten: forgotten}, err
}

// SetDisabled takes account id out of rotation (or puts it back).
func (a *App) SetDisabled(ctx context.Context, id string, disabled bool) error {
	return a.store.Update(ctx, id, func(acc *account.Account) error {
		acc.Disabled = disabled
		return nil
	})
}

// SetTagsAndNotes replaces account id's tags and notes.
func (a *App) SetTagsAndNotes(ctx context.Context, id string, tags []string, notes string) error {
	clean := make([]string, 0, len(tags))
	for _, t := range tags {
		if t = strings.TrimSpace(t); t != "" {
			clean = append(clean, t)
		}
	}
	return a.store.Update(ctx, id, func(acc *account.Account) error {
		acc.Tags, acc.Notes = clean, strings.TrimSpace(notes)
		return nil
	})
}

// ClearCooldown puts account id back into rotation now: its cooldown ends
// and the figures that showed it limited are dropped until new ones come.
// An account that is not limited gives account.ErrNotLimited.
func (a *App) ClearCooldown(ctx context.Context, id string) error {
	_, err := a.ClearLimit(ctx, id)
	return err
}

// ClearLimit is ClearCooldown, returning the account as it now is.
func (a *App) ClearLimit(ctx context.Context, id string) (account.Account, error) {
	return a.store.ClearLimit(ctx, id)
}

// LogTail returns up to n of the last lines of quiver.log. The log never
// holds a token, so the lines can be shown as they are.
func (a *App) LogTail(n int) ([]string, error) {
	f, err := os.Open(a.paths.LogFile())
	if err != nil {
		return nil, fmt.Errorf("reading the log: %w", err)
	}
	defer f.Close()
	const maxTail = 1 << 20 // read at most the last MiB
	if fi, err := f.Stat(); err == nil && fi.Size() > maxTail {
		f.Seek(-maxTail, 2)
	}
	ring := make([]string, 0, n)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if len(ring) == n {
			ring = ring[1:]
		}
		ring = append(ring, sc.Text())
	}
	return ring, sc.Err()
}
