package codex

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ParseRateLimitHeaders reads the x-codex-* headers the ChatGPT backend puts
// on model responses (so a proxy learns an account's limits for free, and
// fresher than a poll). The header names and rules mirror the Codex CLI's
// parse_rate_limit (codex-rs/codex-api/src/rate_limits.rs):
// x-codex-{primary,secondary}-used-percent (a window exists only when this
// parses), -window-minutes, -reset-at (epoch seconds); a window whose
// used-percent is 0 and that has no length and no reset is no window; credits
// need x-codex-credits-has-credits, with -unlimited and -balance. Beyond the
// CLI, it also reads -reset-after-seconds (used when -reset-at is missing)
// and x-codex-plan-type.
//
// Windows are named by their length (window-minutes), never by slot. No
// header says whether the account is limited: LimitReached is true when a
// window is at 100% or more, and Allowed is its opposite. ok is false when
// h carries none of these headers.
func ParseRateLimitHeaders(h http.Header, now time.Time) (Usage, bool) {
	u := Usage{Plan: strings.TrimSpace(h.Get("x-codex-plan-type")), FetchedAt: now}
	for _, slot := range []string{"primary", "secondary"} {
		if w, ok := headerWindow(h, "x-codex-"+slot, now); ok {
			u.Windows = addWindow(u.Windows, w)
		}
	}
	if has, ok := parseBool(h.Get("x-codex-credits-has-credits")); ok {
		unlimited, _ := parseBool(h.Get("x-codex-credits-unlimited"))
		u.Credits = &Credits{HasCredits: has, Unlimited: unlimited, Balance: strings.TrimSpace(h.Get("x-codex-credits-balance"))}
	}
	for _, w := range u.Windows {
		if w.UsedPercent >= 100 {
			u.LimitReached = true
		}
	}
	u.Allowed = !u.LimitReached
	return u, len(u.Windows) > 0 || u.Credits != nil || u.Plan != ""
}

func headerWindow(h http.Header, prefix string, now time.Time) (Window, bool) {
	used, ok := headerNumber(h, prefix+"-used-percent")
	if !ok || used.v < 0 { // a negative share of a limit makes no sense
		return Window{}, false
	}
	w := Window{UsedPercent: used.v}
	minutes, _ := headerNumber(h, prefix+"-window-minutes")
	if minutes.ok && minutes.v > 0 && minutes.v < maxEpoch/60 {
		w.Length = time.Duration(math.Round(minutes.v)) * time.Minute
	}
	w.Kind = KindOf(w.Length)
	resetAt, _ := headerNumber(h, prefix+"-reset-at")
	after, _ := headerNumber(h, prefix+"-reset-after-seconds")
	w.ResetAt = resetTime(now, resetAt, after)
	if used.v == 0 && w.Length == 0 && w.ResetAt.IsZero() {
		return Window{}, false
	}
	return w, true
}

func headerNumber(h http.Header, name string) (flexNumber, bool) {
	s := strings.TrimSpace(h.Get(name))
	if s == "" {
		return flexNumber{}, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return flexNumber{}, false
	}
	return flexNumber{v: v, ok: true}, true
}

// UsageLimitReached is the error type of a 429 that means the account's
// usage limit is used up (as opposed to a short-lived rate limit).
const UsageLimitReached = "usage_limit_reached"

// LimitError is what a 429 from the ChatGPT backend says:
// {"error":{"type":"usage_limit_reached","message":…,"plan_type":…,
// "resets_at":…,"resets_in_seconds":…}}. The fields mirror the Codex CLI's
// UsageErrorResponse (codex-rs/codex-api/src/api_bridge.rs) plus
// resets_in_seconds, which older CLIs read.
type LimitError struct {
	Type     string        // error.type (or error.code), e.g. UsageLimitReached; "" when the body said nothing
	Message  string        // the server's message, at most 300 bytes
	Plan     string        // plan_type
	ResetsAt time.Time     // zero when unknown
	ResetsIn time.Duration // from the time of parsing; 0 when unknown
}

// IsUsageLimit reports whether e is a usage_limit_reached error.
func (e LimitError) IsUsageLimit() bool { return e.Type == UsageLimitReached }

func (e LimitError) Error() string {
	msg := strings.ReplaceAll(e.Type, "_", " ")
	if msg == "" {
		msg = "rate limited"
	}
	if e.Plan != "" {
		msg += " (" + e.Plan + " plan)"
	}
	if !e.ResetsAt.IsZero() {
		msg += "; resets at " + e.ResetsAt.UTC().Format(time.RFC3339)
	}
	return msg
}

// ResetTime returns when the limit lifts: ResetsAt when it is after now,
// else now + ResetsIn when positive, else now + fallback.
func (e LimitError) ResetTime(now time.Time, fallback time.Duration) time.Time {
	switch {
	case e.ResetsAt.After(now):
		return e.ResetsAt
	case e.ResetsIn > 0:
		return now.Add(e.ResetsIn)
	}
	return now.Add(fallback)
}

// limitMessageMax bounds LimitError.Message.
const limitMessageMax = 300

// ParseLimitError reads a 429 response read at now. The reset time comes
// from the body's resets_at (preferred) or resets_in_seconds; failing both,
// from Retry-After (seconds or an HTTP date); failing that, from the x-codex-*
// headers: the latest reset among windows at 100%. ResetsAt and ResetsIn are
// both set whenever either is known. ok is false when neither the body nor
// the headers say anything about the limit.
func ParseLimitError(body []byte, h http.Header, now time.Time) (LimitError, bool) {
	var b struct {
		Error *struct {
			Type            flexString `json:"type"`
			Code            flexString `json:"code"`
			Message         flexString `json:"message"`
			PlanType        flexString `json:"plan_type"`
			ResetsAt        flexNumber `json:"resets_at"`
			ResetsInSeconds flexNumber `json:"resets_in_seconds"`
		} `json:"error"`
	}
	var e LimitError
	if json.Valid(body) {
		decodeLeniently(body, &b)
	}
	if be := b.Error; be != nil {
		e.Type = be.Type.text()
		if e.Type == "" {
			e.Type = be.Code.text()
		}
		e.Message = truncateText(be.Message.text(), limitMessageMax)
		e.Plan = be.PlanType.text()
		if at, ok := be.ResetsAt.get(); ok && at > 0 && at < maxEpoch {
			e.ResetsAt = time.Unix(int64(at), 0).UTC()
		}
		if in, ok := be.ResetsInSeconds.get(); ok && in > 0 && in < maxEpoch {
			e.ResetsIn = seconds(in)
		}
	}
	if e.ResetsAt.IsZero() && e.ResetsIn == 0 {
		e.ResetsIn = retryAfter(h.Get("Retry-After"), now)
	}
	if e.ResetsAt.IsZero() && e.ResetsIn == 0 {
		e.ResetsAt = limitedWindowsReset(h, now)
	}
	switch {
	case e.ResetsAt.IsZero() && e.ResetsIn > 0:
		e.ResetsAt = now.Add(e.ResetsIn).UTC()
	case !e.ResetsAt.IsZero() && e.ResetsIn == 0 && e.ResetsAt.After(now):
		e.ResetsIn = e.ResetsAt.Sub(now)
	}
	return e, e.Type != "" || e.Message != "" || !e.ResetsAt.IsZero()
}

// retryAfter parses a Retry-After value: delay seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs > 0 && secs < maxEpoch {
			return time.Duration(secs) * time.Second
		}
		return 0
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// limitedWindowsReset is the latest reset among the x-codex-* windows that
// are used up; zero when none is.
func limitedWindowsReset(h http.Header, now time.Time) time.Time {
	u, ok := ParseRateLimitHeaders(h, now)
	if !ok {
		return time.Time{}
	}
	var latest time.Time
	for _, w := range u.Windows {
		if w.UsedPercent >= 100 && w.ResetAt.After(latest) {
			latest = w.ResetAt
		}
	}
	return latest
}

func truncateText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
