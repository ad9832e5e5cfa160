package notify

import (
	"strings"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/codex/codextest"
)

func TestUntil(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-time.Hour, "now"},
		{0, "now"},
		{30 * time.Second, "in under a minute"},
		{time.Minute, "in 1m"},
		{61 * time.Second, "in 2m"},
		{59 * time.Minute, "in 59m"},
		{2*time.Hour + 14*time.Minute, "in 2h 14m"},
		{2*time.Hour + 13*time.Minute + time.Second, "in 2h 14m"},
		{24 * time.Hour, "in 1d 0h"},
		{6*24*time.Hour + 23*time.Hour + 59*time.Minute, "in 6d 23h"},
	}
	for _, tt := range tests {
		if got := until(t0.Add(tt.d), t0); got != tt.want {
			t.Errorf("until(t0+%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestClock(t *testing.T) {
	t.Parallel()
	berlin := time.FixedZone("CET", 3600)
	now := time.Date(2026, 3, 2, 22, 30, 0, 0, berlin) // Monday
	tests := []struct {
		name string
		at   time.Time
		want string
	}{
		{"later today", now.Add(65 * time.Minute).Add(-time.Hour), "22:35"},
		{"shown in now's location", time.Date(2026, 3, 2, 21, 0, 0, 0, time.UTC), "22:00"},
		{"tomorrow", now.Add(2 * time.Hour), "Tue 00:30"},
		{"in five days", now.Add(5 * 24 * time.Hour), "Sat 22:30"},
		{"beyond a week", now.Add(20 * 24 * time.Hour), "Sun 22 Mar 22:30"},
		{"yesterday", now.Add(-24 * time.Hour), "Sun 1 Mar 22:30"},
	}
	for _, tt := range tests {
		if got := clock(tt.at, now); got != tt.want {
			t.Errorf("%s: clock = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	jwt := codextest.MintJWT(codextest.Identity{Email: "someone@example.com", AccountID: "acc-1", Plan: "pro"}, t0)
	rt := codextest.RandomToken("rt_")
	tests := []struct {
		name, in, want string
		multiline      bool
	}{
		{"plain", "work hit its 5-hour limit", "work hit its 5-hour limit", false},
		{"error codes stay", "refresh_token_reused; unsupported_country_region_territory", "refresh_token_reused; unsupported_country_region_territory", false},
		{"jwt", "token " + jwt + " expired", "token [redacted] expired", false},
		{"refresh token", "got " + rt, "got [redacted]", false},
		{"hex key", "key 0123456789abcdef0123456789abcdef", "key [redacted]", false},
		{"bearer of any length", "Authorization: Bearer abc", "Authorization: Bearer [redacted]", false},
		{"non-ASCII stays", "Jürgen’s account — 5h", "Jürgen’s account — 5h", false},
		{"control characters", "a\tb\x00c\nd", "a b c d", false},
		{"body keeps newlines", "a\nb\rc", "a\nb c", true},
		{"cut", strings.Repeat("é", 150), strings.Repeat("é", 99) + "…", false},
	}
	for _, tt := range tests {
		if got := redact(tt.in, maxTitleRunes, tt.multiline); got != tt.want {
			t.Errorf("%s: redact(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}
