package app

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/quiver-app/quiver/app/codex/codextest"
)

// lockedBuffer is a log sink safe for the proxy's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *lockedBuffer) lines(substr string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.b.String(), substr)
}

const blockedLogLine = "not a token error"

// A CDN challenge on one account: the turns complete on the next account,
// no refresh token is spent, no account is marked needs-login, and the log
// says so once, however many requests met the challenge.
func TestProxyBlocked403KeepsTheLogin(t *testing.T) {
	w := newWorld(t, alice, bob)
	if _, err := w.app.UpdateSettings(func(s *Settings) { s.Strategy = StrategyFillFirst }); err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	w.app.log = slog.New(slog.NewTextHandler(logs, nil))
	base, key := w.startProxy(t)
	const requests = 4
	for range requests {
		w.backend.Next("ws-alice", codextest.Script{Challenge: true})
	}

	var wg sync.WaitGroup
	for range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if status, body := codexRequest(t, base, key); status != 200 || !strings.Contains(body, "Hello from ws-bob") {
				t.Errorf("turn during alice's challenge: %d %s", status, body)
			}
		}()
	}
	wg.Wait()

	if n := w.auth.RefreshCount(); n != 0 {
		t.Errorf("%d refresh tokens spent on a CDN challenge", n)
	}
	for _, a := range w.app.store.Snapshot().Accounts {
		if a.NeedsLogin || !a.CooldownUntil.IsZero() {
			t.Errorf("%s: needs login %v, cooldown %v after a CDN challenge", a.Label(), a.NeedsLogin, a.CooldownUntil)
		}
	}
	if n := logs.lines(blockedLogLine); n != 1 {
		t.Errorf("%d log lines about the challenge, want 1:\n%s", n, logs.b.String())
	}
	if strings.Contains(logs.b.String(), "Just a moment") {
		t.Error("the challenge page reached the log")
	}
}

// Every account challenged: a clear JSON 403, not a fake usage limit, and
// still no refresh and no lost login.
func TestProxyEveryAccountBlocked(t *testing.T) {
	w := newWorld(t, alice, bob)
	logs := &lockedBuffer{}
	w.app.log = slog.New(slog.NewTextHandler(logs, nil))
	base, key := w.startProxy(t)
	w.backend.Next("ws-alice", codextest.Script{Challenge: true})
	w.backend.Next("ws-bob", codextest.Script{Challenge: true})
	for round := range 2 {
		status, body := codexRequest(t, base, key)
		var e struct {
			Error struct{ Type, Message string } `json:"error"`
		}
		if status != 403 || json.Unmarshal([]byte(body), &e) != nil || e.Error.Type != "upstream_blocked" {
			t.Fatalf("round %d: %d %s", round, status, body)
		}
	}
	if n := len(w.backend.Requests()); n != 2 {
		t.Errorf("backend saw %d requests, want 2: the second round waits out the back-off", n)
	}
	if n := w.auth.RefreshCount(); n != 0 {
		t.Errorf("%d refresh tokens spent", n)
	}
	for _, a := range w.app.store.Snapshot().Accounts {
		if a.NeedsLogin {
			t.Errorf("%s marked needs-login", a.Label())
		}
	}
	if n := logs.lines(blockedLogLine); n != 2 {
		t.Errorf("%d log lines, want one per account:\n%s", n, logs.b.String())
	}
}
