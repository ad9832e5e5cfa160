package tray

import (
	"math"
	"strconv"
	"time"

	"github.com/quiver-app/quiver/app/account"
)

// Window kinds the tray shows, as account.Window names them.
const (
	fiveHour = "5h"
	weekly   = "weekly"
)

// windowUse is one rate-limit window as the tray shows it at a moment.
type windowUse struct {
	known   bool
	percent float64   // 0..100 (more when the backend says so)
	resetAt time.Time // zero when unknown or already passed
}

// useOf returns account a's use of the window kind at now. A window whose
// reset time has passed counts as empty (a fresh window), as
// account.Usage.MaxUsedPercent does.
func useOf(a account.Account, kind string, now time.Time) windowUse {
	w, ok := a.Usage.Window(kind)
	if !ok {
		return windowUse{}
	}
	if !w.ResetAt.IsZero() && !now.Before(w.ResetAt) {
		return windowUse{known: true}
	}
	return windowUse{known: true, percent: w.UsedPercent, resetAt: w.ResetAt}
}

// fraction is the used share for a badge bar: 0..1, or -1 when unknown.
func (u windowUse) fraction() float64 {
	if !u.known {
		return -1
	}
	return min(max(u.percent/100, 0), 1)
}

// formatPercent is a whole percentage, "42%". Anything used but under 1 %
// shows as "<1%", so a window in use never reads as untouched.
func formatPercent(p float64) string {
	switch {
	case math.IsNaN(p) || p <= 0:
		return "0%"
	case p < 1:
		return "<1%"
	}
	return strconv.FormatFloat(math.Floor(p+0.5), 'f', 0, 64) + "%"
}

// formatReset is a reset time in now's location: "14:05" within the next
// 24 hours, "Tue 09:00" within a week, "3 Mar 09:00" beyond.
func formatReset(t, now time.Time) string {
	t = t.In(now.Location())
	switch d := t.Sub(now); {
	case d < 24*time.Hour:
		return t.Format("15:04")
	case d < 7*24*time.Hour:
		return t.Format("Mon 15:04")
	}
	return t.Format("2 Jan 15:04")
}

// limitedUntil is when a limited account can work again: the cooldown's
// end or the latest reset among its full windows; zero when unknown.
func limitedUntil(a account.Account, now time.Time) time.Time {
	var until time.Time
	if now.Before(a.CooldownUntil) {
		until = a.CooldownUntil
	}
	if a.Usage != nil {
		for _, w := range a.Usage.Windows {
			if w.UsedPercent >= 100 && w.ResetAt.After(now) && w.ResetAt.After(until) {
				until = w.ResetAt
			}
		}
	}
	return until
}

// remaining is how much quota account a has left at now, for sorting: 100
// minus its fullest window; an account whose limits are not known yet
// comes after every known one (-0.5), one that cannot be used last (-1).
func remaining(a account.Account, now time.Time) float64 {
	used := a.Usage.MaxUsedPercent(now)
	switch {
	case !a.Usable(now) || used >= 100:
		return -1
	case a.Usage == nil || len(a.Usage.Windows) == 0:
		return -0.5
	}
	return 100 - used
}

// nextChange is the next moment after now at which a State's display
// changes by the clock alone (a window resets, a cooldown ends), or zero.
func nextChange(accs []account.Account, now time.Time) time.Time {
	var next time.Time
	consider := func(t time.Time) {
		if t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	for _, a := range accs {
		consider(a.CooldownUntil)
		if a.Usage != nil {
			for _, w := range a.Usage.Windows {
				consider(w.ResetAt)
			}
		}
	}
	return next
}
