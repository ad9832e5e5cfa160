package notify

import (
	"fmt"
	"math"
	"strings"
	"time"
)

const (
	eventWarn       = "warn"
	eventLimited    = "limited"
	eventAllLimited = "all-limited"
	eventReset      = "reset"
	eventNeedsLogin = "needs-login"
	eventRotated    = "rotated"
	eventSummary    = "summary"
)

// maxSummaryLines is how many messages a summary lists by title.
const maxSummaryLines = 5

func warnMessage(a AccountView, w Window, now time.Time) message {
	return message{
		event:   eventWarn,
		account: a.ID,
		title:   fmt.Sprintf("%s: %s of the %s limit used", label(a), percent(w.UsedPercent), windowName(w.Name)),
		body:    sentence("Resets", w.ResetAt, now),
	}
}

func limitedMessage(a AccountView, window string, until, now time.Time) message {
	title := label(a) + " hit its usage limit"
	if window != "" {
		title = fmt.Sprintf("%s hit its %s limit", label(a), windowName(window))
	}
	return message{
		event:   eventLimited,
		account: a.ID,
		title:   title,
		body:    sentence("Available again", until, now),
	}
}

func allLimitedMessage(who string, earliest, now time.Time) message {
	body := "No reset time is known yet."
	if !earliest.IsZero() {
		body = fmt.Sprintf("Earliest reset: %s at %s (%s).", who, clock(earliest, now), until(earliest, now))
	}
	return message{event: eventAllLimited, title: "Every account is limited", body: body}
}

func resetMessage(a AccountView, window string) message {
	body := "Its usage limit has reset."
	if window != "" {
		body = fmt.Sprintf("Its %s limit has reset.", windowName(window))
	}
	return message{event: eventReset, account: a.ID, title: label(a) + " is available again", body: body}
}

func needsLoginMessage(a AccountView) message {
	body := "Sign in to it again from Quiver."
	if r := strings.TrimSpace(a.NeedsLoginReason); r != "" {
		body = strings.TrimSuffix(r, ".") + ". " + body
	}
	return message{event: eventNeedsLogin, account: a.ID, title: label(a) + " needs a new login", body: body}
}

func rotatedMessage(b *rotationBatch) message {
	if b.count == 1 {
		body := fmt.Sprintf("Moved from %s to %s.", orUnknown(b.from), orUnknown(b.to))
		if r := strings.TrimSpace(b.reason); r != "" {
			body = fmt.Sprintf("Moved from %s to %s: %s.", orUnknown(b.from), orUnknown(b.to), strings.TrimSuffix(r, "."))
		}
		return message{event: eventRotated, title: "Rotated to " + orUnknown(b.to), body: body}
	}
	return message{
		event: eventRotated,
		title: fmt.Sprintf("Rotated %d times", b.count),
		body:  fmt.Sprintf("Rotated %d times; now on %s.", b.count, orUnknown(b.to)),
	}
}

func summaryMessage(msgs []message) message {
	lines := make([]string, 0, maxSummaryLines+1)
	for i, m := range msgs {
		if i == maxSummaryLines {
			lines = append(lines, fmt.Sprintf("…and %d more", len(msgs)-maxSummaryLines))
			break
		}
		lines = append(lines, m.title)
	}
	return message{event: eventSummary, title: fmt.Sprintf("%d account updates", len(msgs)), body: strings.Join(lines, "\n")}
}

// sentence says when something happens: "Resets at 14:05 (in 2h 14m)."
func sentence(what string, at, now time.Time) string {
	if at.IsZero() {
		return "Reset time unknown."
	}
	return fmt.Sprintf("%s at %s (%s).", what, clock(at, now), until(at, now))
}

// clock shows t in now's location: "14:05" today, "Mon 09:00" within the
// coming week, "Mon 2 Jan 09:00" beyond.
func clock(t, now time.Time) string {
	t = t.In(now.Location())
	ty, tm, td := t.Date()
	ny, nm, nd := now.Date()
	switch {
	case ty == ny && tm == nm && td == nd:
		return t.Format("15:04")
	case t.After(now) && t.Sub(now) < 6*24*time.Hour:
		return t.Format("Mon 15:04")
	default:
		return t.Format("Mon 2 Jan 15:04")
	}
}

// until says how far t is from now: "in 2h 14m", "in 3d 4h", "in 5m",
// "in under a minute", or "now" when it has passed.
func until(t, now time.Time) string {
	d := t.Sub(now)
	if d <= 0 {
		return "now"
	}
	if d < time.Minute {
		return "in under a minute"
	}
	// Round up: "in 0m" would be wrong, and a reset is never early.
	mins := int((d + time.Minute - 1) / time.Minute)
	days, hours, m := mins/(24*60), mins/60%24, mins%60
	switch {
	case days > 0:
		return fmt.Sprintf("in %dd %dh", days, hours)
	case hours > 0:
		return fmt.Sprintf("in %dh %dm", hours, m)
	default:
		return fmt.Sprintf("in %dm", m)
	}
}

func percent(p float64) string {
	return fmt.Sprintf("%.0f%%", math.Floor(p))
}

func windowName(name string) string {
	switch name {
	case "5h":
		return "5-hour"
	case "30d":
		return "30-day"
	}
	return name
}

func label(a AccountView) string {
	if l := strings.TrimSpace(a.Label); l != "" {
		return l
	}
	return "An account"
}

func orUnknown(s string) string {
	if s = strings.TrimSpace(s); s != "" {
		return s
	}
	return "another account"
}
