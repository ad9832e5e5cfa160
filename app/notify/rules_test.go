package notify

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// t0 is a Monday, 09:00 UTC; the fake clock's location is UTC.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

type sent struct{ title, body string }

type recordingSender struct {
	mu   sync.Mutex
	sent []sent
	err  error
}

func (s *recordingSender) Send(title, body string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, sent{title, body})
	return s.err
}

// take returns what was sent since the last take.
func (s *recordingSender) take() []sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.sent
	s.sent = nil
	return out
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// manualTimer replaces time.AfterFunc: the test fires it.
type manualTimer struct {
	mu      sync.Mutex
	pending []func()
	stopped int
	delays  []time.Duration
}

func (m *manualTimer) afterFunc(d time.Duration, f func()) func() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.delays = append(m.delays, d)
	m.pending = append(m.pending, f)
	return func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.stopped++
		return true
	}
}

func (m *manualTimer) fire() {
	m.mu.Lock()
	fs := m.pending
	m.pending = nil
	m.mu.Unlock()
	for _, f := range fs {
		f()
	}
}

func newTestRules(s Settings) (*Rules, *recordingSender, *fakeClock, *manualTimer) {
	snd := &recordingSender{}
	clk := &fakeClock{now: t0}
	r := NewRules(snd, s, nil, clk.Now)
	mt := &manualTimer{}
	r.afterFunc = mt.afterFunc
	return r, snd, clk, mt
}

func acct(id string, windows ...Window) AccountView {
	return AccountView{ID: id, Label: id, Windows: windows}
}

func fiveHour(used float64, reset time.Duration) Window {
	return Window{Name: "5h", UsedPercent: used, ResetAt: t0.Add(reset)}
}

func weekly(used float64, reset time.Duration) Window {
	return Window{Name: "weekly", UsedPercent: used, ResetAt: t0.Add(reset)}
}

func limited(a AccountView, until time.Duration) AccountView {
	a.Limited = true
	a.LimitedUntil = t0.Add(until)
	return a
}

func limitedUnknown(a AccountView) AccountView {
	a.Limited = true
	return a
}

func needsLogin(a AccountView, reason string) AccountView {
	a.NeedsLogin = true
	a.NeedsLoginReason = reason
	return a
}

func disabled(a AccountView) AccountView {
	a.Disabled = true
	return a
}

// step is one moment of a scenario: the clock moves to t0+at, then the
// settings change and/or a snapshot is observed, and exactly want is sent.
type step struct {
	at       time.Duration
	settings *Settings
	observe  []AccountView
	want     []sent
}

func TestRulesScenarios(t *testing.T) {
	t.Parallel()
	h := time.Hour
	tests := []struct {
		name     string
		settings Settings
		steps    []step
	}{
		{
			name: "ok, warn, limited, reset, next window",
			steps: []step{
				{at: 0, observe: []AccountView{acct("work", fiveHour(10, 5*h))}},
				{at: 1 * h, observe: []AccountView{acct("work", fiveHour(81, 5*h))},
					want: []sent{{"work: 81% of the 5-hour limit used", "Resets at 14:00 (in 4h 0m)."}}},
				{at: 1*h + 10*time.Minute, observe: []AccountView{acct("work", fiveHour(81, 5*h))}},
				{at: 1*h + 20*time.Minute, observe: []AccountView{acct("work", fiveHour(79, 5*h))}},
				// The same window, its reset time drifting by seconds.
				{at: 1*h + 30*time.Minute, observe: []AccountView{acct("work", fiveHour(85, 5*h+3*time.Second))}},
				{at: 2 * h, observe: []AccountView{limited(acct("work", fiveHour(100, 5*h)), 5*h)},
					want: []sent{{"work hit its 5-hour limit", "Available again at 14:00 (in 3h 0m)."}}},
				{at: 3 * h, observe: []AccountView{limited(acct("work", fiveHour(100, 5*h)), 5*h)}},
				{at: 5*h + time.Minute, observe: []AccountView{acct("work", fiveHour(0, 10*h))},
					want: []sent{{"work is available again", "Its 5-hour limit has reset."}}},
				{at: 6 * h, observe: []AccountView{acct("work", fiveHour(82, 10*h))},
					want: []sent{{"work: 82% of the 5-hour limit used", "Resets at 19:00 (in 4h 0m)."}}},
			},
		},
		{
			name: "first snapshot is a baseline except for a needed login",
			steps: []step{
				{at: 0, observe: []AccountView{
					limited(acct("a", fiveHour(100, 2*h)), 2*h),
					acct("b", fiveHour(90, 3*h)),
					needsLogin(acct("c"), "the refresh token was already used"),
				}, want: []sent{{"c needs a new login", "the refresh token was already used. Sign in to it again from Quiver."}}},
				{at: h, observe: []AccountView{
					limited(acct("a", fiveHour(100, 2*h)), 2*h),
					acct("b", fiveHour(95, 3*h)),
					needsLogin(acct("c"), "the refresh token was already used"),
				}},
				// c signs in again, and later loses it again: news again.
				{at: 90 * time.Minute, observe: []AccountView{acct("a", fiveHour(0, 7*h)), acct("b", fiveHour(95, 3*h)), acct("c")},
					want: []sent{{"a is available again", "Its 5-hour limit has reset."}}},
				{at: 2 * h, observe: []AccountView{acct("a", fiveHour(0, 7*h)), acct("b", fiveHour(95, 3*h)), needsLogin(acct("c"), "")},
					want: []sent{{"c needs a new login", "Sign in to it again from Quiver."}}},
			},
		},
		{
			name: "every account limited, with the earliest reset",
			steps: []step{
				{at: 0, observe: []AccountView{acct("work", fiveHour(50, 5*h)), acct("home", weekly(50, 50*h))}},
				{at: h, observe: []AccountView{limited(acct("work", fiveHour(100, 5*h)), 5*h), acct("home", weekly(50, 50*h))},
					want: []sent{{"work hit its 5-hour limit", "Available again at 14:00 (in 4h 0m)."}}},
				// home's limit is later; the earliest is work's. One message, not two.
				{at: 2 * h, observe: []AccountView{
					limited(acct("work", fiveHour(100, 5*h)), 5*h),
					limited(acct("home", weekly(100, 50*h)), 50*h),
				}, want: []sent{{"Every account is limited", "Earliest reset: work at 14:00 (in 3h 0m)."}}},
				{at: 3 * h, observe: []AccountView{
					limited(acct("work", fiveHour(100, 5*h)), 5*h),
					limited(acct("home", weekly(100, 50*h)), 50*h),
				}},
				{at: 5 * h, observe: []AccountView{
					acct("work", fiveHour(0, 10*h)),
					limited(acct("home", weekly(100, 50*h)), 50*h),
				}, want: []sent{{"work is available again", "Its 5-hour limit has reset."}}},
			},
		},
		{
			name: "accounts needing a login do not count as usable",
			steps: []step{
				{at: 0, observe: []AccountView{acct("a"), needsLogin(acct("b"), "signed out")},
					want: []sent{{"b needs a new login", "signed out. Sign in to it again from Quiver."}}},
				{at: h, observe: []AccountView{limited(acct("a"), 26*h), needsLogin(acct("b"), "signed out")},
					want: []sent{{"Every account is limited", "Earliest reset: a at Tue 11:00 (in 1d 1h)."}}},
			},
		},
		{
			name: "every account limited at start is a baseline",
			steps: []step{
				{at: 0, observe: []AccountView{limited(acct("a"), 2*h), limited(acct("b"), 3*h)}},
				{at: h, observe: []AccountView{limited(acct("a"), 2*h), limited(acct("b"), 3*h)}},
			},
		},
		{
			name:     "muted sends nothing and keeps no backlog",
			settings: Settings{Muted: true},
			steps: []step{
				{at: 0, observe: []AccountView{acct("a", fiveHour(10, 5*h))}},
				{at: h, observe: []AccountView{acct("a", fiveHour(85, 5*h)), needsLogin(acct("b"), "x")}},
				{at: 2 * h, settings: &Settings{}, observe: []AccountView{acct("a", fiveHour(90, 5*h)), needsLogin(acct("b"), "x")}},
				// b needs a login, so a was the last usable account.
				{at: 3 * h, observe: []AccountView{limited(acct("a", fiveHour(100, 5*h)), 5*h), needsLogin(acct("b"), "x")},
					want: []sent{{"Every account is limited", "Earliest reset: a at 14:00 (in 2h 0m)."}}},
			},
		},
		{
			name: "threshold change takes current usage as the baseline",
			steps: []step{
				{at: 0, observe: []AccountView{acct("a", fiveHour(60, 5*h))}},
				{at: h, settings: &Settings{WarnPercent: 50}, observe: []AccountView{acct("a", fiveHour(65, 5*h))}},
				{at: 2 * h, settings: &Settings{WarnPercent: 90}, observe: []AccountView{acct("a", fiveHour(85, 5*h))}},
				{at: 3 * h, observe: []AccountView{acct("a", fiveHour(91, 5*h))},
					want: []sent{{"a: 91% of the 5-hour limit used", "Resets at 14:00 (in 2h 0m)."}}},
				{at: 4 * h, settings: &Settings{WarnPercent: 95}, observe: []AccountView{acct("a", fiveHour(96, 5*h))},
					want: []sent{{"a: 96% of the 5-hour limit used", "Resets at 14:00 (in 1h 0m)."}}},
			},
		},
		{
			name:     "threshold out of range means the default",
			settings: Settings{WarnPercent: 150},
			steps: []step{
				{at: 0, observe: []AccountView{acct("a", fiveHour(10, 5*h))}},
				{at: h, observe: []AccountView{acct("a", fiveHour(80, 5*h))},
					want: []sent{{"a: 80% of the 5-hour limit used", "Resets at 14:00 (in 4h 0m)."}}},
			},
		},
		{
			name: "disabled accounts are silent and not part of the pool",
			steps: []step{
				{at: 0, observe: []AccountView{acct("a", fiveHour(10, 5*h)), acct("b"), disabled(acct("off"))}},
				{at: h, observe: []AccountView{
					acct("a", fiveHour(10, 5*h)), acct("b"),
					disabled(needsLogin(limited(acct("off", fiveHour(100, 2*h)), 2*h), "gone")),
				}},
				{at: 2 * h, observe: []AccountView{
					limited(acct("a", fiveHour(100, 5*h)), 5*h),
					limited(acct("b"), 6*h),
					disabled(limited(acct("off"), 3*h)),
				}, want: []sent{{"Every account is limited", "Earliest reset: a at 14:00 (in 3h 0m)."}}},
			},
		},
		{
			name: "a new account is a baseline of its own",
			steps: []step{
				{at: 0, observe: []AccountView{acct("a", fiveHour(10, 5*h))}},
				{at: h, observe: []AccountView{acct("a", fiveHour(10, 5*h)), acct("new", fiveHour(90, 5*h), weekly(99, 90*h))}},
				{at: 2 * h, observe: []AccountView{acct("a", fiveHour(10, 5*h)), acct("new", fiveHour(95, 5*h), weekly(99, 90*h))}},
				// Removed and added back: a baseline again.
				{at: 3 * h, observe: []AccountView{acct("a", fiveHour(10, 5*h))}},
				{at: 4 * h, observe: []AccountView{acct("a", fiveHour(10, 5*h)), acct("new", fiveHour(95, 5*h))}},
			},
		},
		{
			name: "a limit that flaps before its reset is reported once",
			steps: []step{
				{at: 0, observe: []AccountView{acct("a", fiveHour(10, 5*h)), acct("b")}},
				{at: h, observe: []AccountView{limited(acct("a"), 4*h), acct("b")},
					want: []sent{{"a hit its usage limit", "Available again at 13:00 (in 3h 0m)."}}},
				{at: h + 5*time.Minute, observe: []AccountView{acct("a"), acct("b")},
					want: []sent{{"a is available again", "Its usage limit has reset."}}},
				{at: h + 10*time.Minute, observe: []AccountView{limited(acct("a"), 4*h), acct("b")}},
				// The next limit, after the reset time, is news.
				{at: 5 * h, observe: []AccountView{acct("a"), acct("b")},
					want: []sent{{"a is available again", "Its usage limit has reset."}}},
				{at: 6 * h, observe: []AccountView{limited(acct("a"), 11*h), acct("b")},
					want: []sent{{"a hit its usage limit", "Available again at 20:00 (in 5h 0m)."}}},
			},
		},
		{
			name: "unknown reset times",
			steps: []step{
				{at: 0, observe: []AccountView{acct("a", Window{Name: "weekly", UsedPercent: 10}), acct("b")}},
				{at: h, observe: []AccountView{acct("a", Window{Name: "weekly", UsedPercent: 85}), acct("b")},
					want: []sent{{"a: 85% of the weekly limit used", "Reset time unknown."}}},
				{at: 2 * h, observe: []AccountView{acct("a", Window{Name: "weekly", UsedPercent: 88}), acct("b")}},
				{at: 3 * h, observe: []AccountView{acct("a", Window{Name: "weekly", UsedPercent: 100}), acct("b")},
					want: []sent{{"a hit its weekly limit", "Reset time unknown."}}},
				{at: 4 * h, observe: []AccountView{limitedUnknown(acct("a")), limitedUnknown(acct("b"))},
					want: []sent{{"Every account is limited", "No reset time is known yet."}}},
				{at: 5 * h, observe: []AccountView{limitedUnknown(acct("a")), limitedUnknown(acct("b"))}},
			},
		},
		{
			name: "a burst becomes one summary",
			steps: []step{
				{at: 0, observe: []AccountView{
					needsLogin(acct("a"), ""), needsLogin(acct("b"), ""), needsLogin(acct("c"), ""), needsLogin(acct("d"), ""),
				}, want: []sent{{"4 account updates", "a needs a new login\nb needs a new login\nc needs a new login\nd needs a new login"}}},
			},
		},
		{
			name: "a window not in the snapshot keeps its state",
			steps: []step{
				{at: 0, observe: []AccountView{acct("a", fiveHour(85, 5*h), weekly(10, 90*h))}},
				{at: h, observe: []AccountView{acct("a", weekly(20, 90*h))}},
				{at: 2 * h, observe: []AccountView{acct("a", fiveHour(86, 5*h), weekly(20, 90*h))}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, snd, clk, _ := newTestRules(tt.settings)
			for i, s := range tt.steps {
				clk.set(t0.Add(s.at))
				if s.settings != nil {
					r.SetSettings(*s.settings)
				}
				if s.observe != nil {
					r.Observe(s.observe)
				}
				if got := snd.take(); !slices.Equal(got, s.want) {
					t.Fatalf("step %d (t0+%v): sent %q, want %q", i, s.at, got, s.want)
				}
			}
		})
	}
}

func TestRulesRotations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		muted     bool
		rotations [][3]string
		want      []sent
	}{
		{"one", false, [][3]string{{"work", "home", "usage limit reached"}},
			[]sent{{"Rotated to home", "Moved from work to home: usage limit reached."}}},
		{"one without a reason", false, [][3]string{{"work", "home", ""}},
			[]sent{{"Rotated to home", "Moved from work to home."}}},
		{"several coalesce", false, [][3]string{{"a", "b", "limit"}, {"b", "c", "limit"}, {"c", "d", "401"}},
			[]sent{{"Rotated 3 times", "Rotated 3 times; now on d."}}},
		{"muted", true, [][3]string{{"a", "b", "limit"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, snd, _, mt := newTestRules(Settings{Muted: tt.muted})
			for _, rot := range tt.rotations {
				r.Rotated(rot[0], rot[1], rot[2])
			}
			if got := snd.take(); len(got) != 0 {
				t.Fatalf("sent %q before the coalescing window ended", got)
			}
			mt.fire()
			if got := snd.take(); !slices.Equal(got, tt.want) {
				t.Fatalf("sent %q, want %q", got, tt.want)
			}
			if n := len(mt.delays); (n == 0) != tt.muted || (n > 1) {
				t.Fatalf("started %d timers for %d rotations", n, len(tt.rotations))
			}
			for _, d := range mt.delays {
				if d != RotationCoalesceWindow {
					t.Fatalf("timer of %v, want %v", d, RotationCoalesceWindow)
				}
			}
		})
	}
}

func TestRulesRotationWindowsFollowEachOther(t *testing.T) {
	t.Parallel()
	r, snd, _, mt := newTestRules(Settings{})
	r.Rotated("a", "b", "limit")
	mt.fire()
	r.Rotated("b", "c", "limit")
	r.Rotated("c", "a", "limit")
	mt.fire()
	want := []sent{{"Rotated to b", "Moved from a to b: limit."}, {"Rotated 2 times", "Rotated 2 times; now on a."}}
	if got := snd.take(); !slices.Equal(got, want) {
		t.Fatalf("sent %q, want %q", got, want)
	}
}

func TestRulesMutedWhileRotationsPending(t *testing.T) {
	t.Parallel()
	r, snd, _, mt := newTestRules(Settings{})
	r.Rotated("a", "b", "limit")
	r.SetSettings(Settings{Muted: true})
	mt.fire()
	if got := snd.take(); len(got) != 0 {
		t.Fatalf("sent %q while muted", got)
	}
}

func TestRulesClose(t *testing.T) {
	t.Parallel()
	r, snd, clk, mt := newTestRules(Settings{})
	r.Observe([]AccountView{acct("a", fiveHour(10, 5*time.Hour))})
	r.Rotated("a", "b", "limit")
	r.Close()
	r.Close()
	if mt.stopped != 1 {
		t.Fatalf("Close stopped %d timers, want 1", mt.stopped)
	}
	mt.fire() // a timer that fired anyway
	r.Rotated("b", "c", "limit")
	clk.set(t0.Add(time.Hour))
	r.Observe([]AccountView{acct("a", fiveHour(90, 5*time.Hour))})
	if got := snd.take(); len(got) != 0 {
		t.Fatalf("sent %q after Close", got)
	}
}

func TestRulesLogsSendErrorsAndGoesOn(t *testing.T) {
	t.Parallel()
	snd := &recordingSender{err: errors.New("no notification server")}
	var logs bytes.Buffer
	clk := &fakeClock{now: t0}
	r := NewRules(snd, Settings{}, slog.New(slog.NewTextHandler(&logs, nil)), clk.Now)
	r.Observe([]AccountView{needsLogin(acct("a"), ""), needsLogin(acct("b"), "")})
	if got := snd.take(); len(got) != 2 {
		t.Fatalf("sent %d notifications, want 2 (a failure must not stop the next)", len(got))
	}
	if !strings.Contains(logs.String(), "no notification server") {
		t.Fatalf("log does not say why sending failed:\n%s", logs.String())
	}
}

func TestRulesNeverShowSecrets(t *testing.T) {
	t.Parallel()
	jwt := "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJlbWFpbCI6ImFAYi5jIiwiZXhwIjoxNzAwMDAwMDAwfQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
	refresh := "rt_Xk3vQ9pLm2Zt7Rw1Yb8Nc4Df6Gh0Js5"
	key := "qk-0123456789abcdef0123456789abcdef"
	secrets := []string{jwt, refresh, key, "c2lnbmF0dXJl"}

	r, snd, clk, mt := newTestRules(Settings{})
	leaky := func(a AccountView) AccountView {
		a.Label = "work " + refresh
		return a
	}
	r.Observe([]AccountView{
		leaky(acct("a", fiveHour(10, 5*time.Hour))),
		needsLogin(acct("b"), fmt.Sprintf(`refresh failed: {"refresh_token":%q,"id_token":%q}`, refresh, jwt)),
	})
	clk.set(t0.Add(time.Hour))
	r.Observe([]AccountView{
		leaky(acct("a", fiveHour(85, 5*time.Hour))),
		needsLogin(acct("b"), "Authorization: Bearer "+key),
	})
	clk.set(t0.Add(2 * time.Hour))
	r.Observe([]AccountView{leaky(limited(acct("a"), 5*time.Hour)), needsLogin(acct("b"), "")})
	r.Rotated("work "+key, jwt, "upstream said "+refresh)
	mt.fire()

	got := snd.take()
	if len(got) != 4 {
		t.Fatalf("sent %d notifications, want 4: %q", len(got), got)
	}
	for _, m := range got {
		for _, s := range secrets {
			if strings.Contains(m.title, s) || strings.Contains(m.body, s) {
				t.Errorf("notification %q / %q shows a secret", m.title, m.body)
			}
		}
	}
	if !strings.Contains(got[0].title, "needs a new login") || !strings.Contains(got[0].body, "refresh failed") {
		t.Errorf("redaction removed the message itself: %q", got[0])
	}
}

func TestRulesConcurrentUse(t *testing.T) {
	t.Parallel()
	snd := &recordingSender{}
	r := NewRules(snd, Settings{}, nil, nil)
	defer r.Close()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 50 {
				r.Observe([]AccountView{acct("a", fiveHour(float64(j*2), time.Hour))})
				r.Rotated("a", "b", "limit")
				r.SetSettings(Settings{WarnPercent: float64(50 + i*10)})
			}
		})
	}
	wg.Wait()
}
