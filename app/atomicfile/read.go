package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Errors of ReadFile.
var (
	// ErrNotRegular marks a path that is not a regular file (a directory,
	// a FIFO whose open would block, a device).
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge marks a file larger than the caller's bound.
	ErrTooLarge = errors.New("file too large")
)

// ReadFile reads path whole, refusing anything but a regular file (so a
// FIFO planted where a config file belongs cannot block the caller, who may
// hold a lock) and any file larger than max bytes. A symlink is followed. A
// missing file gives an error matching fs.ErrNotExist.
func ReadFile(path string, max int64) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("reading %s: %w", path, ErrNotRegular)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The path may have been replaced between the Stat and the Open.
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("reading %s: %w", path, ErrNotRegular)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("reading %s: %w (over %d bytes)", path, ErrTooLarge, max)
	}
	return data, nil
}

// ResolveLink returns the file a symlinked path points to, so that an
// atomic rename replaces the target and not the link (dotfile managers
// link config files into a repository). A path that is not a symlink, or
// does not exist, is returned as it is.
func ResolveLink(path string) (string, error) {
	info, err := os.Lstat(path)
	if err != nil || info.Mode()&fs.ModeSymlink == 0 {
		return path, nil
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", fmt.Errorf("following the symlink %s: %w", path, err)
	}
	return target, nil
}
