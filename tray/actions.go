package tray

import (
	"errors"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/app/autostart"
	"github.com/quiver-app/quiver/app/codex"
)

// click runs a menu item's action. It is called on the goroutine that
// reads the item's clicks and returns at once: what does I/O goes to its
// own goroutine; the app's next State (or the view) then updates the menu.
func (t *tray) click(it Item) {
	t.log.Debug("tray menu clicked", "action", string(it.Action))
	switch it.Action {
	case ActionSwitch:
		t.goAction(func() { t.switchTo(it.Account) })
	case ActionSignIn:
		t.signIn(it.Account)
	case ActionAddAccount:
		t.signIn("")
	case ActionPauseProxy, ActionResumeProxy:
		on := it.Action == ActionResumeProxy
		t.goAction(func() {
			if err := t.app.SetProxyEnabled(on); err != nil {
				t.log.Error("pausing or resuming the proxy from the tray", "resume", on, "err", err)
			}
		})
	case ActionRefreshLimits:
		t.refreshLimits()
	case ActionStartAtLogin:
		on := !it.Checked
		t.goAction(func() { t.setAutostart(on) })
	case ActionOpenWindow:
		t.goAction(t.openWindow)
	case ActionQuit:
		t.quit()
	}
}

func (t *tray) switchTo(id string) {
	if _, err := t.app.Switch(t.ctx, id); err != nil && t.ctx.Err() == nil {
		t.log.Error("switching account from the tray", "id", id, "err", err)
	}
}

// signIn runs the browser sign-in ("Add account…"), one at a time. With
// an id (an account that needs login), signing in as that account also
// makes it the active one, as the click on it asked.
func (t *tray) signIn(id string) {
	t.mu.Lock()
	busy := t.view.SigningIn
	t.view.SigningIn = true
	t.mu.Unlock()
	if busy {
		return
	}
	t.refresh()
	t.goAction(func() {
		defer t.updateView(func(v *View) { v.SigningIn = false })
		res, err := t.app.AddAccount(t.ctx, app.AddOptions{
			Login: codex.LoginOptions{OpenURL: codex.OpenBrowser, Logger: t.log},
		})
		if err != nil {
			if t.ctx.Err() == nil {
				t.log.Error("signing in from the tray", "err", err)
			}
			return
		}
		t.log.Info("signed in from the tray", "account", res.Account.Label(), "new", res.Created)
		if id == "" {
			return
		}
		if res.Account.ID != id {
			t.log.Warn("signed in as another account than the one clicked; it was added, the active account is unchanged",
				"clicked", id, "signed_in", res.Account.Label())
			return
		}
		t.switchTo(id)
	})
}

// refreshLimits fetches every account's limits, one after the other, once
// at a time.
func (t *tray) refreshLimits() {
	t.mu.Lock()
	busy := t.view.Refreshing
	t.view.Refreshing = true
	t.mu.Unlock()
	if busy {
		return
	}
	t.refresh()
	t.goAction(func() {
		defer t.updateView(func(v *View) { v.Refreshing = false })
		for _, acc := range t.app.State().Accounts.Accounts {
			if acc.NeedsLogin || acc.Disabled || acc.Exported {
				continue
			}
			if _, err := t.app.FetchLimits(t.ctx, acc.ID); err != nil {
				if t.ctx.Err() != nil {
					return
				}
				t.log.Warn("refreshing limits from the tray", "account", acc.Label(), "err", err)
			}
		}
	})
}

// setAutostart turns starting at login on or off, then shows what is
// really set up.
func (t *tray) setAutostart(on bool) {
	if err := t.app.SetAutostart(on); err != nil {
		if errors.Is(err, autostart.ErrTemporaryBinary) {
			t.log.Warn("start at login not turned on", "err", err)
		} else {
			t.log.Error("changing start at login from the tray", "on", on, "err", err)
		}
	}
	t.readAutostart()
}

// readAutostart reads whether Quiver starts at login into the view.
func (t *tray) readAutostart() {
	st, err := t.app.Autostart()
	if err != nil {
		t.log.Warn("reading start at login", "err", err)
		return
	}
	t.updateView(func(v *View) { v.Autostart = st.Enabled })
}
