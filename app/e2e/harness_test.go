//go:build linux

package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/codex/codextest"
)

// Generous bounds so that a hang fails the test instead of stalling it.
const (
	commandTimeout = 30 * time.Second
	proxyStartWait = 20 * time.Second
	proxyStopWait  = 5 * time.Second
)

// The two accounts of every test: Alice is the active one, Bob the spare.
var (
	alice = codextest.Identity{Email: "alice@example.com", AccountID: "acct-alice-0001", UserID: "user-alice", Plan: "plus"}
	bob   = codextest.Identity{Email: "bob@example.com", AccountID: "acct-bob-0002", UserID: "user-bob", Plan: "pro"}
)

// responsesPath is where the fake backend serves model turns.
const responsesPath = "/codex/responses"

// harness is one test's world: the fake auth server and ChatGPT backend,
// Quiver's files with two imported accounts, and a running `quiver proxy`.
// Everything lives in the test's temporary directory and on 127.0.0.1.
type harness struct {
	t       *testing.T
	quiver  string // the quiver binary
	dir     string // the test's root directory
	home    string // HOME of every process the test starts
	codex   string // CODEX_HOME, shared by Quiver and the Codex CLI as on a user's machine
	auth    *codextest.AuthServer
	backend *codextest.Backend
	tokens  map[string]codex.Tokens // by account id
	proxy   string                  // http://127.0.0.1:PORT
	key     string                  // the proxy key
	log     *syncBuffer             // the proxy's stderr
}

// newHarness sets up the fakes and Quiver's accounts and starts the proxy.
func newHarness(t *testing.T) *harness { t.Helper(); return newHarnessWith(t, nil) }

// newHarnessWith is newHarness with beforeProxy run once the accounts are
// imported and before `quiver proxy` starts (one proxy may run per user).
func newHarnessWith(t *testing.T, beforeProxy func(*harness)) *harness {
	t.Helper()
	dir := t.TempDir()
	h := &harness{
		t:       t,
		quiver:  requireBinary(t, quiverEnv),
		dir:     dir,
		home:    filepath.Join(dir, "home"),
		codex:   filepath.Join(dir, "home", ".codex"),
		auth:    codextest.NewAuthServer(t),
		backend: codextest.NewBackend(t),
		tokens:  map[string]codex.Tokens{},
	}
	for _, d := range []string{h.home, h.codex, h.configDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// Only tokens the auth server issued pass: a client's own credential
	// (the proxy key) reaching the backend would be refused.
	h.backend.SetTokenValid(h.auth.IsValidAccess)

	for _, id := range []codextest.Identity{alice, bob} {
		tok := h.auth.Issue(id, 24*time.Hour)
		h.tokens[id.AccountID] = tok
		path := filepath.Join(dir, "logins", id.AccountID+".json")
		if err := codex.WriteLogin(path, tok, time.Now()); err != nil {
			t.Fatal(err)
		}
		h.run("import", path)
	}
	h.run("switch", alice.Email)
	h.key = strings.TrimSpace(h.run("proxy", "key"))
	if h.key == "" {
		t.Fatal("quiver proxy key printed nothing")
	}
	if beforeProxy != nil {
		beforeProxy(h)
	}
	h.startProxy()
	return h
}

func (h *harness) configDir() string { return filepath.Join(h.dir, "quiver") }

// baseEnv is the environment of every process the test starts: a private
// HOME and XDG directories, nothing of the caller's but PATH.
func (h *harness) baseEnv() []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + h.home,
		"XDG_CONFIG_HOME=" + filepath.Join(h.home, ".config"),
		"XDG_DATA_HOME=" + filepath.Join(h.home, ".local", "share"),
		"XDG_STATE_HOME=" + filepath.Join(h.home, ".local", "state"),
		"XDG_CACHE_HOME=" + filepath.Join(h.home, ".cache"),
		"XDG_RUNTIME_DIR=" + filepath.Join(h.home, ".runtime"),
		"TMPDIR=" + os.TempDir(),
		"LANG=en_US.UTF-8",
		"CODEX_HOME=" + h.codex,
	}
}

// quiverEnv is baseEnv plus Quiver's own settings: its files in the test
// directory, secrets in the encrypted file (no keyring in the namespace),
// upstreams on the fakes.
func (h *harness) quiverEnv() []string {
	return append(h.baseEnv(),
		"QUIVER_CONFIG_DIR="+h.configDir(),
		"QUIVER_SECRETS=file",
		"QUIVER_PASSPHRASE=e2e-passphrase-not-a-secret",
		"QUIVER_CHATGPT_BASE_URL="+h.backend.URL,
		"QUIVER_AUTH_ISSUER="+h.auth.URL,
	)
}

// run runs one quiver subcommand to completion and returns its stdout.
func (h *harness) run(args ...string) string {
	h.t.Helper()
	res := runCommand(h.t, command{
		path: h.quiver, args: args, env: h.quiverEnv(), dir: h.dir, timeout: commandTimeout,
	})
	if res.err != nil {
		h.t.Fatalf("quiver %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), res.err, res.stdout, res.stderr)
	}
	return res.stdout
}

// startProxy runs `quiver proxy` on a free loopback port until the test
// ends, and waits until it answers /healthz.
func (h *harness) startProxy() {
	h.t.Helper()
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		addr := freeLoopbackAddr(h.t)
		if lastErr = h.tryStartProxy(addr); lastErr == nil {
			h.proxy = "http://" + addr
			return
		}
		h.t.Logf("proxy on %s did not start: %v", addr, lastErr)
	}
	h.t.Fatalf("starting quiver proxy: %v", lastErr)
}

func (h *harness) tryStartProxy(addr string) error {
	log := &syncBuffer{}
	cmd := exec.Command(h.quiver, "proxy", "--listen", addr)
	cmd.Env = h.quiverEnv()
	cmd.Dir = h.dir
	cmd.Stdout = log
	cmd.Stderr = log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", h.quiver, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(proxyStopWait):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}

	deadline := time.Now().Add(proxyStartWait)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("quiver proxy exited (%v):\n%s", err, log.String())
		default:
		}
		resp, err := client.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			stop()
			return fmt.Errorf("no answer on /healthz within %v:\n%s", proxyStartWait, log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	h.log = log
	h.t.Cleanup(func() {
		stop()
		if h.t.Failed() {
			h.t.Logf("quiver proxy log:\n%s", log.String())
		}
	})
	return nil
}

// freeLoopbackAddr returns a 127.0.0.1 address whose port was free a moment
// ago.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// turns returns the model turns (requests to /codex/responses) the backend
// received from index from on.
func (h *harness) turns(from int) []codextest.BackendRequest {
	var out []codextest.BackendRequest
	for _, r := range h.backend.Requests()[from:] {
		if r.Path == responsesPath {
			out = append(out, r)
		}
	}
	return out
}

// mark is the number of requests the backend has received so far.
func (h *harness) mark() int { return len(h.backend.Requests()) }

// assertServedBy checks that the turns since from were all answered by
// account, with no failure on the way.
func (h *harness) assertServedBy(from int, account string) {
	h.t.Helper()
	turns := h.turns(from)
	if len(turns) == 0 {
		h.t.Fatal("the backend received no model turn")
	}
	for _, r := range turns {
		if r.AccountID != account || r.Status != http.StatusOK {
			h.t.Errorf("turn on %s answered %d; want every turn on %s answered 200 (turns: %s)",
				r.AccountID, r.Status, account, describeTurns(turns))
		}
	}
}

// assertFailedOver checks that the turns since from were first refused by
// limited with 429 and then answered by spare, and that limited answered
// none.
func (h *harness) assertFailedOver(from int, limited, spare string) {
	h.t.Helper()
	turns := h.turns(from)
	var refused, served int
	for _, r := range turns {
		switch {
		case r.AccountID == limited && r.Status == http.StatusTooManyRequests:
			refused++
		case r.AccountID == spare && r.Status == http.StatusOK:
			served++
		default:
			h.t.Errorf("unexpected turn on %s answered %d (turns: %s)", r.AccountID, r.Status, describeTurns(turns))
		}
	}
	if refused == 0 || served == 0 {
		h.t.Errorf("want %s refused with 429 and %s serving; turns: %s", limited, spare, describeTurns(turns))
	}
	if len(turns) > 0 && turns[0].AccountID != limited {
		h.t.Errorf("the first turn went to %s; the sticky strategy should try the active %s first (turns: %s)",
			turns[0].AccountID, limited, describeTurns(turns))
	}
}

func describeTurns(turns []codextest.BackendRequest) string {
	parts := make([]string, len(turns))
	for i, r := range turns {
		parts[i] = fmt.Sprintf("%s=%d", r.AccountID, r.Status)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// assertNoSecretsLogged checks that the proxy's log holds neither the
// proxy key nor any account's tokens.
func (h *harness) assertNoSecretsLogged() {
	h.t.Helper()
	log := h.log.String()
	secrets := map[string]string{"the proxy key": h.key}
	for id, tok := range h.tokens {
		secrets[id+"'s access token"] = tok.AccessToken
		secrets[id+"'s refresh token"] = tok.RefreshToken
	}
	for what, s := range secrets {
		if s != "" && strings.Contains(log, s) {
			h.t.Errorf("the proxy log contains %s", what)
		}
	}
}

// command is one process to run to completion.
type command struct {
	path    string
	args    []string
	env     []string
	dir     string
	timeout time.Duration
}

// result is how a command ended.
type result struct {
	stdout, stderr string
	err            error // nil when it exited 0
	elapsed        time.Duration
}

// runCommand runs c with stdin from /dev/null, in its own process group,
// killed (group and all) when its timeout passes.
func runCommand(t *testing.T, c command) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.path, c.args...)
	cmd.Env = c.env
	cmd.Dir = c.dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	res := result{stdout: stdout.String(), stderr: stderr.String(), err: err, elapsed: time.Since(start)}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		res.err = fmt.Errorf("killed after %v: %w", c.timeout, err)
	}
	return res
}

// randomHex returns n random bytes in hex.
func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
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
