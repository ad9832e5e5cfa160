//go:build linux

package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/app/account"
	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/codex/codextest"
	"github.com/quiver-app/quiver/app/secret"
)

// These tests run the real quiver binary as separate processes against
// the fake upstreams on 127.0.0.1, each switched to misbehave as the real
// ones do. QUIVER_TEST_BINARY names a built binary; otherwise the test
// builds one (seconds with a warm build cache, minutes cold: Fyne's cgo).

const passphrase = "binary test passphrase, not a secret"

var (
	ann = codextest.Identity{Email: "ann@example.com", AccountID: "ws-ann", UserID: "u-ann", Plan: "plus"}
	ben = codextest.Identity{Email: "ben@example.com", AccountID: "ws-ben", UserID: "u-ben", Plan: "pro"}
)

func quiverBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("QUIVER_TEST_BINARY"); p != "" {
		return p
	}
	if testing.Short() {
		t.Skip("builds the quiver binary; skipped with -short (set QUIVER_TEST_BINARY to use a built one)")
	}
	bin := filepath.Join(t.TempDir(), "quiver")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/quiver-app/quiver").CombinedOutput()
	if err != nil {
		t.Fatalf("building quiver: %v\n%s", err, out)
	}
	return bin
}

// proc is one test's world: fakes, files, and the binary's environment.
type proc struct {
	t       *testing.T
	bin     string
	paths   app.Paths
	auth    *codextest.AuthServer
	backend *codextest.Backend
	env     []string
}

func newProc(t *testing.T, bin string) *proc {
	t.Helper()
	root := t.TempDir()
	p := &proc{
		t: t, bin: bin,
		paths:   app.Paths{ConfigDir: filepath.Join(root, "config", "quiver"), CodexHome: filepath.Join(root, "home", ".codex")},
		auth:    codextest.NewAuthServer(t),
		backend: codextest.NewBackend(t),
	}
	p.backend.SetTokenValid(p.auth.IsValidAccess)
	home := filepath.Join(root, "home")
	// A short runtime directory: a unix socket path has ~100 bytes.
	runtime, err := os.MkdirTemp("", "qv")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(runtime) })
	p.env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home, "LANG=en_US.UTF-8",
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"), "XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"), "XDG_RUNTIME_DIR=" + runtime,
		"QUIVER_CONFIG_DIR=" + p.paths.ConfigDir, "CODEX_HOME=" + p.paths.CodexHome,
		"QUIVER_SECRETS=file", "QUIVER_PASSPHRASE=" + passphrase,
		codex.ChatGPTBaseURLEnv + "=" + p.backend.URL, codex.AuthIssuerEnv + "=" + p.auth.URL,
	}
	for _, d := range []string{p.paths.ConfigDir, p.paths.CodexHome} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	settings := app.DefaultSettings()
	settings.ProxyListen = freeLoopback(t)
	settings.Autostart, settings.AutostartAsked = false, true
	if err := app.SaveSettings(p.paths.SettingsFile(), settings); err != nil {
		t.Fatal(err)
	}
	return p
}

func freeLoopback(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type runResult struct {
	code           int
	stdout, stderr string
}

// run runs one quiver command to completion.
func (p *proc) run(extraEnv []string, args ...string) runResult {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.bin, args...)
	cmd.Env = append(append([]string{}, p.env...), extraEnv...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	res := runResult{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		res.code = ee.ExitCode()
	case err != nil:
		p.t.Fatalf("quiver %s: %v", strings.Join(args, " "), err)
	}
	return res
}

// must runs a command that has to succeed.
func (p *proc) must(args ...string) string {
	p.t.Helper()
	res := p.run(nil, args...)
	if res.code != 0 {
		p.t.Fatalf("quiver %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), res.code, res.stdout, res.stderr)
	}
	return res.stdout
}

// signIn makes id an account of Quiver through `quiver import` of a login
// the fake issued.
func (p *proc) signIn(id codextest.Identity) {
	p.t.Helper()
	path := filepath.Join(p.paths.ConfigDir, "..", "login-"+id.AccountID+".json")
	if err := writeCodexAuthJSON(path, p.auth.Issue(id, 24*time.Hour)); err != nil {
		p.t.Fatal(err)
	}
	p.must("import", path)
}

// writeCodexAuthJSON writes an auth.json the way the Codex CLI does: its
// own format, a temporary file renamed over the target.
func writeCodexAuthJSON(path string, t codex.Tokens) error {
	data, err := json.MarshalIndent(map[string]any{
		"auth_mode":      "chatgpt",
		"OPENAI_API_KEY": nil,
		"tokens": map[string]any{
			"id_token": t.IDToken, "access_token": t.AccessToken, "refresh_token": t.RefreshToken, "account_id": t.AccountID,
		},
		"last_refresh": time.Now().UTC().Format(time.RFC3339Nano),
	}, "", "  ")
	if err != nil {
		return err
	}
	tmp := fmt.Sprintf("%s.tmp-%d", path, time.Now().UnixNano())
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// storedSecret reads what the binary's secret store holds for id.
func (p *proc) storedSecret(id codextest.Identity) account.Secret {
	p.t.Helper()
	st, err := secret.Open(context.Background(), secret.Options{Dir: p.paths.ConfigDir, Mode: secret.ModeFile, Passphrase: passphrase})
	if err != nil {
		p.t.Fatal(err)
	}
	raw, err := st.Get(context.Background(), account.IDFor(codex.Identity{ChatGPTAccountID: id.AccountID, ChatGPTUserID: id.UserID}))
	if err != nil {
		p.t.Fatal(err)
	}
	var sec account.Secret
	if err := json.Unmarshal(raw, &sec); err != nil {
		p.t.Fatal(err)
	}
	return sec
}

// listed returns `quiver list --json`'s accounts by alias.
func (p *proc) listed() map[string]map[string]any {
	p.t.Helper()
	var got struct{ Accounts []map[string]any }
	if err := json.Unmarshal([]byte(p.must("list", "--json")), &got); err != nil {
		p.t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, a := range got.Accounts {
		out[fmt.Sprint(a["alias"])] = a
	}
	return out
}

// savedUsage is the used percent of alias's window kind in accounts.json
// (-1 when there is none).
func (p *proc) savedUsage(alias, kind string) float64 {
	p.t.Helper()
	data, err := os.ReadFile(p.paths.AccountsFile())
	if err != nil {
		p.t.Fatal(err)
	}
	var f struct{ Accounts []account.Account }
	if err := json.Unmarshal(data, &f); err != nil {
		p.t.Fatal(err)
	}
	for _, a := range f.Accounts {
		if a.Alias == alias {
			if w, ok := a.Usage.Window(kind); ok {
				return w.UsedPercent
			}
		}
	}
	return -1
}

func (p *proc) assertNothingSpent() {
	p.t.Helper()
	if st := p.auth.Stats(); st.Refreshes != 0 || st.Reuses != 0 || st.RejectedRefresh != 0 {
		p.t.Errorf("token endpoint stats %+v: a refresh token was spent", st)
	}
}

func TestBinaryAgainstAHostileWorld(t *testing.T) {
	bin := quiverBinary(t)

	// Item 3 of issue 11: the Codex CLI refreshes ann inside auth.json;
	// `quiver switch ben` runs right after, in another process. Ann's new
	// refresh token must reach the secret store, and refreshing ann later
	// must spend that token, not the one the CLI already spent.
	t.Run("switch right after the Codex CLI refreshed", func(t *testing.T) {
		p := newProc(t, bin)
		p.signIn(ann)
		p.signIn(ben)
		p.must("switch", "ann")
		old := p.storedSecret(ann)
		cliTokens, err := p.auth.OAuthConfig().Refresh(context.Background(), old.Refresh) // the CLI's own refresh
		if err != nil {
			t.Fatal(err)
		}
		cliTokens.AccountID = ann.AccountID
		if err := writeCodexAuthJSON(p.paths.AuthFile(), cliTokens); err != nil {
			t.Fatal(err)
		}
		p.must("switch", "ben")
		if got := p.storedSecret(ann); got.Refresh != cliTokens.RefreshToken {
			t.Fatal("after the switch the secret store does not hold the refresh token the Codex CLI got for ann")
		}
		if out := p.must("refresh", "ann"); !strings.Contains(out, "ok") {
			t.Fatalf("quiver refresh ann: %s", out)
		}
		if st := p.auth.Stats(); st.Reuses != 0 || st.RejectedRefresh != 0 {
			t.Errorf("stats %+v: a refresh token was presented twice", st)
		}
		if a := p.listed()["ann"]; a["needs_login"] == true || a["state"] == "needs-login" {
			t.Errorf("ann after the switch: %v", a)
		}
	})

	// Item 1: `quiver limits` meets a CDN challenge on /wham/usage while
	// the Codex endpoint works: one clear line, nothing spent, nobody
	// logged out, the last figures kept.
	t.Run("limits through a CDN challenge", func(t *testing.T) {
		p := newProc(t, bin)
		p.signIn(ann)
		p.signIn(ben)
		p.backend.SetUsage(ann.AccountID, 42, 7)
		p.must("limits", "ann")
		p.backend.ChallengeUsage(-1)
		res := p.run(nil, "limits", "--all")
		if res.code == 0 {
			t.Fatalf("quiver limits --all through a challenge succeeded: %s", res.stdout)
		}
		out := res.stdout + res.stderr
		if n := strings.Count(out, "upstream blocked the usage check (CDN challenge)"); n != 2 {
			t.Errorf("want one line per account saying the upstream blocked the check, got %d:\n%s", n, out)
		}
		p.assertNothingSpent()
		accs := p.listed()
		for _, alias := range []string{"ann", "ben"} {
			if accs[alias]["state"] == "needs-login" || accs[alias]["needs_login"] == true {
				t.Errorf("%s after a CDN challenge: %v", alias, accs[alias])
			}
		}
		if five := p.savedUsage("ann", "5h"); five != 42 {
			t.Errorf("ann's 5h figure in accounts.json is %v after the challenge, want the last good 42", five)
		}
	})

	// Item 6: a symlinked auth.json (dotfiles) stays a link, and its
	// target gets the login.
	t.Run("switch writes through a symlinked auth.json", func(t *testing.T) {
		p := newProc(t, bin)
		p.signIn(ann)
		p.signIn(ben)
		target := filepath.Join(p.paths.CodexHome, "..", "dotfiles", "codex-auth.json")
		if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(target, []byte(`{"OPENAI_API_KEY":null,"dotfiles_note":"mine"}`), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p.paths.AuthFile()); err != nil {
			t.Fatal(err)
		}
		p.must("switch", "ben")
		if fi, err := os.Lstat(p.paths.AuthFile()); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("auth.json is no longer a symlink after the switch (%v)", err)
		}
		af, err := codex.ReadAuthFile(target)
		if err != nil {
			t.Fatal(err)
		}
		l, err := af.Login()
		if err != nil || l.Identity().ChatGPTAccountID != ben.AccountID {
			t.Fatalf("the link's target does not hold ben's login: %v", err)
		}
		if !bytes.Contains(af.Bytes(), []byte(`"dotfiles_note": "mine"`)) {
			t.Error("the target's own fields were dropped")
		}
	})

	// Item 1, background side: `quiver --headless` polls every account
	// while the CDN challenges /wham/usage. Nobody is logged out, nothing
	// is spent, the account shows one status line, and the log says it
	// once (not once per account and retry).
	t.Run("headless poller through a CDN challenge", func(t *testing.T) {
		p := newProc(t, bin)
		p.signIn(ann)
		p.signIn(ben)
		p.must("switch", "ann")
		p.backend.ChallengeUsage(-1)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		cmd := exec.CommandContext(ctx, p.bin, "--headless")
		cmd.Env = p.env
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stderr, &stderr
		cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		stopped := false
		stop := func() {
			if !stopped {
				stopped = true
				cancel()
				cmd.Wait()
			}
		}
		defer stop()
		const line = "upstream blocked the usage check (CDN challenge); retrying in 5m"
		deadline := time.Now().Add(30 * time.Second)
		for {
			data, _ := os.ReadFile(p.paths.AccountsFile())
			if bytes.Contains(data, []byte(line)) {
				break
			}
			if time.Now().After(deadline) {
				stop()
				logData, _ := os.ReadFile(p.paths.LogFile())
				t.Fatalf("no account shows %q after 30 s\nlog:\n%s\nstderr:\n%s", line, logData, stderr.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		stop()
		p.assertNothingSpent()
		for alias, a := range p.listed() {
			if a["state"] == "needs-login" || a["needs_login"] == true {
				t.Errorf("%s after a CDN challenge: %v", alias, a)
			}
		}
		logData, _ := os.ReadFile(p.paths.LogFile())
		if n := bytes.Count(logData, []byte("upstream blocked the usage check")); n != 1 {
			t.Errorf("the log says the upstream blocked the check %d times, want once:\n%s", n, logData)
		}
		if reqs := p.backend.Requests(); len(reqs) != 1 {
			t.Errorf("%d usage requests during the block, want 1 (the poll backs off as a whole)", len(reqs))
		}
	})

	// Item 2: the token endpoint answers an HTML challenge, an HTML 5xx,
	// garbage, then a 200 whose access token is not a JWT. `quiver
	// refresh` says each failure in one line and logs nobody out; the
	// opaque answer is kept; no refresh token is ever presented twice.
	t.Run("refresh through a hostile token endpoint", func(t *testing.T) {
		p := newProc(t, bin)
		p.signIn(ann)
		for _, f := range []struct {
			fault  codextest.TokenFault
			status int
		}{{codextest.TokenHTMLError, 403}, {codextest.TokenHTMLError, 502}, {codextest.TokenGarbage, 0}} {
			p.auth.SetTokenFault(f.fault, f.status, 1)
			res := p.run(nil, "refresh", "ann")
			if res.code == 0 || !strings.Contains(res.stdout, "failed:") {
				t.Errorf("fault %v/%d: quiver refresh: exit %d, %q", f.fault, f.status, res.code, res.stdout)
			}
			if a := p.listed()["ann"]; a["state"] == "needs-login" {
				t.Fatalf("fault %v/%d logged ann out: %v", f.fault, f.status, a)
			}
		}
		p.auth.SetTokenFault(codextest.TokenOpaqueAccess, 0, 1)
		p.must("refresh", "ann")
		sec := p.storedSecret(ann)
		if _, err := codex.ParseClaims(sec.Access); err == nil || !p.auth.IsValidAccess(sec.Access) {
			t.Fatal("the opaque access token of a granted refresh was not kept")
		}
		p.must("refresh", "ann")
		if st := p.auth.Stats(); st.Reuses != 0 || st.Refreshes != 2 {
			t.Errorf("stats %+v: want 2 refreshes, no reuse", st)
		}
	})

	// Item 8: an http issuer on another host is refused by name.
	t.Run("cleartext upstream refused", func(t *testing.T) {
		p := newProc(t, bin)
		res := p.run([]string{codex.AuthIssuerEnv + "=http://auth.example.com"}, "list")
		if res.code == 0 || !strings.Contains(res.stderr, codex.AuthIssuerEnv) || !strings.Contains(res.stderr, "loopback") {
			t.Fatalf("quiver list with %s=http://auth.example.com: exit %d, stderr %q", codex.AuthIssuerEnv, res.code, res.stderr)
		}
		if strings.Count(strings.TrimSpace(res.stderr), "\n") > 0 {
			t.Errorf("the error is not one line: %q", res.stderr)
		}
	})
}
