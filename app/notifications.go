package app

import (
	"context"
	"time"

	"github.com/quiver-app/quiver/app/account"
	"github.com/quiver-app/quiver/app/notify"
)

// notifySettings maps the settings to the notifier's.
func notifySettings(s Settings) notify.Settings {
	return notify.Settings{Muted: !s.Notifications, WarnPercent: s.WarnPercent}
}

// AccountViews is what the notifier needs of a snapshot: labels and
// figures, never a token.
func AccountViews(s account.Snapshot, now time.Time) []notify.AccountView {
	out := make([]notify.AccountView, 0, len(s.Accounts))
	for _, a := range s.Accounts {
		v := notify.AccountView{
			ID: a.ID, Label: a.Label(), NeedsLogin: a.NeedsLogin, NeedsLoginReason: a.NeedsLoginReason,
			Disabled: a.Disabled || a.Exported,
		}
		if now.Before(a.CooldownUntil) {
			v.Limited, v.LimitedUntil = true, a.CooldownUntil
		}
		if a.Usage != nil {
			for _, w := range a.Usage.Windows {
				v.Windows = append(v.Windows, notify.Window{Name: w.Kind, UsedPercent: w.UsedPercent, ResetAt: w.ResetAt})
			}
		}
		out = append(out, v)
	}
	return out
}

// runNotifications turns account changes into native notifications.
func (a *App) runNotifications(ctx context.Context) error {
	rules := notify.NewRules(a.sender, notifySettings(a.Settings()), a.log, a.now)
	defer rules.Close()
	a.mu.Lock()
	a.rules = rules
	a.mu.Unlock()
	snaps, unsubscribe := a.store.Subscribe()
	defer unsubscribe()
	for {
		select {
		case <-ctx.Done():
			return nil
		case s := <-snaps:
			rules.SetSettings(notifySettings(a.Settings()))
			rules.Observe(AccountViews(s, a.now()))
		}
	}
}

// rotated tells the notifier the proxy moved away from a limited account.
func (a *App) rotated(from, to string) {
	a.mu.Lock()
	rules := a.rules
	a.mu.Unlock()
	if rules != nil {
		rules.Rotated(from, to, "usage limit reached")
	}
}
