//go:build linux

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/codex"
)

// codexTimeout bounds one `codex exec` (a turn takes about a second).
const codexTimeout = 90 * time.Second

func TestCodexCLIThroughProxy(t *testing.T) {
	requireE2E(t)
	t.Parallel()
	bin := requireBinary(t, codexEnv)
	h := newHarness(t)
	connectCodex(t, h)

	t.Run("active account answers", func(t *testing.T) {
		from := h.mark()
		res := runCodex(t, h, bin, "first")
		assertAnswer(t, "codex", res, "Hello from "+alice.AccountID)
		h.assertServedBy(from, alice.AccountID)
	})
	t.Run("limited account is skipped silently", func(t *testing.T) {
		h.backend.SetLimited(alice.AccountID, time.Hour)
		from := h.mark()
		res := runCodex(t, h, bin, "second")
		assertAnswer(t, "codex", res, "Hello from "+bob.AccountID)
		h.assertFailedOver(from, alice.AccountID, bob.AccountID)
	})
	h.assertNoSecretsLogged()
}

// codexQuietConfig is the user's own part of config.toml: every background
// call the CLI would make to the internet switched off (TESTING-DESKTOP.md,
// "Real clients offline"). %q is the fake backend, for ChatGPT-only calls.
const codexQuietConfig = `check_for_update_on_startup = false
cli_auth_credentials_store = "file"
chatgpt_base_url = %q

[analytics]
enabled = false

[features]
apps = false
plugins = false
remote_plugin = false
tool_suggest = false
`

// connectCodex writes the user's quiet config.toml, then lets Quiver's
// ConnectCodex add its provider, as `quiver connect codex` does: the CLI
// runs on exactly what Quiver writes (provider "quiver", the key as
// experimental_bearer_token, no environment variable).
func connectCodex(t *testing.T, h *harness) {
	t.Helper()
	path := codex.CodexConfigPath(h.codex)
	if err := os.WriteFile(path, []byte(fmt.Sprintf(codexQuietConfig, h.backend.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := codex.ConnectCodex(h.codex, codex.CodexConnection{ProxyURL: h.proxy, Key: h.key})
	if err != nil {
		t.Fatalf("ConnectCodex: %v", err)
	}
	if !res.Changed {
		t.Fatal("ConnectCodex changed nothing in a config without Quiver's provider")
	}
}

// runCodex runs one `codex exec` turn with a prompt carrying a fresh
// nonce, checks the prompt reached the backend, and returns the result.
func runCodex(t *testing.T, h *harness, bin, label string) result {
	t.Helper()
	work := filepath.Join(h.dir, "work-codex-"+label)
	if err := os.MkdirAll(work, 0o700); err != nil {
		t.Fatal(err)
	}
	nonce := randomHex(t, 8)
	from := h.mark()
	res := runCommand(t, command{
		path: bin,
		args: []string{"exec", "--skip-git-repo-check", "Say hello (" + nonce + ")"},
		env:  append(h.baseEnv(), "NO_COLOR=1"),
		dir:  work, timeout: codexTimeout,
	})
	t.Logf("codex exec took %v", res.elapsed.Round(time.Millisecond))
	if res.err != nil {
		t.Fatalf("codex exec: %v\nstdout:\n%s\nstderr:\n%s", res.err, res.stdout, res.stderr)
	}
	assertPromptSent(t, h, from, nonce)
	return res
}
