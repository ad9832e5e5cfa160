package window

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/app/account"
)

// Countdown says how long d is in at most two units: "<1m", "14m",
// "2h 14m", "3d 2h". A negative d counts as zero.
func Countdown(d time.Duration) string {
	if d < time.Minute {
		return "<1m"
	}
	d = d.Truncate(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0 && hours > 0:
		return fmt.Sprintf("%dd %dh", days, hours)
	case days > 0:
		return fmt.Sprintf("%dd", days)
	case hours > 0 && mins > 0:
		return fmt.Sprintf("%dh %dm", hours, mins)
	case hours > 0:
		return fmt.Sprintf("%dh", hours)
	}
	return fmt.Sprintf("%dm", mins)
}

// ClockTime names t as seen from now, in now's location: "14:05" within
// the next (or last) 24 hours, "Mon 14:05" within a week, else "Jan 2 14:05".
func ClockTime(t, now time.Time) string {
	t = t.In(now.Location())
	d := t.Sub(now)
	if d < 0 {
		d = -d
	}
	switch {
	case d < 24*time.Hour:
		return t.Format("15:04")
	case d < 7*24*time.Hour:
		return t.Format("Mon 15:04")
	}
	return t.Format("Jan 2 15:04")
}

// WindowName is how a rate-limit window is named on screen.
func WindowName(kind string) string {
	if kind == "weekly" {
		return "week"
	}
	return kind
}

// UsedAt is a window's use at now: a window whose reset has passed counts
// as empty until fresh figures arrive.
func UsedAt(w account.Window, now time.Time) float64 {
	if !w.ResetAt.IsZero() && !now.Before(w.ResetAt) {
		return 0
	}
	return w.UsedPercent
}

// WindowText is one window's line: "5h 42% · resets 14:05 (in 2h 14m)".
func WindowText(w account.Window, now time.Time) string {
	used := UsedAt(w, now)
	s := fmt.Sprintf("%s %d%%", WindowName(w.Kind), int(math.Round(used)))
	switch {
	case w.ResetAt.IsZero():
	case now.Before(w.ResetAt):
		s += fmt.Sprintf(" · resets %s (in %s)", ClockTime(w.ResetAt, now), Countdown(w.ResetAt.Sub(now)))
	default:
		s += " · reset " + ClockTime(w.ResetAt, now)
	}
	return s
}

// ExpiryText describes when the access token expires: "expires Mar 8 14:05
// (in 6d 3h)" or "expired 2h ago"; "" when unknown.
func ExpiryText(exp, now time.Time) string {
	switch {
	case exp.IsZero():
		return ""
	case now.Before(exp):
		return fmt.Sprintf("expires %s (in %s)", ClockTime(exp, now), Countdown(exp.Sub(now)))
	}
	return fmt.Sprintf("expired %s ago", Countdown(now.Sub(exp)))
}

// StateText is an account's state as the window words it.
func StateText(st account.State) string {
	switch st {
	case account.StateOK:
		return "ready"
	case account.StateWarn:
		return "running low"
	case account.StateLimited:
		return "limited"
	case account.StateNeedsLogin:
		return "needs login"
	case account.StateDisabled:
		return "disabled"
	case account.StateExported:
		return "exported"
	}
	return string(st)
}

// JoinNonEmpty joins the non-empty parts with sep.
func JoinNonEmpty(sep string, parts ...string) string {
	out := parts[:0:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// ParseTags splits a comma-separated tag list, dropping empty entries and
// duplicates (case-insensitive).
func ParseTags(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range strings.Split(s, ",") {
		t = strings.TrimSpace(t)
		if k := strings.ToLower(t); t != "" && !seen[k] {
			seen[k] = true
			out = append(out, t)
		}
	}
	return out
}

// PaceText warns when the recent pace reaches a limit before its window
// resets: "At this rate the 5h limit is reached at 16:40 (in 1h 20m)". It
// is empty when no window is on course to run out.
func PaceText(acc account.Account, history []account.Sample, now time.Time) string {
	if acc.Usage == nil {
		return ""
	}
	picks := map[string]func(account.Sample) float64{"5h": account.FiveHourOf, "weekly": account.WeeklyOf}
	for _, w := range acc.Usage.Windows {
		pick, ok := picks[w.Kind]
		if !ok {
			continue
		}
		if at, ok := account.ProjectLimit(history, pick, w, now); ok {
			return fmt.Sprintf("At this rate the %s limit is reached at %s (in %s).", WindowName(w.Kind), ClockTime(at, now), Countdown(at.Sub(now)))
		}
	}
	return ""
}

// AboutText is the window's About line, in `quiver version`'s words:
// "Quiver 0.1.0 (commit 1a2b3c4d5e6f, built 2026-11-23T12:00:00Z)".
func AboutText(b app.BuildInfo) string {
	orDash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	return fmt.Sprintf("Quiver %s (commit %s, built %s)", orDash(b.Version), orDash(b.Commit), orDash(b.Date))
}
