package app

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/quiver-app/quiver/app/secret/secrettest"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/account"
	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/codex/codextest"
)

type recordingSender struct {
	mu   sync.Mutex
	msgs []string
}

func (r *recordingSender) Send(title, body string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, title+": "+body)
	return nil
}

// world is Quiver with a fake OpenAI behind it.
type world struct {
	app     *App
	auth    *codextest.AuthServer
	backend *codextest.Backend
	ids     map[string]string // alias → account id
	sender  *recordingSender
}

func newWorld(t *testing.T, who ...codextest.Identity) *world {
	t.Helper()
	auth := codextest.NewAuthServer(t)
	backend := codextest.NewBackend(t)
	backend.SetTokenValid(auth.IsValidAccess)
	t.Setenv(codex.AuthIssuerEnv, auth.URL)
	t.Setenv(codex.ChatGPTBaseURLEnv, backend.URL)
	root := t.TempDir()
	sender := &recordingSender{}
	a, err := New(context.Background(), Options{
		Paths:   Paths{ConfigDir: filepath.Join(root, "quiver"), CodexHome: filepath.Join(root, "codex")},
		Secrets: secrettest.NewMemory(), Notifier: sender,
	})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{app: a, auth: auth, backend: backend, ids: map[string]string{}, sender: sender}
	for _, id := range who {
		l, err := codex.NewLogin(auth.Issue(id, time.Hour), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		r, err := a.store.ImportLogin(context.Background(), l)
		if err != nil {
			t.Fatal(err)
		}
		w.ids[r.Account.Alias] = r.Account.ID
	}
	return w
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startProxy runs the app's proxy and returns its base URL and key.
func (w *world) startProxy(t *testing.T) (string, string) {
	ctx, cancel := context.WithCancel(context.Background())
	addr := freeAddr(t)
	srv, _, err := w.app.NewProxy(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { srv.ListenAndServe(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	key, _ := w.app.ProxyKey(ctx)
	for i := 0; i < 200; i++ {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	return "http://" + addr, key
}

func codexRequest(t *testing.T, base, key string) (int, string) {
	body := `{"model":"gpt-5.1-codex","instructions":"x","input":[{"role":"user","content":"hi"}],"store":false,"stream":true}`
	req, _ := http.NewRequest("POST", base+"/backend-api/codex/responses", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var (
	alice = codextest.Identity{Email: "alice@example.com", AccountID: "ws-alice", UserID: "u-alice"}
	bob   = codextest.Identity{Email: "bob@example.com", AccountID: "ws-bob", UserID: "u-bob"}
)

func TestProxyRotatesOnLimitAndPersistsCooldown(t *testing.T) {
	w := newWorld(t, alice, bob)
	if _, err := w.app.UpdateSettings(func(s *Settings) { s.Strategy = StrategyFillFirst }); err != nil {
		t.Fatal(err)
	}
	base, key := w.startProxy(t)
	w.backend.SetLimited("ws-alice", 2*time.Hour)

	status, body := codexRequest(t, base, key)
	if status != 200 || !strings.Contains(body, "response.completed") || !strings.Contains(body, "ws-bob") {
		t.Fatalf("request with alice limited: %d\n%s", status, body)
	}
	// The cooldown is stored (it survives a restart) and ends at the reset.
	deadline := time.Now().Add(5 * time.Second)
	var a account.Account
	for time.Now().Before(deadline) {
		a, _ = w.app.store.Resolve("alice")
		if !a.CooldownUntil.IsZero() {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if until := time.Until(a.CooldownUntil); until < 110*time.Minute || until > 2*time.Hour+time.Minute {
		t.Fatalf("alice cooled down for %v, want about 2h", until)
	}

	// Everyone limited: the upstream's own usage_limit_reached shape.
	w.backend.SetLimited("ws-bob", 3*time.Hour)
	codexRequest(t, base, key) // bob answers 429: now both are cooling down
	status, body = codexRequest(t, base, key)
	var e struct {
		Error struct {
			Type            string `json:"type"`
			ResetsInSeconds int64  `json:"resets_in_seconds"`
		} `json:"error"`
	}
	if status != 429 || json.Unmarshal([]byte(body), &e) != nil || e.Error.Type != "usage_limit_reached" ||
		e.Error.ResetsInSeconds < 100*60 || e.Error.ResetsInSeconds > 2*3600+60 {
		t.Fatalf("all limited: %d %s", status, body)
	}
	if _, err := w.app.store.ClearCooldown(context.Background(), "alice"); err != nil {
		t.Fatal(err)
	}
}

func TestProxyRefreshesOnceAfter401(t *testing.T) {
	w := newWorld(t, alice)
	base, key := w.startProxy(t)
	// Upstream stops accepting alice's current access token (as after a
	// server-side expiry); her refresh token still works.
	sec, _ := w.app.store.Tokens(context.Background(), w.ids["alice"])
	w.backend.SetTokenValid(func(access string) bool { return access != sec.Access && w.auth.IsValidAccess(access) })

	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if status, body := codexRequest(t, base, key); status != 200 {
				t.Errorf("request after a 401: %d %s", status, body)
			}
		}()
	}
	wg.Wait()
	if n := w.auth.RefreshCount(); n != 1 {
		t.Errorf("%d refreshes for one stale token, want 1", n)
	}
	if w.auth.Reuses() != 0 {
		t.Error("a refresh token was sent twice")
	}
	if now, _ := w.app.store.Tokens(context.Background(), w.ids["alice"]); now.Access == sec.Access {
		t.Error("the refreshed token was not stored")
	}
}

func TestFetchLimitsAndNotifications(t *testing.T) {
	w := newWorld(t, alice, bob)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { w.app.runNotifications(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	w.backend.SetUsage("ws-alice", 42, 10)
	u, err := w.app.FetchLimits(ctx, w.ids["alice"])
	if err != nil {
		t.Fatal(err)
	}
	if five, ok := u.Window("5h"); !ok || five.UsedPercent != 42 {
		t.Fatalf("5h window = %+v", u.Windows)
	}
	if wk, ok := u.Window("weekly"); !ok || wk.UsedPercent != 10 {
		t.Fatalf("weekly window = %+v", u.Windows)
	}
	w.backend.SetUsage("ws-alice", 85, 10)
	if _, err := w.app.FetchLimits(ctx, w.ids["alice"]); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		w.sender.mu.Lock()
		n := len(w.sender.msgs)
		w.sender.mu.Unlock()
		if n > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	w.sender.mu.Lock()
	defer w.sender.mu.Unlock()
	if len(w.sender.msgs) != 1 || !strings.Contains(w.sender.msgs[0], "alice") || !strings.Contains(w.sender.msgs[0], "85") {
		t.Fatalf("notifications = %q, want one warning for alice at 85%%", w.sender.msgs)
	}
	for _, m := range w.sender.msgs {
		sec, _ := w.app.store.Tokens(ctx, w.ids["alice"])
		if bytes.Contains([]byte(m), []byte(sec.Access)) {
			t.Fatal("a notification holds a token")
		}
	}
}

func TestAutoSwitchMovesAwayFromALimitedAccount(t *testing.T) {
	w := newWorld(t, alice, bob)
	ctx := context.Background()
	if _, err := w.app.store.Switch(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	w.app.store.SetCooldown(ctx, w.ids["alice"], time.Now().Add(time.Hour))
	from, to := w.app.maybeAutoSwitch(ctx, w.app.store.Snapshot())
	if from != "alice" || to != "bob" || w.app.store.Snapshot().ActiveID != w.ids["bob"] {
		t.Fatalf("auto-switch: %q → %q, active %q", from, to, w.app.store.Snapshot().ActiveID)
	}
	// Bob is fine: nothing more to do.
	if from, _ := w.app.maybeAutoSwitch(ctx, w.app.store.Snapshot()); from != "" {
		t.Fatal("switched away from a usable account")
	}
}

func TestUsageStateMachineAndPoller(t *testing.T) {
	w := newWorld(t, alice, bob)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := w.app.SetDisabled(ctx, w.ids["bob"], true); err != nil {
		t.Fatal(err)
	}
	w.backend.SetUsage("ws-alice", 12, 3)
	done := make(chan struct{})
	go func() { w.app.pollUsage(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	// The poller fetches alice at once (no figures yet) and never bob
	// (disabled).
	waitFor(t, func() bool {
		a, _ := w.app.store.Resolve("alice")
		return a.Usage != nil
	})
	for _, r := range w.backend.Requests() {
		if r.AccountID == "ws-bob" {
			t.Fatal("the poller asked for a disabled account's usage")
		}
	}
	state := func() account.State {
		a, _ := w.app.store.Resolve("alice")
		return a.State(time.Now(), w.app.Settings().WarnPercent)
	}
	if state() != account.StateOK {
		t.Fatalf("at 12%%: %s", state())
	}
	steps := []struct {
		p5   float64
		want account.State
	}{{85, account.StateWarn}, {100, account.StateLimited}, {5, account.StateOK}}
	for _, st := range steps {
		w.backend.SetUsage("ws-alice", st.p5, 3)
		if _, err := w.app.FetchLimits(ctx, w.ids["alice"]); err != nil {
			t.Fatal(err)
		}
		if got := state(); got != st.want {
			t.Fatalf("at %v%%: state %s, want %s", st.p5, got, st.want)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCodexLoginRevokesReplacedAccount is the hazard of DESIGN.md "Token
// lifecycle": `codex login` as bob replaces auth.json and (in newer Codex
// CLIs) revokes the alice tokens that were there. Quiver notices the
// replacement, checks alice at once, marks her needs-login with the reason,
// and leaves bob (imported) and the rest alone.
func TestCodexLoginRevokesReplacedAccount(t *testing.T) {
	w := newWorld(t, alice)
	if _, err := w.app.UpdateSettings(func(s *Settings) { s.ProxyEnabled = false }); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := w.app.store.Switch(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { w.app.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	time.Sleep(300 * time.Millisecond) // the watcher arms

	sec, _ := w.app.store.Tokens(ctx, w.ids["alice"])
	w.auth.RevokeFamily(sec.Refresh) // what `codex login` does to the old login
	if err := codex.WriteLogin(w.app.paths.AuthFile(), w.auth.Issue(bob, time.Hour), time.Now()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		a, err := w.app.store.Resolve("alice")
		return err == nil && a.NeedsLogin
	})
	a, _ := w.app.store.Resolve("alice")
	if !strings.Contains(a.NeedsLoginReason, "codex login") {
		t.Errorf("reason = %q, want it to name `codex login`", a.NeedsLoginReason)
	}
	b, err := w.app.store.Resolve("bob")
	if err != nil || b.NeedsLogin || w.app.store.Snapshot().ActiveID != b.ID {
		t.Fatalf("bob after his codex login: %+v, %v", b, err)
	}
}
