package account

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/quiver-app/quiver/app/codex"
)

// ImportResult says what an import did.
type ImportResult struct {
	Account Account
	Created bool // a new account
	Adopted bool // an existing account took the login's tokens
	Older   bool // an existing account kept its tokens: the login's were issued before them
}

// ImportLogin stores a login: a new identity becomes a new account; a known
// one takes the login's tokens when they are newer than the stored ones (the
// Codex CLI refreshed, or the user signed in again). Tokens reach the secret
// store before the metadata names the account.
func (s *Store) ImportLogin(ctx context.Context, l codex.Login) (ImportResult, error) {
	var res ImportResult
	err := s.change(ctx, func(accs *[]Account) error {
		var err error
		res, err = s.importLocked(ctx, accs, l)
		return err
	})
	if err != nil {
		return ImportResult{}, fmt.Errorf("importing login: %w", err)
	}
	s.logImport(res, "")
	return res, nil
}

// importLocked is ImportLogin's change of accs; the caller holds the lock.
// The tokens of a known account are stored as refreshed ones (they may be
// the only valid copy: see storeRefreshed).
func (s *Store) importLocked(ctx context.Context, accs *[]Account, l codex.Login) (ImportResult, error) {
	id := IDFor(l.Identity())
	if l.AccessProblem != "" {
		s.log.Warn("the login's access token claims are unreadable; its expiry is taken as unknown (refreshed by age)", "id", id, "problem", l.AccessProblem)
	}
	i := slices.IndexFunc(*accs, func(a Account) bool { return a.ID == id })
	if i < 0 {
		if err := s.writeSecret(ctx, id, secretFromLogin(l)); err != nil {
			return ImportResult{}, err
		}
		a := Account{
			ID:               id,
			Alias:            uniqueAlias(*accs, defaultAlias(l.IDClaims.Email, id), id),
			Email:            l.IDClaims.Email,
			Plan:             l.IDClaims.PlanType,
			ChatGPTAccountID: l.Identity().ChatGPTAccountID,
			ChatGPTUserID:    l.Identity().ChatGPTUserID,
			Order:            nextOrder(*accs),
			TokenExpiry:      l.Expiry,
			LastRefresh:      l.LastRefresh,
			AddedAt:          s.opts.Now().UTC(),
		}
		*accs = append(*accs, a)
		return ImportResult{Account: a, Created: true}, nil
	}
	a := &(*accs)[i]
	adopt, err := s.isNewer(ctx, id, l)
	if err != nil {
		return ImportResult{}, err
	}
	if adopt {
		if _, err := s.storeRefreshed(ctx, id, secretFromLogin(l)); err != nil {
			return ImportResult{}, err
		}
		a.TokenExpiry = l.Expiry
		a.LastRefresh = l.LastRefresh
		a.NeedsLogin, a.NeedsLoginReason, a.LastError = false, "", ""
		if l.IDClaims.Email != "" {
			a.Email = l.IDClaims.Email
		}
		if l.IDClaims.PlanType != "" {
			a.Plan = l.IDClaims.PlanType
		}
	}
	older := false
	if !adopt {
		if cur, err := s.readSecret(ctx, id); err == nil && (cur.Refresh != l.Tokens.RefreshToken || cur.Access != l.Tokens.AccessToken) {
			older = true
		}
	}
	return ImportResult{Account: *a, Adopted: adopt, Older: older}, nil
}

// logImport says what an import did; from names where the login came from
// when it was not a plain import.
func (s *Store) logImport(res ImportResult, from string) {
	attrs := []any{"account", res.Account.Label(), "id", res.Account.ID}
	if from != "" {
		attrs = append(attrs, "from", from)
	}
	switch {
	case res.Created:
		s.log.Info("imported new account", append(attrs, "plan", res.Account.Plan)...)
	case res.Adopted:
		s.log.Info("took newer tokens for account", attrs...)
	case res.Older && from == "":
		s.log.Warn("ignored an older login for a known account (its tokens were issued before the stored ones)", attrs...)
	}
}

// isNewer reports whether l's tokens should replace the stored ones: they
// differ and were issued later (or nothing usable is stored).
func (s *Store) isNewer(ctx context.Context, id string, l codex.Login) (bool, error) {
	cur, err := s.readSecret(ctx, id)
	if err != nil {
		// Nothing readable is stored: the login is all there is. A store
		// that cannot be reached at all fails the write that follows.
		return true, nil
	}
	if cur.Refresh == l.Tokens.RefreshToken && cur.Access == l.Tokens.AccessToken {
		return false, nil
	}
	if l.Expiry.After(cur.Expires) || l.LastRefresh.After(cur.LastRefresh) {
		return true, nil
	}
	return false, nil
}

func nextOrder(accs []Account) int {
	n := 0
	for _, a := range accs {
		if a.Order >= n {
			n = a.Order + 1
		}
	}
	return n
}

// ImportAuthFile imports the auth.json at path.
func (s *Store) ImportAuthFile(ctx context.Context, path string) (ImportResult, error) {
	af, err := codex.ReadAuthFile(path)
	if err != nil {
		return ImportResult{}, fmt.Errorf("reading %s: %w", path, err)
	}
	l, err := af.Login()
	if err != nil {
		return ImportResult{}, fmt.Errorf("reading %s: %w", path, err)
	}
	return s.ImportLogin(ctx, l)
}

// Switch makes ref the active account: its tokens are written to auth.json
// (atomically, 0600, unknown fields kept, through a symlink, the previous
// file kept as auth.json.quiver-backup), after taking in a newer login the
// file held (the Codex CLI refreshes there on its own).
func (s *Store) Switch(ctx context.Context, ref string) (Account, error) {
	var out Account
	err := s.change(ctx, func(accs *[]Account) error {
		// The Codex CLI may have refreshed the login in auth.json since
		// anyone looked: take its new tokens in before overwriting them.
		if err := s.takeInAuthFileLocked(ctx, accs); err != nil {
			return err
		}
		a, err := resolve(*accs, ref)
		if err != nil {
			return err
		}
		if a.NeedsLogin {
			return fmt.Errorf("%w: %s (%s); sign in again with `quiver add`", ErrNeedsLogin, a.Label(), a.NeedsLoginReason)
		}
		sec, err := s.readSecret(ctx, a.ID)
		if err != nil {
			return err
		}
		if err := s.writeAuthFileLocked(sec.Tokens(a.ChatGPTAccountID), sec.LastRefresh, true); err != nil {
			return err
		}
		out = a
		return nil
	})
	if err != nil {
		return Account{}, fmt.Errorf("switching account: %w", err)
	}
	s.log.Info("switched auth.json to account", "account", out.Label(), "id", out.ID)
	return out, nil
}

// Rename gives ref a new alias.
func (s *Store) Rename(ctx context.Context, ref, alias string) (Account, error) {
	alias = strings.TrimSpace(alias)
	if !validAlias(alias) {
		return Account{}, ErrBadAlias
	}
	var out Account
	err := s.change(ctx, func(accs *[]Account) error {
		a, err := resolve(*accs, ref)
		if err != nil {
			return err
		}
		if uniqueAlias(*accs, alias, a.ID) != alias {
			return fmt.Errorf("%w: %q", ErrAliasTaken, alias)
		}
		i := slices.IndexFunc(*accs, func(x Account) bool { return x.ID == a.ID })
		(*accs)[i].Alias = alias
		out = (*accs)[i]
		return nil
	})
	if err != nil {
		return Account{}, fmt.Errorf("renaming account: %w", err)
	}
	return out, nil
}

// Remove deletes ref and its tokens. auth.json is left as it is: it is the
// Codex CLI's login, not Quiver's.
func (s *Store) Remove(ctx context.Context, ref string) (Account, error) {
	var out Account
	err := s.change(ctx, func(accs *[]Account) error {
		a, err := resolve(*accs, ref)
		if err != nil {
			return err
		}
		if err := s.opts.Secrets.Delete(ctx, a.ID); err != nil {
			return fmt.Errorf("deleting tokens of %s: %w", a.Label(), err)
		}
		s.dropPending(a.ID)
		*accs = slices.DeleteFunc(*accs, func(x Account) bool { return x.ID == a.ID })
		out = a
		return nil
	})
	if err != nil {
		return Account{}, fmt.Errorf("removing account: %w", err)
	}
	s.log.Info("removed account", "account", out.Label(), "id", out.ID)
	return out, nil
}

// Tokens returns the stored tokens of account id.
func (s *Store) Tokens(ctx context.Context, id string) (Secret, error) {
	return s.readSecret(ctx, id)
}

// SaveTokens stores freshly refreshed tokens of account id: the secret store
// first, then auth.json when it holds this account, all under the lock and
// before the call returns, so nothing uses the spent refresh token again.
//
// The tokens are the only valid ones once the old refresh token is spent,
// so they are kept whatever fails: the caller's context is not used for the
// writes (a spent deadline cannot drop them), the secret store is tried a
// few times, and then the pending file (see storeRefreshed) takes them; the
// account then says so in its status line. An error means they could not be
// kept anywhere.
func (s *Store) SaveTokens(ctx context.Context, id string, l codex.Login) error {
	ctx = context.WithoutCancel(ctx)
	sec := secretFromLogin(l)
	stored := false
	err := s.change(ctx, func(accs *[]Account) error {
		i := slices.IndexFunc(*accs, func(a Account) bool { return a.ID == id })
		if i < 0 {
			return fmt.Errorf("%w: %s", ErrNoAccount, id)
		}
		pending, err := s.storeRefreshed(ctx, id, sec)
		if err != nil {
			return err
		}
		stored = true
		if s.activeIn(*accs) == id {
			if err := s.takeInAuthFileLocked(ctx, accs); err != nil {
				return err
			}
			if err := s.writeAuthFileLocked(l.Tokens, l.LastRefresh, false); err != nil {
				return fmt.Errorf("keeping auth.json fresh: %w", err)
			}
		}
		a := &(*accs)[i]
		a.TokenExpiry, a.LastRefresh = l.Expiry, l.LastRefresh
		a.NeedsLogin, a.NeedsLoginReason, a.LastError = false, "", ""
		if pending {
			a.LastError = "the keyring did not take the new tokens; they are kept in a private file in Quiver's config directory until it does"
		}
		return nil
	})
	if err != nil && !stored {
		// The lock or accounts.json failed before the tokens were kept:
		// keep them anyway, without the lock (nothing else has them).
		if _, serr := s.storeRefreshed(ctx, id, sec); serr != nil {
			return fmt.Errorf("storing refreshed tokens: %w; %w", err, serr)
		}
	}
	return err
}

// MarkNeedsLogin takes account id out of rotation until it signs in again.
// It is never deleted.
func (s *Store) MarkNeedsLogin(ctx context.Context, id, reason string) error {
	return s.Update(ctx, id, func(a *Account) error {
		a.NeedsLogin, a.NeedsLoginReason = true, reason
		return nil
	})
}

// IsNotFound reports whether err says an account does not exist.
func IsNotFound(err error) bool { return errors.Is(err, ErrNoAccount) }

// AuthFileResult says what a changed auth.json meant.
type AuthFileResult struct {
	ImportResult
	// PreviousActive is the account auth.json held before, when it was one
	// of ours and is not the one it holds now: the Codex CLI may have revoked
	// its tokens (`codex login` with another account, or `codex logout`).
	PreviousActive string
	Removed        bool // auth.json is gone
}

// ApplyAuthFile takes a new auth.json content seen by the watcher (nil when
// the file was removed): a known account adopts its newer tokens, a new
// login is imported. Content that is not a valid ChatGPT login is reported
// and changes nothing.
func (s *Store) ApplyAuthFile(ctx context.Context, data []byte) (AuthFileResult, error) {
	prev := s.Snapshot().ActiveID
	var res AuthFileResult
	if data == nil {
		if err := s.Reload(ctx); err != nil {
			return res, err
		}
		res.Removed = true
	} else {
		af, err := codex.ParseAuthFile(data)
		if err != nil {
			return res, fmt.Errorf("reading changed auth.json: %w", err)
		}
		l, err := af.Login()
		if err != nil {
			return res, fmt.Errorf("reading changed auth.json: %w", err)
		}
		if res.ImportResult, err = s.ImportLogin(ctx, l); err != nil {
			return res, err
		}
	}
	if now := s.Snapshot().ActiveID; prev != "" && prev != now {
		res.PreviousActive = prev
	}
	return res, nil
}
