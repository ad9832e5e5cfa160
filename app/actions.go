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

// Remove deletes account id and its tokens.
func (a *App) Remove(ctx context.Context, id string) (account.Account, error) {
	return a.store.Remove(ctx, id)
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

// ClearCooldown puts account id back into rotation now.
func (a *App) ClearCooldown(ctx context.Context, id string) error {
	_, err := a.store.ClearCooldown(ctx, id)
	return err
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
