package tray

import (
	"testing"
	"time"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/app/account"
)

func TestTooltip(t *testing.T) {
	t.Parallel()
	proxyDown := func(st app.State) app.State {
		st.Proxy = app.ProxyStatus{Enabled: true, Listen: "127.0.0.1:8799", Err: "address in use"}
		return st
	}
	tests := []struct {
		name string
		st   app.State
		at   time.Time
		want string
	}{
		{"the issue's example", state("id-work", work, personal), now,
			"Quiver — work · 5h 42% (resets 14:05) · week 10%"},
		{"warn: weekly reset shown past the threshold", state("id-personal", work, personal), now,
			"Quiver — personal · 5h 85% (resets 14:05) · week 55%"},
		{"weekly past the threshold", state("id-x", acct("id-x", "x", 10, 90)), now,
			"Quiver — x · 5h 10% (resets 14:05) · week 90% (resets Thu 09:00)"},
		{"limited", state("id-limited", limited), now,
			"Quiver — spare · 5h 100% (resets 14:05) · week 72% · limited until 14:05"},
		{"cooling down with room", state("id-work", with(work, func(a *account.Account) { a.CooldownUntil = now.Add(5 * time.Minute) })), now,
			"Quiver — work · 5h 42% (resets 14:05) · week 10% · limited until 12:05"},
		{"needs login", state("id-out", loggedOut), now,
			"Quiver — old · 5h 5% (resets 14:05) · week 5% · needs login"},
		{"limits unknown", state("id-fresh", fresh), now,
			"Quiver — fresh · limits not known yet"},
		{"unused 5-hour window has no reset", state("id-x", acct("id-x", "x", 0, 3)), now,
			"Quiver — x · 5h 0% · week 3%"},
		{"after the 5-hour reset", state("id-work", work), now.Add(3 * time.Hour),
			"Quiver — work · 5h 0% · week 10%"},
		{"proxy paused", paused(state("id-work", work)), now,
			"Quiver — work · 5h 42% (resets 14:05) · week 10% · proxy paused"},
		{"proxy stopped", proxyDown(state("id-work", work)), now,
			"Quiver — work · 5h 42% (resets 14:05) · week 10% · proxy stopped"},
		{"no accounts", state(""), now, "Quiver — no accounts yet"},
		{"none active", state("", work, personal), now, "Quiver — no active account (2 accounts)"},
		{"active is not ours", paused(state("someone-else", work)), now, "Quiver — no active account (1 account) · proxy paused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Tooltip(tt.st, tt.at); got != tt.want {
				t.Errorf("Tooltip =\n  %q\nwant\n  %q", got, tt.want)
			}
		})
	}
}
