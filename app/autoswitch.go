package app

import (
	"context"
	"time"

	"github.com/quiver-app/quiver/app/account"
)

// autoSwitch follows the accounts and, when the "auto_switch" setting is on
// and the account auth.json holds becomes limited, switches auth.json to
// the account with the most quota left and says so in a notification.
func (a *App) autoSwitch(ctx context.Context) error {
	snaps, unsubscribe := a.store.Subscribe()
	defer unsubscribe()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-snaps:
		case <-timer.C:
		}
		if !a.Settings().AutoSwitch {
			continue
		}
		snap := a.store.Snapshot()
		from, switched := a.maybeAutoSwitch(ctx, snap)
		if switched != "" {
			a.log.Info("auto-switched auth.json away from a limited account", "from", from, "to", switched)
			if err := a.sender.Send("Switched to "+switched, from+" reached its limit; the Codex CLI now uses "+switched+"."); err != nil {
				a.log.Warn("notifying of an auto-switch", "err", err)
			}
		}
		// Look again when the active account's cooldown ends (it may be the
		// best one again by then, but Quiver only moves away from limits).
		if act, ok := snap.Account(snap.ActiveID); ok && act.CooldownUntil.After(a.now()) {
			timer.Reset(act.CooldownUntil.Sub(a.now()))
		}
	}
}

// maybeAutoSwitch switches when the active account is limited and a usable
// one exists; it returns the two labels when it did.
func (a *App) maybeAutoSwitch(ctx context.Context, snap account.Snapshot) (from, to string) {
	now := a.now()
	active, ok := snap.Account(snap.ActiveID)
	if !ok || active.State(now, a.Settings().WarnPercent) != account.StateLimited {
		return "", ""
	}
	best, ok := account.Recommended(snap.Accounts, now)
	if !ok || best.ID == active.ID {
		return "", ""
	}
	if _, err := a.store.Switch(ctx, best.ID); err != nil {
		a.log.Warn("auto-switch failed", "to", best.Label(), "err", err)
		return "", ""
	}
	return active.Label(), best.Label()
}
