// Package instance keeps one Quiver per user doing the background work (the
// tray app, `quiver --headless` or `quiver proxy`). The first process holds
// a lock in the config directory and listens on a Unix socket there; a
// second one finds the lock taken and asks the first through the socket
// what it is, or hands it a request ("show" the window), then exits.
package instance

import (
	"bufio"
	"context"
	"encoding/json"
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
	CmdInfo = "info" // say what the primary is (Info)
)

// What a primary can be.
const (
	ModeTray     = "tray"     // `quiver`: the tray app, with a window
	ModeHeadless = "headless" // `quiver --headless`: no tray, no window
	ModeProxy    = "proxy"    // `quiver proxy`: headless, serving the proxy in a terminal
)

// Info is what a primary tells a second process about itself, so that
// the second can say what really runs.
type Info struct {
	Mode  string `json:"mode"`            // ModeTray, ModeHeadless or ModeProxy
	PID   int    `json:"pid"`             // its process id
	Proxy string `json:"proxy,omitempty"` // host:port its proxy listens on; "" when it serves none
}

// Describe is a short phrase for the user: "the tray app (pid 42)".
func (i Info) Describe() string {
	switch i.Mode {
	case ModeTray:
		return fmt.Sprintf("the tray app (pid %d)", i.PID)
	case ModeHeadless:
		return fmt.Sprintf("`quiver --headless` (pid %d)", i.PID)
	case ModeProxy:
		return fmt.Sprintf("`quiver proxy` (pid %d)", i.PID)
	}
	return "another Quiver process"
}

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

// Handlers answer a second process's commands.
type Handlers struct {
	Show func()      // CmdShow; nil: the primary has no window to show
	Info func() Info // CmdInfo
}

// Serve answers the commands second processes send, until ctx ends; then
// it releases the socket and the lock.
func (p *Primary) Serve(ctx context.Context, h Handlers) {
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
		switch cmd := strings.TrimSpace(line); {
		case cmd == CmdShow && h.Show != nil:
			fmt.Fprintln(conn, "ok")
			h.Show()
		case cmd == CmdInfo && h.Info != nil:
			b, _ := json.Marshal(h.Info())
			fmt.Fprintf(conn, "ok %s\n", b)
		default:
			fmt.Fprintln(conn, "unknown command")
		}
		conn.Close()
	}
}

// Release gives up being the primary without serving (the process found
// it has nothing to run).
func (p *Primary) Release() { p.close() }

func (p *Primary) close() {
	p.ln.Close()
	os.Remove(p.path)
	p.lock.Unlock()
}

// Send asks the primary of dir to run cmd.
func Send(dir, cmd string) error {
	_, err := ask(dir, cmd)
	return err
}

// Ask asks the primary of dir what it is. A primary too old to say
// answers with an error.
func Ask(dir string) (Info, error) {
	reply, err := ask(dir, CmdInfo)
	if err != nil {
		return Info{}, err
	}
	var info Info
	if err := json.Unmarshal([]byte(reply), &info); err != nil {
		return Info{}, fmt.Errorf("reading the running Quiver's answer: %w", err)
	}
	return info, nil
}

// ask sends cmd and returns what follows the primary's "ok".
func ask(dir, cmd string) (string, error) {
	conn, err := net.DialTimeout("unix", socketPath(dir), 2*time.Second)
	if err != nil {
		return "", fmt.Errorf("reaching the running Quiver: %w", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprintln(conn, cmd); err != nil {
		return "", fmt.Errorf("reaching the running Quiver: %w", err)
	}
	reply, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("reaching the running Quiver: %w", err)
	}
	reply = strings.TrimSpace(reply)
	if reply != "ok" && !strings.HasPrefix(reply, "ok ") {
		return "", fmt.Errorf("the running Quiver answered %q", reply)
	}
	return strings.TrimPrefix(reply, "ok "), nil
}
