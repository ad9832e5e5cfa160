package tray_test

import (
	"bytes"
	"context"
	"fmt"
	"image/color"
	"image/png"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/account"
	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/codex/codextest"
	"github.com/quiver-app/quiver/app/desktoptest"
	"github.com/quiver-app/quiver/icons"
	"github.com/quiver-app/quiver/tray"
	"github.com/quiver-app/quiver/tray/traytest"
)

// The desktop tests run the real quiver binary: the tray runs once per
// process (systray's state is global), so the GUI cannot run inside the
// test process.

// deadline bounds each wait; generous, only there so a broken run fails
// instead of hanging.
const deadline = 60 * time.Second

var (
	alice = codextest.Identity{Email: "alice@example.com", AccountID: "acct-alice", UserID: "user-alice"}
	bob   = codextest.Identity{Email: "bob@example.com", AccountID: "acct-bob", UserID: "user-bob"}
)

// localID is the id Quiver gives an identity.
func localID(id codextest.Identity) string {
	return account.IDFor(codex.Identity{ChatGPTAccountID: id.AccountID, ChatGPTUserID: id.UserID})
}

// idleSwitches bounds the context switches the tray process may make in
// idleSpan once it has started: a timer-driven UI loop (Fyne's GLFW driver
// ticks at 60 Hz, some 2,300 switches in 5 s) is far above it, an idle
// process that waits on D-Bus and its timers far below.
const (
	idleSpan     = 5 * time.Second
	idleSwitches = 100
)

func TestTrayWithRealHost(t *testing.T) {
	desktoptest.Require(t, desktoptest.SessionBus)
	conn := desktoptest.ConnectSessionBus(t)
	host, err := traytest.NewHost(conn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { host.Close() })

	q := newQuiver(t)
	q.withoutDisplay() // the tray needs the session bus only
	q.backend.SetUsage(alice.AccountID, 42, 10)
	q.backend.SetUsage(bob.AccountID, 20, 30)
	q.login(alice, "")                                   // auth.json holds alice…
	q.login(bob, filepath.Join(t.TempDir(), "bob.json")) // …bob is only imported
	q.start(t)

	ctx, cancel := context.WithTimeout(t.Context(), deadline)
	defer cancel()
	item, err := host.WaitItem(ctx)
	if err != nil {
		t.Fatalf("%v\nquiver's log:\n%s", err, q.log())
	}

	// Title, tooltip and icon, once the first limits are in.
	props, err := item.WaitProps(ctx, func(p traytest.Props) bool { return strings.Contains(p.ToolTip.Title, "5h 42%") })
	if err != nil {
		t.Fatalf("%v\nquiver's log:\n%s", err, q.log())
	}
	if props.Title != "Quiver" {
		t.Errorf("Title = %q, want Quiver", props.Title)
	}
	if want := "Quiver — alice · 5h 42% (resets "; !strings.HasPrefix(props.ToolTip.Title, want) ||
		!strings.HasSuffix(props.ToolTip.Title, ") · week 10%") {
		t.Errorf("tooltip = %q, want %q…) · week 10%%", props.ToolTip.Title, want)
	}
	aliceBadge := icons.Badge{Initial: 'A', Color: icons.AccountColor(localID(alice)), State: icons.Normal, Primary: 0.42, Secondary: 0.10}
	checkIcon(t, "alice, normal", props, aliceBadge)

	// The menu: both accounts, the check mark on alice, the proxy, one Quit.
	menu, err := item.WaitLayout(ctx, func(m traytest.Menu) bool {
		_, ok := m.Find("Proxy on")
		return ok && strings.Contains(m.String(), "bob — bob@example.com · 5h 20% · wk 30%")
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("menu:\n%s", menu)
	checkMark(t, menu, "alice", true)
	checkMark(t, menu, "bob", false)
	for _, label := range []string{"Proxy on · " + q.listen, "Pause proxy", "Add account…", "Refresh limits", "Open Quiver…", "Start at login"} {
		if _, ok := menu.Find(label); !ok {
			t.Errorf("the menu has no %q", label)
		}
	}
	if n := strings.Count(menu.String(), tray.QuitLabel); n != 1 {
		t.Errorf("the menu has %d Quit items, want 1", n)
	}
	if status := q.healthz(); status != http.StatusOK {
		t.Errorf("the proxy's /healthz answered %d", status)
	}

	// Idle, the process sleeps: no UI loop ticks in it.
	before, err := contextSwitches(q.cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(idleSpan)
	after, err := contextSwitches(q.cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if n := after - before; n >= idleSwitches {
		t.Errorf("the idle tray process made %d context switches in %v, want fewer than %d: something polls", n, idleSpan, idleSwitches)
	} else {
		t.Logf("idle: %d context switches in %v", n, idleSpan)
	}

	// Click bob: auth.json holds him at once and the check mark moves.
	beforeClick := menu
	if err := item.Click(ctx, "bob —"); err != nil {
		t.Fatal(err)
	}
	if err := waitFor(ctx, func() bool { return q.authAccount() == bob.AccountID }); err != nil {
		t.Fatalf("auth.json still holds %q after clicking bob: %v\nquiver's log:\n%s", q.authAccount(), err, q.log())
	}
	menu, err = item.WaitLayout(ctx, func(m traytest.Menu) bool {
		b, okb := m.Find("bob")
		a, oka := m.Find("alice")
		return oka && okb && b.Checked() && !a.Checked()
	})
	if err != nil {
		t.Fatal(err)
	}
	sameItems(t, beforeClick, menu) // updated in place: the host keeps its items
	props, err = item.WaitProps(ctx, func(p traytest.Props) bool { return strings.HasPrefix(p.ToolTip.Title, "Quiver — bob ·") })
	if err != nil {
		t.Fatal(err)
	}
	bobBadge := icons.Badge{Initial: 'B', Color: icons.AccountColor(localID(bob)), State: icons.Normal, Primary: 0.20, Secondary: 0.30}
	checkIcon(t, "bob, normal", props, bobBadge)
	normalPixels := props.IconPixmap

	// Bob hits his limit; "Refresh limits" shows it: red badge, new tooltip.
	q.backend.SetUsage(bob.AccountID, 100, 30)
	if err := item.Click(ctx, "Refresh limits"); err != nil {
		t.Fatal(err)
	}
	props, err = item.WaitProps(ctx, func(p traytest.Props) bool { return strings.Contains(p.ToolTip.Title, "limited") })
	if err != nil {
		t.Fatalf("%v\nquiver's log:\n%s", err, q.log())
	}
	if want := "Quiver — bob · 5h 100% (resets "; !strings.HasPrefix(props.ToolTip.Title, want) {
		t.Errorf("tooltip = %q, want it to start %q", props.ToolTip.Title, want)
	}
	if len(props.IconPixmap) == 1 && len(normalPixels) == 1 && bytes.Equal(props.IconPixmap[0].ARGB, normalPixels[0].ARGB) {
		t.Error("the icon's pixels did not change when the account became limited")
	}
	bobBadge.State, bobBadge.Primary = icons.Limited, 1
	checkIcon(t, "bob, limited", props, bobBadge)

	// "Open Quiver…" starts the window process. This tray runs without an X
	// display, so the window says so clearly and ends (instead of the
	// toolkit panicking); the tray keeps running.
	if err := item.Click(ctx, "Open Quiver…"); err != nil {
		t.Fatal(err)
	}
	waitLog := func(want string) {
		t.Helper()
		for end := time.Now().Add(20 * time.Second); !strings.Contains(q.log(), want); {
			if time.Now().After(end) {
				t.Fatalf("quiver's log never said %q:\n%s", want, q.log())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitLog("window process started")
	waitLog("no display for the Quiver window")
	if q.healthz() != 200 {
		t.Fatal("the proxy stopped when the window process failed")
	}

	// Quit from the menu: the process ends cleanly and frees the proxy port.
	if _, err := item.WaitLayout(ctx, func(m traytest.Menu) bool {
		it, ok := m.Find("Refresh limits")
		return ok && it.Enabled // the refresh is over
	}); err != nil {
		t.Fatal(err)
	}
	if err := item.Click(ctx, tray.QuitLabel); err != nil {
		t.Fatal(err)
	}
	q.waitExit(t, 15*time.Second)
	q.checkPortFree(t)
	if log := q.log(); !strings.Contains(log, "quiver stopped") {
		t.Errorf("quiver's log does not say it stopped cleanly:\n%s", log)
	}
}

func TestNoTrayHost(t *testing.T) {
	desktoptest.Require(t, desktoptest.SessionBus)
	conn := desktoptest.ConnectSessionBus(t)
	var owned bool
	if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, tray.WatcherName).Store(&owned); err != nil {
		t.Fatal(err)
	}
	if owned {
		t.Fatalf("%s is owned on this bus: the test needs a desktop without a tray host", tray.WatcherName)
	}
	q := newQuiver(t)
	q.backend.SetUsage(alice.AccountID, 42, 10)
	q.login(alice, "")
	q.start(t)

	ctx, cancel := context.WithTimeout(t.Context(), deadline)
	defer cancel()
	// The app runs without a tray: the proxy answers, the log says why
	// there is no icon and what to install.
	if err := waitFor(ctx, func() bool { return q.healthz() == http.StatusOK }); err != nil {
		t.Fatalf("the proxy never answered: %v\nquiver's log:\n%s", err, q.log())
	}
	if err := waitFor(ctx, func() bool { return strings.Contains(q.log(), "tray started") }); err != nil {
		t.Fatalf("the GUI never started: %v\nquiver's log:\n%s", err, q.log())
	}
	log := q.log()
	for _, want := range []string{"no system tray found", "AppIndicator and KStatusNotifierItem Support", "Quiver keeps running"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log does not say %q:\n%s", want, log)
		}
	}
	// A tray host that starts later shows the icon: the item registers
	// itself when the watcher's name appears on the bus.
	host, err := traytest.NewHost(conn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { host.Close() })
	item, err := host.WaitItem(ctx)
	if err != nil {
		t.Fatalf("the tray host that started later got no item: %v\nquiver's log:\n%s", err, q.log())
	}
	if _, err := item.WaitLayout(ctx, func(m traytest.Menu) bool { _, ok := m.Find(tray.QuitLabel); return ok }); err != nil {
		t.Fatal(err)
	}

	if err := q.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	q.waitExit(t, 15*time.Second)
	q.checkPortFree(t)
}

// contextSwitches is the number of context switches, voluntary and not,
// all of process pid's threads have made so far (Linux's /proc).
func contextSwitches(pid int) (int, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	if err != nil || len(tasks) == 0 {
		return 0, fmt.Errorf("listing the threads of process %d: %v", pid, err)
	}
	total := 0
	for _, task := range tasks {
		data, err := os.ReadFile(task)
		if err != nil {
			continue // the thread ended
		}
		for line := range strings.Lines(string(data)) {
			name, value, ok := strings.Cut(line, ":")
			if !ok || (name != "voluntary_ctxt_switches" && name != "nonvoluntary_ctxt_switches") {
				continue
			}
			n, err := strconv.Atoi(strings.TrimSpace(value))
			if err != nil {
				return 0, fmt.Errorf("reading %s: %v", task, err)
			}
			total += n
		}
	}
	return total, nil
}

// sameItems fails unless menu after has the items of before, with the
// same ids in the same order (labels and states may differ).
func sameItems(t *testing.T, before, after traytest.Menu) {
	t.Helper()
	ids := func(m traytest.Menu) []int32 {
		var out []int32
		for _, it := range m {
			out = append(out, it.ID)
		}
		return out
	}
	if b, a := ids(before), ids(after); !slices.Equal(b, a) {
		t.Errorf("the menu was built again (item ids %v, then %v), want its items updated in place:\n%s\nthen\n%s", b, a, before, after)
	}
}

// checkMark fails unless the menu item labelled from prefix has (or has
// not) the check mark.
func checkMark(t *testing.T, m traytest.Menu, prefix string, want bool) {
	t.Helper()
	it, ok := m.Find(prefix)
	if !ok {
		t.Fatalf("no menu item %q in\n%s", prefix, m)
	}
	if it.Checked() != want {
		t.Errorf("%q checked = %v, want %v", it.Label, it.Checked(), want)
	}
}

// checkIcon compares the item's pixmap with the badge as the tray draws
// it (tray.IconPNG), pixel for pixel.
func checkIcon(t *testing.T, what string, p traytest.Props, b icons.Badge) {
	t.Helper()
	if len(p.IconPixmap) != 1 {
		t.Fatalf("%s: %d pixmaps, want 1", what, len(p.IconPixmap))
	}
	got := p.IconPixmap[0]
	capture(t, what, got)
	if got.Width != tray.DefaultIconSize || got.Height != tray.DefaultIconSize {
		t.Fatalf("%s: icon is %dx%d, want %d px", what, got.Width, got.Height, tray.DefaultIconSize)
	}
	data, err := tray.IconPNG(b, tray.DefaultIconSize)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	gotImg, err := got.Image()
	if err != nil {
		t.Fatal(err)
	}
	diff := 0
	for y := range tray.DefaultIconSize {
		for x := range tray.DefaultIconSize {
			if color.NRGBAModel.Convert(img.At(x, y)) != gotImg.At(x, y) {
				diff++
			}
		}
	}
	if diff > 0 {
		t.Errorf("%s: the icon is not the badge %+v: %d of %d pixels differ", what, b, diff, tray.DefaultIconSize*tray.DefaultIconSize)
	}
}

// captureEnv names a directory where the test saves the icons the tray
// host received, as PNG (for docs/tray and for looking at failures).
const captureEnv = "QUIVER_TRAY_CAPTURE"

// capture saves pixmap p as <what>.png under $QUIVER_TRAY_CAPTURE, if set.
func capture(t *testing.T, what string, p traytest.Pixmap) {
	t.Helper()
	dir := os.Getenv(captureEnv)
	if dir == "" {
		return
	}
	img, err := p.Image()
	if err != nil {
		t.Errorf("capturing %s: %v", what, err)
		return
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	name := strings.NewReplacer(", ", "-", " ", "-").Replace(what) + ".png"
	if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
		t.Errorf("capturing %s: %v", what, err)
	}
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(ctx context.Context, cond func() bool) error {
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}

// quiver is one quiver process under test with its own HOME, fakes and
// proxy port.
type quiver struct {
	t       *testing.T
	bin     string
	env     []string
	home    string
	codex   string // CODEX_HOME
	listen  string // the proxy's address
	backend *codextest.Backend
	auth    *codextest.AuthServer

	cmd    *exec.Cmd
	output *syncBuffer
	exited chan error
}

func newQuiver(t *testing.T) *quiver {
	t.Helper()
	bin := buildQuiver(t)
	home := t.TempDir()
	q := &quiver{t: t, bin: bin, home: home, codex: filepath.Join(home, ".codex"), listen: freeAddr(t),
		backend: codextest.NewBackend(t), auth: codextest.NewAuthServer(t), output: &syncBuffer{}}
	q.backend.SetTokenValid(q.auth.IsValidAccess)
	config := filepath.Join(home, ".config")
	q.env = []string{
		"HOME=" + home, "XDG_CONFIG_HOME=" + config, "XDG_DATA_HOME=" + filepath.Join(home, ".local/share"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"), "CODEX_HOME=" + q.codex,
		"QUIVER_SECRETS=file", "QUIVER_PASSPHRASE=tray-test-passphrase",
		codex.ChatGPTBaseURLEnv + "=" + q.backend.URL, codex.AuthIssuerEnv + "=" + q.auth.URL,
		"LANG=en_US.UTF-8",
	}
	for _, name := range []string{"PATH", "DISPLAY", "XAUTHORITY", "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "LC_CTYPE"} {
		if v, ok := os.LookupEnv(name); ok {
			q.env = append(q.env, name+"="+v)
		}
	}
	settings := fmt.Sprintf(`{"version": 1, "strategy": "sticky", "warn_percent": 80, "notifications": false,
"proxy_enabled": true, "proxy_listen": %q, "autostart": false, "autostart_asked": true}`, q.listen)
	dir := filepath.Join(config, "quiver")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "settings.json"), []byte(settings), 0o600); err != nil {
		t.Fatal(err)
	}
	return q
}

// withoutDisplay runs quiver with no X display, as under a Wayland-only
// or display-less session: the tray must not need one.
func (q *quiver) withoutDisplay() {
	q.env = slices.DeleteFunc(q.env, func(kv string) bool {
		return strings.HasPrefix(kv, "DISPLAY=") || strings.HasPrefix(kv, "XAUTHORITY=")
	})
}

// login signs id in at the fake auth server and imports the login with
// `quiver import`: from auth.json when path is "", else from path.
func (q *quiver) login(id codextest.Identity, path string) {
	q.t.Helper()
	args := []string{"import"}
	if path == "" {
		path = filepath.Join(q.codex, codex.AuthFileName)
	} else {
		args = append(args, path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		q.t.Fatal(err)
	}
	if err := codex.WriteLogin(path, q.auth.Issue(id, time.Hour), time.Now()); err != nil {
		q.t.Fatal(err)
	}
	cmd := exec.Command(q.bin, args...)
	cmd.Env = q.env
	if out, err := cmd.CombinedOutput(); err != nil {
		q.t.Fatalf("quiver %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// start runs the tray app (`quiver -v`), logging to q.output.
func (q *quiver) start(t *testing.T) {
	t.Helper()
	q.cmd = exec.Command(q.bin, "-v")
	q.cmd.Env = q.env
	q.cmd.Stdout, q.cmd.Stderr = q.output, q.output
	if err := q.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	q.exited = make(chan error, 1)
	go func() { q.exited <- q.cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case <-q.exited:
		default:
			q.cmd.Process.Kill()
			<-q.exited
			t.Logf("quiver was still running at the end; killed. Its log:\n%s", q.log())
		}
	})
}

// waitExit fails unless the process exits with status 0 within d.
func (q *quiver) waitExit(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case err := <-q.exited:
		q.exited <- err // for the clean-up
		if err != nil {
			t.Fatalf("quiver exited with %v; its log:\n%s", err, q.log())
		}
	case <-time.After(d):
		t.Fatalf("quiver did not exit within %v; its log:\n%s", d, q.log())
	}
}

// checkPortFree fails unless the proxy's port can be listened on again.
func (q *quiver) checkPortFree(t *testing.T) {
	t.Helper()
	l, err := net.Listen("tcp", q.listen)
	if err != nil {
		t.Fatalf("the proxy's port is still taken after quitting: %v", err)
	}
	l.Close()
}

// healthz asks the proxy's /healthz; 0 when it does not answer.
func (q *quiver) healthz() int {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + q.listen + "/healthz")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// authAccount is the ChatGPT account auth.json holds, or "".
func (q *quiver) authAccount() string {
	af, err := codex.ReadAuthFile(filepath.Join(q.codex, codex.AuthFileName))
	if err != nil {
		return ""
	}
	l, err := af.Login()
	if err != nil {
		return ""
	}
	return l.Identity().ChatGPTAccountID
}

// log is everything quiver wrote so far.
func (q *quiver) log() string { return q.output.String() }

// freeAddr returns a free 127.0.0.1 port's address.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// syncBuffer is a bytes.Buffer safe for the process's writers and the test.
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

// built is the quiver binary, built once per test binary run.
var built struct {
	once sync.Once
	path string
	err  error
}

// buildQuiver builds the quiver binary (once) and returns its path.
func buildQuiver(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "quiver-tray-test-")
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
		cmd.Dir = ".."
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
