package account

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/filelock"
)

// TokenEndpoint exchanges a refresh token for a new token set (the real
// one is codex.OAuthConfig). Refresh tokens are single-use: each call spends
// the one it is given.
type TokenEndpoint interface {
	Refresh(ctx context.Context, refreshToken string) (codex.Tokens, error)
}

// Refresher keeps accounts' access tokens valid. It never sends the same
// refresh token twice: refreshes of one account are serialized in the
// process (singleflight) and across processes (a lock file per account),
// and under that lock it re-reads the stored tokens and auth.json first, so
// a refresh another process (or the Codex CLI) already did is adopted
// instead of repeated.
type Refresher struct {
	store    *Store
	endpoint TokenEndpoint
	// terminal reports refresh errors that mean the login is gone
	// (codex.NeedsLogin); the account is then marked needs-login.
	terminal func(error) bool
	group    singleflight.Group
	// timeout bounds one refresh: the lock, the token endpoint and the
	// reading around it (storing the result has its own time).
	timeout time.Duration
}

// NewRefresher makes a Refresher for store's accounts.
func NewRefresher(store *Store, endpoint TokenEndpoint, terminal func(error) bool) *Refresher {
	return &Refresher{store: store, endpoint: endpoint, terminal: terminal, timeout: refreshTimeout}
}

// Refresh timing: refresh well before the access token expires, earlier
// than the Codex CLI would (it refreshes at exp, or when last_refresh is 8
// days old), so the CLI never has a reason to refresh on its own.
const (
	refreshMargin  = 3 * 24 * time.Hour
	refreshMaxAge  = 7 * 24 * time.Hour
	refreshTimeout = 30 * time.Second
)

// DueAt is when the tokens should be refreshed: 3 days before they expire
// (at most a third of their lifetime before), or 7 days after they were
// issued, whichever comes first; 7 days after they were issued when the
// expiry is not known; zero (at once) when neither is known.
func (s Secret) DueAt() time.Time {
	if s.Expires.IsZero() {
		// No usable expiry (an opaque access token, or one whose exp made
		// no sense): refresh by age.
		if !s.LastRefresh.IsZero() {
			return s.LastRefresh.Add(refreshMaxAge)
		}
		return time.Time{}
	}
	margin := refreshMargin
	if !s.LastRefresh.IsZero() {
		if life := s.Expires.Sub(s.LastRefresh); life > 0 && life/3 < margin {
			margin = life / 3
		}
	}
	due := s.Expires.Add(-margin)
	if !s.LastRefresh.IsZero() && s.LastRefresh.Add(refreshMaxAge).Before(due) {
		due = s.LastRefresh.Add(refreshMaxAge)
	}
	return due
}

// RefreshReason says why a refresh is asked for.
type RefreshReason int

const (
	// RefreshIfDue refreshes only when the tokens are due.
	RefreshIfDue RefreshReason = iota
	// RefreshNow always refreshes (the user asked, or a check of the login).
	RefreshNow
)

// Refresh refreshes account id's tokens when needed and returns the tokens
// to use. staleAccess, when not empty, is an access token upstream refused
// (401): the tokens are refreshed unless they already changed since.
func (r *Refresher) Refresh(ctx context.Context, id string, reason RefreshReason, staleAccess string) (Secret, error) {
	return r.refresh(ctx, id, reason, staleAccess, "")
}

// refresh is Refresh; why, when not empty, is the needs-login reason to
// record if the refresh token is refused.
func (r *Refresher) refresh(ctx context.Context, id string, reason RefreshReason, staleAccess, why string) (Secret, error) {
	key := fmt.Sprintf("%s|%d|%s|%s", id, reason, staleAccess, why)
	ch := r.group.DoChan(key, func() (any, error) {
		// Detached from one caller's cancellation: the refresh, once
		// started, must finish and be stored, or the spent refresh token
		// would be lost with it.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.timeout)
		defer cancel()
		return r.refreshLocked(rctx, id, reason, staleAccess, why)
	})
	select {
	case <-ctx.Done():
		return Secret{}, ctx.Err()
	case res := <-ch:
		if res.Err != nil {
			return Secret{}, res.Err
		}
		return res.Val.(Secret), nil
	}
}

func (r *Refresher) lockPath(id string) string {
	return filepath.Join(r.store.opts.Dir, "refresh-"+id+".lock")
}

func (r *Refresher) refreshLocked(ctx context.Context, id string, reason RefreshReason, staleAccess, why string) (Secret, error) {
	lock, err := filelock.Acquire(ctx, r.lockPath(id))
	if err != nil {
		return Secret{}, fmt.Errorf("waiting for another refresh of %s: %w", id, err)
	}
	defer lock.Unlock()

	acc, err := r.store.Resolve(id)
	if err != nil {
		return Secret{}, err
	}
	if acc.Exported {
		return Secret{}, fmt.Errorf("%s was handed over to another tool; Quiver does not refresh it", acc.Label())
	}
	// The Codex CLI may have refreshed on its own: take its newer tokens
	// rather than spend our now-used refresh token.
	r.adoptAuthFile(ctx, acc)
	cur, err := r.store.Tokens(ctx, id)
	if err != nil {
		return Secret{}, err
	}
	now := r.store.opts.Now()
	switch {
	case staleAccess != "" && cur.Access != staleAccess:
		return cur, nil // someone refreshed since the caller read its token
	case staleAccess == "" && reason == RefreshIfDue && now.Before(cur.DueAt()):
		return cur, nil
	}
	tokens, err := r.endpoint.Refresh(ctx, cur.Refresh)
	if err != nil && tokens.RefreshToken != "" && tokens.RefreshToken != cur.Refresh {
		// A broken 200 that still rotated the refresh token: the old one
		// is spent, so keep the new one with the access token we had.
		kept := cur
		kept.Refresh = tokens.RefreshToken
		if _, serr := r.store.storeRefreshed(ctx, id, kept); serr != nil {
			r.store.log.Error("a rotated refresh token could not be kept; the account may need a new login", "account", acc.Label(), "err", serr)
		}
		return Secret{}, fmt.Errorf("refreshing tokens of %s: %w", acc.Label(), err)
	}
	if err != nil {
		if r.terminal != nil && r.terminal(err) {
			if why == "" {
				why = "the refresh token was refused (" + err.Error() + "); sign in again"
			}
			if merr := r.store.MarkNeedsLogin(ctx, id, why); merr != nil {
				r.store.log.Error("marking account needs-login", "account", acc.Label(), "err", merr)
			}
			r.store.log.Warn("account needs a new login", "account", acc.Label(), "err", err)
			return Secret{}, fmt.Errorf("%w: %s: %v", ErrNeedsLogin, acc.Label(), err)
		}
		return Secret{}, fmt.Errorf("refreshing tokens of %s: %w", acc.Label(), err)
	}
	if tokens.AccountID == "" {
		tokens.AccountID = acc.ChatGPTAccountID
	}
	if tokens.IDToken == "" { // the server may leave it out: keep ours
		tokens.IDToken = cur.IDToken
	}
	l, err := codex.NewLogin(tokens, now.UTC())
	if err != nil {
		// The server granted the refresh (the old token is spent), but its
		// id_token is unusable: keep the new tokens with the id_token we
		// had, rather than lose the only valid refresh token.
		r.store.log.Warn("the refreshed tokens' id_token is unusable; kept the previous one", "account", acc.Label(), "err", err)
		tokens.IDToken = cur.IDToken
		if l, err = codex.NewLogin(tokens, now.UTC()); err != nil {
			kept := cur
			kept.Access, kept.Refresh, kept.LastRefresh = tokens.AccessToken, tokens.RefreshToken, now.UTC()
			if _, serr := r.store.storeRefreshed(ctx, id, kept); serr != nil {
				r.store.log.Error("refreshed tokens could not be kept; the account may need a new login", "account", acc.Label(), "err", serr)
			}
			return Secret{}, fmt.Errorf("refreshing tokens of %s: the new tokens are unusable: %w", acc.Label(), err)
		}
	}
	if l.AccessProblem != "" {
		r.store.log.Warn("the refreshed access token's claims are unreadable; kept it, expiry from expires_in", "account", acc.Label(), "problem", l.AccessProblem)
	}
	if err := r.store.SaveTokens(ctx, id, l); err != nil {
		// The old refresh token is spent; these are the only valid ones.
		// Nothing else may use the old ones, so this is loud.
		r.store.log.Error("refreshed tokens could not be stored; the account may need a new login", "account", acc.Label(), "err", err)
		return Secret{}, fmt.Errorf("storing refreshed tokens of %s: %w", acc.Label(), err)
	}
	r.store.log.Info("refreshed tokens", "account", acc.Label(), "expires", l.Expiry.Format(time.RFC3339))
	return secretFromLogin(l), nil
}

// adoptAuthFile imports auth.json when it holds newer tokens of acc.
func (r *Refresher) adoptAuthFile(ctx context.Context, acc Account) {
	af, err := codex.ReadAuthFile(r.store.AuthPath())
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			r.store.log.Debug("auth.json unreadable while refreshing", "err", err)
		}
		return
	}
	l, err := af.Login()
	if err != nil || IDFor(l.Identity()) != acc.ID {
		return
	}
	if _, err := r.store.ImportLogin(ctx, l); err != nil {
		r.store.log.Warn("adopting the Codex CLI's newer tokens", "account", acc.Label(), "err", err)
	}
}

// Backoff after a failed background refresh (network down, server error).
const (
	retryMin = 30 * time.Second
	retryMax = 30 * time.Minute
)

// Run refreshes every account when it is due until ctx ends. It sleeps
// until the earliest due time (or a change to the accounts) and never
// polls. Failures back off per account and never change its state, except
// a refused refresh token, which marks it needs-login.
func (r *Refresher) Run(ctx context.Context) error {
	retryAt := map[string]time.Time{}
	failures := map[string]int{}
	r.store.Schedule(ctx, func(now time.Time, snap Snapshot) time.Time {
		var next time.Time
		for _, acc := range snap.Accounts {
			if acc.NeedsLogin || acc.Exported {
				continue
			}
			due := Secret{Expires: acc.TokenExpiry, LastRefresh: acc.LastRefresh}.DueAt()
			if t, ok := retryAt[acc.ID]; ok && t.After(due) {
				due = t
			}
			if now.Before(due) {
				next = earliest(next, due)
				continue
			}
			_, err := r.Refresh(ctx, acc.ID, RefreshIfDue, "")
			switch {
			case ctx.Err() != nil:
				return time.Time{}
			case err == nil:
				delete(failures, acc.ID)
				delete(retryAt, acc.ID)
			case !errors.Is(err, ErrNeedsLogin):
				failures[acc.ID]++
				wait := min(retryMin<<min(failures[acc.ID]-1, 10), retryMax)
				retryAt[acc.ID] = now.Add(wait)
				r.store.log.Warn("refresh failed; will retry", "account", acc.Label(), "in", wait.String(), "err", err)
				next = earliest(next, retryAt[acc.ID])
			}
		}
		return next
	})
	return nil
}

// CheckLogin refreshes id now to learn whether its login is still alive:
// after `codex login` or `codex logout` replaced auth.json, newer Codex
// CLIs revoke the tokens that were there. A refused refresh marks the
// account needs-login with reason.
func (r *Refresher) CheckLogin(ctx context.Context, id, reason string) error {
	_, err := r.refresh(ctx, id, RefreshNow, "", reason)
	if errors.Is(err, ErrNeedsLogin) {
		return nil // marked, with reason
	}
	return err
}
