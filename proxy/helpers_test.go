package proxy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/codex/codextest"
	"github.com/quiver-app/quiver/proxy"
	"github.com/quiver-app/quiver/proxy/proxytest"
)

const testKey = "qk_test-proxy-key-0123456789"

// env is a proxy in front of a fake ChatGPT backend, with a StaticPool over
// accounts a, b, c… (Quiver ids "q-a", ChatGPT account ids "acct-a").
type env struct {
	t       testing.TB
	backend *codextest.Backend
	pool    *proxytest.StaticPool
	srv     *proxy.Server
	front   *httptest.Server
	client  *http.Client
	direct  *http.Client // straight to the backend, for comparisons
	logs    *syncBuffer
	leases  []proxy.Lease
}

type envOption func(*proxy.Config)

func newEnv(t testing.TB, accounts int, opts ...envOption) *env {
	e := &env{t: t, backend: codextest.NewBackend(t), logs: &syncBuffer{}}
	for i := range accounts {
		n := string(rune('a' + i))
		e.leases = append(e.leases, proxy.Lease{
			AccountID: "q-" + n, Label: "alias-" + n,
			AccessToken: "at-secret-" + n, ChatGPTAccountID: "acct-" + n,
		})
	}
	e.pool = proxytest.NewStaticPool(e.leases...)
	cfg := proxy.Config{
		Listen: "127.0.0.1:0", Key: testKey, Upstream: e.backend.URL, Picker: e.pool,
		Logger:   slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Holdback: proxy.Holdback{Wait: 5 * time.Second},
	}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := proxy.New(cfg)
	if err != nil {
		t.Fatalf("proxy.New: %v", err)
	}
	e.srv = srv
	e.front = httptest.NewServer(srv.Handler())
	e.client = e.front.Client()
	e.direct = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	t.Cleanup(func() {
		e.front.CloseClientConnections()
		e.front.Close()
		srv.CloseIdleConnections()
		e.direct.CloseIdleConnections()
		for _, secret := range []string{testKey, "at-secret-"} {
			if strings.Contains(e.logs.String(), secret) {
				t.Errorf("a secret (%.6s…) reached the log", secret)
			}
		}
	})
	return e
}

// request builds an authorized request to the proxy.
func (e *env) request(ctx context.Context, method, path, body string, hdr ...string) *http.Request {
	e.t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, e.front.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return req
}

// do sends a request and reads the whole answer.
func (e *env) do(req *http.Request) (*http.Response, string) {
	e.t.Helper()
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("reading answer of %s: %v", req.URL.Path, err)
	}
	return resp, string(b)
}

// codexBody is what the Codex CLI sends.
const codexBody = `{"model":"gpt-5.1-codex","instructions":"be brief","input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]}],"store":false,"stream":true,"include":["reasoning.encrypted_content"]}`

// codex posts a Codex CLI style request through the passthrough route.
func (e *env) codex(hdr ...string) (*http.Response, string) {
	e.t.Helper()
	return e.do(e.request(context.Background(), http.MethodPost, "/backend-api/codex/responses", codexBody, hdr...))
}

// streamText concatenates the output_text deltas of a Responses stream.
func streamText(t testing.TB, body string) string {
	t.Helper()
	var b strings.Builder
	for _, ev := range sseData(body) {
		var d struct{ Type, Delta string }
		if json.Unmarshal([]byte(ev), &d) == nil && d.Type == "response.output_text.delta" {
			b.WriteString(d.Delta)
		}
	}
	return b.String()
}

// sseData returns the data payloads of an SSE body.
func sseData(body string) []string {
	var out []string
	for _, block := range strings.Split(body, "\n\n") {
		for _, line := range strings.Split(block, "\n") {
			if v, ok := strings.CutPrefix(line, "data: "); ok {
				out = append(out, v)
			}
		}
	}
	return out
}

func (e *env) reports() []proxytest.Reported { return e.pool.Reports() }

// kinds lists the reported outcomes as "q-a:limited" strings.
func (e *env) kinds() []string {
	var out []string
	for _, r := range e.pool.Reports() {
		out = append(out, r.Lease.AccountID+":"+r.Outcome.Kind.String())
	}
	return out
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkLeasesReturned asserts every lease was reported exactly once.
func (e *env) checkLeasesReturned() {
	e.t.Helper()
	waitFor(e.t, "all leases reported", func() bool { return e.pool.InFlight() == 0 })
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
