package window

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/codex/codextest"
	"github.com/quiver-app/quiver/app/desktoptest"
)

// TestOpenRealWindow builds the real binary, seeds two accounts with
// `quiver import`, runs `quiver open` on the X display (usage comes from a
// fake ChatGPT backend on 127.0.0.1), waits for the window and captures
// the screen. With QUIVER_SCREENSHOTS_DIR set the capture is kept there as
// real-window.png.
func TestOpenRealWindow(t *testing.T) {
	desktoptest.Require(t, desktoptest.Display)
	for _, tool := range []string{"import", "xwininfo", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			if desktoptest.InSession() {
				t.Fatalf("the desktop session lacks %s (imagemagick, x11-utils)", tool)
			}
			t.Skipf("needs %s", tool)
		}
	}
	root := t.TempDir()
	bin := filepath.Join(root, "quiver")
	build := exec.Command("go", "build", "-o", bin, "github.com/quiver-app/quiver")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building quiver: %v\n%s", err, out)
	}

	auth := codextest.NewAuthServer(t)
	backend := codextest.NewBackend(t)
	backend.SetTokenValid(auth.IsValidAccess)
	paths := app.Paths{ConfigDir: filepath.Join(root, "config", "quiver"), CodexHome: filepath.Join(root, "codex")}
	env := append(os.Environ(),
		"HOME="+filepath.Join(root, "home"), "XDG_CONFIG_HOME="+filepath.Join(root, "config"),
		"XDG_DATA_HOME="+filepath.Join(root, "data"), "XDG_CACHE_HOME="+filepath.Join(root, "cache"),
		"QUIVER_CONFIG_DIR="+paths.ConfigDir, "CODEX_HOME="+paths.CodexHome,
		"QUIVER_SECRETS=file", "QUIVER_PASSPHRASE=window test passphrase",
		codex.ChatGPTBaseURLEnv+"="+backend.URL, codex.AuthIssuerEnv+"="+auth.URL, "LANG=en_US.UTF-8",
	)
	// The proxy on a free port; no first-run autostart question.
	settings := app.DefaultSettings()
	settings.ProxyListen = freeLoopbackAddr(t)
	settings.Autostart, settings.AutostartAsked = false, true
	if err := app.SaveSettings(paths.SettingsFile(), settings); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("quiver %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	for _, s := range []struct {
		who        codextest.Identity
		alias      string
		five, week float64
	}{
		{codextest.Identity{Email: "ada@work.example", AccountID: "ws-work", UserID: "u-1", Plan: "pro"}, "work", 42, 18},
		{codextest.Identity{Email: "ada.l@mail.example", AccountID: "ws-home", UserID: "u-2"}, "personal", 87, 35},
	} {
		if err := codex.WriteLogin(paths.AuthFile(), auth.Issue(s.who, 240*time.Hour), time.Now()); err != nil {
			t.Fatal(err)
		}
		run("import")
		run("rename", s.who.Email, s.alias)
		backend.SetUsage(s.who.AccountID, s.five, s.week)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out bytes.Buffer
	open := exec.CommandContext(ctx, bin, "open")
	open.Env, open.Stdout, open.Stderr = env, &out, &out
	if err := open.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		open.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- open.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			open.Process.Kill()
			<-done
		}
	})

	// The window appears, and the usage poller fills in the figures.
	waitFor(t, 60*time.Second, "the Quiver window", func() bool {
		tree, _ := exec.Command("xwininfo", "-root", "-tree").Output()
		return bytes.Contains(tree, []byte(`"Quiver"`))
	}, &out)
	waitFor(t, 30*time.Second, "fresh usage figures", func() bool {
		data, _ := os.ReadFile(paths.AccountsFile())
		var f struct {
			Accounts []struct{ Usage *json.RawMessage }
		}
		json.Unmarshal(data, &f)
		n := 0
		for _, a := range f.Accounts {
			if a.Usage != nil {
				n++
			}
		}
		return n == 2
	}, &out)
	time.Sleep(2 * time.Second) // the window redraws with them

	shot := filepath.Join(root, "real-window.png")
	if dir := os.Getenv("QUIVER_SCREENSHOTS_DIR"); dir != "" {
		shot = filepath.Join(dir, "real-window.png")
	}
	if b, err := exec.Command("import", "-window", "root", shot).CombinedOutput(); err != nil {
		t.Fatalf("capturing the screen: %v\n%s", err, b)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if n := colours(img); n < 50 {
		t.Errorf("the capture has %d colours: no window drawn?\n%s", n, out.String())
	}
}

func freeLoopbackAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool, out *bytes.Buffer) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %v; quiver said:\n%s", what, limit, out.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// colours counts distinct colours (up to a bound) in img.
func colours(img image.Image) int {
	seen := map[uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[r>>8<<16|g>>8<<8|bl>>8] = true
			if len(seen) > 1000 {
				return len(seen)
			}
		}
	}
	return len(seen)
}
