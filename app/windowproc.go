package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"time"
)

// The window runs in a process of its own (`quiver window`), started when
// it is opened and gone when it is closed: Fyne's driver loop wakes 60
// times a second while it runs, and a tray app that idles all day must not
// pay that. The tray process (or `quiver --headless`) keeps the background
// work; the window process follows the same files (Follow).

// WindowCommand is the hidden subcommand that runs the window process.
const WindowCommand = "window"

// windowOfTrayEnv tells a window process that a tray process started it
// and holds its stdin open for as long as it lives.
const windowOfTrayEnv = "QUIVER_WINDOW_OF_TRAY"

// StartedByTray reports whether this process is a window process whose
// stdin closes when its tray process ends.
func StartedByTray() bool { return os.Getenv(windowOfTrayEnv) == "1" }

// WindowReady is the line the window process writes on its standard output
// once it handles RaiseSignals.
const WindowReady = "ready"

// ShowWindowProcess opens the window: it starts the window process, or
// asks the running one to come to the front.
func (a *App) ShowWindowProcess() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.winCmd != nil {
		// Before it says it is ready, the process may not handle the raise
		// signal yet (and would die of it); its window is coming up anyway.
		if a.winReady {
			if err := raiseWindowProcess(a.winCmd.Process); err != nil {
				a.log.Warn("raising the window", "err", err)
			}
		}
		return
	}
	exe, err := os.Executable()
	if err != nil {
		a.log.Error("starting the window", "err", fmt.Errorf("finding this program: %w", err))
		return
	}
	ctx := a.runCtx
	if ctx == nil {
		ctx = context.Background()
	}
	cmd := exec.CommandContext(ctx, exe, WindowCommand)
	cmd.Cancel = func() error { return stopProcess(cmd.Process) } // Quit closes the window too
	cmd.WaitDelay = 5 * time.Second
	cmd.Stderr = os.Stderr
	cmd.Env = append(os.Environ(), windowOfTrayEnv+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		a.log.Error("starting the window", "err", err)
		return
	}
	// The window process reads its stdin until EOF: when this process
	// ends, however it ends (even SIGKILL), the pipe closes and the window
	// goes with it. Nothing is ever written.
	if _, err := cmd.StdinPipe(); err != nil {
		a.log.Error("starting the window", "err", err)
		return
	}
	if err := cmd.Start(); err != nil {
		a.log.Error("starting the window", "err", err)
		return
	}
	a.winCmd, a.winReady = cmd, false
	a.log.Info("window process started", "pid", cmd.Process.Pid)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == WindowReady {
				a.mu.Lock()
				if a.winCmd == cmd {
					a.winReady = true
				}
				a.mu.Unlock()
			}
		}
	}()
	go func() {
		err := cmd.Wait()
		a.mu.Lock()
		if a.winCmd == cmd {
			a.winCmd = nil
		}
		a.mu.Unlock()
		if err != nil && ctx.Err() == nil {
			a.log.Warn("the window process ended with an error", "err", err)
		}
	}()
}

// stopWindowProcess closes the window process when the app stops.
func (a *App) stopWindowProcess() {
	a.mu.Lock()
	cmd := a.winCmd
	a.mu.Unlock()
	if cmd != nil {
		a.log.Info("stopping the window process", "pid", cmd.Process.Pid)
		stopProcess(cmd.Process)
	}
}

// proxyProbeEvery is how often the window process checks the proxy.
const proxyProbeEvery = 3 * time.Second

// probeProxy keeps the State's proxy status current in a process that does
// not run the proxy itself (the window process), by asking /healthz.
func (a *App) probeProxy(ctx context.Context) error {
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(proxyProbeEvery)
	defer tick.Stop()
	for {
		s := a.Settings()
		st := ProxyStatus{Enabled: s.ProxyEnabled, Listen: s.ProxyListen}
		if resp, err := client.Get("http://" + s.ProxyListen + "/healthz"); err == nil {
			resp.Body.Close()
			st.Running = resp.StatusCode == http.StatusOK
		}
		if s.ProxyEnabled && !st.Running {
			st.Err = "not answering: is Quiver running (the tray app or `quiver --headless`)?"
		}
		a.mu.Lock()
		changed := a.proxy != st
		a.mu.Unlock()
		if changed {
			a.setProxyStatus(st)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// ErrNoDisplay means the window has no desktop session to open in.
var ErrNoDisplay = errors.New("no display for the Quiver window (DISPLAY and WAYLAND_DISPLAY are unset): " +
	"use the CLI (`quiver list`, `quiver status`, …) or run Quiver in a desktop session")

// CheckDisplay fails where the window could not open (and Fyne would
// panic): on X11/Wayland systems with neither display variable set.
func CheckDisplay() error {
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
		if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			return ErrNoDisplay
		}
	}
	return nil
}
