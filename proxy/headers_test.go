package proxy_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestClientHeadersCannotReachUpstream sends every header a client could
// use to smuggle an account, a credential or its own identity upstream, in
// several spellings, and checks that only what the Codex CLI and OpenAI
// clients really send arrives, next to the proxy's own account header.
func TestClientHeadersCannotReachUpstream(t *testing.T) {
	t.Parallel()
	smuggled := []string{
		"chatgpt_account_id", "CHATGPT_ACCOUNT_ID", "Chatgpt-Account-Id", "chatgpt-account_id", "ChatGPT-Account-ID",
		"authorization_", "Proxy-Authorization", "X-Api-Key", "x_api_key", "Cookie", "cookie_",
		"OpenAI-Organization", "openai_organization", "OpenAI-Project", "openai_project",
		"X-Forwarded-For", "x_forwarded_for", "X-Forwarded-Host", "X-Real-Ip", "Forwarded", "Via",
		"Referer", "X-Custom-Tracker", "X-Openai-Account", "Chatgpt-User-Id",
	}
	kept := map[string]string{
		"Originator": "codex_cli_rs", "Version": "0.169.0", "User-Agent": "codex_cli_rs/0.169.0",
		"Session_id": "sess-1", "Session-Id": "sess-1", "Conversation_id": "sess-1", "Thread-Id": "th-1",
		"Openai-Beta": "responses=experimental", "Accept": "text/event-stream",
		"X-Codex-Turn-Metadata": `{"turn_id":"t1"}`, "X-Codex-Beta-Features": "x", "X-Codex-Window-Id": "w:0",
		"X-Openai-Subagent": "review", "X-Client-Request-Id": "req-1", "X-Stainless-Lang": "js",
		"Idempotency-Key": "idem-1", "X-Openai-Internal-Codex-Residency": "us", "X-Codex-Installation-Id": "inst-1", "Traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
	}
	for _, route := range []struct{ path, body string }{
		{"/backend-api/codex/responses", codexBody},
		{"/v1/responses", `{"model":"gpt-5.1-codex","input":"hi","stream":true}`},
		{"/v1/chat/completions", `{"model":"gpt-5.1-codex","messages":[{"role":"user","content":"hi"}],"stream":true}`},
	} {
		t.Run(route.path, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, 1)
			req := e.request(context.Background(), http.MethodPost, route.path, route.body)
			for _, k := range smuggled {
				req.Header[k] = []string{"smuggled-" + k}
			}
			for k, v := range kept {
				req.Header[k] = []string{v}
			}
			resp, body := e.do(req)
			if resp.StatusCode != 200 {
				t.Fatalf("client got %d %q", resp.StatusCode, body)
			}
			reqs := e.backend.Requests()
			if len(reqs) != 1 {
				t.Fatalf("backend saw %d requests", len(reqs))
			}
			got := reqs[0]
			if got.Auths != 1 {
				t.Errorf("upstream got %d Authorization values, want the proxy's one", got.Auths)
			}
			if v := got.Header.Values("Chatgpt-Account-Id"); len(v) != 1 || v[0] != "acct-a" {
				t.Errorf("upstream chatgpt-account-id = %q, want only the lease's", v)
			}
			for k, v := range got.Header {
				if strings.Contains(strings.Join(v, ","), "smuggled") {
					t.Errorf("client header %s reached upstream", k)
				}
			}
			if route.path == "/backend-api/codex/responses" {
				for k, v := range kept {
					if g := got.Header.Values(k); len(g) != 1 || g[0] != v {
						t.Errorf("upstream %s = %q, want %q", k, g, v)
					}
				}
			}
		})
	}
}
