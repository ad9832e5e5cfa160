// Package instance keeps one Quiver tray per user. The first process holds
// a lock in the config directory and listens on a Unix socket there; a
// second one finds the lock taken and hands its request ("open" the
// window) to the first through the socket, then exits.
package instance

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/quiver-app/quiver/app/filelock"
)

// Commands a second process can send.
const (
	CmdShow = "show" // show (or raise) the window
)

// ErrRunning means another Quiver tray runs for this user.
var ErrRunning = errors.New("Quiver is already running")

// Primary is the running instance: it owns the lock and the socket.
type Primary struct {
	lock *filelock.Lock
	ln   net.Listener
	path string
}

// socketPath is where the primary listens. A Unix socket path must be
// short (about 100 bytes): when the config directory's is too long, the
// runtime directory or the temp directory is used, named by the config dir.
func socketPath(dir string) string {
	p := filepath.Join(dir, "quiver.sock")
	if len(p) < 100 {
		return p
	}
	base := os.Getenv("XDG_RUNTIME_DIR")
	if base == "" {
		base = os.TempDir()
	}
	return filepath.Join(base, fmt.Sprintf("quiver-%d-%x.sock", os.Getuid(), hash(dir)))
}

func hash(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return h
}

// Claim makes this process the primary, or returns ErrRunning when another
// process is.
func Claim(dir string) (*Primary, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating config directory: %w", err)
	}
	lock, err := filelock.TryAcquire(filepath.Join(dir, "instance.lock"))
	if errors.Is(err, filelock.ErrHeld) {
		return nil, ErrRunning
	}
	if err != nil {
		return nil, err
	}
	path := socketPath(dir)
	os.Remove(path) // a socket left by a crashed primary: the lock says it is gone
	ln, err := net.Listen("unix", path)
	if err != nil {
		lock.Unlock()
		return nil, fmt.Errorf("listening for other Quiver processes: %w", err)
	}
	os.Chmod(path, 0o600)
	return &Primary{lock: lock, ln: ln, path: path}, nil
}

// Serve hands each command a second process sends to handle, until ctx
// ends; then it releases the socket and the lock.
func (p *Primary) Serve(ctx context.Context, handle func(cmd string)) {
	go func() {
		<-ctx.Done()
		p.ln.Close()
	}()
	defer p.close()
	for {
		conn, err := p.ln.Accept()
		if err != nil {
			return
		}
		conn.SetDeadline(time.Now().Add(2 * time.Second))
		line, _ := bufio.NewReader(conn).ReadString('\n')
		cmd := strings.TrimSpace(line)
		if cmd == CmdShow {
			fmt.Fprintln(conn, "ok")
			handle(cmd)
		} else {
			fmt.Fprintln(conn, "unknown command")
		}
		conn.Close()
	}
}

func (p *Primary) close() {
	p.ln.Close()
	os.Remove(p.path)
	p.lock.Unlock()
}

// Send asks the primary of dir to run cmd.
func Send(dir, cmd string) error {
	conn, err := net.DialTimeout("unix", socketPath(dir), 2*time.Second)
	if err != nil {
		return fmt.Errorf("reaching the running Quiver: %w", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprintln(conn, cmd); err != nil {
		return fmt.Errorf("reaching the running Quiver: %w", err)
	}
	reply, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return fmt.Errorf("reaching the running Quiver: %w", err)
	}
	if r := strings.TrimSpace(reply); r != "ok" {
		return fmt.Errorf("the running Quiver answered %q", r)
	}
	return nil
}
