package account

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/codex/codextest"
)

func TestRemoveAndForget(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	exp := time.Now().Add(24 * time.Hour).Truncate(time.Second)
	// bob is known; alice is the login auth.json holds.
	if _, err := e.store.ImportLogin(ctx, login(t, bob, exp)); err != nil {
		t.Fatal(err)
	}
	if _, err := codextest.WriteAuthJSON(e.codexHome, alice, exp); err != nil {
		t.Fatal(err)
	}
	held, err := e.store.ImportAuthFile(ctx, e.store.AuthPath())
	if err != nil {
		t.Fatal(err)
	}
	af, _ := codex.ReadAuthFile(e.store.AuthPath())
	heldLogin, _ := af.Login()

	// bob is not in auth.json: removed, nothing remembered.
	if _, forgotten, err := e.store.RemoveAndForget(ctx, "bob"); err != nil || forgotten {
		t.Fatalf("RemoveAndForget(bob) = %v, %v", forgotten, err)
	}
	if _, err := os.Stat(filepath.Join(e.dir, removedFileName)); !os.IsNotExist(err) {
		t.Errorf("removing an account auth.json does not hold wrote %s", removedFileName)
	}
	if e.store.IsRemovedLogin(login(t, bob, exp)) {
		t.Error("bob's login counts as removed")
	}

	if e.store.IsRemovedLogin(heldLogin) {
		t.Error("alice's login counts as removed before she was")
	}
	acc, forgotten, err := e.store.RemoveAndForget(ctx, "alice")
	if err != nil || !forgotten || acc.ID != held.Account.ID {
		t.Fatalf("RemoveAndForget(alice) = %+v, %v, %v", acc, forgotten, err)
	}
	if !e.store.IsRemovedLogin(heldLogin) {
		t.Error("the removed login in auth.json is not remembered")
	}
	if !e.open().IsRemovedLogin(heldLogin) {
		t.Error("another process does not see the removal")
	}
	data, err := os.ReadFile(filepath.Join(e.dir, removedFileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{heldLogin.Tokens.RefreshToken, heldLogin.Tokens.AccessToken, heldLogin.Tokens.IDToken} {
		if strings.Contains(string(data), tok) {
			t.Fatalf("%s holds a token", removedFileName)
		}
	}
	if fi, _ := os.Stat(filepath.Join(e.dir, removedFileName)); fi.Mode().Perm() != 0o600 {
		t.Errorf("%s mode %v, want 0600", removedFileName, fi.Mode().Perm())
	}

	// A new login of alice (new tokens) is not the removed one.
	if e.store.IsRemovedLogin(login(t, alice, exp.Add(time.Hour))) {
		t.Error("a new login of alice counts as removed")
	}
	// Once alice is added again, even the old login is hers to adopt.
	if _, err := e.store.ImportLogin(ctx, login(t, alice, exp.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if e.store.IsRemovedLogin(heldLogin) {
		t.Error("a login of an account that was added again counts as removed")
	}
}

// jwtWith mints an unsigned id_token for id with extra claims.
func jwtWith(t *testing.T, id codextest.Identity, extra map[string]any) string {
	t.Helper()
	payload := map[string]any{
		"email": id.Email, "sub": "auth0|" + id.UserID, "exp": time.Now().Add(time.Hour).Unix(),
		"https://api.openai.com/auth": map[string]any{"chatgpt_account_id": id.AccountID, "chatgpt_user_id": id.UserID},
	}
	for k, v := range extra {
		payload[k] = v
	}
	body, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	return "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString(body) + ".c2ln"
}

// A refresh by the Codex CLI keeps the sign-in session (sid): the refreshed
// login is still the removed one; a new sign-in is not.
func TestRemovedLoginSurvivesACodexRefresh(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	loginIn := func(sid string) codex.Login {
		t.Helper()
		tok := codex.Tokens{
			IDToken:      jwtWith(t, alice, map[string]any{"sid": sid, "auth_time": 1764000000}),
			AccessToken:  codextest.MintJWT(alice, time.Now().Add(time.Hour)),
			RefreshToken: codextest.RandomToken("rt_"),
		}
		l, err := codex.NewLogin(tok, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	first := loginIn("session-1")
	if err := codex.WriteLogin(e.store.AuthPath(), first.Tokens, first.LastRefresh); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.ImportAuthFile(ctx, e.store.AuthPath()); err != nil {
		t.Fatal(err)
	}
	if _, forgotten, err := e.store.RemoveAndForget(ctx, "alice"); err != nil || !forgotten {
		t.Fatalf("RemoveAndForget = %v, %v", forgotten, err)
	}
	tests := []struct {
		name string
		l    codex.Login
		want bool
	}{
		{"the same tokens", first, true},
		{"refreshed by the Codex CLI (same session, new tokens)", loginIn("session-1"), true},
		{"a new sign-in (new session)", loginIn("session-2"), false},
	}
	for _, tt := range tests {
		if got := e.store.IsRemovedLogin(tt.l); got != tt.want {
			t.Errorf("%s: IsRemovedLogin = %v, want %v", tt.name, got, tt.want)
		}
	}
	data, _ := os.ReadFile(filepath.Join(e.dir, removedFileName))
	if strings.Contains(string(data), "session-1") {
		t.Errorf("%s holds the session id itself, not a fingerprint", removedFileName)
	}
}
