//go:build linux

package e2e

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quiver-app/quiver/app/codex/codextest"
)

// TestProxyBinaryInAHostileWorld runs the built `quiver proxy` against the
// fake backend misbehaving as the real one does: a CDN challenge on the
// active account, and a client that tries to smuggle another account's id
// and a browser Origin. It starts no real client, so it needs only the
// quiver binary (QUIVER_E2E=1 QUIVER_E2E_QUIVER=path), not the namespace.
func TestProxyBinaryInAHostileWorld(t *testing.T) {
	if os.Getenv(enableEnv) != "1" {
		t.Skipf("process-level test: set %s=1 and %s to the quiver binary", enableEnv, quiverEnv)
	}
	t.Parallel()
	h := newHarness(t)
	post := func(extra map[string]string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, h.proxy+"/backend-api/codex/responses", strings.NewReader(
			`{"model":"gpt-5.1-codex","instructions":"x","input":[{"role":"user","content":"hi"}],"store":false,"stream":true}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+h.key)
		req.Header.Set("Content-Type", "application/json")
		for k, v := range extra {
			req.Header[k] = []string{v}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}

	// The CDN challenges alice (the active account): the turn completes on
	// bob, no refresh token is spent, alice keeps her login, and the log
	// says so once, also for the requests that follow.
	h.backend.Next(alice.AccountID, codextest.Script{Challenge: true})
	from := h.mark()
	for i := range 3 {
		if status, body := post(nil); status != 200 || !strings.Contains(body, "Hello from "+bob.AccountID) {
			t.Fatalf("turn %d during alice's challenge: %d %s", i, status, body)
		}
	}
	turns := h.turns(from)
	if len(turns) != 4 || turns[0].AccountID != alice.AccountID || turns[0].Status != http.StatusForbidden {
		t.Errorf("turns %s, want alice's 403 once and bob serving", describeTurns(turns))
	}
	if n := h.auth.RefreshCount(); n != 0 {
		t.Errorf("%d refresh tokens spent on a CDN challenge", n)
	}
	accounts, err := os.ReadFile(filepath.Join(h.configDir(), "accounts.json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(accounts), `"needs_login": true`) || strings.Contains(string(accounts), `"needs_login":true`) {
		t.Errorf("an account was marked needs-login:\n%s", accounts)
	}
	if n := strings.Count(h.log.String(), "not a token error"); n != 1 {
		t.Errorf("%d log lines about the challenge, want 1:\n%s", n, h.log.String())
	}

	// A smuggled account header in another spelling does not reach upstream.
	from = h.mark()
	if status, body := post(map[string]string{"chatgpt_account_id": alice.AccountID, "Cookie": "x=1"}); status != 200 {
		t.Fatalf("turn with smuggled headers: %d %s", status, body)
	}
	for _, r := range h.turns(from) {
		if v := r.Header.Values("Chatgpt-Account-Id"); len(v) != 1 || r.Header.Get("Chatgpt_account_id") != "" || r.Header.Get("Cookie") != "" {
			t.Errorf("upstream headers %v", r.Header)
		}
	}

	// A browser's request is refused before it reaches any account.
	from = h.mark()
	if status, body := post(map[string]string{"Origin": "https://evil.example"}); status != http.StatusForbidden ||
		!strings.Contains(body, "forbidden_origin") {
		t.Errorf("request with an Origin: %d %s", status, body)
	}
	if n := len(h.turns(from)); n != 0 {
		t.Errorf("a request with an Origin reached upstream (%d turns)", n)
	}
	h.assertNoSecretsLogged()
}
