package app

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/account"
	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/codex/codextest"
)

// The upstream misbehaves as the real one does; the promise in each test:
// no refresh token spent, no account dropped, nothing the user had lost,
// the user told in one line.

func (w *world) assertNothingSpent(t *testing.T) {
	t.Helper()
	if st := w.auth.Stats(); st.Refreshes != 0 || st.Reuses != 0 || st.RejectedRefresh != 0 {
		t.Errorf("token endpoint stats %+v: a refresh token was spent on an upstream hiccup", st)
	}
}

func (w *world) assertNoneNeedsLogin(t *testing.T) {
	t.Helper()
	for _, a := range w.app.store.Snapshot().Accounts {
		if a.NeedsLogin {
			t.Errorf("%s was marked needs-login (%s)", a.Alias, a.NeedsLoginReason)
		}
	}
}

func TestFetchLimitsSurvivesAHostileUsageEndpoint(t *testing.T) {
	tests := []struct {
		name  string
		fault codextest.UsageFault
		want  error
		line  string // in the error
	}{
		{"CDN challenge", codextest.UsageFault{Status: http.StatusForbidden, HTML: true}, codex.ErrUsageBlocked, "upstream blocked the usage check (CDN challenge)"},
		{"403 without a body", codextest.UsageFault{Status: http.StatusForbidden}, codex.ErrUsageBlocked, "upstream blocked the usage check (HTTP 403)"},
		{"region block", codextest.UsageFault{Status: http.StatusForbidden, Body: `{"error":{"code":"unsupported_country_region_territory"}}`}, codex.ErrUsageBlocked, "unsupported_country_region_territory"},
		{"HTML 502", codextest.UsageFault{Status: http.StatusBadGateway, HTML: true}, nil, "502 Bad Gateway"},
		{"200 garbage", codextest.UsageFault{Body: `{"plan_type":"plus","rate_`}, codex.ErrUsageMalformed, "kept the last good figures"},
		{"200 nonsense", codextest.UsageFault{Body: `{"rate_limit":5}`}, codex.ErrUsageMalformed, "kept the last good figures"},
		{"negative percent", codextest.UsageFault{Body: `{"plan_type":"plus","rate_limit":{"allowed":true,"primary_window":{"used_percent":-40,"limit_window_seconds":18000}}}`}, codex.ErrUsageMalformed, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, alice)
			ctx := context.Background()
			w.backend.SetUsage("ws-alice", 42, 10)
			good, err := w.app.FetchLimits(ctx, w.ids["alice"])
			if err != nil {
				t.Fatal(err)
			}
			w.backend.SetUsageFault(tt.fault, -1)
			_, err = w.app.FetchLimits(ctx, w.ids["alice"])
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("FetchLimits = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.line) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q: want one line saying %q", err, tt.line)
			}
			w.assertNothingSpent(t)
			w.assertNoneNeedsLogin(t)
			a, _ := w.app.store.Resolve("alice")
			if five, _ := a.Usage.Window("5h"); a.Usage == nil || five.UsedPercent != 42 || !a.Usage.FetchedAt.Equal(good.FetchedAt) {
				t.Errorf("alice's figures after the fault: %+v, want the last good ones (42%%)", a.Usage)
			}
			sec, _ := w.app.store.Tokens(ctx, w.ids["alice"])
			if strings.Contains(err.Error(), sec.Access) {
				t.Error("the error holds the access token")
			}
		})
	}
}

// A 403 naming a token error is still a token refusal: one refresh, and the
// account keeps working with the new tokens.
func TestFetchLimitsRefreshesOnATokenError403(t *testing.T) {
	w := newWorld(t, alice)
	ctx := context.Background()
	w.backend.SetUsageFault(codextest.UsageFault{Status: http.StatusForbidden, Body: `{"error":{"code":"token_invalidated"}}`}, 1)
	if _, err := w.app.FetchLimits(ctx, w.ids["alice"]); err != nil {
		t.Fatal(err)
	}
	if st := w.auth.Stats(); st.Refreshes != 1 || st.Reuses != 0 {
		t.Errorf("stats %+v: want one refresh", st)
	}
	w.assertNoneNeedsLogin(t)
}

// The background poller meets a CDN challenge: every account stays, no
// refresh token is spent, the whole poll backs off after one request (not
// one per account), and the account shows one line saying so.
func TestPollerBacksOffOnACDNChallenge(t *testing.T) {
	w := newWorld(t, alice, bob)
	ctx, cancel := context.WithCancel(context.Background())
	w.backend.ChallengeUsage(-1)
	done := make(chan struct{})
	go func() { w.app.pollUsage(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	var blocked account.Account
	waitFor(t, func() bool {
		for _, a := range w.app.store.Snapshot().Accounts {
			if a.LastError != "" {
				blocked = a
				return true
			}
		}
		return false
	})
	const want = "upstream blocked the usage check (CDN challenge); retrying in 5m"
	if blocked.LastError != want {
		t.Errorf("status line %q, want %q", blocked.LastError, want)
	}
	if n := len(w.backend.Requests()); n != 1 {
		t.Errorf("%d usage requests during a block, want 1 (the poll backs off as a whole)", n)
	}
	w.assertNothingSpent(t)
	w.assertNoneNeedsLogin(t)
	if n := len(w.app.store.Snapshot().Accounts); n != 2 {
		t.Errorf("%d accounts left, want 2", n)
	}
	// The check works again: the line goes away with fresh figures.
	w.backend.SetUsageFault(codextest.UsageFault{}, 0)
	if _, err := w.app.FetchLimits(ctx, blocked.ID); err != nil {
		t.Fatal(err)
	}
	if a, _ := w.app.store.Resolve(blocked.ID); a.LastError != "" {
		t.Errorf("status line %q stayed after a good check", a.LastError)
	}
}

// When auth.json is replaced, the replaced account is checked at once; a
// CDN challenge from the token endpoint during that check is not a revoked
// login.
func TestReplacedAccountCheckSurvivesAChallenge(t *testing.T) {
	w := newWorld(t, alice)
	if _, err := w.app.UpdateSettings(func(s *Settings) { s.ProxyEnabled = false }); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := w.app.store.Switch(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { w.app.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	time.Sleep(300 * time.Millisecond) // the watcher arms

	w.auth.SetTokenFault(codextest.TokenHTMLError, http.StatusForbidden, -1)
	if err := codex.WriteLogin(w.app.paths.AuthFile(), w.auth.Issue(bob, time.Hour), time.Now()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return w.auth.Stats().InjectedFailures >= 1 })
	// Refreshes of one account are serialized: this second check returns
	// after the first one has finished.
	if err := w.app.refresh.CheckLogin(ctx, w.ids["alice"], revokedReason); err == nil {
		t.Fatal("the check succeeded through a challenge")
	}
	w.assertNothingSpent(t)
	w.assertNoneNeedsLogin(t)
}
