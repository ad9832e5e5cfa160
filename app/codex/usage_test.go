package codex

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// usageNow is the moment the tests' responses are read at.
var usageNow = time.Date(2025, 10, 9, 10, 0, 0, 0, time.UTC)

// usageEpoch returns usageNow+d as the usageEpoch seconds a body carries.
func usageEpoch(d time.Duration) int64 { return usageNow.Add(d).Unix() }

// describeWindows renders windows compactly so a table can state them.
func describeWindows(ws []Window) string {
	var parts []string
	for _, w := range ws {
		reset := "-"
		if !w.ResetAt.IsZero() {
			reset = "+" + w.ResetAt.Sub(usageNow).String()
		}
		parts = append(parts, fmt.Sprintf("%s/%s/%g%%/%s", w.Kind, w.Length, w.UsedPercent, reset))
	}
	return strings.Join(parts, " ")
}

func TestWindowKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		length time.Duration
		want   WindowKind
		str    string
		known  bool
	}{
		{5 * time.Hour, FiveHour, "5h", true},
		{300 * time.Minute, FiveHour, "5h", true},
		{5*time.Hour + 59*time.Second, FiveHour, "5h", true}, // minutes rounded up
		{7 * 24 * time.Hour, Weekly, "weekly", true},
		{30 * 24 * time.Hour, Monthly, "30d", true},
		{90 * time.Minute, WindowKind(5400), "90m", false},
		{2 * time.Hour, WindowKind(7200), "2h", false},
		{3 * 24 * time.Hour, WindowKind(259200), "3d", false},
		{61 * time.Second, WindowKind(61), "61s", false},
		{6 * time.Hour, WindowKind(21600), "6h", false},
		{0, UnknownLength, "unknown", false},
		{-time.Hour, UnknownLength, "unknown", false},
	}
	for _, tt := range tests {
		got := KindOf(tt.length)
		if got != tt.want || got.String() != tt.str || got.Known() != tt.known {
			t.Errorf("KindOf(%s) = %d %q known=%v, want %d %q known=%v",
				tt.length, got, got, got.Known(), tt.want, tt.str, tt.known)
		}
	}
	if FiveHour.Length() != 5*time.Hour || Weekly.Length() != 7*24*time.Hour || UnknownLength.Length() != 0 {
		t.Errorf("Length() wrong: %s %s %s", FiveHour.Length(), Weekly.Length(), UnknownLength.Length())
	}
}

func TestParseUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		body         string
		plan         string
		allowed      bool
		limitReached bool
		windows      string
		credits      string // "" for nil
		additional   string
	}{
		{
			name: "plus",
			body: fmt.Sprintf(`{"plan_type":"plus","rate_limit":{"allowed":true,"limit_reached":false,
				"primary_window":{"used_percent":42,"limit_window_seconds":18000,"reset_after_seconds":3600,"reset_at":%d},
				"secondary_window":{"used_percent":10,"limit_window_seconds":604800,"reset_after_seconds":432000,"reset_at":%d}},
				"credits":{"has_credits":false,"unlimited":false,"balance":"0"}}`, usageEpoch(time.Hour), usageEpoch(120*time.Hour)),
			plan: "plus", allowed: true,
			windows: "5h/5h0m0s/42%/+1h0m0s weekly/168h0m0s/10%/+120h0m0s",
			credits: "has=false unlimited=false balance=0",
		},
		{
			name: "pro with slots swapped is named by length",
			body: fmt.Sprintf(`{"plan_type":"pro","rate_limit":{"allowed":true,"limit_reached":false,
				"primary_window":{"used_percent":3.5,"limit_window_seconds":604800,"reset_after_seconds":100,"reset_at":%d},
				"secondary_window":{"used_percent":77.25,"limit_window_seconds":18000,"reset_after_seconds":200,"reset_at":%d}},
				"credits":{"has_credits":true,"unlimited":true,"balance":null}}`, usageEpoch(100*time.Second), usageEpoch(200*time.Second)),
			plan: "pro", allowed: true,
			windows: "5h/5h0m0s/77.25%/+3m20s weekly/168h0m0s/3.5%/+1m40s",
			credits: "has=true unlimited=true balance=",
		},
		{
			name: "free weekly only",
			body: fmt.Sprintf(`{"plan_type":"free","rate_limit":{"allowed":true,"limit_reached":false,
				"primary_window":{"used_percent":100,"limit_window_seconds":604800,"reset_after_seconds":86400,"reset_at":%d},
				"secondary_window":null},"credits":null}`, usageEpoch(24*time.Hour)),
			plan: "free", allowed: true,
			windows: "weekly/168h0m0s/100%/+24h0m0s",
		},
		{
			name: "free monthly window",
			body: `{"plan_type":"free","rate_limit":{"primary_window":{"used_percent":12,"limit_window_seconds":2592000,"reset_after_seconds":60}}}`,
			plan: "free", allowed: true,
			windows: "30d/720h0m0s/12%/+1m0s",
		},
		{
			name: "reset_after_seconds used when reset_at is missing or null",
			body: `{"plan_type":"plus","rate_limit":{"primary_window":{"used_percent":1,"limit_window_seconds":18000,"reset_after_seconds":90,"reset_at":null}}}`,
			plan: "plus", allowed: true,
			windows: "5h/5h0m0s/1%/+1m30s",
		},
		{
			name: "numbers as strings and floats",
			body: fmt.Sprintf(`{"plan_type":"team","rate_limit":{"allowed":"true","limit_reached":"false",
				"primary_window":{"used_percent":"55.5","limit_window_seconds":"18000.0","reset_at":"%d"},
				"secondary_window":{"used_percent":9.0,"limit_window_seconds":604800.0,"reset_after_seconds":"30"}},
				"credits":{"has_credits":1,"unlimited":0,"balance":12.5}}`, usageEpoch(time.Minute)),
			plan: "team", allowed: true,
			windows: "5h/5h0m0s/55.5%/+1m0s weekly/168h0m0s/9%/+30s",
			credits: "has=true unlimited=false balance=12.5",
		},
		{
			name: "limit reached, allowed missing",
			body: `{"plan_type":"plus","rate_limit":{"limit_reached":true,
				"primary_window":{"used_percent":100,"limit_window_seconds":18000,"reset_after_seconds":600}}}`,
			plan: "plus", allowed: false, limitReached: true,
			windows: "5h/5h0m0s/100%/+10m0s",
		},
		{
			name: "no rate_limit at all",
			body: `{"plan_type":"enterprise","credits":{"has_credits":true,"unlimited":false,"balance":"5.00"}}`,
			plan: "enterprise", allowed: true,
			credits: "has=true unlimited=false balance=5.00",
		},
		{
			name: "rate_limit null and unknown fields",
			body: `{"plan_type":"go","rate_limit":null,"user_id":"u","email":"x@example.com","code_review_rate_limit":{"x":1}}`,
			plan: "go", allowed: true,
		},
		{
			name: "windows missing fields",
			body: `{"plan_type":"plus","rate_limit":{"allowed":true,"primary_window":{"used_percent":5},"secondary_window":{}}}`,
			plan: "plus", allowed: true,
			windows: "unknown/0s/5%/-",
		},
		{
			name: "wrong types elsewhere are absent, not fatal",
			body: `{"plan_type":7,"rate_limit":{"allowed":[],"limit_reached":false,"primary_window":{"used_percent":5,"limit_window_seconds":"abc","reset_at":true,"reset_after_seconds":-5}},"credits":"lots"}`,
			plan: "7", allowed: true,
			windows: "unknown/0s/5%/-",
		},
		{
			name: "same length twice keeps the first",
			body: `{"plan_type":"plus","rate_limit":{"primary_window":{"used_percent":10,"limit_window_seconds":18000},"secondary_window":{"used_percent":20,"limit_window_seconds":18000}}}`,
			plan: "plus", allowed: true,
			windows: "5h/5h0m0s/10%/-",
		},
		{
			name: "odd length sorts between",
			body: `{"plan_type":"plus","rate_limit":{"primary_window":{"used_percent":1,"limit_window_seconds":604800},"secondary_window":{"used_percent":2,"limit_window_seconds":86400}}}`,
			plan: "plus", allowed: true,
			windows: "1d/24h0m0s/2%/- weekly/168h0m0s/1%/-",
		},
		{
			name: "absurd reset values are ignored",
			body: `{"plan_type":"plus","rate_limit":{"primary_window":{"used_percent":1,"limit_window_seconds":18000,"reset_at":1e300,"reset_after_seconds":1e300}}}`,
			plan: "plus", allowed: true,
			windows: "5h/5h0m0s/1%/-",
		},
		{
			name: "additional rate limits stay apart",
			body: `{"plan_type":"pro","rate_limit":{"allowed":true,"limit_reached":false,"primary_window":{"used_percent":1,"limit_window_seconds":18000,"reset_after_seconds":10}},
				"additional_rate_limits":[
				  {"limit_name":"GPT-5-Codex-Spark","metered_feature":"codex_bengalfox","rate_limit":{"allowed":false,"limit_reached":true,
				    "primary_window":{"used_percent":100,"limit_window_seconds":18000,"reset_after_seconds":20},
				    "secondary_window":{"used_percent":40,"limit_window_seconds":604800,"reset_after_seconds":30}}},
				  {"limit_name":"other","metered_feature":"codex_other","rate_limit":null},
				  "garbage"]}`,
			plan: "pro", allowed: true,
			windows:    "5h/5h0m0s/1%/+10s",
			additional: "GPT-5-Codex-Spark[codex_bengalfox] allowed=false reached=true 5h/5h0m0s/100%/+20s weekly/168h0m0s/40%/+30s; other[codex_other] allowed=true reached=false ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, err := ParseUsage([]byte(tt.body), usageNow)
			if err != nil {
				t.Fatalf("ParseUsage: %v", err)
			}
			if u.Plan != tt.plan || u.Allowed != tt.allowed || u.LimitReached != tt.limitReached {
				t.Errorf("plan %q allowed %v reached %v, want %q %v %v", u.Plan, u.Allowed, u.LimitReached, tt.plan, tt.allowed, tt.limitReached)
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
			var add []string
			for _, a := range u.Additional {
				add = append(add, fmt.Sprintf("%s[%s] allowed=%v reached=%v %s", a.Name, a.Feature, a.Allowed, a.LimitReached, describeWindows(a.Windows)))
			}
			if got := strings.Join(add, "; "); got != tt.additional {
				t.Errorf("additional\n got %q\nwant %q", got, tt.additional)
			}
			if !u.FetchedAt.Equal(usageNow) {
				t.Errorf("FetchedAt %v, want %v", u.FetchedAt, usageNow)
			}
		})
	}
}

func TestParseUsageRejectsNonUsage(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		``,
		`not json`,
		`{"plan_type":"plus"`, // truncated
		`null`,
		`[]`,
		`"plus"`,
		`42`,
		`{}`,
		`{"detail":"Unauthorized"}`,
		`{"error":{"code":"token_expired","message":"Provided authentication token is expired."}}`,
		`<html><body>Just a moment...</body></html>`,
		// Answers that would replace good figures with made-up ones.
		`{"rate_limit":5}`,
		`{"plan_type":"plus","rate_limit":"soon"}`,
		`{"plan_type":"plus","rate_limit":{}}`,
		`{"plan_type":"plus","rate_limit":{"allowed":[],"primary_window":{"used_percent":{"a":1},"limit_window_seconds":"abc"}}}`,
		`{"plan_type":"plus","rate_limit":{"allowed":true,"primary_window":{"used_percent":-5,"limit_window_seconds":18000}}}`,
		`{"plan_type":"plus","rate_limit":{"allowed":true,"primary_window":{"used_percent":"lots","limit_window_seconds":18000}}}`,
		`{"plan_type":"plus","rate_limit":{"allowed":true,"secondary_window":{"used_percent":"1e400","limit_window_seconds":604800}}}`,
	} {
		if u, err := ParseUsage([]byte(body), usageNow); !errors.Is(err, ErrUsageMalformed) {
			t.Errorf("ParseUsage(%q) = %+v, %v; want ErrUsageMalformed", body, u, err)
		}
	}
}

func TestUsageWindow(t *testing.T) {
	t.Parallel()
	u, err := ParseUsage([]byte(`{"plan_type":"free","rate_limit":{"primary_window":{"used_percent":30,"limit_window_seconds":604800},"secondary_window":null}}`), usageNow)
	if err != nil {
		t.Fatal(err)
	}
	if w, ok := u.Window(Weekly); !ok || w.UsedPercent != 30 {
		t.Errorf("Window(Weekly) = %+v, %v; want 30%%, true", w, ok)
	}
	if w, ok := u.Window(FiveHour); ok {
		t.Errorf("Window(FiveHour) = %+v on a weekly-only plan", w)
	}
}

func FuzzParseUsage(f *testing.F) {
	for _, seed := range []string{
		`{"plan_type":"plus","rate_limit":{"allowed":true,"limit_reached":false,"primary_window":{"used_percent":42,"limit_window_seconds":18000,"reset_after_seconds":3600,"reset_at":1760003600},"secondary_window":null},"credits":{"has_credits":false,"unlimited":false,"balance":"0"}}`,
		`{"plan_type":"free","rate_limit":{"primary_window":{"used_percent":"1e400","limit_window_seconds":-1,"reset_at":"x"}},"additional_rate_limits":[{"rate_limit":{}}]}`,
		`{"error":{"type":"usage_limit_reached","resets_at":1760003600,"resets_in_seconds":"60"}}`,
		`[]`,
		`{`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		u, err := ParseUsage(data, usageNow)
		if err == nil {
			for _, w := range u.Windows {
				if w.Kind != KindOf(w.Length) {
					t.Errorf("window %+v: kind does not match length", w)
				}
			}
		}
		ParseLimitError(data, nil, usageNow)
	})
}
