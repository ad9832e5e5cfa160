package watcher

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/fsnotify/fsnotify"
)

// maxArmAttempts bounds arm's loop when directories keep appearing and
// vanishing under it.
const maxArmAttempts = 64

// arm (re)places the single directory watch: on the file's directory when
// it exists, otherwise on its nearest existing ancestor. The old watch is
// always dropped first, since the directory at the same path may be a new
// one. Callers read the file afterwards: changes made while no watch was in
// place produce no event.
func (l *loop) arm() error {
	for range maxArmAttempts {
		target, err := nearestDir(l.dir)
		if err != nil {
			return err
		}
		l.unwatch()
		if err := l.fsw.Add(target); err != nil {
			if vanished(err) {
				continue // removed between the Stat and the Add
			}
			return fmt.Errorf("watching %s: %w", target, err)
		}
		l.watched = target
		if target != l.dir {
			l.next = childToward(target, l.dir)
			if isDir(l.next) {
				continue // created between the Stat and the Add: go down
			}
		}
		l.log.Debug("watching directory", "dir", target)
		if l.hooks.armed != nil {
			l.hooks.armed(target)
		}
		return nil
	}
	return fmt.Errorf("watching %s: directories kept changing", l.dir)
}

// unwatch drops the current watch. fsnotify has already dropped it when
// the directory was removed or renamed, so a missing watch is fine.
func (l *loop) unwatch() {
	if l.watched == "" {
		return
	}
	if err := l.fsw.Remove(l.watched); err != nil && !errors.Is(err, fsnotify.ErrNonExistentWatch) {
		l.log.Debug("dropping directory watch", "dir", l.watched, "err", err)
	}
	l.watched, l.next = "", ""
}

// nearestDir returns dir, or its nearest ancestor that is a directory.
func nearestDir(dir string) (string, error) {
	for p := dir; ; {
		if isDir(p) {
			return p, nil
		}
		parent := filepath.Dir(p)
		if parent == p {
			return "", fmt.Errorf("watching %s: no existing ancestor directory", dir)
		}
		p = parent
	}
}

// childToward returns the child of ancestor on the path down to dir.
func childToward(ancestor, dir string) string {
	rel, err := filepath.Rel(ancestor, dir)
	if err != nil {
		return dir
	}
	first, _, _ := strings.Cut(rel, string(filepath.Separator))
	return filepath.Join(ancestor, first)
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// vanished reports whether err means the path is gone or is no longer a
// directory.
func vanished(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}
