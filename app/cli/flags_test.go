package cli

import (
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/quiver-app/quiver/app/codex/codextest"
)

func TestParseInterleaved(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args       []string
		want       []string
		yes        bool
		listen     string
		errSubstr  string
		helpWanted bool
	}{
		{args: []string{"alice", "--yes"}, want: []string{"alice"}, yes: true},
		{args: []string{"--yes", "alice"}, want: []string{"alice"}, yes: true},
		{args: []string{"a", "--listen", "127.0.0.1:9000", "b"}, want: []string{"a", "b"}, listen: "127.0.0.1:9000"},
		{args: []string{"a", "-listen=127.0.0.1:1"}, want: []string{"a"}, listen: "127.0.0.1:1"},
		{args: []string{"--yes=false", "a"}, want: []string{"a"}},
		{args: []string{"--", "--yes", "-x"}, want: []string{"--yes", "-x"}},
		{args: []string{"a", "--", "-"}, want: []string{"a", "-"}},
		{args: []string{"-"}, want: []string{"-"}},
		{args: []string{"a", "--listen"}, errSubstr: "flag needs an argument: -listen"},
		{args: []string{"--nope"}, errSubstr: "flag provided but not defined: -nope"},
		{args: []string{"---x"}, errSubstr: "bad flag syntax"},
		{args: []string{"a", "--help"}, helpWanted: true},
		{args: []string{"-h"}, helpWanted: true},
	}
	for _, tt := range tests {
		fs := newFlags("test")
		yes := fs.Bool("yes", false, "")
		listen := fs.String("listen", "", "")
		got, err := parseInterleaved(fs, tt.args)
		switch {
		case tt.helpWanted:
			if err != flag.ErrHelp {
				t.Errorf("%q: err = %v, want flag.ErrHelp", tt.args, err)
			}
		case tt.errSubstr != "":
			if err == nil || !strings.Contains(err.Error(), tt.errSubstr) {
				t.Errorf("%q: err = %v, want %q", tt.args, err, tt.errSubstr)
			}
		case err != nil:
			t.Errorf("%q: %v", tt.args, err)
		case !reflect.DeepEqual(got, tt.want) || *yes != tt.yes || *listen != tt.listen:
			t.Errorf("%q: args %q yes %v listen %q; want %q %v %q", tt.args, got, *yes, *listen, tt.want, tt.yes, tt.listen)
		}
	}
}

// TestFlagsAfterArguments runs every command with its flags after its
// arguments (or `--` before an argument); each must get past parsing and
// do its work (or fail for a reason that is not usage).
func TestFlagsAfterArguments(t *testing.T) {
	e := newCLIEnv(t)
	t.Setenv("OPENCODE_CONFIG", filepath.Join(t.TempDir(), "opencode.json"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(t.TempDir(), "xdg"))
	t.Setenv(BackupPassphraseEnv, "backup passphrase")
	backend := codextest.NewBackend(t)
	t.Setenv("QUIVER_CHATGPT_BASE_URL", backend.URL)
	e.login(bob)
	if code, _, errOut := e.run("", "import"); code != 0 {
		t.Fatal(errOut)
	}
	e.login(alice)
	if code, _, errOut := e.run("", "import"); code != 0 {
		t.Fatal(errOut)
	}
	dir := t.TempDir()
	backupFile := filepath.Join(dir, "all.qvbackup")
	exportFile := filepath.Join(dir, "opencode-auth.json")
	tested := map[string]bool{}
	steps := []struct {
		args     []string
		code     int
		out, err string
	}{
		{args: []string{"list", "--json"}, out: `"accounts": [`},
		{args: []string{"status", "--json"}, out: `"config_dir"`},
		{args: []string{"switch", "--", "bob"}, out: "Switched to bob"},
		{args: []string{"import", e.paths.AuthFile(), "--"}, out: "already known"},
		{args: []string{"rename", "bob", "--", "work"}, out: "Renamed bob@example.com to work"},
		{args: []string{"limits", "alice", "--json"}, out: `"alias": "alice"`},
		{args: []string{"refresh", "nosuch", "--"}, code: ExitError, err: "no such account"},
		{args: []string{"proxy", "key", "--regenerate"}, out: "qvr_"},
		{args: []string{"export", "opencode", "alice", "-o", exportFile}, out: "Saved alice"},
		{args: []string{"backup", backupFile, "--"}, out: "Backed up 2 accounts"},
		{args: []string{"restore", backupFile, "--"}, out: "Restored"},
		{args: []string{"connect", "codex", "--undo"}, out: "nothing changed"},
		{args: []string{"cooldown", "clear", "alice", "--"}, out: "alice is not cooling down"},
		{args: []string{"autostart", "status", "--"}, out: "Start at login: off"},
		{args: []string{"takeback", "nosuch", "--from", filepath.Join(dir, "none.json")}, code: ExitError, err: "no such account"},
		{args: []string{"remove", "work", "--yes"}, out: "Removed work"},
		{args: []string{"path", "--"}, out: "accounts.json"},
		{args: []string{"version", "--"}, out: "quiver v1.2.3"},
		// open and add have their own tests (a window; a browser).
		{args: []string{"open", "--nope"}, code: ExitUsage, err: "flag provided but not defined: -nope"},
		{args: []string{"add", "carol", "--nope"}, code: ExitUsage, err: "flag provided but not defined: -nope"},
	}
	for _, st := range steps {
		tested[st.args[0]] = true
		code, out, errOut := e.run("", st.args...)
		if code != st.code || !strings.Contains(out, st.out) || !strings.Contains(errOut, st.err) {
			t.Errorf("quiver %s: exit %d (want %d)\nstdout: %s\nstderr: %s\nwant stdout ∋ %q, stderr ∋ %q",
				strings.Join(st.args, " "), code, st.code, out, errOut, st.out, st.err)
		}
	}
	for _, c := range commands() {
		if !tested[c.name] {
			t.Errorf("command %s is not in the table", c.name)
		}
	}
}

// TestEveryCommandHasHelp: `quiver <command> --help`, `-h` and `quiver
// help <command>` print the command's help on stdout and exit 0.
func TestEveryCommandHasHelp(t *testing.T) {
	e := newCLIEnv(t)
	for _, c := range commands() {
		for _, args := range [][]string{{c.name, "--help"}, {c.name, "-h"}, {"help", c.name}} {
			code, out, errOut := e.run("", args...)
			if code != ExitOK || errOut != "" || !strings.HasPrefix(out, "Usage: quiver "+c.name) || !strings.Contains(out, c.summary[1:]) {
				t.Errorf("quiver %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
			}
		}
	}
	code, out, _ := e.run("", "add", "--help")
	for _, want := range []string{"Usage: quiver add [--no-browser] [--activate] [alias]", "--activate", "--no-browser", "before or after the arguments"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("quiver add --help lacks %q:\n%s", want, out)
		}
	}
	if code, _, errOut := e.run("", "help", "frobnicate"); code != ExitUsage || !strings.Contains(errOut, "frobnicate") {
		t.Errorf("help for an unknown command: %d %s", code, errOut)
	}
	for _, args := range [][]string{{"--version"}, {"version"}} {
		if code, out, errOut := e.run("", args...); code != 0 || out != "quiver v1.2.3 (commit abc123, built 2026-11-23)\n" || errOut != "" {
			t.Errorf("quiver %s: %d %q %q", strings.Join(args, " "), code, out, errOut)
		}
	}
}

// TestFlagsAfterArgumentsBinary runs the three examples with the
// built binary: `quiver add work --activate` (as the README writes it),
// `quiver limits alice --json` and `quiver add carol --no-browser`, plus
// `quiver add --help` and `quiver --version`.
func TestFlagsAfterArgumentsBinary(t *testing.T) {
	w := newWorld(t)
	// A stand-in for xdg-open: the test plays the browser from the URL
	// quiver prints, and no real browser starts.
	bin := filepath.Join(w.home, "bin")
	os.MkdirAll(bin, 0o700)
	if err := os.WriteFile(filepath.Join(bin, "xdg-open"), []byte("#!/bin/sh\nexit 0\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	pathEnv := "PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")
	w.extra = append(w.extra, pathEnv)

	signIn := func(id codextest.Identity, args ...string) string {
		t.Helper()
		w.auth.NextLogin(id)
		p := w.start(nil, args...)
		p.waitOutput("Waiting for the browser")
		u := regexp.MustCompile(`https?://\S+`).FindString(p.out.String())
		resp, err := http.Get(u) // the browser: authorize, then the callback
		if err != nil {
			t.Fatalf("playing the browser on %q: %v", u, err)
		}
		resp.Body.Close()
		<-p.exited
		if p.code != 0 {
			t.Fatalf("quiver %s: exit %d\n%s", strings.Join(args, " "), p.code, p.out.String())
		}
		return p.out.String()
	}
	alice := codextest.Identity{Email: "alice@example.com", AccountID: "ws-a", UserID: "u-a", Plan: "pro"}
	if out := signIn(alice, "add", "work", "--activate"); !strings.Contains(out, `as "work"`) || !strings.Contains(out, "It is now the account") {
		t.Fatalf("quiver add work --activate:\n%s", out)
	}
	carol := codextest.Identity{Email: "carol@example.com", AccountID: "ws-c", UserID: "u-c", Plan: "plus"}
	if out := signIn(carol, "add", "carol", "--no-browser"); !strings.Contains(out, `as "carol"`) {
		t.Fatalf("quiver add carol --no-browser:\n%s", out)
	}
	o := w.run("limits", "work", "--json")
	var got struct {
		Accounts []struct{ Alias, Plan string }
	}
	if o.code != 0 || json.Unmarshal([]byte(o.stdout), &got) != nil || len(got.Accounts) != 1 || got.Accounts[0].Alias != "work" {
		t.Fatalf("quiver limits work --json: %s", o)
	}
	if o := w.run("add", "--help"); o.code != 0 || !strings.HasPrefix(o.stdout, "Usage: quiver add") || o.stderr != "" {
		t.Fatalf("quiver add --help: %s", o)
	}
	if o := w.run("--version"); o.code != 0 || !strings.HasPrefix(o.stdout, "quiver ") || o.stderr != "" {
		t.Fatalf("quiver --version: %s", o)
	}
}

// TestTwoSignInsAtOnce: a second `quiver add` while the first waits for
// its browser says so once, without "signing in: signing in:".
func TestTwoSignInsAtOnce(t *testing.T) {
	w := newWorld(t)
	first := w.start(nil, "add", "--no-browser")
	first.waitOutput("Waiting for the browser")
	o := w.run("add", "--no-browser", "carol")
	if o.code != ExitError || strings.Count(o.stderr, "signing in") != 1 || !strings.Contains(o.stderr, "`quiver add`") || oneLineCount(o.stderr) != 1 {
		t.Fatalf("a second quiver add: %s", o)
	}
}
