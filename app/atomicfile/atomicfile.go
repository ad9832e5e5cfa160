// Package atomicfile writes files so that a reader, or a crash, never sees
// them half-written: the data goes to a temporary file in the same
// directory, is synced, renamed over the target, and the directory is synced.
// It also reads them safely (ReadFile: bounded, regular files only, so a
// FIFO cannot block a lock holder) and follows a symlinked target
// (ResolveLink) so that a rename replaces the file, not the link.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFile atomically replaces path with data. The file gets mode perm
// (applied explicitly, so the umask cannot widen or narrow it). The parent
// directory must exist.
func WriteFile(path string, data []byte, perm os.FileMode) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("creating temporary file for %s: %w", base, err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	if err := tmp.Chmod(perm); err != nil {
		return fmt.Errorf("setting mode of %s: %w", base, err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", base, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", base, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", base, err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("replacing %s: %w", base, err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes the rename durable. It is best effort: some platforms and
// file systems cannot sync a directory, and the rename itself has happened.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}
