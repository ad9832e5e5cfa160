package autostart

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// outsideTemp returns a directory that CheckExecutable does not take for a
// temporary one: TMPDIR moves elsewhere for the rest of the test.
func outsideTemp(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("TMPDIR", t.TempDir())
	t.Setenv("GOTMPDIR", "")
	t.Setenv("GOCACHE", filepath.Join(t.TempDir(), "gocache"))
	return dir
}

func TestCheckExecutable(t *testing.T) {
	dir := outsideTemp(t)
	good := fakeBinary(t, dir, "bin/quiver")
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(good, link); err != nil {
		t.Fatal(err)
	}
	inTemp := fakeBinary(t, os.Getenv("TMPDIR"), "quiver")
	inCache := fakeBinary(t, os.Getenv("GOCACHE"), "ab/quiver")
	goRun := fakeBinary(t, dir, "go-build1234/b001/exe/quiver")
	tempLink := filepath.Join(dir, "temp-link")
	if err := os.Symlink(inTemp, tempLink); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		path string
		want error
	}{
		{"installed", good, nil},
		{"symlink to installed", link, nil},
		{"relative", "bin/quiver", ErrInvalidEntry},
		{"missing", filepath.Join(dir, "nope"), fs.ErrNotExist},
		{"directory", dir, ErrInvalidEntry},
		{"not executable", plain, ErrInvalidEntry},
		{"in the temporary directory", inTemp, ErrTemporaryBinary},
		{"missing, in the temporary directory", filepath.Join(os.Getenv("TMPDIR"), "gone"), ErrTemporaryBinary},
		{"in the build cache", inCache, ErrTemporaryBinary},
		{"in a go run work directory", goRun, ErrTemporaryBinary},
		{"symlink into the temporary directory", tempLink, ErrTemporaryBinary},
	}
	for _, tt := range tests {
		err := CheckExecutable(tt.path)
		if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: CheckExecutable(%s) = %v, want %v", tt.name, tt.path, err, tt.want)
		}
	}
	if err := CheckExecutable(inTemp); !strings.Contains(err.Error(), "make install") {
		t.Errorf("the temporary-binary error does not point to make install: %v", err)
	}
}

// The test binary itself is what `go run` would give: a temporary build.
func TestCheckExecutableOfThisTestBinary(t *testing.T) {
	t.Parallel()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(exe, "go-build") {
		t.Skipf("the test binary %s was not left in go test's work directory (go test -c?)", exe)
	}
	if err := CheckExecutable(exe); !errors.Is(err, ErrTemporaryBinary) {
		t.Fatalf("CheckExecutable(%s) = %v, want ErrTemporaryBinary", exe, err)
	}
}
