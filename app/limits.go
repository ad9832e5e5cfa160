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
// spends no quota) and stores them. A refusal of the token (401, or a 403
// naming a token error) refreshes the tokens once and asks again; refused
// again, the account needs a new login. Any other 403 (a CDN challenge, a
// block) says nothing about the login: the error matches
// codex.ErrUsageBlocked, no refresh token is spent, and the account and its
// last figures stay as they were. So does an answer whose figures make no
// sense (codex.ErrUsageMalformed).
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
	switch {
	case errors.Is(err, codex.ErrUsageBlocked):
		return account.Usage{}, &usageBlockedError{account: acc.Label(), cause: err}
	case errors.Is(err, codex.ErrUsageMalformed):
		a.log.Warn("ignored a usage answer that makes no sense; kept the last good figures", "account", acc.Label(), "err", err)
		return account.Usage{}, fmt.Errorf("fetching limits of %s: %w; kept the last good figures", acc.Label(), err)
	case err != nil:
		return account.Usage{}, fmt.Errorf("fetching limits of %s: %w", acc.Label(), err)
	}
	au := account.UsageFromCodex(u, "usage")
	if err := a.store.RecordUsage(ctx, acc.ID, au); err != nil {
		return au, err
	}
	return au, nil
}

// usageBlockedError is FetchLimits' one-line error for a blocked usage
// check; it unwraps to the *codex.UsageStatusError (and so to
// codex.ErrUsageBlocked).
type usageBlockedError struct {
	account string
	cause   error
}

func (e *usageBlockedError) Error() string {
	return "fetching limits of " + e.account + ": " + codex.ErrUsageBlocked.Error() + " (" + blockedDetail(e.cause) +
		"); not a login problem: the account and its last figures are kept"
}

func (e *usageBlockedError) Unwrap() error { return e.cause }

// blockedDetail says what kind of block err was, for one line: "CDN
// challenge", or the status and code.
func blockedDetail(err error) string {
	var se *codex.UsageStatusError
	switch {
	case !errors.As(err, &se):
		return "refused"
	case se.Challenge:
		return "CDN challenge"
	case se.Code != "":
		return fmt.Sprintf("HTTP %d %s", se.Status, se.Code)
	}
	return fmt.Sprintf("HTTP %d", se.Status)
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

// pollUsage keeps every account's limits current until ctx ends. A block
// of the usage check (a CDN challenge) is the upstream's, not an account's:
// the whole poll backs off, every account and its figures are kept, no
// refresh token is spent, and the user is told once — one log line when it
// starts and one when it ends, and the account's one-line status in the
// window — not once per account and retry.
func (a *App) pollUsage(ctx context.Context) error {
	next := map[string]time.Time{}
	fails := map[string]int{}
	var blockedUntil time.Time
	blocks := 0
	a.store.Schedule(ctx, func(now time.Time, snap account.Snapshot) time.Time {
		if now.Before(blockedUntil) {
			return blockedUntil
		}
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
				case errors.Is(err, codex.ErrUsageBlocked):
					blocks++
					wait := min(pollActive<<min(blocks-1, 6), pollRetryMax)
					blockedUntil = now.Add(wait)
					note := fmt.Sprintf("upstream blocked the usage check (%s); retrying in %s", blockedDetail(err), shortDuration(wait))
					if blocks == 1 {
						a.log.Warn(note+"; accounts and their figures are kept", "account", acc.Label())
					} else {
						a.log.Debug(note, "account", acc.Label())
					}
					if serr := a.store.SetLastError(ctx, acc.ID, note); serr != nil {
						a.log.Warn("recording the usage check's status", "err", serr)
					}
					return blockedUntil
				case err != nil:
					fails[acc.ID]++
					wait := min(pollActive<<min(fails[acc.ID]-1, 6), pollRetryMax)
					due = now.Add(wait)
					a.log.Warn("fetching limits failed; will retry", "account", acc.Label(), "in", wait.String(), "err", err)
				default:
					delete(fails, acc.ID)
					if blocks > 0 {
						a.log.Info("the usage check works again", "after_blocks", blocks)
						blocks = 0
					}
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

// shortDuration prints d in its largest whole unit: "5m", "1h", "40s".
func shortDuration(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Minute:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}
