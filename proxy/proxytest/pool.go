// Package proxytest offers a reference, in-memory proxy.Picker for tests
// and benchmarks. The real strategies (round-robin, least-used, sticky,
// fill-first, persisted cooldowns) live in app/account.
package proxytest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/quiver-app/quiver/proxy"
)

// defaultCooldown rests an account whose Limited outcome came without a
// reset time; defaultBackoff one whose Blocked outcome came without one.
const (
	defaultCooldown = 5 * time.Minute
	defaultBackoff  = time.Minute
)

// maxSessions bounds the session → account memory.
const maxSessions = 4096

// StaticPool round-robins over a fixed set of leases, skips accounts in
// cooldown or backing off after a Blocked outcome, keeps conversations (session keys) and turn states on their
// account while it is usable, and records every report. Safe for concurrent
// use.
type StaticPool struct {
	mu       sync.Mutex // guards everything below
	accounts []*poolAccount
	next     int
	sessions map[string]string
	refresh  func(ctx context.Context, accountID string) (proxy.Lease, error)
	reports  []Reported
	inFlight int
}

type poolAccount struct {
	lease    proxy.Lease
	cooldown time.Time
	blocked  time.Time // backing off after a Blocked outcome until then
	leases   int64
	inFlight int64
	last     proxy.Outcome
}

// Reported is one Report call the pool received.
type Reported struct {
	Lease   proxy.Lease
	Outcome proxy.Outcome
}

// NewStaticPool returns a pool over leases, in that order.
func NewStaticPool(leases ...proxy.Lease) *StaticPool {
	p := &StaticPool{sessions: map[string]string{}}
	for _, l := range leases {
		p.accounts = append(p.accounts, &poolAccount{lease: l})
	}
	return p
}

// SetRefresh installs what Refresh does; without it Refresh fails with
// proxy.ErrNoRefresher.
func (p *StaticPool) SetRefresh(f func(ctx context.Context, accountID string) (proxy.Lease, error)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refresh = f
}

// SetCooldown puts an account in cooldown until t (zero lifts it).
func (p *StaticPool) SetCooldown(accountID string, t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if a := p.find(accountID); a != nil {
		a.cooldown = t
	}
}

// Pick implements proxy.Picker.
func (p *StaticPool) Pick(ctx context.Context, r proxy.PickRequest) (proxy.Lease, error) {
	if err := ctx.Err(); err != nil {
		return proxy.Lease{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.accounts) == 0 {
		return proxy.Lease{}, proxy.ErrNoAccounts
	}
	now := time.Now()
	usable := func(a *poolAccount) bool {
		return a != nil && !r.Exclude[a.lease.AccountID] && !a.cooldown.After(now) && !a.blocked.After(now)
	}
	var chosen *poolAccount
	if a := p.find(r.TurnAccount); usable(a) {
		chosen = a
	} else if a := p.find(p.sessions[r.SessionKey]); r.SessionKey != "" && usable(a) {
		chosen = a
	} else {
		for i := range p.accounts {
			a := p.accounts[(p.next+i)%len(p.accounts)]
			if usable(a) {
				chosen = a
				p.next = (p.next + i + 1) % len(p.accounts)
				break
			}
		}
	}
	if chosen == nil {
		return proxy.Lease{}, p.unavailable(now)
	}
	if r.SessionKey != "" {
		if len(p.sessions) >= maxSessions {
			clear(p.sessions)
		}
		p.sessions[r.SessionKey] = chosen.lease.AccountID
	}
	chosen.leases++
	chosen.inFlight++
	p.inFlight++
	return chosen.lease, nil
}

// unavailable tells apart "all backing off after a block", "all limited"
// and "nothing usable".
func (p *StaticPool) unavailable(now time.Time) error {
	var limitedUntil, blockedUntil time.Time
	limited, blocked := 0, 0
	for _, a := range p.accounts {
		switch {
		case a.cooldown.After(now):
			limited++
			if limitedUntil.IsZero() || a.cooldown.Before(limitedUntil) {
				limitedUntil = a.cooldown
			}
		case a.blocked.After(now):
			blocked++
			if blockedUntil.IsZero() || a.blocked.Before(blockedUntil) {
				blockedUntil = a.blocked
			}
		default:
			return proxy.ErrNoAccounts
		}
	}
	if blocked > 0 {
		return &proxy.AllBlockedError{RetryAt: blockedUntil, Accounts: blocked}
	}
	return &proxy.AllLimitedError{ResetAt: limitedUntil, Accounts: limited}
}

// Report implements proxy.Picker.
func (p *StaticPool) Report(l proxy.Lease, o proxy.Outcome) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reports = append(p.reports, Reported{Lease: l, Outcome: o})
	p.inFlight--
	a := p.find(l.AccountID)
	if a == nil {
		return
	}
	a.inFlight--
	a.last = o
	switch o.Kind {
	case proxy.Limited:
		a.cooldown = o.ResetAt
		if a.cooldown.IsZero() {
			a.cooldown = time.Now().Add(defaultCooldown)
		}
	case proxy.Blocked:
		a.blocked = o.ResetAt
		if a.blocked.IsZero() {
			a.blocked = time.Now().Add(defaultBackoff)
		}
	}
}

// Refresh implements proxy.Picker.
func (p *StaticPool) Refresh(ctx context.Context, stale proxy.Lease) (proxy.Lease, error) {
	accountID := stale.AccountID
	p.mu.Lock()
	f := p.refresh
	p.mu.Unlock()
	if f == nil {
		return proxy.Lease{}, proxy.ErrNoRefresher
	}
	l, err := f(ctx, accountID)
	if err != nil {
		return proxy.Lease{}, fmt.Errorf("refreshing %s: %w", accountID, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if a := p.find(accountID); a != nil {
		a.lease = l
		a.leases++
		a.inFlight++
	}
	p.inFlight++
	return l, nil
}

// AccountStatus implements proxy.StatusSource.
func (p *StaticPool) AccountStatus() []proxy.AccountStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]proxy.AccountStatus, 0, len(p.accounts))
	for _, a := range p.accounts {
		out = append(out, proxy.AccountStatus{
			AccountID: a.lease.AccountID, Label: a.lease.Label, Leases: a.leases, InFlight: a.inFlight,
			CooldownUntil: a.cooldown, LastStatus: a.last.Status,
		})
	}
	return out
}

// Reports returns every Report received so far.
func (p *StaticPool) Reports() []Reported {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Reported(nil), p.reports...)
}

// InFlight counts leases handed out and not reported yet: 0 once every
// request is over, if the proxy reports each lease exactly once.
func (p *StaticPool) InFlight() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.inFlight
}

func (p *StaticPool) find(id string) *poolAccount {
	if id == "" {
		return nil
	}
	for _, a := range p.accounts {
		if a.lease.AccountID == id {
			return a
		}
	}
	return nil
}
