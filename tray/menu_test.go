package tray

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/app/account"
)

// render is a menu as text, one item a line: "[x] label", "(label)" when
// disabled, "----" for separators, "label => action:account".
func render(items []Item) string {
	var b strings.Builder
	for _, it := range items {
		switch {
		case it.Separator:
			b.WriteString("----")
		default:
			if it.Checked {
				b.WriteString("[x] ")
			}
			if it.Disabled {
				b.WriteString("(" + it.Label + ")")
			} else {
				b.WriteString(it.Label)
			}
			if it.Action != ActionNone {
				fmt.Fprintf(&b, " => %s", it.Action)
				if it.Account != "" {
					b.WriteString(":" + it.Account)
				}
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestBuildMenu(t *testing.T) {
	t.Parallel()
	v := View{Now: now, Window: true}
	tests := []struct {
		name string
		st   app.State
		v    View
		want string
	}{
		{
			name: "two accounts",
			st:   state("id-work", work, personal),
			v:    v,
			want: `[x] work — work@example.com · 5h 42% · wk 10% => switch:id-work
personal — personal@example.com · 5h 85% · wk 55% => switch:id-personal
----
(Proxy on · 127.0.0.1:8799)
Pause proxy => pause
----
Add account… => add
Refresh limits => refresh
Open Quiver… => open
Start at login => autostart
----
Quit => quit
`,
		},
		{
			name: "no accounts, proxy paused, start at login on, no window",
			st:   paused(state("")),
			v:    View{Now: now, Autostart: true},
			want: `(No accounts yet — add one, or run ` + "`codex login`" + `)
----
(Proxy paused · 127.0.0.1:8799)
Resume proxy => resume
----
Add account… => add
(Refresh limits) => refresh
[x] Start at login => autostart
----
Quit => quit
`,
		},
		{
			name: "limited, needs login, unknown limits, only weekly",
			st: state("id-limited", limited, loggedOut, fresh,
				with(acct("id-free", "free", -1, 30), func(a *account.Account) { a.Email = "" })),
			v: View{Now: now, Refreshing: true, SigningIn: true},
			want: `[x] spare — spare@example.com · 5h 100% · wk 72% · limited until 14:05 => switch:id-limited
old — old@example.com · needs login — sign in… => sign-in:id-out
fresh — fresh@example.com · limits not known yet => switch:id-fresh
free · wk 30% => switch:id-free
----
(Proxy on · 127.0.0.1:8799)
Pause proxy => pause
----
(Signing in… (finish in the browser))
(Refreshing limits…)
Start at login => autostart
----
Quit => quit
`,
		},
		{
			name: "many accounts: active first, rest by remaining quota, best starred",
			st: state("id-personal", work, personal, limited, loggedOut,
				acct("id-b", "b", 3, 40), acct("id-c", "c", 20, 1), fresh),
			v: v,
			want: `[x] personal — personal@example.com · 5h 85% · wk 55% => switch:id-personal
----
★ c · 5h 20% · wk 1% => switch:id-c
b · 5h 3% · wk 40% => switch:id-b
work · 5h 42% · wk 10% => switch:id-work
fresh · limits not known yet => switch:id-fresh
spare · 5h 100% · wk 72% · limited until 14:05 => switch:id-limited
old · needs login — sign in… => sign-in:id-out
----
(Proxy on · 127.0.0.1:8799)
Pause proxy => pause
----
Add account… => add
Refresh limits => refresh
Open Quiver… => open
Start at login => autostart
----
Quit => quit
`,
		},
		{
			name: "proxy error, disabled and exported accounts",
			st: func() app.State {
				st := state("", with(work, func(a *account.Account) { a.Disabled = true }),
					with(personal, func(a *account.Account) { a.Exported = true }))
				st.Proxy = app.ProxyStatus{Enabled: true, Listen: "127.0.0.1:8799", Err: "listen tcp 127.0.0.1:8799: bind: address already in use\nmore"}
				return st
			}(),
			v: View{Now: now},
			want: `work — work@example.com · disabled · 5h 42% · wk 10% => switch:id-work
(personal — personal@example.com · exported)
----
(Proxy stopped: listen tcp 127.0.0.1:8799: bind: address already in use · 127.0.0.1:8799)
Pause proxy => pause
----
Add account… => add
(Refresh limits) => refresh
Start at login => autostart
----
Quit => quit
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := render(BuildMenu(tt.st, tt.v)); got != tt.want {
				t.Errorf("menu:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestBuildMenuIsStable(t *testing.T) {
	t.Parallel()
	st := state("id-work", work, personal, limited, acct("id-b", "b", 3, 40), fresh)
	a := BuildMenu(st, View{Now: now})
	b := BuildMenu(st, View{Now: now.Add(time.Minute)})
	if !slices.Equal(a, b) {
		t.Errorf("the same state a minute later gave another menu:\n%s\nvs\n%s", render(a), render(b))
	}
	// A usage figure that rounds to another whole percent is a change.
	st2 := state("id-work", with(work, func(a *account.Account) { a.Usage.Windows[0].UsedPercent = 43 }), personal, limited, acct("id-b", "b", 3, 40), fresh)
	if slices.Equal(a, BuildMenu(st2, View{Now: now})) {
		t.Error("a usage change from 42% to 43% left the menu unchanged")
	}
}

func TestBuildMenuResetPassed(t *testing.T) {
	t.Parallel()
	// After the 5-hour window's reset, its figure is stale: shown as empty
	// and no longer limited.
	later := now.Add(3 * time.Hour)
	got := render(BuildMenu(state("id-limited", limited), View{Now: later}))
	if first, _, _ := strings.Cut(got, "\n"); first != "[x] spare — spare@example.com · 5h 0% · wk 72% => switch:id-limited" {
		t.Errorf("after the reset the line is %q", first)
	}
}

func TestFormatPercent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   float64
		want string
	}{{0, "0%"}, {-3, "0%"}, {0.2, "<1%"}, {1, "1%"}, {41.5, "42%"}, {42.4, "42%"}, {99.6, "100%"}, {100, "100%"}, {130, "130%"}}
	for _, tt := range tests {
		if got := formatPercent(tt.in); got != tt.want {
			t.Errorf("formatPercent(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatReset(t *testing.T) {
	t.Parallel()
	tests := []struct {
		at   time.Time
		want string
	}{
		{now.Add(2*time.Hour + 5*time.Minute), "14:05"},
		{now.Add(23 * time.Hour), "11:00"},
		{now.Add(3 * 24 * time.Hour), "Thu 12:00"},
		{now.Add(10 * 24 * time.Hour), "12 Mar 12:00"},
		{now.In(time.FixedZone("CET", 3600)).Add(time.Hour), "13:00"}, // shown in now's zone
	}
	for _, tt := range tests {
		if got := formatReset(tt.at, now); got != tt.want {
			t.Errorf("formatReset(%v) = %q, want %q", tt.at, got, tt.want)
		}
	}
}

func TestNextChange(t *testing.T) {
	t.Parallel()
	cooling := with(personal, func(a *account.Account) { a.CooldownUntil = now.Add(30 * time.Minute) })
	tests := []struct {
		name string
		accs []account.Account
		want time.Time
	}{
		{"nothing known", []account.Account{fresh}, time.Time{}},
		{"earliest reset", []account.Account{work, limited}, now.Add(2*time.Hour + 5*time.Minute)},
		{"cooldown end", []account.Account{work, cooling}, now.Add(30 * time.Minute)},
		{"past resets ignored", []account.Account{with(acct("x", "x", 1, -1), func(a *account.Account) {
			a.Usage.Windows[0].ResetAt = now.Add(-time.Minute)
		})}, time.Time{}},
	}
	for _, tt := range tests {
		if got := nextChange(tt.accs, now); !got.Equal(tt.want) {
			t.Errorf("%s: nextChange = %v, want %v", tt.name, got, tt.want)
		}
	}
}
