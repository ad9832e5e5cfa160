package install

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMakeUninstallWithoutPrefixRemovesTheBinary is issue 12.9: after an
// install into another PREFIX, `make uninstall` without PREFIX used to
// remove the launcher entry and icons and silently leave PREFIX/bin/quiver.
// Install records where it put the binary; uninstall removes exactly that.
func TestMakeUninstallWithoutPrefixRemovesTheBinary(t *testing.T) {
	requireMakeTests(t, "")
	root := repoRoot(t)
	s := newSandbox(t)
	prefix := filepath.Join(s.dir, "opt", "x")
	fake := filepath.Join(s.dir, "src", "quiver")
	if err := os.MkdirAll(filepath.Dir(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho fake quiver\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	readRepoFile(t, "Makefile")
	readRepoFile(t, "scripts/install.sh")
	// What `make install PREFIX=…` runs once the binary is built.
	run(t, runDeadline, s.dir, s.env(), filepath.Join(root, "scripts", "install.sh"), "install", "--prefix", prefix,
		"--binary", fake, "--desktop", filepath.Join(root, desktopSource),
		"--png", filepath.Join(root, "icons", iconName+".png"), "--svg", filepath.Join(root, "icons", iconName+".svg"))
	if got := tree(t, prefix); !slices.Equal(got, []string{"bin/", "bin/quiver"}) {
		t.Fatalf("prefix after install: %v", got)
	}

	un := run(t, runDeadline, root, s.env(), "make", "-s", "-C", root, "uninstall") // no PREFIX
	t.Logf("make uninstall:\n%s%s", un.stdout, un.stderr)
	binary := filepath.Join(prefix, "bin", "quiver")
	if _, err := os.Lstat(binary); err == nil {
		t.Errorf("make uninstall without PREFIX left %s", binary)
	}
	if !strings.Contains(un.stdout, binary) {
		t.Errorf("make uninstall did not list %s:\n%s", binary, un.stdout)
	}
	if got := tree(t, prefix); len(got) != 0 {
		t.Errorf("%s after uninstall holds %v, want nothing", prefix, got)
	}
	if got := tree(t, s.data); len(got) != 0 {
		t.Errorf("XDG_DATA_HOME after uninstall holds %v (the manifest too must go)", got)
	}
}
