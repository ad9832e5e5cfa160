package tray

import (
	"bytes"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/app/account"
	"github.com/quiver-app/quiver/icons"
)

func TestBadgeFor(t *testing.T) {
	t.Parallel()
	warnAt := func(st app.State, p float64) app.State { st.Settings.WarnPercent = p; return st }
	tests := []struct {
		name string
		st   app.State
		at   time.Time
		want icons.Badge
	}{
		{"normal", state("id-work", work, personal), now,
			icons.Badge{Initial: 'W', Color: icons.AccountColor("id-work"), State: icons.Normal, Primary: 0.42, Secondary: 0.10}},
		{"warn past the threshold", state("id-personal", work, personal), now,
			icons.Badge{Initial: 'P', Color: icons.AccountColor("id-personal"), State: icons.Warn, Primary: 0.85, Secondary: 0.55}},
		{"a lower threshold warns earlier", warnAt(state("id-work", work), 40), now,
			icons.Badge{Initial: 'W', Color: icons.AccountColor("id-work"), State: icons.Warn, Primary: 0.42, Secondary: 0.10}},
		{"limited", state("id-limited", limited), now,
			icons.Badge{Initial: 'S', Color: icons.AccountColor("id-limited"), State: icons.Limited, Primary: 1, Secondary: 0.72}},
		{"limited stays red with the proxy paused", paused(state("id-limited", limited)), now,
			icons.Badge{Initial: 'S', Color: icons.AccountColor("id-limited"), State: icons.Limited, Primary: 1, Secondary: 0.72}},
		{"after the reset it is normal again", state("id-limited", limited), now.Add(3 * time.Hour),
			icons.Badge{Initial: 'S', Color: icons.AccountColor("id-limited"), State: icons.Normal, Primary: 0, Secondary: 0.72}},
		{"needs login is grey", state("id-out", loggedOut), now,
			icons.Badge{Initial: 'O', Color: icons.AccountColor("id-out"), State: icons.Inactive, Primary: 0.05, Secondary: 0.05}},
		{"proxy paused is grey", paused(state("id-personal", personal)), now,
			icons.Badge{Initial: 'P', Color: icons.AccountColor("id-personal"), State: icons.Inactive, Primary: 0.85, Secondary: 0.55}},
		{"unknown limits: dotted bars", state("id-fresh", fresh), now,
			icons.Badge{Initial: 'F', Color: icons.AccountColor("id-fresh"), State: icons.Normal, Primary: icons.Unknown, Secondary: icons.Unknown}},
		{"weekly only", state("id-free", acct("id-free", "free", -1, 30)), now,
			icons.Badge{Initial: 'F', Color: icons.AccountColor("id-free"), State: icons.Normal, Primary: icons.Unknown, Secondary: 0.30}},
		{"alias without a letter uses the email", state("id-x", with(acct("id-x", "x", 1, 1), func(a *account.Account) { a.Alias = "__" })), now,
			icons.Badge{Initial: 'X', Color: icons.AccountColor("id-x"), State: icons.Normal, Primary: 0.01, Secondary: 0.01}},
		{"no accounts", state(""), now,
			icons.Badge{State: icons.NoAccount, Primary: icons.Unknown, Secondary: icons.Unknown}},
		{"accounts but none active", state("", work), now,
			icons.Badge{State: icons.Inactive, Primary: icons.Unknown, Secondary: icons.Unknown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := BadgeFor(tt.st, tt.at)
			for _, size := range []int{16, 22, 24, 32} {
				if got.Key(size) != tt.want.Key(size) {
					t.Errorf("at %d px: BadgeFor = %+v\nwant %+v", size, got, tt.want)
					return
				}
			}
		})
	}
}

// TestIconRedrawnOnlyOnChange follows the adapter's path (BadgeFor, then
// the icon cache): a State that changes nothing visible draws nothing, the
// account becoming limited draws other pixels.
func TestIconRedrawnOnlyOnChange(t *testing.T) {
	t.Parallel()
	var cache icons.Cache
	steps := []struct {
		name    string
		st      app.State
		changed bool
	}{
		{"first", state("id-work", work, personal), true},
		{"same", state("id-work", work, personal), false},
		{"other account's usage", state("id-work", work, with(personal, func(a *account.Account) { a.Usage.Windows[0].UsedPercent = 99 })), false},
		{"a tenth of a percent", state("id-work", with(work, func(a *account.Account) { a.Usage.Windows[0].UsedPercent = 42.1 })), false},
		{"limited", state("id-work", with(work, func(a *account.Account) { a.Usage.Windows[0].UsedPercent = 100 })), true},
		{"switched", state("id-personal", work, personal), true},
		{"paused", paused(state("id-personal", work, personal)), true},
	}
	var last []byte
	for _, s := range steps {
		png, changed := cache.PNG(BadgeFor(s.st, now), DefaultIconSize)
		if changed != s.changed {
			t.Errorf("%s: changed = %v, want %v", s.name, changed, s.changed)
		}
		if changed && bytes.Equal(png, last) {
			t.Errorf("%s: reported a change but drew the same PNG", s.name)
		}
		last = png
	}
}
