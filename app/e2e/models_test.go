//go:build linux

package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app"
)

// TestProxyBinaryModelNames runs the built `quiver proxy` with a model map
// in settings.json, as a user who edited it would: /v1/models lists what
// the backend serves the accounts, and a client's model name with an
// effort suffix and a mapped base reaches the backend as the mapped model
// with that effort. It needs only the quiver binary (QUIVER_E2E=1
// QUIVER_E2E_QUIVER=path).
func TestProxyBinaryModelNames(t *testing.T) {
	if os.Getenv(enableEnv) != "1" {
		t.Skipf("process-level test: set %s=1 and %s to the quiver binary", enableEnv, quiverEnv)
	}
	t.Parallel()
	// A proxy that read the map at start.
	h := newHarnessWith(t, func(h *harness) {
		path := filepath.Join(h.configDir(), "settings.json")
		s, err := app.LoadSettings(path, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		s.ModelMap = map[string]string{"gpt-5.2-codex": "gpt-5.3-codex"}
		if err := app.SaveSettings(path, s); err != nil {
			t.Fatal(err)
		}
	})

	call := func(method, route, body string) string {
		t.Helper()
		req, err := http.NewRequest(method, h.proxy+route, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+h.key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: %d %s", method, route, resp.StatusCode, b)
		}
		return string(b)
	}

	models := call("GET", "/v1/models", "")
	for _, want := range []string{`"gpt-5.3-codex"`, `"gpt-5.3-codex-xhigh"`, `"gpt-5.1-codex-mini-high"`} {
		if !strings.Contains(models, want) {
			t.Errorf("/v1/models lacks %s: %s", want, models)
		}
	}
	var asked int
	for _, r := range h.backend.Requests() {
		if r.Path == "/codex/models" {
			asked++
			if r.Status != 200 || r.Auths != 1 || r.AccountID != alice.AccountID {
				t.Errorf("models request on %q answered %d with %d bearer(s)", r.AccountID, r.Status, r.Auths)
			}
		}
	}
	if asked != 1 {
		t.Errorf("the backend was asked for its models %d times, want 1", asked)
	}

	from := h.mark()
	call("POST", "/v1/chat/completions", `{"model":"gpt-5.2-codex-high","messages":[{"role":"user","content":"hi"}]}`)
	turns := h.turns(from)
	if len(turns) != 1 {
		t.Fatalf("turns %s, want one", describeTurns(turns))
	}
	var body struct {
		Model     string `json:"model"`
		Reasoning struct {
			Effort string `json:"effort"`
		} `json:"reasoning"`
	}
	if err := json.Unmarshal(turns[0].Body, &body); err != nil || body.Model != "gpt-5.3-codex" || body.Reasoning.Effort != "high" {
		t.Errorf("the backend got model %q effort %q (%v), want gpt-5.3-codex high", body.Model, body.Reasoning.Effort, err)
	}
	if n := strings.Count(h.log.String(), "model map: gpt-5.2-codex → gpt-5.3-codex"); n != 1 {
		t.Errorf("the mapping was logged %d times, want once:\n%s", n, h.log.String())
	}
	h.assertNoSecretsLogged()
}
