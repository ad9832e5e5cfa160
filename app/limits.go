package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/quiver-app/quiver/app/account"
	"github.com/quiver-app/quiver/app/codex"
)

// FetchLimits asks the ChatGPT backend for account id's rate limits (this
// spends no quota) and stores them. A 401/403 refreshes the tokens once and
// asks again; refused again, the account needs a new login.
func (a *App) FetchLimits(ctx context.Context, id string) (account.Usage, error) {
	acc, err := a.store.Resolve(id)
	if err != nil {
		return account.Usage{}, err
	}
	if acc.NeedsLogin {
		return account.Usage{}, fmt.Errorf("%w: %s", account.ErrNeedsLogin, acc.Label())
	}
	sec, err := a.store.Tokens(ctx, acc.ID)
	if err != nil {
		return account.Usage{}, err
	}
	client := codex.UsageClient{BaseURL: a.ChatGPTBaseURL()}
	u, err := client.Fetch(ctx, sec.Access, acc.ChatGPTAccountID)
	if errors.Is(err, codex.ErrUsageUnauthorized) {
		if sec, err = a.refresh.Refresh(ctx, acc.ID, account.RefreshIfDue, sec.Access); err != nil {
			return account.Usage{}, err
		}
		u, err = client.Fetch(ctx, sec.Access, acc.ChatGPTAccountID)
		if errors.Is(err, codex.ErrUsageUnauthorized) {
			reason := "ChatGPT refused the account's fresh tokens (" + err.Error() + "); sign in again"
			if merr := a.store.MarkNeedsLogin(ctx, acc.ID, reason); merr != nil {
				return account.Usage{}, merr
			}
			return account.Usage{}, fmt.Errorf("%w: %s", account.ErrNeedsLogin, acc.Label())
		}
	}
	if err != nil {
		return account.Usage{}, fmt.Errorf("fetching limits of %s: %w", acc.Label(), err)
	}
	au := account.UsageFromCodex(u, "usage")
	if err := a.store.RecordUsage(ctx, acc.ID, au); err != nil {
		return au, err
	}
	return au, nil
}

// Poll cadence: the active account more often than the rest; at once after
// a reset time; errors back off. Nothing is polled for accounts that need a
// login, are disabled or exported.
const (
	pollActive   = 5 * time.Minute
	pollIdle     = 30 * time.Minute
	pollAfterHit = 30 * time.Second // after a known reset time
	pollRetryMax = time.Hour
)

// The poller waits on timers of the monotonic clock, which stands still
// while the machine sleeps: nothing is polled during sleep, and after
// waking each account is polled once when its time comes. While the
// network is down every fetch fails and backs off, up to an hour.

// pollUsage keeps every account's limits current until ctx ends.
func (a *App) pollUsage(ctx context.Context) error {
	next := map[string]time.Time{}
	fails := map[string]int{}
	a.store.Schedule(ctx, func(now time.Time, snap account.Snapshot) time.Time {
		var wake time.Time
		for _, acc := range snap.Accounts {
			if acc.NeedsLogin || acc.Disabled || acc.Exported {
				delete(next, acc.ID)
				continue
			}
			due, seen := next[acc.ID]
			if !seen {
				due = lastPolled(acc).Add(pollInterval(acc, snap.ActiveID))
			}
			if r := nextReset(acc, now); !r.IsZero() && r.Add(pollAfterHit).Before(due) {
				due = r.Add(pollAfterHit)
			}
			if !now.Before(due) {
				_, err := a.FetchLimits(ctx, acc.ID)
				switch {
				case ctx.Err() != nil:
					return time.Time{}
				case err != nil:
					fails[acc.ID]++
					wait := min(pollActive<<min(fails[acc.ID]-1, 6), pollRetryMax)
					due = now.Add(wait)
					a.log.Warn("fetching limits failed; will retry", "account", acc.Label(), "in", wait.String(), "err", err)
				default:
					delete(fails, acc.ID)
					due = now.Add(pollInterval(acc, snap.ActiveID))
				}
			}
			next[acc.ID] = due
			if wake.IsZero() || due.Before(wake) {
				wake = due
			}
		}
		return wake
	})
	return nil
}

func pollInterval(acc account.Account, active string) time.Duration {
	if acc.ID == active {
		return pollActive
	}
	return pollIdle
}

func lastPolled(acc account.Account) time.Time {
	if acc.Usage == nil {
		return time.Time{}
	}
	return acc.Usage.FetchedAt
}

// nextReset is the earliest reset still ahead among full windows and the
// cooldown: the moment fresh figures are worth asking for.
func nextReset(acc account.Account, now time.Time) time.Time {
	var t time.Time
	consider := func(r time.Time) {
		if r.After(now) && (t.IsZero() || r.Before(t)) {
			t = r
		}
	}
	consider(acc.CooldownUntil)
	if acc.Usage != nil {
		for _, w := range acc.Usage.Windows {
			if w.UsedPercent >= 100 {
				consider(w.ResetAt)
			}
		}
	}
	return t
}
