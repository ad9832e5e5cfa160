package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quiver-app/quiver/app/account"
	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/proxy"
)

// Pool is the proxy's view of the accounts: it picks one per request by the
// configured strategy, keeps conversations on one account, and turns what
// the proxy reports into cooldowns and usage figures.
type Pool struct {
	app  *App
	log  *slog.Logger
	turn atomic.Uint64
	// writes counts the store writes Report started; Drain waits for them.
	writes sync.WaitGroup

	mu       sync.Mutex // guards the fields below
	tokens   map[string]cachedToken
	sessions map[string]sessionEntry
	inflight map[string]int64
	leases   map[string]int64
	last     map[string]proxy.Outcome
	lastSave map[string]time.Time
	// blocked holds the accounts backing off after a Blocked outcome (a CDN
	// challenge or block, not a token error), until when. In memory only:
	// it says nothing about the login or the quota, and a restart may as
	// well try again.
	blocked map[string]time.Time

	// OnRotate is called (from a request goroutine) when a request moved
	// away from a limited account; the notifier coalesces these.
	OnRotate func(from, to string)
}

// cachedToken avoids a keyring round trip per request: the cached access
// token is used while the account's LastRefresh has not changed.
type cachedToken struct {
	lastRefresh time.Time
	secret      account.Secret
}

type sessionEntry struct {
	accountID string
	seen      time.Time
}

// Bounds of the conversation-affinity table.
const (
	sessionTTL      = 2 * time.Hour
	maxSessions     = 10000
	headerSaveEvery = 30 * time.Second // persist header-borne usage at most this often
)

// NewPool makes the picker for a's accounts.
func NewPool(a *App) *Pool {
	return &Pool{
		app: a, log: a.log,
		tokens: map[string]cachedToken{}, sessions: map[string]sessionEntry{},
		inflight: map[string]int64{}, leases: map[string]int64{},
		last: map[string]proxy.Outcome{}, lastSave: map[string]time.Time{},
		blocked: map[string]time.Time{},
	}
}

// Pick implements proxy.Picker.
func (p *Pool) Pick(ctx context.Context, r proxy.PickRequest) (proxy.Lease, error) {
	snap := p.app.store.Snapshot()
	now := p.app.now()
	var usable []account.Account
	earliest, blockedUntil := time.Time{}, time.Time{}
	limited, blocked, blockedStatus := 0, 0, 0
	p.mu.Lock()
	backoff := maps.Clone(p.blocked)
	for id, until := range backoff {
		if !now.Before(until) {
			delete(p.blocked, id)
		}
	}
	p.mu.Unlock()
	for _, a := range snap.Accounts {
		if r.Exclude[a.ID] {
			continue
		}
		if until := backoff[a.ID]; now.Before(until) && a.Usable(now) {
			blocked++
			if blockedUntil.IsZero() || until.Before(blockedUntil) {
				blockedUntil = until
			}
			continue
		}
		if !a.Usable(now) {
			if now.Before(a.CooldownUntil) && !a.NeedsLogin && !a.Disabled && !a.Exported {
				limited++
				if earliest.IsZero() || a.CooldownUntil.Before(earliest) {
					earliest = a.CooldownUntil
				}
			}
			continue
		}
		usable = append(usable, a)
	}
	choice, ok := p.affine(r, usable, now)
	if !ok {
		strategy := account.Strategy(p.app.Settings().Strategy)
		choice, ok = account.Choose(strategy, usable, snap.ActiveID, p.turn.Add(1)-1, now)
	}
	if !ok {
		if blocked > 0 {
			p.mu.Lock()
			for id := range backoff {
				if o, ok := p.last[id]; ok && o.Kind == proxy.Blocked {
					blockedStatus = o.Status
				}
			}
			p.mu.Unlock()
			return proxy.Lease{}, &proxy.AllBlockedError{RetryAt: blockedUntil, Accounts: blocked, Status: blockedStatus}
		}
		if limited > 0 {
			return proxy.Lease{}, &proxy.AllLimitedError{ResetAt: earliest, Accounts: limited}
		}
		return proxy.Lease{}, proxy.ErrNoAccounts
	}
	sec, err := p.secret(ctx, choice)
	if err != nil {
		return proxy.Lease{}, err
	}
	p.mu.Lock()
	if r.SessionKey != "" {
		p.rememberLocked(r.SessionKey, choice.ID, now)
	}
	p.inflight[choice.ID]++
	p.leases[choice.ID]++
	p.mu.Unlock()
	return lease(choice, sec), nil
}

// affine returns the account a turn state or a conversation is bound to,
// when it is still usable.
func (p *Pool) affine(r proxy.PickRequest, usable []account.Account, now time.Time) (account.Account, bool) {
	want := r.TurnAccount
	if want == "" && r.SessionKey != "" {
		p.mu.Lock()
		if e, ok := p.sessions[r.SessionKey]; ok && now.Sub(e.seen) < sessionTTL {
			want = e.accountID
		}
		p.mu.Unlock()
	}
	if want == "" {
		return account.Account{}, false
	}
	for _, a := range usable {
		if a.ID == want {
			return a, true
		}
	}
	return account.Account{}, false
}

func (p *Pool) rememberLocked(key, id string, now time.Time) {
	if len(p.sessions) >= maxSessions {
		for k, e := range p.sessions {
			if now.Sub(e.seen) >= sessionTTL || len(p.sessions) >= maxSessions {
				delete(p.sessions, k)
			}
		}
	}
	p.sessions[key] = sessionEntry{accountID: id, seen: now}
}

func (p *Pool) secret(ctx context.Context, a account.Account) (account.Secret, error) {
	p.mu.Lock()
	c, ok := p.tokens[a.ID]
	p.mu.Unlock()
	if ok && c.lastRefresh.Equal(a.LastRefresh) {
		return c.secret, nil
	}
	sec, err := p.app.store.Tokens(ctx, a.ID)
	if err != nil {
		return account.Secret{}, fmt.Errorf("reading tokens of %s: %w", a.Label(), err)
	}
	p.mu.Lock()
	p.tokens[a.ID] = cachedToken{lastRefresh: a.LastRefresh, secret: sec}
	p.mu.Unlock()
	return sec, nil
}

func lease(a account.Account, s account.Secret) proxy.Lease {
	return proxy.Lease{AccountID: a.ID, Label: a.Label(), AccessToken: s.Access, ChatGPTAccountID: a.ChatGPTAccountID}
}

// Report implements proxy.Picker. Cooldowns are stored at once (they must
// survive a restart); usage figures from headers at most every 30 s per
// account. The writes happen off the request's goroutine.
func (p *Pool) Report(l proxy.Lease, o proxy.Outcome) {
	now := p.app.now()
	p.mu.Lock()
	p.inflight[l.AccountID]--
	p.last[l.AccountID] = o
	newBackoff := false
	if o.Kind == proxy.Blocked {
		if o.ResetAt.IsZero() {
			o.ResetAt = now.Add(proxy.DefaultBlockedBackoff)
		}
		// One log line per back-off, however many requests were in flight.
		newBackoff = !now.Before(p.blocked[l.AccountID])
		if o.ResetAt.After(p.blocked[l.AccountID]) {
			p.blocked[l.AccountID] = o.ResetAt
		}
	}
	saveUsage := false
	if o.Header != nil && now.Sub(p.lastSave[l.AccountID]) >= headerSaveEvery {
		p.lastSave[l.AccountID] = now
		saveUsage = true
	}
	p.mu.Unlock()

	var u *account.Usage
	if o.Header != nil {
		if cu, ok := codex.ParseRateLimitHeaders(o.Header, now); ok {
			au := account.UsageFromCodex(cu, "headers")
			u = &au
		}
	}
	switch {
	case o.Kind == proxy.Blocked:
		if newBackoff {
			p.log.Warn("the ChatGPT backend refused this account with a 403 that is not a token error (CDN challenge or block); "+
				"backing off, login kept, no refresh spent",
				"account", l.Label, "reason", o.Err, "until", o.ResetAt.Format(time.RFC3339))
		}
	case o.Kind == proxy.Limited:
		reset := o.ResetAt
		if reset.IsZero() {
			reset = now.Add(account.DefaultCooldown)
		}
		p.log.Info("account reached its usage limit; rotating", "account", l.Label, "until", reset.Format(time.RFC3339))
		p.persistInBackground(l, u, reset)
		if p.OnRotate != nil {
			p.OnRotate(l.Label, "")
		}
	case u != nil && (saveUsage || u.LimitReached):
		p.persistInBackground(l, u, time.Time{})
	}
}

// persistInBackground stores what Report learned off the request's
// goroutine; Drain waits for it.
func (p *Pool) persistInBackground(l proxy.Lease, u *account.Usage, cooldown time.Time) {
	p.writes.Add(1)
	go func() {
		defer p.writes.Done()
		p.persist(l, u, cooldown)
	}()
}

// Drain implements proxy.Drainer: it waits for the writes Report started.
func (p *Pool) Drain() { p.writes.Wait() }

func (p *Pool) persist(l proxy.Lease, u *account.Usage, cooldown time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if u != nil {
		if err := p.app.store.RecordUsage(ctx, l.AccountID, *u); err != nil {
			p.log.Warn("recording usage from proxied traffic", "account", l.Label, "err", err)
		}
	}
	if !cooldown.IsZero() {
		if err := p.app.store.SetCooldown(ctx, l.AccountID, cooldown); err != nil {
			p.log.Error("storing a cooldown", "account", l.Label, "err", err)
		}
	}
}

// Refresh implements proxy.Picker: after a token refusal the stale lease's
// tokens are refreshed once (shared with every other request that saw the
// same token) and a new lease is returned.
func (p *Pool) Refresh(ctx context.Context, stale proxy.Lease) (proxy.Lease, error) {
	id := stale.AccountID
	sec, err := p.app.refresh.Refresh(ctx, id, account.RefreshIfDue, stale.AccessToken)
	if err != nil {
		if errors.Is(err, account.ErrNeedsLogin) {
			return proxy.Lease{}, err
		}
		return proxy.Lease{}, fmt.Errorf("refreshing after a 401: %w", err)
	}
	a, err := p.app.store.Resolve(id)
	if err != nil {
		return proxy.Lease{}, err
	}
	p.mu.Lock()
	p.tokens[id] = cachedToken{lastRefresh: a.LastRefresh, secret: sec}
	p.inflight[id]++
	p.leases[id]++
	p.mu.Unlock()
	return lease(a, sec), nil
}

// AccountStatus implements proxy.StatusSource for /quiver/status.
func (p *Pool) AccountStatus() []proxy.AccountStatus {
	snap := p.app.store.Snapshot()
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]proxy.AccountStatus, 0, len(snap.Accounts))
	for _, a := range snap.Accounts {
		st := proxy.AccountStatus{AccountID: a.ID, Label: a.Label(), Leases: p.leases[a.ID], InFlight: p.inflight[a.ID], CooldownUntil: a.CooldownUntil}
		if until := p.blocked[a.ID]; until.After(st.CooldownUntil) && until.After(p.app.now()) {
			st.CooldownUntil = until
		}
		if o, ok := p.last[a.ID]; ok {
			st.LastStatus, st.LastOutcome = o.Status, o.Kind.String()
		}
		out = append(out, st)
	}
	return out
}
