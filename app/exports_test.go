package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/quiver-app/quiver/app/secret/secrettest"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/account"
	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/codex/codextest"
)

// loggedApp is an App with a memory secret store whose log is kept, and
// the fake auth server that minted its logins.
type loggedApp struct {
	app     *App
	auth    *codextest.AuthServer
	log     *bytes.Buffer
	secrets *secrettest.Memory
}

func newLoggedApp(t *testing.T) *loggedApp {
	t.Helper()
	var buf bytes.Buffer
	root := t.TempDir()
	secrets := secrettest.NewMemory()
	a, err := New(context.Background(), Options{
		Paths:   Paths{ConfigDir: filepath.Join(root, "quiver"), CodexHome: filepath.Join(root, "codex")},
		Secrets: secrets, Notifier: &recordingSender{},
		Logger: slog.New(slog.NewTextHandler(&buf, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return &loggedApp{app: a, auth: codextest.NewAuthServer(t), log: &buf, secrets: secrets}
}

// plantWithoutWorkspace stores an account whose ChatGPT account id is
// unknown (metadata from an older Quiver; tokens without the claim), which
// no sign-in produces today.
func (l *loggedApp) plantWithoutWorkspace(t *testing.T) (account.Account, codex.Tokens) {
	t.Helper()
	who := codextest.Identity{Email: "solo@example.com", UserID: "u-solo"}
	exp := time.Now().Add(2 * time.Hour).Truncate(time.Second)
	tok := codex.Tokens{IDToken: codextest.MintJWT(who, exp), AccessToken: codextest.MintJWT(who, exp), RefreshToken: codextest.RandomToken("rt_")}
	acc := account.Account{ID: "0123456789ab", Alias: "solo", Email: who.Email}
	sec, _ := json.Marshal(account.Secret{Access: tok.AccessToken, Refresh: tok.RefreshToken, IDToken: tok.IDToken, Expires: exp})
	l.secrets.Set(context.Background(), acc.ID, sec)
	file, _ := json.Marshal(map[string]any{"version": 1, "accounts": []account.Account{acc}})
	if err := os.WriteFile(l.app.paths.AccountsFile(), file, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := l.app.store.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	return acc, tok
}

// signIn imports a fresh login of id and returns the account and its tokens.
func (l *loggedApp) signIn(t *testing.T, id codextest.Identity, ttl time.Duration) (account.Account, codex.Tokens) {
	t.Helper()
	tok := l.auth.Issue(id, ttl)
	lg, err := codex.NewLogin(tok, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.app.store.ImportLogin(context.Background(), lg)
	if err != nil {
		t.Fatal(err)
	}
	return res.Account, tok
}

func TestOpenCodeExport(t *testing.T) {
	tests := []struct {
		name          string
		plant         func(l *loggedApp, t *testing.T) (account.Account, codex.Tokens)
		wantAccountID string // "" = absent
	}{
		{"with ChatGPT account id", func(l *loggedApp, t *testing.T) (account.Account, codex.Tokens) {
			return l.signIn(t, alice, 2*time.Hour)
		}, "ws-alice"},
		{"without ChatGPT account id", (*loggedApp).plantWithoutWorkspace, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := newLoggedApp(t)
			acc, tok := tt.plant(l, t)
			e, err := l.app.OpenCodeExport(context.Background(), acc.Alias)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]map[string]any
			if err := json.Unmarshal(e.JSON, &got); err != nil {
				t.Fatal(err)
			}
			oa := got["openai"]
			if oa["type"] != "oauth" || oa["access"] != tok.AccessToken || oa["refresh"] != tok.RefreshToken {
				t.Errorf("export is not the stock OpenCode login: %v", keys(oa))
			}
			claims, _ := codex.ParseClaims(tok.AccessToken)
			if exp, _ := oa["expires"].(float64); int64(exp) != claims.Expiry.UnixMilli() {
				t.Errorf("expires = %v, want %d (exp in ms)", oa["expires"], claims.Expiry.UnixMilli())
			}
			id, has := oa["accountId"]
			switch {
			case tt.wantAccountID == "" && has:
				t.Errorf("accountId = %v, want it left out", id)
			case tt.wantAccountID != "" && id != tt.wantAccountID:
				t.Errorf("accountId = %v, want %s", id, tt.wantAccountID)
			}
			if id == acc.ID {
				t.Error("accountId is Quiver's local id")
			}
			if e.AccessPreview == "" || strings.Contains(tok.AccessToken, e.AccessPreview) || len(e.RefreshPreview) > 16 {
				t.Errorf("previews not truncated: %q %q", e.AccessPreview, e.RefreshPreview)
			}
			if s := e.String() + e.GoString(); strings.Contains(s, tok.AccessToken[:20]) {
				t.Errorf("String leaks the token: %s", s)
			}
			logged := l.log.String()
			if !strings.Contains(logged, "exported account to OpenCode") || !strings.Contains(logged, acc.ID) {
				t.Errorf("no audit line: %s", logged)
			}
			for _, secret := range []string{tok.AccessToken, tok.RefreshToken, tok.IDToken, tok.RefreshToken[:12]} {
				if strings.Contains(logged, secret) {
					t.Fatal("the log holds token material")
				}
			}
		})
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestPreviewOpenCodeExportIsNotAnExport(t *testing.T) {
	t.Parallel()
	l := newLoggedApp(t)
	acc, _ := l.signIn(t, alice, time.Hour)
	e, err := l.app.PreviewOpenCodeExport(context.Background(), acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if e.JSON != nil || e.AccessPreview == "" || e.Label != acc.Alias || e.ChatGPTAccountID != "ws-alice" {
		t.Errorf("preview = %+v", e)
	}
	if strings.Contains(l.log.String(), "exported") {
		t.Error("a preview wrote an audit line")
	}
}

func TestSaveOpenCodeExport(t *testing.T) {
	t.Parallel()
	l := newLoggedApp(t)
	acc, tok := l.signIn(t, alice, time.Hour)
	path := filepath.Join(t.TempDir(), "opencode", "auth.json")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(`{"anthropic": {"type": "api", "key": "other"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := l.app.SaveOpenCodeExport(context.Background(), acc.ID, path); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	if !bytes.Contains(data, []byte(tok.RefreshToken)) || !bytes.Contains(data, []byte("anthropic")) {
		t.Errorf("saved file lacks the login or lost the other provider")
	}
	if !strings.Contains(l.log.String(), "file="+path) {
		t.Errorf("audit line does not name the file: %s", l.log.String())
	}
}

func TestOpenCodeExportRefusals(t *testing.T) {
	t.Parallel()
	l := newLoggedApp(t)
	acc, _ := l.signIn(t, alice, time.Hour)
	ctx := context.Background()
	if _, err := l.app.OpenCodeExport(ctx, "nobody"); !account.IsNotFound(err) {
		t.Errorf("unknown account: err = %v", err)
	}
	if err := l.app.store.MarkNeedsLogin(ctx, acc.ID, "revoked"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.app.OpenCodeExport(ctx, acc.ID); !errors.Is(err, account.ErrNeedsLogin) {
		t.Errorf("needs-login account: err = %v", err)
	}
	if strings.Contains(l.log.String(), "exported account") {
		t.Error("a refused export wrote an audit line")
	}
}

func TestHandOverAndTakeBack(t *testing.T) {
	t.Parallel()
	l := newLoggedApp(t)
	acc, _ := l.signIn(t, alice, time.Hour)
	ctx := context.Background()
	ocAuth := filepath.Join(t.TempDir(), "opencode", "auth.json")
	if err := l.app.SaveOpenCodeExport(ctx, acc.ID, ocAuth); err != nil {
		t.Fatal(err)
	}
	if err := l.app.HandOver(ctx, acc.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := l.app.store.Resolve(acc.ID)
	if !got.Exported || got.Usable(time.Now()) || got.State(time.Now(), 80) != account.StateExported {
		t.Errorf("after HandOver: exported=%v usable=%v", got.Exported, got.Usable(time.Now()))
	}
	// The switch the tray and the window call refuses it.
	if _, err := l.app.Switch(ctx, acc.ID); !errors.Is(err, ErrHandedOver) {
		t.Errorf("Switch to a handed-over account: err = %v, want ErrHandedOver", err)
	}
	// Not in the file given: nothing changes.
	if _, err := l.app.TakeBackFrom(ctx, acc.ID, filepath.Join(t.TempDir(), "none.json")); !errors.Is(err, ErrNothingToTakeBack) {
		t.Errorf("TakeBackFrom a file without the login: err = %v", err)
	}
	if got, _ = l.app.store.Resolve(acc.ID); !got.Exported {
		t.Error("a refused take-back un-exported the account")
	}
	res, err := l.app.TakeBackFrom(ctx, acc.ID, ocAuth)
	if err != nil {
		t.Fatal(err)
	}
	if res.Account.Exported || res.Refreshed {
		t.Errorf("TakeBackFrom = %+v", res)
	}
	if _, err := codex.ReadOpenCodeLogin(ocAuth); !errors.Is(err, codex.ErrNoOpenCodeLogin) {
		t.Errorf("OpenCode's auth.json still holds the login after the take-back: %v", err)
	}
	if _, err := l.app.Switch(ctx, acc.ID); err != nil {
		t.Errorf("Switch after the take-back: %v", err)
	}
	if err := l.app.HandOver(ctx, "nobody"); !account.IsNotFound(err) {
		t.Errorf("unknown account: err = %v", err)
	}
}
