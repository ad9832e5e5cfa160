package cli

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRegenerateKeyReachesProxyAndClients: with `quiver proxy` running and
// the Codex CLI and OpenCode connected, `quiver proxy key --regenerate`
// makes the running proxy refuse the old key and take the new one, and
// rewrites both client configs (the user's own lines kept, backups made),
// saying which files it changed.
func TestRegenerateKeyReachesProxyAndClients(t *testing.T) {
	w := newWorld(t)
	w.importLogin(binAlice)
	addr := freeAddr(t)
	w.writeSettings(map[string]any{"version": 1, "proxy_listen": addr})
	codexConfig := filepath.Join(w.codex, "config.toml")
	opencodeConfig := filepath.Join(w.home, ".config", "opencode", "opencode.json")
	os.MkdirAll(filepath.Dir(codexConfig), 0o700)
	os.MkdirAll(filepath.Dir(opencodeConfig), 0o700)
	userCodex := "# mine\nmodel = \"gpt-5.1-codex\"\n"
	userOpenCode := "{\n  // mine\n  \"theme\": \"dark\",\n}\n"
	os.WriteFile(codexConfig, []byte(userCodex), 0o600)
	os.WriteFile(opencodeConfig, []byte(userOpenCode), 0o600)
	w.mustRun("connect", "codex")
	w.mustRun("connect", "opencode")
	oldKey := strings.TrimSpace(w.mustRun("proxy", "key"))

	p := w.start(nil, "proxy")
	p.waitOutput("Ctrl-C stops it")
	if st, _ := w.proxied(addr, oldKey); st != http.StatusOK {
		t.Fatalf("the proxy refused its key: %d", st)
	}

	o := w.run("proxy", "key", "--regenerate")
	newKey := strings.TrimSpace(o.stdout)
	if o.code != 0 || !strings.HasPrefix(newKey, "qvr_") || newKey == oldKey || strings.Contains(o.stdout, "\n"+"quiver:") {
		t.Fatalf("quiver proxy key --regenerate: %s", o)
	}
	for _, f := range []string{codexConfig, opencodeConfig} {
		if !strings.Contains(o.stderr, "wrote the new key into "+f) {
			t.Errorf("the output does not name %s: %s", f, o)
		}
		data, _ := os.ReadFile(f)
		if !strings.Contains(string(data), newKey) || strings.Contains(string(data), oldKey) {
			t.Errorf("%s does not hold the new key (and only it):\n%s", f, data)
		}
		backup, _ := os.ReadFile(f + ".quiver-backup")
		if !strings.Contains(string(backup), oldKey) {
			t.Errorf("%s has no backup of the version before", f)
		}
	}
	if data, _ := os.ReadFile(codexConfig); !strings.HasPrefix(string(data), userCodex) {
		t.Errorf("config.toml lost the user's lines:\n%s", data)
	}
	if data, _ := os.ReadFile(opencodeConfig); !strings.Contains(string(data), "// mine") || !strings.Contains(string(data), `"theme": "dark"`) {
		t.Errorf("opencode.json lost the user's lines:\n%s", data)
	}
	if strings.Contains(o.stderr, newKey) || strings.Contains(o.stderr, oldKey) {
		t.Error("the notes on stderr carry a key")
	}

	eventually(t, "the running proxy did not switch to the new key", func() error {
		if st, _ := w.proxied(addr, oldKey); st != http.StatusUnauthorized {
			return fmt.Errorf("the old key got %d", st)
		}
		return nil
	})
	if st, acc := w.proxied(addr, newKey); st != http.StatusOK || acc != binAlice.AccountID {
		t.Fatalf("the new key got %d on %q", st, acc)
	}
	if strings.Contains(p.out.String(), newKey) || strings.Contains(p.out.String(), oldKey) {
		t.Error("the proxy's log carries a key")
	}
}
