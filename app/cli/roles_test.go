package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/codex/codextest"
)

// proxied sends one Codex turn through the proxy at addr and returns the
// status and which account the backend saw answer it last.
func (w *world) proxied(addr, key string) (status int, account string) {
	w.t.Helper()
	before := len(w.backend.Requests())
	body := `{"model":"gpt-5.1-codex","instructions":"x","input":[{"role":"user","content":"hi"}],"store":false,"stream":true}`
	req, _ := http.NewRequest("POST", "http://"+addr+"/backend-api/codex/responses", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	for _, r := range w.backend.Requests()[before:] {
		if r.Path == "/codex/responses" && r.Status == http.StatusOK {
			account = r.AccountID
		}
	}
	return resp.StatusCode, account
}

// proxyCooldown returns an error while the proxy at addr still holds the
// account labelled label in cooldown, per its /quiver/status.
func (w *world) proxyCooldown(addr, key, label string) error {
	req, _ := http.NewRequest("GET", "http://"+addr+"/quiver/status", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var st struct {
		Accounts []struct {
			Label         string    `json:"label"`
			CooldownUntil time.Time `json:"cooldown_until"`
		} `json:"accounts"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return err
	}
	for _, a := range st.Accounts {
		if a.Label == label {
			if !a.CooldownUntil.IsZero() {
				return fmt.Errorf("%s cools down until %v", a.Label, a.CooldownUntil)
			}
			return nil
		}
	}
	return fmt.Errorf("no %s in %+v", label, st.Accounts)
}

// writeSettings merges fields into settings.json, as the window process
// or a user's editor would change it, atomically.
func (w *world) writeSettings(fields map[string]any) {
	w.t.Helper()
	path := filepath.Join(w.config, "settings.json")
	s := map[string]any{}
	if data, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(data, &s); err != nil {
			w.t.Fatal(err)
		}
	}
	for k, v := range fields {
		s[k] = v
	}
	data, _ := json.MarshalIndent(s, "", "  ")
	os.MkdirAll(w.config, 0o700)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		w.t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		w.t.Fatal(err)
	}
}

var (
	binAlice = codextest.Identity{Email: "alice@example.com", AccountID: "ws-alice", UserID: "u-alice", Plan: "plus"}
	binBob   = codextest.Identity{Email: "bob@example.com", AccountID: "ws-bob", UserID: "u-bob", Plan: "pro"}
)

// TestStandaloneProxyFollowsOtherProcesses: a `quiver proxy` in one
// terminal sees `quiver cooldown clear alice` run in another, and a
// strategy changed in settings.json.
func TestStandaloneProxyFollowsOtherProcesses(t *testing.T) {
	w := newWorld(t)
	w.importLogin(binBob)
	w.importLogin(binAlice)
	w.mustRun("switch", "alice")
	key := strings.TrimSpace(w.mustRun("proxy", "key"))
	w.backend.SetLimited(binAlice.AccountID, time.Hour)

	addr := freeAddr(t)
	p := w.start(nil, "proxy", "--listen", addr)
	p.waitOutput("Ctrl-C stops it")
	if st, acc := w.proxied(addr, key); st != http.StatusOK || acc != binBob.AccountID {
		t.Fatalf("alice limited: the turn answered %d on %q, want 200 on bob", st, acc)
	}
	if out := w.mustRun("list"); !strings.Contains(out, "limited") {
		t.Fatalf("alice is not in cooldown after her 429:\n%s", out)
	}

	// alice has room again, and the user says so from another terminal.
	w.backend.SetLimited(binAlice.AccountID, 0)
	if out := w.mustRun("cooldown", "clear", "alice"); !strings.Contains(out, "back in rotation") {
		t.Fatal(out)
	}
	// The proxy's own status says when it has seen the change; no turn is
	// sent before, so no turn of its own can make it re-read the file.
	eventually(t, "the proxy did not see `quiver cooldown clear alice`", func() error {
		return w.proxyCooldown(addr, key, "alice")
	})
	if st, acc := w.proxied(addr, key); st != http.StatusOK || acc != binAlice.AccountID {
		t.Fatalf("after cooldown clear the turn answered %d on %q, want 200 on alice", st, acc)
	}

	// Sticky keeps every turn on alice; round-robin, once followed, uses
	// bob too.
	w.writeSettings(map[string]any{"version": 1, "strategy": "round-robin"})
	eventually(t, "the proxy did not follow the strategy in settings.json", func() error {
		seen := map[string]bool{}
		for range 3 {
			_, acc := w.proxied(addr, key)
			seen[acc] = true
		}
		if !seen[binAlice.AccountID] || !seen[binBob.AccountID] {
			return fmt.Errorf("turns went to %v only", seen)
		}
		return nil
	})
}

// TestBesideHeadless: next to a running `quiver --headless`, `quiver
// proxy` refuses and says which process serves the proxy and where;
// `quiver` says Quiver runs headless (not that a window opened).
func TestBesideHeadless(t *testing.T) {
	w := newWorld(t)
	w.importLogin(binAlice)
	addr := freeAddr(t)
	w.writeSettings(map[string]any{"version": 1, "proxy_listen": addr, "autostart_asked": true})
	h := w.start(nil, "--headless")
	eventually(t, "quiver --headless did not serve the proxy", func() error {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	})
	pid := fmt.Sprintf("pid %d", h.cmd.Process.Pid)

	o := w.run("proxy", "--listen", freeAddr(t))
	if o.code != ExitError || !strings.Contains(o.stderr, "`quiver --headless` ("+pid+")") ||
		!strings.Contains(o.stderr, "http://"+addr) || strings.Contains(o.stderr, "Ctrl-C") {
		t.Errorf("quiver proxy beside --headless: %s", o)
	}
	o = w.run()
	if o.code != ExitError || !strings.Contains(o.stderr, "headless") || !strings.Contains(o.stderr, pid) ||
		!strings.Contains(o.stderr, "http://"+addr) || strings.Contains(o.stdout, "window is open") || oneLineCount(o.stderr) != 1 {
		t.Errorf("quiver beside --headless: %s", o)
	}
	o = w.run("--headless")
	if o.code != ExitError || !strings.Contains(o.stderr, pid) {
		t.Errorf("a second --headless: %s", o)
	}
}

func oneLineCount(s string) int { return len(strings.Split(strings.TrimSpace(s), "\n")) }

// TestGUIWithNoDisplayNorTray: `quiver` over SSH (no display, no session
// bus) says in one line what to run instead, and exits.
func TestGUIWithNoDisplayNorTray(t *testing.T) {
	w := newWorld(t)
	o := w.run()
	if o.code != ExitError || oneLineCount(o.stderr) != 1 || !strings.Contains(o.stderr, "`quiver --headless`") || o.stdout != "" {
		t.Fatalf("quiver with no display and no tray: %s", o)
	}
	// It left nothing running: the next one may start.
	if o := w.run(); o.code != ExitError || !strings.Contains(o.stderr, "no display") {
		t.Fatalf("second try: %s", o)
	}
}

// TestProxyPortBusy: with the port taken, `quiver proxy` says so and
// never announces a proxy that is not there.
func TestProxyPortBusy(t *testing.T) {
	w := newWorld(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	o := w.run("proxy", "--listen", busy.Addr().String())
	if o.code != ExitError || !strings.Contains(o.stderr, "address already in use") || strings.Contains(o.stderr, "Ctrl-C stops it") {
		t.Fatalf("quiver proxy on a taken port: %s", o)
	}
}
