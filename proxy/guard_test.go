package proxy_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/quiver-app/quiver/proxy"
	"github.com/quiver-app/quiver/proxy/proxytest"
)

func TestGuard(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 1, func(c *proxy.Config) { c.MaxBody = 1024 })
	big := strings.Repeat("x", 2048)
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		header []string // pairs; "Authorization" "" removes it
		host   string
		chunk  bool // send the body without a Content-Length
		want   int
	}{
		{name: "key as bearer", path: "/v1/models", want: 200},
		{name: "key as x-api-key", path: "/v1/models", header: []string{"Authorization", "", "X-Api-Key", testKey}, want: 200},
		{name: "no key", path: "/v1/models", header: []string{"Authorization", ""}, want: 401},
		{name: "wrong key", path: "/v1/models", header: []string{"Authorization", "Bearer nope"}, want: 401},
		{name: "key with wrong scheme", path: "/v1/models", header: []string{"Authorization", "Basic " + testKey}, want: 401},
		{name: "wrong x-api-key", path: "/v1/models", header: []string{"Authorization", "", "X-Api-Key", testKey + "x"}, want: 401},
		{name: "status needs key", path: "/quiver/status", header: []string{"Authorization", ""}, want: 401},
		{name: "passthrough needs key", method: "POST", path: "/backend-api/codex/responses", body: codexBody, header: []string{"Authorization", ""}, want: 401},
		{name: "healthz needs no key", path: "/healthz", header: []string{"Authorization", ""}, want: 200},
		{name: "host localhost", path: "/healthz", host: "localhost:8799", want: 200},
		{name: "host ipv6 loopback", path: "/healthz", host: "[::1]:8799", want: 200},
		{name: "host 127.x", path: "/healthz", host: "127.3.2.1", want: 200},
		{name: "host rebinding", path: "/healthz", host: "evil.example:8799", want: 403},
		{name: "host rebinding with key", path: "/v1/models", host: "attacker.test", want: 403},
		{name: "host lan address", path: "/v1/models", host: "192.168.1.2:8799", want: 403},
		{name: "preflight", method: "OPTIONS", path: "/v1/chat/completions", header: []string{"Origin", "https://evil.example", "Access-Control-Request-Method", "POST"}, want: 405},
		{name: "origin with key", path: "/v1/models", header: []string{"Origin", "https://evil.example"}, want: 403},
		{name: "origin null", method: "POST", path: "/backend-api/codex/responses", body: codexBody, header: []string{"Origin", "null"}, want: 403},
		{name: "origin localhost", method: "POST", path: "/v1/chat/completions", body: "{}", header: []string{"Origin", "http://localhost:3000"}, want: 403},
		{name: "origin on healthz", path: "/healthz", header: []string{"Origin", "https://evil.example"}, want: 403},
		{name: "body over limit", method: "POST", path: "/v1/responses", body: big, want: 413},
		{name: "chunked body over limit", method: "POST", path: "/v1/chat/completions", body: big, chunk: true, want: 413},
		{name: "unknown route", path: "/v2/nothing", want: 404},
		{name: "dot dot", path: "/backend-api/codex/%2e%2e/wham/usage", want: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = "GET"
			}
			req := e.request(context.Background(), method, tt.path, tt.body)
			for i := 0; i+1 < len(tt.header); i += 2 {
				if tt.header[i+1] == "" {
					req.Header.Del(tt.header[i])
				} else {
					req.Header.Set(tt.header[i], tt.header[i+1])
				}
			}
			if tt.host != "" {
				req.Host = tt.host
			}
			if tt.chunk {
				req.ContentLength = -1
				req.Body = io.NopCloser(struct{ io.Reader }{strings.NewReader(tt.body)})
			}
			resp, body := e.do(req)
			if resp.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d (%s)", resp.StatusCode, tt.want, body)
			}
			for k := range resp.Header {
				if strings.HasPrefix(k, "Access-Control-") {
					t.Errorf("CORS header %s sent", k)
				}
			}
			if resp.StatusCode >= 400 && !json.Valid([]byte(body)) {
				t.Errorf("error body is not JSON: %q", body)
			}
			if strings.Contains(body, testKey) {
				t.Error("answer contains the proxy key")
			}
		})
	}
	// The accepted /v1/models requests fetch the backend's model list.
	if n := len(e.backend.Requests()) - e.backend.ModelsRequests(); n != 0 {
		t.Errorf("refused requests reached upstream: %d", n)
	}
}

func TestNewRefusesNonLoopback(t *testing.T) {
	t.Parallel()
	pool := proxytest.NewStaticPool()
	tests := []struct {
		listen  string
		wantErr bool
		addr    string
	}{
		{listen: "0.0.0.0:8799", wantErr: true},
		{listen: ":8799", wantErr: true},
		{listen: "[::]:8799", wantErr: true},
		{listen: "192.168.1.10:8799", wantErr: true},
		{listen: "example.com:8799", wantErr: true},
		{listen: "127.0.0.1", wantErr: true},
		{listen: "", addr: proxy.DefaultListen},
		{listen: "localhost:0", addr: "127.0.0.1:0"},
		{listen: "127.0.0.2:9000", addr: "127.0.0.2:9000"},
		{listen: "[::1]:0", addr: "[::1]:0"},
	}
	for _, tt := range tests {
		s, err := proxy.New(proxy.Config{Listen: tt.listen, Key: testKey, Picker: pool})
		if tt.wantErr {
			if err == nil {
				t.Errorf("New(%q) succeeded, want an error", tt.listen)
			}
			continue
		}
		if err != nil {
			t.Errorf("New(%q): %v", tt.listen, err)
			continue
		}
		if s.Addr() != tt.addr {
			t.Errorf("New(%q).Addr() = %q, want %q", tt.listen, s.Addr(), tt.addr)
		}
	}
	if _, err := proxy.New(proxy.Config{Listen: "0.0.0.0:1", Key: testKey, Picker: pool}); !errors.Is(err, proxy.ErrNotLoopback) {
		t.Errorf("error %v does not match ErrNotLoopback", err)
	}
	for _, cfg := range []proxy.Config{
		{Picker: pool},
		{Key: testKey},
		{Key: testKey, Picker: pool, Upstream: "ftp://x"},
		{Key: testKey, Picker: pool, Upstream: "not a url"},
	} {
		if _, err := proxy.New(cfg); err == nil {
			t.Errorf("New(%+v) accepted a bad config", cfg.Upstream)
		}
	}
}

func TestListenAndServe(t *testing.T) {
	t.Parallel()
	s, err := proxy.New(proxy.Config{Listen: "127.0.0.1:0", Key: testKey, Picker: proxytest.NewStaticPool()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.ListenAndServe(ctx) }()
	waitFor(t, "the listener", func() bool { return !strings.HasSuffix(s.Addr(), ":0") })
	resp, err := http.Get("http://" + s.Addr() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthz = %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("ListenAndServe after cancel = %v, want nil", err)
	}
}

func TestForwardedHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 1)
	var mu sync.Mutex
	var seen []string
	e.backend.SetTokenValid(func(tok string) bool { mu.Lock(); defer mu.Unlock(); seen = append(seen, tok); return true })
	resp, body := e.codex(
		"X-Api-Key", testKey, "Session_id", "sess-1", "Originator", "codex_cli_rs", "Version", "0.58.0",
		"User-Agent", "codex_cli_rs/0.58.0", "X-Codex-Beta-Features", "x", "Cookie", "c=1", "Chatgpt-Account-Id", "spoofed",
	)
	if resp.StatusCode != 200 || streamText(t, body) != "Hello from acct-a" {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
	reqs := e.backend.Requests()
	if len(reqs) != 1 {
		t.Fatalf("backend saw %d requests", len(reqs))
	}
	h := reqs[0].Header
	for k, want := range map[string]string{
		"Session_id": "sess-1", "Originator": "codex_cli_rs", "Version": "0.58.0", "User-Agent": "codex_cli_rs/0.58.0",
		"X-Codex-Beta-Features": "x", "Chatgpt-Account-Id": "acct-a", "X-Api-Key": "", "Cookie": "",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("upstream %s = %q, want %q", k, got, want)
		}
	}
	for k, v := range h {
		if strings.Contains(strings.Join(v, ","), testKey) {
			t.Errorf("the proxy key went upstream in %s", k)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || seen[0] != "at-secret-a" {
		t.Errorf("upstream bearer tokens = %q, want the lease's", seen)
	}
	if resp.Header.Get("X-Codex-Primary-Used-Percent") == "" || resp.Header.Get("X-Codex-Turn-State") == "" {
		t.Errorf("x-codex headers not passed back: %v", resp.Header)
	}
	if got := string(reqs[0].Body); got != codexBody {
		t.Errorf("passthrough changed the body: %s", got)
	}
	e.checkLeasesReturned()
	r := e.reports()[0].Outcome
	if r.Kind != proxy.Success || r.Usage == nil || r.Usage.InputTokens != 12 || r.Usage.CachedInputTokens != 4 ||
		r.Header.Get("X-Codex-Secondary-Window-Minutes") != "10080" {
		t.Errorf("report = %+v usage %+v", r, r.Usage)
	}
}
