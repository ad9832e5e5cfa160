package account

import (
	"context"
	"time"

	"github.com/quiver-app/quiver/app/codex"
)

// UsageFromCodex converts the ChatGPT backend's figures to what accounts
// keep. source is "usage" (polled) or "headers" (proxied traffic).
func UsageFromCodex(u codex.Usage, source string) Usage {
	out := Usage{Plan: u.Plan, LimitReached: u.LimitReached, FetchedAt: u.FetchedAt.UTC(), Source: source}
	for _, w := range u.Windows {
		out.Windows = append(out.Windows, Window{
			Kind: w.Kind.String(), Seconds: int64(w.Kind.Length() / time.Second),
			UsedPercent: w.UsedPercent, ResetAt: w.ResetAt.UTC(),
		})
	}
	if u.Credits != nil && u.Credits.HasCredits {
		out.Credits = u.Credits.Balance
		if u.Credits.Unlimited {
			out.Credits = "unlimited"
		}
	}
	return out
}

// RecordUsage stores fresh usage figures of account id, adds them to its
// history, and ends a cooldown early when they show room again (stale
// cooldowns that outlive the real reset strand users of other proxies).
func (s *Store) RecordUsage(ctx context.Context, id string, u Usage) error {
	now := s.opts.Now()
	sample := Sample{At: u.FetchedAt}
	if w, ok := u.Window("5h"); ok {
		sample.FiveHour = w.UsedPercent
	}
	if w, ok := u.Window("weekly"); ok {
		sample.Weekly = w.UsedPercent
	}
	return s.Update(ctx, id, func(a *Account) error {
		if err := s.appendHistory(id, sample); err != nil {
			s.log.Warn("recording usage history", "id", id, "err", err)
		}
		a.Usage = &u
		a.LastError = "" // the check works: whatever went wrong before is over
		if u.Plan != "" {
			a.Plan = u.Plan
		}
		switch {
		case u.LimitReached || u.MaxUsedPercent(now) >= 100:
			if reset := u.limitedUntil(now); reset.After(a.CooldownUntil) {
				a.CooldownUntil = reset
			}
		case now.Before(a.CooldownUntil):
			a.CooldownUntil = time.Time{}
		}
		return nil
	})
}

// limitedUntil is the latest reset among the full windows.
func (u *Usage) limitedUntil(now time.Time) time.Time {
	var t time.Time
	for _, w := range u.Windows {
		if w.UsedPercent >= 100 && w.ResetAt.After(t) {
			t = w.ResetAt
		}
	}
	if t.IsZero() {
		t = now.Add(DefaultCooldown)
	}
	return t
}

// DefaultCooldown applies when a limit is hit and no reset time is known.
const DefaultCooldown = 5 * time.Minute

// SetCooldown takes account id out of rotation until until (its reset).
// Cooldowns are kept in accounts.json, so they survive a restart.
func (s *Store) SetCooldown(ctx context.Context, id string, until time.Time) error {
	return s.Update(ctx, id, func(a *Account) error {
		if until.After(a.CooldownUntil) {
			a.CooldownUntil = until.UTC()
		}
		return nil
	})
}

// ClearCooldown puts ref back into rotation now.
func (s *Store) ClearCooldown(ctx context.Context, ref string) (Account, error) {
	acc, err := s.Resolve(ref)
	if err != nil {
		return Account{}, err
	}
	err = s.Update(ctx, acc.ID, func(a *Account) error {
		a.CooldownUntil = time.Time{}
		if a.Usage != nil {
			a.Usage.LimitReached = false
		}
		return nil
	})
	return acc, err
}

// SetLastError records a one-line status of account id's background work
// (e.g. "upstream blocked the usage check (CDN challenge); retrying in
// 5m"), shown with the account until the next successful check. It changes
// nothing else: not the figures, not the rotation.
func (s *Store) SetLastError(ctx context.Context, id, msg string) error {
	return s.Update(ctx, id, func(a *Account) error {
		a.LastError = msg
		return nil
	})
}
