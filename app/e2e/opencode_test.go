//go:build linux

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// opencodeTimeout bounds one `opencode run` (about 5 s a turn, mostly
// start-up). OpenCode retries a persistent 429 forever, so a failing
// rotation ends here.
const opencodeTimeout = 45 * time.Second

// opencodeKeyEnv carries the proxy key to OpenCode's provider options
// ("apiKey": "{env:QUIVER_PROXY_KEY}").
const opencodeKeyEnv = "QUIVER_PROXY_KEY"

// opencodeModel is the model the test asks for through Quiver's provider.
const opencodeModel = "gpt-5.1-codex"

func TestOpenCodeThroughProxy(t *testing.T) {
	requireE2E(t)
	t.Parallel()
	bin := requireBinary(t, opencodeEnv)
	h := newHarness(t)
	config := writeOpenCodeConfig(t, h)

	t.Run("active account answers", func(t *testing.T) {
		from := h.mark()
		res := runOpenCode(t, h, bin, config, "first")
		assertAnswer(t, "opencode", res, "Hello from "+alice.AccountID)
		h.assertServedBy(from, alice.AccountID)
	})
	t.Run("limited account is skipped silently", func(t *testing.T) {
		h.backend.SetLimited(alice.AccountID, time.Hour)
		from := h.mark()
		res := runOpenCode(t, h, bin, config, "second")
		assertAnswer(t, "opencode", res, "Hello from "+bob.AccountID)
		h.assertFailedOver(from, alice.AccountID, bob.AccountID)
	})
	h.assertNoSecretsLogged()
}

// writeOpenCodeConfig writes an opencode.json with Quiver's /v1 as an
// OpenAI (Responses API) provider and returns its path.
func writeOpenCodeConfig(t *testing.T, h *harness) string {
	t.Helper()
	config := map[string]any{
		"$schema":    "https://opencode.ai/config.json",
		"autoupdate": false,
		"share":      "disabled",
		"model":      "quiver/" + opencodeModel,
		"provider": map[string]any{
			"quiver": map[string]any{
				"npm":  "@ai-sdk/openai",
				"name": "Quiver",
				"options": map[string]any{
					"baseURL": h.proxy + "/v1",
					"apiKey":  "{env:" + opencodeKeyEnv + "}",
				},
				"models": map[string]any{opencodeModel: map[string]any{"name": "GPT-5.1 Codex"}},
			},
		},
	}
	data, err := json.MarshalIndent(config, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(h.home, ".config", "opencode", "opencode.json")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runOpenCode runs one `opencode run` turn with a prompt carrying a fresh
// nonce, checks the prompt reached the backend, and returns the result.
func runOpenCode(t *testing.T, h *harness, bin, config, label string) result {
	t.Helper()
	work := filepath.Join(h.dir, "work-opencode-"+label)
	if err := os.MkdirAll(work, 0o700); err != nil {
		t.Fatal(err)
	}
	nonce := randomHex(t, 8)
	from := h.mark()
	res := runCommand(t, command{
		path: bin,
		args: []string{"run", "--print-logs", "Say hello (" + nonce + ")"},
		env: append(h.baseEnv(),
			opencodeKeyEnv+"="+h.key,
			"OPENCODE_CONFIG="+config,
			"OPENCODE_DISABLE_AUTOUPDATE=1",
			"OPENCODE_DISABLE_MODELS_FETCH=1",
			"OPENCODE_DISABLE_LSP_DOWNLOAD=1",
			"OPENCODE_DISABLE_DEFAULT_PLUGINS=1",
			"NO_COLOR=1",
		),
		dir: work, timeout: opencodeTimeout,
	})
	t.Logf("opencode run took %v", res.elapsed.Round(time.Millisecond))
	if res.err != nil {
		t.Fatalf("opencode run: %v\nstdout:\n%s\nstderr:\n%s", res.err, res.stdout, res.stderr)
	}
	assertPromptSent(t, h, from, nonce)
	return res
}
