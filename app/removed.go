package app

import (
	"github.com/quiver-app/quiver/app/account"
	"github.com/quiver-app/quiver/app/codex"
)

// removedLogin reports whether data (auth.json's content) is a login the
// user removed from Quiver while auth.json held it: such a login is not
// imported again until a new login of the account is written there. The
// decision is logged (ids only).
func (a *App) removedLogin(data []byte) bool {
	af, err := codex.ParseAuthFile(data)
	if err != nil {
		return false
	}
	l, err := af.Login()
	if err != nil || !a.store.IsRemovedLogin(l) {
		return false
	}
	a.log.Info("auth.json holds a login that was removed from Quiver; not importing it again (a new `codex login` or `quiver add` of the account is imported)",
		"id", account.IDFor(l.Identity()))
	return true
}
