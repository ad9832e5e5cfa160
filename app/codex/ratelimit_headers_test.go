package codex

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func xcodexHeader(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func TestParseRateLimitHeaders(t *testing.T) {
	t.Parallel()
	at := func(d time.Duration) string { return strconv.FormatInt(usageEpoch(d), 10) }
	tests := []struct {
		name         string
		h            http.Header
		ok           bool
		plan         string
		limitReached bool
		windows      string
		credits      string
	}{
		{
			name: "plus, both windows, reset-at preferred",
			h: xcodexHeader(
				"x-codex-primary-used-percent", "42",
				"x-codex-primary-window-minutes", "300",
				"x-codex-primary-reset-after-seconds", "9999",
				"x-codex-primary-reset-at", at(time.Hour),
				"x-codex-secondary-used-percent", "10.5",
				"x-codex-secondary-window-minutes", "10080",
				"x-codex-secondary-reset-after-seconds", "7200",
				"x-codex-plan-type", "plus",
			),
			ok: true, plan: "plus",
			windows: "5h/5h0m0s/42%/+1h0m0s weekly/168h0m0s/10.5%/+2h0m0s",
		},
		{
			name: "slots swapped are named by minutes",
			h: xcodexHeader(
				"X-Codex-Primary-Used-Percent", "7",
				"X-Codex-Primary-Window-Minutes", "10080",
				"X-Codex-Secondary-Used-Percent", "100",
				"X-Codex-Secondary-Window-Minutes", "300",
				"X-Codex-Secondary-Reset-After-Seconds", "60",
			),
			ok: true, limitReached: true,
			windows: "5h/5h0m0s/100%/+1m0s weekly/168h0m0s/7%/-",
		},
		{
			name: "weekly only",
			h: xcodexHeader(
				"x-codex-primary-used-percent", "3",
				"x-codex-primary-window-minutes", "10080",
			),
			ok:      true,
			windows: "weekly/168h0m0s/3%/-",
		},
		{
			name: "zero window without length or reset is no window (as the CLI)",
			h: xcodexHeader(
				"x-codex-primary-used-percent", "0",
				"x-codex-secondary-used-percent", "0",
				"x-codex-secondary-window-minutes", "0",
			),
			ok: false,
		},
		{
			name: "unparsable values",
			h: xcodexHeader(
				"x-codex-primary-used-percent", "NaN",
				"x-codex-primary-window-minutes", "300",
				"x-codex-secondary-used-percent", "abc",
				"x-codex-credits-has-credits", "maybe",
			),
			ok: false,
		},
		{
			name: "a negative percentage is no window",
			h: xcodexHeader(
				"x-codex-primary-used-percent", "-20",
				"x-codex-primary-window-minutes", "300",
			),
			ok: false,
		},
		{
			name: "bad minutes leave the length unknown",
			h: xcodexHeader(
				"x-codex-primary-used-percent", "12",
				"x-codex-primary-window-minutes", "five hours",
				"x-codex-primary-reset-at", "not-a-time",
				"x-codex-primary-reset-after-seconds", "-3",
			),
			ok:      true,
			windows: "unknown/0s/12%/-",
		},
		{
			name: "credits only",
			h: xcodexHeader(
				"x-codex-credits-has-credits", "True",
				"x-codex-credits-unlimited", "false",
				"x-codex-credits-balance", " 17.25 ",
			),
			ok:      true,
			credits: "has=true unlimited=false balance=17.25",
		},
		{
			name: "other limit families are not the account's",
			h: xcodexHeader(
				"x-codex-bengalfox-primary-used-percent", "80",
				"x-codex-bengalfox-primary-window-minutes", "300",
				"x-codex-secondary-primary-used-percent", "50",
			),
			ok: false,
		},
		{name: "none", h: http.Header{"Content-Type": {"text/event-stream"}}, ok: false},
		{name: "nil", h: nil, ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, ok := ParseRateLimitHeaders(tt.h, usageNow)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v (%+v)", ok, tt.ok, u)
			}
			if u.Plan != tt.plan || u.LimitReached != tt.limitReached || u.Allowed == u.LimitReached {
				t.Errorf("plan %q reached %v allowed %v, want %q %v", u.Plan, u.LimitReached, u.Allowed, tt.plan, tt.limitReached)
			}
			if got := describeWindows(u.Windows); got != tt.windows {
				t.Errorf("windows\n got %q\nwant %q", got, tt.windows)
			}
			gotCredits := ""
			if u.Credits != nil {
				gotCredits = fmt.Sprintf("has=%v unlimited=%v balance=%s", u.Credits.HasCredits, u.Credits.Unlimited, u.Credits.Balance)
			}
			if gotCredits != tt.credits {
				t.Errorf("credits %q, want %q", gotCredits, tt.credits)
			}
		})
	}
}

func TestParseLimitError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     string
		h        http.Header
		ok       bool
		typ      string
		plan     string
		message  string
		resetsAt time.Duration // from usageNow; 0 = zero time
		resetsIn time.Duration
	}{
		{
			name: "usage_limit_reached with both",
			body: fmt.Sprintf(`{"error":{"type":"usage_limit_reached","message":"The usage limit has been reached","plan_type":"plus","resets_at":%d,"resets_in_seconds":3600}}`, usageEpoch(time.Hour)),
			ok:   true, typ: UsageLimitReached, plan: "plus", message: "The usage limit has been reached",
			resetsAt: time.Hour, resetsIn: time.Hour,
		},
		{
			name: "resets_at only",
			body: fmt.Sprintf(`{"error":{"type":"usage_limit_reached","plan_type":"pro","resets_at":"%d"}}`, usageEpoch(90*time.Minute)),
			ok:   true, typ: UsageLimitReached, plan: "pro",
			resetsAt: 90 * time.Minute, resetsIn: 90 * time.Minute,
		},
		{
			name: "resets_in_seconds only",
			body: `{"error":{"type":"usage_limit_reached","resets_in_seconds":120.0}}`,
			ok:   true, typ: UsageLimitReached,
			resetsAt: 2 * time.Minute, resetsIn: 2 * time.Minute,
		},
		{
			name: "body wins over Retry-After",
			body: `{"error":{"type":"usage_limit_reached","resets_in_seconds":300}}`,
			h:    xcodexHeader("Retry-After", "10"),
			ok:   true, typ: UsageLimitReached,
			resetsAt: 5 * time.Minute, resetsIn: 5 * time.Minute,
		},
		{
			name: "Retry-After seconds",
			body: `{"error":{"code":"rate_limit_exceeded","message":"Slow down"}}`,
			h:    xcodexHeader("Retry-After", "30"),
			ok:   true, typ: "rate_limit_exceeded", message: "Slow down",
			resetsAt: 30 * time.Second, resetsIn: 30 * time.Second,
		},
		{
			name:     "Retry-After HTTP date, empty body",
			h:        xcodexHeader("Retry-After", usageNow.Add(45*time.Minute).Format(http.TimeFormat)),
			ok:       true,
			resetsAt: 45 * time.Minute, resetsIn: 45 * time.Minute,
		},
		{
			name: "x-codex headers when nothing else: latest limited window",
			body: `{"error":{"type":"usage_limit_reached"}}`,
			h: xcodexHeader(
				"Retry-After", "soon",
				"x-codex-primary-used-percent", "100",
				"x-codex-primary-window-minutes", "300",
				"x-codex-primary-reset-after-seconds", "600",
				"x-codex-secondary-used-percent", "100",
				"x-codex-secondary-window-minutes", "10080",
				"x-codex-secondary-reset-after-seconds", "7200",
			),
			ok: true, typ: UsageLimitReached,
			resetsAt: 2 * time.Hour, resetsIn: 2 * time.Hour,
		},
		{
			name: "x-codex windows not at 100% say nothing",
			h: xcodexHeader(
				"x-codex-primary-used-percent", "99",
				"x-codex-primary-window-minutes", "300",
				"x-codex-primary-reset-after-seconds", "600",
			),
			ok: false,
		},
		{
			name: "reset in the past keeps ResetsIn zero",
			body: fmt.Sprintf(`{"error":{"type":"usage_limit_reached","resets_at":%d}}`, usageEpoch(-time.Minute)),
			ok:   true, typ: UsageLimitReached,
			resetsAt: -time.Minute,
		},
		{name: "garbage", body: `<html>429 Too Many Requests</html>`, ok: false},
		{name: "empty", ok: false},
		{name: "error of wrong type", body: `{"error":"usage_limit_reached"}`, ok: false},
		{name: "Retry-After zero", h: xcodexHeader("Retry-After", "0"), ok: false},
		{name: "Retry-After date in the past", h: xcodexHeader("Retry-After", usageNow.Add(-time.Hour).Format(http.TimeFormat)), ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, ok := ParseLimitError([]byte(tt.body), tt.h, usageNow)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v (%+v)", ok, tt.ok, e)
			}
			if e.Type != tt.typ || e.Plan != tt.plan || e.Message != tt.message {
				t.Errorf("type %q plan %q message %q, want %q %q %q", e.Type, e.Plan, e.Message, tt.typ, tt.plan, tt.message)
			}
			var wantAt time.Time
			if tt.resetsAt != 0 {
				wantAt = usageNow.Add(tt.resetsAt)
			}
			if !e.ResetsAt.Equal(wantAt) || e.ResetsIn != tt.resetsIn {
				t.Errorf("resets at %v in %v, want %v in %v", e.ResetsAt, e.ResetsIn, wantAt, tt.resetsIn)
			}
			if e.IsUsageLimit() != (tt.typ == UsageLimitReached) {
				t.Errorf("IsUsageLimit() = %v", e.IsUsageLimit())
			}
		})
	}
}

func TestLimitErrorMessage(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 400)
	e, ok := ParseLimitError([]byte(`{"error":{"type":"usage_limit_reached","plan_type":"plus","message":"`+long+`","resets_in_seconds":60}}`), nil, usageNow)
	if !ok {
		t.Fatal("not ok")
	}
	if len(e.Message) > limitMessageMax+len("…") || !strings.HasSuffix(e.Message, "…") || !strings.HasPrefix(e.Message, "éé") {
		t.Errorf("message not truncated on a rune boundary: %d bytes", len(e.Message))
	}
	want := "usage limit reached (plus plan); resets at 2025-10-09T10:01:00Z"
	if got := e.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got := (LimitError{}).Error(); got != "rate limited" {
		t.Errorf("zero Error() = %q", got)
	}
}

func TestLimitErrorResetTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		e    LimitError
		want time.Duration
	}{
		{"resets at", LimitError{ResetsAt: usageNow.Add(time.Hour), ResetsIn: time.Minute}, time.Hour},
		{"resets in", LimitError{ResetsIn: 10 * time.Minute}, 10 * time.Minute},
		{"past resets at, resets in", LimitError{ResetsAt: usageNow.Add(-time.Hour), ResetsIn: 2 * time.Minute}, 2 * time.Minute},
		{"past resets at only", LimitError{ResetsAt: usageNow.Add(-time.Hour)}, 5 * time.Minute},
		{"nothing", LimitError{}, 5 * time.Minute},
	}
	for _, tt := range tests {
		if got := tt.e.ResetTime(usageNow, 5*time.Minute); !got.Equal(usageNow.Add(tt.want)) {
			t.Errorf("%s: ResetTime = %v, want now+%v", tt.name, got, tt.want)
		}
	}
}

func FuzzParseLimitError(f *testing.F) {
	f.Add([]byte(`{"error":{"type":"usage_limit_reached","resets_at":1760003600,"resets_in_seconds":60}}`), "30", "100", "300", "1760003600")
	f.Add([]byte(`{"error":{"resets_at":"1e999"}}`), "Wed, 21 Oct 2015 07:28:00 GMT", "-1", "1e300", "x")
	f.Fuzz(func(t *testing.T, body []byte, retry, used, minutes, resetAt string) {
		h := xcodexHeader(
			"Retry-After", retry,
			"x-codex-primary-used-percent", used,
			"x-codex-primary-window-minutes", minutes,
			"x-codex-primary-reset-at", resetAt,
			"x-codex-credits-has-credits", used,
		)
		e, _ := ParseLimitError(body, h, usageNow)
		if got := e.ResetTime(usageNow, time.Minute); got.Before(usageNow) {
			t.Errorf("ResetTime %v before now", got)
		}
		ParseRateLimitHeaders(h, usageNow)
	})
}
