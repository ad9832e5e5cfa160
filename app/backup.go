package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/quiver-app/quiver/app/account"
	"github.com/quiver-app/quiver/app/backup"
	"github.com/quiver-app/quiver/app/codex"
)

// ErrNothingToBackUp is returned by Backup when there is no account.
var ErrNothingToBackUp = errors.New("there are no accounts to back up")

// Backup writes every account, its metadata and its tokens, to one file at
// path sealed with passphrase (scrypt, AES-256-GCM; 0600, atomic). It
// returns how many accounts the file holds. An account whose tokens cannot
// be read fails the whole backup: a backup that silently misses accounts
// would be found out only when it is needed.
func (a *App) Backup(ctx context.Context, path, passphrase string) (int, error) {
	return a.backup(ctx, path, passphrase, backup.Options{})
}

func (a *App) backup(ctx context.Context, path, passphrase string, o backup.Options) (int, error) {
	snap := a.store.Snapshot()
	if len(snap.Accounts) == 0 {
		return 0, ErrNothingToBackUp
	}
	doc := backup.Document{Version: backup.DocumentVersion, CreatedAt: a.now().UTC()}
	for _, acc := range snap.Accounts {
		sec, err := a.store.Tokens(ctx, acc.ID)
		if err != nil {
			return 0, fmt.Errorf("backing up %s: %w", acc.Label(), err)
		}
		doc.Accounts = append(doc.Accounts, backup.Entry{Account: acc, Secret: sec})
	}
	if err := backup.WriteFile(path, doc, passphrase, o); err != nil {
		return 0, fmt.Errorf("backing up: %w", err)
	}
	a.log.Info("wrote encrypted backup", "accounts", len(doc.Accounts), "path", path)
	return len(doc.Accounts), nil
}

// Restore merges the accounts of the backup at path into this Quiver. An
// account is matched by its identity (the same login has the same id on
// every machine), so nothing is duplicated: a new one is added with its
// alias, tags, notes, pool order and switches; a known one only takes the
// backup's tokens when they are newer than the ones held, and keeps its
// own metadata. A wrong passphrase (backup.IsBadPassphrase) or a damaged
// file (backup.IsDamaged) changes nothing; every entry is checked before
// the first change.
func (a *App) Restore(ctx context.Context, path, passphrase string) (added, updated int, err error) {
	doc, err := backup.ReadFile(path, passphrase)
	if err != nil {
		return 0, 0, fmt.Errorf("restoring: %w", err)
	}
	entries := slices.Clone(doc.Accounts)
	slices.SortStableFunc(entries, func(x, y backup.Entry) int { return cmp.Compare(x.Account.Order, y.Account.Order) })
	logins := make([]codex.Login, len(entries))
	for i, e := range entries {
		l, err := codex.NewLogin(e.Secret.Tokens(e.Account.ChatGPTAccountID), e.Secret.LastRefresh)
		if err != nil {
			return 0, 0, fmt.Errorf("restoring: account %q in the backup is not a usable login (%w); nothing was restored: %w", e.Account.Label(), err, backup.ErrCorrupt)
		}
		logins[i] = l
	}
	for i, e := range entries {
		res, err := a.store.ImportLogin(ctx, logins[i])
		if err != nil {
			return added, updated, fmt.Errorf("restoring %s: %w", e.Account.Label(), err)
		}
		switch {
		case res.Created:
			added++
			if err := a.restoreMetadata(ctx, res.Account.ID, e.Account); err != nil {
				return added, updated, fmt.Errorf("restoring %s: %w", e.Account.Label(), err)
			}
		case res.Adopted:
			updated++
		}
	}
	a.log.Info("restored backup", "path", path, "accounts", len(entries), "added", added, "updated", updated)
	return added, updated, nil
}

// restoreMetadata gives a newly restored account what the user had set on
// it. An alias that another account already uses is left at the default.
func (a *App) restoreMetadata(ctx context.Context, id string, from account.Account) error {
	if from.Alias != "" {
		_, err := a.store.Rename(ctx, id, from.Alias)
		switch {
		case errors.Is(err, account.ErrAliasTaken), errors.Is(err, account.ErrBadAlias):
			a.log.Warn("restored account keeps its default alias", "id", id, "err", err)
		case err != nil:
			return err
		}
	}
	return a.store.Update(ctx, id, func(acc *account.Account) error {
		acc.Tags, acc.Notes = slices.Clone(from.Tags), from.Notes
		acc.Disabled, acc.Exported = from.Disabled, from.Exported
		if from.NeedsLogin {
			acc.NeedsLogin, acc.NeedsLoginReason = true, from.NeedsLoginReason
		}
		if acc.Plan == "" {
			acc.Plan = from.Plan
		}
		if !from.AddedAt.IsZero() {
			acc.AddedAt = from.AddedAt
		}
		acc.CooldownUntil = from.CooldownUntil
		acc.Usage = from.Usage
		return nil
	})
}
