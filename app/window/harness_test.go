package window

import (
	"context"
	"encoding/json"
	"github.com/quiver-app/quiver/app/secret/secrettest"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/app/account"
	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/codex/codextest"
)

type silentSender struct{}

func (silentSender) Send(string, string) error { return nil }

// uiQueue stands in for fyne.Do: background work queues its UI updates,
// and the test goroutine runs them, so widgets are only touched there.
type uiQueue struct{ ch chan func() }

func (q *uiQueue) do(f func()) { q.ch <- f }

// harness is a window on a real App (memory keyring, files in a temp dir)
// drawn by Fyne's test driver.
type harness struct {
	t       *testing.T
	fa      fyne.App
	app     *app.App
	auth    *codextest.AuthServer
	secrets *secrettest.Memory
	q       *uiQueue
	u       *ui
	win     fyne.Window
	now     time.Time
}

// fixedNow is the tests' clock: a known minute, so texts are exact.
var fixedNow = time.Date(2025, 3, 3, 12, 0, 0, 0, time.UTC)

func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessAt(t, fixedNow)
}

// newHarnessAt is newHarness with the clock at now.
func newHarnessAt(t *testing.T, now time.Time) *harness {
	t.Helper()
	root := t.TempDir()
	secrets := secrettest.NewMemory()
	a, err := app.New(context.Background(), app.Options{
		Paths:    app.Paths{ConfigDir: filepath.Join(root, "quiver"), CodexHome: filepath.Join(root, "codex")},
		Secrets:  secrets,
		Notifier: silentSender{},
		Now:      func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, fa: test.NewTempApp(t), app: a, auth: codextest.NewAuthServer(t), secrets: secrets,
		q: &uiQueue{ch: make(chan func(), 64)}, now: now}
}

// open builds the window content.
func (h *harness) open() *ui {
	h.t.Helper()
	h.win = test.NewTempWindow(h.t, nil)
	h.u = newUI(uiDeps{fa: h.fa, app: h.app, log: slog.New(slog.DiscardHandler), win: h.win, do: h.q.do, now: func() time.Time { return h.now }})
	h.win.SetContent(h.u.content())
	h.win.Resize(fyne.NewSize(1000, 680))
	h.t.Cleanup(func() {
		h.u.stop()
		h.u.bg.Wait() // nothing writes into the temp dir after the test
	})
	return h.u
}

// sync shows the app's current state, as the subscription would.
func (h *harness) sync() { h.u.setState(h.app.State()) }

// settle runs queued UI updates until cond holds.
func (h *harness) settle(cond func() bool) {
	h.t.Helper()
	deadline := time.After(10 * time.Second)
	for !cond() {
		select {
		case f := <-h.q.ch:
			f()
		case <-deadline:
			h.t.Fatal("the window never reached the expected state")
		}
	}
}

// login adds a login of who, with no usage figures.
func (h *harness) login(who codextest.Identity) account.Account {
	h.t.Helper()
	l, err := codex.NewLogin(h.auth.Issue(who, 48*time.Hour), time.Now())
	if err != nil {
		h.t.Fatal(err)
	}
	res, err := h.app.Store().ImportLogin(context.Background(), l)
	if err != nil {
		h.t.Fatal(err)
	}
	return res.Account
}

// signIn adds a login of who with usage figures (5h and weekly use).
func (h *harness) signIn(who codextest.Identity, fiveHour, weekly float64) account.Account {
	h.t.Helper()
	ctx := context.Background()
	acc := h.login(who)
	u := account.Usage{FetchedAt: h.now, Source: "usage", Windows: []account.Window{
		{Kind: "5h", Seconds: 18000, UsedPercent: fiveHour, ResetAt: h.now.Add(2*time.Hour + 14*time.Minute)},
		{Kind: "weekly", Seconds: 604800, UsedPercent: weekly, ResetAt: h.now.Add(3*24*time.Hour + 2*time.Hour)},
	}}
	if err := h.app.Store().RecordUsage(ctx, acc.ID, u); err != nil {
		h.t.Fatal(err)
	}
	acc, _ = h.app.Store().Resolve(acc.ID)
	return acc
}

// plantWithoutWorkspace stores an account whose ChatGPT account id is
// unknown (metadata from an older Quiver), which no sign-in makes today.
func (h *harness) plantWithoutWorkspace() (account.Account, codex.Tokens) {
	h.t.Helper()
	who := codextest.Identity{Email: "solo@example.com", UserID: "u-solo"}
	exp := time.Now().Add(2 * time.Hour).Truncate(time.Second)
	tok := codex.Tokens{IDToken: codextest.MintJWT(who, exp), AccessToken: codextest.MintJWT(who, exp), RefreshToken: codextest.RandomToken("rt_")}
	acc := account.Account{ID: "0123456789ab", Alias: "solo", Email: who.Email}
	sec, _ := json.Marshal(account.Secret{Access: tok.AccessToken, Refresh: tok.RefreshToken, IDToken: tok.IDToken, Expires: exp})
	h.secrets.Set(context.Background(), acc.ID, sec)
	file, _ := json.Marshal(map[string]any{"version": 1, "accounts": []account.Account{acc}})
	if err := os.WriteFile(h.app.Paths().AccountsFile(), file, 0o600); err != nil {
		h.t.Fatal(err)
	}
	if err := h.app.Store().Reload(context.Background()); err != nil {
		h.t.Fatal(err)
	}
	return acc, tok
}

var (
	alice = codextest.Identity{Email: "alice@example.com", AccountID: "ws-alice", UserID: "u-alice"}
	bob   = codextest.Identity{Email: "bob@example.com", AccountID: "ws-bob", UserID: "u-bob", Plan: "pro"}
	carol = codextest.Identity{Email: "carol@example.com", AccountID: "ws-carol", UserID: "u-carol"}
)
