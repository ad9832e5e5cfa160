package window

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/app/account"
)

// SortKey orders the account list.
type SortKey int

// The orders the list offers.
const (
	ByRemaining SortKey = iota // most quota left first; unusable accounts last
	ByReset                    // soonest reset of a window first
	ByExpiry                   // soonest token expiry first
	ByAlias                    // alphabetical
)

// SortKeys lists the orders with their names, for the sort selector.
var SortKeys = []struct {
	Key  SortKey
	Name string
}{
	{ByRemaining, "Remaining quota"},
	{ByReset, "Reset time"},
	{ByExpiry, "Token expiry"},
	{ByAlias, "Alias"},
}

// Level is how full a usage bar is.
type Level int

// Bar levels.
const (
	LevelUnknown Level = iota // no figures
	LevelOK
	LevelWarn // past the warn threshold
	LevelFull // used up
)

// Bar is one usage window as a row shows it.
type Bar struct {
	Text     string  // "5h 42% · resets 14:05 (in 2h 14m)", or "5h —"
	Fraction float64 // used, 0..1
	Level    Level
}

// Row is one line of the account list.
type Row struct {
	ID          string
	Alias       string
	Detail      string // "email · plan"
	Active      bool   // auth.json holds it
	Recommended bool   // the usable account with the most quota left
	State       account.State
	StateText   string
	Bars        [2]Bar // the 5-hour window, then the longer one
}

// Matches reports whether acc matches query: every whitespace-separated
// term must appear (case-insensitive) in its alias, email, a tag or its
// notes. An empty query matches everything.
func Matches(acc account.Account, query string) bool {
	for _, term := range strings.Fields(strings.ToLower(query)) {
		if !strings.Contains(strings.ToLower(acc.Alias), term) &&
			!strings.Contains(strings.ToLower(acc.Email), term) &&
			!strings.Contains(strings.ToLower(acc.Notes), term) &&
			!slices.ContainsFunc(acc.Tags, func(t string) bool { return strings.Contains(strings.ToLower(t), term) }) {
			return false
		}
	}
	return true
}

// NextReset is the soonest reset still ahead among acc's windows and its
// cooldown; zero when none is known.
func NextReset(acc account.Account, now time.Time) time.Time {
	var t time.Time
	consider := func(r time.Time) {
		if r.After(now) && (t.IsZero() || r.Before(t)) {
			t = r
		}
	}
	consider(acc.CooldownUntil)
	if acc.Usage != nil {
		for _, w := range acc.Usage.Windows {
			consider(w.ResetAt)
		}
	}
	return t
}

// SortAccounts orders accs in place by key at now. Ties keep alias order.
func SortAccounts(accs []account.Account, key SortKey, now time.Time) {
	byAlias := func(a, b account.Account) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Alias), strings.ToLower(b.Alias)), cmp.Compare(a.ID, b.ID))
	}
	// zeroLast compares times with the unknown (zero) ones after the rest.
	zeroLast := func(a, b time.Time) int {
		switch {
		case a.IsZero() && b.IsZero():
			return 0
		case a.IsZero():
			return 1
		case b.IsZero():
			return -1
		}
		return a.Compare(b)
	}
	slices.SortStableFunc(accs, func(a, b account.Account) int {
		var c int
		switch key {
		case ByRemaining:
			c = cmp.Or(
				boolFirst(a.Usable(now), b.Usable(now)),
				cmp.Compare(a.Usage.MaxUsedPercent(now), b.Usage.MaxUsedPercent(now)),
			)
		case ByReset:
			c = zeroLast(NextReset(a, now), NextReset(b, now))
		case ByExpiry:
			c = zeroLast(a.TokenExpiry, b.TokenExpiry)
		}
		return cmp.Or(c, byAlias(a, b))
	})
}

// boolFirst orders true before false.
func boolFirst(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}

// Bars picks the two windows a row shows: the 5-hour one, then the
// longest other one (weekly, or 30 days on free plans).
func Bars(u *account.Usage, now time.Time, warn float64) [2]Bar {
	out := [2]Bar{{Text: "5h —"}, {Text: "week —"}}
	if u == nil {
		return out
	}
	var long *account.Window
	for i, w := range u.Windows {
		if w.Kind == "5h" {
			out[0] = barOf(w, now, warn)
		} else if long == nil || w.Seconds > long.Seconds {
			long = &u.Windows[i]
		}
	}
	if long != nil {
		out[1] = barOf(*long, now, warn)
	}
	return out
}

func barOf(w account.Window, now time.Time, warn float64) Bar {
	used := UsedAt(w, now)
	b := Bar{Text: WindowText(w, now), Fraction: min(max(used/100, 0), 1), Level: LevelOK}
	switch {
	case used >= 100:
		b.Level = LevelFull
	case used >= warn:
		b.Level = LevelWarn
	}
	return b
}

// RowOf builds acc's row.
func RowOf(acc account.Account, st app.State, now time.Time) Row {
	state := acc.State(now, st.Settings.WarnPercent)
	return Row{
		ID:          acc.ID,
		Alias:       acc.Alias,
		Detail:      JoinNonEmpty(" · ", acc.Email, acc.Plan),
		Active:      acc.ID == st.Accounts.ActiveID,
		Recommended: acc.ID == st.Recommended,
		State:       state,
		StateText:   StateText(state),
		Bars:        Bars(acc.Usage, now, st.Settings.WarnPercent),
	}
}

// Rows is the account list: st's accounts that match query, in key order.
func Rows(st app.State, query string, key SortKey, now time.Time) []Row {
	accs := make([]account.Account, 0, len(st.Accounts.Accounts))
	for _, a := range st.Accounts.Accounts {
		if Matches(a, query) {
			accs = append(accs, a)
		}
	}
	SortAccounts(accs, key, now)
	rows := make([]Row, len(accs))
	for i, a := range accs {
		rows[i] = RowOf(a, st, now)
	}
	return rows
}
