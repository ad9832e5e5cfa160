package usertest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/codex/codextest"
)

// Bounds that turn a hang into a failure; nothing is timed.
const (
	commandTimeout = 60 * time.Second
	serviceWait    = 30 * time.Second
	testPassphrase = "usertest-passphrase-not-a-secret"
	backupPass     = "usertest-backup-passphrase"
)

// built is the quiver binary, built once per test binary run.
var built struct {
	once sync.Once
	path string
	dir  string // removed by TestMain when this package made it
	err  error
}

// quiverBinary returns the binary under test: QUIVER_TEST_BINARY, or one
// built now from this checkout.
func quiverBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if p := os.Getenv("QUIVER_TEST_BINARY"); p != "" {
			built.path, built.err = filepath.Abs(p)
			return
		}
		dir, err := os.MkdirTemp("", "quiver-usertest-")
		if err != nil {
			built.err = err
			return
		}
		built.dir, built.path = dir, filepath.Join(dir, "quiver")
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		cmd := exec.Command(goTool, "build", "-o", built.path, "github.com/quiver-app/quiver")
		cmd.Dir = filepath.Join("..", "..")
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("building quiver: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// Accounts of the tests.
var (
	work     = codextest.Identity{Email: "work@example.com", AccountID: "acct-work-0001", UserID: "user-work", Plan: "pro"}
	personal = codextest.Identity{Email: "personal@example.com", AccountID: "acct-personal-0002", UserID: "user-personal", Plan: "plus"}
	bob      = codextest.Identity{Email: "bob@example.com", AccountID: "acct-bob-0003", UserID: "user-bob", Plan: "plus"}
)

// sandbox is one user's machine: a private HOME with the XDG directories
// and ~/.codex below it, the quiver binary installed in ~/.local/bin (on
// PATH), and the fakes of OpenAI's servers.
type sandbox struct {
	t       *testing.T
	dir     string
	home    string
	bin     string // ~/.local/bin: quiver, and an xdg-open that opens nothing
	auth    *codextest.AuthServer
	backend *codextest.Backend
	listen  string // the proxy's address (proxy_listen), a free loopback port
	env     []string
}

func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	quiver := quiverBinary(t)
	dir := t.TempDir()
	s := &sandbox{
		t: t, dir: dir, home: filepath.Join(dir, "home"),
		auth: codextest.NewAuthServer(t), backend: codextest.NewBackend(t),
	}
	s.bin = filepath.Join(s.home, ".local", "bin")
	for _, d := range []string{s.bin, s.path(".codex"), s.path(".config"), s.path(".local", "share"), s.path(".cache"),
		filepath.Join(dir, "tmp"), filepath.Join(dir, "run")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// An installed binary (a copy, not the build's temporary one: autostart
	// refuses temporary binaries) and a browser opener that opens nothing:
	// the test plays the browser with the link quiver prints.
	data, err := os.ReadFile(quiver)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.bin, "quiver"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.bin, "xdg-open"), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	s.backend.SetTokenValid(s.auth.IsValidAccess)
	s.listen = freeLoopbackAddr(t)
	s.env = []string{
		"PATH=" + s.bin + ":/usr/local/bin:/usr/bin:/bin",
		"HOME=" + s.home,
		"USER=usertest",
		"XDG_CONFIG_HOME=" + s.path(".config"),
		"XDG_DATA_HOME=" + s.path(".local", "share"),
		"XDG_CACHE_HOME=" + s.path(".cache"),
		"XDG_STATE_HOME=" + s.path(".local", "state"),
		"XDG_RUNTIME_DIR=" + filepath.Join(dir, "run"),
		"TMPDIR=" + filepath.Join(dir, "tmp"),
		"LANG=C.UTF-8", // the default of a fresh Debian/Ubuntu and of SSH logins
		"QUIVER_SECRETS=file",
		"QUIVER_PASSPHRASE=" + testPassphrase,
		"QUIVER_BACKUP_PASSPHRASE=" + backupPass,
		"QUIVER_CHATGPT_BASE_URL=" + s.backend.URL,
		"QUIVER_AUTH_ISSUER=" + s.auth.URL,
	}
	// The proxy on a free port, not 8799, which another program may hold.
	s.writeFile(filepath.Join(".config", "quiver", "settings.json"), fmt.Sprintf(`{"version": 1, "proxy_listen": %q, "autostart_asked": true}`+"\n", s.listen), 0o600)
	return s
}

// path is a path below HOME.
func (s *sandbox) path(elem ...string) string {
	return filepath.Join(append([]string{s.home}, elem...)...)
}

func (s *sandbox) writeFile(rel, content string, mode os.FileMode) {
	s.t.Helper()
	p := s.path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		s.t.Fatal(err)
	}
}

// codexLogin signs the Codex CLI in as id: ~/.codex/auth.json holds tokens
// the fake auth server issued. It returns them.
func (s *sandbox) codexLogin(id codextest.Identity) codex.Tokens {
	s.t.Helper()
	tok := s.auth.Issue(id, 24*time.Hour)
	if err := codex.WriteLogin(s.path(".codex", "auth.json"), tok, time.Now()); err != nil {
		s.t.Fatal(err)
	}
	return tok
}

// result is how one command ended.
type result struct {
	line           string
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("$ %s\nexit %d\nstdout:\n%s\nstderr:\n%s", r.line, r.code, r.stdout, r.stderr)
}

// quiver runs `quiver args...` to completion, as typed in a shell.
func (s *sandbox) quiver(args ...string) result {
	s.t.Helper()
	return s.shell("quiver " + shellQuote(args))
}

// mustQuiver is quiver, failing the test unless the command exits 0.
func (s *sandbox) mustQuiver(args ...string) result {
	s.t.Helper()
	r := s.quiver(args...)
	if r.code != 0 {
		s.t.Fatalf("%v", r)
	}
	return r
}

// shell runs one command line with bash in HOME, with stdin from
// /dev/null. When the command prints a sign-in link of the fake auth
// server, the test follows it as the browser would.
func (s *sandbox) shell(line string) result {
	s.t.Helper()
	return s.shellInput(line, "")
}

// shellInput is shell with stdin (not a terminal).
func (s *sandbox) shellInput(line, stdin string) result {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", line)
	cmd.Dir, cmd.Env = s.home, s.env
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	inOwnProcessGroup(cmd)
	cmd.Cancel = func() error { return signalGroup(cmd, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	stdout := s.readOutput(outPipe)
	err = cmd.Wait()
	r := result{line: line, stdout: stdout(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		s.t.Fatalf("killed after %v:\n%v", commandTimeout, r)
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		s.t.Fatalf("%s: %v", line, err)
	}
	return r
}

// readOutput collects a command's stdout and plays the browser for every
// sign-in link of the fake auth server in it. The returned function waits
// for the end of the output.
func (s *sandbox) readOutput(r io.Reader) func() string {
	var buf bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			buf.WriteString(line + "\n")
			if link := strings.TrimSpace(line); strings.HasPrefix(link, s.auth.URL+"/oauth/authorize?") {
				go s.browse(link)
			}
		}
		io.Copy(&buf, r)
	}()
	return func() string { <-done; return buf.String() }
}

// browse opens link as a browser would: it follows the auth server's
// redirect back to quiver's callback on localhost.
func (s *sandbox) browse(link string) {
	client := &http.Client{Timeout: commandTimeout}
	resp, err := client.Get(link)
	if err != nil {
		s.t.Errorf("the browser could not open the sign-in link: %v", err)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// service runs a command that runs until stopped (`quiver --headless`,
// `quiver proxy`): it waits until the proxy answers /healthz on the
// sandbox's proxy address, then stops it with Ctrl-C (SIGINT) and returns
// how it ended.
func (s *sandbox) service(line string) result {
	s.t.Helper()
	cmd := exec.Command("bash", "-c", "exec "+line)
	cmd.Dir, cmd.Env = s.home, s.env
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	inOwnProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	r := result{line: line}
	finish := func(err error) result {
		r.stdout, r.stderr = stdout.String(), stderr.String()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			r.code = exit.ExitCode()
		} else if err != nil {
			r.code = -1
		}
		return r
	}
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(serviceWait)
	for {
		select {
		case err := <-exited:
			r = finish(err)
			if r.code == 0 {
				r.code = -2 // it stopped by itself: a service must run until stopped
			}
			return r
		default:
		}
		if resp, err := client.Get("http://" + s.listen + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			signalGroup(cmd, syscall.SIGKILL)
			s.t.Fatalf("%s: no proxy on %s within %v\n%v", line, s.listen, serviceWait, finish(<-exited))
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-exited:
		return finish(err)
	case <-time.After(serviceWait):
		signalGroup(cmd, syscall.SIGKILL)
		s.t.Fatalf("%s did not stop on Ctrl-C\n%v", line, finish(<-exited))
	}
	return r
}

func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// shellQuote joins args into one shell line, each single-quoted when it
// needs it.
func shellQuote(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=@:") == "" {
			out[i] = a
			continue
		}
		out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(out, " ")
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
