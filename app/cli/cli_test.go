package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/app/codex/codextest"
)

// cliEnv runs commands against temp directories, with the encrypted-file
// secret store (the keyring path is covered by the desktop-session tests).
type cliEnv struct {
	t     *testing.T
	paths app.Paths
}

func newCLIEnv(t *testing.T) *cliEnv {
	root := t.TempDir()
	t.Setenv("QUIVER_SECRETS", "file")
	t.Setenv("QUIVER_PASSPHRASE", "correct horse battery staple")
	return &cliEnv{t: t, paths: app.Paths{ConfigDir: filepath.Join(root, "quiver"), CodexHome: filepath.Join(root, "codex")}}
}

func (e *cliEnv) run(stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, Env{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		StdinIsTerminal: stdin != "", Paths: &e.paths,
		Build: BuildInfo{Version: "v1.2.3", Commit: "abc123", Date: "2026-11-23"},
	})
	return code, out.String(), errb.String()
}

func (e *cliEnv) login(id codextest.Identity) string {
	refresh, err := codextest.WriteAuthJSON(e.paths.CodexHome, id, time.Now().Add(240*time.Hour))
	if err != nil {
		e.t.Fatal(err)
	}
	return refresh
}

var (
	alice = codextest.Identity{Email: "alice@example.com", AccountID: "ws-a", UserID: "u-a", Plan: "pro"}
	bob   = codextest.Identity{Email: "bob@example.com", AccountID: "ws-b", UserID: "u-b", Plan: "plus"}
)

func TestCommands(t *testing.T) {
	e := newCLIEnv(t)
	steps := []struct {
		name     string
		stdin    string
		args     []string
		setup    func()
		code     int
		out, err string // substrings expected
	}{
		{name: "empty list", args: []string{"list"}, out: "No accounts yet. Add one with `quiver add`"},
		{name: "list imports the Codex login", setup: func() { e.login(alice) }, args: []string{"list"}, out: "Imported the Codex CLI's login (alice@example.com)"},
		{name: "import default", args: []string{"import"}, out: "already known"},
		{name: "import bob", setup: func() { e.login(bob) }, args: []string{"import"}, out: `as "bob"`},
		{name: "list marks active", args: []string{"list"}, out: "*  bob"},
		{name: "switch", args: []string{"switch", "alice"}, out: "Switched to alice"},
		{name: "switch unknown", args: []string{"switch", "carol"}, code: ExitError, err: "no such account"},
		{name: "switch no arg", args: []string{"switch"}, code: ExitUsage, err: "usage: quiver switch <account>"},
		{name: "rename", args: []string{"rename", "bob", "work"}, out: "Renamed bob@example.com to work"},
		{name: "rename taken", args: []string{"rename", "work", "alice"}, code: ExitError, err: "already used"},
		{name: "remove needs yes without a terminal", args: []string{"remove", "work"}, code: ExitError, err: "without --yes"},
		{name: "remove answered no", stdin: "n\n", args: []string{"remove", "work"}, out: "Nothing removed"},
		{name: "remove answered yes", stdin: "y\n", args: []string{"remove", "work"}, out: "Removed work"},
		{name: "unknown command", args: []string{"frobnicate"}, code: ExitUsage, err: `unknown command "frobnicate"`},
		{name: "bad flag", args: []string{"list", "--jsn"}, code: ExitUsage, err: "flag provided but not defined"},
		{name: "version", args: []string{"version"}, out: "quiver v1.2.3 (commit abc123, built 2026-11-23)"},
		{name: "path", args: []string{"path"}, out: filepath.Join(e.paths.ConfigDir, "accounts.json")},
		{name: "help", args: []string{"help"}, out: "quiver switch <account>"},
		{name: "corrupt auth.json reported", setup: func() {
			os.WriteFile(filepath.Join(e.paths.CodexHome, "auth.json"), []byte(`{"tokens": {"id_tok`), 0o600)
		}, args: []string{"status"}, out: "is not imported: auth.json is not valid JSON"},
		{name: "import corrupt file fails clearly", args: []string{"import"}, code: ExitError, err: "not valid JSON"},
		{name: "api-key-only file", setup: func() {
			os.WriteFile(filepath.Join(e.paths.CodexHome, "auth.json"), []byte(`{"OPENAI_API_KEY": "sk-test", "tokens": null}`), 0o600)
		}, args: []string{"import"}, code: ExitError, err: "only an API key"},
	}
	for _, st := range steps {
		if st.setup != nil {
			st.setup()
		}
		code, out, errOut := e.run(st.stdin, st.args...)
		if code != st.code || !strings.Contains(out, st.out) || !strings.Contains(errOut, st.err) {
			t.Fatalf("%s: quiver %v\n exit %d (want %d)\n stdout: %s\n stderr: %s\n want stdout ∋ %q, stderr ∋ %q",
				st.name, st.args, code, st.code, out, errOut, st.out, st.err)
		}
		if st.code == ExitError && strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%s: error is not one line: %q", st.name, errOut)
		}
	}
	// Only alice is left, and sk-test never reached the output.
	code, out, _ := e.run("", "list", "--json")
	var got struct{ Accounts []accountJSON }
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || len(got.Accounts) != 1 || got.Accounts[0].Alias != "alice" {
		t.Fatalf("final list --json: %d %s", code, out)
	}
}

func TestStatusJSON(t *testing.T) {
	e := newCLIEnv(t)
	refresh := e.login(alice)
	if code, _, errOut := e.run("", "import"); code != 0 {
		t.Fatal(errOut)
	}
	code, out, _ := e.run("", "status", "--json")
	var st statusJSON
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil {
		t.Fatalf("status --json: %d %s", code, out)
	}
	if len(st.Accounts) != 1 || !st.Accounts[0].Active || st.Active == "" || !strings.Contains(st.SecretsBackend, "encrypted file") || len(st.Problems) != 0 {
		t.Fatalf("status = %+v", st)
	}
	if strings.Contains(out, refresh) {
		t.Fatal("status printed a refresh token")
	}
}

func TestShortDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    time.Duration
		want string
	}{
		{45 * time.Second, "45s"},
		{14 * time.Minute, "14m"},
		{2*time.Hour + 14*time.Minute, "2h 14m"},
		{9*24*time.Hour + 3*time.Hour + 10*time.Minute, "9d 3h"},
	}
	for _, tt := range tests {
		if got := shortDuration(tt.d); got != tt.want {
			t.Errorf("shortDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestAutostartCommand(t *testing.T) {
	e := newCLIEnv(t)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(t.TempDir(), "xdg"))
	if code, out, _ := e.run("", "autostart", "status"); code != 0 || !strings.Contains(out, "off") {
		t.Fatalf("status: %d %s", code, out)
	}
	// The test binary lives in the go-build cache: a path that will vanish.
	code, _, errOut := e.run("", "autostart", "on")
	if code != ExitError || !strings.Contains(errOut, "make install") {
		t.Fatalf("autostart on from a temporary build: %d %s", code, errOut)
	}
	if code, _, _ := e.run("", "autostart", "maybe"); code != ExitUsage {
		t.Fatalf("bad argument: exit %d", code)
	}
}

func TestSecondLaunchHandsOver(t *testing.T) {
	e := newCLIEnv(t)
	// `quiver open` needs a display for the real window; the fake GUI
	// below needs none.
	t.Setenv("WAYLAND_DISPLAY", "")
	t.Setenv("DISPLAY", "")
	if code, _, errOut := (&cliEnv{t: t, paths: e.paths}).run("", "open"); code != ExitError || !strings.Contains(errOut, "no display") {
		t.Fatalf("quiver open with no display: %d %q", code, errOut)
	}
	t.Setenv("DISPLAY", ":99")
	gotWindow := make(chan struct{}, 1)
	started := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	gui := func(ctx context.Context, a *app.App, _ *slog.Logger) error {
		close(started)
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-a.WindowRequests():
				select {
				case gotWindow <- struct{}{}:
				default:
				}
			}
		}
	}
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := Main(ctx, args, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Paths: &e.paths, GUI: gui})
		return code, out.String(), errb.String()
	}
	firstDone := make(chan int)
	go func() { code, _, _ := run(); firstDone <- code }()
	<-started
	// No account yet: the first run asks for the window by itself.
	select {
	case <-gotWindow:
	case <-time.After(5 * time.Second):
		t.Fatal("a first run with no account did not show the window")
	}
	code, out, errOut := run("open")
	if code != 0 || !strings.Contains(out, "already running") {
		t.Fatalf("second launch: %d %q %q", code, out, errOut)
	}
	select {
	case <-gotWindow:
	case <-time.After(5 * time.Second):
		t.Fatal("the running instance was not asked to show its window")
	}
	if code, _, errOut := run("--headless"); code != ExitError || !strings.Contains(errOut, "already running") {
		t.Fatalf("headless next to a running tray: %d %q", code, errOut)
	}
	cancel()
	if code := <-firstDone; code != 0 {
		t.Fatalf("first instance exited %d", code)
	}
}

func TestConnectCommand(t *testing.T) {
	e := newCLIEnv(t)
	t.Setenv("OPENCODE_CONFIG", filepath.Join(t.TempDir(), "opencode.json"))
	cfg := filepath.Join(e.paths.CodexHome, "config.toml")
	os.MkdirAll(e.paths.CodexHome, 0o700)
	original := "# my settings\nmodel = \"gpt-5.1-codex\"\n\n[features]\napps = false\n"
	os.WriteFile(cfg, []byte(original), 0o600)

	code, out, errOut := e.run("", "connect", "codex")
	if code != 0 || !strings.Contains(out, "now sends its requests through Quiver's proxy") {
		t.Fatalf("connect codex: %d %s %s", code, out, errOut)
	}
	data, _ := os.ReadFile(cfg)
	_, key, _ := e.run("", "proxy", "key")
	if !strings.Contains(string(data), "model_provider = \"quiver\"") || !strings.Contains(string(data), strings.TrimSpace(key)) ||
		!strings.HasPrefix(string(data), "# my settings\n") {
		t.Fatalf("config.toml after connect:\n%s", data)
	}
	if strings.Contains(out+errOut, strings.TrimSpace(key)) {
		t.Fatal("connect printed the proxy key")
	}
	if code, _, errOut = e.run("", "connect", "codex", "--undo"); code != 0 {
		t.Fatalf("undo: %s", errOut)
	}
	if data, _ = os.ReadFile(cfg); string(data) != original {
		t.Fatalf("undo did not restore the file:\n%s", data)
	}
	if code, out, _ = e.run("", "connect", "opencode"); code != 0 || !strings.Contains(out, "quiver/gpt-5.1-codex") {
		t.Fatalf("connect opencode: %d %s", code, out)
	}
	if code, _, _ = e.run("", "connect", "vscode"); code != ExitUsage {
		t.Fatalf("unknown client: exit %d", code)
	}
}
