package app

import (
	"fmt"
	"os"
	"sync"
)

// maxLogSize is the size at which quiver.log is rotated to quiver.log.1.
const maxLogSize = 5 << 20

// LogFile is an append-only log that rotates itself: when it grows past
// maxLogSize it becomes quiver.log.1 (replacing the previous one) and a new
// file starts. Safe for concurrent use.
type LogFile struct {
	path string
	mu   sync.Mutex
	f    *os.File
	size int64
}

// OpenLogFile opens (creates 0600) the log at path.
func OpenLogFile(path string) (*LogFile, error) {
	l := &LogFile{path: path}
	if err := l.open(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *LogFile) open() error {
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("opening log: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("opening log: %w", err)
	}
	l.f, l.size = f, fi.Size()
	return nil
}

// Write appends p, rotating first when the file is full.
func (l *LogFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.size+int64(len(p)) > maxLogSize && l.size > 0 {
		l.f.Close()
		os.Rename(l.path, l.path+".1")
		if err := l.open(); err != nil {
			return 0, err
		}
	}
	n, err := l.f.Write(p)
	l.size += int64(n)
	return n, err
}

// Close closes the file.
func (l *LogFile) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Close()
}
