package install

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/autostart"
)

// versionLine is `quiver version`'s output.
var versionLine = regexp.MustCompile(`^quiver (\d+\.\d+\.\d+[0-9A-Za-z.+-]*) \(commit ([0-9a-f]{12}), built (\S+)\)\n$`)

// execLine is the Exec line the desktop entry specification (and the
// login item) gives binary.
func execLine(t *testing.T, binary string) string {
	t.Helper()
	entry := autostart.DesktopEntry(autostart.Entry{Name: "Quiver", ID: "quiver", Exec: binary})
	for _, l := range strings.Split(string(entry), "\n") {
		if strings.HasPrefix(l, "Exec=") {
			return l
		}
	}
	t.Fatalf("autostart.DesktopEntry wrote no Exec line:\n%s", entry)
	return ""
}

// TestMakeInstallAndUninstall installs into a prefix whose path needs
// quoting in Exec, beside another program's files, runs the installed
// binary (version, autostart on), then uninstalls and checks that exactly
// Quiver's files and the directories they left empty are gone.
func TestMakeInstallAndUninstall(t *testing.T) {
	requireMakeTests(t, "")
	root := repoRoot(t)
	s := newSandbox(t)
	prefix := filepath.Join(s.dir, "My Apps 100%", "prefix")
	binary := filepath.Join(prefix, "bin", "quiver")
	entryPath := filepath.Join(s.data, "applications", appID+".desktop")
	png := filepath.Join(s.data, "icons", "hicolor", "256x256", "apps", iconName+".png")
	svg := filepath.Join(s.data, "icons", "hicolor", "scalable", "apps", iconName+".svg")

	// Another program's files, which uninstall must leave alone.
	others := map[string]string{
		filepath.Join(prefix, "bin", "other-tool"):                              "#!/bin/sh\n",
		filepath.Join(s.data, "applications", "other.desktop"):                  "[Desktop Entry]\n",
		filepath.Join(s.data, "icons", "hicolor", "48x48", "apps", "other.png"): "not really a PNG\n",
	}
	for path, content := range others {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	before := map[string][]string{"prefix": tree(t, prefix), "data": tree(t, s.data)}

	// Read here too, so Go's test cache reruns this test when they change.
	readRepoFile(t, "Makefile")
	readRepoFile(t, "scripts/install.sh")
	source := parseEntry(t, readRepoFile(t, desktopSource))

	makeInstall := run(t, makeDeadline, root, s.env(), "make", "-C", root, "install", "PREFIX="+prefix)
	t.Logf("make install:\n%s%s", makeInstall.stdout, makeInstall.stderr)

	checkFile(t, binary, 0o755, nil)
	checkFile(t, png, 0o644, readRepoFile(t, "icons/"+iconName+".png"))
	checkFile(t, svg, 0o644, readRepoFile(t, "icons/"+iconName+".svg"))
	checkFile(t, entryPath, 0o644, nil)
	for _, f := range []string{binary, entryPath, png, svg} {
		if !strings.Contains(makeInstall.stdout, f) {
			t.Errorf("make install did not list %s", f)
		}
	}
	installed := readEntry(t, entryPath)
	wantExec := execLine(t, binary)
	if !strings.HasPrefix(wantExec, `Exec="`) {
		t.Fatalf("%s needs no quoting, so this test does not test quoting", wantExec)
	}
	if want := installedEntryLines(t, source, wantExec, "TryExec="+binary); !slices.Equal(installed.lines, want) {
		t.Errorf("installed entry:\n%s\nwant:\n%s", strings.Join(installed.lines, "\n"), strings.Join(want, "\n"))
	}
	validateEntry(t, entryPath)

	// quiver version: the stamps of make build.
	version := run(t, runDeadline, s.dir, s.env(), binary, "version")
	m := versionLine.FindStringSubmatch(version.stdout)
	if m == nil {
		t.Fatalf("quiver version printed %q, want %v", version.stdout, versionLine)
	}
	head := run(t, runDeadline, root, s.env(), "git", "-C", root, "show", "-s", "--format=%H %ct", "HEAD")
	commit, unix, _ := strings.Cut(strings.TrimSpace(head.stdout), " ")
	if !strings.HasPrefix(commit, m[2]) {
		t.Errorf("quiver version says commit %s, HEAD is %s", m[2], commit)
	}
	built, err := time.Parse(time.RFC3339, m[3])
	if err != nil {
		t.Errorf("quiver version's build date %q: %v", m[3], err)
	}
	if sec, _ := strconv.ParseInt(unix, 10, 64); !built.Equal(time.Unix(sec, 0)) || built.Location() != time.UTC {
		t.Errorf("quiver version says built %s, want HEAD's commit time %s in UTC", m[3], time.Unix(sec, 0).UTC().Format(time.RFC3339))
	}

	// make goflags stamps a `fyne package` build (README) the same way.
	goflags := run(t, runDeadline, root, s.env(), "make", "-s", "-C", root, "goflags")
	if want := "-ldflags=-X=main.version=" + m[1] + " -ldflags=-X=main.commit=" + m[2] +
		" -ldflags=-X=main.date=" + m[3] + "\n"; goflags.stdout != want {
		t.Errorf("make goflags printed %q, want %q", goflags.stdout, want)
	}

	// quiver autostart on, run from the installed binary, points the login
	// item at it.
	auto := run(t, runDeadline, s.dir, s.env(), binary, "autostart", "on")
	loginItem := filepath.Join(s.config, "autostart", loginItemName)
	if want := "Start at login: on (" + loginItem + " starts " + binary + ").\n"; auto.stdout != want {
		t.Errorf("quiver autostart on printed %q, want %q", auto.stdout, want)
	}
	item := readEntry(t, loginItem)
	if got := "Exec=" + item.values["Exec"]; got != wantExec {
		t.Errorf("login item has %s, want %s", got, wantExec)
	}
	if item.values["Icon"] != installed.values["Icon"] {
		t.Errorf("login item Icon=%s, the launcher entry's is %s", item.values["Icon"], installed.values["Icon"])
	}
	validateEntry(t, loginItem)
	loginItemData, err := os.ReadFile(loginItem)
	if err != nil {
		t.Fatal(err)
	}
	quiverFiles := tree(t, s.quiver)

	// make uninstall: exactly Quiver's files, and the login item is only
	// pointed out.
	for range 2 {
		un := run(t, runDeadline, root, s.env(), "make", "-C", root, "uninstall", "PREFIX="+prefix)
		t.Logf("make uninstall:\n%s%s", un.stdout, un.stderr)
		if !strings.Contains(un.stderr, "still starts at login from "+loginItem) {
			t.Errorf("make uninstall did not point out the login item:\n%s", un.stderr)
		}
	}
	for name, dir := range map[string]string{"prefix": prefix, "data": s.data} {
		if got := tree(t, dir); !slices.Equal(got, before[name]) {
			t.Errorf("after make uninstall, %s holds\n  %s\nwant what it held before install:\n  %s",
				name, strings.Join(got, "\n  "), strings.Join(before[name], "\n  "))
		}
	}
	for path, content := range others {
		if got, err := os.ReadFile(path); err != nil || string(got) != content {
			t.Errorf("make uninstall touched %s: %q, %v", path, got, err)
		}
	}
	if got, err := os.ReadFile(loginItem); err != nil || string(got) != string(loginItemData) {
		t.Errorf("make uninstall touched the login item: %v", err)
	}
	if got := tree(t, s.quiver); !slices.Equal(got, quiverFiles) {
		t.Errorf("make uninstall changed Quiver's config directory: %v, was %v", got, quiverFiles)
	}
}

// TestUninstallPrunesOnlyWhatItEmptied installs into empty directories with
// install.sh itself (no build): uninstall removes the directories it left
// empty, but never PREFIX or XDG_DATA_HOME.
func TestUninstallPrunesOnlyWhatItEmptied(t *testing.T) {
	requireMakeTests(t, "")
	root := repoRoot(t)
	s := newSandbox(t)
	prefix := filepath.Join(s.dir, "prefix")
	fake := filepath.Join(s.dir, "src", "quiver")
	if err := os.MkdirAll(filepath.Dir(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho fake quiver\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(root, "scripts", "install.sh")
	readRepoFile(t, "scripts/install.sh")
	args := []string{"--prefix", prefix, "--binary", fake,
		"--desktop", filepath.Join(root, desktopSource),
		"--png", filepath.Join(root, "icons", iconName+".png"),
		"--svg", filepath.Join(root, "icons", iconName+".svg")}
	run(t, runDeadline, s.dir, s.env(), script, append([]string{"install"}, args...)...)
	if got := tree(t, prefix); !slices.Equal(got, []string{"bin/", "bin/quiver"}) {
		t.Errorf("prefix after install: %v", got)
	}
	validateEntry(t, filepath.Join(s.data, "applications", appID+".desktop"))

	run(t, runDeadline, s.dir, s.env(), script, "uninstall", "--prefix", prefix)
	for _, dir := range []string{prefix, s.data} {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			t.Errorf("uninstall removed %s itself: %v", dir, err)
		}
		if got := tree(t, dir); len(got) != 0 {
			t.Errorf("%s after uninstall holds %v, want nothing", dir, got)
		}
	}
}

// TestInstallRefusesBadInput: a relative prefix, missing source files and
// unknown options fail before anything is written.
func TestInstallRefusesBadInput(t *testing.T) {
	requireMakeTests(t, "")
	root := repoRoot(t)
	script := filepath.Join(root, "scripts", "install.sh")
	readRepoFile(t, "scripts/install.sh")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"relative prefix", []string{"install", "--prefix", "relative/dir"}, "must be an absolute path"},
		{"missing binary", []string{"install", "--prefix", "PREFIX", "--binary", "/nonexistent/quiver"}, "missing /nonexistent/quiver"},
		{"missing icon", []string{"install", "--prefix", "PREFIX", "--binary", "BINARY", "--desktop", "DESKTOP",
			"--png", "/nonexistent/quiver.png", "--svg", "SVG"}, "missing /nonexistent/quiver.png"},
		{"desktop entry without Exec", []string{"install", "--prefix", "PREFIX", "--binary", "BINARY", "--desktop", "SVG",
			"--png", "PNG", "--svg", "SVG"}, "has no Exec line"},
		{"unknown option", []string{"install", "--frobnicate", "x"}, "Options:"},
		{"odd arguments", []string{"uninstall", "--prefix"}, "Options:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSandbox(t)
			prefix := filepath.Join(s.dir, "prefix")
			args := slices.Clone(tt.args)
			real := map[string]string{
				"PREFIX":  prefix,
				"BINARY":  filepath.Join(root, "scripts", "install.sh"), // any executable
				"DESKTOP": filepath.Join(root, desktopSource),
				"PNG":     filepath.Join(root, "icons", iconName+".png"),
				"SVG":     filepath.Join(root, "icons", iconName+".svg"),
			}
			for i, a := range args {
				if r, ok := real[a]; ok {
					args[i] = r
				}
			}
			r, err := tryRun(t, runDeadline, s.dir, s.env(), script, args...)
			var exit *exec.ExitError
			if err == nil || !errors.As(err, &exit) {
				t.Fatalf("install.sh %v = %v, want a non-zero exit", args, err)
			}
			if !strings.Contains(r.stderr, tt.want) {
				t.Errorf("install.sh %v said %q, want it to mention %q", args, r.stderr, tt.want)
			}
			for _, dir := range []string{prefix, s.data} {
				if got := tree(t, dir); len(got) != 0 {
					t.Errorf("install.sh %v wrote %v into %s", args, got, dir)
				}
			}
		})
	}
}
