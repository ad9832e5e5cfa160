package proxy

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// defaultCooldown is how long an account rests after a limit answer that
// says nothing about when it resets.
const defaultCooldown = 5 * time.Minute

// maxCooldown caps resets read from upstream, so a garbled value cannot
// bench an account for ever.
const maxCooldown = 31 * 24 * time.Hour

// limitReset works out when a limited account may be used again, from (in
// this order) the body's resets_at / resets_in_seconds, Retry-After, and the
// x-codex-{primary,secondary}-reset-{at,after-seconds} headers. It returns
// now+5m when none of them says.
func limitReset(now time.Time, h http.Header, e *upstreamErr) time.Time {
	if e != nil {
		if t, ok := epochTime(e.ResetsAt); ok && t.After(now) {
			return capReset(now, t)
		}
		if d, ok := seconds(e.ResetsInSeconds); ok && d > 0 {
			return capReset(now, now.Add(d))
		}
	}
	if t, ok := retryAfter(now, h.Get("Retry-After")); ok {
		return capReset(now, t)
	}
	if t, ok := codexHeaderReset(now, h); ok {
		return capReset(now, t)
	}
	return now.Add(defaultCooldown)
}

func capReset(now, t time.Time) time.Time {
	if t.Sub(now) > maxCooldown {
		return now.Add(maxCooldown)
	}
	return t
}

func epochTime(n json.Number) (time.Time, bool) {
	f, err := n.Float64()
	if err != nil || f <= 0 {
		return time.Time{}, false
	}
	if f > 1e12 { // milliseconds
		f /= 1000
	}
	return time.Unix(int64(f), 0), true
}

func seconds(n json.Number) (time.Duration, bool) {
	f, err := n.Float64()
	if err != nil || f < 0 || math.IsInf(f, 0) || f > maxCooldown.Seconds() {
		return 0, false
	}
	return time.Duration(f * float64(time.Second)), true
}

func retryAfter(now time.Time, v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs <= 0 || secs > maxCooldown.Seconds() {
			return time.Time{}, false
		}
		return now.Add(time.Duration(secs * float64(time.Second))), true
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t, true
	}
	return time.Time{}, false
}

// codexHeaderReset reads the rate-limit windows' reset times. Among windows
// at 100% it takes the latest (all must reset); when none says 100%, the
// earliest.
func codexHeaderReset(now time.Time, h http.Header) (time.Time, bool) {
	var full, earliest time.Time
	for _, slot := range []string{"primary", "secondary"} {
		prefix := "X-Codex-" + slot + "-"
		var reset time.Time
		if t, ok := epochTime(json.Number(strings.TrimSpace(h.Get(prefix + "Reset-At")))); ok && t.After(now) {
			reset = t
		} else if d, ok := seconds(json.Number(strings.TrimSpace(h.Get(prefix + "Reset-After-Seconds")))); ok && d > 0 {
			reset = now.Add(d)
		} else {
			continue
		}
		if pct, err := strconv.ParseFloat(strings.TrimSpace(h.Get(prefix+"Used-Percent")), 64); err == nil && pct >= 100 {
			if reset.After(full) {
				full = reset
			}
		}
		if earliest.IsZero() || reset.Before(earliest) {
			earliest = reset
		}
	}
	if !full.IsZero() {
		return full, true
	}
	return earliest, !earliest.IsZero()
}

// failureKind sorts upstream errors by what the proxy does about them.
type failureKind int

const (
	failOther      failureKind = iota // the request's own fault: pass it through
	failLimited                       // the account is out of quota: next account
	failOverloaded                    // the server is busy: one retry elsewhere
)

// limitCodes are error codes/types that mean "this account, not now".
var limitCodes = map[string]bool{
	"usage_limit_reached": true,
	"rate_limit_exceeded": true,
	"usage_not_included":  true,
	"insufficient_quota":  true,
}

// overloadCodes are error codes/types that mean "the server, not now".
var overloadCodes = map[string]bool{
	"server_is_overloaded": true,
	"server_error":         true,
	"overloaded":           true,
	"slow_down":            true,
	"service_unavailable":  true,
}

// classify sorts an upstream error object.
func classify(e *upstreamErr) failureKind {
	if e == nil {
		return failOther
	}
	code, typ := string(e.Code), e.Type
	switch {
	case limitCodes[code] || limitCodes[typ]:
		return failLimited
	case overloadCodes[code] || overloadCodes[typ]:
		return failOverloaded
	}
	msg := strings.ToLower(e.Message)
	if strings.Contains(msg, "at capacity") || strings.Contains(msg, "overloaded") {
		return failOverloaded
	}
	return failOther
}

// eventError extracts the error of an "error" or "response.failed" event.
func eventError(data []byte) *upstreamErr {
	ev, ok := decodeEvent(data)
	if !ok {
		return &upstreamErr{Message: "unreadable error event"}
	}
	switch {
	case ev.Response != nil && ev.Response.Error != nil:
		return ev.Response.Error
	case ev.Error != nil:
		return ev.Error
	}
	return &upstreamErr{Type: ev.Type, Code: ev.Code, Message: ev.Message}
}

// bodyError extracts the error object of an upstream error body.
func bodyError(body []byte) *upstreamErr {
	var b struct {
		Error  *upstreamErr `json:"error"`
		Detail string       `json:"detail"`
	}
	if json.Unmarshal(body, &b) != nil {
		return nil
	}
	if b.Error == nil && b.Detail != "" {
		return &upstreamErr{Message: b.Detail}
	}
	return b.Error
}
