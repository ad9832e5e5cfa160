package codex_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/codex/codextest"
)

const plusUsageBody = `{"plan_type":"plus","rate_limit":{"allowed":true,"limit_reached":false,
	"primary_window":{"used_percent":42,"limit_window_seconds":18000,"reset_after_seconds":3600,"reset_at":4102444800},
	"secondary_window":{"used_percent":10,"limit_window_seconds":604800,"reset_after_seconds":86400}},
	"credits":{"has_credits":false,"unlimited":false,"balance":"0"}}`

// usageServer is a fake ChatGPT backend on 127.0.0.1 that answers each path
// with a fixed status and body and records the requests it saw.
type usageServer struct {
	*httptest.Server
	mu   sync.Mutex
	seen []*http.Request
}

type usageReply struct {
	status int
	body   string
}

func newUsageServer(t *testing.T, replies map[string]usageReply) *usageServer {
	t.Helper()
	s := &usageServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.seen = append(s.seen, r.Clone(context.Background()))
		s.mu.Unlock()
		rep, ok := replies[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rep.status)
		_, _ = w.Write([]byte(rep.body))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *usageServer) request(i int) *http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen[i]
}

func (s *usageServer) paths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var p []string
	for _, r := range s.seen {
		p = append(p, r.URL.Path)
	}
	return p
}

func TestFetchSendsCodexHeaders(t *testing.T) {
	t.Parallel()
	srv := newUsageServer(t, map[string]usageReply{"/backend-api/wham/usage": {200, plusUsageBody}})
	token := codextest.MintJWT(codextest.Identity{Email: "a@example.com", AccountID: "acc-1", UserID: "user-1"}, time.Now().Add(time.Hour))
	c := codex.UsageClient{BaseURL: srv.URL + "/backend-api/", HTTPClient: srv.Client()}

	u, err := c.Fetch(context.Background(), token, "acc-1")
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if w, ok := u.Window(codex.FiveHour); !ok || w.UsedPercent != 42 || !w.ResetAt.Equal(time.Unix(4102444800, 0)) {
		t.Errorf("5h window = %+v, %v", w, ok)
	}
	if w, ok := u.Window(codex.Weekly); !ok || w.UsedPercent != 10 {
		t.Errorf("weekly window = %+v, %v", w, ok)
	}
	if u.Plan != "plus" || u.FetchedAt.IsZero() {
		t.Errorf("plan %q fetched %v", u.Plan, u.FetchedAt)
	}

	if got := srv.paths(); len(got) != 1 {
		t.Fatalf("requests %v, want one", got)
	}
	r := srv.request(0)
	if r.Method != http.MethodGet {
		t.Errorf("method %s", r.Method)
	}
	for name, want := range map[string]string{
		"Authorization":      "Bearer " + token,
		"ChatGPT-Account-Id": "acc-1",
		"originator":         "codex_cli_rs",
	} {
		if got := r.Header.Get(name); got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
	ua := regexp.MustCompile(`^codex_cli_rs/\d+\.\d+\.\d+ \([^;()]+; [^;()]+\) quiver$`)
	if got := r.Header.Get("User-Agent"); !ua.MatchString(got) {
		t.Errorf("User-Agent %q is not in the Codex CLI's format", got)
	}
}

func TestFetchCustomUserAgentAndNoAccountID(t *testing.T) {
	t.Parallel()
	srv := newUsageServer(t, map[string]usageReply{"/wham/usage": {200, plusUsageBody}})
	c := codex.UsageClient{BaseURL: srv.URL, HTTPClient: srv.Client(), UserAgent: "codex_cli_rs/0.1.0 (Test; x) t"}
	if _, err := c.Fetch(context.Background(), "tok", ""); err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	r := srv.request(0)
	if got := r.Header.Get("User-Agent"); got != c.UserAgent {
		t.Errorf("User-Agent %q", got)
	}
	if _, ok := r.Header["Chatgpt-Account-Id"]; ok {
		t.Errorf("ChatGPT-Account-Id sent without an account id")
	}
}

func TestFetchFallsBackOn404(t *testing.T) {
	t.Parallel()
	srv := newUsageServer(t, map[string]usageReply{"/codex/usage": {200, plusUsageBody}})
	c := codex.UsageClient{BaseURL: srv.URL, HTTPClient: srv.Client()}
	u, err := c.Fetch(context.Background(), "tok", "acc")
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if u.Plan != "plus" {
		t.Errorf("plan %q", u.Plan)
	}
	if got := strings.Join(srv.paths(), ","); got != "/wham/usage,/codex/usage" {
		t.Errorf("paths %s", got)
	}
}

func TestFetchErrors(t *testing.T) {
	t.Parallel()
	secret := codextest.RandomToken("secret_")
	tests := []struct {
		name         string
		replies      map[string]usageReply
		unauthorized bool
		blocked      bool
		status       int
		code         string
		paths        string
	}{
		{
			name:         "401 token expired",
			replies:      map[string]usageReply{"/wham/usage": {401, `{"error":{"code":"token_expired","message":"token ` + secret + ` is expired"}}`}},
			unauthorized: true, status: 401, code: "token_expired", paths: "/wham/usage",
		},
		{
			name:         "401 detail",
			replies:      map[string]usageReply{"/wham/usage": {401, `{"detail":"Unauthorized"}`}},
			unauthorized: true, status: 401, code: "Unauthorized", paths: "/wham/usage",
		},
		{
			name:    "403 html is a block, not a token error",
			replies: map[string]usageReply{"/wham/usage": {403, `<html>` + secret + `</html>`}},
			blocked: true, status: 403, paths: "/wham/usage",
		},
		{
			name:    "403 region refusal is a block",
			replies: map[string]usageReply{"/wham/usage": {403, `{"error":"unsupported_country_region_territory"}`}},
			blocked: true, status: 403, code: "unsupported_country_region_territory", paths: "/wham/usage",
		},
		{
			name:    "403 without a body is a block",
			replies: map[string]usageReply{"/wham/usage": {403, ``}},
			blocked: true, status: 403, paths: "/wham/usage",
		},
		{
			name:         "403 naming a token error is a token refusal",
			replies:      map[string]usageReply{"/wham/usage": {403, `{"error":{"code":"token_invalidated","message":"x"}}`}},
			unauthorized: true, status: 403, code: "token_invalidated", paths: "/wham/usage",
		},
		{
			name:         "free text is no code",
			replies:      map[string]usageReply{"/wham/usage": {401, `{"detail":"Bearer ` + secret + ` rejected"}`}},
			unauthorized: true, status: 401, paths: "/wham/usage",
		},
		{
			name:    "500",
			replies: map[string]usageReply{"/wham/usage": {500, `{"error":{"type":"server_error"}}`}},
			status:  500, code: "server_error", paths: "/wham/usage",
		},
		{
			name:    "503 is not retried on the other path",
			replies: map[string]usageReply{"/wham/usage": {503, ``}, "/codex/usage": {200, plusUsageBody}},
			status:  503, paths: "/wham/usage",
		},
		{
			name:    "404 on both",
			replies: map[string]usageReply{},
			status:  404, paths: "/wham/usage,/codex/usage",
		},
		{
			name:         "401 on the fallback path",
			replies:      map[string]usageReply{"/codex/usage": {401, `{}`}},
			unauthorized: true, status: 401, paths: "/wham/usage,/codex/usage",
		},
		{
			name:    "200 that is not usage",
			replies: map[string]usageReply{"/wham/usage": {200, `{"detail":"` + secret + `"}`}},
			paths:   "/wham/usage",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newUsageServer(t, tt.replies)
			c := codex.UsageClient{BaseURL: srv.URL, HTTPClient: srv.Client()}
			_, err := c.Fetch(context.Background(), secret, "acc")
			if err == nil {
				t.Fatal("Fetch succeeded")
			}
			if errors.Is(err, codex.ErrUsageUnauthorized) != tt.unauthorized {
				t.Errorf("errors.Is(codex.ErrUsageUnauthorized) = %v, want %v: %v", !tt.unauthorized, tt.unauthorized, err)
			}
			if errors.Is(err, codex.ErrUsageBlocked) != tt.blocked {
				t.Errorf("errors.Is(codex.ErrUsageBlocked) = %v, want %v: %v", !tt.blocked, tt.blocked, err)
			}
			var se *codex.UsageStatusError
			if tt.status != 0 {
				if !errors.As(err, &se) || se.Status != tt.status || se.Code != tt.code {
					t.Errorf("error %v (%+v), want status %d code %q", err, se, tt.status, tt.code)
				}
				if !strings.Contains(err.Error(), http.StatusText(tt.status)) {
					t.Errorf("error %q does not name the status", err)
				}
			} else if errors.As(err, &se) {
				t.Errorf("unexpected status error %v", se)
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), secret[len("secret_"):]) {
				t.Errorf("error leaks the token: %q", err)
			}
			if got := strings.Join(srv.paths(), ","); got != tt.paths {
				t.Errorf("paths %s, want %s", got, tt.paths)
			}
		})
	}
}

func TestFetchWithoutTokenIsUnauthorized(t *testing.T) {
	t.Parallel()
	srv := newUsageServer(t, map[string]usageReply{"/wham/usage": {200, plusUsageBody}})
	_, err := codex.UsageClient{BaseURL: srv.URL, HTTPClient: srv.Client()}.Fetch(context.Background(), "", "acc")
	if !errors.Is(err, codex.ErrUsageUnauthorized) {
		t.Errorf("err = %v, want codex.ErrUsageUnauthorized", err)
	}
	if len(srv.paths()) != 0 {
		t.Errorf("a request went out without a token")
	}
}

func TestFetchHonoursContext(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done() // hold the request until the client gives up
	}))
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	done := make(chan error, 1)
	go func() {
		_, err := codex.UsageClient{BaseURL: srv.URL, HTTPClient: srv.Client()}.Fetch(ctx, "tok", "acc")
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second): // only to avoid hanging the suite
		t.Fatal("Fetch did not return after its context was cancelled")
	}
}

func TestDefaultBaseURL(t *testing.T) {
	t.Setenv(codex.ChatGPTBaseURLEnv, "")
	if got := codex.DefaultBaseURL(); got != "https://chatgpt.com/backend-api" {
		t.Errorf("DefaultBaseURL() = %q", got)
	}
	t.Setenv(codex.ChatGPTBaseURLEnv, " http://127.0.0.1:9/backend-api/ ")
	if got := codex.DefaultBaseURL(); got != "http://127.0.0.1:9/backend-api" {
		t.Errorf("DefaultBaseURL() with env = %q", got)
	}
}

func TestFetchUsesEnvBaseURL(t *testing.T) {
	srv := newUsageServer(t, map[string]usageReply{"/backend-api/wham/usage": {200, plusUsageBody}})
	t.Setenv(codex.ChatGPTBaseURLEnv, srv.URL+"/backend-api")
	if _, err := (codex.UsageClient{}).Fetch(context.Background(), "tok", "acc"); err != nil {
		t.Fatalf("Fetch with zero codex.UsageClient: %v", err)
	}
}

// TestFetchAgainstHostileBackend drives the usage client through the
// project's fake backend switched to what the real one does on a bad day.
func TestFetchAgainstHostileBackend(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		fault        codextest.UsageFault
		blocked      bool
		unauthorized bool
		malformed    bool
		inError      string
	}{
		{name: "CDN challenge", fault: codextest.UsageFault{Status: 403, HTML: true}, blocked: true, inError: "CDN challenge"},
		{name: "5xx HTML page", fault: codextest.UsageFault{Status: 502, HTML: true}, inError: "502 Bad Gateway"},
		{name: "403 with a token error", fault: codextest.UsageFault{Status: 403, Body: `{"error":{"code":"token_revoked"}}`}, unauthorized: true},
		{name: "200 garbage", fault: codextest.UsageFault{Body: `{"plan_type":"plus","rate_limit":`}, malformed: true},
		{name: "200 nonsense figures", fault: codextest.UsageFault{Body: `{"rate_limit":5}`}, malformed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := codextest.NewBackend(t)
			b.SetUsageFault(tt.fault, 1)
			c := codex.UsageClient{BaseURL: b.URL}
			_, err := c.Fetch(context.Background(), "access-token", "acct")
			if err == nil {
				t.Fatal("Fetch succeeded on a faulty answer")
			}
			if errors.Is(err, codex.ErrUsageBlocked) != tt.blocked || errors.Is(err, codex.ErrUsageUnauthorized) != tt.unauthorized ||
				errors.Is(err, codex.ErrUsageMalformed) != tt.malformed {
				t.Errorf("error %v: blocked %v unauthorized %v malformed %v, want %v %v %v", err,
					errors.Is(err, codex.ErrUsageBlocked), errors.Is(err, codex.ErrUsageUnauthorized), errors.Is(err, codex.ErrUsageMalformed),
					tt.blocked, tt.unauthorized, tt.malformed)
			}
			if !strings.Contains(err.Error(), tt.inError) {
				t.Errorf("error %q does not say %q", err, tt.inError)
			}
			// The fault was one answer: the next one is good figures again.
			if _, err := c.Fetch(context.Background(), "access-token", "acct"); err != nil {
				t.Errorf("after the fault: %v", err)
			}
		})
	}
}

func TestFetchRefusesCleartextToARemoteHost(t *testing.T) {
	t.Parallel()
	c := codex.UsageClient{BaseURL: "http://chatgpt.example.com/backend-api"}
	_, err := c.Fetch(context.Background(), "access-token", "acct")
	if !errors.Is(err, codex.ErrInsecureUpstream) {
		t.Fatalf("Fetch over http to a remote host: %v, want ErrInsecureUpstream", err)
	}
}
