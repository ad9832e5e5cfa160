package proxy_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/codex/codextest"
	"github.com/quiver-app/quiver/proxy"
)

func TestLimitedFailsOverInvisibly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 2)
	e.backend.SetLimited("acct-a", time.Hour)
	resp, body := e.codex()
	if resp.StatusCode != 200 || streamText(t, body) != "Hello from acct-b" {
		t.Fatalf("client got %d %q, want one clean stream from b", resp.StatusCode, body)
	}
	if n := strings.Count(body, "response.created"); n != 2 { // event: line + type in data
		t.Errorf("client saw %d response.created mentions, want exactly one event", n)
	}
	e.checkLeasesReturned()
	if got := e.kinds(); !slices.Equal(got, []string{"q-a:limited", "q-b:success"}) {
		t.Fatalf("reports = %v", got)
	}
	reset := e.reports()[0].Outcome.ResetAt
	if d := time.Until(reset); d < 55*time.Minute || d > 61*time.Minute {
		t.Errorf("limited reset in %v, want about an hour", d)
	}
	// The pool now knows: the next request goes straight to b.
	e.codex()
	if reqs := e.backend.Requests(); len(reqs) != 3 || reqs[2].AccountID != "acct-b" {
		t.Errorf("second request went to %v", reqs[len(reqs)-1].AccountID)
	}
}

func TestInStreamErrorFailsOverDuringHoldback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		script codextest.Script
		kind   proxy.OutcomeKind
	}{
		{"overloaded response.failed", codextest.Script{ErrorCode: "server_is_overloaded"}, proxy.Failed},
		{"overloaded error event", codextest.Script{ErrorCode: "server_is_overloaded", ErrorEvent: true}, proxy.Failed},
		{"usage limit in stream", codextest.Script{ErrorCode: "usage_limit_reached"}, proxy.Limited},
		{"broken before output", codextest.Script{Drop: true}, proxy.Failed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, 2)
			e.backend.Next("acct-a", tt.script)
			resp, body := e.codex()
			if resp.StatusCode != 200 || streamText(t, body) != "Hello from acct-b" {
				t.Fatalf("client got %d %q", resp.StatusCode, body)
			}
			if strings.Contains(body, "response.failed") || strings.Contains(body, "acct-a") {
				t.Errorf("the failed attempt leaked to the client: %q", body)
			}
			e.checkLeasesReturned()
			if r := e.reports(); len(r) != 2 || r[0].Outcome.Kind != tt.kind || r[1].Outcome.Kind != proxy.Success {
				t.Errorf("reports = %v", e.kinds())
			}
		})
	}
}

func TestErrorAfterFirstBytePassesThrough(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 2)
	e.backend.Next("acct-a", codextest.Script{ErrorCode: "server_is_overloaded", FailAfter: 1})
	resp, body := e.codex()
	if resp.StatusCode != 200 || !strings.Contains(body, "response.failed") || streamText(t, body) != "Hello" {
		t.Fatalf("client got %d %q, want a's partial stream and its error", resp.StatusCode, body)
	}
	if n := len(e.backend.Requests()); n != 1 {
		t.Errorf("backend saw %d requests, want no replay after the first byte", n)
	}
	e.checkLeasesReturned()
	if got := e.kinds(); !slices.Equal(got, []string{"q-a:failed"}) {
		t.Errorf("reports = %v", got)
	}
}

func TestBrokenStreamAfterCommitCutsClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 2)
	e.backend.BreakNextStream("acct-a", 2)
	resp, err := e.client.Do(e.request(context.Background(), "POST", "/backend-api/codex/responses", codexBody))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil {
		t.Fatalf("client read a clean end after a broken upstream: %q", body)
	}
	if !strings.Contains(string(body), `"delta":" from "`) {
		t.Errorf("client did not get the deltas before the break: %q", body)
	}
	e.checkLeasesReturned()
	if got := e.kinds(); !slices.Equal(got, []string{"q-a:failed"}) {
		t.Errorf("reports = %v", got)
	}
}

func TestUnauthorizedRefreshesOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		refreshed string // token Refresh returns; "" makes Refresh fail
		want      string // account whose answer the client gets
		kinds     []string
		upstream  []string
	}{
		{"refresh fixes it", "at-fresh-a", "acct-a",
			[]string{"q-a:unauthorized", "q-a:success"}, []string{"acct-a", "acct-a"}},
		{"refreshed token still refused", "at-stale-a", "acct-b",
			[]string{"q-a:unauthorized", "q-a:unauthorized", "q-b:success"}, []string{"acct-a", "acct-a", "acct-b"}},
		{"refresh fails", "", "acct-b",
			[]string{"q-a:unauthorized", "q-b:success"}, []string{"acct-a", "acct-b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, 2)
			e.backend.SetTokenValid(func(tok string) bool { return tok == "at-fresh-a" || tok == "at-secret-b" })
			var refreshes atomic.Int32
			e.pool.SetRefresh(func(ctx context.Context, id string) (proxy.Lease, error) {
				refreshes.Add(1)
				if tt.refreshed == "" {
					return proxy.Lease{}, errors.New("invalid_grant")
				}
				l := e.leases[0]
				l.AccessToken = tt.refreshed
				return l, nil
			})
			resp, body := e.codex()
			if resp.StatusCode != 200 || streamText(t, body) != "Hello from "+tt.want {
				t.Fatalf("client got %d %q", resp.StatusCode, body)
			}
			if n := refreshes.Load(); n != 1 {
				t.Errorf("refreshed %d times, want once", n)
			}
			var upstream []string
			for _, r := range e.backend.Requests() {
				upstream = append(upstream, r.AccountID)
			}
			if !slices.Equal(upstream, tt.upstream) {
				t.Errorf("upstream saw %v, want %v", upstream, tt.upstream)
			}
			e.checkLeasesReturned()
			if got := e.kinds(); !slices.Equal(got, tt.kinds) {
				t.Errorf("reports = %v, want %v", got, tt.kinds)
			}
		})
	}
}

func TestServerErrorsRetryOnce(t *testing.T) {
	t.Parallel()
	t.Run("one 5xx then success", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, 3)
		e.backend.FailNextStatus("acct-a", 503)
		resp, body := e.codex()
		if resp.StatusCode != 200 || streamText(t, body) != "Hello from acct-b" {
			t.Fatalf("client got %d %q", resp.StatusCode, body)
		}
	})
	t.Run("two 5xx pass the second through", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, 3)
		e.backend.FailNextStatus("acct-a", 503)
		e.backend.FailNextStatus("acct-b", 500)
		resp, body := e.codex()
		if resp.StatusCode != 500 || !strings.Contains(body, "scripted failure") {
			t.Fatalf("client got %d %q, want b's 500", resp.StatusCode, body)
		}
		if n := len(e.backend.Requests()); n != 2 {
			t.Errorf("backend saw %d requests, want 2 (one retry)", n)
		}
		e.checkLeasesReturned()
	})
	t.Run("connection refused then retry budget", func(t *testing.T) {
		t.Parallel()
		dead := newEnv(t, 2, func(c *proxy.Config) { c.Upstream = "http://127.0.0.1:1/backend-api" })
		resp, body := dead.codex()
		if resp.StatusCode != http.StatusBadGateway || !strings.Contains(body, "upstream_unreachable") {
			t.Fatalf("client got %d %q", resp.StatusCode, body)
		}
		dead.checkLeasesReturned()
		if got := dead.kinds(); !slices.Equal(got, []string{"q-a:failed", "q-b:failed"}) {
			t.Errorf("reports = %v", got)
		}
	})
	t.Run("single account 5xx passes through", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, 1)
		e.backend.FailNextStatus("acct-a", 502)
		resp, _ := e.codex()
		if resp.StatusCode != 502 {
			t.Fatalf("client got %d, want the upstream's 502", resp.StatusCode)
		}
	})
}

func TestAllLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 3)
	e.backend.SetLimited("acct-a", 3*time.Hour)
	e.backend.SetLimited("acct-b", time.Hour)
	e.backend.SetLimited("acct-c", 2*time.Hour)
	for round := range 2 { // the first learns from upstream, the second from the pool
		resp, body := e.codex()
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("round %d: status %d %q", round, resp.StatusCode, body)
		}
		var got struct {
			Error struct {
				Type            string `json:"type"`
				Message         string `json:"message"`
				ResetsAt        int64  `json:"resets_at"`
				ResetsInSeconds int64  `json:"resets_in_seconds"`
			} `json:"error"`
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("round %d: body %q: %v", round, body, err)
		}
		if got.Error.Type != "usage_limit_reached" || got.Error.Message == "" {
			t.Errorf("round %d: error = %+v", round, got.Error)
		}
		if s := got.Error.ResetsInSeconds; s < 3500 || s > 3610 {
			t.Errorf("round %d: resets_in_seconds = %d, want b's hour", round, s)
		}
		if d := time.Until(time.Unix(got.Error.ResetsAt, 0)); d < 58*time.Minute || d > 61*time.Minute {
			t.Errorf("round %d: resets_at in %v", round, d)
		}
		ra, err := strconv.Atoi(resp.Header.Get("Retry-After"))
		if err != nil || ra < 3500 || ra > 3610 {
			t.Errorf("round %d: Retry-After = %q", round, resp.Header.Get("Retry-After"))
		}
	}
	if n := len(e.backend.Requests()); n != 3 {
		t.Errorf("backend saw %d requests, want 3 (second round answered from cooldowns)", n)
	}
	e.checkLeasesReturned()
}

func TestNoAccounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 0)
	resp, body := e.codex()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "no_accounts") {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
}

func TestSessionAffinity(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 3)
	send := func(hdr ...string) string {
		resp, body := e.codex(hdr...)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		return strings.TrimPrefix(streamText(t, body), "Hello from ")
	}
	first := send("Session_id", "s1")
	for range 3 {
		if got := send("Session_id", "s1"); got != first {
			t.Fatalf("session s1 moved from %s to %s", first, got)
		}
		send() // a request of no session moves the round robin on
	}
	if got := send("Session-Id", "s1"); got != first {
		t.Errorf("session-id spelling moved to %s", got)
	}
	// prompt_cache_key in the body counts as the session too.
	body := strings.Replace(codexBody, `"stream":true`, `"stream":true,"prompt_cache_key":"pk-1"`, 1)
	pick := func() string {
		resp, b := e.do(e.request(context.Background(), "POST", "/backend-api/codex/responses", body))
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		return streamText(t, b)
	}
	p1 := pick()
	send()
	if p2 := pick(); p2 != p1 {
		t.Errorf("prompt_cache_key moved from %q to %q", p1, p2)
	}
	// A limited account lets its session go elsewhere.
	e.backend.SetLimited(first, time.Hour)
	if got := send("Session_id", "s1"); got == first {
		t.Errorf("session stayed on limited %s", first)
	}
}

func TestTurnStatePinsAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 3)
	resp, body := e.codex()
	turn := resp.Header.Get("X-Codex-Turn-State")
	owner := strings.TrimPrefix(streamText(t, body), "Hello from ")
	if turn == "" {
		t.Fatal("no turn state issued")
	}
	for range 3 {
		resp, body := e.codex("X-Codex-Turn-State", turn)
		if got := strings.TrimPrefix(streamText(t, body), "Hello from "); resp.StatusCode != 200 || got != owner {
			t.Fatalf("turn state went to %s (%d), want %s", got, resp.StatusCode, owner)
		}
	}
	// When the issuing account is limited, the request moves and the turn
	// state (meaningless to another account) is dropped, not refused.
	e.backend.SetLimited(owner, time.Hour)
	resp, body = e.codex("X-Codex-Turn-State", turn)
	if resp.StatusCode != 200 || strings.Contains(body, owner) {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
	reqs := e.backend.Requests()
	if last := reqs[len(reqs)-1]; last.Header.Get("X-Codex-Turn-State") != "" {
		t.Errorf("another account got the turn state: %+v", last.AccountID)
	}
}

func TestClientDisconnectCancelsUpstream(t *testing.T) {
	t.Parallel()
	for _, phase := range []struct {
		name   string
		script codextest.Script
	}{
		{"after output", codextest.Script{Hang: true, FailAfter: 1}},
		{"during holdback", codextest.Script{Hang: true}},
	} {
		t.Run(phase.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, 1, func(c *proxy.Config) { c.Holdback.Wait = 50 * time.Millisecond })
			e.backend.Next("acct-a", phase.script)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			resp, err := e.client.Do(e.request(ctx, "POST", "/backend-api/codex/responses", codexBody))
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 64)
			if _, err := resp.Body.Read(buf); err != nil {
				t.Fatalf("reading the first bytes: %v", err)
			}
			cancel()
			resp.Body.Close()
			waitFor(t, "the backend to see the cancel", func() bool { return e.backend.Canceled() == 1 })
			e.checkLeasesReturned()
			if got := e.kinds(); !slices.Equal(got, []string{"q-a:canceled"}) {
				t.Errorf("reports = %v", got)
			}
		})
	}
}

func TestHoldbackTimeCommits(t *testing.T) {
	t.Parallel()
	// A stream that says nothing after its first events is committed when
	// the holdback's time is up: the client gets headers while it waits.
	e := newEnv(t, 2, func(c *proxy.Config) { c.Holdback.Wait = 20 * time.Millisecond })
	e.backend.Next("acct-a", codextest.Script{Hang: true})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp, err := e.client.Do(e.request(ctx, "POST", "/backend-api/codex/responses", codexBody))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("got %d %v", resp.StatusCode, resp.Header)
	}
	buf := make([]byte, 4096)
	n, _ := resp.Body.Read(buf)
	if !strings.Contains(string(buf[:n]), "response.created") {
		t.Errorf("held events not released: %q", buf[:n])
	}
}

func TestHoldbackEventBound(t *testing.T) {
	t.Parallel()
	// With a bound of 2 events, an in-stream error that comes third is
	// already past the point of no return: it reaches the client.
	e := newEnv(t, 2, func(c *proxy.Config) { c.Holdback.Events = 2 })
	e.backend.Next("acct-a", codextest.Script{ErrorCode: "server_is_overloaded"})
	resp, body := e.codex()
	if resp.StatusCode != 200 || !strings.Contains(body, "server_is_overloaded") {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
	if n := len(e.backend.Requests()); n != 1 {
		t.Errorf("backend saw %d requests", n)
	}
}

func TestStatusEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 2)
	e.backend.SetLimited("acct-a", time.Hour)
	e.codex()
	resp, body := e.do(e.request(context.Background(), "GET", "/quiver/status", ""))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var st struct {
		Requests  int64                 `json:"requests"`
		Failovers int64                 `json:"failovers"`
		Accounts  []proxy.AccountStatus `json:"accounts"`
	}
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if st.Requests != 1 || st.Failovers != 1 || len(st.Accounts) != 2 {
		t.Fatalf("status = %s", body)
	}
	a := st.Accounts[0]
	if a.AccountID != "q-a" || a.Label != "alias-a" || time.Until(a.CooldownUntil) < 50*time.Minute || a.Leases != 1 || a.LastStatus != 429 {
		t.Errorf("account a = %+v", a)
	}
	if strings.Contains(body, "at-secret") {
		t.Error("status leaks a token")
	}
	resp, body = e.do(e.request(context.Background(), "GET", "/healthz", ""))
	if resp.StatusCode != 200 || strings.Contains(body, "acct") || strings.Contains(body, "q-a") {
		t.Errorf("healthz = %d %q", resp.StatusCode, body)
	}
}

func TestLeaseNeverPrintsToken(t *testing.T) {
	t.Parallel()
	l := proxy.Lease{AccountID: "q-a", Label: "work", AccessToken: "at-secret-x"}
	for _, s := range []string{l.String(), l.GoString(), strings.Join([]string{fmtV(l), fmtPlusV(l), fmtSharpV(l)}, " ")} {
		if strings.Contains(s, "at-secret") {
			t.Errorf("lease printed its token: %s", s)
		}
	}
}
