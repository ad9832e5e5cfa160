package proxy_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/codex/codextest"
	"github.com/quiver-app/quiver/proxy"
	"github.com/quiver-app/quiver/proxy/proxytest"
)

// stallAfter makes the proxy give up on a silent upstream quickly.
func stallAfter(d time.Duration) envOption {
	return func(c *proxy.Config) { c.UpstreamIdle = d }
}

// An upstream that misbehaves on one account before anything reached the
// client costs the client nothing: its turn completes on the next account.
func TestHostileAnswersFailOverInvisibly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		script codextest.Script
		kind   proxy.OutcomeKind
	}{
		{"html 502 page", codextest.Script{Status: 502, HTML: true}, proxy.Failed},
		{"html 503 page", codextest.Script{Status: 503, HTML: true}, proxy.Failed},
		{"200 with garbage json", codextest.Script{GarbageJSON: true}, proxy.Failed},
		{"200 with garbage sse", codextest.Script{GarbageSSE: true}, proxy.Failed},
		{"stall before the headers", codextest.Script{StallBeforeHeaders: true}, proxy.Failed},
		{"stall after the headers", codextest.Script{StallAfterHeaders: true}, proxy.Failed},
		{"stall before any output", codextest.Script{Hang: true}, proxy.Failed},
		{"429 that says nothing", codextest.Script{Status: 429, Bare: true}, proxy.Limited},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, 2, stallAfter(500*time.Millisecond))
			e.backend.Next("acct-a", tt.script)
			resp, body := e.codex()
			if resp.StatusCode != 200 || streamText(t, body) != "Hello from acct-b" {
				t.Fatalf("client got %d %q, want b's turn", resp.StatusCode, body)
			}
			if strings.Count(body, "event: response.created") != 1 || strings.Contains(body, "not an event stream") {
				t.Errorf("a's answer leaked to the client: %q", body)
			}
			e.checkLeasesReturned()
			r := e.reports()
			if len(r) != 2 || r[0].Outcome.Kind != tt.kind || r[1].Outcome.Kind != proxy.Success {
				t.Fatalf("reports = %v", e.kinds())
			}
			if tt.kind == proxy.Limited {
				// Nothing says when: the default cooldown.
				if d := time.Until(r[0].Outcome.ResetAt); d < 4*time.Minute || d > 5*time.Minute {
					t.Errorf("cooldown %v after a bare 429, want the 5 minute default", d)
				}
			}
		})
	}
}

// Every account misbehaving: the client gets a JSON error that says what
// happened, never an HTML page.
func TestHostileAnswersOnEveryAccount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		script codextest.Script
		status int
		typ    string
	}{
		{"html 502 pages", codextest.Script{Status: 502, HTML: true}, 502, "upstream_error"},
		{"garbage json", codextest.Script{GarbageJSON: true}, 502, "upstream_error"},
		{"garbage sse", codextest.Script{GarbageSSE: true}, 502, "upstream_error"},
		{"stalls", codextest.Script{StallAfterHeaders: true}, 504, "upstream_timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, 2, stallAfter(500*time.Millisecond))
			e.backend.Next("acct-a", tt.script)
			e.backend.Next("acct-b", tt.script)
			resp, body := e.codex()
			var got struct {
				Error struct{ Type, Message string } `json:"error"`
			}
			if resp.StatusCode != tt.status || json.Unmarshal([]byte(body), &got) != nil || got.Error.Type != tt.typ {
				t.Fatalf("client got %d %q, want a JSON %d %s", resp.StatusCode, body, tt.status, tt.typ)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("content type %q", ct)
			}
			e.checkLeasesReturned()
		})
	}
}

// A stall after part of the answer reached the client ends the client's
// stream cleanly with an error event: no replay, no hanging client.
func TestStallAfterOutputEndsWithErrorEvent(t *testing.T) {
	t.Parallel()
	for _, route := range []struct{ path, body, want string }{
		{"/backend-api/codex/responses", codexBody, `"code":"upstream_stalled"`},
		{"/v1/chat/completions", `{"model":"gpt-5.1-codex","messages":[{"role":"user","content":"hi"}],"stream":true}`, `"code":"upstream_stalled"`},
	} {
		t.Run(route.path, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, 2, stallAfter(500*time.Millisecond))
			e.backend.Next("acct-a", codextest.Script{Hang: true, FailAfter: 1})
			resp, err := e.client.Do(e.request(context.Background(), http.MethodPost, route.path, route.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			data, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatalf("the client's stream was cut, want a clean end: %v (%q)", err, data)
			}
			body := string(data)
			if resp.StatusCode != 200 || !strings.Contains(body, "Hello") || !strings.Contains(body, route.want) {
				t.Fatalf("client got %d %q, want the partial answer and a stall error", resp.StatusCode, body)
			}
			if n := len(e.backend.Requests()); n != 1 {
				t.Errorf("backend saw %d requests, want no replay after output", n)
			}
			e.checkLeasesReturned()
			if got := e.kinds(); !slices.Equal(got, []string{"q-a:failed"}) {
				t.Errorf("reports = %v", got)
			}
			waitFor(t, "the stalled upstream request to be cancelled", func() bool { return e.backend.Canceled() == 1 })
		})
	}
}

// TestSlowClientIsNotAStall: a client that reads slowly holds the proxy
// up, not the upstream; the idle clock runs only while the proxy waits on
// upstream. The answer is larger than the socket buffers, so the proxy
// blocks writing to the client for longer than the idle time.
func TestSlowClientIsNotAStall(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 1, stallAfter(time.Second))
	chunk := strings.Repeat("x", 64<<10)
	deltas := make([]string, 128) // 8 MiB, far more than the client's socket takes unread
	for i := range deltas {
		deltas[i] = chunk
	}
	e.backend.Next("acct-a", codextest.Script{Deltas: deltas})
	resp, err := e.client.Do(e.request(context.Background(), http.MethodPost, "/backend-api/codex/responses", codexBody))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	time.Sleep(3 * time.Second) // the client is busy; the proxy's writes wait
	data, err := io.ReadAll(resp.Body)
	if err != nil || !strings.Contains(string(data), "response.completed") || strings.Contains(string(data), "upstream_stalled") {
		t.Fatalf("slow client's stream: %v, %d bytes, stalled %v", err, len(data), strings.Contains(string(data), "upstream_stalled"))
	}
}

// A keyed client that trickles its body is answered 408 once the body
// timeout passes, instead of holding a connection for ever.
func TestBodyReadTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 1, func(c *proxy.Config) { c.BodyTimeout = 200 * time.Millisecond })
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.front.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /backend-api/codex/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", testKey, len(codexBody), codexBody[:10])
	conn.SetReadDeadline(time.Now().Add(30 * time.Second)) // a bound for a broken proxy, not a timing assertion
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a trickling body: %v", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout || !json.Valid(data) {
		t.Errorf("trickling body answered %d %q, want a JSON 408", resp.StatusCode, data)
	}
	if n := len(e.backend.Requests()); n != 0 {
		t.Errorf("backend saw %d requests", n)
	}
}

// A body that arrives in time, then an answer that takes far longer than
// the body timeout: neither the body deadline nor the server's timeouts
// cut it. Through ListenAndServe, so the real server's settings count.
func TestBodyDeadlineDoesNotCutTheAnswer(t *testing.T) {
	t.Parallel()
	backend := codextest.NewBackend(t)
	backend.SetDelay(60 * time.Millisecond) // the whole stream takes well over the timeouts below
	srv, err := proxy.New(proxy.Config{
		Listen: "127.0.0.1:0", Key: testKey, Upstream: backend.URL, Picker: proxytest.NewStaticPool(proxy.Lease{
			AccountID: "q-a", Label: "alias-a", AccessToken: "at-secret-a", ChatGPTAccountID: "acct-a",
		}),
		BodyTimeout: 50 * time.Millisecond, UpstreamIdle: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, "the listener", func() bool { return !strings.HasSuffix(srv.Addr(), ":0") })

	req, _ := http.NewRequest(http.MethodPost, "http://"+srv.Addr()+"/backend-api/codex/responses", strings.NewReader(codexBody))
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 || !strings.Contains(string(data), "response.completed") {
		t.Fatalf("long answer: %d %v %q", resp.StatusCode, err, data)
	}
}
