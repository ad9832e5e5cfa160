package codex_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/codex/codextest"
)

var (
	authAnn = codextest.Identity{Email: "ann@example.com", AccountID: "acc-ann", UserID: "user-ann", Plan: "plus"}
	authBob = codextest.Identity{Email: "bob@example.com", AccountID: "acc-bob", UserID: "user-bob", Plan: "pro"}
)

func mintAuthTokens(id codextest.Identity, exp time.Time) codex.Tokens {
	return codex.Tokens{
		IDToken:      codextest.MintJWT(id, exp),
		AccessToken:  codextest.MintJWT(id, exp),
		RefreshToken: codextest.RandomToken("rt_"),
		AccountID:    id.AccountID,
	}
}

// authSecrets lists the secrets in t, for assertErrHidesTokens.
func authSecrets(t codex.Tokens) []string {
	return []string{t.IDToken, t.AccessToken, t.RefreshToken}
}

func TestNewLogin(t *testing.T) {
	t.Parallel()
	exp := time.Now().Add(240 * time.Hour).Truncate(time.Second)
	last := time.Date(2025, 10, 1, 12, 0, 0, 0, time.UTC)
	noAccount := codextest.Identity{Email: "n@example.com", UserID: "user-n"}

	tests := []struct {
		name        string
		tokens      codex.Tokens
		wantAccount string
		wantUser    string
		wantEmail   string
		wantPlan    string
		wantErr     error
	}{
		{
			name:        "account id from tokens wins over claims",
			tokens:      func() codex.Tokens { t := mintAuthTokens(authAnn, exp); t.AccountID = "acc-workspace-2"; return t }(),
			wantAccount: "acc-workspace-2", wantUser: "user-ann", wantEmail: "ann@example.com", wantPlan: "plus",
		},
		{
			name:        "account id from id_token claims",
			tokens:      func() codex.Tokens { t := mintAuthTokens(authAnn, exp); t.AccountID = ""; return t }(),
			wantAccount: "acc-ann", wantUser: "user-ann", wantEmail: "ann@example.com", wantPlan: "plus",
		},
		{
			name: "account id, email and plan from the access token",
			tokens: codex.Tokens{
				IDToken:      codextest.MintJWT(codextest.Identity{UserID: "user-ann", Plan: ""}, exp),
				AccessToken:  codextest.MintJWT(authAnn, exp),
				RefreshToken: "rt_x",
			},
			wantAccount: "acc-ann", wantUser: "user-ann", wantEmail: "ann@example.com", wantPlan: "plus",
		},
		{
			name: "user id falls back to the subject",
			tokens: codex.Tokens{
				IDToken:      jwtWithPayload(`{"sub":"auth0|subj","email":"s@example.com"}`, nil),
				AccessToken:  jwtWithPayload(`{"exp":2000000000}`, nil),
				RefreshToken: "rt_x",
				AccountID:    "acc-s",
			},
			wantAccount: "acc-s", wantUser: "auth0|subj", wantEmail: "s@example.com",
		},
		{
			name:    "no account id anywhere",
			tokens:  mintAuthTokens(noAccount, exp),
			wantErr: codex.ErrAuthFileIncomplete,
		},
		{
			name:    "missing refresh token",
			tokens:  func() codex.Tokens { t := mintAuthTokens(authAnn, exp); t.RefreshToken = ""; return t }(),
			wantErr: codex.ErrAuthFileIncomplete,
		},
		{
			name:    "missing id token",
			tokens:  func() codex.Tokens { t := mintAuthTokens(authAnn, exp); t.IDToken = ""; return t }(),
			wantErr: codex.ErrAuthFileIncomplete,
		},
		{
			name:    "missing access token",
			tokens:  func() codex.Tokens { t := mintAuthTokens(authAnn, exp); t.AccessToken = ""; return t }(),
			wantErr: codex.ErrAuthFileIncomplete,
		},
		{
			name:    "id token does not decode",
			tokens:  func() codex.Tokens { t := mintAuthTokens(authAnn, exp); t.IDToken = "opaque-id-token-value"; return t }(),
			wantErr: codex.ErrMalformedJWT,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, err := codex.NewLogin(tt.tokens, last)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				assertErrHidesTokens(t, err, authSecrets(tt.tokens)...)
				return
			}
			if err != nil {
				t.Fatalf("NewLogin: %v", err)
			}
			id := l.Identity()
			if id.ChatGPTAccountID != tt.wantAccount || id.ChatGPTUserID != tt.wantUser {
				t.Errorf("identity %+v, want account %q user %q", id, tt.wantAccount, tt.wantUser)
			}
			if l.Tokens.AccountID != tt.wantAccount {
				t.Errorf("Tokens.AccountID = %q, want %q", l.Tokens.AccountID, tt.wantAccount)
			}
			if l.IDClaims.Email != tt.wantEmail || l.IDClaims.PlanType != tt.wantPlan {
				t.Errorf("email %q plan %q, want %q %q", l.IDClaims.Email, l.IDClaims.PlanType, tt.wantEmail, tt.wantPlan)
			}
			if !l.LastRefresh.Equal(last) {
				t.Errorf("LastRefresh %v", l.LastRefresh)
			}
			ac, _ := codex.ParseClaims(tt.tokens.AccessToken)
			if !l.Expiry.Equal(ac.Expiry) || l.Expiry.IsZero() {
				t.Errorf("Expiry %v, want the access token's exp %v", l.Expiry, ac.Expiry)
			}
		})
	}
}

func TestLoginIdentityOfZeroValues(t *testing.T) {
	t.Parallel()
	l := codex.Login{IDClaims: codex.Claims{Subject: "sub", ChatGPTAccountID: "claim-acc"}}
	if id := l.Identity(); id.ChatGPTAccountID != "claim-acc" || id.ChatGPTUserID != "sub" {
		t.Errorf("Identity() = %+v", id)
	}
	l.Tokens.AccountID = "tok-acc"
	l.IDClaims.ChatGPTUserID = "uid"
	if id := l.Identity(); id.ChatGPTAccountID != "tok-acc" || id.ChatGPTUserID != "uid" {
		t.Errorf("Identity() = %+v", id)
	}
}

// authJSONFrom builds an auth.json from a map, for shapes AuthJSON does not make.
func authJSONFrom(t *testing.T, v map[string]any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAuthFileLogin(t *testing.T) {
	t.Parallel()
	exp := time.Now().Add(240 * time.Hour).Truncate(time.Second)
	valid, refresh := codextest.AuthJSON(authAnn, exp)
	tok := mintAuthTokens(authAnn, exp)

	tests := []struct {
		name        string
		data        []byte
		parseErr    error // from ParseAuthFile
		loginErr    error // from Login
		secrets     []string
		wantAcct    string
		wantLast    bool
		wantRefresh string
	}{
		{name: "valid", data: valid, wantAcct: "acc-ann", wantLast: true, wantRefresh: refresh},
		{name: "truncated", data: valid[:len(valid)/2], parseErr: codex.ErrAuthFileNotJSON, secrets: []string{refresh}},
		{name: "empty", data: nil, parseErr: codex.ErrAuthFileNotJSON},
		{name: "not JSON", data: []byte("OPENAI_API_KEY=sk-abc\n"), parseErr: codex.ErrAuthFileNotJSON},
		{name: "JSON null", data: []byte("null"), parseErr: codex.ErrAuthFileNotJSON},
		{name: "JSON array", data: []byte(`[{"tokens":{}}]`), parseErr: codex.ErrAuthFileNotJSON},
		{
			name:     "tokens null with API key",
			data:     authJSONFrom(t, map[string]any{"OPENAI_API_KEY": "sk-proj-secretkey123", "tokens": nil}),
			loginErr: codex.ErrAuthFileAPIKey, secrets: []string{"sk-proj-secretkey123"},
		},
		{
			name:     "API key only",
			data:     authJSONFrom(t, map[string]any{"auth_mode": "apikey", "OPENAI_API_KEY": "sk-proj-secretkey123"}),
			loginErr: codex.ErrAuthFileAPIKey, secrets: []string{"sk-proj-secretkey123"},
		},
		{
			name:     "tokens null, no key",
			data:     authJSONFrom(t, map[string]any{"OPENAI_API_KEY": nil, "tokens": nil}),
			loginErr: codex.ErrAuthFileNoTokens,
		},
		{name: "empty object", data: []byte(`{}`), loginErr: codex.ErrAuthFileNoTokens},
		{
			name:     "tokens not an object",
			data:     authJSONFrom(t, map[string]any{"tokens": "abc"}),
			loginErr: codex.ErrAuthFileNoTokens,
		},
		{
			name: "missing refresh token",
			data: authJSONFrom(t, map[string]any{"tokens": map[string]any{
				"id_token": tok.IDToken, "access_token": tok.AccessToken, "account_id": "acc-ann",
			}}),
			loginErr: codex.ErrAuthFileIncomplete, secrets: authSecrets(tok),
		},
		{
			name: "id token that does not decode",
			data: authJSONFrom(t, map[string]any{"tokens": map[string]any{
				"id_token": "not-a-jwt-but-secret", "access_token": tok.AccessToken, "refresh_token": tok.RefreshToken, "account_id": "acc-ann",
			}}),
			loginErr: codex.ErrMalformedJWT, secrets: append(authSecrets(tok), "not-a-jwt-but-secret"),
		},
		{
			name: "no last_refresh, unknown fields",
			data: authJSONFrom(t, map[string]any{"future_field": []int{1}, "tokens": map[string]any{
				"id_token": tok.IDToken, "access_token": tok.AccessToken, "refresh_token": tok.RefreshToken, "extra": true,
			}}),
			wantAcct: "acc-ann", wantRefresh: tok.RefreshToken,
		},
		{
			name: "last_refresh unparsable",
			data: authJSONFrom(t, map[string]any{"last_refresh": 12345, "tokens": map[string]any{
				"id_token": tok.IDToken, "access_token": tok.AccessToken, "refresh_token": tok.RefreshToken,
			}}),
			wantAcct: "acc-ann", wantRefresh: tok.RefreshToken,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			af, err := codex.ParseAuthFile(tt.data)
			if tt.parseErr != nil {
				if !errors.Is(err, tt.parseErr) {
					t.Fatalf("ParseAuthFile err = %v, want %v", err, tt.parseErr)
				}
				assertErrHidesTokens(t, err, tt.secrets...)
				return
			}
			if err != nil {
				t.Fatalf("ParseAuthFile: %v", err)
			}
			l, err := af.Login()
			if tt.loginErr != nil {
				if !errors.Is(err, tt.loginErr) {
					t.Fatalf("Login err = %v, want %v", err, tt.loginErr)
				}
				assertErrHidesTokens(t, err, tt.secrets...)
				return
			}
			if err != nil {
				t.Fatalf("Login: %v", err)
			}
			if got := l.Identity().ChatGPTAccountID; got != tt.wantAcct {
				t.Errorf("account %q, want %q", got, tt.wantAcct)
			}
			if l.Tokens.RefreshToken != tt.wantRefresh {
				t.Errorf("refresh token not the file's")
			}
			if l.LastRefresh.IsZero() == tt.wantLast {
				t.Errorf("LastRefresh = %v, want set=%v", l.LastRefresh, tt.wantLast)
			}
		})
	}
}

func TestReadAuthFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := codex.ReadAuthFile(filepath.Join(dir, "auth.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v, want os.ErrNotExist", err)
	}
	if _, err := codextest.WriteAuthJSON(dir, authBob, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	af, err := codex.ReadAuthFile(filepath.Join(dir, codex.AuthFileName))
	if err != nil {
		t.Fatalf("ReadAuthFile: %v", err)
	}
	l, err := af.Login()
	if err != nil || l.IDClaims.Email != "bob@example.com" || l.IDClaims.PlanType != "pro" {
		t.Errorf("Login() = %+v, %v", l.IDClaims, err)
	}
}

// readAuthFields decodes the auth.json at path into its raw top-level fields.
func readAuthFields(t *testing.T, path string) map[string]json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("written auth.json is not JSON: %v", err)
	}
	return m
}

func TestWriteLoginKeepsUnknownFields(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, codex.AuthFileName)
	old := mintAuthTokens(authAnn, time.Now().Add(time.Hour))
	orig := authJSONFrom(t, map[string]any{
		"auth_mode":      "chatgpt",
		"OPENAI_API_KEY": nil,
		"future_setting": map[string]any{"nested": []int{1, 2}},
		"tokens": map[string]any{
			"id_token": old.IDToken, "access_token": old.AccessToken, "refresh_token": old.RefreshToken,
			"account_id": "acc-ann", "token_extra": "keep me",
		},
		"last_refresh": "2025-01-01T00:00:00Z",
	})
	if err := os.WriteFile(path, orig, 0o644); err != nil {
		t.Fatal(err)
	}

	fresh := mintAuthTokens(authAnn, time.Now().Add(240*time.Hour))
	last := time.Date(2025, 10, 9, 10, 11, 12, 123456789, time.FixedZone("CEST", 2*3600))
	if err := codex.WriteLogin(path, fresh, last); err != nil {
		t.Fatalf("WriteLogin: %v", err)
	}

	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	m := readAuthFields(t, path)
	var future struct{ Nested []int }
	if err := json.Unmarshal(m["future_setting"], &future); err != nil || len(future.Nested) != 2 || future.Nested[1] != 2 {
		t.Errorf("future_setting lost: %s", m["future_setting"])
	}
	if string(m["auth_mode"]) != `"chatgpt"` || string(m["OPENAI_API_KEY"]) != "null" {
		t.Errorf("auth_mode %s OPENAI_API_KEY %s", m["auth_mode"], m["OPENAI_API_KEY"])
	}
	var tokens map[string]string
	if err := json.Unmarshal(m["tokens"], &tokens); err != nil {
		t.Fatal(err)
	}
	if tokens["token_extra"] != "keep me" {
		t.Errorf("unknown field inside tokens lost: %v", tokens["token_extra"])
	}
	if tokens["refresh_token"] != fresh.RefreshToken || tokens["access_token"] != fresh.AccessToken || tokens["id_token"] != fresh.IDToken {
		t.Errorf("tokens not replaced")
	}
	var lr string
	if err := json.Unmarshal(m["last_refresh"], &lr); err != nil || lr != "2025-10-09T08:11:12.123456789Z" {
		t.Errorf("last_refresh %s, want UTC RFC3339Nano", m["last_refresh"])
	}

	// And the Codex CLI's view of it: the file reads back as the new login.
	af, err := codex.ReadAuthFile(path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := af.Login()
	if err != nil {
		t.Fatalf("Login after WriteLogin: %v", err)
	}
	if l.Tokens != fresh || !l.LastRefresh.Equal(last) {
		t.Errorf("read back a different login")
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(leftovers) != 1 {
		t.Errorf("files left in the directory: %v", leftovers)
	}
}

func TestWriteLoginCreatesDirectoryAndFile(t *testing.T) {
	t.Parallel()
	home := filepath.Join(t.TempDir(), "nested", ".codex")
	path := filepath.Join(home, codex.AuthFileName)
	tok := mintAuthTokens(authBob, time.Now().Add(time.Hour))
	if err := codex.WriteLogin(path, tok, time.Now()); err != nil {
		t.Fatalf("WriteLogin: %v", err)
	}
	di, err := os.Stat(home)
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v, want 0700", di.Mode().Perm())
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}
	m := readAuthFields(t, path)
	if string(m["OPENAI_API_KEY"]) != "null" {
		t.Errorf("OPENAI_API_KEY %s, want null", m["OPENAI_API_KEY"])
	}
	af, err := codex.ReadAuthFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if l, err := af.Login(); err != nil || l.Identity().ChatGPTAccountID != "acc-bob" {
		t.Errorf("Login() = %+v, %v", l.Identity(), err)
	}
}

func TestWriteLoginErrorHidesTokens(t *testing.T) {
	t.Parallel()
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tok := mintAuthTokens(authAnn, time.Now().Add(time.Hour))
	err := codex.WriteLogin(filepath.Join(blocker, "auth.json"), tok, time.Now())
	if err == nil {
		t.Fatal("WriteLogin under a regular file succeeded")
	}
	assertErrHidesTokens(t, err, authSecrets(tok)...)
}

// TestWriteLoginReplacesAccountOfPreviousLogin writes another account's
// tokens, without an account id, over a file: the stale account_id of the
// previous login must not survive inside "tokens".
func TestWriteLoginReplacesAccountOfPreviousLogin(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := codextest.WriteAuthJSON(dir, authAnn, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, codex.AuthFileName)
	tok := mintAuthTokens(authBob, time.Now().Add(time.Hour))
	tok.AccountID = ""
	if err := codex.WriteLogin(path, tok, time.Now()); err != nil {
		t.Fatal(err)
	}
	af, err := codex.ReadAuthFile(path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := af.Login()
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Identity().ChatGPTAccountID; got != "acc-bob" {
		t.Fatalf("SetLogin kept the previous login's tokens.account_id when the new Tokens.AccountID is empty: authBob's tokens read back as account %q", got)
	}
}

// TestWriteLoginOverCorruptFile: a file that fails to parse must not be
// overwritten silently (DESIGN.md, Files): WriteLogin should either fail or
// keep the original aside.
func TestWriteLoginOverCorruptFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, codex.AuthFileName)
	if err := os.WriteFile(path, []byte(`{"tokens": {"refresh_token": "rt_only_cop`), 0o600); err != nil {
		t.Fatal(err)
	}
	err := codex.WriteLogin(path, mintAuthTokens(authAnn, time.Now().Add(time.Hour)), time.Now())
	kept, _ := filepath.Glob(filepath.Join(dir, "auth.json.corrupt*"))
	if err == nil && len(kept) == 0 {
		t.Fatal("WriteLogin silently overwrote an auth.json that does not parse (DESIGN.md: keep it aside as .corrupt-<time>)")
	}
}

// An access token that is not a JWT (some token endpoints answer opaque
// ones) or carries a nonsense exp is kept, not rejected: the refresh token
// beside it may be the only valid one. The expiry comes from expires_in.
func TestNewLoginKeepsAnUnreadableAccessToken(t *testing.T) {
	t.Parallel()
	last := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	ann := codextest.Identity{Email: "ann@example.com", AccountID: "acc-ann", UserID: "user-ann"}
	for _, access := range []string{"at_opaque-not-a-jwt", "hdr.%%%%payload%%%%.sig", jwtWithPayload(`{"exp":1e300}`, nil)} {
		tok := mintAuthTokens(ann, last.Add(time.Hour))
		tok.AccessToken = access
		tok.ExpiresIn = 10 * 24 * time.Hour
		l, err := codex.NewLogin(tok, last)
		if err != nil {
			t.Fatalf("NewLogin with access token %.12q…: %v", access, err)
		}
		if l.Tokens.AccessToken != access || l.Tokens.RefreshToken != tok.RefreshToken {
			t.Error("the tokens were not kept as given")
		}
		if want := last.Add(10 * 24 * time.Hour); !l.Expiry.Equal(want) {
			t.Errorf("Expiry = %v, want %v (from expires_in)", l.Expiry, want)
		}
		if l.AccessProblem == "" || strings.Contains(l.AccessProblem, access) {
			t.Errorf("AccessProblem = %q: empty, or quotes the token", l.AccessProblem)
		}
		if l.Identity().ChatGPTAccountID != "acc-ann" {
			t.Errorf("identity %+v", l.Identity())
		}
	}
}

// A symlinked auth.json (dotfiles) is written through the link: the target
// gets the new login, the link stays a link.
func TestWriteLoginThroughSymlink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dotfiles := filepath.Join(dir, "dotfiles", "codex-auth.json")
	if err := os.MkdirAll(filepath.Dir(dotfiles), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dotfiles, []byte(`{"OPENAI_API_KEY":null,"custom":"kept"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "codex", "auth.json")
	if err := os.MkdirAll(filepath.Dir(link), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../dotfiles/codex-auth.json", link); err != nil {
		t.Fatal(err)
	}
	ann := codextest.Identity{Email: "ann@example.com", AccountID: "acc-ann", UserID: "user-ann"}
	tok := mintAuthTokens(ann, time.Now().Add(time.Hour))
	if err := codex.WriteLogin(link, tok, time.Now()); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("auth.json is no longer a symlink: %v", err)
	}
	af, err := codex.ReadAuthFile(dotfiles)
	if err != nil {
		t.Fatal(err)
	}
	if l, err := af.Login(); err != nil || l.Tokens.RefreshToken != tok.RefreshToken {
		t.Fatalf("the link's target does not hold the new login: %v", err)
	}
	if !strings.Contains(string(af.Bytes()), `"custom": "kept"`) {
		t.Error("the target's other fields were dropped")
	}
	if fi, _ := os.Stat(dotfiles); fi.Mode().Perm() != 0o600 {
		t.Errorf("target mode %v, want 0600", fi.Mode().Perm())
	}
}

// WriteLogin never starts from an empty document because the file could
// not be read: the user's other fields would be lost.
func TestWriteLoginFailsOnAnUnreadableFile(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("root reads any file")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "auth.json")
	orig := []byte(`{"OPENAI_API_KEY":null,"custom":"kept"}`)
	if err := os.WriteFile(path, orig, 0o000); err != nil {
		t.Fatal(err)
	}
	ann := codextest.Identity{Email: "ann@example.com", AccountID: "acc-ann", UserID: "user-ann"}
	err := codex.WriteLogin(path, mintAuthTokens(ann, time.Now().Add(time.Hour)), time.Now())
	if err == nil || !errors.Is(err, os.ErrPermission) {
		t.Fatalf("WriteLogin over an unreadable file: %v, want a permission error", err)
	}
	os.Chmod(path, 0o600)
	if got, _ := os.ReadFile(path); string(got) != string(orig) {
		t.Errorf("the file was changed: %s", got)
	}
}
