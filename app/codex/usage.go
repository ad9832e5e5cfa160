package codex

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// WindowKind names a usage-limit window by its length, never by the slot
// (primary, secondary) the server sent it in: the slots are not stable
// across plans (a free plan's only window, the weekly one, comes as
// primary).
//
// Its value is the window's length in whole seconds, so every length is a
// kind of its own and two windows of the same length are the same kind.
// FiveHour, Weekly and Monthly are the lengths the ChatGPT backend uses;
// any other length is an "other" kind (Known reports false) that still
// prints its length ("90m", "2d"). UnknownLength is a window whose length
// the server did not say.
type WindowKind int

// The window lengths the ChatGPT backend uses (limit_window_seconds).
const (
	UnknownLength WindowKind = 0
	FiveHour      WindowKind = 5 * 60 * 60       // 18000 s
	Weekly        WindowKind = 7 * 24 * 60 * 60  // 604800 s
	Monthly       WindowKind = 30 * 24 * 60 * 60 // 2592000 s: free plans
)

// kindSnap is how far a reported length may be from a known kind and still
// be called by it: the backend reports seconds and the response headers
// whole minutes (the Codex CLI rounds seconds up to minutes).
const kindSnap = 60

// KindOf returns the kind of a window of length d.
func KindOf(d time.Duration) WindowKind {
	secs := int64(math.Round(d.Seconds()))
	if secs <= 0 {
		return UnknownLength
	}
	for _, k := range []WindowKind{FiveHour, Weekly, Monthly} {
		if diff := secs - int64(k); diff >= -kindSnap && diff <= kindSnap {
			return k
		}
	}
	if secs > math.MaxInt32 {
		secs = math.MaxInt32
	}
	return WindowKind(secs)
}

// Known reports whether k is FiveHour, Weekly or Monthly.
func (k WindowKind) Known() bool {
	return k == FiveHour || k == Weekly || k == Monthly
}

// Length returns the window length k stands for (0 for UnknownLength).
func (k WindowKind) Length() time.Duration {
	if k <= 0 {
		return 0
	}
	return time.Duration(k) * time.Second
}

// String returns "5h", "weekly", "30d", or the length of any other kind in
// its largest whole unit ("90m", "2h", "3d"); "unknown" when the length is
// not known.
func (k WindowKind) String() string {
	switch {
	case k == FiveHour:
		return "5h"
	case k == Weekly:
		return "weekly"
	case k == Monthly:
		return "30d"
	case k <= 0:
		return "unknown"
	}
	secs := int(k)
	for _, u := range []struct {
		secs int
		name string
	}{{86400, "d"}, {3600, "h"}, {60, "m"}} {
		if secs%u.secs == 0 {
			return strconv.Itoa(secs/u.secs) + u.name
		}
	}
	return strconv.Itoa(secs) + "s"
}

// Window is one usage-limit window of an account.
type Window struct {
	Kind        WindowKind
	Length      time.Duration // as reported; 0 when unknown
	UsedPercent float64       // 0–100 (the server may report more than 100)
	ResetAt     time.Time     // absolute; zero when the server gave no reset
}

// Credits is the account's pay-as-you-go credit balance.
type Credits struct {
	HasCredits bool
	Unlimited  bool
	Balance    string // as the server wrote it (it sends a string or a number); "" when absent
}

// AdditionalLimit is a limit on one metered feature (a particular model,
// for example) that /wham/usage lists under additional_rate_limits. It is
// kept apart from Usage.Windows: its 5-hour window limits that feature only,
// not the account.
type AdditionalLimit struct {
	Name         string // limit_name
	Feature      string // metered_feature, the limit id the x-codex-* headers use
	Allowed      bool
	LimitReached bool
	Windows      []Window // shortest first
}

// Usage is an account's usage-limit state at one moment.
type Usage struct {
	Plan         string // plan_type: "free", "plus", "pro", …; "" when not reported
	Allowed      bool
	LimitReached bool
	Windows      []Window // the account's own windows, shortest first, one per kind
	Credits      *Credits // nil when not reported
	Additional   []AdditionalLimit
	FetchedAt    time.Time
}

// Window returns the account's window of kind k.
func (u Usage) Window(k WindowKind) (Window, bool) {
	for _, w := range u.Windows {
		if w.Kind == k {
			return w, true
		}
	}
	return Window{}, false
}

// ErrUsageMalformed is returned for a usage body that is not one.
var ErrUsageMalformed = errors.New("usage response is malformed")

// The /wham/usage body. Field names mirror the Codex CLI's generated
// backend models (codex-rs/codex-backend-openapi-models: RateLimitStatusPayload,
// RateLimitStatusDetails, RateLimitWindowSnapshot, CreditStatusDetails,
// AdditionalRateLimitDetails), which make every object optional and
// nullable. Numbers here are lenient: int, float, numeric string or null.
type wireUsage struct {
	PlanType   flexString               `json:"plan_type"`
	RateLimit  object[wireRateLimit]    `json:"rate_limit"`
	Credits    object[wireCredits]      `json:"credits"`
	Additional []object[wireAdditional] `json:"additional_rate_limits"`
}

type wireRateLimit struct {
	Allowed      flexBool           `json:"allowed"`
	LimitReached flexBool           `json:"limit_reached"`
	Primary      object[wireWindow] `json:"primary_window"`
	Secondary    object[wireWindow] `json:"secondary_window"`
}

type wireWindow struct {
	UsedPercent        flexNumber `json:"used_percent"`
	LimitWindowSeconds flexNumber `json:"limit_window_seconds"`
	ResetAfterSeconds  flexNumber `json:"reset_after_seconds"`
	ResetAt            flexNumber `json:"reset_at"`
}

type wireCredits struct {
	HasCredits flexBool   `json:"has_credits"`
	Unlimited  flexBool   `json:"unlimited"`
	Balance    flexString `json:"balance"`
}

type wireAdditional struct {
	LimitName      flexString            `json:"limit_name"`
	MeteredFeature flexString            `json:"metered_feature"`
	RateLimit      object[wireRateLimit] `json:"rate_limit"`
}

// ParseUsage decodes a /wham/usage (or /codex/usage) response body read at
// now.
//
// Windows holds the account's own windows (rate_limit.primary_window and
// secondary_window), named by length and sorted shortest first; a window
// that is null, absent or says nothing usable is left out, so a free plan's body (primary =
// 604800 s, secondary null) gives one Weekly window. When both slots carry
// the same length, the first one (primary) wins. additional_rate_limits go to
// Additional, not Windows: each limits one metered feature only. ResetAt
// comes from reset_at when present, else now + reset_after_seconds.
// Allowed is !limit_reached when the server omits it, and true when the body
// carries no rate_limit at all.
//
// Values of the wrong type are treated as absent, except where they would
// replace good figures with made-up ones: a rate_limit that is not an object
// (nor null), a rate_limit that says nothing, or a window whose used_percent
// is not a number or is negative gives an error matching ErrUsageMalformed,
// so the caller keeps the last good figures. So does a body that is not a
// JSON object, or that carries none of plan_type, rate_limit and credits (an
// error body, for example).
func ParseUsage(data []byte, now time.Time) (Usage, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil || probe == nil {
		return Usage{}, fmt.Errorf("%w: not a JSON object", ErrUsageMalformed)
	}
	_, hasPlan := probe["plan_type"]
	_, hasLimit := probe["rate_limit"]
	_, hasCredits := probe["credits"]
	if !hasPlan && !hasLimit && !hasCredits {
		return Usage{}, fmt.Errorf("%w: no plan_type, rate_limit or credits", ErrUsageMalformed)
	}
	var w wireUsage
	decodeLeniently(data, &w)

	u := Usage{Plan: w.PlanType.text(), Allowed: true, FetchedAt: now}
	if hasLimit && !w.RateLimit.ok && !isNull(probe["rate_limit"]) {
		return Usage{}, fmt.Errorf("%w: rate_limit is not an object", ErrUsageMalformed)
	}
	if w.RateLimit.ok {
		rl := &w.RateLimit.v
		if err := rl.check(); err != nil {
			return Usage{}, fmt.Errorf("%w: rate_limit: %w", ErrUsageMalformed, err)
		}
		u.Allowed, u.LimitReached, u.Windows = rl.decode(now)
		if len(u.Windows) == 0 && !rl.Allowed.ok && !rl.LimitReached.ok {
			return Usage{}, fmt.Errorf("%w: rate_limit says nothing (no window, no allowed or limit_reached)", ErrUsageMalformed)
		}
	}
	if c := w.Credits; c.ok {
		u.Credits = &Credits{
			HasCredits: c.v.HasCredits.value(false),
			Unlimited:  c.v.Unlimited.value(false),
			Balance:    c.v.Balance.text(),
		}
	}
	for _, a := range w.Additional {
		if !a.ok {
			continue
		}
		al := AdditionalLimit{Name: a.v.LimitName.text(), Feature: a.v.MeteredFeature.text(), Allowed: true}
		if a.v.RateLimit.ok {
			al.Allowed, al.LimitReached, al.Windows = a.v.RateLimit.v.decode(now)
		}
		u.Additional = append(u.Additional, al)
	}
	return u, nil
}

// decodeLeniently decodes data into v, keeping every field that fits:
// encoding/json skips a value of the wrong type and goes on, and the flex
// types below never fail. The caller has already checked data is JSON.
func decodeLeniently(data []byte, v any) {
	_ = json.Unmarshal(data, v)
}

// check rejects a rate_limit whose windows carry figures that make no
// sense: a used_percent that is not a number, or is negative. Such an
// answer must not replace good figures.
func (r *wireRateLimit) check() error {
	for _, slot := range []struct {
		name string
		w    object[wireWindow]
	}{{"primary_window", r.Primary}, {"secondary_window", r.Secondary}} {
		if !slot.w.ok {
			continue
		}
		p := slot.w.v.UsedPercent
		switch {
		case p.bad:
			return fmt.Errorf("%s.used_percent is not a number", slot.name)
		case p.ok && p.v < 0:
			return fmt.Errorf("%s.used_percent is negative (%v)", slot.name, p.v)
		}
	}
	return nil
}

func isNull(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

func (r *wireRateLimit) decode(now time.Time) (allowed, limitReached bool, windows []Window) {
	limitReached = r.LimitReached.value(false)
	allowed = r.Allowed.value(!limitReached)
	for _, ww := range []object[wireWindow]{r.Primary, r.Secondary} {
		if !ww.ok {
			continue
		}
		if w, ok := ww.v.decode(now); ok {
			windows = addWindow(windows, w)
		}
	}
	return allowed, limitReached, windows
}

// decode returns the window ww describes; ok is false when it says nothing
// usable (no used_percent, no length, no reset).
func (ww *wireWindow) decode(now time.Time) (w Window, ok bool) {
	w.UsedPercent = ww.UsedPercent.float()
	if secs, ok := ww.LimitWindowSeconds.get(); ok && secs > 0 {
		w.Length = seconds(secs)
	}
	w.Kind = KindOf(w.Length)
	w.ResetAt = resetTime(now, ww.ResetAt, ww.ResetAfterSeconds)
	return w, ww.UsedPercent.ok || w.Length > 0 || !w.ResetAt.IsZero()
}

// resetTime prefers an absolute epoch (resetAt) and falls back to now + a
// relative number of seconds; zero when neither is usable.
func resetTime(now time.Time, resetAt, after flexNumber) time.Time {
	if at, ok := resetAt.get(); ok && at > 0 && at < maxEpoch {
		return time.Unix(int64(at), 0).UTC()
	}
	if in, ok := after.get(); ok && in >= 0 && in < maxEpoch {
		return now.Add(seconds(in)).UTC()
	}
	return time.Time{}
}

// maxEpoch bounds epoch seconds and second counts we accept (year 5138):
// beyond it a value is garbage and would overflow a time.Duration.
const maxEpoch = 1 << 37

func seconds(s float64) time.Duration {
	return time.Duration(math.Round(s)) * time.Second
}

// addWindow adds w to ws unless ws has a window of its kind already, and
// keeps ws sorted shortest first with unknown lengths last.
func addWindow(ws []Window, w Window) []Window {
	for _, have := range ws {
		if have.Kind == w.Kind {
			return ws
		}
	}
	ws = append(ws, w)
	sort.SliceStable(ws, func(i, j int) bool {
		a, b := ws[i].Kind, ws[j].Kind
		if (a == UnknownLength) != (b == UnknownLength) {
			return b == UnknownLength
		}
		return a < b
	})
	return ws
}

// object is a JSON object decoded leniently into T; null or any other JSON
// value leaves it absent (ok false).
type object[T any] struct {
	v  T
	ok bool
}

func (o *object[T]) UnmarshalJSON(b []byte) error {
	*o = object[T]{}
	if b = bytes.TrimSpace(b); len(b) > 0 && b[0] == '{' {
		decodeLeniently(b, &o.v)
		o.ok = true
	}
	return nil
}

// flexNumber is a JSON number that may also arrive as a numeric string or
// null. Anything else decodes as absent, with bad set (null is absent and
// not bad).
type flexNumber struct {
	v   float64
	ok  bool
	bad bool // present, not null, and not a finite number
}

func (n *flexNumber) UnmarshalJSON(b []byte) error {
	*n = flexNumber{}
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if json.Unmarshal(b, &s) != nil {
			n.bad = true
			return nil
		}
		b = []byte(strings.TrimSpace(s))
	}
	if v, err := strconv.ParseFloat(string(b), 64); err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) {
		*n = flexNumber{v: v, ok: true}
		return nil
	}
	n.bad = true
	return nil
}

func (n flexNumber) get() (float64, bool) { return n.v, n.ok }

func (n flexNumber) float() float64 { return n.v }

// flexBool is a JSON boolean that may also arrive as "true"/"false", 1/0 or
// null. Anything else decodes as absent.
type flexBool struct {
	v, ok bool
}

func (f *flexBool) UnmarshalJSON(b []byte) error {
	*f = flexBool{}
	if v, ok := parseBool(strings.Trim(string(bytes.TrimSpace(b)), `"`)); ok {
		*f = flexBool{v: v, ok: true}
	}
	return nil
}

func (f flexBool) value(def bool) bool {
	if !f.ok {
		return def
	}
	return f.v
}

func parseBool(s string) (v, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	return false, false
}

// flexString keeps a JSON string, or a number's text; null and anything
// else decode as "".
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	*s = ""
	b = bytes.TrimSpace(b)
	var str string
	switch {
	case json.Unmarshal(b, &str) == nil:
		*s = flexString(strings.TrimSpace(str))
	case len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')):
		*s = flexString(b)
	}
	return nil
}

func (s flexString) text() string { return string(s) }
