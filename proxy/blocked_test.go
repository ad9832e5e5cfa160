package proxy_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/codex/codextest"
	"github.com/quiver-app/quiver/proxy"
)

// withClassifier wires the app's refusal classifier, as app/proxyrun.go does.
func withClassifier(c *proxy.Config) {
	c.Blocked = func(status int, h http.Header, body []byte) bool {
		return codex.ClassifyRefusal(status, h, body) == codex.Blocked
	}
}

// countRefreshes makes the pool's Refresh count its calls (and fail, so a
// refresh that should not happen cannot hide behind a working one).
func (e *env) countRefreshes() *atomic.Int32 {
	var n atomic.Int32
	e.pool.SetRefresh(func(ctx context.Context, id string) (proxy.Lease, error) {
		n.Add(1)
		return proxy.Lease{}, errors.New("refresh must not happen")
	})
	return &n
}

func TestBlocked403FailsOverWithoutRefresh(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		script codextest.Script
	}{
		{"cdn challenge", codextest.Script{Challenge: true}},
		{"403 html page", codextest.Script{Status: 403, HTML: true}},
		{"403 without a body", codextest.Script{Status: 403, Bare: true}},
		{"403 region block", codextest.Script{Status: 403, ErrorCode: "unsupported_country_region_territory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, 2, withClassifier)
			refreshes := e.countRefreshes()
			e.backend.Next("acct-a", tt.script)
			resp, body := e.codex()
			if resp.StatusCode != 200 || streamText(t, body) != "Hello from acct-b" {
				t.Fatalf("client got %d %q, want b's turn", resp.StatusCode, body)
			}
			if n := refreshes.Load(); n != 0 {
				t.Errorf("%d refreshes spent on a 403 that is not a token error", n)
			}
			e.checkLeasesReturned()
			if got := e.kinds(); !slices.Equal(got, []string{"q-a:blocked", "q-b:success"}) {
				t.Fatalf("reports = %v", got)
			}
			o := e.reports()[0].Outcome
			if d := time.Until(o.ResetAt); d <= 0 || d > proxy.DefaultBlockedBackoff {
				t.Errorf("back-off until %v (in %v), want a short one", o.ResetAt, d)
			}
			if o.Err == nil || strings.Contains(o.Err.Error(), "<") {
				t.Errorf("outcome error %v: want a reason without the page", o.Err)
			}
			// a rests: the next request goes straight to b.
			e.codex()
			if reqs := e.backend.Requests(); len(reqs) != 3 || reqs[2].AccountID != "acct-b" {
				t.Errorf("the next request went to %s, want b while a backs off", reqs[len(reqs)-1].AccountID)
			}
		})
	}
}

func TestTokenError403StillRefreshes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 2, withClassifier)
	refreshes := e.countRefreshes()
	e.backend.Next("acct-a", codextest.Script{Status: 403, ErrorCode: "token_expired"})
	resp, body := e.codex()
	if resp.StatusCode != 200 || streamText(t, body) != "Hello from acct-b" {
		t.Fatalf("client got %d %q", resp.StatusCode, body)
	}
	if n := refreshes.Load(); n != 1 {
		t.Errorf("%d refreshes after a 403 naming token_expired, want 1", n)
	}
	e.checkLeasesReturned()
	if got := e.kinds(); !slices.Equal(got, []string{"q-a:unauthorized", "q-b:success"}) {
		t.Errorf("reports = %v", got)
	}
}

func TestEveryAccountBlocked(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 2, withClassifier)
	refreshes := e.countRefreshes()
	e.backend.Next("acct-a", codextest.Script{Challenge: true})
	e.backend.Next("acct-b", codextest.Script{Challenge: true})
	for round := range 2 { // the first learns from upstream, the second from the pool
		resp, body := e.codex()
		var got struct {
			Error struct {
				Type, Code, Message string
			} `json:"error"`
		}
		if resp.StatusCode != http.StatusForbidden || json.Unmarshal([]byte(body), &got) != nil {
			t.Fatalf("round %d: client got %d %q, want a JSON 403", round, resp.StatusCode, body)
		}
		if got.Error.Type != "upstream_blocked" || !strings.Contains(got.Error.Message, "CDN challenge") ||
			strings.Contains(body, "Just a moment") || strings.Contains(body, "usage_limit") {
			t.Errorf("round %d: error %+v", round, got.Error)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" || resp.Header.Get("Cf-Mitigated") != "" {
			t.Errorf("round %d: headers %v", round, resp.Header)
		}
		if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra <= 0 || ra > 60 {
			t.Errorf("round %d: Retry-After %q", round, resp.Header.Get("Retry-After"))
		}
	}
	if n := len(e.backend.Requests()); n != 2 {
		t.Errorf("backend saw %d requests, want 2 (the second round answered from the back-offs)", n)
	}
	if n := refreshes.Load(); n != 0 {
		t.Errorf("%d refreshes spent", n)
	}
	e.checkLeasesReturned()
}
