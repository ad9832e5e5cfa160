package autostart

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// CheckExecutable tells whether path can be started at login: an absolute
// path to an existing executable file that is not a temporary build. A
// binary inside os.TempDir(), $GOTMPDIR, the Go build cache or a go-build*
// work directory (where `go run` and `go test` put theirs) gives
// ErrTemporaryBinary.
func CheckExecutable(path string) error {
	if !filepath.IsAbs(path) {
		return fmt.Errorf("%w: executable %q is not an absolute path", ErrInvalidEntry, path)
	}
	if isTemporary(path) {
		return fmt.Errorf("checking %s: %w", path, ErrTemporaryBinary)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("checking executable: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: %s is not a regular file", ErrInvalidEntry, path)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%w: %s is not executable", ErrInvalidEntry, path)
	}
	return nil
}

func isTemporary(path string) bool {
	candidates := []string{path}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		candidates = append(candidates, real)
	}
	for _, p := range candidates {
		for _, elem := range strings.Split(filepath.ToSlash(filepath.Clean(p)), "/") {
			if strings.HasPrefix(elem, "go-build") {
				return true
			}
		}
		for _, dir := range temporaryDirs() {
			if within(p, dir) {
				return true
			}
		}
	}
	return false
}

// temporaryDirs lists where temporary binaries live, symlinks resolved too
// (macOS's TMPDIR is under /var, a link to /private/var).
func temporaryDirs() []string {
	dirs := []string{os.TempDir(), os.Getenv("GOTMPDIR")}
	if c := os.Getenv("GOCACHE"); c != "" && c != "off" {
		dirs = append(dirs, c)
	} else if c, err := os.UserCacheDir(); err == nil {
		dirs = append(dirs, filepath.Join(c, "go-build"))
	}
	var out []string
	for _, d := range dirs {
		if d == "" || !filepath.IsAbs(d) {
			continue
		}
		out = append(out, d)
		if real, err := filepath.EvalSymlinks(d); err == nil && real != d {
			out = append(out, real)
		}
	}
	return out
}

// within tells whether path is dir or inside it.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	if err != nil {
		return false
	}
	return rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel))
}

// missing tells whether the binary an entry starts is gone.
func missing(path string) bool {
	if path == "" {
		return true
	}
	if !filepath.IsAbs(path) {
		_, err := exec.LookPath(path)
		return err != nil
	}
	_, err := os.Stat(path)
	return errors.Is(err, os.ErrNotExist)
}
