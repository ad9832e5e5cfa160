package usertest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/backup"
	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/codex/codextest"
)

// listed is one account as `quiver list --json` prints it.
type listed struct {
	Alias  string `json:"alias"`
	State  string `json:"state"`
	Active bool   `json:"active"`
}

// list runs `quiver list --json`.
func (s *sandbox) list() map[string]listed {
	s.t.Helper()
	r := s.mustQuiver("list", "--json")
	var out struct{ Accounts []listed }
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		s.t.Fatalf("list --json: %v\n%v", err, r)
	}
	m := map[string]listed{}
	for _, a := range out.Accounts {
		m[a.Alias] = a
	}
	return m
}

// importLogin makes Quiver know id through `quiver import FILE`, without
// touching ~/.codex/auth.json.
func (s *sandbox) importLogin(id codextest.Identity) codex.Tokens {
	s.t.Helper()
	tok := s.auth.Issue(id, 24*time.Hour)
	path := filepath.Join(s.dir, "logins", id.AccountID+".json")
	if err := codex.WriteLogin(path, tok, time.Now()); err != nil {
		s.t.Fatal(err)
	}
	s.mustQuiver("import", path)
	return tok
}

func expect(t *testing.T, r result, code int, inStdout, inStderr string) {
	t.Helper()
	if r.code != code || !strings.Contains(r.stdout, inStdout) || !strings.Contains(r.stderr, inStderr) {
		t.Errorf("want exit %d, stdout ∋ %q, stderr ∋ %q; got\n%v", code, inStdout, inStderr, r)
	}
}

// Issue 12.2: after `quiver cooldown clear`, every surface shows the
// account usable until new figures say otherwise; clearing an account that
// is not cooling down says so.
func TestCooldownClear(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.codexLogin(work)
	s.mustQuiver("import")
	s.importLogin(personal)
	s.backend.SetUsage(work.AccountID, 100, 40)
	s.backend.SetLimited(work.AccountID, 2*time.Hour)
	s.mustQuiver("limits", "work")
	if got := s.list()["work"].State; got != "limited" {
		t.Fatalf("after its limit was reached, work is %q, want limited", got)
	}

	expect(t, s.quiver("cooldown", "clear", "work"), 0, "work is back in rotation", "")
	if got := s.list()["work"].State; got != "ok" {
		t.Errorf("after cooldown clear, quiver list shows work %q, want ok", got)
	}
	if r := s.mustQuiver("status", "--json"); strings.Contains(r.stdout, `"state": "limited"`) {
		t.Errorf("quiver status still shows work limited:\n%v", r)
	}

	// Never limited: nothing to clear, and it says so.
	r := s.quiver("cooldown", "clear", "personal")
	expect(t, r, 0, "personal is not cooling down", "")
	if strings.Contains(r.stdout, "back in rotation") {
		t.Errorf("clearing an account that was never limited claims it is back in rotation:\n%v", r)
	}

	// New figures limit it again.
	s.mustQuiver("limits", "work")
	if got := s.list()["work"].State; got != "limited" {
		t.Errorf("new figures showing the limit: work is %q, want limited", got)
	}
}

// Issue 12.3: a removed account does not come back from auth.json at the
// next start; a new login of it does.
func TestRemovedActiveAccountStaysRemoved(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.codexLogin(bob)
	s.mustQuiver("import")
	s.importLogin(personal)
	if !s.list()["bob"].Active {
		t.Fatal("bob is not the account auth.json holds")
	}
	authBefore, err := os.ReadFile(s.path(".codex", "auth.json"))
	if err != nil {
		t.Fatal(err)
	}

	expect(t, s.quiver("remove", "--yes", "bob"), 0, "will not import that login again", "")
	if r := s.service("quiver --headless"); r.code != 0 {
		t.Fatalf("quiver --headless: %v", r)
	}
	if _, ok := s.list()["bob"]; ok {
		t.Error("the removed bob came back from auth.json at the next start")
	}
	if authAfter, _ := os.ReadFile(s.path(".codex", "auth.json")); string(authAfter) != string(authBefore) {
		t.Error("remove changed auth.json, the Codex CLI's login")
	}
	for _, f := range []string{"removed-logins.json", "accounts.json"} {
		data, _ := os.ReadFile(s.path(".config", "quiver", f))
		var tok codex.Tokens
		af, _ := codex.ParseAuthFile(authBefore)
		if l, err := af.Login(); err == nil {
			tok = l.Tokens
		}
		for _, secret := range []string{tok.RefreshToken, tok.AccessToken, tok.IDToken} {
			if secret != "" && strings.Contains(string(data), secret) {
				t.Errorf("%s holds a token of the removed login", f)
			}
		}
	}

	// A new `codex login` of bob is imported.
	s.codexLogin(bob)
	if r := s.service("quiver --headless"); r.code != 0 {
		t.Fatalf("quiver --headless: %v", r)
	}
	if got, ok := s.list()["bob"]; !ok || !got.Active {
		t.Errorf("a new login of bob was not imported: %+v", s.list())
	}
}

// Issue 12.4: a handed-over account is refused by switch, and `quiver
// takeback` takes it back with the tokens OpenCode holds now.
func TestHandedOverAccount(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.codexLogin(personal)
	s.mustQuiver("import")
	s.importLogin(work)
	ocAuth := s.path(".local", "share", "opencode", "auth.json")
	if r := s.shell("quiver export opencode --hand-over work -o ~/.local/share/opencode/auth.json"); r.code != 0 {
		t.Fatalf("%v", r)
	}
	authBefore, _ := os.ReadFile(s.path(".codex", "auth.json"))

	r := s.quiver("switch", "work")
	expect(t, r, 1, "", "handed over to OpenCode")
	expect(t, r, 1, "", "quiver takeback work")
	if after, _ := os.ReadFile(s.path(".codex", "auth.json")); string(after) != string(authBefore) {
		t.Fatal("switching to a handed-over account rewrote auth.json")
	}

	// OpenCode refreshes the login, as it does on its own.
	oc, err := codex.ReadOpenCodeLogin(ocAuth)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := s.auth.OAuthConfig().Refresh(context.Background(), oc.Refresh)
	if err != nil {
		t.Fatal(err)
	}
	data, err := codex.OpenCodeAuth(fresh, work.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	if err := codex.WriteOpenCodeAuth(ocAuth, data); err != nil {
		t.Fatal(err)
	}
	// Another provider's entry in OpenCode's file is kept.
	if err := codex.WriteOpenCodeAuth(ocAuth, []byte(`{"anthropic": {"type": "api", "key": "not-a-real-key"}}`)); err != nil {
		t.Fatal(err)
	}

	expect(t, s.quiver("takeback", "work"), 0, "Took work back from OpenCode", "")
	if got := s.list()["work"].State; got == "exported" {
		t.Fatal("takeback left work exported")
	}
	left, _ := os.ReadFile(ocAuth)
	if strings.Contains(string(left), `"openai"`) || !strings.Contains(string(left), "anthropic") {
		t.Errorf("OpenCode's auth.json after takeback:\n%s\nwant the openai login gone, the rest kept", left)
	}
	// Quiver holds OpenCode's newer tokens: refreshing spends no token twice.
	s.mustQuiver("refresh", "work")
	if n := s.auth.Reuses(); n != 0 {
		t.Errorf("a spent refresh token was used %d times after takeback", n)
	}
	expect(t, s.quiver("switch", "work"), 0, "Switched to work", "")
}

// Issue 12.4: when OpenCode's auth.json no longer holds the account, the
// takeback changes nothing and says to sign in again; a new sign-in takes
// it back.
func TestTakebackWithoutOpenCodesLogin(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.importLogin(work)
	if r := s.shell("quiver export opencode --hand-over work -o ~/.local/share/opencode/auth.json"); r.code != 0 {
		t.Fatalf("%v", r)
	}
	if err := os.Remove(s.path(".local", "share", "opencode", "auth.json")); err != nil {
		t.Fatal(err)
	}
	r := s.quiver("takeback", "work")
	expect(t, r, 1, "", "quiver add work")
	if got := s.list()["work"].State; got != "exported" {
		t.Errorf("a refused takeback changed work to %q", got)
	}
	if strings.Count(r.stderr, "quiver: ") != 1 {
		t.Errorf("the error is not one line: %q", r.stderr)
	}
	s.auth.NextLogin(work)
	expect(t, s.quiver("add", "--no-browser"), 0, "Signed in again", "")
	if got := s.list()["work"].State; got == "exported" {
		t.Error("a new sign-in left work handed over")
	}
}

// Issue 12.8: connect says nothing of a previous version when there was no
// file, and its undo removes the file it created.
func TestConnectCreatesAndUndoRemoves(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.importLogin(work)
	files := map[string]string{
		"codex":    s.path(".codex", "config.toml"),
		"opencode": s.path(".config", "opencode", "opencode.json"),
	}
	for _, client := range []string{"codex", "opencode"} {
		r := s.mustQuiver("connect", client)
		if strings.Contains(r.stdout, "kept at -") || !strings.Contains(r.stdout, "a new file") {
			t.Errorf("connect %s with no config file:\n%v", client, r)
		}
		if _, err := os.Stat(files[client]); err != nil {
			t.Fatalf("connect %s wrote no %s: %v", client, files[client], err)
		}
		expect(t, s.quiver("connect", client, "--undo"), 0, "Removed "+files[client], "")
		if _, err := os.Stat(files[client]); !os.IsNotExist(err) {
			data, _ := os.ReadFile(files[client])
			t.Errorf("connect %s --undo left %s behind (%v): %q", client, files[client], err, data)
		}
	}

	// A file the user had is kept, byte for byte.
	own := "# mine\nmodel = \"gpt-5\"\n"
	s.writeFile(filepath.Join(".codex", "config.toml"), own, 0o600)
	r := s.mustQuiver("connect", "codex")
	if !strings.Contains(r.stdout, "previous version kept at "+files["codex"]+".quiver-backup") {
		t.Errorf("connect over an existing file:\n%v", r)
	}
	s.mustQuiver("connect", "codex", "--undo")
	if got, _ := os.ReadFile(files["codex"]); string(got) != own {
		t.Errorf("undo left %q, want the user's %q", got, own)
	}
}

// Issue 12.8: with no secret storage at all, `quiver status` reports that
// as its problem instead of failing.
func TestStatusWithoutSecretStorage(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.importLogin(work)
	s.env = slices.DeleteFunc(s.env, func(kv string) bool {
		return strings.HasPrefix(kv, "QUIVER_SECRETS=") || strings.HasPrefix(kv, "QUIVER_PASSPHRASE=")
	})
	r := s.quiver("status")
	expect(t, r, 0, "no secret storage", "")
	expect(t, r, 0, "work", "")
	if !strings.Contains(r.stdout, "Problems:") {
		t.Errorf("status does not list the missing secret storage as a problem:\n%v", r)
	}
	r = s.quiver("status", "--json")
	var st struct{ Problems []string }
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || r.code != 0 || len(st.Problems) == 0 {
		t.Errorf("status --json without secret storage: %v\n%v", err, r)
	}
}

// Issue 12.8: `quiver path` prints the history directory and the secrets
// file, as the README says.
func TestPathPrintsEveryFile(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	r := s.mustQuiver("path")
	cfg := s.path(".config", "quiver")
	for _, want := range []string{
		filepath.Join(cfg, "accounts.json"), filepath.Join(cfg, "history"), filepath.Join(cfg, "settings.json"),
		filepath.Join(cfg, "quiver.log"), filepath.Join(cfg, "secrets.enc"), s.path(".codex", "auth.json"),
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("quiver path does not print %s:\n%v", want, r)
		}
	}
}

// Issue 12.8: the backup passphrase minimum is said before it is enforced.
func TestBackupPassphraseMinimumIsSaid(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.importLogin(work)
	min := "at least 8 characters"
	if backup.MinPassphraseLen != 8 {
		t.Fatalf("the minimum is %d now: update this test and the README", backup.MinPassphraseLen)
	}
	if r := s.mustQuiver("help"); !strings.Contains(r.stdout, min) {
		t.Errorf("quiver help does not say the backup passphrase needs %s:\n%v", min, r)
	}
	r := s.shell("QUIVER_BACKUP_PASSPHRASE=short quiver backup FILE")
	expect(t, r, 1, "", min)
	if _, err := os.Stat(s.path("FILE")); !os.IsNotExist(err) {
		t.Error("a refused backup wrote FILE")
	}
}
