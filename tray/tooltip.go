package tray

import (
	"strconv"
	"strings"
	"time"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/app/account"
)

// Tooltip is the tray's tooltip at now:
// "Quiver — work · 5h 42% (resets 14:05) · week 10%", followed by what
// needs attention ("limited until 14:05", "needs login", "proxy paused").
func Tooltip(st app.State, now time.Time) string {
	snap := st.Accounts
	a, ok := snap.Account(snap.ActiveID)
	if !ok {
		switch n := len(snap.Accounts); n {
		case 0:
			return "Quiver — no accounts yet" + proxyNote(st.Proxy)
		case 1:
			return "Quiver — no active account (1 account)" + proxyNote(st.Proxy)
		default:
			return "Quiver — no active account (" + strconv.Itoa(n) + " accounts)" + proxyNote(st.Proxy)
		}
	}
	parts := []string{"Quiver — " + a.Label()}
	if u := useOf(a, fiveHour, now); u.known {
		s := "5h " + formatPercent(u.percent)
		if !u.resetAt.IsZero() && u.percent > 0 {
			s += " (resets " + formatReset(u.resetAt, now) + ")"
		}
		parts = append(parts, s)
	}
	if u := useOf(a, weekly, now); u.known {
		s := "week " + formatPercent(u.percent)
		if !u.resetAt.IsZero() && u.percent >= st.Settings.WarnPercent {
			s += " (resets " + formatReset(u.resetAt, now) + ")"
		}
		parts = append(parts, s)
	}
	switch a.State(now, st.Settings.WarnPercent) {
	case account.StateNeedsLogin:
		parts = append(parts, "needs login")
	case account.StateLimited:
		s := "limited"
		if until := limitedUntil(a, now); !until.IsZero() {
			s += " until " + formatReset(until, now)
		}
		parts = append(parts, s)
	case account.StateDisabled:
		parts = append(parts, "disabled")
	case account.StateExported:
		parts = append(parts, "exported")
	default:
		if len(parts) == 1 {
			parts = append(parts, "limits not known yet")
		}
	}
	return strings.Join(parts, " · ") + proxyNote(st.Proxy)
}

// proxyNote is what the tooltip says about a proxy that is not serving.
func proxyNote(p app.ProxyStatus) string {
	switch {
	case !p.Enabled:
		return " · proxy paused"
	case p.Err != "" && !p.Running:
		return " · proxy stopped"
	}
	return ""
}
