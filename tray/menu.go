package tray

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/app/account"
)

// Action is what clicking a menu item does.
type Action string

// The menu's actions. Account actions carry the account's id in
// Item.Account.
const (
	ActionNone          Action = ""          // separators and information lines
	ActionSwitch        Action = "switch"    // make the account the one auth.json holds
	ActionSignIn        Action = "sign-in"   // the account needs login: sign in again
	ActionPauseProxy    Action = "pause"     // stop the proxy
	ActionResumeProxy   Action = "resume"    // start the proxy
	ActionAddAccount    Action = "add"       // sign in with another account
	ActionRefreshLimits Action = "refresh"   // fetch every account's limits now
	ActionOpenWindow    Action = "open"      // show Quiver's window
	ActionStartAtLogin  Action = "autostart" // toggle starting at login
	ActionQuit          Action = "quit"      // stop everything and leave
)

// Item is one line of the tray menu. Items are comparable, so two menus can
// be told apart with slices.Equal.
type Item struct {
	Label     string
	Action    Action
	Account   string // the account id, for ActionSwitch and ActionSignIn
	Checked   bool   // a check mark (the active account, a toggle that is on)
	Disabled  bool   // greyed out; clicks do nothing
	Separator bool
}

// View is what the menu shows besides the app's State.
type View struct {
	Now        time.Time
	Autostart  bool // Quiver starts at login
	Window     bool // an "Open Quiver…" window is available
	Refreshing bool // limits are being fetched (the item is greyed out meanwhile)
	SigningIn  bool // a browser sign-in is under way
}

// ManyAccounts is the number of accounts from which the menu switches to
// its compact form: the active account keeps its full line at the top, the
// rest follow sorted by remaining quota, the best of them starred.
const ManyAccounts = 5

// Star marks the account with the most quota left in the compact form.
const Star = "★ "

// QuitLabel is the Quit item's label.
const QuitLabel = "Quit"

// BuildMenu returns the tray menu for st: the accounts, a separator, the
// proxy's state with pause/resume, then "Add account…", "Refresh limits",
// "Open Quiver…", "Start at login" and "Quit".
func BuildMenu(st app.State, v View) []Item {
	items := accountItems(st, v)
	items = append(items, Item{Separator: true})
	items = append(items, proxyItems(st.Proxy)...)
	items = append(items, Item{Separator: true})
	add := Item{Label: "Add account…", Action: ActionAddAccount}
	if v.SigningIn {
		add = Item{Label: "Signing in… (finish in the browser)", Disabled: true}
	}
	refresh := Item{Label: "Refresh limits", Action: ActionRefreshLimits}
	if v.Refreshing {
		refresh = Item{Label: "Refreshing limits…", Disabled: true}
	} else if !anyPollable(st.Accounts.Accounts) {
		refresh.Disabled = true
	}
	items = append(items, add, refresh)
	if v.Window {
		items = append(items, Item{Label: "Open Quiver…", Action: ActionOpenWindow})
	}
	items = append(items,
		Item{Label: "Start at login", Action: ActionStartAtLogin, Checked: v.Autostart},
		Item{Separator: true},
		Item{Label: QuitLabel, Action: ActionQuit},
	)
	return items
}

// accountItems are the account lines: pool order, or the compact form for
// ManyAccounts and more.
func accountItems(st app.State, v View) []Item {
	snap := st.Accounts
	if len(snap.Accounts) == 0 {
		return []Item{{Label: "No accounts yet — add one, or run `codex login`", Disabled: true}}
	}
	warn := st.Settings.WarnPercent
	if len(snap.Accounts) < ManyAccounts {
		items := make([]Item, 0, len(snap.Accounts))
		for _, a := range snap.Accounts {
			items = append(items, accountItem(a, snap.ActiveID, true, false, v.Now, warn))
		}
		return items
	}
	var items []Item
	rest := make([]account.Account, 0, len(snap.Accounts))
	for _, a := range snap.Accounts {
		if a.ID == snap.ActiveID {
			items = append(items, accountItem(a, snap.ActiveID, true, false, v.Now, warn))
			continue
		}
		rest = append(rest, a)
	}
	// Most quota left first; pool order breaks ties (SortStableFunc).
	slices.SortStableFunc(rest, func(a, b account.Account) int {
		return cmp.Compare(remaining(b, v.Now), remaining(a, v.Now))
	})
	best := ""
	if len(rest) > 0 && remaining(rest[0], v.Now) > 0 {
		best = rest[0].ID
	}
	if len(items) > 0 {
		items = append(items, Item{Separator: true})
	}
	for _, a := range rest {
		items = append(items, accountItem(a, snap.ActiveID, false, a.ID == best, v.Now, warn))
	}
	return items
}

// accountItem is one account's line: "work — work@example.com · 5h 42% ·
// wk 10%" (full), "★ spare · 5h 3% · wk 1%" (compact, starred).
func accountItem(a account.Account, active string, full, star bool, now time.Time, warn float64) Item {
	var b strings.Builder
	if star {
		b.WriteString(Star)
	}
	b.WriteString(a.Label())
	if full && a.Email != "" && !strings.EqualFold(a.Email, a.Alias) {
		b.WriteString(" — " + a.Email)
	}
	it := Item{Action: ActionSwitch, Account: a.ID, Checked: a.ID == active}
	switch a.State(now, warn) {
	case account.StateNeedsLogin:
		// Looks unavailable, but stays clickable: the click signs in again.
		b.WriteString(" · needs login — sign in…")
		it.Action = ActionSignIn
	case account.StateExported:
		b.WriteString(" · exported")
		it.Action, it.Disabled = ActionNone, true
	case account.StateDisabled:
		b.WriteString(" · disabled · " + usageText(a, now))
	case account.StateLimited:
		b.WriteString(" · " + usageText(a, now) + " · limited")
		if until := limitedUntil(a, now); !until.IsZero() {
			b.WriteString(" until " + formatReset(until, now))
		}
	default:
		b.WriteString(" · " + usageText(a, now))
	}
	it.Label = b.String()
	return it
}

// usageText is "5h 42% · wk 10%", with the windows the account has.
func usageText(a account.Account, now time.Time) string {
	var parts []string
	if u := useOf(a, fiveHour, now); u.known {
		parts = append(parts, "5h "+formatPercent(u.percent))
	}
	if u := useOf(a, weekly, now); u.known {
		parts = append(parts, "wk "+formatPercent(u.percent))
	}
	if len(parts) == 0 {
		return "limits not known yet"
	}
	return strings.Join(parts, " · ")
}

// proxyItems are the proxy's state line (greyed out: information) and
// the pause/resume item.
func proxyItems(p app.ProxyStatus) []Item {
	var state string
	switch {
	case !p.Enabled:
		state = "Proxy paused"
	case p.Running:
		state = "Proxy on"
	case p.Err != "":
		state = "Proxy stopped: " + firstLine(p.Err)
	default:
		state = "Proxy starting"
	}
	if p.Listen != "" {
		state += " · " + p.Listen
	}
	toggle := Item{Label: "Pause proxy", Action: ActionPauseProxy}
	if !p.Enabled {
		toggle = Item{Label: "Resume proxy", Action: ActionResumeProxy}
	}
	return []Item{{Label: state, Disabled: true}, toggle}
}

// anyPollable reports whether some account's limits can be fetched.
func anyPollable(accs []account.Account) bool {
	return slices.ContainsFunc(accs, func(a account.Account) bool {
		return !a.NeedsLogin && !a.Disabled && !a.Exported
	})
}

// firstLine is s up to its first line break, at most 80 runes.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if r := []rune(s); len(r) > 80 {
		s = string(r[:79]) + "…"
	}
	return s
}
