package install

import (
	"path"
	"strings"
	"testing"
)

// TestReadmeReleaseExampleMatchesThePackageName: the README's release
// example unpacks the archive `make package` names (issue 12.10: it named
// quiver-0.1.0-linux-amd64.tar.xz while make package wrote
// dist/quiver-0.1.0-dev-g<commit>-linux-amd64.tar.xz).
func TestReadmeReleaseExampleMatchesThePackageName(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	readme := string(readRepoFile(t, "README.md"))
	readRepoFile(t, "scripts/package.sh")
	// The version make stamps, as `make goflags` prints it.
	out := run(t, runDeadline, root, newSandbox(t).env(), "make", "-s", "-C", root, "goflags")
	_, rest, ok := strings.Cut(out.stdout, "main.version=")
	if !ok {
		t.Fatalf("make goflags printed %q", out.stdout)
	}
	version := strings.Fields(rest)[0]
	name := "quiver-" + version + "-linux-amd64" // scripts/package.sh: quiver-$version-linux-$arch

	var tarArg, installCmd string
	for _, l := range strings.Split(readme, "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) >= 3 && f[0] == "tar" && f[1] == "-xJf":
			tarArg = f[2]
		case len(f) >= 1 && strings.HasSuffix(f[0], "/install.sh") && installCmd == "":
			installCmd = f[0]
		}
	}
	if tarArg == "" || installCmd == "" {
		t.Fatal("README.md has no `tar -xJf …` and `…/install.sh` lines in its release example")
	}
	if ok, err := path.Match(tarArg, "dist/"+name+".tar.xz"); err != nil || !ok {
		t.Errorf("README.md unpacks %s; make package writes dist/%s.tar.xz", tarArg, name)
	}
	if ok, err := path.Match(installCmd, name+"/install.sh"); err != nil || !ok {
		t.Errorf("README.md runs %s; the archive unpacks to %s/install.sh", installCmd, name)
	}
}
