package install

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// packaged is the line make package ends with, naming the archive.
var packaged = regexp.MustCompile(`(?m)^dist/(quiver-(\S+)-linux-([a-z0-9]+))\.tar\.xz \(`)

// archiveTree is everything the archive holds below its one directory.
var archiveTree = []string{
	"bin/", "bin/quiver", "install.sh",
	"share/", "share/applications/", "share/applications/" + appID + ".desktop",
	"share/icons/", "share/icons/hicolor/",
	"share/icons/hicolor/256x256/", "share/icons/hicolor/256x256/apps/", "share/icons/hicolor/256x256/apps/" + iconName + ".png",
	"share/icons/hicolor/scalable/", "share/icons/hicolor/scalable/apps/", "share/icons/hicolor/scalable/apps/" + iconName + ".svg",
}

// TestMakePackage builds the release archive twice (the same bytes both
// times), checks its contents, then installs it with its own install.sh
// into a fresh HOME with the defaults (~/.local) and uninstalls it again.
// It installs Fyne's packager from the module proxy on first use.
func TestMakePackage(t *testing.T) {
	requireMakeTests(t, "QUIVER_PACKAGE_TEST")
	root := repoRoot(t)
	s := newSandbox(t)
	readRepoFile(t, "scripts/package.sh")

	var name, version, sum string
	for i := range 2 {
		r := run(t, makeDeadline, root, s.env(), "make", "-C", root, "package")
		t.Logf("make package:\n%s%s", r.stdout, r.stderr)
		m := packaged.FindStringSubmatch(r.stdout)
		if m == nil {
			t.Fatalf("make package did not name its archive:\n%s", r.stdout)
		}
		archive := filepath.Join(root, "dist", m[1]+".tar.xz")
		data, err := os.ReadFile(archive)
		if err != nil {
			t.Fatal(err)
		}
		digest := sha256.Sum256(data)
		got := hex.EncodeToString(digest[:])
		sumFile, err := os.ReadFile(archive + ".sha256")
		if err != nil {
			t.Fatal(err)
		}
		if want := got + "  " + m[1] + ".tar.xz\n"; string(sumFile) != want {
			t.Errorf("%s.sha256 = %q, want %q", archive, sumFile, want)
		}
		if i == 1 && (m[1] != name || got != sum) {
			t.Errorf("a second make package gave %s (%s), the first %s (%s)", m[1], got, name, sum)
		}
		name, version, sum = m[1], m[2], got
	}

	unpacked := filepath.Join(s.dir, "unpacked")
	must(t, os.MkdirAll(unpacked, 0o755))
	run(t, runDeadline, s.dir, s.env(), "tar", "-xJf", filepath.Join(root, "dist", name+".tar.xz"), "-C", unpacked)
	if got, want := tree(t, unpacked), append([]string{name + "/"}, prefixed(name+"/", archiveTree)...); !slices.Equal(got, want) {
		t.Fatalf("archive holds\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	dir := filepath.Join(unpacked, name)
	checkFile(t, filepath.Join(dir, "install.sh"), 0o755, readRepoFile(t, "scripts/install.sh"))
	checkFile(t, filepath.Join(dir, "bin", "quiver"), 0o755, nil)
	checkFile(t, filepath.Join(dir, "share", "applications", appID+".desktop"), 0o644, readRepoFile(t, desktopSource))
	checkFile(t, filepath.Join(dir, "share", "icons", "hicolor", "256x256", "apps", iconName+".png"), 0o644, readRepoFile(t, "icons/"+iconName+".png"))
	checkFile(t, filepath.Join(dir, "share", "icons", "hicolor", "scalable", "apps", iconName+".svg"), 0o644, readRepoFile(t, "icons/"+iconName+".svg"))

	out := run(t, runDeadline, s.dir, s.env(), filepath.Join(dir, "bin", "quiver"), "version")
	if m := versionLine.FindStringSubmatch(out.stdout); m == nil || m[1] != version {
		t.Errorf("the packaged quiver version printed %q; want version %s", out.stdout, version)
	}

	// The archive's install.sh with the defaults: ~/.local.
	defaults := s.env("XDG_DATA_HOME=")
	run(t, runDeadline, s.dir, defaults, filepath.Join(dir, "install.sh"))
	binary := filepath.Join(s.home, ".local", "bin", "quiver")
	entryPath := filepath.Join(s.home, ".local", "share", "applications", appID+".desktop")
	checkFile(t, binary, 0o755, nil)
	validateEntry(t, entryPath)
	if got, want := readEntry(t, entryPath).values["Exec"], binary; got != want {
		t.Errorf("installed entry Exec=%s, want %s", got, want)
	}
	for _, icon := range []string{"256x256/apps/" + iconName + ".png", "scalable/apps/" + iconName + ".svg"} {
		checkFile(t, filepath.Join(s.home, ".local", "share", "icons", "hicolor", filepath.FromSlash(icon)), 0o644, nil)
	}
	run(t, runDeadline, s.dir, defaults, filepath.Join(dir, "install.sh"), "uninstall")
	if got, want := tree(t, s.home), []string{".local/", ".local/share/"}; !slices.Equal(got, want) {
		t.Errorf("HOME after uninstall holds %v, want %v (PREFIX and XDG_DATA_HOME are kept)", got, want)
	}
}

func prefixed(prefix string, items []string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = prefix + it
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
