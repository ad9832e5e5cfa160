package window

import (
	"github.com/quiver-app/quiver/app"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/account"
)

func TestCountdown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-time.Hour, "<1m"},
		{0, "<1m"},
		{59 * time.Second, "<1m"},
		{time.Minute, "1m"},
		{14*time.Minute + 59*time.Second, "14m"},
		{2 * time.Hour, "2h"},
		{2*time.Hour + 14*time.Minute, "2h 14m"},
		{24 * time.Hour, "1d"},
		{3*24*time.Hour + 2*time.Hour + 5*time.Minute, "3d 2h"},
	}
	for _, tt := range tests {
		if got := Countdown(tt.d); got != tt.want {
			t.Errorf("Countdown(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestClockTime(t *testing.T) {
	t.Parallel()
	now := fixedNow // Monday 12:00 UTC
	tests := []struct {
		at   time.Time
		want string
	}{
		{now.Add(2*time.Hour + 5*time.Minute), "14:05"},
		{now.Add(-3 * time.Hour), "09:00"},
		{now.Add(3*24*time.Hour + 2*time.Hour), "Thu 14:00"},
		{now.Add(10 * 24 * time.Hour), "Mar 13 12:00"},
	}
	for _, tt := range tests {
		if got := ClockTime(tt.at, now); got != tt.want {
			t.Errorf("ClockTime(%v) = %q, want %q", tt.at, got, tt.want)
		}
	}
}

func TestWindowText(t *testing.T) {
	t.Parallel()
	now := fixedNow
	tests := []struct {
		name string
		w    account.Window
		want string
	}{
		{"5h with reset", account.Window{Kind: "5h", UsedPercent: 42.4, ResetAt: now.Add(2*time.Hour + 5*time.Minute)}, "5h 42% · resets 14:05 (in 2h 5m)"},
		{"weekly", account.Window{Kind: "weekly", UsedPercent: 10, ResetAt: now.Add(3*24*time.Hour + 2*time.Hour)}, "week 10% · resets Thu 14:00 (in 3d 2h)"},
		{"no reset known", account.Window{Kind: "5h", UsedPercent: 99.6}, "5h 100%"},
		{"reset passed counts as empty", account.Window{Kind: "5h", UsedPercent: 100, ResetAt: now.Add(-time.Minute)}, "5h 0% · reset 11:59"},
		{"30 days", account.Window{Kind: "30d", UsedPercent: 5}, "30d 5%"},
	}
	for _, tt := range tests {
		if got := WindowText(tt.w, now); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestExpiryText(t *testing.T) {
	t.Parallel()
	now := fixedNow
	if got := ExpiryText(time.Time{}, now); got != "" {
		t.Errorf("unknown: %q", got)
	}
	if got, want := ExpiryText(now.Add(6*24*time.Hour+3*time.Hour), now), "expires Sun 15:00 (in 6d 3h)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := ExpiryText(now.Add(-2*time.Hour), now), "expired 2h ago"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestParseTags(t *testing.T) {
	t.Parallel()
	got := ParseTags(" team, eu ,, Team,  personal ")
	if want := []string{"team", "eu", "personal"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if ParseTags("  ") != nil {
		t.Error("blank gives tags")
	}
}

func TestWrapText(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("word ", 40)
	for _, line := range strings.Split(wrapText(long+"\nshort"), "\n") {
		if len(line) > 72 {
			t.Errorf("line too long: %q", line)
		}
	}
}

func TestPaceText(t *testing.T) {
	now := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	acc := account.Account{Usage: &account.Usage{Windows: []account.Window{
		{Kind: "5h", Seconds: 18000, UsedPercent: 60, ResetAt: now.Add(4 * time.Hour)},
		{Kind: "weekly", Seconds: 604800, UsedPercent: 20, ResetAt: now.Add(72 * time.Hour)},
	}}}
	hist := []account.Sample{{At: now.Add(-40 * time.Minute), FiveHour: 40, Weekly: 20}}
	if got := PaceText(acc, hist, now); !strings.Contains(got, "15:20") || !strings.Contains(got, "1h 20m") {
		t.Errorf("PaceText = %q, want the 5h limit at 15:20 (in 1h 20m)", got)
	}
	if got := PaceText(acc, nil, now); got != "" {
		t.Errorf("PaceText with no history = %q", got)
	}
}

func TestAboutText(t *testing.T) {
	got := AboutText(app.BuildInfo{Version: "0.1.0", Commit: "1a2b3c4d5e6f", Date: "2026-11-23T12:00:00Z"})
	if got != "Quiver 0.1.0 (commit 1a2b3c4d5e6f, built 2026-11-23T12:00:00Z)" {
		t.Errorf("AboutText = %q", got)
	}
	if got := AboutText(app.BuildInfo{}); got != "Quiver - (commit -, built -)" {
		t.Errorf("AboutText of an unstamped build = %q", got)
	}
}
