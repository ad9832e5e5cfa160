package install

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	appID          = "io.github.quiver_app.quiver"
	iconName       = "quiver"
	desktopSource  = "scripts/" + appID + ".desktop"
	loginItemName  = "quiver.desktop" // what `quiver autostart on` writes
	makeDeadline   = 9 * time.Minute  // a cold cgo build of Fyne takes ~5
	runDeadline    = time.Minute
	testPassphrase = "install-test-passphrase"
)

// repoRoot is the module root, two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod at %s: %v", root, err)
	}
	return root
}

// readRepoFile reads a file of the repository. Reading it here (not only
// in the scripts the test runs) also tells Go's test cache to run the test
// again when the file changes.
func readRepoFile(t *testing.T, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// requireMakeTests skips the tests that build and install for real, unless
// they were asked for.
func requireMakeTests(t *testing.T, extra string) {
	t.Helper()
	if extra != "" {
		if os.Getenv(extra) != "1" {
			t.Skipf("set %s=1 to run this test", extra)
		}
	} else if os.Getenv("QUIVER_DESKTOP_SESSION") != "1" && os.Getenv("QUIVER_INSTALL_TEST") != "1" {
		t.Skip("runs make install for real: only in make test's session (QUIVER_DESKTOP_SESSION=1) or with QUIVER_INSTALL_TEST=1")
	}
	for _, tool := range []string{"make", "go", "git", "tar"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: %v", tool, err)
		}
	}
}

// entry is a desktop entry's [Desktop Entry] group.
type entry struct {
	lines  []string          // every line of the file, in order
	values map[string]string // key → raw value
}

func parseEntry(t *testing.T, data []byte) entry {
	t.Helper()
	e := entry{values: map[string]string{}}
	group := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		e.lines = append(e.lines, line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			group = line
		case group == "[Desktop Entry]":
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("desktop entry line %q has no '='", line)
			}
			if _, dup := e.values[k]; dup {
				t.Fatalf("desktop entry has %s twice", k)
			}
			e.values[k] = v
		default:
			t.Fatalf("desktop entry line %q is outside [Desktop Entry]", line)
		}
	}
	if len(e.values) == 0 {
		t.Fatal("desktop entry has no [Desktop Entry] group")
	}
	return e
}

func readEntry(t *testing.T, path string) entry {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return parseEntry(t, data)
}

// validateEntry runs desktop-file-validate, which must be installed inside
// the desktop test session; it fails on any error, warning or hint.
func validateEntry(t *testing.T, path string) {
	t.Helper()
	bin, err := exec.LookPath("desktop-file-validate")
	if err != nil {
		if os.Getenv("QUIVER_DESKTOP_SESSION") == "1" {
			t.Fatal("desktop-file-validate is not installed (package desktop-file-utils)")
		}
		t.Logf("desktop-file-validate is not installed; %s not validated", path)
		return
	}
	out, err := exec.Command(bin, path).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		data, _ := os.ReadFile(path)
		t.Fatalf("desktop-file-validate %s: %v\n%s\nfile:\n%s", path, err, out, data)
	}
}

// sandbox is a set of temporary directories standing in for a user's.
type sandbox struct {
	dir     string // everything below lives here
	home    string
	config  string // XDG_CONFIG_HOME
	data    string // XDG_DATA_HOME
	tmp     string // TMPDIR for the programs run (not holding the prefix)
	quiver  string // QUIVER_CONFIG_DIR
	codex   string // CODEX_HOME
	goCache []string
}

func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	dir := t.TempDir()
	s := &sandbox{
		dir:    dir,
		home:   filepath.Join(dir, "home"),
		config: filepath.Join(dir, "config"),
		data:   filepath.Join(dir, "data"),
		tmp:    filepath.Join(dir, "tmp"),
		quiver: filepath.Join(dir, "quiver-config"),
		codex:  filepath.Join(dir, "codex"),
	}
	for _, d := range []string{s.home, s.config, s.data, s.tmp} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// The real Go caches, asked before HOME changes: with the sandbox's
	// HOME every build would start cold (Fyne's cgo takes minutes).
	out, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE", "GOPATH").Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	caches := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(caches) != 3 {
		t.Fatalf("go env printed %q", out)
	}
	s.goCache = []string{"GOCACHE=" + caches[0], "GOMODCACHE=" + caches[1], "GOPATH=" + caches[2]}
	return s
}

// dropped are variables of the caller that must not reach the programs
// run: a parent make's, the user's directories, the session bus (so
// nothing can reach a keyring) and Quiver's own settings.
func dropped(kv string) bool {
	name, _, _ := strings.Cut(kv, "=")
	switch name {
	case "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "PREFIX", "HOME", "TMPDIR", "GOTMPDIR",
		"GOCACHE", "GOMODCACHE", "GOPATH", "CODEX_HOME", "DBUS_SESSION_BUS_ADDRESS":
		return true
	}
	return strings.HasPrefix(name, "XDG_") || strings.HasPrefix(name, "QUIVER_")
}

// env is the environment of every program the test runs, extra last.
func (s *sandbox) env(extra ...string) []string {
	env := slices.DeleteFunc(os.Environ(), dropped)
	env = append(env, s.goCache...)
	env = append(env,
		"HOME="+s.home,
		"XDG_CONFIG_HOME="+s.config,
		"XDG_DATA_HOME="+s.data,
		"XDG_CACHE_HOME="+filepath.Join(s.home, ".cache"),
		"XDG_STATE_HOME="+filepath.Join(s.home, ".local", "state"),
		"TMPDIR="+s.tmp,
		"GOTMPDIR=",
		"QUIVER_CONFIG_DIR="+s.quiver,
		"CODEX_HOME="+s.codex,
		"QUIVER_SECRETS=file",
		"QUIVER_PASSPHRASE="+testPassphrase,
		"LANG=C.UTF-8",
	)
	return append(env, extra...)
}

// result is what a program printed.
type result struct{ stdout, stderr string }

// run runs a program in dir with env and fails the test when it fails.
func run(t *testing.T, deadline time.Duration, dir string, env []string, name string, args ...string) result {
	t.Helper()
	r, err := tryRun(t, deadline, dir, env, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), err, r.stdout, r.stderr)
	}
	return r
}

func tryRun(t *testing.T, deadline time.Duration, dir string, env []string, name string, args ...string) (result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), deadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Env = dir, env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return result{stdout.String(), stderr.String()}, err
}

// tree lists everything below root (root itself left out), relative and
// slash-separated; directories end in "/".
func tree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	if _, err := os.Stat(root); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == root {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			rel += "/"
		}
		out = append(out, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkFile checks a regular file's mode and, when want is not nil, its
// content.
func checkFile(t *testing.T, path string, mode fs.FileMode, want []byte) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm() != mode {
		t.Errorf("%s: mode %v, want a regular file with mode %v", path, fi.Mode(), mode)
	}
	if want == nil {
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from its source (%d bytes, want %d)", path, len(got), len(want))
	}
}

// installedEntryLines is the source entry with Exec and TryExec set to the
// installed binary, as install.sh writes it.
func installedEntryLines(t *testing.T, source entry, execLine, tryExecLine string) []string {
	t.Helper()
	var want []string
	for _, l := range source.lines {
		switch {
		case strings.HasPrefix(l, "Exec="):
			l = execLine
		case strings.HasPrefix(l, "TryExec="):
			l = tryExecLine
		}
		want = append(want, l)
	}
	return want
}
