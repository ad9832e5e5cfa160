package codextest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

const backendTestBody = `{"model":"gpt-5.1-codex","instructions":"x","input":[],"store":false,"stream":true}`

func backendPost(t *testing.T, b *Backend, ctx context.Context, token, account, body string, hdr ...string) (*http.Response, string, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "POST", b.URL+"/codex/responses", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if account != "" {
		req.Header.Set("Chatgpt-Account-Id", account)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp, string(data), err
}

func TestBackendRefusesWhatTheRealOneRefuses(t *testing.T) {
	t.Parallel()
	b := NewBackend(t)
	b.SetTokenValid(func(tok string) bool { return tok != "expired" })
	tests := []struct {
		name, token, account, body string
		status                     int
		contains                   string
	}{
		{"no bearer", "", "acct", backendTestBody, 401, "Missing bearer"},
		{"expired token", "expired", "acct", backendTestBody, 401, "token_expired"},
		{"no account id", "tok", "", backendTestBody, 400, "chatgpt-account-id"},
		{"not json", "tok", "acct", "{", 400, "Invalid JSON"},
		{"no instructions", "tok", "acct", `{"input":[],"store":false,"stream":true}`, 400, "Instructions are required"},
		{"store true", "tok", "acct", `{"instructions":"","input":[],"store":true,"stream":true}`, 400, "Store must be set to false"},
		{"store missing", "tok", "acct", `{"instructions":"","input":[],"stream":true}`, 400, "Store must be set to false"},
		{"no stream", "tok", "acct", `{"instructions":"","input":[],"store":false}`, 400, "Stream must be set to true"},
		{"input string", "tok", "acct", `{"instructions":"","input":"hi","store":false,"stream":true}`, 400, "Input must be a list"},
		{"good", "tok", "acct", backendTestBody, 200, "response.completed"},
	}
	for _, tt := range tests {
		resp, body, err := backendPost(t, b, context.Background(), tt.token, tt.account, tt.body)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if resp.StatusCode != tt.status || !strings.Contains(body, tt.contains) {
			t.Errorf("%s: got %d %q", tt.name, resp.StatusCode, body)
		}
	}
	for _, r := range b.Requests() {
		if r.Header.Get("Authorization") != "" {
			t.Error("a recorded request kept its Authorization")
		}
	}
	if n := len(b.Requests()); n != len(tests) {
		t.Errorf("recorded %d requests, want %d", n, len(tests))
	}
}

func TestBackendStreamAndHeaders(t *testing.T) {
	t.Parallel()
	b := NewBackend(t)
	b.SetUsage("acct", 42, 7)
	resp, body, err := backendPost(t, b, context.Background(), "tok", "acct", backendTestBody)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	for _, want := range []string{"event: response.created", `"delta":"Hello"`, `"delta":"acct"`, "event: response.completed", `"input_tokens":12`} {
		if !strings.Contains(body, want) {
			t.Errorf("stream lacks %s", want)
		}
	}
	h := resp.Header
	if h.Get("X-Codex-Primary-Used-Percent") != "42" || h.Get("X-Codex-Secondary-Used-Percent") != "7" ||
		h.Get("X-Codex-Primary-Window-Minutes") != "300" || h.Get("X-Codex-Secondary-Window-Minutes") != "10080" ||
		h.Get("X-Codex-Primary-Reset-At") == "" || h.Get("X-Codex-Secondary-Reset-After-Seconds") == "" {
		t.Errorf("rate-limit headers = %v", h)
	}
	turn := h.Get("X-Codex-Turn-State")
	if turn == "" {
		t.Fatal("no turn state")
	}
	resp, body, _ = backendPost(t, b, context.Background(), "tok", "other", backendTestBody, "X-Codex-Turn-State", turn)
	if resp.StatusCode != 400 || !strings.Contains(body, "invalid_turn_state") {
		t.Errorf("another account's turn state: %d %q", resp.StatusCode, body)
	}
	resp, _, _ = backendPost(t, b, context.Background(), "tok", "acct", backendTestBody, "X-Codex-Turn-State", turn)
	if resp.StatusCode != 200 {
		t.Errorf("own turn state refused: %d", resp.StatusCode)
	}
}

func TestBackendScripts(t *testing.T) {
	t.Parallel()
	b := NewBackend(t)
	b.SetLimited("lim", time.Hour)
	resp, body, _ := backendPost(t, b, context.Background(), "tok", "lim", backendTestBody)
	var e struct {
		Error struct {
			Type            string `json:"type"`
			ResetsAt        int64  `json:"resets_at"`
			ResetsInSeconds int64  `json:"resets_in_seconds"`
		} `json:"error"`
	}
	json.Unmarshal([]byte(body), &e)
	if resp.StatusCode != 429 || e.Error.Type != "usage_limit_reached" || e.Error.ResetsInSeconds < 3590 ||
		resp.Header.Get("X-Codex-Primary-Used-Percent") != "100" {
		t.Errorf("limited: %d %q", resp.StatusCode, body)
	}
	b.SetLimited("lim", 0)
	if resp, _, _ := backendPost(t, b, context.Background(), "tok", "lim", backendTestBody); resp.StatusCode != 200 {
		t.Errorf("lifted limit still %d", resp.StatusCode)
	}

	b.FailNextInStream("f", "server_is_overloaded")
	resp, body, _ = backendPost(t, b, context.Background(), "tok", "f", backendTestBody)
	if resp.StatusCode != 200 || !strings.Contains(body, "response.failed") || strings.Contains(body, "output_text.delta") {
		t.Errorf("in-stream failure: %d %q", resp.StatusCode, body)
	}
	b.FailNextStatus("f", 503)
	if resp, _, _ := backendPost(t, b, context.Background(), "tok", "f", backendTestBody); resp.StatusCode != 503 {
		t.Errorf("status script: %d", resp.StatusCode)
	}
	b.BreakNextStream("f", 1)
	if _, body, err := backendPost(t, b, context.Background(), "tok", "f", backendTestBody); err == nil {
		t.Errorf("broken stream ended cleanly: %q", body)
	}
	if resp, _, _ := backendPost(t, b, context.Background(), "tok", "f", backendTestBody); resp.StatusCode != 200 {
		t.Error("scripts did not run out")
	}

	b.Next("h", Script{Hang: true, FailAfter: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	backendPost(t, b, ctx, "tok", "h", backendTestBody)
	deadline := time.Now().Add(10 * time.Second)
	for b.Canceled() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("hanging stream's cancel not seen")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestBackendUsage(t *testing.T) {
	t.Parallel()
	b := NewBackend(t)
	b.SetUsage("acct", 55, 100)
	req, _ := http.NewRequest("GET", b.URL+"/wham/usage", nil)
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Set("ChatGPT-Account-Id", "acct")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var u struct {
		PlanType  string `json:"plan_type"`
		RateLimit struct {
			Allowed       bool `json:"allowed"`
			LimitReached  bool `json:"limit_reached"`
			PrimaryWindow struct {
				UsedPercent        float64 `json:"used_percent"`
				LimitWindowSeconds int     `json:"limit_window_seconds"`
				ResetAfterSeconds  int     `json:"reset_after_seconds"`
				ResetAt            int64   `json:"reset_at"`
			} `json:"primary_window"`
			SecondaryWindow struct {
				UsedPercent        float64 `json:"used_percent"`
				LimitWindowSeconds int     `json:"limit_window_seconds"`
			} `json:"secondary_window"`
		} `json:"rate_limit"`
		Credits *struct {
			HasCredits bool `json:"has_credits"`
		} `json:"credits"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&u); err != nil {
		t.Fatal(err)
	}
	r := u.RateLimit
	if u.PlanType != "plus" || r.Allowed || !r.LimitReached || r.PrimaryWindow.UsedPercent != 55 ||
		r.PrimaryWindow.LimitWindowSeconds != 18000 || r.SecondaryWindow.LimitWindowSeconds != 604800 ||
		r.SecondaryWindow.UsedPercent != 100 || r.PrimaryWindow.ResetAt <= time.Now().Unix() || u.Credits == nil {
		t.Errorf("usage = %+v", u)
	}
	req, _ = http.NewRequest("GET", b.URL+"/wham/usage", nil)
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != 401 {
		t.Errorf("usage without auth = %d", resp2.StatusCode)
	}
}

func TestBackendHostileScripts(t *testing.T) {
	t.Parallel()
	b := NewBackend(t)
	tests := []struct {
		name        string
		script      Script
		status      int
		contentType string
		contains    string
		header      string // a header the answer must carry
	}{
		{"cdn challenge", Script{Challenge: true}, 403, "text/html", "Just a moment...", "Cf-Mitigated"},
		{"html 5xx", Script{Status: 502, HTML: true}, 502, "text/html", "502 Bad Gateway", ""},
		{"bare 429", Script{Status: 429, Bare: true}, 429, "", "", ""},
		{"garbage json", Script{GarbageJSON: true}, 200, "application/json", "[tru", ""},
		{"garbage sse", Script{GarbageSSE: true}, 200, "text/event-stream", "not an event stream", ""},
	}
	for _, tt := range tests {
		b.Next("acct", tt.script)
		resp, body, err := backendPost(t, b, context.Background(), "tok", "acct", backendTestBody)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if resp.StatusCode != tt.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.contentType) ||
			!strings.Contains(body, tt.contains) {
			t.Errorf("%s: %d %s %q", tt.name, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		if tt.header != "" && resp.Header.Get(tt.header) == "" {
			t.Errorf("%s: no %s header", tt.name, tt.header)
		}
		if tt.status != 200 && resp.Header.Get("X-Codex-Primary-Used-Percent") != "" {
			t.Errorf("%s: a CDN answer carries x-codex headers", tt.name)
		}
		if tt.name == "bare 429" && (body != "" || resp.Header.Get("Retry-After") != "") {
			t.Errorf("bare 429 says something: %q %v", body, resp.Header)
		}
	}
	if resp, body, _ := backendPost(t, b, context.Background(), "tok", "acct", backendTestBody); resp.StatusCode != 200 ||
		!strings.Contains(body, "response.completed") {
		t.Errorf("scripts did not run out: %d", resp.StatusCode)
	}

	// A stall after the headers: the headers arrive, then nothing until the
	// client gives up.
	b.Next("stall", Script{StallAfterHeaders: true})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", b.URL+"/codex/responses", strings.NewReader(backendTestBody))
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Set("Chatgpt-Account-Id", "stall")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Errorf("stall: %d %v", resp.StatusCode, resp.Header)
	}
	cancel()
	resp.Body.Close()
	deadline := time.Now().Add(10 * time.Second)
	for b.Canceled() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("stalled stream's cancel not seen")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestBackendRecordsEveryHeader(t *testing.T) {
	t.Parallel()
	b := NewBackend(t)
	req, _ := http.NewRequest("POST", b.URL+"/codex/responses", strings.NewReader(backendTestBody))
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Set("Chatgpt-Account-Id", "acct")
	req.Header["chatgpt_account_id"] = []string{"smuggled"}
	req.Header["X-Anything"] = []string{"1"}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	r := b.Requests()[0]
	if r.Auths != 1 || r.Header.Get("Authorization") != "" {
		t.Errorf("authorization recorded as %d values, header %q", r.Auths, r.Header.Get("Authorization"))
	}
	if r.Header.Get("Chatgpt_account_id") != "smuggled" || r.Header.Get("X-Anything") != "1" {
		t.Errorf("headers not all recorded: %v", r.Header)
	}
}
