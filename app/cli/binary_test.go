package cli

import (
	"bytes"
	"context"
	"fmt"
	"net"
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

// These tests run the real quiver binary, built once per test run, as a
// user runs it: a process with its own environment, files in a temporary
// HOME, upstreams on the fakes of codextest.

// binaryTimeout bounds one command so that a hang fails the test.
const binaryTimeout = 60 * time.Second

var built struct {
	once sync.Once
	path string
	err  error
}

// quiverBinary builds the quiver binary (once) and returns its path.
func quiverBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the quiver binary")
	}
	if p := os.Getenv("QUIVER_CLI_TEST_BINARY"); p != "" {
		return p // an older build, to see a test fail before a fix
	}
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "quiver-cli-test-")
		if err != nil {
			built.err = err
			return
		}
		built.path = filepath.Join(dir, "quiver")
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		cmd := exec.Command(goTool, "build", "-o", built.path, "github.com/quiver-app/quiver")
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
	if built.path != "" {
		os.RemoveAll(filepath.Dir(built.path))
	}
	os.Exit(code)
}

// world is one user's machine for the binary: HOME, Quiver's files,
// CODEX_HOME, and the fake auth server and ChatGPT backend.
type world struct {
	t       *testing.T
	bin     string
	home    string
	config  string // Quiver's config directory
	codex   string // CODEX_HOME
	auth    *codextest.AuthServer
	backend *codextest.Backend
	extra   []string // more environment, e.g. LANG
}

func newWorld(t *testing.T) *world {
	t.Helper()
	home := t.TempDir()
	w := &world{
		t: t, bin: quiverBinary(t), home: home,
		config: filepath.Join(home, ".config", "quiver"), codex: filepath.Join(home, ".codex"),
		auth: codextest.NewAuthServer(t), backend: codextest.NewBackend(t),
	}
	w.backend.SetTokenValid(w.auth.IsValidAccess)
	return w
}

// env is the process environment: nothing of the caller's but PATH, no
// display and no session bus (as over SSH), LANG=en_US.UTF-8 unless
// extra says otherwise.
func (w *world) env(extra ...string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + w.home,
		"XDG_CONFIG_HOME=" + filepath.Join(w.home, ".config"),
		"XDG_DATA_HOME=" + filepath.Join(w.home, ".local", "share"),
		"XDG_CACHE_HOME=" + filepath.Join(w.home, ".cache"),
		"XDG_RUNTIME_DIR=" + filepath.Join(w.home, ".runtime"),
		"TMPDIR=" + os.TempDir(),
		"CODEX_HOME=" + w.codex,
		"OPENCODE_CONFIG=" + filepath.Join(w.home, ".config", "opencode", "opencode.json"),
		"QUIVER_SECRETS=file",
		"QUIVER_PASSPHRASE=cli-test-passphrase",
		codex.ChatGPTBaseURLEnv + "=" + w.backend.URL,
		codex.AuthIssuerEnv + "=" + w.auth.URL,
	}
	hasLocale := false
	for _, kv := range append(append([]string{}, w.extra...), extra...) {
		if strings.HasPrefix(kv, "LANG=") || strings.HasPrefix(kv, "LC_ALL=") || kv == "NOLANG=1" {
			hasLocale = true
		}
	}
	if !hasLocale {
		env = append(env, "LANG=en_US.UTF-8")
	}
	return append(append(env, w.extra...), extra...)
}

// outcome is how one command ended.
type outcome struct {
	code           int
	stdout, stderr string
}

func (o outcome) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", o.code, o.stdout, o.stderr)
}

// run runs quiver with args to completion.
func (w *world) run(args ...string) outcome {
	w.t.Helper()
	return w.runEnv(nil, args...)
}

// runEnv runs quiver with args and more environment to completion.
func (w *world) runEnv(extra []string, args ...string) outcome {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), binaryTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, w.bin, args...)
	cmd.Env = w.env(extra...)
	cmd.Dir = w.home
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	inOwnProcessGroup(cmd)
	cmd.Cancel = func() error { return signalGroup(cmd, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	o := outcome{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
	if ctx.Err() != nil {
		w.t.Fatalf("quiver %s did not end within %v (%v)\n%s", strings.Join(args, " "), binaryTimeout, err, o)
	}
	return o
}

// mustRun runs quiver with args and fails the test unless it exits 0.
func (w *world) mustRun(args ...string) string {
	w.t.Helper()
	o := w.run(args...)
	if o.code != 0 {
		w.t.Fatalf("quiver %s: %s", strings.Join(args, " "), o)
	}
	return o.stdout
}

// importLogin signs id in at the fake auth server and imports the login
// with `quiver import`.
func (w *world) importLogin(id codextest.Identity) {
	w.t.Helper()
	path := filepath.Join(w.home, "logins", id.AccountID+".json")
	if err := codex.WriteLogin(path, w.auth.Issue(id, 24*time.Hour), time.Now()); err != nil {
		w.t.Fatal(err)
	}
	w.mustRun("import", path)
}

// process is a long-running quiver process (a proxy, --headless).
type process struct {
	t      *testing.T
	cmd    *exec.Cmd
	out    *syncBuffer // stdout and stderr
	exited chan struct{}
	code   int
}

// start starts quiver with args and stops it (SIGTERM, then SIGKILL) when
// the test ends.
func (w *world) start(extra []string, args ...string) *process {
	w.t.Helper()
	p := &process{t: w.t, out: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(w.bin, args...)
	p.cmd.Env = w.env(extra...)
	p.cmd.Dir = w.home
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	inOwnProcessGroup(p.cmd)
	if err := p.cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	go func() {
		p.cmd.Wait()
		p.code = p.cmd.ProcessState.ExitCode()
		close(p.exited)
	}()
	w.t.Cleanup(p.stop)
	return p
}

// stop ends the process: SIGTERM, and SIGKILL if it is still there after
// a while.
func (p *process) stop() {
	signalGroup(p.cmd, syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		signalGroup(p.cmd, syscall.SIGKILL)
		<-p.exited
	}
	if p.t.Failed() {
		p.t.Logf("quiver %s output:\n%s", strings.Join(p.cmd.Args[1:], " "), p.out.String())
	}
}

// waitOutput waits until the process printed want, and fails the test
// when it exits first or takes longer than binaryTimeout.
func (p *process) waitOutput(want string) {
	p.t.Helper()
	deadline := time.Now().Add(binaryTimeout)
	for !strings.Contains(p.out.String(), want) {
		select {
		case <-p.exited:
			p.t.Fatalf("quiver %s exited %d before printing %q:\n%s", strings.Join(p.cmd.Args[1:], " "), p.code, want, p.out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("quiver %s did not print %q within %v:\n%s", strings.Join(p.cmd.Args[1:], " "), want, binaryTimeout, p.out.String())
		}
	}
}

// eventually retries check until it returns nil, failing the test with its
// last error after binaryTimeout. It is a bound on a hang, not a timing
// assertion.
func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(binaryTimeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// freeAddr returns a 127.0.0.1 address whose port was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// syncBuffer is a bytes.Buffer safe for a writer and readers at once.
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
