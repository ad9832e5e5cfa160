//go:build unix

package codex_test

import (
	"errors"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/quiver-app/quiver/app/atomicfile"
	"github.com/quiver-app/quiver/app/codex"
)

// auth.json as a FIFO: reading it is refused at once instead of blocking.
func TestReadAuthFileRefusesAFIFO(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "auth.json")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if _, err := codex.ReadAuthFile(path); !errors.Is(err, atomicfile.ErrNotRegular) {
		t.Fatalf("ReadAuthFile(FIFO) = %v, want ErrNotRegular", err)
	}
}
