package tray

import (
	"time"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/app/account"
	"github.com/quiver-app/quiver/icons"
)

// BadgeFor is the tray icon for st at now: the active account's initial
// and colour with its 5-hour and weekly use as two bars, and its state as
// the badge's colour:
//
//   - grey (Inactive) when the account needs login, is disabled or
//     exported, or when the proxy is paused — unless the account is
//     limited, which shows red whatever the proxy does;
//   - red (Limited) when a window is used up or the account cools down;
//   - amber (Warn) past the warn threshold;
//   - the account's colour otherwise.
//
// Without accounts it is the NoAccount badge; with accounts but none in
// auth.json, a grey arrow.
func BadgeFor(st app.State, now time.Time) icons.Badge {
	snap := st.Accounts
	a, ok := snap.Account(snap.ActiveID)
	if !ok {
		if len(snap.Accounts) == 0 {
			return icons.Badge{State: icons.NoAccount, Primary: icons.Unknown, Secondary: icons.Unknown}
		}
		return icons.Badge{State: icons.Inactive, Primary: icons.Unknown, Secondary: icons.Unknown}
	}
	name := a.Alias
	if icons.Initial(name) == 0 {
		name = a.Email
	}
	b := icons.Badge{
		Initial:   icons.Initial(name),
		Color:     icons.AccountColor(a.ID),
		Primary:   useOf(a, fiveHour, now).fraction(),
		Secondary: useOf(a, weekly, now).fraction(),
	}
	switch s := a.State(now, st.Settings.WarnPercent); {
	case s == account.StateLimited:
		b.State = icons.Limited
	case s == account.StateNeedsLogin || s == account.StateDisabled || s == account.StateExported || !st.Proxy.Enabled:
		b.State = icons.Inactive
	case s == account.StateWarn:
		b.State = icons.Warn
	default:
		b.State = icons.Normal
	}
	return b
}
