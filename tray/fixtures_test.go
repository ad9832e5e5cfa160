package tray

import (
	"slices"
	"time"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/app/account"
)

// now is the tests' clock: 12:00 UTC.
var now = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// acct is an account with its 5-hour and weekly use; a negative percent
// leaves that window out.
func acct(id, alias string, p5, pwk float64) account.Account {
	a := account.Account{ID: id, Alias: alias, Email: alias + "@example.com"}
	u := &account.Usage{FetchedAt: now.Add(-time.Minute)}
	if p5 >= 0 {
		u.Windows = append(u.Windows, account.Window{Kind: "5h", Seconds: 18000, UsedPercent: p5, ResetAt: now.Add(2*time.Hour + 5*time.Minute)})
	}
	if pwk >= 0 {
		u.Windows = append(u.Windows, account.Window{Kind: "weekly", Seconds: 604800, UsedPercent: pwk, ResetAt: now.Add(3*24*time.Hour - 3*time.Hour)})
	}
	if len(u.Windows) > 0 {
		a.Usage = u
	}
	return a
}

// with returns a changed copy of a (its usage copied too).
func with(a account.Account, fn func(*account.Account)) account.Account {
	if a.Usage != nil {
		u := *a.Usage
		u.Windows = slices.Clone(u.Windows)
		a.Usage = &u
	}
	fn(&a)
	return a
}

// state is a State with accounts, active and a running proxy.
func state(active string, accs ...account.Account) app.State {
	st := app.State{
		Accounts: account.Snapshot{Accounts: accs, ActiveID: active, At: now},
		Proxy:    app.ProxyStatus{Enabled: true, Listen: "127.0.0.1:8799", Running: true},
		Settings: app.DefaultSettings(),
	}
	if r, ok := account.Recommended(accs, now); ok {
		st.Recommended = r.ID
	}
	return st
}

// paused is st with the proxy paused.
func paused(st app.State) app.State {
	st.Proxy.Enabled, st.Proxy.Running = false, false
	return st
}

var (
	work      = acct("id-work", "work", 42, 10)
	personal  = acct("id-personal", "personal", 85, 55)
	limited   = acct("id-limited", "spare", 100, 72)
	fresh     = account.Account{ID: "id-fresh", Alias: "fresh", Email: "fresh@example.com"}
	loggedOut = with(acct("id-out", "old", 5, 5), func(a *account.Account) {
		a.NeedsLogin, a.NeedsLoginReason = true, "refresh token reused"
	})
)
